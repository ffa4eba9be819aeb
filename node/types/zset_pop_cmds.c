/* zset_pop_cmds.c — popping the lowest or highest scored elements: ZPOPMIN,
 * ZPOPMAX, ZMPOP and the blocking BZPOPMIN, BZPOPMAX, BZMPOP.
 *
 * One routine pops up to count elements from one key and replies in the
 * shape each command needs (Valkey's four: flat for ZPOPMIN and RESP2,
 * pairs for ZPOPMIN COUNT in RESP3, key + flat for BZPOPMIN, key + pairs
 * for [B]ZMPOP).  The blocking forms serve at once when a key has
 * elements, else wait through node/server/blocking.h; when served they are
 * propagated in the deterministic form Valkey uses: BZPOPMIN key ... ->
 * ZPOPMIN key, ZMPOP / BZMPOP -> ZPOPMIN|ZPOPMAX key <count popped>. */
#include <limits.h>
#include <string.h>

#include "node/base/mem.h"
#include "node/base/util.h"
#include "node/net/args.h"
#include "node/net/reply.h"
#include "node/server/blocking.h"
#include "node/types/type_util.h"
#include "node/types/zset_cmds.h"

/* Reply shapes (Valkey's genericZpopCommand). */
enum { POP_FLAT, POP_PAIRS, POP_KEY_FLAT, POP_KEY_PAIRS };

/* Pops up to count (>= 1) elements of the non-empty zset kv at key. */
static long popFrom(client *c, kvobj *kv, const dstr key, int max, long count, int shape) {
    zsetRef z = zsetOpen(kv);
    unsigned long len = zsetLength(&z);
    unsigned long n = (unsigned long)count < len ? (unsigned long)count : len;
    if (shape == POP_FLAT) {
        replyArrayLen(c, (long)n * 2);
    } else if (shape == POP_PAIRS) {
        replyArrayLen(c, (long)n);
    } else if (shape == POP_KEY_FLAT) {
        replyArrayLen(c, (long)n * 2 + 1);
        replyBulkDstr(c, key);
    } else {
        replyArrayLen(c, 2);
        replyBulkDstr(c, key);
        replyArrayLen(c, (long)n);
    }
    int nested = shape == POP_PAIRS || shape == POP_KEY_PAIRS;
    zsetIter it;
    zsetElem e;
    zsetIterInit(&it, &z, max);
    for (unsigned long i = 0; i < n && zsetIterNext(&it, &e); i++) zsetReplyElem(c, &e, 1, nested);
    if (max) zsetDeleteRangeByRank(&z, len - n, len - 1);
    else zsetDeleteRangeByRank(&z, 0, n - 1);
    int removed = zsetCloseAfterRemove(c, kv, key, &z);
    zsetNotify(c, key, max ? "zpopmax" : "zpopmin", (long long)n, removed);
    return (long)n;
}

/* Rewrites argv to "ZPOPMIN|ZPOPMAX key [count]" for propagation. */
static void rewriteAsPop(client *c, const dstr key, int max, long count) {
    int argc = count > 0 ? 3 : 2;
    dstr *argv = memAlloc((size_t)argc * sizeof(dstr));
    argv[0] = dstrNew(max ? "ZPOPMAX" : "ZPOPMIN");
    argv[1] = dstrDup(key);
    if (count > 0) argv[2] = dstrFromLongLong(count);
    clientReplaceArgv(c, argc, argv);
}

/* The first key holding a zset; NULL with *wrong when one holds another
 * type first (replied), NULL without when none exists.  Valkey's pops
 * treat every zset as non-empty (empty ones are deleted). */
static kvobj *firstZset(client *c, dstr *keys, long numkeys, long *index, int *wrong) {
    *wrong = 0;
    for (long i = 0; i < numkeys; i++) {
        kvobj *kv = typeLookupWrite(c, keys[i], OBJ_ZSET, wrong);
        if (*wrong) return NULL;
        if (kv) {
            *index = i;
            return kv;
        }
    }
    return NULL;
}

/* --- ZPOPMIN, ZPOPMAX --- */

static void zpopMinMax(client *c, int max) {
    long long count = -1;
    if (c->argc > 3) {
        replyErrorSyntax(c);
        return;
    }
    if (c->argc == 3) {
        dstr a = c->argv[2];
        if (!string2ll(a, dstrLen(a), &count) || count < 0) {
            replyError(c, "ERR value is out of range, must be positive");
            return;
        }
    }
    int wrong;
    dstr key = c->argv[1];
    kvobj *kv = typeLookupWrite(c, key, OBJ_ZSET, &wrong);
    if (wrong) return;
    if (!kv || count == 0) {
        replyEmptyArray(c);
        return;
    }
    int shape = c->resp > 2 && count != -1 ? POP_PAIRS : POP_FLAT;
    popFrom(c, kv, key, max, count == -1 ? 1 : (long)count, shape);
}

void zpopminCommand(client *c) { zpopMinMax(c, 0); }
void zpopmaxCommand(client *c) { zpopMinMax(c, 1); }

/* --- ZMPOP, BZMPOP --- */

/* A long in [1, LONG_MAX] or the given error. */
static int parsePositive(client *c, const dstr arg, long *out, const char *err) {
    long long v;
    if (!string2ll(arg, dstrLen(arg), &v) || v < 1 || v > LONG_MAX) {
        replyError(c, err);
        return -1;
    }
    *out = (long)v;
    return 0;
}

typedef struct mpopArgs {
    long numkeys;
    int max;
    long count;
} mpopArgs;

/* numkeys key... MIN|MAX [COUNT count] from argv[numkeysIndex]. */
static int parseMpop(client *c, int numkeysIndex, mpopArgs *a) {
    if (parsePositive(c, c->argv[numkeysIndex], &a->numkeys, "ERR numkeys should be greater than 0") != 0)
        return -1;
    a->count = -1;
    if (a->numkeys >= c->argc - numkeysIndex - 1) {
        replyErrorSyntax(c);
        return -1;
    }
    int whereIndex = numkeysIndex + (int)a->numkeys + 1;
    if (zsetIsToken(c->argv[whereIndex], "min")) a->max = 0;
    else if (zsetIsToken(c->argv[whereIndex], "max")) a->max = 1;
    else {
        replyErrorSyntax(c);
        return -1;
    }
    for (int j = whereIndex + 1; j < c->argc; j++) {
        if (a->count == -1 && zsetIsToken(c->argv[j], "count") && j + 1 < c->argc) {
            j++;
            if (parsePositive(c, c->argv[j], &a->count, "ERR count should be greater than 0") != 0)
                return -1;
        } else {
            replyErrorSyntax(c);
            return -1;
        }
    }
    if (a->count == -1) a->count = 1;
    return 0;
}

void zmpopCommand(client *c) {
    mpopArgs a;
    if (parseMpop(c, 1, &a) != 0) return;
    int wrong;
    long index;
    kvobj *kv = firstZset(c, c->argv + 2, a.numkeys, &index, &wrong);
    if (wrong) return;
    if (!kv) {
        replyNullArray(c);
        return;
    }
    dstr key = c->argv[2 + index];
    long popped = popFrom(c, kv, key, a.max, a.count, POP_KEY_PAIRS);
    rewriteAsPop(c, key, a.max, popped);
}

/* Serves the first non-empty key of keys, or blocks (or replies the
 * timeout reply where blocking is not allowed).  count -1: BZPOPMIN. */
static void blockingPop(client *c, dstr *keys, long numkeys, int max, long count, long long deadline) {
    int wrong;
    long index;
    kvobj *kv = firstZset(c, keys, numkeys, &index, &wrong);
    if (wrong) return;
    if (kv) {
        dstr key = keys[index];
        long popped =
            popFrom(c, kv, key, max, count == -1 ? 1 : count, count == -1 ? POP_KEY_FLAT : POP_KEY_PAIRS);
        rewriteAsPop(c, key, max, count == -1 ? -1 : popped);
        return;
    }
    if (!blockAllowed(c)) {
        replyNullArray(c);
        return;
    }
    blockForKeys(c, OBJ_ZSET, keys, (int)numkeys, deadline);
}

static void bzpopMinMax(client *c, int max) {
    long long deadline;
    if (blockParseTimeout(c, c->argc - 1, &deadline) != 0) return;
    blockingPop(c, c->argv + 1, c->argc - 2, max, -1, deadline);
}

void bzpopminCommand(client *c) { bzpopMinMax(c, 0); }
void bzpopmaxCommand(client *c) { bzpopMinMax(c, 1); }

void bzmpopCommand(client *c) {
    mpopArgs a;
    if (parseMpop(c, 2, &a) != 0) return;
    long long deadline;
    if (blockParseTimeout(c, 1, &deadline) != 0) return;
    blockingPop(c, c->argv + 3, a.numkeys, a.max, a.count, deadline);
}
