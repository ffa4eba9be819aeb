/* hash_value.h — the value of a hash key in its two encodings, and the
 * small API the hash commands use and that RDB save/load, DEBUG DIGEST,
 * COPY and MEMORY USAGE use too.
 *
 *   LISTPACK   field, value, field, value ... in one listpack (byte-exact,
 *              so RDB stores it as is); small ones live inside the keyspace
 *              entry (kvobj.h KV_EMBED_LISTPACK_LIMIT).
 *   HASHTABLE  node/store/hashtable.h of entries that hold field and value
 *              in one allocation (see hash_value.c).
 *
 * A hash is LISTPACK while it has at most hash-max-listpack-entries fields
 * and every field and value is at most hash-max-listpack-value bytes
 * (typeGetSettings(), read at each write); the first write that breaks
 * either rule converts it to HASHTABLE, and it never converts back (as
 * Valkey).
 *
 * Elements are handed out as lpEntry (listpack.h): bytes (sval, slen) or,
 * for integers a listpack stored compactly, sval == NULL and lval.  A
 * HASHTABLE always hands out bytes. */
#ifndef TESSERA_HASH_VALUE_H
#define TESSERA_HASH_VALUE_H

#include <stddef.h>

#include "node/base/dstr.h"
#include "node/store/hashtable.h"
#include "node/store/kvobj.h"
#include "node/types/listpack.h"

/* A hash value being read or changed: the encoding and the pointer (a
 * listpack or a hashtable).  Writers may change both; the caller stores
 * them back (dbValueClose / kvCreatePointer). */
typedef struct hashValue {
    int encoding;
    void *ptr;
} hashValue;

/* The value of a hash entry, for reading (an embedded listpack is read in
 * place: don't change it through this). */
hashValue hashValueOf(const kvobj *kv);

/* --- Create, size, free --- */
/* An empty LISTPACK hash. */
void hashValueInit(hashValue *h);
/* Frees the value (either encoding). */
void hashValueRelease(hashValue *h);
/* Number of fields. */
unsigned long hashValueLength(const hashValue *h);
/* Bytes used (allocator sizes; a large HASHTABLE is sampled). */
size_t hashValueMemUsage(const hashValue *h);
/* An independent deep copy. */
hashValue hashValueDup(const hashValue *h);

/* --- Fields --- */
/* 1 and *value set if field exists, else 0.  For a LISTPACK the bytes
 * point into the listpack: valid until the next change. */
int hashValueGet(const hashValue *h, const char *field, size_t flen, lpEntry *value);
/* Sets field to value, converting to HASHTABLE first when the thresholds
 * (or the listpack size limit) require it.  Returns 1 if the field is new,
 * 0 if an existing one was updated. */
int hashValueSet(hashValue *h, const char *field, size_t flen, const char *value, size_t vlen);
/* Removes field; returns 1 if it existed.  Never converts back. */
int hashValueDelete(hashValue *h, const char *field, size_t flen);

/* Before a command adds `pairs` field/value pairs whose longest argument is
 * maxLen bytes and whose lengths sum to totalLen: converts to HASHTABLE now
 * when the result cannot stay a listpack (Valkey's rule: more new pairs
 * than hash-max-listpack-entries converts even if some repeat), and
 * pre-sizes a HASHTABLE for them. */
void hashValuePrepare(hashValue *h, size_t pairs, size_t maxLen, size_t totalLen);
/* Converts a LISTPACK to HASHTABLE (no-op if already one). */
void hashValueConvert(hashValue *h);
/* For loaders handed a whole listpack (RDB, RESTORE): converts it if it
 * breaks the thresholds. */
void hashValueConvertIfNeeded(hashValue *h);
/* Deep check of untrusted bytes as a hash listpack: a well-formed listpack
 * (listpack.h lpValidateIntegrity) with a non-zero even element count and
 * no field twice.  Returns 1 if valid. */
int hashValueListpackIsValid(unsigned char *lp, size_t size);

/* --- Iteration over field/value pairs --- */
typedef struct hashValueIter {
    hashValue h;      /* a copy: the caller's may go out of scope */
    unsigned char *p; /* LISTPACK: next field */
    hashtableIterator ht;
} hashValueIter;
/* No change to the value while an iterator is live. */
void hashValueIterInit(hashValueIter *it, const hashValue *h);
/* 1 with the next pair (value may be NULL), or 0 at the end. */
int hashValueIterNext(hashValueIter *it, lpEntry *field, lpEntry *value);
void hashValueIterReset(hashValueIter *it);

/* --- HASHTABLE entries (HSCAN, HRANDFIELD walk the table directly) --- */
/* The entry's field (a read-only dstr) and value bytes. */
dstr hashEntryField(const void *entry);
const char *hashEntryValue(const void *entry, size_t *len);
/* The pair of a table entry as lpEntry. */
void hashEntryPair(const void *entry, lpEntry *field, lpEntry *value);

/* Bytes of an element as text: for an integer the digits are written into
 * buf (LP_INTBUF_SIZE bytes).  Returns the bytes, *len their count. */
const char *hashElementBytes(const lpEntry *e, char *buf, size_t *len);

/* Registers free/size/dup functions with kvobj and the keyspace. */
void hashValueRegister(void);

#endif
