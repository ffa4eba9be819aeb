/* skiplist.h — the ordered index of a sorted set: elements ordered by score,
 * then by member bytes, with O(log n) insert, delete, rank and range
 * queries.  A sorted set pairs it with a dict member -> score; the delete
 * callbacks let that dict follow bulk deletions.
 *
 * Scores must not be NaN (the caller rejects them).  Lex queries assume all
 * elements share one score, as ZRANGEBYLEX does. */
#ifndef TESSERA_SKIPLIST_H
#define TESSERA_SKIPLIST_H

#include <stddef.h>

#include "node/base/dstr.h"

#define ZSKIPLIST_MAXLEVEL 32 /* enough for 4^32 elements */
#define ZSKIPLIST_P 0.25      /* chance that a node has one level more */

typedef struct zskiplistNode {
    dstr member; /* embedded in the node's allocation; NULL only in the header */
    double score;
    struct zskiplistNode *backward; /* previous node at level 0; NULL for the first */
    struct zskiplistLevel {
        struct zskiplistNode *forward;
        unsigned long span; /* level-0 steps from this node to forward */
    } level[];
} zskiplistNode;

typedef struct zskiplist {
    zskiplistNode *header, *tail;
    unsigned long length;
    int level; /* levels in use, >= 1 */
} zskiplist;

/* Score interval; minex/maxex make the bound exclusive. */
typedef struct zrangespec {
    double min, max;
    int minex, maxex;
} zrangespec;

/* One end of a lex interval: "-" (inf -1), "+" (inf 1), "[a" or "(a". */
typedef struct zlexBound {
    dstr value; /* NULL when inf != 0 */
    int ex;     /* exclusive; set for "-" and "+" too */
    int inf;    /* -1 minus infinity, 1 plus infinity, 0 a value */
} zlexBound;

typedef struct zlexrangespec {
    zlexBound min, max;
} zlexrangespec;

/* Called for each element removed by a range deletion, before the member is
 * freed. */
typedef void zslDeleteCallback(void *ctx, const dstr member, double score);

zskiplist *zslCreate(void);
/* Frees every node and its member. */
void zslFree(zskiplist *zsl);
unsigned long zslLength(const zskiplist *zsl);

/* Inserts (score, member), taking ownership of member (copied into the node
 * and freed).  The caller knows the member is not already present (it
 * checks its dict first). */
zskiplistNode *zslInsert(zskiplist *zsl, double score, dstr member);
/* The same from bytes (nothing to free). */
zskiplistNode *zslInsertLen(zskiplist *zsl, double score, const char *member, size_t len);
/* Removes the element (score, member).  Returns 1 when found.  With node
 * non-NULL the unlinked node is handed back (free it with zslFreeNode);
 * otherwise it is freed with its member. */
int zslDelete(zskiplist *zsl, double score, const dstr member, zskiplistNode **node);
/* Frees a node returned by zslDelete, member included. */
void zslFreeNode(zskiplistNode *node);
/* Moves the existing element (curscore, member) to newscore and returns its
 * node: the same node, relinked in place if the order changed, so a table
 * that points at the node (or its member) stays valid. */
zskiplistNode *zslUpdateScore(zskiplist *zsl, double curscore, const dstr member, double newscore);
/* The same for a node the caller holds (found through its member table):
 * the old and new positions are searched in one pass. */
zskiplistNode *zslUpdateNodeScore(zskiplist *zsl, zskiplistNode *x, double newscore);

/* 1-based rank of (score, member), 0 when absent. */
unsigned long zslGetRank(const zskiplist *zsl, double score, const dstr member);
/* Element at 1-based rank, NULL when out of range. */
zskiplistNode *zslGetElementByRank(const zskiplist *zsl, unsigned long rank);

/* Score ranges.  zslIsInRange: 1 when some element may be in range. */
int zslIsInRange(const zskiplist *zsl, const zrangespec *range);
zskiplistNode *zslFirstInRange(const zskiplist *zsl, const zrangespec *range);
zskiplistNode *zslLastInRange(const zskiplist *zsl, const zrangespec *range);
int zslValueGteMin(double value, const zrangespec *spec);
int zslValueLteMax(double value, const zrangespec *spec);

/* Lex ranges.  zslParseLexRange parses the two ZRANGEBYLEX arguments;
 * returns 0, or -1 (nothing to free) when either is malformed. */
int zslParseLexRange(const char *min, size_t minlen, const char *max, size_t maxlen,
                     zlexrangespec *spec);
void zslFreeLexRange(zlexrangespec *spec);
int zslIsInLexRange(const zskiplist *zsl, const zlexrangespec *range);
zskiplistNode *zslFirstInLexRange(const zskiplist *zsl, const zlexrangespec *range);
zskiplistNode *zslLastInLexRange(const zskiplist *zsl, const zlexrangespec *range);
int zslLexValueGteMin(const dstr value, const zlexrangespec *spec);
int zslLexValueLteMax(const dstr value, const zlexrangespec *spec);

/* Bulk deletions; each returns the number of elements removed and calls cb
 * (may be NULL) for each.  Ranks are 1-based and inclusive. */
unsigned long zslDeleteRangeByScore(zskiplist *zsl, const zrangespec *range,
                                    zslDeleteCallback *cb, void *ctx);
unsigned long zslDeleteRangeByLex(zskiplist *zsl, const zlexrangespec *range,
                                  zslDeleteCallback *cb, void *ctx);
unsigned long zslDeleteRangeByRank(zskiplist *zsl, unsigned long start, unsigned long end,
                                   zslDeleteCallback *cb, void *ctx);

#endif
