/* set_cmds.c — the set commands on one or two keys: SADD SREM SISMEMBER
 * SMISMEMBER SCARD SPOP SRANDMEMBER SMOVE SSCAN, the setCommands[] table
 * (the set-algebra commands live in set_algebra_cmds.c) and setTypeInit,
 * which registers the value functions of each encoding.
 *
 * Every change follows the value write protocol (type_util.h): the value
 * is opened with dbValueOpen, changed through set_value.h (which converts
 * encodings by the thresholds) and closed with dbValueClose; a set left
 * empty is deleted.  Events and dirty counts are Valkey's: SADD/SREM count
 * the members changed, SPOP the members popped, SMOVE one per key changed.
 *
 * Propagation: SPOP is rewritten to SREM with the popped members (one
 * command, where Valkey sends batches of 1024), or to DEL/UNLINK (by
 * lazyfree-lazy-server-del) when it pops the whole set.  SRANDMEMBER
 * changes nothing and is not rewritten. */
#include <limits.h>
#include <string.h>
#include <strings.h>

#include "node/base/mem.h"
#include "node/base/util.h"
#include "node/net/args.h"
#include "node/net/reply.h"
#include "node/store/scan.h"
#include "node/store/keyspace_cmds.h"
#include "node/store/lazyfree.h"
#include "node/types/listpack.h"
#include "node/types/intset.h"
#include "node/types/set_cmds.h"
#include "node/types/type_cmds.h"
#include "node/types/type_util.h"

void setReplyMember(client *c, const setMember *m) {
    if (m->str)
        replyBulk(c, m->str, m->len);
    else
        replyBulkLongLong(c, m->ll);
}

static setValue openValue(kvobj *kv) { return (setValue){kv->encoding, dbValueOpen(kv)}; }

static kvobj *closeValue(client *c, kvobj *kv, setValue *s) {
    return dbValueClose(c->db, kv, s->encoding, s->ptr);
}

/* Deletes a set a command emptied, with Valkey's "del" event. */
static void deleteEmptied(client *c, const dstr key) {
    dbDelete(c->db, key);
    dbNotify(NOTIFY_GENERIC, "del", key, c->db->id);
}

/* --- SADD / SREM --- */

static void saddCommand(client *c) {
    dstr key = c->argv[1];
    int wrong;
    kvobj *kv = typeLookupWrite(c, key, OBJ_SET, &wrong);
    if (wrong) return;
    size_t n = (size_t)c->argc - 2;
    long long added = 0;
    setValue s;
    if (!kv) {
        s = setValueCreate(c->argv[2], dstrLen(c->argv[2]), n);
    } else {
        s = openValue(kv);
        setValueMaybeConvert(&s, n);
    }
    for (int j = 2; j < c->argc; j++) added += setValueAdd(&s, c->argv[j], dstrLen(c->argv[j]));
    if (!kv)
        dbAdd(c->db, kvCreatePointer(key, dstrLen(key), OBJ_SET, s.encoding, s.ptr, -1));
    else
        closeValue(c, kv, &s);
    if (added) {
        dbSignalModifiedKey(c->db, key);
        dbNotify(NOTIFY_SET, "sadd", key, c->db->id);
        dbMarkDirty(added);
    }
    replyLongLong(c, added);
}

static void sremCommand(client *c) {
    dstr key = c->argv[1];
    int wrong;
    kvobj *kv = typeLookupWrite(c, key, OBJ_SET, &wrong);
    if (wrong) return;
    if (!kv) {
        replyLongLong(c, 0);
        return;
    }
    long long removed = 0;
    setValue s = openValue(kv);
    for (int j = 2; j < c->argc && setValueLen(&s) > 0; j++)
        removed += setValueRemove(&s, c->argv[j], dstrLen(c->argv[j]));
    int empty = setValueLen(&s) == 0;
    closeValue(c, kv, &s);
    if (removed) {
        if (empty) dbDelete(c->db, key);
        dbSignalModifiedKey(c->db, key);
        dbNotify(NOTIFY_SET, "srem", key, c->db->id);
        if (empty) dbNotify(NOTIFY_GENERIC, "del", key, c->db->id);
        dbMarkDirty(removed);
    }
    replyLongLong(c, removed);
}

/* --- Reads --- */

static void sismemberCommand(client *c) {
    int wrong;
    kvobj *kv = typeLookupRead(c, c->argv[1], OBJ_SET, &wrong);
    if (wrong) return;
    setValue s = kv ? setValueOf(kv) : (setValue){0, NULL};
    replyLongLong(c, kv && setValueContains(&s, c->argv[2], dstrLen(c->argv[2])));
}

static void smismemberCommand(client *c) {
    int wrong;
    kvobj *kv = typeLookupRead(c, c->argv[1], OBJ_SET, &wrong);
    if (wrong) return;
    setValue s = kv ? setValueOf(kv) : (setValue){0, NULL};
    replyArrayLen(c, c->argc - 2);
    for (int j = 2; j < c->argc; j++)
        replyLongLong(c, kv && setValueContains(&s, c->argv[j], dstrLen(c->argv[j])));
}

static void scardCommand(client *c) {
    int wrong;
    kvobj *kv = typeLookupRead(c, c->argv[1], OBJ_SET, &wrong);
    if (wrong) return;
    setValue s = kv ? setValueOf(kv) : (setValue){0, NULL};
    replyLongLong(c, kv ? (long long)setValueLen(&s) : 0);
}

/* --- SPOP --- */

/* Pops the whole set: its members as the reply, then the key goes. */
static void spopAll(client *c, kvobj *kv) {
    dstr key = dstrDup(c->argv[1]);
    setValue s = setValueOf(kv);
    dbNotify(NOTIFY_SET, "spop", key, c->db->id);
    dbMarkDirty((long long)setValueLen(&s));
    replySetLen(c, (long)setValueLen(&s));
    setIter it;
    setMember m;
    setIterInit(&it, &s);
    while (setIterNext(&it, &m)) setReplyMember(c, &m);
    setIterReset(&it);
    deleteEmptied(c, key);
    dbSignalModifiedKey(c->db, key);
    dstr *argv = memAlloc(sizeof(dstr) * 2);
    argv[0] = dstrNew(keyspaceLazySetting(LAZY_SERVER_DEL) ? "UNLINK" : "DEL");
    argv[1] = key;
    clientReplaceArgv(c, 2, argv);
}

/* Valkey's threshold between popping members one by one and keeping the
 * few that stay: popping is used while the set keeps more than count/5. */
#define SPOP_MOVE_STRATEGY_MUL 5

/* Moves the members that are NOT popped into a new set (starting from the
 * most compact encoding, as Valkey does) and returns the old value, which
 * now holds exactly the members popped. */
static setValue spopKeepRemaining(setValue *s, unsigned long remaining) {
    setValue kept = s->encoding == OBJ_ENCODING_INTSET
                        ? setValueCreateIntset()
                        : (setValue){OBJ_ENCODING_LISTPACK, lpNew(0)};
    while (remaining--) {
        dstr m = setValuePopRandom(s);
        setValueAdd(&kept, m, dstrLen(m));
        dstrFree(m);
    }
    setValue popped = *s;
    *s = kept;
    return popped;
}

static void spopCount(client *c, kvobj *kv, unsigned long count) {
    setValue s = setValueOf(kv);
    unsigned long size = setValueLen(&s);
    if (count >= size) {
        spopAll(c, kv);
        return;
    }
    dstr key = c->argv[1];
    dstr *argv = memAlloc(sizeof(dstr) * (count + 2));
    argv[0] = dstrNew("SREM");
    argv[1] = dstrDup(key);
    dbNotify(NOTIFY_SET, "spop", key, c->db->id);
    dbMarkDirty((long long)count);
    replySetLen(c, (long)count);
    unsigned long remaining = size - count;
    s = openValue(kv);
    if (remaining * SPOP_MOVE_STRATEGY_MUL > count) {
        for (unsigned long i = 0; i < count; i++) {
            argv[i + 2] = setValuePopRandom(&s);
            replyBulkDstr(c, argv[i + 2]);
        }
    } else {
        setValue popped = spopKeepRemaining(&s, remaining);
        setIter it;
        setMember m;
        unsigned long i = 2;
        setIterInit(&it, &popped);
        while (setIterNext(&it, &m)) {
            setReplyMember(c, &m);
            argv[i++] = setMemberToDstr(&m);
        }
        setIterReset(&it);
        setValueFree(&popped);
    }
    closeValue(c, kv, &s);
    dbSignalModifiedKey(c->db, key);
    clientReplaceArgv(c, (int)count + 2, argv);
}

static void spopCommand(client *c) {
    long long count = 1;
    if (c->argc > 3) {
        replyErrorSyntax(c);
        return;
    }
    if (c->argc == 3) {
        dstr arg = c->argv[2];
        if (!string2ll(arg, dstrLen(arg), &count) || count < 0) {
            replyError(c, "ERR value is out of range, must be positive");
            return;
        }
    }
    int wrong;
    kvobj *kv = typeLookupWrite(c, c->argv[1], OBJ_SET, &wrong);
    if (wrong) return;
    if (c->argc == 3) {
        if (!kv || count == 0)
            replySetLen(c, 0);
        else
            spopCount(c, kv, (unsigned long)count);
        return;
    }
    if (!kv) {
        replyNull(c);
        return;
    }
    dstr key = dstrDup(c->argv[1]);
    setValue s = openValue(kv);
    dstr member = setValuePopRandom(&s);
    int empty = setValueLen(&s) == 0;
    closeValue(c, kv, &s);
    dbNotify(NOTIFY_SET, "spop", key, c->db->id);
    replyBulkDstr(c, member);
    if (empty) deleteEmptied(c, key);
    dbSignalModifiedKey(c->db, key);
    dbMarkDirty(1);
    dstr *argv = memAlloc(sizeof(dstr) * 3);
    argv[0] = dstrNew("SREM");
    argv[1] = key;
    argv[2] = member;
    clientReplaceArgv(c, 3, argv);
}

/* --- SRANDMEMBER --- */

/* Valkey's threshold: with count * 3 > size, copy the set and remove
 * random members; otherwise draw random members until count are distinct. */
#define SRANDMEMBER_SUB_STRATEGY_MUL 3

static void replyTable(client *c, hashtable *ht) {
    hashtableIterator it;
    void *entry;
    replyArrayLen(c, (long)hashtableSize(ht));
    hashtableInitIterator(&it, ht, 0);
    while (hashtableNext(&it, &entry)) replyBulkDstr(c, entry);
    hashtableResetIterator(&it);
}

/* count distinct random members, 1 < count < size. */
static void srandDistinct(client *c, const setValue *s, unsigned long count, unsigned long size) {
    setValue pick;
    if (count * SRANDMEMBER_SUB_STRATEGY_MUL > size) {
        pick = (setValue){OBJ_ENCODING_HASHTABLE, hashtableCreate(&setHashtableType)};
        hashtableExpand(pick.ptr, size);
        setIter it;
        setMember m;
        setIterInit(&it, s);
        while (setIterNext(&it, &m)) hashtableAdd(pick.ptr, setMemberToDstr(&m));
        setIterReset(&it);
        while (size-- > count) dstrFree(setValuePopRandom(&pick));
    } else {
        pick = (setValue){OBJ_ENCODING_HASHTABLE, hashtableCreate(&setHashtableType)};
        hashtableExpand(pick.ptr, count);
        while (hashtableSize(pick.ptr) < count) {
            setMember m;
            setValueRandom(s, &m);
            dstr d = setMemberToDstr(&m);
            if (!hashtableAdd(pick.ptr, d)) dstrFree(d);
        }
    }
    replyTable(c, pick.ptr);
    setValueFree(&pick);
}

static void srandmemberCount(client *c) {
    long long l;
    if (argLongLong(c, c->argv[2], &l) != 0) return;
    if (l < -LLONG_MAX) {
        replyErrorFormat(c, "ERR value is out of range, value must between %lld and %lld", -LLONG_MAX,
                         LLONG_MAX);
        return;
    }
    int wrong;
    kvobj *kv = typeLookupRead(c, c->argv[1], OBJ_SET, &wrong);
    if (wrong) return;
    if (!kv || l == 0) {
        replyEmptyArray(c);
        return;
    }
    setValue s = setValueOf(kv);
    unsigned long size = setValueLen(&s);
    unsigned long count = l < 0 ? (unsigned long)-l : (unsigned long)l;
    setMember m;
    if (l < 0 || count == 1) {
        replyArrayLen(c, (long)count);
        while (count--) {
            setValueRandom(&s, &m);
            setReplyMember(c, &m);
        }
    } else if (count >= size) {
        setIter it;
        replyArrayLen(c, (long)size);
        setIterInit(&it, &s);
        while (setIterNext(&it, &m)) setReplyMember(c, &m);
        setIterReset(&it);
    } else {
        srandDistinct(c, &s, count, size);
    }
}

static void srandmemberCommand(client *c) {
    if (c->argc > 3) {
        replyErrorSyntax(c);
        return;
    }
    if (c->argc == 3) {
        srandmemberCount(c);
        return;
    }
    int wrong;
    kvobj *kv = typeLookupRead(c, c->argv[1], OBJ_SET, &wrong);
    if (wrong) return;
    if (!kv) {
        replyNull(c);
        return;
    }
    setValue s = setValueOf(kv);
    setMember m;
    setValueRandom(&s, &m);
    setReplyMember(c, &m);
}

/* --- SMOVE --- */

static void smoveCommand(client *c) {
    dstr src = c->argv[1], dst = c->argv[2], member = c->argv[3];
    size_t mlen = dstrLen(member);
    int wrong;
    kvobj *srcKv = typeLookupWrite(c, src, OBJ_SET, &wrong);
    if (wrong) return;
    if (!srcKv) {
        replyLongLong(c, 0);
        return;
    }
    kvobj *dstKv = typeLookupWrite(c, dst, OBJ_SET, &wrong);
    if (wrong) return;
    if (srcKv == dstKv) {
        setValue s = setValueOf(srcKv);
        replyLongLong(c, setValueContains(&s, member, mlen));
        return;
    }
    setValue s = openValue(srcKv);
    int removed = setValueRemove(&s, member, mlen);
    int empty = setValueLen(&s) == 0;
    closeValue(c, srcKv, &s);
    if (!removed) {
        replyLongLong(c, 0);
        return;
    }
    dbNotify(NOTIFY_SET, "srem", src, c->db->id);
    if (empty) deleteEmptied(c, src);
    int added;
    if (!dstKv) {
        setValue d = setValueCreate(member, mlen, 1);
        added = setValueAdd(&d, member, mlen);
        dbAdd(c->db, kvCreatePointer(dst, dstrLen(dst), OBJ_SET, d.encoding, d.ptr, -1));
    } else {
        setValue d = openValue(dstKv);
        added = setValueAdd(&d, member, mlen);
        closeValue(c, dstKv, &d);
    }
    dbSignalModifiedKey(c->db, src);
    dbMarkDirty(1);
    if (added) {
        dbKeyWritten(c->db, dst, NOTIFY_SET, "sadd");
    }
    replyLongLong(c, 1);
}

/* --- SSCAN --- */

static int memberMatches(const scanArgs *o, const setMember *m) {
    char buf[LP_INTBUF_SIZE];
    if (m->str) return scanMatches(o, m->str, m->len);
    return scanMatches(o, buf, (size_t)ll2string(buf, sizeof(buf), m->ll));
}

/* One page of a hashtable set from cursor. */
static void sscanTable(client *c, hashtable *ht, unsigned long long cursor, const scanArgs *o) {
    scanBatch b = {0};
    scanReplyCursor(c, scanCollect(ht, cursor, o->count, &b));
    void *lenNode = replyDeferredLen(c);
    long n = 0;
    for (size_t i = 0; i < b.count; i++) {
        dstr member = b.entries[i];
        setMember m = {member, dstrLen(member), 0};
        if (!memberMatches(o, &m)) continue;
        replyBulkDstr(c, member);
        n++;
    }
    replySetDeferredArrayLen(c, lenNode, n);
    scanBatchFree(&b);
}

/* A compact set is returned whole in one call, with cursor 0. */
static void sscanCompact(client *c, const setValue *s, const scanArgs *o) {
    scanReplyCursor(c, 0);
    void *lenNode = replyDeferredLen(c);
    long n = 0;
    setIter it;
    setMember m;
    setIterInit(&it, s);
    while (setIterNext(&it, &m)) {
        if (!memberMatches(o, &m)) continue;
        setReplyMember(c, &m);
        n++;
    }
    setIterReset(&it);
    replySetDeferredArrayLen(c, lenNode, n);
}

/* SSCAN key cursor [MATCH pattern] [COUNT count] */
static void sscanCommand(client *c) {
    unsigned long long cursor;
    scanArgs o;
    kvobj *kv = typeScanBegin(c, OBJ_SET, SCAN_SET, &cursor, &o);
    if (!kv) return;
    setValue s = setValueOf(kv);
    if (s.encoding == OBJ_ENCODING_HASHTABLE)
        sscanTable(c, s.ptr, cursor, &o);
    else
        sscanCompact(c, &s, &o);
}

/* --- Table and registration --- */

const commandBinding setCommands[] = {
    {"sadd", saddCommand},
    {"srem", sremCommand},
    {"sismember", sismemberCommand},
    {"smismember", smismemberCommand},
    {"scard", scardCommand},
    {"smembers", smembersCommand},
    {"spop", spopCommand},
    {"srandmember", srandmemberCommand},
    {"smove", smoveCommand},
    {"sinter", sinterCommand},
    {"sintercard", sintercardCommand},
    {"sinterstore", sinterstoreCommand},
    {"sunion", sunionCommand},
    {"sunionstore", sunionstoreCommand},
    {"sdiff", sdiffCommand},
    {"sdiffstore", sdiffstoreCommand},
    {"sscan", sscanCommand},
    {NULL, NULL},
};

static void freeIntset(void *ptr) { intsetFree(ptr); }
static void freeListpack(void *ptr) { lpFree(ptr); }
static void freeTable(void *ptr) { hashtableRelease(ptr); }
static size_t sizeIntset(const void *ptr) { return intsetBlobLen(ptr); }
static size_t sizeListpack(const void *ptr) { return lpBytes(ptr); }
static size_t sizeTable(const void *ptr) {
    setValue s = {OBJ_ENCODING_HASHTABLE, (void *)ptr};
    return setValueMemUsage(&s);
}

static void *dupValue(int encoding, const void *ptr) {
    setValue s = {encoding, (void *)ptr};
    return setValueDup(&s).ptr;
}
static void *dupIntset(const void *ptr) { return dupValue(OBJ_ENCODING_INTSET, ptr); }
static void *dupListpack(const void *ptr) { return dupValue(OBJ_ENCODING_LISTPACK, ptr); }
static void *dupTable(const void *ptr) { return dupValue(OBJ_ENCODING_HASHTABLE, ptr); }

static size_t tableFreeEffort(const void *ptr) { return hashtableSize(ptr); }

void setTypeInit(void) {
    kvRegisterValueType(OBJ_SET, OBJ_ENCODING_INTSET, freeIntset, sizeIntset);
    kvRegisterValueType(OBJ_SET, OBJ_ENCODING_LISTPACK, freeListpack, sizeListpack);
    kvRegisterValueType(OBJ_SET, OBJ_ENCODING_HASHTABLE, freeTable, sizeTable);
    keyspaceRegisterValueDup(OBJ_SET, OBJ_ENCODING_INTSET, dupIntset);
    keyspaceRegisterValueDup(OBJ_SET, OBJ_ENCODING_LISTPACK, dupListpack);
    keyspaceRegisterValueDup(OBJ_SET, OBJ_ENCODING_HASHTABLE, dupTable);
    lazyfreeRegisterEffort(OBJ_SET, OBJ_ENCODING_HASHTABLE, tableFreeEffort);
}
