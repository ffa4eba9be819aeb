/* zset_store_cmds.c — sorted set algebra: ZUNION, ZINTER, ZDIFF, their
 * STORE forms (WEIGHTS, AGGREGATE SUM|MIN|MAX, WITHSCORES) and ZINTERCARD.
 *
 * Inputs may be sorted sets or plain sets (every member scoring 1), read
 * through zset_value.h and set_value.h iterators, so no encoding is special
 * here.  As in Valkey, the inputs are ordered smallest first (an
 * intersection then walks the smallest input and probes the others), a
 * weighted score that is NaN (inf * 0) counts as 0, and a sum of +inf and
 * -inf is 0.  The result is accumulated in a SKIPLIST value (member lookup
 * for aggregation, order for the reply) and a stored result takes the
 * compact encoding when it fits (zsetStoreResult). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "node/base/mem.h"
#include "node/base/util.h"
#include "node/net/args.h"
#include "node/net/reply.h"
#include "node/types/set_value.h"
#include "node/types/string_value.h"
#include "node/types/type_util.h"
#include "node/types/zset_cmds.h"

enum { OP_UNION, OP_INTER, OP_DIFF };
enum { AGG_SUM, AGG_MIN, AGG_MAX };
enum { SRC_NONE, SRC_ZSET, SRC_SET };

typedef struct source {
    int kind;
    zsetRef z;
    setValue s;
    unsigned long len;
    double weight;
} source;

/* Iterates a source: zset elements, or set members scoring 1. */
typedef struct sourceIter {
    const source *src;
    zsetIter zi;
    setIter si;
    char buf[LP_INTBUF_SIZE];
} sourceIter;

static void sourceIterInit(sourceIter *it, const source *src) {
    it->src = src;
    if (src->kind == SRC_ZSET) zsetIterInit(&it->zi, &src->z, 0);
    else if (src->kind == SRC_SET) setIterInit(&it->si, &src->s);
}

static int sourceIterNext(sourceIter *it, zsetElem *e) {
    if (it->src->kind == SRC_ZSET) return zsetIterNext(&it->zi, e);
    if (it->src->kind != SRC_SET) return 0;
    setMember m;
    if (!setIterNext(&it->si, &m)) return 0;
    if (m.str) {
        e->member = m.str;
        e->len = m.len;
    } else {
        e->len = (size_t)ll2string(it->buf, sizeof(it->buf), m.ll);
        e->member = it->buf;
    }
    e->score = 1.0;
    return 1;
}

static void sourceIterDone(sourceIter *it) {
    if (it->src->kind == SRC_SET) setIterReset(&it->si);
}

/* 1 and *score when member is in src. */
static int sourceScore(const source *src, const char *m, size_t len, double *score) {
    if (src->kind == SRC_ZSET) return zsetScore(&src->z, m, len, score);
    if (src->kind == SRC_SET && setValueContains(&src->s, m, len)) {
        *score = 1.0;
        return 1;
    }
    return 0;
}

static void aggregate(double *target, double val, int agg) {
    if (agg == AGG_SUM) {
        *target += val;
        if (isnan(*target)) *target = 0.0;
    } else if (agg == AGG_MIN) {
        if (val < *target) *target = val;
    } else if (val > *target) {
        *target = val;
    }
}

/* --- Arguments --- */

typedef struct algebraArgs {
    int op, store, cardOnly;
    long numkeys;
    source *src;
    int agg, withScores;
    long long limit;
} algebraArgs;

static int lookupSources(client *c, int firstKey, algebraArgs *a) {
    a->src = memCalloc((size_t)a->numkeys * sizeof(source));
    for (long i = 0; i < a->numkeys; i++) {
        dstr key = c->argv[firstKey + i];
        kvobj *kv = a->store ? stringLookupWrite(c, key) : dbLookupRead(c->db, key, typeReadFlags(c));
        source *s = &a->src[i];
        s->weight = 1.0;
        if (!kv) continue;
        if (kv->type == OBJ_ZSET) {
            s->kind = SRC_ZSET;
            s->z = zsetRefOf(kv);
            s->len = zsetLength(&s->z);
        } else if (kv->type == OBJ_SET) {
            s->kind = SRC_SET;
            s->s = setValueOf(kv);
            s->len = setValueLen(&s->s);
        } else {
            replyErrorWrongType(c);
            return -1;
        }
    }
    return 0;
}

static int parseAggregate(client *c, const dstr arg, int *agg) {
    if (zsetIsToken(arg, "sum")) *agg = AGG_SUM;
    else if (zsetIsToken(arg, "min")) *agg = AGG_MIN;
    else if (zsetIsToken(arg, "max")) *agg = AGG_MAX;
    else {
        replyErrorSyntax(c);
        return -1;
    }
    return 0;
}

static int parseAlgebraOptions(client *c, int j, algebraArgs *a) {
    int weighted = a->op != OP_DIFF && !a->cardOnly;
    while (j < c->argc) {
        int remaining = c->argc - j;
        dstr arg = c->argv[j];
        if (weighted && remaining >= a->numkeys + 1 && zsetIsToken(arg, "weights")) {
            j++;
            for (long i = 0; i < a->numkeys; i++, j++) {
                if (!string2d(c->argv[j], dstrLen(c->argv[j]), &a->src[i].weight)) {
                    replyError(c, "ERR weight value is not a float");
                    return -1;
                }
            }
        } else if (weighted && remaining >= 2 && zsetIsToken(arg, "aggregate")) {
            if (parseAggregate(c, c->argv[j + 1], &a->agg) != 0) return -1;
            j += 2;
        } else if (!a->store && !a->cardOnly && zsetIsToken(arg, "withscores")) {
            a->withScores = 1;
            j++;
        } else if (a->cardOnly && remaining >= 2 && zsetIsToken(arg, "limit")) {
            dstr v = c->argv[j + 1];
            if (!string2ll(v, dstrLen(v), &a->limit) || a->limit < 0) {
                replyError(c, "ERR LIMIT can't be negative");
                return -1;
            }
            j += 2;
        } else {
            replyErrorSyntax(c);
            return -1;
        }
    }
    return 0;
}

static int parseAlgebra(client *c, int numkeysIndex, algebraArgs *a) {
    long long n;
    if (argLongLong(c, c->argv[numkeysIndex], &n) != 0) return -1;
    if (n < 1) {
        replyErrorFormat(c, "ERR at least 1 input key is needed for '%s' command",
                         c->cmdName ? c->cmdName : "zunion");
        return -1;
    }
    if (n > c->argc - (numkeysIndex + 1)) {
        replyErrorSyntax(c);
        return -1;
    }
    a->numkeys = (long)n;
    if (lookupSources(c, numkeysIndex + 1, a) != 0) return -1;
    return parseAlgebraOptions(c, numkeysIndex + 1 + (int)n, a);
}

/* --- The operations --- */

static int bySize(const void *x, const void *y) {
    const source *a = x, *b = y;
    return a->len < b->len ? -1 : a->len > b->len;
}

static double weighted(double score, double weight) {
    double v = score * weight;
    return isnan(v) ? 0.0 : v;
}

static void computeUnion(const algebraArgs *a, zsetRef *dst) {
    for (long i = 0; i < a->numkeys; i++) {
        sourceIter it;
        zsetElem e;
        int out;
        sourceIterInit(&it, &a->src[i]);
        while (sourceIterNext(&it, &e)) {
            double score = weighted(e.score, a->src[i].weight), cur;
            if (zsetScore(dst, e.member, e.len, &cur)) {
                aggregate(&cur, score, a->agg);
                score = cur;
            }
            zsetAdd(dst, score, e.member, e.len, 0, &out, NULL);
        }
        sourceIterDone(&it);
    }
}

/* Walks the smallest input; cardinality only when dst is NULL (stops at
 * limit when > 0).  Returns the number of members in the intersection. */
static unsigned long computeInter(const algebraArgs *a, zsetRef *dst, long long limit) {
    unsigned long found = 0;
    for (long i = 0; i < a->numkeys; i++)
        if (a->src[i].kind == SRC_NONE || a->src[i].len == 0) return 0;
    sourceIter it;
    zsetElem e;
    sourceIterInit(&it, &a->src[0]);
    while (sourceIterNext(&it, &e)) {
        double score = weighted(e.score, a->src[0].weight);
        long j = 1;
        for (; j < a->numkeys; j++) {
            double other;
            if (!sourceScore(&a->src[j], e.member, e.len, &other)) break;
            aggregate(&score, other * a->src[j].weight, a->agg);
        }
        if (j < a->numkeys) continue;
        found++;
        int out;
        if (dst) zsetAdd(dst, score, e.member, e.len, 0, &out, NULL);
        if (limit > 0 && (long long)found >= limit) break;
    }
    sourceIterDone(&it);
    return found;
}

static void computeDiff(const algebraArgs *a, zsetRef *dst) {
    sourceIter it;
    zsetElem e;
    sourceIterInit(&it, &a->src[0]);
    while (sourceIterNext(&it, &e)) {
        long j = 1;
        double other;
        while (j < a->numkeys && !sourceScore(&a->src[j], e.member, e.len, &other)) j++;
        int out;
        if (j == a->numkeys) zsetAdd(dst, e.score, e.member, e.len, 0, &out, NULL);
    }
    sourceIterDone(&it);
}

static void replyResult(client *c, const zsetRef *z, int withScores) {
    zsetIter it;
    zsetElem e;
    int nested = c->resp > 2;
    zsetReplyElemsLen(c, (long)zsetLength(z), withScores, nested);
    zsetIterInit(&it, z, 0);
    while (zsetIterNext(&it, &e)) zsetReplyElem(c, &e, withScores, nested);
}

static void algebraGeneric(client *c, const dstr dstkey, int numkeysIndex, int op) {
    static const char *events[] = {"zunionstore", "zinterstore", "zdiffstore"};
    algebraArgs a = {.op = op, .store = dstkey != NULL};
    if (parseAlgebra(c, numkeysIndex, &a) != 0) goto done;
    if (op != OP_DIFF) qsort(a.src, (size_t)a.numkeys, sizeof(source), bySize);
    zsetRef dst = zsetCreate(0, 0);
    zsetConvert(&dst, OBJ_ENCODING_SKIPLIST);
    if (op == OP_UNION) computeUnion(&a, &dst);
    else if (op == OP_INTER) computeInter(&a, &dst, 0);
    else computeDiff(&a, &dst);
    if (dstkey) {
        zsetStoreResult(c, dstkey, &dst, events[op]);
    } else {
        replyResult(c, &dst, a.withScores);
        zsetRelease(&dst);
    }
done:
    memFree(a.src);
}

void zunionCommand(client *c) { algebraGeneric(c, NULL, 1, OP_UNION); }
void zinterCommand(client *c) { algebraGeneric(c, NULL, 1, OP_INTER); }
void zdiffCommand(client *c) { algebraGeneric(c, NULL, 1, OP_DIFF); }
void zunionstoreCommand(client *c) { algebraGeneric(c, c->argv[1], 2, OP_UNION); }
void zinterstoreCommand(client *c) { algebraGeneric(c, c->argv[1], 2, OP_INTER); }
void zdiffstoreCommand(client *c) { algebraGeneric(c, c->argv[1], 2, OP_DIFF); }

void zintercardCommand(client *c) {
    algebraArgs a = {.op = OP_INTER, .cardOnly = 1};
    if (parseAlgebra(c, 1, &a) == 0) {
        qsort(a.src, (size_t)a.numkeys, sizeof(source), bySize);
        replyLongLong(c, (long long)computeInter(&a, NULL, a.limit));
    }
    memFree(a.src);
}
