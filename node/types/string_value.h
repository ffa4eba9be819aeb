/* string_value.h — helpers shared by the string and bitmap commands: how a
 * command reads a string value whatever its encoding, stores a new one in
 * place of an old entry, grows one for an in-place write, enforces the
 * proto-max-bulk-len limit on string sizes, and rewrites its argv into the
 * deterministic form that is propagated. */
#ifndef TESSERA_STRING_VALUE_H
#define TESSERA_STRING_VALUE_H

#include <stddef.h>

#include "node/base/dstr.h"
#include "node/net/client.h"
#include "node/store/db.h"
#include "node/store/kvobj.h"

/* Lookup flags for a read by this client (CLIENT NO-TOUCH). */
static inline int stringLookupFlags(const client *c) {
    return (c->flags & CLIENT_NO_TOUCH) ? LOOKUP_NOTOUCH : LOOKUP_NONE;
}

/* Replies the value of a string entry as a bulk string. */
void stringReplyValue(client *c, const kvobj *kv);

/* The largest string a command may build (proto-max-bulk-len). */
long long stringMaxLength(void);
void stringSetMaxLength(long long max);

/* Returns 0 if a string of size + append bytes is allowed, else replies
 * "string exceeds maximum allowed size" and returns -1.  A primary's
 * stream is always obeyed. */
int stringCheckLength(client *c, long long size, long long append);

/* dbLookupWrite for a command that may then add the key: NULL means the
 * key is absent from the table.  On a replica an expired entry is removed
 * here (db.h's LOOKUP_WRITE rule), except for the primary's own stream,
 * which sees it as live (the primary only writes keys it holds). */
kvobj *stringLookupWrite(client *c, const dstr key);

/* Puts kv (a new entry for the same key) in the table in place of old, or
 * adds it when old is NULL; frees old.  Returns kv. */
kvobj *stringStore(serverDb *db, kvobj *old, kvobj *kv);

/* Overwrites the value of a persistent string entry in place when the new
 * value fits exactly (an integer over an INT entry, the same number of
 * bytes over an EMBSTR entry): no allocation and no table update.  Returns
 * 1 if done, 0 if the caller must build a new entry.  The encoding is the
 * one kvCreateString(..., allowInt = 1) would choose. */
int stringOverwriteInPlace(kvobj *kv, const char *val, size_t len);

/* The string at key as a RAW entry of at least minLen bytes (zero padded),
 * created when missing, ready for an in-place write through kvGetPtr.
 * Replies WRONGTYPE and returns NULL if key holds another type.
 * *changed is set when the key was created or grew. */
kvobj *stringLookupForInPlace(client *c, const dstr key, size_t minLen, int *changed);

/* Replaces the client's argv (for propagation) with argc arguments given
 * as (pointer, length) pairs; the bytes are copied, so they may point into
 * the current argv. */
void stringRewriteArgv(client *c, int argc, ...);

#endif
