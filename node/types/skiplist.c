/* skiplist.c — the ordered index of a sorted set.
 *
 * A skiplist of nodes ordered by (score, member bytes).  Every node has a
 * random number of levels (1 + a geometric draw with p = 1/4, capped at
 * ZSKIPLIST_MAXLEVEL), and at each level a forward pointer plus the span:
 * how many level-0 steps that pointer jumps.  Summing spans along a search
 * path gives an element's rank in O(log n), which is what ZRANK and
 * ZRANGE by index need and what a balanced tree would need an extra
 * subtree-size field for.  Level 0 is also doubly linked (backward) so
 * reverse ranges walk from the tail.
 *
 *   header -> L2 ------------------------> [c] -----------> NULL
 *   header -> L1 --------> [a] ----------> [c] -> [d] ----> NULL
 *   header -> L0 -> [x] -> [a] -> [b] ---> [c] -> [d] ----> NULL
 *                   <-back  <-     <-       <-     <-  tail=[d]
 *
 * Invariants: the header has MAXLEVEL levels and no member; zsl->level is
 * the highest level in use (>= 1); at every level, the spans of the chain
 * from the header sum to (rank of the last node reached); a NULL forward
 * pointer's span counts the steps to the end of the list (so rank
 * arithmetic needs no special case); tail is the last node or NULL.
 *
 * Rejected: a balanced tree (more code for ranks, same asymptotics), and
 * storing the member in a separate allocation from the node (kept: the
 * member dstr is shared with the sorted set's dict, and its address must
 * survive a score update, which reinserts the node). */
#include "node/types/skiplist.h"

#include <assert.h>
#include <math.h>
#include <string.h>

#include "node/base/mem.h"
#include "node/base/rand.h"

/* --- Nodes and ordering --- */

/* One allocation per node: the fields, its levels, then the member as an
 * embedded dstr, so comparing members on the walk (equal scores) and in
 * the set's member table costs no second cache miss. */
static zskiplistNode *nodeCreate(int levels, double score, const char *member, size_t len) {
    size_t fixed = sizeof(zskiplistNode) + (size_t)levels * sizeof(struct zskiplistLevel);
    zskiplistNode *n = memCalloc(fixed + (member ? dstrEmbeddedSize(len) : 0));
    n->score = score;
    n->member = member ? dstrWriteEmbedded((char *)n + fixed, member, len) : NULL;
    return n;
}

void zslFreeNode(zskiplistNode *node) { memFree(node); }

/* Levels for a new node: each extra level with probability 1/4. */
static int randomLevel(void) {
    int level = 1;
    while (level < ZSKIPLIST_MAXLEVEL && (randNext() & 3) == 0) level++;
    return level;
}

static int bytesCmp(const char *a, size_t alen, const char *b, size_t blen) {
    int c = memcmp(a, b, alen < blen ? alen : blen);
    if (c != 0) return c;
    return alen < blen ? -1 : alen > blen;
}

static int memberCmp(const dstr a, const dstr b) {
    return bytesCmp(a, dstrLen(a), b, dstrLen(b));
}

/* 1 when node sorts before (score, member). */
static int nodeBefore(const zskiplistNode *node, double score, const dstr member) {
    return node->score < score || (node->score == score && memberCmp(node->member, member) < 0);
}

/* 1 when node sorts after (score, member). */
static int nodeAfter(const zskiplistNode *node, double score, const dstr member) {
    return node->score > score || (node->score == score && memberCmp(node->member, member) > 0);
}

/* --- Create / free --- */

zskiplist *zslCreate(void) {
    zskiplist *zsl = memAlloc(sizeof(*zsl));
    zsl->header = nodeCreate(ZSKIPLIST_MAXLEVEL, 0, NULL, 0);
    zsl->tail = NULL;
    zsl->length = 0;
    zsl->level = 1;
    return zsl;
}

void zslFree(zskiplist *zsl) {
    zskiplistNode *n = zsl->header->level[0].forward;
    memFree(zsl->header);
    while (n) {
        zskiplistNode *next = n->level[0].forward;
        zslFreeNode(n);
        n = next;
    }
    memFree(zsl);
}

unsigned long zslLength(const zskiplist *zsl) { return zsl->length; }

/* --- Insert / delete --- */

/* Fills update[i] with the last node at level i sorting before (score,
 * member), and rank[i] with that node's rank (header = 0). */
static void findPath(const zskiplist *zsl, double score, const dstr member,
                     zskiplistNode **update, unsigned long *rank) {
    zskiplistNode *x = zsl->header;
    for (int i = zsl->level - 1; i >= 0; i--) {
        if (rank) rank[i] = i == zsl->level - 1 ? 0 : rank[i + 1];
        while (x->level[i].forward && nodeBefore(x->level[i].forward, score, member)) {
            if (rank) rank[i] += x->level[i].span;
            x = x->level[i].forward;
        }
        update[i] = x;
    }
}

/* Links an allocated node after the path in update/rank. */
static void linkNode(zskiplist *zsl, zskiplistNode *x, int level, zskiplistNode **update,
                     unsigned long *rank) {
    if (level > zsl->level) {
        for (int i = zsl->level; i < level; i++) {
            rank[i] = 0;
            update[i] = zsl->header;
            update[i]->level[i].span = zsl->length;
        }
        zsl->level = level;
    }
    for (int i = 0; i < level; i++) {
        x->level[i].forward = update[i]->level[i].forward;
        update[i]->level[i].forward = x;
        /* rank[0] - rank[i] is how far update[i] lags behind update[0]. */
        x->level[i].span = update[i]->level[i].span - (rank[0] - rank[i]);
        update[i]->level[i].span = (rank[0] - rank[i]) + 1;
    }
    for (int i = level; i < zsl->level; i++) update[i]->level[i].span++;
    x->backward = update[0] == zsl->header ? NULL : update[0];
    if (x->level[0].forward) x->level[0].forward->backward = x;
    else zsl->tail = x;
    zsl->length++;
}

zskiplistNode *zslInsertLen(zskiplist *zsl, double score, const char *member, size_t len) {
    zskiplistNode *update[ZSKIPLIST_MAXLEVEL];
    unsigned long rank[ZSKIPLIST_MAXLEVEL];
    assert(!isnan(score));
    int level = randomLevel();
    zskiplistNode *x = nodeCreate(level, score, member, len);
    findPath(zsl, score, x->member, update, rank);
    linkNode(zsl, x, level, update, rank);
    return x;
}

zskiplistNode *zslInsert(zskiplist *zsl, double score, dstr member) {
    zskiplistNode *x = zslInsertLen(zsl, score, member, dstrLen(member));
    dstrFree(member);
    return x;
}

/* Unlinks x, whose predecessors at each level are in update. */
static void unlinkNode(zskiplist *zsl, zskiplistNode *x, zskiplistNode **update) {
    for (int i = 0; i < zsl->level; i++) {
        if (update[i]->level[i].forward == x) {
            update[i]->level[i].span += x->level[i].span - 1;
            update[i]->level[i].forward = x->level[i].forward;
        } else {
            update[i]->level[i].span--;
        }
    }
    if (x->level[0].forward) x->level[0].forward->backward = x->backward;
    else zsl->tail = x->backward;
    while (zsl->level > 1 && zsl->header->level[zsl->level - 1].forward == NULL) zsl->level--;
    zsl->length--;
}

int zslDelete(zskiplist *zsl, double score, const dstr member, zskiplistNode **node) {
    zskiplistNode *update[ZSKIPLIST_MAXLEVEL];
    findPath(zsl, score, member, update, NULL);
    zskiplistNode *x = update[0]->level[0].forward;
    if (!x || x->score != score || memberCmp(x->member, member) != 0) return 0;
    unlinkNode(zsl, x, update);
    if (node) *node = x;
    else zslFreeNode(x);
    return 1;
}

/* The two searches a move needs, walked in lockstep so that their cache
 * misses overlap: `from` gets the predecessors of x at every level (to
 * unlink it), `to` and `rank` the insertion path for newscore in the list
 * as it will be once x is unlinked.  The second walk therefore steps over
 * x (merging its span) and, on the levels x does not reach, counts one
 * element less for a jump that passes over it. */
static void findMovePaths(const zskiplist *zsl, const zskiplistNode *x, double newscore,
                          zskiplistNode **from, zskiplistNode **to, unsigned long *rank) {
    zskiplistNode *a = zsl->header, *b = zsl->header;
    int bBeforeX = 1; /* b sorts before x (the header does) */
    for (int i = zsl->level - 1; i >= 0; i--) {
        rank[i] = i == zsl->level - 1 ? 0 : rank[i + 1];
        int aMoving = 1, bMoving = 1;
        while (aMoving || bMoving) {
            if (aMoving) {
                zskiplistNode *n = a->level[i].forward;
                if (n && n != x && nodeBefore(n, x->score, x->member)) a = n;
                else aMoving = 0;
            }
            if (bMoving) {
                zskiplistNode *n = b->level[i].forward;
                unsigned long span = b->level[i].span;
                int passes = 0;
                if (n == x) {
                    span += x->level[i].span - 1;
                    n = x->level[i].forward;
                    passes = 1;
                } else if (bBeforeX && n && !nodeBefore(n, x->score, x->member)) {
                    span -= 1; /* a jump over x on a level x does not reach */
                    passes = 1;
                }
                if (n && nodeBefore(n, newscore, x->member)) {
                    rank[i] += span;
                    b = n;
                    if (passes) bBeforeX = 0;
                } else {
                    bMoving = 0;
                }
            }
        }
        from[i] = a;
        to[i] = b;
    }
}

zskiplistNode *zslUpdateNodeScore(zskiplist *zsl, zskiplistNode *x, double newscore) {
    assert(!isnan(newscore));
    /* Still strictly between its neighbours: the order cannot change. */
    if ((x->backward == NULL || x->backward->score < newscore) &&
        (x->level[0].forward == NULL || x->level[0].forward->score > newscore)) {
        x->score = newscore;
        return x;
    }
    /* Moved: the same node is linked again at its new place with its own
     * levels, so it keeps its address (the member table points at it). */
    zskiplistNode *from[ZSKIPLIST_MAXLEVEL], *to[ZSKIPLIST_MAXLEVEL];
    unsigned long rank[ZSKIPLIST_MAXLEVEL];
    findMovePaths(zsl, x, newscore, from, to, rank);
    int levels = 0;
    while (levels < zsl->level && from[levels]->level[levels].forward == x) levels++;
    unlinkNode(zsl, x, from);
    x->score = newscore;
    memset(x->level, 0, sizeof(struct zskiplistLevel) * (size_t)levels);
    linkNode(zsl, x, levels, to, rank);
    return x;
}

zskiplistNode *zslUpdateScore(zskiplist *zsl, double curscore, const dstr member,
                              double newscore) {
    zskiplistNode *update[ZSKIPLIST_MAXLEVEL];
    findPath(zsl, curscore, member, update, NULL);
    zskiplistNode *x = update[0]->level[0].forward;
    assert(x && x->score == curscore && memberCmp(x->member, member) == 0);
    return zslUpdateNodeScore(zsl, x, newscore);
}

/* --- Rank --- */

unsigned long zslGetRank(const zskiplist *zsl, double score, const dstr member) {
    const zskiplistNode *x = zsl->header;
    unsigned long rank = 0;
    for (int i = zsl->level - 1; i >= 0; i--) {
        while (x->level[i].forward && !nodeAfter(x->level[i].forward, score, member)) {
            rank += x->level[i].span;
            x = x->level[i].forward;
        }
        if (x != zsl->header && x->score == score && memberCmp(x->member, member) == 0)
            return rank;
    }
    return 0;
}

zskiplistNode *zslGetElementByRank(const zskiplist *zsl, unsigned long rank) {
    zskiplistNode *x = zsl->header;
    unsigned long traversed = 0;
    if (rank == 0 || rank > zsl->length) return NULL;
    for (int i = zsl->level - 1; i >= 0; i--) {
        while (x->level[i].forward && traversed + x->level[i].span <= rank) {
            traversed += x->level[i].span;
            x = x->level[i].forward;
        }
        if (traversed == rank) return x;
    }
    return NULL;
}

/* --- Score ranges --- */

int zslValueGteMin(double value, const zrangespec *spec) {
    return spec->minex ? value > spec->min : value >= spec->min;
}

int zslValueLteMax(double value, const zrangespec *spec) {
    return spec->maxex ? value < spec->max : value <= spec->max;
}

static int scoreRangeEmpty(const zrangespec *range) {
    return range->min > range->max ||
           (range->min == range->max && (range->minex || range->maxex));
}

int zslIsInRange(const zskiplist *zsl, const zrangespec *range) {
    if (scoreRangeEmpty(range)) return 0;
    const zskiplistNode *x = zsl->tail;
    if (x == NULL || !zslValueGteMin(x->score, range)) return 0;
    x = zsl->header->level[0].forward;
    return zslValueLteMax(x->score, range);
}

zskiplistNode *zslFirstInRange(const zskiplist *zsl, const zrangespec *range) {
    if (!zslIsInRange(zsl, range)) return NULL;
    zskiplistNode *x = zsl->header;
    for (int i = zsl->level - 1; i >= 0; i--)
        while (x->level[i].forward && !zslValueGteMin(x->level[i].forward->score, range))
            x = x->level[i].forward;
    /* Non-NULL: the range overlaps the list, so the tail is >= min. */
    x = x->level[0].forward;
    return zslValueLteMax(x->score, range) ? x : NULL;
}

zskiplistNode *zslLastInRange(const zskiplist *zsl, const zrangespec *range) {
    if (!zslIsInRange(zsl, range)) return NULL;
    zskiplistNode *x = zsl->header;
    for (int i = zsl->level - 1; i >= 0; i--)
        while (x->level[i].forward && zslValueLteMax(x->level[i].forward->score, range))
            x = x->level[i].forward;
    /* Not the header: the range overlaps the list, so the head is <= max. */
    return zslValueGteMin(x->score, range) ? x : NULL;
}

/* --- Lex ranges --- */

/* Parses "-", "+", "[value" or "(value". */
static int parseLexBound(const char *s, size_t len, zlexBound *b) {
    if (len == 0) return -1;
    b->value = NULL;
    b->inf = 0;
    switch (s[0]) {
    case '-':
    case '+':
        if (len != 1) return -1;
        b->inf = s[0] == '-' ? -1 : 1;
        b->ex = 1;
        return 0;
    case '(':
    case '[':
        b->ex = s[0] == '(';
        b->value = dstrNewLen(s + 1, len - 1);
        return 0;
    default: return -1;
    }
}

int zslParseLexRange(const char *min, size_t minlen, const char *max, size_t maxlen,
                     zlexrangespec *spec) {
    if (parseLexBound(min, minlen, &spec->min) != 0) return -1;
    if (parseLexBound(max, maxlen, &spec->max) != 0) {
        dstrFree(spec->min.value);
        return -1;
    }
    return 0;
}

void zslFreeLexRange(zlexrangespec *spec) {
    dstrFree(spec->min.value);
    dstrFree(spec->max.value);
    spec->min.value = spec->max.value = NULL;
}

/* Orders a member against a bound: -inf < any member < +inf. */
static int cmpToBound(const dstr value, const zlexBound *b) {
    if (b->inf) return -b->inf;
    return memberCmp(value, b->value);
}

static int cmpBounds(const zlexBound *a, const zlexBound *b) {
    if (a->inf || b->inf) return a->inf - b->inf;
    return memberCmp(a->value, b->value);
}

int zslLexValueGteMin(const dstr value, const zlexrangespec *spec) {
    int c = cmpToBound(value, &spec->min);
    return spec->min.ex ? c > 0 : c >= 0;
}

int zslLexValueLteMax(const dstr value, const zlexrangespec *spec) {
    int c = cmpToBound(value, &spec->max);
    return spec->max.ex ? c < 0 : c <= 0;
}

int zslIsInLexRange(const zskiplist *zsl, const zlexrangespec *range) {
    int c = cmpBounds(&range->min, &range->max);
    if (c > 0 || (c == 0 && (range->min.ex || range->max.ex))) return 0;
    const zskiplistNode *x = zsl->tail;
    if (x == NULL || !zslLexValueGteMin(x->member, range)) return 0;
    x = zsl->header->level[0].forward;
    return zslLexValueLteMax(x->member, range);
}

zskiplistNode *zslFirstInLexRange(const zskiplist *zsl, const zlexrangespec *range) {
    if (!zslIsInLexRange(zsl, range)) return NULL;
    zskiplistNode *x = zsl->header;
    for (int i = zsl->level - 1; i >= 0; i--)
        while (x->level[i].forward && !zslLexValueGteMin(x->level[i].forward->member, range))
            x = x->level[i].forward;
    x = x->level[0].forward;
    return zslLexValueLteMax(x->member, range) ? x : NULL;
}

zskiplistNode *zslLastInLexRange(const zskiplist *zsl, const zlexrangespec *range) {
    if (!zslIsInLexRange(zsl, range)) return NULL;
    zskiplistNode *x = zsl->header;
    for (int i = zsl->level - 1; i >= 0; i--)
        while (x->level[i].forward && zslLexValueLteMax(x->level[i].forward->member, range))
            x = x->level[i].forward;
    return zslLexValueGteMin(x->member, range) ? x : NULL;
}

/* --- Range deletion --- */

/* Unlinks and frees nodes from update[0]'s successor on while inRange(node)
 * says they are in range; update must be the path to that first node. */
typedef int rangeTest(const zskiplistNode *node, const void *range);

static unsigned long deleteRun(zskiplist *zsl, zskiplistNode **update, rangeTest *inRange,
                               const void *range, zslDeleteCallback *cb, void *ctx) {
    unsigned long removed = 0;
    zskiplistNode *x = update[0]->level[0].forward;
    while (x && inRange(x, range)) {
        zskiplistNode *next = x->level[0].forward;
        unlinkNode(zsl, x, update);
        if (cb) cb(ctx, x->member, x->score);
        zslFreeNode(x);
        removed++;
        x = next;
    }
    return removed;
}

static int scoreBelowMax(const zskiplistNode *node, const void *range) {
    return zslValueLteMax(node->score, range);
}

static int lexBelowMax(const zskiplistNode *node, const void *range) {
    return zslLexValueLteMax(node->member, range);
}

unsigned long zslDeleteRangeByScore(zskiplist *zsl, const zrangespec *range,
                                    zslDeleteCallback *cb, void *ctx) {
    zskiplistNode *update[ZSKIPLIST_MAXLEVEL];
    zskiplistNode *x = zsl->header;
    if (scoreRangeEmpty(range)) return 0;
    for (int i = zsl->level - 1; i >= 0; i--) {
        while (x->level[i].forward && !zslValueGteMin(x->level[i].forward->score, range))
            x = x->level[i].forward;
        update[i] = x;
    }
    return deleteRun(zsl, update, scoreBelowMax, range, cb, ctx);
}

unsigned long zslDeleteRangeByLex(zskiplist *zsl, const zlexrangespec *range,
                                  zslDeleteCallback *cb, void *ctx) {
    zskiplistNode *update[ZSKIPLIST_MAXLEVEL];
    zskiplistNode *x = zsl->header;
    int c = cmpBounds(&range->min, &range->max);
    if (c > 0 || (c == 0 && (range->min.ex || range->max.ex))) return 0;
    for (int i = zsl->level - 1; i >= 0; i--) {
        while (x->level[i].forward && !zslLexValueGteMin(x->level[i].forward->member, range))
            x = x->level[i].forward;
        update[i] = x;
    }
    return deleteRun(zsl, update, lexBelowMax, range, cb, ctx);
}

typedef struct rankWindow {
    unsigned long next, end; /* rank of the next candidate, last rank to delete */
} rankWindow;

static int rankInWindow(const zskiplistNode *node, const void *range) {
    (void)node;
    rankWindow *w = (rankWindow *)range;
    return w->next++ <= w->end;
}

unsigned long zslDeleteRangeByRank(zskiplist *zsl, unsigned long start, unsigned long end,
                                   zslDeleteCallback *cb, void *ctx) {
    zskiplistNode *update[ZSKIPLIST_MAXLEVEL];
    zskiplistNode *x = zsl->header;
    unsigned long traversed = 0;
    if (start == 0 || start > end) return 0;
    for (int i = zsl->level - 1; i >= 0; i--) {
        while (x->level[i].forward && traversed + x->level[i].span < start) {
            traversed += x->level[i].span;
            x = x->level[i].forward;
        }
        update[i] = x;
    }
    rankWindow w = {traversed + 1, end};
    return deleteRun(zsl, update, rankInWindow, &w, cb, ctx);
}
