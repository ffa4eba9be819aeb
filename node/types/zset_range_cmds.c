/* zset_range_cmds.c — range queries and range deletions: ZRANGE (BYSCORE,
 * BYLEX, REV, LIMIT, WITHSCORES), ZRANGESTORE, the legacy forms ZREVRANGE,
 * Z[REV]RANGEBYSCORE, Z[REV]RANGEBYLEX, ZCOUNT, ZLEXCOUNT and
 * ZREMRANGEBYRANK / BYSCORE / BYLEX.
 *
 * All the ZRANGE forms go through one parser (Valkey's argument order and
 * errors) and one walk per range type over a zset_value.h iterator, which
 * hides the encoding.  The walk emits into a sink: the client (a reply
 * whose length is known up front for rank ranges and deferred otherwise)
 * or a new value for ZRANGESTORE, which picks its encoding by the final
 * size like every *STORE result. */
#include <string.h>

#include "node/base/mem.h"
#include "node/net/args.h"
#include "node/net/reply.h"
#include "node/types/type_util.h"
#include "node/types/zset_cmds.h"

enum { RANGE_AUTO, RANGE_RANK, RANGE_SCORE, RANGE_LEX };
enum { DIR_AUTO, DIR_FORWARD, DIR_REVERSE };

/* --- Sinks --- */

typedef struct rangeSink {
    client *c;
    int store;       /* into dst instead of the client */
    zsetRef dst;
    int withScores;
    void *deferred;  /* reply length to set at the end */
    long emitted;
} rangeSink;

/* length: known element count, or -1. */
static void sinkBegin(rangeSink *s, long length) {
    if (s->store) {
        s->dst = zsetCreate(0, 0);
        return;
    }
    int nested = s->c->resp > 2;
    if (length >= 0) zsetReplyElemsLen(s->c, length, s->withScores, nested);
    else s->deferred = replyDeferredLen(s->c);
}

static void sinkEmit(rangeSink *s, const zsetElem *e) {
    s->emitted++;
    if (s->store) {
        int out;
        zsetAdd(&s->dst, e->score, e->member, e->len, 0, &out, NULL);
        return;
    }
    zsetReplyElem(s->c, e, s->withScores, s->c->resp > 2);
}

static void sinkEnd(rangeSink *s, const dstr dstkey) {
    if (s->store) {
        zsetStoreResult(s->c, dstkey, &s->dst, "zrangestore");
        return;
    }
    if (s->deferred) {
        int flat = s->withScores && s->c->resp == 2;
        replySetDeferredArrayLen(s->c, s->deferred, flat ? s->emitted * 2 : s->emitted);
    }
}

/* --- The three walks --- */

static void rangeByRank(rangeSink *s, const zsetRef *z, long start, long end, int reverse) {
    long len = (long)zsetLength(z);
    if (start < 0) start += len;
    if (end < 0) end += len;
    if (start < 0) start = 0;
    if (start > end || start >= len) {
        sinkBegin(s, 0);
        return;
    }
    if (end >= len) end = len - 1;
    long n = end - start + 1;
    sinkBegin(s, n);
    zsetIter it;
    zsetElem e;
    zsetIterInitAtRank(&it, z, reverse, (unsigned long)start);
    while (n-- > 0 && zsetIterNext(&it, &e)) sinkEmit(s, &e);
}

typedef struct pageSpec {
    long offset, limit; /* limit < 0: no limit */
} pageSpec;

/* in(): 1 while the element is still within the far end of the range. */
typedef int inRangeFn(const zsetElem *e, const void *range);

static int scoreWithin(const zsetElem *e, const void *r) {
    const zrangespec *range = r;
    return zslValueGteMin(e->score, range) && zslValueLteMax(e->score, range);
}

static int lexWithin(const zsetElem *e, const void *r) {
    return zsetLexGteMin(e->member, e->len, r) && zsetLexLteMax(e->member, e->len, r);
}

/* Emits the elements of an iterator positioned at the first element in
 * range, skipping offset, up to limit. */
static void emitPage(rangeSink *s, zsetIter *it, inRangeFn *in, const void *range,
                     const pageSpec *page) {
    zsetElem e;
    long offset = page->offset, limit = page->limit;
    while (offset > 0 && zsetIterNext(it, &e) && in(&e, range)) offset--;
    if (offset > 0) return;
    while (limit != 0 && zsetIterNext(it, &e) && in(&e, range)) {
        sinkEmit(s, &e);
        if (limit > 0) limit--;
    }
}

static void rangeByScore(rangeSink *s, const zsetRef *z, const zrangespec *range, int reverse,
                         const pageSpec *page) {
    sinkBegin(s, -1);
    zsetIter it;
    if (page->offset < 0 || (page->offset > 0 && (unsigned long)page->offset >= zsetLength(z))) return;
    if (!zsetIterInitAtScore(&it, z, reverse, range)) return;
    emitPage(s, &it, scoreWithin, range, page);
}

static void rangeByLex(rangeSink *s, const zsetRef *z, const zlexrangespec *range, int reverse,
                       const pageSpec *page) {
    sinkBegin(s, -1);
    zsetIter it;
    if (page->offset < 0 || (page->offset > 0 && (unsigned long)page->offset >= zsetLength(z))) return;
    if (!zsetIterInitAtLex(&it, z, reverse, range)) return;
    emitPage(s, &it, lexWithin, range, page);
}

/* --- ZRANGE and friends: one parser --- */

typedef struct rangeArgs {
    int type, dir, withScores;
    pageSpec page;
    int limitGiven;
    long start, end;
    zrangespec score;
    zlexrangespec lex;
} rangeArgs;

/* Options after "key min max" (from argv[first]).  0 or -1 (replied). */
static int parseRangeOptions(client *c, int first, int store, rangeArgs *a) {
    for (int j = first; j < c->argc; j++) {
        dstr arg = c->argv[j];
        int left = c->argc - j - 1;
        if (!store && zsetIsToken(arg, "withscores")) {
            a->withScores = 1;
        } else if (zsetIsToken(arg, "limit") && left >= 2) {
            long long off, lim;
            if (argLongLong(c, c->argv[j + 1], &off) != 0 || argLongLong(c, c->argv[j + 2], &lim) != 0)
                return -1;
            a->page.offset = (long)off;
            a->page.limit = (long)lim;
            a->limitGiven = 1;
            j += 2;
        } else if (a->dir == DIR_AUTO && zsetIsToken(arg, "rev")) {
            a->dir = DIR_REVERSE;
        } else if (a->type == RANGE_AUTO && zsetIsToken(arg, "bylex")) {
            a->type = RANGE_LEX;
        } else if (a->type == RANGE_AUTO && zsetIsToken(arg, "byscore")) {
            a->type = RANGE_SCORE;
        } else {
            replyErrorSyntax(c);
            return -1;
        }
    }
    return 0;
}

static int parseRangeArgs(client *c, int keyIndex, int store, rangeArgs *a) {
    if (parseRangeOptions(c, keyIndex + 3, store, a) != 0) return -1;
    if (a->dir == DIR_AUTO) a->dir = DIR_FORWARD;
    if (a->type == RANGE_AUTO) a->type = RANGE_RANK;
    if (a->limitGiven && a->type == RANGE_RANK) {
        replyError(c, "ERR syntax error, LIMIT is only supported in combination with either "
                      "BYSCORE or BYLEX");
        return -1;
    }
    if (a->withScores && a->type == RANGE_LEX) {
        replyError(c, "ERR syntax error, WITHSCORES not supported in combination with BYLEX");
        return -1;
    }
    dstr min = c->argv[keyIndex + 1], max = c->argv[keyIndex + 2];
    if (a->dir == DIR_REVERSE && a->type != RANGE_RANK) {
        dstr t = min;
        min = max;
        max = t;
    }
    if (a->type == RANGE_RANK) {
        long long s, e;
        if (argLongLong(c, min, &s) != 0 || argLongLong(c, max, &e) != 0) return -1;
        a->start = (long)s;
        a->end = (long)e;
        return 0;
    }
    if (a->type == RANGE_SCORE) return zsetParseScoreRange(c, min, max, &a->score);
    return zsetParseLexRange(c, min, max, &a->lex);
}

/* keyIndex: the source key; dstkey non-NULL for ZRANGESTORE. */
static void rangeGeneric(client *c, int keyIndex, const dstr dstkey, int type, int dir) {
    rangeArgs a = {.type = type, .dir = dir, .page = {0, -1}};
    if (parseRangeArgs(c, keyIndex, dstkey != NULL, &a) != 0) return;
    rangeSink s = {.c = c, .store = dstkey != NULL, .withScores = a.withScores};
    int wrong;
    kvobj *kv = typeLookupRead(c, c->argv[keyIndex], OBJ_ZSET, &wrong);
    if (wrong) goto done;
    if (!kv) {
        if (s.store) {
            sinkBegin(&s, 0);
            sinkEnd(&s, dstkey);
        } else {
            replyEmptyArray(c);
        }
        goto done;
    }
    zsetRef z = zsetRefOf(kv);
    int reverse = a.dir == DIR_REVERSE;
    if (a.type == RANGE_RANK) rangeByRank(&s, &z, a.start, a.end, reverse);
    else if (a.type == RANGE_SCORE) rangeByScore(&s, &z, &a.score, reverse, &a.page);
    else rangeByLex(&s, &z, &a.lex, reverse, &a.page);
    sinkEnd(&s, dstkey);
done:
    if (a.type == RANGE_LEX) zslFreeLexRange(&a.lex);
}

void zrangeCommand(client *c) { rangeGeneric(c, 1, NULL, RANGE_AUTO, DIR_AUTO); }
void zrangestoreCommand(client *c) { rangeGeneric(c, 2, c->argv[1], RANGE_AUTO, DIR_AUTO); }
void zrevrangeCommand(client *c) { rangeGeneric(c, 1, NULL, RANGE_RANK, DIR_REVERSE); }
void zrangebyscoreCommand(client *c) { rangeGeneric(c, 1, NULL, RANGE_SCORE, DIR_FORWARD); }
void zrevrangebyscoreCommand(client *c) { rangeGeneric(c, 1, NULL, RANGE_SCORE, DIR_REVERSE); }
void zrangebylexCommand(client *c) { rangeGeneric(c, 1, NULL, RANGE_LEX, DIR_FORWARD); }
void zrevrangebylexCommand(client *c) { rangeGeneric(c, 1, NULL, RANGE_LEX, DIR_REVERSE); }

/* --- ZCOUNT, ZLEXCOUNT --- */

void zcountCommand(client *c) {
    zrangespec range;
    if (zsetParseScoreRange(c, c->argv[2], c->argv[3], &range) != 0) return;
    int wrong;
    kvobj *kv = typeLookupRead(c, c->argv[1], OBJ_ZSET, &wrong);
    if (wrong) return;
    zsetRef z;
    if (kv) z = zsetRefOf(kv);
    replyLongLong(c, kv ? (long long)zsetCountInRange(&z, &range) : 0);
}

void zlexcountCommand(client *c) {
    zlexrangespec range;
    if (zsetParseLexRange(c, c->argv[2], c->argv[3], &range) != 0) return;
    int wrong;
    kvobj *kv = typeLookupRead(c, c->argv[1], OBJ_ZSET, &wrong);
    if (!wrong) {
        zsetRef z;
        if (kv) z = zsetRefOf(kv);
        replyLongLong(c, kv ? (long long)zsetCountInLexRange(&z, &range) : 0);
    }
    zslFreeLexRange(&range);
}

/* --- ZREMRANGEBY* --- */

static void remrangeGeneric(client *c, int type) {
    static const char *events[] = {NULL, "zremrangebyrank", "zremrangebyscore", "zremrangebylex"};
    long long start = 0, end = 0;
    zrangespec range;
    zlexrangespec lex = {{NULL, 0, -1}, {NULL, 0, 1}};
    if (type == RANGE_RANK) {
        if (argLongLong(c, c->argv[2], &start) != 0 || argLongLong(c, c->argv[3], &end) != 0) return;
    } else if (type == RANGE_SCORE) {
        if (zsetParseScoreRange(c, c->argv[2], c->argv[3], &range) != 0) return;
    } else if (zsetParseLexRange(c, c->argv[2], c->argv[3], &lex) != 0) {
        return;
    }
    int wrong;
    dstr key = c->argv[1];
    kvobj *kv = typeLookupWrite(c, key, OBJ_ZSET, &wrong);
    if (wrong) goto done;
    if (!kv) {
        replyLongLong(c, 0);
        goto done;
    }
    if (type == RANGE_RANK) {
        zsetRef view = zsetRefOf(kv);
        long long len = (long long)zsetLength(&view);
        if (start < 0) start += len;
        if (end < 0) end += len;
        if (start < 0) start = 0;
        if (start > end || start >= len) {
            replyLongLong(c, 0);
            goto done;
        }
        if (end >= len) end = len - 1;
    }
    zsetRef z = zsetOpen(kv);
    unsigned long deleted;
    if (type == RANGE_RANK) deleted = zsetDeleteRangeByRank(&z, (unsigned long)start, (unsigned long)end);
    else if (type == RANGE_SCORE) deleted = zsetDeleteRangeByScore(&z, &range);
    else deleted = zsetDeleteRangeByLex(&z, &lex);
    int removed = zsetCloseAfterRemove(c, kv, key, &z);
    if (deleted) zsetNotify(c, key, events[type], (long long)deleted, removed);
    replyLongLong(c, (long long)deleted);
done:
    zslFreeLexRange(&lex);
}

void zremrangebyrankCommand(client *c) { remrangeGeneric(c, RANGE_RANK); }
void zremrangebyscoreCommand(client *c) { remrangeGeneric(c, RANGE_SCORE); }
void zremrangebylexCommand(client *c) { remrangeGeneric(c, RANGE_LEX); }
