/* rdb_collection.h — what the collection savers and loaders of rdb/
 * (rdb_list.c, rdb_hash.c, rdb_set.c, rdb_zset.c) share: loading blobs,
 * the duplicate check over untrusted elements, the empty-value rule, and
 * the readers of the two legacy compact formats (rdb_ziplist.c). */
#ifndef TESSERA_RDB_COLLECTION_H
#define TESSERA_RDB_COLLECTION_H

#include <stddef.h>

#include "node/base/dstr.h"
#include "node/store/hashtable.h"
#include "node/types/listpack.h"
#include "rdb/rdb.h"

/* --- Loading --- */

/* A blob (listpack, intset, ziplist, zipmap) stored as an RDB string: a
 * dstr holding its bytes, or NULL with the reader's error set.  A blob
 * that came as an integer-encoded string is returned as its digits (and
 * then fails validation like any other garbage). */
dstr rdbLoadBlob(rdbReader *r);

/* A collection with no element: tessera refuses it (Valkey skips such keys
 * when loading a file, an empty value being something no command can
 * create).  Sets the reader's error; returns NULL. */
kvobj *rdbFailEmpty(rdbReader *r, int rdbType, const dstr key);

/* The same, for a blob that failed its deep validation. */
kvobj *rdbFailIntegrity(rdbReader *r, int rdbType, const dstr key);

/* --- Duplicate detection over element bytes --- */

/* A set of byte strings (copies) sized for about hint elements. */
hashtable *rdbSeenCreate(size_t hint);
/* 1 if s was not seen before (it is recorded), 0 if it was. */
int rdbSeenAdd(hashtable *seen, const void *s, size_t len);
/* The same for a listpack element (an integer counts as its digits). */
int rdbSeenAddEntry(hashtable *seen, const lpEntry *e);
void rdbSeenRelease(hashtable *seen);

/* 1 if the elements at positions 0, step, 2*step ... of a listpack that
 * passed lpValidateIntegrity are distinct (a hash's fields: step 2).  Small
 * listpacks are compared pairwise, without allocating; bigger ones go
 * through a table, so the cost stays O(n). */
int rdbListpackDistinct(unsigned char *lp, unsigned step);

/* Bytes of a listpack element as text (digits into buf, LP_INTBUF_SIZE). */
const char *rdbEntryBytes(const lpEntry *e, char *buf, size_t *len);

/* --- Legacy formats (rdb_ziplist.c) --- */

/* Checks untrusted ziplist bytes deeply (header, every entry's prevlen and
 * encoding, bounds, count, tail offset, end byte) and returns a new
 * listpack with the same elements in the same order, or NULL when the
 * bytes are not a valid ziplist.  Never reads outside [zl, zl + size). */
unsigned char *rdbZiplistToListpack(const unsigned char *zl, size_t size);
/* The same for a zipmap (Redis < 2.6 small hashes): a listpack of field,
 * value, field, value ...  Duplicates are the caller's check. */
unsigned char *rdbZipmapToListpack(const unsigned char *zm, size_t size);

#endif
