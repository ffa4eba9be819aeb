/* type_util.h — what the collection types (lists, hashes, sets, sorted
 * sets) share: the conversion thresholds set by Valkey's directives, and
 * typed lookups that answer WRONGTYPE.
 *
 * How a collection command writes its value (see db.h, "Collection
 * values"): values may be read through kvGetPtr at any time, but a change
 * that can move the value (a listpack that grows or shrinks, a conversion
 * to another encoding) is bracketed by dbValueOpen / dbValueClose, because
 * small listpacks live inside the keyspace entry itself:
 *
 *     kvobj *kv = typeLookupWrite(c, key, OBJ_HASH, &wrong);
 *     unsigned char *lp = dbValueOpen(kv);          // caller owns it now
 *     lp = lpAppend(lp, ...);                       // may realloc
 *     kv = dbValueClose(c->db, kv, OBJ_ENCODING_LISTPACK, lp);
 *
 * A new key is created with kvCreatePointer(key, len, type, encoding, ptr,
 * -1) and dbAdd; a collection that becomes empty is deleted (dbDelete,
 * after dbValueClose).  Then dbKeyWritten(db, key, NOTIFY_xxx, "event"). */
#ifndef TESSERA_TYPE_UTIL_H
#define TESSERA_TYPE_UTIL_H

#include "node/base/dstr.h"
#include "node/net/client.h"
#include "node/store/db.h"
#include "node/store/kvobj.h"
#include "node/store/scan.h"

/* Conversion thresholds (valkey.conf "ADVANCED CONFIG"), bound to their
 * directives by node/server/config_bindings.c; CONFIG SET changes them at
 * run time and they apply to the next write of each value. */
typedef struct typeSettings {
    long long hashMaxListpackEntries; /* hash-max-listpack-entries 512 */
    long long hashMaxListpackValue;   /* hash-max-listpack-value 64 */
    int listMaxListpackSize;          /* list-max-listpack-size -2 */
    int listCompressDepth;            /* list-compress-depth 0 */
    long long setMaxIntsetEntries;    /* set-max-intset-entries 512 */
    long long setMaxListpackEntries;  /* set-max-listpack-entries 128 */
    long long setMaxListpackValue;    /* set-max-listpack-value 64 */
    long long zsetMaxListpackEntries; /* zset-max-listpack-entries 128 */
    long long zsetMaxListpackValue;   /* zset-max-listpack-value 64 */
} typeSettings;

typeSettings *typeGetSettings(void);

/* Lookup flags for a read by this client (CLIENT NO-TOUCH). */
int typeReadFlags(const client *c);

/* Looks key up for reading.  NULL with *wrongType 0: no such key.  When the
 * key holds another type, replies WRONGTYPE, sets *wrongType and returns
 * NULL. */
kvobj *typeLookupRead(client *c, const dstr key, int type, int *wrongType);
/* The same for a command that will write the key (db.h LOOKUP_WRITE). */
kvobj *typeLookupWrite(client *c, const dstr key, int type, int *wrongType);

/* The start shared by HSCAN, SSCAN and ZSCAN (key cursor [options]): the
 * cursor, a typed lookup, the options (scan.h kind).  Returns the entry,
 * or NULL after replying (an error, or the empty scan of a missing key). */
kvobj *typeScanBegin(client *c, int type, int kind, unsigned long long *cursor, scanArgs *a);

#endif
