/* zset_value.h — a sorted set value in either of its encodings, and the
 * small API that the ZSET commands, SORT, DEBUG DIGEST and RDB use.
 *
 * LISTPACK: one listpack of alternating member, score elements ordered by
 * (score, member bytes); used while the set has at most
 * zset-max-listpack-entries members of at most zset-max-listpack-value bytes.
 * SKIPLIST: a zset (below): the skiplist orders the elements, a hashtable
 * whose entries ARE the skiplist nodes (keyed by node->member) answers
 * member -> score in O(1), so a member is stored once.
 *
 * A value is handled through a zsetRef (encoding + pointer).  Writers change
 * z->ptr / z->encoding (a listpack moves when it grows, an add may convert
 * it): for a value in the keyspace, open it with dbValueOpen, build the ref,
 * change it, and dbValueClose(db, kv, z.encoding, z.ptr).  A SKIPLIST value
 * never moves.  Conversion is only LISTPACK -> SKIPLIST on writes (Valkey
 * never converts back on deletes); zsetShrinkIfFits is for new results
 * (ZUNIONSTORE, ZRANGESTORE ...), which pick the small encoding by size. */
#ifndef TESSERA_ZSET_VALUE_H
#define TESSERA_ZSET_VALUE_H

#include <stddef.h>

#include "node/store/hashtable.h"
#include "node/store/kvobj.h"
#include "node/types/listpack.h"
#include "node/types/skiplist.h"

/* The SKIPLIST encoding's value. */
typedef struct zset {
    hashtable *dict; /* entries: zskiplistNode *, key node->member */
    zskiplist *zsl;
} zset;

typedef struct zsetRef {
    int encoding; /* OBJ_ENCODING_LISTPACK or OBJ_ENCODING_SKIPLIST */
    void *ptr;    /* unsigned char * listpack, or zset * */
} zsetRef;

/* The value of a ZSET entry (read-only use unless opened, see above). */
zsetRef zsetRefOf(const kvobj *kv);

/* --- Create, free, size --- */

/* An empty value in the encoding Valkey picks for about sizeHint members
 * of at most maxLenHint bytes (LISTPACK when both are within the
 * zset-max-listpack-* thresholds). */
zsetRef zsetCreate(size_t sizeHint, size_t maxLenHint);
void zsetRelease(zsetRef *z);
/* Deep copy of a value held by pointer (registered for COPY). */
void *zsetDupSkiplist(const void *ptr);
unsigned long zsetLength(const zsetRef *z);
/* Registers free/size/dup/lazyfree-effort functions (zsetTypeInit). */
void zsetRegisterValueType(void);

/* --- Elements --- */

/* zsetAdd flags (in) */
#define ZADD_IN_NX (1 << 0)   /* only add new members */
#define ZADD_IN_XX (1 << 1)   /* only update existing members */
#define ZADD_IN_GT (1 << 2)   /* update only to a greater score */
#define ZADD_IN_LT (1 << 3)   /* update only to a lesser score */
#define ZADD_IN_INCR (1 << 4) /* score is an increment */
/* zsetAdd flags (out) */
#define ZADD_OUT_ADDED (1 << 0)
#define ZADD_OUT_UPDATED (1 << 1)
#define ZADD_OUT_NOP (1 << 2)
#define ZADD_OUT_NAN (1 << 3)

/* Adds or updates member with score (Valkey's zsetAdd rules), converting
 * to SKIPLIST when a threshold or the listpack safety limit is crossed.
 * Returns 1, or 0 with ZADD_OUT_NAN when INCR made the score NaN (nothing
 * changed).  *newScore (may be NULL) gets the member's score afterwards. */
int zsetAdd(zsetRef *z, double score, const char *member, size_t len, int inFlags, int *outFlags,
            double *newScore);
/* Removes member; returns 1 if it was there. */
int zsetRemove(zsetRef *z, const char *member, size_t len);
/* 1 and *score when member is present. */
int zsetScore(const zsetRef *z, const char *member, size_t len, double *score);
/* 0-based rank (from the highest score when reverse), -1 if absent;
 * *score (may be NULL) gets its score. */
long long zsetRank(const zsetRef *z, const char *member, size_t len, int reverse, double *score);

/* Conversions.  zsetConvert changes to either encoding; zsetMaybeConvert
 * converts a LISTPACK to SKIPLIST when `more` added members of maxLen bytes
 * would cross a threshold (ZADD sizes its work up front like Valkey);
 * zsetShrinkIfFits turns a SKIPLIST into a LISTPACK when it is within the
 * thresholds (new results only). */
void zsetConvert(zsetRef *z, int encoding);
void zsetMaybeConvert(zsetRef *z, size_t more, size_t maxLen);
void zsetShrinkIfFits(zsetRef *z);

/* --- Iteration in order --- */

typedef struct zsetElem {
    const char *member; /* valid until the next call on the iterator */
    size_t len;
    double score;
} zsetElem;

typedef struct zsetIter {
    zsetRef z;
    int reverse;
    unsigned char *lpos;        /* LISTPACK: member element of the next pair */
    zskiplistNode *node;        /* SKIPLIST: next node */
    char buf[LP_INTBUF_SIZE];   /* decimal form of an integer member */
} zsetIter;

/* From the first element (the last if reverse), or from the element at
 * 0-based rank counted in the direction of iteration (past the end: the
 * iterator is empty). */
void zsetIterInit(zsetIter *it, const zsetRef *z, int reverse);
void zsetIterInitAtRank(zsetIter *it, const zsetRef *z, int reverse, unsigned long rank);
/* From the first element whose score is within range (the last one when
 * reverse); returns 0 (empty iterator) when no element is.  The caller
 * stops at the other end of the range. */
int zsetIterInitAtScore(zsetIter *it, const zsetRef *z, int reverse, const zrangespec *range);
int zsetIterInitAtLex(zsetIter *it, const zsetRef *z, int reverse, const zlexrangespec *range);
/* Next element; 0 at the end.  The value must not change meanwhile. */
int zsetIterNext(zsetIter *it, zsetElem *e);

/* Lex bounds on raw bytes (zlexrangespec from skiplist.h). */
int zsetLexGteMin(const char *s, size_t len, const zlexrangespec *spec);
int zsetLexLteMax(const char *s, size_t len, const zlexrangespec *spec);

/* --- Counting and range deletions --- */

unsigned long zsetCountInRange(const zsetRef *z, const zrangespec *range);
unsigned long zsetCountInLexRange(const zsetRef *z, const zlexrangespec *range);
/* Each returns the number of elements removed.  Ranks are 0-based,
 * inclusive, already clamped to the set. */
unsigned long zsetDeleteRangeByScore(zsetRef *z, const zrangespec *range);
unsigned long zsetDeleteRangeByLex(zsetRef *z, const zlexrangespec *range);
unsigned long zsetDeleteRangeByRank(zsetRef *z, unsigned long start, unsigned long end);

/* --- Random --- */

/* A random element; buf (LP_INTBUF_SIZE) holds an integer member's digits.
 * The set must not be empty. */
void zsetRandomElement(const zsetRef *z, zsetElem *e, char *buf);

#endif
