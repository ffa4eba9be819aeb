/* list_move_cmds.c — the list commands that touch several keys or block:
 * LMOVE RPOPLPUSH LMPOP and BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP.
 *
 * A blocking command is written as its non-blocking form plus a wait
 * (node/server/blocking.h): it serves at once from the first listed key
 * that holds a list, replies a timeout (null) inside MULTI/EXEC where it
 * may not block, and otherwise calls blockForKeys and returns without
 * replying.  The server runs the same command again from its saved argv
 * when one of the keys receives a list, so serving after a wake-up is
 * this very code path — nothing here knows whether it runs for the first
 * time.
 *
 * Propagation: what is served is rewritten into the deterministic
 * non-blocking command (BLPOP -> LPOP key, BLMPOP / LMPOP -> LPOP|RPOP key
 * count with the count actually popped, BLMOVE -> LMOVE, BRPOPLPUSH ->
 * RPOPLPUSH), as Valkey does. */
#include <limits.h>
#include <strings.h>

#include "node/base/mem.h"
#include "node/base/util.h"
#include "node/net/reply.h"
#include "node/server/blocking.h"
#include "node/store/db.h"
#include "node/types/list_cmds.h"
#include "node/types/list_value.h"
#include "node/types/type_util.h"

/* --- Propagated forms --- */

/* argv becomes LPOP|RPOP key [count] (count < 0: none). */
static void rewriteAsPop(client *c, int where, const dstr key, long count) {
    int argc = count < 0 ? 2 : 3;
    dstr *argv = memAlloc(sizeof(dstr) * (size_t)argc);
    argv[0] = dstrNew(where == LIST_HEAD ? "LPOP" : "RPOP");
    argv[1] = dstrDup(key);
    if (count >= 0) argv[2] = dstrFromLongLong(count);
    clientReplaceArgv(c, argc, argv);
}

/* argv becomes name followed by argv[1..n]. */
static void rewriteAs(client *c, const char *name, int n) {
    dstr *argv = memAlloc(sizeof(dstr) * (size_t)(n + 1));
    argv[0] = dstrNew(name);
    for (int i = 1; i <= n; i++) argv[i] = dstrDup(c->argv[i]);
    clientReplaceArgv(c, n + 1, argv);
}

/* --- LMOVE / RPOPLPUSH --- */

/* Source and destination are the same list: a rotation, in one
 * open/close (the value is never empty in between for the keyspace). */
static void moveWithin(client *c, kvobj *kv, const dstr key, int from, int to) {
    serverDb *db = c->db;
    listValue lv = listValueOpen(kv);
    dstr value = listValuePop(&lv, from);
    listValueTryGrow(&lv, dstrLen(value), 1);
    listValuePush(&lv, value, dstrLen(value), to);
    listValueTryShrink(&lv, 1);
    listValueClose(db, kv, &lv);
    dbSignalModifiedKey(db, key);
    dbNotify(NOTIFY_LIST, to == LIST_HEAD ? "lpush" : "rpush", key, db->id);
    replyBulkDstr(c, value);
    dstrFree(value);
    listElementsRemoved(c, key, from, 1, 0);
}

/* Moves one element from the list src (its entry, not empty) to dst.
 * Returns 1 when moved, 0 after an error reply (dst of another type). */
static int moveElement(client *c, kvobj *srcKv, int from, int to) {
    dstr src = c->argv[1], dst = c->argv[2];
    int wrong;
    kvobj *dstKv = typeLookupWrite(c, dst, OBJ_LIST, &wrong);
    if (wrong) return 0;
    if (dstKv == srcKv) {
        moveWithin(c, srcKv, src, from, to);
        return 1;
    }
    int empty;
    dstr value = listPopOne(c, srcKv, from, &empty);
    listPushOne(c, dstKv, dst, value, to); /* dstKv is another entry: still valid */
    replyBulkDstr(c, value);
    dstrFree(value);
    listElementsRemoved(c, src, from, 1, empty);
    return 1;
}

static void moveGeneric(client *c, int from, int to) {
    int wrong;
    kvobj *kv = typeLookupWrite(c, c->argv[1], OBJ_LIST, &wrong);
    if (wrong) return;
    if (!kv) {
        replyNull(c);
        return;
    }
    moveElement(c, kv, from, to);
}

void lmoveCommand(client *c) {
    int from, to;
    if (listParseWhere(c, c->argv[3], &from) != 0 || listParseWhere(c, c->argv[4], &to) != 0)
        return;
    moveGeneric(c, from, to);
}

void rpoplpushCommand(client *c) { moveGeneric(c, LIST_TAIL, LIST_HEAD); }

/* --- BLMOVE / BRPOPLPUSH --- */

/* Serves from argv[1] to argv[2], or waits for argv[1]; returns 1 when an
 * element moved (the caller rewrites argv). */
static int blockingMove(client *c, int from, int to, int timeoutIndex) {
    long long deadline;
    if (blockParseTimeout(c, timeoutIndex, &deadline) != 0) return 0;
    int wrong;
    kvobj *kv = typeLookupWrite(c, c->argv[1], OBJ_LIST, &wrong);
    if (wrong) return 0;
    if (kv) return moveElement(c, kv, from, to);
    if (!blockAllowed(c)) {
        replyNull(c); /* Valkey's reply to BLMOVE on an empty list in MULTI */
        return 0;
    }
    blockForKeys(c, OBJ_LIST, &c->argv[1], 1, deadline);
    return 0;
}

void blmoveCommand(client *c) {
    int from, to;
    if (listParseWhere(c, c->argv[3], &from) != 0 || listParseWhere(c, c->argv[4], &to) != 0)
        return;
    if (blockingMove(c, from, to, 5)) rewriteAs(c, "LMOVE", 4);
}

void brpoplpushCommand(client *c) {
    if (blockingMove(c, LIST_TAIL, LIST_HEAD, 3)) rewriteAs(c, "RPOPLPUSH", 2);
}

/* --- LMPOP / BLPOP / BRPOP / BLMPOP --- */

/* Serves the first of keys[0..numkeys) that holds a list: one element as
 * [key, element] (count < 0, BLPOP's shape) or up to count as [key,
 * [elements]] (LMPOP's).  Returns 1 when served, 0 when every key is
 * missing, -1 after an error reply. */
static int popFirst(client *c, dstr *keys, long numkeys, int where, long count) {
    for (long j = 0; j < numkeys; j++) {
        int wrong;
        kvobj *kv = typeLookupWrite(c, keys[j], OBJ_LIST, &wrong);
        if (wrong) return -1;
        if (!kv) continue;
        if (count >= 0) {
            long n = listPopRangeReply(c, kv, keys[j], where, count, 1);
            rewriteAsPop(c, where, keys[j], n);
            return 1;
        }
        int empty;
        dstr value = listPopOne(c, kv, where, &empty);
        replyArrayLen(c, 2);
        replyBulkDstr(c, keys[j]);
        replyBulkDstr(c, value);
        dstrFree(value);
        listElementsRemoved(c, keys[j], where, 1, empty);
        rewriteAsPop(c, where, keys[j], -1); /* keys[j] is used until here */
        return 1;
    }
    return 0;
}

static void blockingPop(client *c, dstr *keys, long numkeys, int where, int timeoutIndex,
                        long count) {
    long long deadline;
    if (blockParseTimeout(c, timeoutIndex, &deadline) != 0) return;
    if (popFirst(c, keys, numkeys, where, count) != 0) return;
    if (!blockAllowed(c)) {
        replyNullArray(c);
        return;
    }
    blockForKeys(c, OBJ_LIST, keys, (int)numkeys, deadline);
}

void blpopCommand(client *c) { blockingPop(c, c->argv + 1, c->argc - 2, LIST_HEAD, c->argc - 1, -1); }
void brpopCommand(client *c) { blockingPop(c, c->argv + 1, c->argc - 2, LIST_TAIL, c->argc - 1, -1); }

/* A number in [1, LONG_MAX]; any bad value gets msg (Valkey's
 * getRangeLongFromObjectOrReply with a message). */
static int parsePositive(client *c, const dstr arg, long *out, const char *msg) {
    long long v;
    if (!string2ll(arg, dstrLen(arg), &v) || v < 1) {
        replyError(c, msg);
        return -1;
    }
    *out = (long)v;
    return 0;
}

/* LMPOP numkeys key... LEFT|RIGHT [COUNT n], and BLMPOP with a timeout
 * before numkeys. */
static void mpopGeneric(client *c, int numkeysIndex, int blocking) {
    long numkeys, count = -1;
    int where;
    if (parsePositive(c, c->argv[numkeysIndex], &numkeys, "ERR numkeys should be greater than 0") != 0)
        return;
    if (numkeys >= c->argc - numkeysIndex - 1) {
        replyErrorSyntax(c);
        return;
    }
    int whereIndex = numkeysIndex + (int)numkeys + 1;
    if (listParseWhere(c, c->argv[whereIndex], &where) != 0) return;
    for (int j = whereIndex + 1; j < c->argc; j++) {
        if (count == -1 && !strcasecmp(c->argv[j], "count") && j + 1 < c->argc) {
            if (parsePositive(c, c->argv[++j], &count, "ERR count should be greater than 0") != 0)
                return;
        } else {
            replyErrorSyntax(c);
            return;
        }
    }
    if (count == -1) count = 1;
    dstr *keys = c->argv + numkeysIndex + 1;
    if (blocking) {
        blockingPop(c, keys, numkeys, where, 1, count);
    } else if (popFirst(c, keys, numkeys, where, count) == 0) {
        replyNullArray(c);
    }
}

void lmpopCommand(client *c) { mpopGeneric(c, 1, 0); }
void blmpopCommand(client *c) { mpopGeneric(c, 2, 1); }
