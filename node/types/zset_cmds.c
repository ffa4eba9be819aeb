/* zset_cmds.c — the sorted set command table, the helpers every zset
 * command file shares (zset_cmds.h), and the single-element commands:
 * ZADD, ZINCRBY, ZREM, ZCARD, ZSCORE, ZMSCORE, ZRANK, ZREVRANK,
 * ZRANDMEMBER and ZSCAN.  Pops live in zset_pop_cmds.c, range queries in
 * zset_range_cmds.c, the set algebra (ZUNION & co.) in zset_store_cmds.c.
 *
 * Every changing command follows the value write protocol of type_util.h:
 * open the value (it may be a listpack embedded in the keyspace entry),
 * change it through zset_value.h — which converts LISTPACK -> SKIPLIST as
 * thresholds are crossed — and close it, deleting the key when it became
 * empty.  Dirty counts follow Valkey's server.dirty (one per changed
 * element), events are Valkey's ("zadd", "zincr", "zrem", "del"). */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "node/base/mem.h"
#include "node/base/rand.h"
#include "node/base/util.h"
#include "node/net/args.h"
#include "node/net/reply.h"
#include "node/store/scan.h"
#include "node/types/type_cmds.h"
#include "node/types/type_util.h"
#include "node/types/zset_cmds.h"

/* --- Shared helpers (zset_cmds.h) --- */

int zsetIsToken(const dstr arg, const char *token) {
    size_t len = strlen(token);
    return dstrLen(arg) == len && strncasecmp(arg, token, len) == 0;
}

/* One bound: strtod over the whole (NUL-terminated) argument, as Valkey
 * reads it, so "" is 0 and "inf" / "-inf" are infinite. */
static int parseScoreBound(const dstr arg, double *value, int *ex) {
    const char *s = arg;
    char *end;
    *ex = s[0] == '(';
    if (*ex) s++;
    *value = strtod(s, &end);
    return end[0] == '\0' && !isnan(*value) ? 0 : -1;
}

int zsetParseScoreRange(client *c, const dstr min, const dstr max, zrangespec *spec) {
    if (parseScoreBound(min, &spec->min, &spec->minex) != 0 ||
        parseScoreBound(max, &spec->max, &spec->maxex) != 0) {
        replyError(c, "ERR min or max is not a float");
        return -1;
    }
    return 0;
}

int zsetParseLexRange(client *c, const dstr min, const dstr max, zlexrangespec *spec) {
    if (zslParseLexRange(min, dstrLen(min), max, dstrLen(max), spec) != 0) {
        replyError(c, "ERR min or max not valid string range item");
        return -1;
    }
    return 0;
}

zsetRef zsetOpen(kvobj *kv) { return (zsetRef){kv->encoding, dbValueOpen(kv)}; }

int zsetCloseAfterRemove(client *c, kvobj *kv, const dstr key, zsetRef *z) {
    int empty = zsetLength(z) == 0;
    dbValueClose(c->db, kv, z->encoding, z->ptr);
    if (empty) dbDelete(c->db, key);
    return empty;
}

void zsetNotify(client *c, const dstr key, const char *event, long long changes, int removed) {
    dbMarkDirty(changes);
    dbSignalModifiedKey(c->db, key);
    dbNotify(NOTIFY_ZSET, event, key, c->db->id);
    if (removed) dbNotify(NOTIFY_GENERIC, "del", key, c->db->id);
}

void zsetStoreResult(client *c, const dstr key, zsetRef *z, const char *event) {
    serverDb *db = c->db;
    unsigned long n = zsetLength(z);
    if (n == 0) {
        zsetRelease(z);
        replyLongLong(c, 0);
        if (dbDelete(db, key)) dbKeyWritten(db, key, NOTIFY_GENERIC, "del");
        return;
    }
    zsetShrinkIfFits(z);
    dbSet(db, kvCreatePointer(key, dstrLen(key), OBJ_ZSET, z->encoding, z->ptr, -1), 0);
    replyLongLong(c, (long long)n);
    dbKeyWritten(db, key, NOTIFY_ZSET, event);
}

void zsetReplyElemsLen(client *c, long n, int withScores, int nested) {
    replyArrayLen(c, withScores && !nested ? n * 2 : n);
}

void zsetReplyElem(client *c, const zsetElem *e, int withScores, int nested) {
    if (withScores && nested) replyArrayLen(c, 2);
    replyBulk(c, e->member, e->len);
    if (withScores) replyDouble(c, e->score);
}

/* --- ZADD, ZINCRBY --- */

/* Parses ZADD's options from argv[2]; returns the index of the first score
 * argument. */
static int parseZaddFlags(client *c, int *flags, int *ch) {
    int j = 2;
    for (; j < c->argc; j++) {
        dstr a = c->argv[j];
        if (zsetIsToken(a, "nx")) *flags |= ZADD_IN_NX;
        else if (zsetIsToken(a, "xx")) *flags |= ZADD_IN_XX;
        else if (zsetIsToken(a, "ch")) *ch = 1;
        else if (zsetIsToken(a, "incr")) *flags |= ZADD_IN_INCR;
        else if (zsetIsToken(a, "gt")) *flags |= ZADD_IN_GT;
        else if (zsetIsToken(a, "lt")) *flags |= ZADD_IN_LT;
        else break;
    }
    return j;
}

/* Checks the option combinations in Valkey's order; 0 or -1 (replied). */
static int checkZaddArgs(client *c, int flags, long pairsArgs) {
    if (pairsArgs % 2 || pairsArgs == 0) {
        replyErrorSyntax(c);
        return -1;
    }
    if ((flags & ZADD_IN_NX) && (flags & ZADD_IN_XX)) {
        replyError(c, "ERR XX and NX options at the same time are not compatible");
        return -1;
    }
    int gt = flags & ZADD_IN_GT, lt = flags & ZADD_IN_LT, nx = flags & ZADD_IN_NX;
    if ((gt && nx) || (lt && nx) || (gt && lt)) {
        replyError(c, "ERR GT, LT, and/or NX options at the same time are not compatible");
        return -1;
    }
    if ((flags & ZADD_IN_INCR) && pairsArgs > 2) {
        replyError(c, "ERR INCR option supports a single increment-element pair");
        return -1;
    }
    return 0;
}

typedef struct zaddResult {
    long long added, updated, processed;
    double score;
    int nan;
} zaddResult;

static void zaddApply(client *c, zsetRef *z, int first, const double *scores, long n, int flags,
                      zaddResult *res) {
    for (long i = 0; i < n; i++) {
        dstr m = c->argv[first + 2 * i + 1];
        int out;
        if (!zsetAdd(z, scores[i], m, dstrLen(m), flags, &out, &res->score)) {
            res->nan = 1;
            return;
        }
        if (out & ZADD_OUT_ADDED) res->added++;
        if (out & ZADD_OUT_UPDATED) res->updated++;
        if (!(out & ZADD_OUT_NOP)) res->processed++;
    }
}

static void zaddGeneric(client *c, int flags) {
    int ch = 0;
    int first = parseZaddFlags(c, &flags, &ch);
    if (checkZaddArgs(c, flags, c->argc - first) != 0) return;
    long n = (c->argc - first) / 2;
    double *scores = memAlloc((size_t)n * sizeof(double));
    size_t maxLen = 0;
    for (long i = 0; i < n; i++) {
        dstr s = c->argv[first + 2 * i];
        if (!string2d(s, dstrLen(s), &scores[i])) {
            replyErrorNotFloat(c);
            goto done;
        }
        size_t len = dstrLen(c->argv[first + 2 * i + 1]);
        if (len > maxLen) maxLen = len;
    }
    int wrong;
    dstr key = c->argv[1];
    kvobj *kv = typeLookupWrite(c, key, OBJ_ZSET, &wrong);
    if (wrong) goto done;
    zaddResult res = {0};
    if (!kv && (flags & ZADD_IN_XX)) {
        /* nothing to update */
    } else if (!kv) {
        zsetRef z = zsetCreate((size_t)n, maxLen);
        zaddApply(c, &z, first, scores, n, flags, &res);
        if (zsetLength(&z) == 0) zsetRelease(&z);
        else dbAdd(c->db, kvCreatePointer(key, dstrLen(key), OBJ_ZSET, z.encoding, z.ptr, -1));
    } else {
        zsetRef z = zsetOpen(kv);
        zsetMaybeConvert(&z, (size_t)n, maxLen);
        zaddApply(c, &z, first, scores, n, flags, &res);
        dbValueClose(c->db, kv, z.encoding, z.ptr);
    }
    if (res.nan) replyError(c, "ERR resulting score is not a number (NaN)");
    else if (!(flags & ZADD_IN_INCR)) replyLongLong(c, ch ? res.added + res.updated : res.added);
    else if (res.processed) replyDouble(c, res.score);
    else replyNull(c);
    if (res.added || res.updated)
        zsetNotify(c, key, (flags & ZADD_IN_INCR) ? "zincr" : "zadd", res.added + res.updated, 0);
done:
    memFree(scores);
}

static void zaddCommand(client *c) { zaddGeneric(c, 0); }

static void zincrbyCommand(client *c) { zaddGeneric(c, ZADD_IN_INCR); }

/* --- ZREM --- */

static void zremCommand(client *c) {
    int wrong;
    dstr key = c->argv[1];
    kvobj *kv = typeLookupWrite(c, key, OBJ_ZSET, &wrong);
    if (wrong) return;
    if (!kv) {
        replyLongLong(c, 0);
        return;
    }
    zsetRef z = zsetOpen(kv);
    long long deleted = 0;
    for (int j = 2; j < c->argc && zsetLength(&z) > 0; j++)
        deleted += zsetRemove(&z, c->argv[j], dstrLen(c->argv[j]));
    int removed = zsetCloseAfterRemove(c, kv, key, &z);
    if (deleted) zsetNotify(c, key, "zrem", deleted, removed);
    replyLongLong(c, deleted);
}

/* --- Reads of single members --- */

static void zcardCommand(client *c) {
    int wrong;
    kvobj *kv = typeLookupRead(c, c->argv[1], OBJ_ZSET, &wrong);
    if (wrong) return;
    if (!kv) {
        replyLongLong(c, 0);
        return;
    }
    zsetRef z = zsetRefOf(kv);
    replyLongLong(c, (long long)zsetLength(&z));
}

static void zscoreCommand(client *c) {
    int wrong;
    kvobj *kv = typeLookupRead(c, c->argv[1], OBJ_ZSET, &wrong);
    if (wrong) return;
    double score;
    zsetRef z;
    if (kv) z = zsetRefOf(kv);
    if (kv && zsetScore(&z, c->argv[2], dstrLen(c->argv[2]), &score)) replyDouble(c, score);
    else replyNull(c);
}

static void zmscoreCommand(client *c) {
    int wrong;
    kvobj *kv = typeLookupRead(c, c->argv[1], OBJ_ZSET, &wrong);
    if (wrong) return;
    zsetRef z;
    if (kv) z = zsetRefOf(kv);
    replyArrayLen(c, c->argc - 2);
    for (int j = 2; j < c->argc; j++) {
        double score;
        if (kv && zsetScore(&z, c->argv[j], dstrLen(c->argv[j]), &score)) replyDouble(c, score);
        else replyNull(c);
    }
}

static void zrankGeneric(client *c, int reverse) {
    int withScore = 0;
    if (c->argc > 4) {
        replyErrorArity(c);
        return;
    }
    if (c->argc == 4) {
        if (!zsetIsToken(c->argv[3], "withscore")) {
            replyErrorSyntax(c);
            return;
        }
        withScore = 1;
    }
    int wrong;
    kvobj *kv = typeLookupRead(c, c->argv[1], OBJ_ZSET, &wrong);
    if (wrong) return;
    double score;
    long long rank = -1;
    if (kv) {
        zsetRef z = zsetRefOf(kv);
        rank = zsetRank(&z, c->argv[2], dstrLen(c->argv[2]), reverse, &score);
    }
    if (rank < 0) {
        if (withScore) replyNullArray(c);
        else replyNull(c);
    } else if (withScore) {
        replyArrayLen(c, 2);
        replyLongLong(c, rank);
        replyDouble(c, score);
    } else {
        replyLongLong(c, rank);
    }
}

static void zrankCommand(client *c) { zrankGeneric(c, 0); }
static void zrevrankCommand(client *c) { zrankGeneric(c, 1); }

/* --- ZRANDMEMBER --- */

/* Member + score copied out of the value (a listpack member may be an
 * integer written into an iterator's buffer). */
typedef struct ownedElem {
    dstr member;
    double score;
} ownedElem;

static void replyOwned(client *c, const ownedElem *o, int withScores) {
    zsetElem e = {o->member, dstrLen(o->member), o->score};
    zsetReplyElem(c, &e, withScores, c->resp > 2);
}

/* count distinct elements when they are a large share of the set (or the
 * set is a small listpack): copy everything, shuffle the first count. */
static void randDistinctByCopy(client *c, const zsetRef *z, unsigned long count, int withScores) {
    unsigned long size = zsetLength(z);
    ownedElem *all = memAlloc(size * sizeof(*all));
    zsetIter it;
    zsetElem e;
    unsigned long n = 0;
    zsetIterInit(&it, z, 0);
    while (zsetIterNext(&it, &e)) all[n++] = (ownedElem){dstrNewLen(e.member, e.len), e.score};
    for (unsigned long i = 0; i < count; i++) {
        unsigned long j = i + (unsigned long)(randNext() % (size - i));
        ownedElem t = all[i];
        all[i] = all[j];
        all[j] = t;
    }
    zsetReplyElemsLen(c, (long)count, withScores, c->resp > 2);
    for (unsigned long i = 0; i < size; i++) {
        if (i < count) replyOwned(c, &all[i], withScores);
        dstrFree(all[i].member);
    }
    memFree(all);
}

static int cmpRank(const void *a, const void *b) {
    unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;
    return x < y ? -1 : x > y;
}

/* count distinct ranks of a big skiplist (count <= size / 3): draw, sort,
 * drop duplicates, draw again for the missing ones. */
static void randDistinctByRank(client *c, const zsetRef *z, unsigned long count, int withScores) {
    unsigned long size = zsetLength(z);
    unsigned long *ranks = memAlloc(count * sizeof(*ranks));
    unsigned long have = 0;
    while (have < count) {
        for (unsigned long i = have; i < count; i++) ranks[i] = (unsigned long)(randNext() % size);
        qsort(ranks, count, sizeof(*ranks), cmpRank);
        have = 0;
        for (unsigned long i = 0; i < count; i++)
            if (i == 0 || ranks[i] != ranks[have - 1]) ranks[have++] = ranks[i];
    }
    for (unsigned long i = count; i > 1; i--) {
        unsigned long j = (unsigned long)(randNext() % i), t = ranks[i - 1];
        ranks[i - 1] = ranks[j];
        ranks[j] = t;
    }
    zsetReplyElemsLen(c, (long)count, withScores, c->resp > 2);
    zskiplist *zsl = ((zset *)z->ptr)->zsl;
    for (unsigned long i = 0; i < count; i++) {
        zskiplistNode *node = zslGetElementByRank(zsl, ranks[i] + 1);
        zsetElem e = {node->member, dstrLen(node->member), node->score};
        zsetReplyElem(c, &e, withScores, c->resp > 2);
    }
    memFree(ranks);
}

static void zrandmemberWithCount(client *c, long count, int withScores) {
    int wrong;
    kvobj *kv = typeLookupRead(c, c->argv[1], OBJ_ZSET, &wrong);
    if (wrong) return;
    if (!kv || count == 0) {
        replyEmptyArray(c);
        return;
    }
    zsetRef z = zsetRefOf(kv);
    unsigned long size = zsetLength(&z);
    int nested = c->resp > 2;
    if (count < 0 || count == 1) {
        unsigned long n = count < 0 ? (unsigned long)-count : 1;
        char buf[LP_INTBUF_SIZE];
        zsetReplyElemsLen(c, (long)n, withScores, nested);
        for (unsigned long i = 0; i < n; i++) {
            zsetElem e;
            zsetRandomElement(&z, &e, buf);
            zsetReplyElem(c, &e, withScores, nested);
        }
    } else if ((unsigned long)count >= size) {
        zsetIter it;
        zsetElem e;
        zsetReplyElemsLen(c, (long)size, withScores, nested);
        zsetIterInit(&it, &z, 0);
        while (zsetIterNext(&it, &e)) zsetReplyElem(c, &e, withScores, nested);
    } else if (z.encoding == OBJ_ENCODING_LISTPACK || (unsigned long)count * 3 > size) {
        randDistinctByCopy(c, &z, (unsigned long)count, withScores);
    } else {
        randDistinctByRank(c, &z, (unsigned long)count, withScores);
    }
}

static void zrandmemberCommand(client *c) {
    if (c->argc >= 3) {
        long long count;
        if (argLongLong(c, c->argv[2], &count) != 0) return;
        if (count == LLONG_MIN) {
            replyError(c, "ERR value is out of range, value must between -9223372036854775807 and "
                          "9223372036854775807");
            return;
        }
        if (c->argc > 4 || (c->argc == 4 && !zsetIsToken(c->argv[3], "withscores"))) {
            replyErrorSyntax(c);
            return;
        }
        if (c->argc == 4 && (count < -LLONG_MAX / 2 || count > LLONG_MAX / 2)) {
            replyError(c, "ERR value is out of range");
            return;
        }
        zrandmemberWithCount(c, (long)count, c->argc == 4);
        return;
    }
    int wrong;
    kvobj *kv = typeLookupRead(c, c->argv[1], OBJ_ZSET, &wrong);
    if (wrong) return;
    if (!kv) {
        replyNull(c);
        return;
    }
    zsetRef z = zsetRefOf(kv);
    zsetElem e;
    char buf[LP_INTBUF_SIZE];
    zsetRandomElement(&z, &e, buf);
    replyBulk(c, e.member, e.len);
}

/* --- ZSCAN --- */

/* Replies the element list of a scan reply: members that match, each
 * followed by its score as a bulk string unless NOSCORES. */
static void replyScanElems(client *c, const scanArgs *o, const zsetElem *elems, size_t n) {
    void *len = replyDeferredLen(c);
    long out = 0;
    for (size_t i = 0; i < n; i++) {
        if (!scanMatches(o, elems[i].member, elems[i].len)) continue;
        replyBulk(c, elems[i].member, elems[i].len);
        out++;
        if (o->noValues) continue;
        char buf[128];
        int blen = d2string(buf, sizeof(buf), elems[i].score);
        replyBulk(c, buf, (size_t)blen);
        out++;
    }
    replySetDeferredArrayLen(c, len, out);
}

/* A listpack is returned whole, with cursor 0; the digits of integer
 * members are copied out because the iterator reuses its buffer. */
static void zscanListpack(client *c, const scanArgs *o, const zsetRef *z) {
    unsigned long size = zsetLength(z);
    zsetElem *elems = memAlloc((size + 1) * sizeof(*elems));
    char(*digits)[LP_INTBUF_SIZE] = memAlloc((size + 1) * LP_INTBUF_SIZE);
    size_t n = 0;
    zsetIter it;
    zsetIterInit(&it, z, 0);
    while (zsetIterNext(&it, &elems[n])) {
        if (elems[n].member == it.buf) {
            memcpy(digits[n], it.buf, elems[n].len);
            elems[n].member = digits[n];
        }
        n++;
    }
    scanReplyCursor(c, 0);
    replyScanElems(c, o, elems, n);
    memFree(digits);
    memFree(elems);
}

static void zscanSkiplist(client *c, const scanArgs *o, const zsetRef *z, unsigned long long cursor) {
    scanBatch b = {0};
    cursor = scanCollect(((zset *)z->ptr)->dict, cursor, o->count, &b);
    zsetElem *elems = memAlloc((b.count + 1) * sizeof(*elems));
    for (size_t i = 0; i < b.count; i++) {
        zskiplistNode *node = b.entries[i];
        elems[i] = (zsetElem){node->member, dstrLen(node->member), node->score};
    }
    scanReplyCursor(c, cursor);
    replyScanElems(c, o, elems, b.count);
    scanBatchFree(&b);
    memFree(elems);
}

/* ZSCAN key cursor [MATCH pattern] [COUNT count] [NOSCORES] */
static void zscanCommand(client *c) {
    unsigned long long cursor;
    scanArgs o;
    kvobj *kv = typeScanBegin(c, OBJ_ZSET, SCAN_ZSET, &cursor, &o);
    if (!kv) return;
    zsetRef z = zsetRefOf(kv);
    if (z.encoding == OBJ_ENCODING_LISTPACK)
        zscanListpack(c, &o, &z);
    else
        zscanSkiplist(c, &o, &z, cursor);
}

/* --- Table --- */

const commandBinding zsetCommands[] = {
    {"zadd", zaddCommand},
    {"zincrby", zincrbyCommand},
    {"zrem", zremCommand},
    {"zcard", zcardCommand},
    {"zscore", zscoreCommand},
    {"zmscore", zmscoreCommand},
    {"zrank", zrankCommand},
    {"zrevrank", zrevrankCommand},
    {"zrandmember", zrandmemberCommand},
    {"zscan", zscanCommand},
    {"zcount", zcountCommand},
    {"zlexcount", zlexcountCommand},
    {"zrange", zrangeCommand},
    {"zrangestore", zrangestoreCommand},
    {"zrevrange", zrevrangeCommand},
    {"zrangebyscore", zrangebyscoreCommand},
    {"zrevrangebyscore", zrevrangebyscoreCommand},
    {"zrangebylex", zrangebylexCommand},
    {"zrevrangebylex", zrevrangebylexCommand},
    {"zremrangebyrank", zremrangebyrankCommand},
    {"zremrangebyscore", zremrangebyscoreCommand},
    {"zremrangebylex", zremrangebylexCommand},
    {"zpopmin", zpopminCommand},
    {"zpopmax", zpopmaxCommand},
    {"zmpop", zmpopCommand},
    {"bzpopmin", bzpopminCommand},
    {"bzpopmax", bzpopmaxCommand},
    {"bzmpop", bzmpopCommand},
    {"zunion", zunionCommand},
    {"zinter", zinterCommand},
    {"zdiff", zdiffCommand},
    {"zunionstore", zunionstoreCommand},
    {"zinterstore", zinterstoreCommand},
    {"zdiffstore", zdiffstoreCommand},
    {"zintercard", zintercardCommand},
    {NULL, NULL},
};

void zsetTypeInit(void) { zsetRegisterValueType(); }
