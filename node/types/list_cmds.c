/* list_cmds.c — the single-key list commands: LPUSH RPUSH LPUSHX RPUSHX
 * LPOP RPOP LLEN LRANGE LINDEX LSET LINSERT LREM LTRIM LPOS, the helpers
 * the other list command file shares (list_cmds.h), and the command table.
 * LMOVE, LMPOP and the blocking commands are in list_move_cmds.c.
 *
 * Each write follows the value protocol (type_util.h): open the value,
 * change it, close it, and only then delete the key if the list became
 * empty.  The encoding checks sit where Valkey has them — a growth check
 * over all the new arguments before adding (so LPUSH of several elements
 * converts once), a shrink check after removing — so OBJECT ENCODING
 * answers what Valkey answers.  Replies, error texts and the order in which
 * arguments and keys are checked follow Valkey 8; keyspace events and dirty
 * counts too (one per element pushed or popped). */
#include <limits.h>
#include <string.h>
#include <strings.h>

#include "node/base/mem.h"
#include "node/base/util.h"
#include "node/net/args.h"
#include "node/net/reply.h"
#include "node/store/db.h"
#include "node/types/list_cmds.h"
#include "node/types/list_value.h"
#include "node/types/type_cmds.h"
#include "node/types/type_util.h"

/* --- Shared helpers (list_cmds.h) --- */

static int string2llArg(const dstr arg, long long *v) { return string2ll(arg, dstrLen(arg), v); }

int listParseWhere(client *c, const dstr arg, int *where) {
    if (!strcasecmp(arg, "left")) {
        *where = LIST_HEAD;
    } else if (!strcasecmp(arg, "right")) {
        *where = LIST_TAIL;
    } else {
        replyErrorSyntax(c);
        return -1;
    }
    return 0;
}

void listReplyElement(client *c, const listElement *e) {
    if (e->str)
        replyBulk(c, e->str, e->len);
    else
        replyBulkLongLong(c, e->ll);
}

void listReplyRange(client *c, const listValue *lv, long start, long end, int reverse) {
    long len = (long)listValueLength(lv);
    if (start < 0) start += len;
    if (end < 0) end += len;
    if (start < 0) start = 0;
    if (start > end || start >= len) {
        replyEmptyArray(c);
        return;
    }
    if (end >= len) end = len - 1;
    long n = end - start + 1;
    replyArrayLen(c, n);
    listIter it;
    listElement e;
    listIterInit(&it, lv, reverse ? end : start, reverse);
    while (n-- > 0 && listIterNext(&it, &e)) listReplyElement(c, &e);
    listIterRelease(&it);
}

void listElementsRemoved(client *c, const dstr key, int where, long count, int empty) {
    serverDb *db = c->db;
    dbNotify(NOTIFY_LIST, where == LIST_HEAD ? "lpop" : "rpop", key, db->id);
    if (empty) {
        dbDelete(db, key);
        dbNotify(NOTIFY_GENERIC, "del", key, db->id);
    }
    dbSignalModifiedKey(db, key);
    dbMarkDirty(count);
}

/* Closes a value after removals: the shrink conversion when elements
 * remain.  Returns 1 if the list is now empty. */
static int closeAfterRemoval(client *c, kvobj *kv, listValue *lv) {
    int empty = listValueLength(lv) == 0;
    if (!empty) listValueTryShrink(lv, 1);
    listValueClose(c->db, kv, lv);
    return empty;
}

long listPopRangeReply(client *c, kvobj *kv, const dstr key, int where, long count, int withKey) {
    listValue lv = listValueOf(kv);
    long len = (long)listValueLength(&lv);
    long n = count > len ? len : count;
    long start = where == LIST_HEAD ? 0 : -n;
    if (withKey) {
        replyArrayLen(c, 2);
        replyBulkDstr(c, key);
    }
    listReplyRange(c, &lv, start, where == LIST_HEAD ? n - 1 : -1, where == LIST_TAIL);
    lv = listValueOpen(kv);
    listValueDelRange(&lv, start, (unsigned long)n);
    int empty = closeAfterRemoval(c, kv, &lv);
    listElementsRemoved(c, key, where, n, empty);
    return n;
}

dstr listPopOne(client *c, kvobj *kv, int where, int *empty) {
    listValue lv = listValueOpen(kv);
    dstr value = listValuePop(&lv, where);
    *empty = closeAfterRemoval(c, kv, &lv);
    return value;
}

void listPushOne(client *c, kvobj *kv, const dstr key, const dstr value, int where) {
    serverDb *db = c->db;
    listValue lv = kv ? listValueOpen(kv) : listValueNew();
    listValueTryGrow(&lv, dstrLen(value), 1);
    listValuePush(&lv, value, dstrLen(value), where);
    if (kv)
        listValueClose(db, kv, &lv);
    else
        dbAdd(db, kvCreatePointer(key, dstrLen(key), OBJ_LIST, lv.encoding, lv.ptr, -1));
    dbSignalModifiedKey(db, key);
    dbNotify(NOTIFY_LIST, where == LIST_HEAD ? "lpush" : "rpush", key, db->id);
}

/* --- Push --- */

/* LPUSH / RPUSH (existing = 0) and LPUSHX / RPUSHX (existing = 1). */
static void pushGeneric(client *c, int where, int existing) {
    serverDb *db = c->db;
    dstr key = c->argv[1];
    int wrong;
    kvobj *kv = typeLookupWrite(c, key, OBJ_LIST, &wrong);
    if (wrong) return;
    if (!kv && existing) {
        replyLongLong(c, 0);
        return;
    }
    size_t bytes = 0;
    for (int j = 2; j < c->argc; j++) bytes += dstrLen(c->argv[j]);
    listValue lv = kv ? listValueOpen(kv) : listValueNew();
    listValueTryGrow(&lv, bytes, (unsigned long)(c->argc - 2));
    for (int j = 2; j < c->argc; j++) listValuePush(&lv, c->argv[j], dstrLen(c->argv[j]), where);
    unsigned long len = listValueLength(&lv);
    if (kv)
        listValueClose(db, kv, &lv);
    else
        dbAdd(db, kvCreatePointer(key, dstrLen(key), OBJ_LIST, lv.encoding, lv.ptr, -1));
    replyLongLong(c, (long long)len);
    dbMarkDirty(c->argc - 2);
    dbSignalModifiedKey(db, key);
    dbNotify(NOTIFY_LIST, where == LIST_HEAD ? "lpush" : "rpush", key, db->id);
}

static void lpushCommand(client *c) { pushGeneric(c, LIST_HEAD, 0); }
static void rpushCommand(client *c) { pushGeneric(c, LIST_TAIL, 0); }
static void lpushxCommand(client *c) { pushGeneric(c, LIST_HEAD, 1); }
static void rpushxCommand(client *c) { pushGeneric(c, LIST_TAIL, 1); }

/* --- Pop --- */

/* A count of LPOP / RPOP: any bad value gets the one message Valkey uses. */
static int parseCount(client *c, const dstr arg, long *count) {
    long long v;
    if (!string2llArg(arg, &v) || v < 0) {
        replyError(c, "ERR value is out of range, must be positive");
        return -1;
    }
    *count = (long)v;
    return 0;
}

static void popGeneric(client *c, int where) {
    int hasCount = c->argc == 3;
    long count = 0;
    if (c->argc > 3) {
        replyErrorArity(c);
        return;
    }
    if (hasCount && parseCount(c, c->argv[2], &count) != 0) return;
    int wrong;
    kvobj *kv = typeLookupWrite(c, c->argv[1], OBJ_LIST, &wrong);
    if (wrong) return;
    if (!kv) {
        if (hasCount)
            replyNullArray(c);
        else
            replyNull(c);
        return;
    }
    if (hasCount && count == 0) {
        replyEmptyArray(c);
        return;
    }
    if (!hasCount) {
        int empty;
        dstr value = listPopOne(c, kv, where, &empty);
        replyBulkDstr(c, value);
        dstrFree(value);
        listElementsRemoved(c, c->argv[1], where, 1, empty);
    } else {
        listPopRangeReply(c, kv, c->argv[1], where, count, 0);
    }
}

static void lpopCommand(client *c) { popGeneric(c, LIST_HEAD); }
static void rpopCommand(client *c) { popGeneric(c, LIST_TAIL); }

/* --- Reads --- */

static void llenCommand(client *c) {
    int wrong;
    kvobj *kv = typeLookupRead(c, c->argv[1], OBJ_LIST, &wrong);
    if (wrong) return;
    if (!kv) {
        replyLongLong(c, 0);
        return;
    }
    listValue lv = listValueOf(kv);
    replyLongLong(c, (long long)listValueLength(&lv));
}

static void lindexCommand(client *c) {
    int wrong;
    kvobj *kv = typeLookupRead(c, c->argv[1], OBJ_LIST, &wrong);
    if (wrong) return;
    if (!kv) {
        replyNull(c);
        return;
    }
    long long index;
    if (argLongLong(c, c->argv[2], &index) != 0) return;
    listValue lv = listValueOf(kv);
    listElement e;
    if (listValueIndex(&lv, (long)index, &e))
        listReplyElement(c, &e);
    else
        replyNull(c);
}

static void lrangeCommand(client *c) {
    long long start, end;
    if (argLongLong(c, c->argv[2], &start) != 0 || argLongLong(c, c->argv[3], &end) != 0) return;
    int wrong;
    kvobj *kv = typeLookupRead(c, c->argv[1], OBJ_LIST, &wrong);
    if (wrong) return;
    if (!kv) {
        replyEmptyArray(c);
        return;
    }
    listValue lv = listValueOf(kv);
    listReplyRange(c, &lv, (long)start, (long)end, 0);
}

/* --- Changes in place --- */

static void lsetCommand(client *c) {
    serverDb *db = c->db;
    dstr key = c->argv[1], value = c->argv[3];
    int wrong;
    kvobj *kv = typeLookupWrite(c, key, OBJ_LIST, &wrong);
    if (wrong) return;
    if (!kv) {
        replyError(c, "ERR no such key");
        return;
    }
    long long index;
    if (argLongLong(c, c->argv[2], &index) != 0) return;
    listValue lv = listValueOpen(kv);
    listValueTryGrow(&lv, dstrLen(value), 1);
    int ok = listValueReplace(&lv, (long)index, value, dstrLen(value));
    if (ok) listValueTryShrink(&lv, 1);
    listValueClose(db, kv, &lv);
    if (!ok) {
        replyError(c, "ERR index out of range");
        return;
    }
    replyOk(c);
    dbKeyWritten(db, key, NOTIFY_LIST, "lset");
}

static void linsertCommand(client *c) {
    serverDb *db = c->db;
    dstr key = c->argv[1], pivot = c->argv[3], value = c->argv[4];
    int after;
    if (!strcasecmp(c->argv[2], "after")) {
        after = 1;
    } else if (!strcasecmp(c->argv[2], "before")) {
        after = 0;
    } else {
        replyErrorSyntax(c);
        return;
    }
    int wrong;
    kvobj *kv = typeLookupWrite(c, key, OBJ_LIST, &wrong);
    if (wrong) return;
    if (!kv) {
        replyLongLong(c, 0);
        return;
    }
    /* As Valkey: convert first (even when the pivot is missing) so the
     * insert never has to convert in the middle of the search. */
    listValue lv = listValueOpen(kv);
    listValueTryGrow(&lv, dstrLen(value), 1);
    int ok = listValueInsert(&lv, pivot, dstrLen(pivot), value, dstrLen(value), after);
    unsigned long len = listValueLength(&lv);
    listValueClose(db, kv, &lv);
    if (!ok) {
        replyLongLong(c, -1);
        return;
    }
    dbKeyWritten(db, key, NOTIFY_LIST, "linsert");
    replyLongLong(c, (long long)len);
}

static void lremCommand(client *c) {
    serverDb *db = c->db;
    dstr key = c->argv[1], value = c->argv[3];
    long long count;
    if (argLongLong(c, c->argv[2], &count) != 0) return;
    int wrong;
    kvobj *kv = typeLookupWrite(c, key, OBJ_LIST, &wrong);
    if (wrong) return;
    if (!kv) {
        replyLongLong(c, 0);
        return;
    }
    listValue lv = listValueOpen(kv);
    unsigned long removed = listValueRemove(&lv, value, dstrLen(value), count);
    int empty = listValueLength(&lv) == 0;
    if (removed && !empty) listValueTryShrink(&lv, 1);
    listValueClose(db, kv, &lv);
    if (removed) {
        dbMarkDirty((long long)removed);
        dbNotify(NOTIFY_LIST, "lrem", key, db->id);
    }
    if (empty) {
        dbDelete(db, key);
        dbNotify(NOTIFY_GENERIC, "del", key, db->id);
    }
    if (removed) dbSignalModifiedKey(db, key);
    replyLongLong(c, (long long)removed);
}

static void ltrimCommand(client *c) {
    serverDb *db = c->db;
    dstr key = c->argv[1];
    long long start, end;
    if (argLongLong(c, c->argv[2], &start) != 0 || argLongLong(c, c->argv[3], &end) != 0) return;
    int wrong;
    kvobj *kv = typeLookupWrite(c, key, OBJ_LIST, &wrong);
    if (wrong) return;
    if (!kv) {
        replyOk(c);
        return;
    }
    listValue lv = listValueOpen(kv);
    long long len = (long long)listValueLength(&lv), ltrim, rtrim;
    if (start < 0) start += len;
    if (end < 0) end += len;
    if (start < 0) start = 0;
    if (start > end || start >= len) {
        ltrim = len;
        rtrim = 0;
    } else {
        if (end >= len) end = len - 1;
        ltrim = start;
        rtrim = len - end - 1;
    }
    listValueDelRange(&lv, 0, (unsigned long)ltrim);
    listValueDelRange(&lv, (long)-rtrim, (unsigned long)rtrim);
    int empty = listValueLength(&lv) == 0;
    if (!empty) listValueTryShrink(&lv, 1);
    listValueClose(db, kv, &lv);
    dbNotify(NOTIFY_LIST, "ltrim", key, db->id);
    if (empty) {
        dbDelete(db, key);
        dbNotify(NOTIFY_GENERIC, "del", key, db->id);
    }
    dbSignalModifiedKey(db, key);
    dbMarkDirty(ltrim + rtrim);
    replyOk(c);
}

/* --- LPOS --- */

/* A non-negative option value; any bad value gets msg (as Valkey). */
static int parseNonNegative(client *c, const dstr arg, long long *v, const char *msg) {
    if (!string2llArg(arg, v) || *v < 0) {
        replyError(c, msg);
        return -1;
    }
    return 0;
}

typedef struct lposOptions {
    long long rank, count, maxlen; /* count -1: no COUNT option */
} lposOptions;

static int parseLposOptions(client *c, lposOptions *o) {
    o->rank = 1;
    o->count = -1;
    o->maxlen = 0;
    for (int j = 3; j < c->argc; j++) {
        dstr opt = c->argv[j];
        int more = j + 1 < c->argc;
        if (!strcasecmp(opt, "rank") && more) {
            if (argLongLong(c, c->argv[++j], &o->rank) != 0) return -1;
            if (o->rank == LLONG_MIN) {
                replyErrorFormat(c, "ERR value is out of range, value must between %lld and %lld",
                                 -LLONG_MAX, LLONG_MAX);
                return -1;
            }
            if (o->rank == 0) {
                replyError(c, "ERR RANK can't be zero: use 1 to start from the first match, 2 "
                              "from the second ... or use negative to start from the end of "
                              "the list");
                return -1;
            }
        } else if (!strcasecmp(opt, "count") && more) {
            if (parseNonNegative(c, c->argv[++j], &o->count, "ERR COUNT can't be negative") != 0)
                return -1;
        } else if (!strcasecmp(opt, "maxlen") && more) {
            if (parseNonNegative(c, c->argv[++j], &o->maxlen, "ERR MAXLEN can't be negative") != 0)
                return -1;
        } else {
            replyErrorSyntax(c);
            return -1;
        }
    }
    return 0;
}

static void lposCommand(client *c) {
    dstr ele = c->argv[2];
    lposOptions o;
    if (parseLposOptions(c, &o) != 0) return;
    int reverse = o.rank < 0;
    long long rank = reverse ? -o.rank : o.rank;
    int wrong;
    kvobj *kv = typeLookupRead(c, c->argv[1], OBJ_LIST, &wrong);
    if (wrong) return;
    if (!kv) {
        if (o.count != -1)
            replyEmptyArray(c);
        else
            replyNull(c);
        return;
    }
    listValue lv = listValueOf(kv);
    long long len = (long long)listValueLength(&lv);
    void *deferred = o.count != -1 ? replyDeferredLen(c) : NULL;
    long long index = 0, matches = 0, found = -1, emitted = 0;
    listIter it;
    listElement e;
    listIterInit(&it, &lv, reverse ? -1 : 0, reverse);
    while ((o.maxlen == 0 || index < o.maxlen) && listIterNext(&it, &e)) {
        if (listElementEquals(&e, ele, dstrLen(ele)) && ++matches >= rank) {
            found = reverse ? len - index - 1 : index;
            if (!deferred) break;
            replyLongLong(c, found);
            emitted++;
            if (o.count && emitted >= o.count) break;
        }
        index++;
    }
    listIterRelease(&it);
    if (deferred)
        replySetDeferredArrayLen(c, deferred, (long)emitted);
    else if (found != -1)
        replyLongLong(c, found);
    else
        replyNull(c);
}

/* --- Table --- */

const commandBinding listCommands[] = {
    {"lpush", lpushCommand},
    {"rpush", rpushCommand},
    {"lpushx", lpushxCommand},
    {"rpushx", rpushxCommand},
    {"lpop", lpopCommand},
    {"rpop", rpopCommand},
    {"llen", llenCommand},
    {"lindex", lindexCommand},
    {"lrange", lrangeCommand},
    {"lset", lsetCommand},
    {"linsert", linsertCommand},
    {"lrem", lremCommand},
    {"ltrim", ltrimCommand},
    {"lpos", lposCommand},
    {"lmove", lmoveCommand},
    {"rpoplpush", rpoplpushCommand},
    {"lmpop", lmpopCommand},
    {"blpop", blpopCommand},
    {"brpop", brpopCommand},
    {"blmove", blmoveCommand},
    {"brpoplpush", brpoplpushCommand},
    {"blmpop", blmpopCommand},
    {NULL, NULL},
};

void listTypeInit(void) { listValueRegister(); }
