/* zset_value.c — the sorted set value in its two encodings (see
 * zset_value.h for the API and the write protocol).
 *
 * LISTPACK: [member0, score0, member1, score1, ...] ordered by (score,
 * member bytes).  Scores are written in their shortest round-trip decimal
 * form, so an integral score is stored as a listpack integer, as Valkey
 * does; members that look like canonical integers are integers too, and
 * are compared by their decimal bytes.  Every operation is a linear walk:
 * the encoding is only used for small sets where that is cheaper than the
 * pointers of the big one.
 *
 * SKIPLIST: a skiplist ordered by (score, member) plus a hashtable for
 * member -> score.  The hashtable's entries are the skiplist nodes
 * themselves (the key is node->member), so a member costs one node, one
 * member string and one 8-byte slot in a bucket — no separate dict entry
 * and no second copy of the member.  Invariant: the hashtable holds
 * exactly the nodes linked in the skiplist.  A score update keeps the node
 * where it is (zslUpdateScore relinks it), so the hashtable's slot stays
 * valid; the replace below only guards that contract.  The skiplist owns
 * the nodes: the hashtable has no destructor. */
#include "node/types/zset_value.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "node/base/hash.h"
#include "node/base/mem.h"
#include "node/base/util.h"
#include "node/store/keyspace_cmds.h"
#include "node/store/lazyfree.h"
#include "node/types/type_util.h"

/* Buffer for a score's decimal form (d2string). */
#define SCORE_BUF 128

/* --- Member keys for the hashtable --- */

static const void *nodeKey(const void *entry) { return ((const zskiplistNode *)entry)->member; }

static uint64_t memberHash(const void *key) { return hashBytes(key, dstrLen((const dstr)key)); }

static int memberCompare(const void *a, const void *b) {
    size_t la = dstrLen((const dstr)a), lb = dstrLen((const dstr)b);
    return la != lb || memcmp(a, b, la) != 0;
}

static hashtableType zsetDictType = {
    .entryGetKey = nodeKey, .hashFunction = memberHash, .keyCompare = memberCompare};

/* A lookup key for raw bytes: a dstr built on the stack when short. */
typedef struct tempKey {
    char space[300];
    dstr key;
    int heap;
} tempKey;

static dstr tempKeyMake(tempKey *t, const char *s, size_t len) {
    t->heap = len >= 256;
    t->key = t->heap ? dstrNewLen(s, len) : dstrWriteEmbedded(t->space, s, len);
    return t->key;
}

static void tempKeyDone(tempKey *t) {
    if (t->heap) dstrFree(t->key);
}

static zskiplistNode *dictFindNode(const zset *zs, const char *member, size_t len) {
    tempKey t;
    void *found = NULL;
    hashtableFind(zs->dict, tempKeyMake(&t, member, len), &found);
    tempKeyDone(&t);
    return found;
}

/* --- Listpack helpers --- */

static int bytesCmp(const char *a, size_t alen, const char *b, size_t blen) {
    int c = memcmp(a, b, alen < blen ? alen : blen);
    if (c != 0) return c;
    return alen < blen ? -1 : alen > blen;
}

static double lpScoreAt(unsigned char *p) {
    lpEntry e;
    lpGetEntry(p, &e);
    if (!e.sval) return (double)e.lval;
    char buf[SCORE_BUF];
    if (e.slen < sizeof(buf)) {
        memcpy(buf, e.sval, e.slen);
        buf[e.slen] = '\0';
        return strtod(buf, NULL);
    }
    dstr tmp = dstrNewLen(e.sval, e.slen);
    double d = strtod(tmp, NULL);
    dstrFree(tmp);
    return d;
}

/* Member bytes of element p; integers are written into buf. */
static const char *lpMemberAt(unsigned char *p, char *buf, size_t *len) {
    int64_t v;
    unsigned char *s = lpGet(p, &v, (unsigned char *)buf);
    *len = (size_t)v;
    return (const char *)s;
}

static int lpMemberCmp(unsigned char *p, const char *m, size_t len) {
    char buf[LP_INTBUF_SIZE];
    size_t plen;
    const char *ps = lpMemberAt(p, buf, &plen);
    return bytesCmp(ps, plen, m, len);
}

static unsigned char *zzlFind(unsigned char *lp, const char *member, size_t len, double *score) {
    unsigned char *p = lpFirst(lp);
    if (!p) return NULL;
    p = lpFind(lp, p, member, len, 1);
    if (p && score) *score = lpScoreAt(lpNext(lp, p));
    return p;
}

static unsigned char *zzlAppendScore(unsigned char *lp, unsigned char *p, int where, double score,
                                     unsigned char **newp) {
    char buf[SCORE_BUF];
    int n = d2string(buf, sizeof(buf), score);
    if (p) return lpInsert(lp, buf, (size_t)n, p, where, newp);
    return lpAppend(lp, buf, (size_t)n);
}

/* Inserts (score, member) at its place; the member is not present. */
static unsigned char *zzlInsert(unsigned char *lp, const char *member, size_t len, double score) {
    unsigned char *p = lpFirst(lp);
    while (p) {
        unsigned char *sp = lpNext(lp, p);
        double s = lpScoreAt(sp);
        if (s > score || (s == score && lpMemberCmp(p, member, len) > 0)) {
            unsigned char *mp;
            lp = lpInsert(lp, member, len, p, LP_BEFORE, &mp);
            return zzlAppendScore(lp, mp, LP_AFTER, score, NULL);
        }
        p = lpNext(lp, sp);
    }
    lp = lpAppend(lp, member, len);
    return zzlAppendScore(lp, NULL, LP_AFTER, score, NULL);
}

static unsigned char *zzlDeletePair(unsigned char *lp, unsigned char *p) {
    return lpDeleteRangeWithEntry(lp, &p, 2);
}

/* --- Create, free, size --- */

zsetRef zsetRefOf(const kvobj *kv) { return (zsetRef){kv->encoding, kvGetPtr(kv)}; }

static zset *zsetNewSkiplist(void) {
    zset *zs = memAlloc(sizeof(*zs));
    zs->dict = hashtableCreate(&zsetDictType);
    zs->zsl = zslCreate();
    return zs;
}

static void zsetFreeSkiplist(void *ptr) {
    zset *zs = ptr;
    hashtableRelease(zs->dict);
    zslFree(zs->zsl);
    memFree(zs);
}

zsetRef zsetCreate(size_t sizeHint, size_t maxLenHint) {
    typeSettings *ts = typeGetSettings();
    if ((long long)sizeHint <= ts->zsetMaxListpackEntries &&
        (long long)maxLenHint <= ts->zsetMaxListpackValue)
        return (zsetRef){OBJ_ENCODING_LISTPACK, lpNew(0)};
    zsetRef z = {OBJ_ENCODING_SKIPLIST, zsetNewSkiplist()};
    if (sizeHint > 0 && sizeHint < (1u << 24)) hashtableExpand(((zset *)z.ptr)->dict, sizeHint);
    return z;
}

void zsetRelease(zsetRef *z) {
    if (z->encoding == OBJ_ENCODING_LISTPACK) lpFree(z->ptr);
    else zsetFreeSkiplist(z->ptr);
    z->ptr = NULL;
}

unsigned long zsetLength(const zsetRef *z) {
    if (z->encoding == OBJ_ENCODING_LISTPACK) return lpLength(z->ptr) / 2;
    return ((const zset *)z->ptr)->zsl->length;
}

void *zsetDupSkiplist(const void *ptr) {
    const zset *src = ptr;
    zset *zs = zsetNewSkiplist();
    hashtableExpand(zs->dict, src->zsl->length);
    for (zskiplistNode *n = src->zsl->header->level[0].forward; n; n = n->level[0].forward)
        hashtableAdd(zs->dict, zslInsertLen(zs->zsl, n->score, n->member, dstrLen(n->member)));
    return zs;
}

static void *zsetDupListpack(const void *ptr) {
    return memDup(ptr, lpBytes((unsigned char *)ptr));
}

static void zsetFreeListpack(void *ptr) { lpFree(ptr); }

static size_t zsetListpackSize(const void *ptr) { return memUsableSize(ptr); }

/* Sampled like Valkey's MEMORY USAGE: the first nodes stand for all. */
static size_t zsetSkiplistSize(const void *ptr) {
    const zset *zs = ptr;
    size_t bytes = memUsableSize(zs) + hashtableMemUsage(zs->dict) + memUsableSize(zs->zsl) +
                   memUsableSize(zs->zsl->header);
    size_t sampled = 0, sampleBytes = 0;
    for (zskiplistNode *n = zs->zsl->header->level[0].forward; n && sampled < 32;
         n = n->level[0].forward, sampled++)
        sampleBytes += memUsableSize(n); /* the member is inside the node */
    if (sampled) bytes += (size_t)((double)sampleBytes / (double)sampled * (double)zs->zsl->length);
    return bytes;
}

static size_t zsetSkiplistEffort(const void *ptr) { return ((const zset *)ptr)->zsl->length; }

void zsetRegisterValueType(void) {
    kvRegisterValueType(OBJ_ZSET, OBJ_ENCODING_LISTPACK, zsetFreeListpack, zsetListpackSize);
    kvRegisterValueType(OBJ_ZSET, OBJ_ENCODING_SKIPLIST, zsetFreeSkiplist, zsetSkiplistSize);
    keyspaceRegisterValueDup(OBJ_ZSET, OBJ_ENCODING_LISTPACK, zsetDupListpack);
    keyspaceRegisterValueDup(OBJ_ZSET, OBJ_ENCODING_SKIPLIST, zsetDupSkiplist);
    lazyfreeRegisterEffort(OBJ_ZSET, OBJ_ENCODING_SKIPLIST, zsetSkiplistEffort);
}

/* --- Conversions --- */

static zset *listpackToSkiplist(unsigned char *lp) {
    zset *zs = zsetNewSkiplist();
    hashtableExpand(zs->dict, lpLength(lp) / 2);
    char buf[LP_INTBUF_SIZE];
    for (unsigned char *p = lpFirst(lp); p;) {
        unsigned char *sp = lpNext(lp, p);
        size_t len;
        const char *m = lpMemberAt(p, buf, &len);
        hashtableAdd(zs->dict, zslInsertLen(zs->zsl, lpScoreAt(sp), m, len));
        p = lpNext(lp, sp);
    }
    return zs;
}

static unsigned char *skiplistToListpack(const zset *zs) {
    unsigned char *lp = lpNew(0);
    for (zskiplistNode *n = zs->zsl->header->level[0].forward; n; n = n->level[0].forward) {
        lp = lpAppend(lp, n->member, dstrLen(n->member));
        lp = zzlAppendScore(lp, NULL, LP_AFTER, n->score, NULL);
    }
    return lp;
}

void zsetConvert(zsetRef *z, int encoding) {
    if (z->encoding == encoding) return;
    if (encoding == OBJ_ENCODING_SKIPLIST) {
        zset *zs = listpackToSkiplist(z->ptr);
        lpFree(z->ptr);
        z->ptr = zs;
    } else {
        unsigned char *lp = skiplistToListpack(z->ptr);
        zsetFreeSkiplist(z->ptr);
        z->ptr = lp;
    }
    z->encoding = encoding;
}

void zsetMaybeConvert(zsetRef *z, size_t more, size_t maxLen) {
    if (z->encoding != OBJ_ENCODING_LISTPACK) return;
    typeSettings *ts = typeGetSettings();
    if ((long long)(zsetLength(z) + more) > ts->zsetMaxListpackEntries ||
        (long long)maxLen > ts->zsetMaxListpackValue)
        zsetConvert(z, OBJ_ENCODING_SKIPLIST);
}

void zsetShrinkIfFits(zsetRef *z) {
    if (z->encoding != OBJ_ENCODING_SKIPLIST) return;
    typeSettings *ts = typeGetSettings();
    zset *zs = z->ptr;
    if ((long long)zs->zsl->length > ts->zsetMaxListpackEntries) return;
    size_t total = 0;
    for (zskiplistNode *n = zs->zsl->header->level[0].forward; n; n = n->level[0].forward) {
        size_t len = dstrLen(n->member);
        if ((long long)len > ts->zsetMaxListpackValue) return;
        total += len + 32;
    }
    if (total > LP_MAX_SAFETY_SIZE) return;
    zsetConvert(z, OBJ_ENCODING_LISTPACK);
}

/* --- Add, remove, lookups --- */

/* The score an update would give: applies INCR, then reports whether
 * NX / GT / LT forbid the change.  Returns 0 (NOP) or 1; -1 on NaN. */
static int updatedScore(double cur, double *score, int inFlags, int *outFlags) {
    if (inFlags & ZADD_IN_NX) {
        *outFlags |= ZADD_OUT_NOP;
        return 0;
    }
    if (inFlags & ZADD_IN_INCR) {
        *score += cur;
        if (isnan(*score)) {
            *outFlags |= ZADD_OUT_NAN;
            return -1;
        }
    }
    if (((inFlags & ZADD_IN_GT) && *score <= cur) || ((inFlags & ZADD_IN_LT) && *score >= cur)) {
        *outFlags |= ZADD_OUT_NOP;
        return 0;
    }
    return 1;
}

/* 1 when the listpack can take one more member of len bytes. */
static int listpackTakes(unsigned char *lp, size_t len) {
    typeSettings *ts = typeGetSettings();
    return (long long)(lpLength(lp) / 2 + 1) <= ts->zsetMaxListpackEntries &&
           (long long)len <= ts->zsetMaxListpackValue && lpSafeToAdd(lp, len + SCORE_BUF);
}

static int addListpack(zsetRef *z, double score, const char *member, size_t len, int inFlags,
                       int *outFlags, double *newScore) {
    unsigned char *lp = z->ptr;
    double cur;
    unsigned char *p = zzlFind(lp, member, len, &cur);
    if (p) {
        int r = updatedScore(cur, &score, inFlags, outFlags);
        if (r <= 0) return r == 0;
        if (newScore) *newScore = score;
        if (score != cur) {
            lp = zzlDeletePair(lp, p);
            z->ptr = zzlInsert(lp, member, len, score);
            *outFlags |= ZADD_OUT_UPDATED;
        }
        return 1;
    }
    if (inFlags & ZADD_IN_XX) {
        *outFlags |= ZADD_OUT_NOP;
        return 1;
    }
    if (!listpackTakes(lp, len)) {
        zsetConvert(z, OBJ_ENCODING_SKIPLIST);
        return zsetAdd(z, score, member, len, inFlags, outFlags, newScore);
    }
    z->ptr = zzlInsert(lp, member, len, score);
    *outFlags |= ZADD_OUT_ADDED;
    if (newScore) *newScore = score;
    return 1;
}

static int addSkiplist(zset *zs, double score, const char *member, size_t len, int inFlags,
                       int *outFlags, double *newScore) {
    tempKey t;
    hashtablePosition pos;
    void *found;
    dstr key = tempKeyMake(&t, member, len);
    int absent = hashtableFindPositionForInsert(zs->dict, key, &pos, &found);
    tempKeyDone(&t);
    if (!absent) {
        zskiplistNode *node = found;
        int r = updatedScore(node->score, &score, inFlags, outFlags);
        if (r <= 0) return r == 0;
        if (newScore) *newScore = score;
        if (score != node->score) {
            zskiplistNode *moved = zslUpdateNodeScore(zs->zsl, node, score);
            if (moved != node) hashtableReplaceReallocatedEntry(zs->dict, node, moved);
            *outFlags |= ZADD_OUT_UPDATED;
        }
        return 1;
    }
    if (inFlags & ZADD_IN_XX) {
        *outFlags |= ZADD_OUT_NOP;
        return 1;
    }
    zskiplistNode *node = zslInsertLen(zs->zsl, score, member, len);
    hashtableInsertAtPosition(zs->dict, node, &pos);
    *outFlags |= ZADD_OUT_ADDED;
    if (newScore) *newScore = score;
    return 1;
}

int zsetAdd(zsetRef *z, double score, const char *member, size_t len, int inFlags, int *outFlags,
            double *newScore) {
    *outFlags = 0;
    if (z->encoding == OBJ_ENCODING_LISTPACK)
        return addListpack(z, score, member, len, inFlags, outFlags, newScore);
    return addSkiplist(z->ptr, score, member, len, inFlags, outFlags, newScore);
}

int zsetRemove(zsetRef *z, const char *member, size_t len) {
    if (z->encoding == OBJ_ENCODING_LISTPACK) {
        unsigned char *p = zzlFind(z->ptr, member, len, NULL);
        if (!p) return 0;
        z->ptr = zzlDeletePair(z->ptr, p);
        return 1;
    }
    zset *zs = z->ptr;
    tempKey t;
    void *found;
    int ok = hashtablePop(zs->dict, tempKeyMake(&t, member, len), &found);
    tempKeyDone(&t);
    if (!ok) return 0;
    zskiplistNode *node = found;
    zslDelete(zs->zsl, node->score, node->member, NULL);
    return 1;
}

int zsetScore(const zsetRef *z, const char *member, size_t len, double *score) {
    if (z->encoding == OBJ_ENCODING_LISTPACK) return zzlFind(z->ptr, member, len, score) != NULL;
    zskiplistNode *node = dictFindNode(z->ptr, member, len);
    if (!node) return 0;
    *score = node->score;
    return 1;
}

long long zsetRank(const zsetRef *z, const char *member, size_t len, int reverse, double *score) {
    unsigned long count = zsetLength(z);
    unsigned long rank = 0;
    if (z->encoding == OBJ_ENCODING_LISTPACK) {
        unsigned char *lp = z->ptr, *p = lpFirst(lp);
        while (p && lpMemberCmp(p, member, len) != 0) {
            p = lpNext(lp, lpNext(lp, p));
            rank++;
        }
        if (!p) return -1;
        if (score) *score = lpScoreAt(lpNext(lp, p));
    } else {
        zset *zs = z->ptr;
        zskiplistNode *node = dictFindNode(zs, member, len);
        if (!node) return -1;
        rank = zslGetRank(zs->zsl, node->score, node->member) - 1;
        if (score) *score = node->score;
    }
    return (long long)(reverse ? count - 1 - rank : rank);
}

/* --- Lex bounds on raw bytes --- */

static int cmpToBound(const char *s, size_t len, const zlexBound *b) {
    if (b->inf) return -b->inf;
    return bytesCmp(s, len, b->value, dstrLen(b->value));
}

int zsetLexGteMin(const char *s, size_t len, const zlexrangespec *spec) {
    int c = cmpToBound(s, len, &spec->min);
    return spec->min.ex ? c > 0 : c >= 0;
}

int zsetLexLteMax(const char *s, size_t len, const zlexrangespec *spec) {
    int c = cmpToBound(s, len, &spec->max);
    return spec->max.ex ? c < 0 : c <= 0;
}

/* --- Iteration --- */

static void iterReset(zsetIter *it, const zsetRef *z, int reverse) {
    it->z = *z;
    it->reverse = reverse;
    it->lpos = NULL;
    it->node = NULL;
}

void zsetIterInitAtRank(zsetIter *it, const zsetRef *z, int reverse, unsigned long rank) {
    iterReset(it, z, reverse);
    unsigned long count = zsetLength(z);
    if (rank >= count) return;
    unsigned long fwd = reverse ? count - 1 - rank : rank;
    if (z->encoding == OBJ_ENCODING_LISTPACK) it->lpos = lpSeek(z->ptr, (long)(2 * fwd));
    else it->node = zslGetElementByRank(((zset *)z->ptr)->zsl, fwd + 1);
}

void zsetIterInit(zsetIter *it, const zsetRef *z, int reverse) { zsetIterInitAtRank(it, z, reverse, 0); }

/* Listpack seek: the first pair (walking in the iteration direction) for
 * which `past(p)` is false; NULL when none. */
typedef int lpPairTest(unsigned char *lp, unsigned char *p, const void *range);

static unsigned char *lpSeekPair(unsigned char *lp, int reverse, lpPairTest *skip, const void *range) {
    unsigned char *p = reverse ? lpSeek(lp, -2) : lpFirst(lp);
    while (p && skip(lp, p, range)) {
        if (reverse) {
            unsigned char *prev = lpPrev(lp, p);
            p = prev ? lpPrev(lp, prev) : NULL;
        } else {
            p = lpNext(lp, lpNext(lp, p));
        }
    }
    return p;
}

static int lpBelowMin(unsigned char *lp, unsigned char *p, const void *r) {
    return !zslValueGteMin(lpScoreAt(lpNext(lp, p)), r);
}

static int lpAboveMax(unsigned char *lp, unsigned char *p, const void *r) {
    return !zslValueLteMax(lpScoreAt(lpNext(lp, p)), r);
}

static int lpBelowLexMin(unsigned char *lp, unsigned char *p, const void *r) {
    (void)lp;
    char buf[LP_INTBUF_SIZE];
    size_t len;
    const char *m = lpMemberAt(p, buf, &len);
    return !zsetLexGteMin(m, len, r);
}

static int lpAboveLexMax(unsigned char *lp, unsigned char *p, const void *r) {
    (void)lp;
    char buf[LP_INTBUF_SIZE];
    size_t len;
    const char *m = lpMemberAt(p, buf, &len);
    return !zsetLexLteMax(m, len, r);
}

int zsetIterInitAtScore(zsetIter *it, const zsetRef *z, int reverse, const zrangespec *range) {
    iterReset(it, z, reverse);
    if (z->encoding == OBJ_ENCODING_LISTPACK) {
        unsigned char *p = lpSeekPair(z->ptr, reverse, reverse ? lpAboveMax : lpBelowMin, range);
        if (p && (reverse ? lpBelowMin : lpAboveMax)(z->ptr, p, range)) p = NULL;
        it->lpos = p;
        return p != NULL;
    }
    zskiplist *zsl = ((zset *)z->ptr)->zsl;
    it->node = reverse ? zslLastInRange(zsl, range) : zslFirstInRange(zsl, range);
    return it->node != NULL;
}

int zsetIterInitAtLex(zsetIter *it, const zsetRef *z, int reverse, const zlexrangespec *range) {
    iterReset(it, z, reverse);
    if (z->encoding == OBJ_ENCODING_LISTPACK) {
        unsigned char *p =
            lpSeekPair(z->ptr, reverse, reverse ? lpAboveLexMax : lpBelowLexMin, range);
        if (p && (reverse ? lpBelowLexMin : lpAboveLexMax)(z->ptr, p, range)) p = NULL;
        it->lpos = p;
        return p != NULL;
    }
    zskiplist *zsl = ((zset *)z->ptr)->zsl;
    it->node = reverse ? zslLastInLexRange(zsl, range) : zslFirstInLexRange(zsl, range);
    return it->node != NULL;
}

int zsetIterNext(zsetIter *it, zsetElem *e) {
    if (it->z.encoding == OBJ_ENCODING_LISTPACK) {
        unsigned char *lp = it->z.ptr, *p = it->lpos;
        if (!p) return 0;
        unsigned char *sp = lpNext(lp, p);
        e->member = lpMemberAt(p, it->buf, &e->len);
        e->score = lpScoreAt(sp);
        if (it->reverse) {
            unsigned char *prev = lpPrev(lp, p);
            it->lpos = prev ? lpPrev(lp, prev) : NULL;
        } else {
            it->lpos = lpNext(lp, sp);
        }
        return 1;
    }
    zskiplistNode *n = it->node;
    if (!n) return 0;
    e->member = n->member;
    e->len = dstrLen(n->member);
    e->score = n->score;
    it->node = it->reverse ? n->backward : n->level[0].forward;
    return 1;
}

/* --- Counting --- */

unsigned long zsetCountInRange(const zsetRef *z, const zrangespec *range) {
    if (z->encoding == OBJ_ENCODING_SKIPLIST) {
        zskiplist *zsl = ((zset *)z->ptr)->zsl;
        zskiplistNode *first = zslFirstInRange(zsl, range);
        if (!first) return 0;
        zskiplistNode *last = zslLastInRange(zsl, range);
        return zslGetRank(zsl, last->score, last->member) -
               zslGetRank(zsl, first->score, first->member) + 1;
    }
    zsetIter it;
    zsetElem e;
    unsigned long n = 0;
    if (!zsetIterInitAtScore(&it, z, 0, range)) return 0;
    while (zsetIterNext(&it, &e) && zslValueLteMax(e.score, range)) n++;
    return n;
}

unsigned long zsetCountInLexRange(const zsetRef *z, const zlexrangespec *range) {
    if (z->encoding == OBJ_ENCODING_SKIPLIST) {
        zskiplist *zsl = ((zset *)z->ptr)->zsl;
        zskiplistNode *first = zslFirstInLexRange(zsl, range);
        if (!first) return 0;
        zskiplistNode *last = zslLastInLexRange(zsl, range);
        return zslGetRank(zsl, last->score, last->member) -
               zslGetRank(zsl, first->score, first->member) + 1;
    }
    zsetIter it;
    zsetElem e;
    unsigned long n = 0;
    if (!zsetIterInitAtLex(&it, z, 0, range)) return 0;
    while (zsetIterNext(&it, &e) && zsetLexLteMax(e.member, e.len, range)) n++;
    return n;
}

/* --- Range deletions --- */

static void dictForget(void *ctx, const dstr member, double score) {
    (void)score;
    hashtableDelete(((zset *)ctx)->dict, member);
}

/* Deletes the run of pairs starting at the listpack position of iterator
 * start (forward) for which inRun says yes. */
static unsigned long lpDeleteRun(zsetRef *z, unsigned char *p, lpPairTest *past, const void *range) {
    unsigned char *lp = z->ptr;
    unsigned long n = 0;
    for (unsigned char *q = p; q && !past(lp, q, range); q = lpNext(lp, lpNext(lp, q))) n++;
    if (n) z->ptr = lpDeleteRangeWithEntry(lp, &p, 2 * n);
    return n;
}

unsigned long zsetDeleteRangeByScore(zsetRef *z, const zrangespec *range) {
    if (z->encoding == OBJ_ENCODING_SKIPLIST)
        return zslDeleteRangeByScore(((zset *)z->ptr)->zsl, range, dictForget, z->ptr);
    zsetIter it;
    if (!zsetIterInitAtScore(&it, z, 0, range)) return 0;
    return lpDeleteRun(z, it.lpos, lpAboveMax, range);
}

unsigned long zsetDeleteRangeByLex(zsetRef *z, const zlexrangespec *range) {
    if (z->encoding == OBJ_ENCODING_SKIPLIST)
        return zslDeleteRangeByLex(((zset *)z->ptr)->zsl, range, dictForget, z->ptr);
    zsetIter it;
    if (!zsetIterInitAtLex(&it, z, 0, range)) return 0;
    return lpDeleteRun(z, it.lpos, lpAboveLexMax, range);
}

unsigned long zsetDeleteRangeByRank(zsetRef *z, unsigned long start, unsigned long end) {
    if (z->encoding == OBJ_ENCODING_SKIPLIST)
        return zslDeleteRangeByRank(((zset *)z->ptr)->zsl, start + 1, end + 1, dictForget, z->ptr);
    unsigned long n = end - start + 1;
    z->ptr = lpDeleteRange(z->ptr, (long)(2 * start), 2 * n);
    return n;
}

/* --- Random --- */

void zsetRandomElement(const zsetRef *z, zsetElem *e, char *buf) {
    if (z->encoding == OBJ_ENCODING_LISTPACK) {
        unsigned char *lp = z->ptr;
        lpEntry key, val;
        lpRandomPair(lp, lpLength(lp), &key, &val);
        if (key.sval) {
            e->member = (const char *)key.sval;
            e->len = key.slen;
        } else {
            e->len = (size_t)ll2string(buf, LP_INTBUF_SIZE, key.lval);
            e->member = buf;
        }
        if (val.sval) {
            char tmp[SCORE_BUF];
            size_t n = val.slen < sizeof(tmp) - 1 ? val.slen : sizeof(tmp) - 1;
            memcpy(tmp, val.sval, n);
            tmp[n] = '\0';
            e->score = strtod(tmp, NULL);
        } else {
            e->score = (double)val.lval;
        }
        return;
    }
    void *found;
    hashtableFairRandomEntry(((zset *)z->ptr)->dict, &found);
    zskiplistNode *n = found;
    e->member = n->member;
    e->len = dstrLen(n->member);
    e->score = n->score;
}
