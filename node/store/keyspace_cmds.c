/* keyspace_cmds.c — the generic commands over keys and databases: DEL,
 * UNLINK, EXISTS, TYPE, TOUCH, RENAME, RENAMENX, COPY, MOVE, RANDOMKEY,
 * DBSIZE, OBJECT, SWAPDB, FLUSHDB, FLUSHALL.  TTL commands live in
 * expire_cmds.c, KEYS and SCAN in scan_cmds.c.
 *
 * Every change follows the same three steps, in Valkey's order and with its
 * event names: signal the modified key (WATCH, tracking), emit the keyspace
 * notification, count the change in dirty.  Deleting writes (DEL, UNLINK, an
 * overwritten RENAME target) detach the entry first and then free it either
 * inline or on the lazyfree thread depending on the lazyfree-lazy-* setting
 * that applies, so the keyspace itself never waits on a big free.
 *
 * Renaming or moving a key keeps its value, TTL and access time: the value
 * is not copied, only re-wrapped in an entry carrying the new key (entries
 * embed their key).  COPY makes a deep copy; strings are copied here and the
 * other types through the copy functions their modules register.
 *
 * The lazyfree-lazy-* directives are owned by no module yet: they are read
 * from the config system's storage for them (placeholder or real def),
 * looked up once. */
#include "node/store/keyspace_cmds.h"

#include <limits.h>
#include <string.h>
#include <strings.h>

#include "node/base/mem.h"
#include "node/base/util.h"
#include "node/net/args.h"
#include "node/net/reply.h"
#include "node/store/db.h"
#include "node/store/lazyfree.h"

#define MAX_TYPES 16
#define MAX_ENCODINGS 16

static keyspaceValueDupFn valueDups[MAX_TYPES][MAX_ENCODINGS];

void keyspaceRegisterValueDup(int type, int encoding, keyspaceValueDupFn fn) {
    if (type >= 0 && type < MAX_TYPES && encoding >= 0 && encoding < MAX_ENCODINGS)
        valueDups[type][encoding] = fn;
}

/* --- Shared helpers --- */

/* The lazyfree-lazy-* directives (Valkey 8 defaults: all yes), bound to
 * this array by the server's config bindings. */
static int lazySettings[LAZY_SETTING_COUNT] = {1, 1, 1, 1};

int *keyspaceLazySettings(void) { return lazySettings; }

int keyspaceLazySetting(int which) { return lazySettings[which]; }

void keyspaceFreeDetached(kvobj *kv, int which) {
    if (keyspaceLazySetting(which))
        lazyfreeFreeObject(kv);
    else
        kvFree(kv);
}

int keyspaceReadFlags(const client *c) { return (c->flags & CLIENT_NO_TOUCH) ? LOOKUP_NOTOUCH : LOOKUP_NONE; }

static int sameKey(const dstr a, const dstr b) {
    return dstrLen(a) == dstrLen(b) && memcmp(a, b, dstrLen(a)) == 0;
}

/* An int argument, with Valkey's two errors: not an integer at all, or an
 * integer outside the int range (errMsg, when given, replaces both).
 * Returns 0 on error (replied). */
/* With errMsg, any bad value gets that message; without, argInt's. */
static int parseInt(client *c, const dstr arg, int *out, const char *errMsg) {
    if (!errMsg) return argInt(c, arg, out) == 0;
    long long v;
    if (!string2ll(arg, dstrLen(arg), &v) || v < INT_MIN || v > INT_MAX) {
        replyError(c, errMsg);
        return 0;
    }
    *out = (int)v;
    return 1;
}

/* A database index argument naming an existing db.  NULL on error (replied). */
static serverDb *parseDbIndex(client *c, const dstr arg) {
    int id;
    if (!parseInt(c, arg, &id, NULL)) return NULL;
    serverDb *db = dbByIndex(id);
    if (!db) replyError(c, "ERR DB index is out of range");
    return db;
}

/* Removes key (known present) because a write replaces it, without a "del"
 * event (RENAME/COPY/MOVE targets, as Valkey). */
static void deleteOverwritten(serverDb *db, const dstr key) {
    kvobj *old = dbUnlink(db, key);
    if (old) keyspaceFreeDetached(old, LAZY_SERVER_DEL);
}

/* A new entry for newKey holding kv's value, TTL and access time; the value
 * is shared, so the caller releases kv with kvFreeShell. */
static kvobj *rekeyEntry(const kvobj *kv, const dstr newKey) {
    kvobj *shell = kvCreateInt(newKey, dstrLen(newKey), 0, kvGetExpire(kv));
    kvobj *n = kvWithKeyOf(shell, (kvobj *)kv, 1);
    kvFreeShell(shell);
    return n;
}

/* dbAdd stamps the access time; keep the one the entry had. */
static void addKeepingLru(serverDb *db, kvobj *kv) {
    unsigned lru = kv->lru;
    dbAdd(db, kv);
    kv->lru = lru;
}

/* --- DEL, UNLINK, EXISTS, TYPE, TOUCH --- */

static void delGeneric(client *c, int lazy) {
    long long deleted = 0;
    for (int j = 1; j < c->argc; j++) {
        const dstr key = c->argv[j];
        if (!dbLookupWrite(c->db, key)) continue; /* absent or just expired */
        kvobj *kv = dbUnlink(c->db, key);
        if (lazy)
            lazyfreeFreeObject(kv);
        else
            kvFree(kv);
        dbSignalModifiedKey(c->db, key);
        dbNotify(NOTIFY_GENERIC, "del", key, c->db->id);
        deleted++;
    }
    dbMarkDirty(deleted);
    replyLongLong(c, deleted);
}

static void delCommand(client *c) { delGeneric(c, keyspaceLazySetting(LAZY_USER_DEL)); }
static void unlinkCommand(client *c) { delGeneric(c, 1); }

static void existsCommand(client *c) {
    long long count = 0;
    for (int j = 1; j < c->argc; j++)
        if (dbLookupRead(c->db, c->argv[j], LOOKUP_NOTOUCH)) count++;
    replyLongLong(c, count);
}

static void typeCommand(client *c) {
    kvobj *kv = dbLookupRead(c->db, c->argv[1], LOOKUP_NOTOUCH);
    replySimple(c, kv ? kvTypeName(kv->type) : "none");
}

/* TOUCH updates the access time even for a CLIENT NO-TOUCH client. */
static void touchCommand(client *c) {
    long long count = 0;
    for (int j = 1; j < c->argc; j++)
        if (dbLookupRead(c->db, c->argv[j], LOOKUP_NONE)) count++;
    replyLongLong(c, count);
}

/* --- RENAME, RENAMENX --- */

static void renameGeneric(client *c, int nx) {
    const dstr src = c->argv[1], dst = c->argv[2];
    serverDb *db = c->db;
    if (!dbLookupWrite(db, src)) {
        replyError(c, "ERR no such key");
        return;
    }
    if (sameKey(src, dst)) {
        if (nx)
            replyLongLong(c, 0);
        else
            replyOk(c);
        return;
    }
    if (dbLookupWrite(db, dst)) {
        if (nx) {
            replyLongLong(c, 0);
            return;
        }
        deleteOverwritten(db, dst);
    }
    kvobj *old = dbUnlink(db, src);
    kvobj *renamed = rekeyEntry(old, dst);
    kvFreeShell(old);
    addKeepingLru(db, renamed);
    dbSignalModifiedKey(db, src);
    dbSignalModifiedKey(db, dst);
    dbNotify(NOTIFY_GENERIC, "rename_from", src, db->id);
    dbNotify(NOTIFY_GENERIC, "rename_to", dst, db->id);
    dbMarkDirty(1);
    if (nx)
        replyLongLong(c, 1);
    else
        replyOk(c);
}

static void renameCommand(client *c) { renameGeneric(c, 0); }
static void renamenxCommand(client *c) { renameGeneric(c, 1); }

/* --- MOVE --- */

static void moveCommand(client *c) {
    const dstr key = c->argv[1];
    serverDb *src = c->db;
    serverDb *dst = parseDbIndex(c, c->argv[2]);
    if (!dst) return;
    if (dst == src) {
        replyError(c, "ERR source and destination objects are the same");
        return;
    }
    if (!dbLookupWrite(src, key) || dbLookupWrite(dst, key)) {
        replyLongLong(c, 0);
        return;
    }
    /* The entry moves as is: same key, so no re-wrapping. */
    kvobj *kv = dbUnlink(src, key);
    addKeepingLru(dst, kv);
    dbSignalModifiedKey(src, key);
    dbSignalModifiedKey(dst, key);
    dbNotify(NOTIFY_GENERIC, "move_from", key, src->id);
    dbNotify(NOTIFY_GENERIC, "move_to", key, dst->id);
    dbMarkDirty(1);
    replyLongLong(c, 1);
}

/* --- COPY --- */

/* A deep copy of kv's value under newKey with the given TTL, or NULL when
 * the value's type registered no copy function. */
static kvobj *copyEntry(const kvobj *kv, const dstr newKey, long long expire) {
    size_t klen = dstrLen(newKey);
    if (kv->type == OBJ_STRING) {
        if (kv->encoding == OBJ_ENCODING_INT) return kvCreateInt(newKey, klen, kvGetInt(kv), expire);
        if (kv->encoding == OBJ_ENCODING_RAW)
            return kvCreateRaw(newKey, klen, dstrDup((dstr)kvGetPtr(kv)), expire);
        dstr s = kvGetEmbedded(kv);
        return kvCreateString(newKey, klen, s, dstrLen(s), expire, 0);
    }
    size_t embedded = kvEmbeddedValueSize(kv);
    if (embedded) {
        /* A listpack inside the entry: its bytes are the whole value. */
        void *copy = memAlloc(embedded);
        memcpy(copy, kvGetPtr(kv), embedded);
        return kvCreatePointer(newKey, klen, kv->type, kv->encoding, copy, expire);
    }
    keyspaceValueDupFn fn = valueDups[kv->type][kv->encoding];
    if (!fn) return NULL;
    return kvCreatePointer(newKey, klen, kv->type, kv->encoding, fn(kvGetPtr(kv)), expire);
}

/* Options after COPY src dst: [DB index] [REPLACE]. Returns 0 on error
 * (replied). */
static int parseCopyOptions(client *c, serverDb **dst, int *replace) {
    for (int j = 3; j < c->argc; j++) {
        int more = c->argc - j - 1;
        if (!strcasecmp(c->argv[j], "replace")) {
            *replace = 1;
        } else if (!strcasecmp(c->argv[j], "db") && more >= 1) {
            *dst = parseDbIndex(c, c->argv[j + 1]);
            if (!*dst) return 0;
            j++;
        } else {
            replyErrorSyntax(c);
            return 0;
        }
    }
    return 1;
}

static void copyCommand(client *c) {
    const dstr key = c->argv[1], newKey = c->argv[2];
    serverDb *src = c->db, *dst = c->db;
    int replace = 0;
    if (!parseCopyOptions(c, &dst, &replace)) return;
    if (src == dst && sameKey(key, newKey)) {
        replyError(c, "ERR source and destination objects are the same");
        return;
    }
    kvobj *kv = dbLookupRead(src, key, keyspaceReadFlags(c));
    if (!kv) {
        replyLongLong(c, 0);
        return;
    }
    kvobj *copy = copyEntry(kv, newKey, kvGetExpire(kv));
    if (!copy) {
        replyErrorFormat(c, "ERR COPY is not supported for values of type '%s' yet", kvTypeName(kv->type));
        return;
    }
    if (dbLookupWrite(dst, newKey)) {
        if (!replace) {
            kvFree(copy);
            replyLongLong(c, 0);
            return;
        }
        deleteOverwritten(dst, newKey);
    }
    dbAdd(dst, copy);
    dbKeyWritten(dst, newKey, NOTIFY_GENERIC, "copy_to");
    replyLongLong(c, 1);
}

/* --- RANDOMKEY, DBSIZE --- */

static void randomkeyCommand(client *c) {
    kvobj *kv = dbRandomKey(c->db);
    if (kv)
        replyBulkDstr(c, kvKey(kv));
    else
        replyNull(c);
}

static void dbsizeCommand(client *c) { replyLongLong(c, (long long)dbSize(c->db)); }

/* --- OBJECT --- */

/* Whether maxmemory-policy is an LFU one (then the entry's 24 access bits
 * hold an LFU counter, not an LRU clock). */
static int lfuPolicy(void) { return dbLfuMode(); }

static kvobj *objectLookup(client *c) {
    kvobj *kv = dbLookupRead(c->db, c->argv[2], LOOKUP_NOTOUCH | LOOKUP_NONOTIFY);
    if (!kv) replyNull(c);
    return kv;
}

static void objectEncodingCommand(client *c) {
    kvobj *kv = objectLookup(c);
    if (kv) replyBulkCString(c, kvEncodingName(kv->encoding));
}

/* No value is shared between keys, so every value has one reference. */
static void objectRefcountCommand(client *c) {
    if (objectLookup(c)) replyLongLong(c, 1);
}

static void objectIdletimeCommand(client *c) {
    kvobj *kv = objectLookup(c);
    if (!kv) return;
    if (lfuPolicy()) {
        replyError(c, "ERR An LRU maxmemory policy is not selected, access time not tracked. Please "
                      "note that when switching between policies at runtime LRU and LFU data will "
                      "take some time to adjust.");
        return;
    }
    replyLongLong(c, dbEntryIdleMs(kv) / 1000);
}

static void objectFreqCommand(client *c) {
    kvobj *kv = objectLookup(c);
    if (!kv) return;
    if (!lfuPolicy()) {
        replyError(c, "ERR An LFU maxmemory policy is not selected, access frequency not tracked. "
                      "Please note that when switching between policies at runtime LRU and LFU data "
                      "will take some time to adjust.");
        return;
    }
    replyLongLong(c, kv->lru & 0xFF); /* the 8-bit LFU counter */
}

static void objectHelpCommand(client *c) {
    static const char *lines[] = {
        "ENCODING <key>",
        "    Return the internal representation of the value stored at <key>.",
        "FREQ <key>",
        "    Return the logarithmic access frequency counter of <key> (LFU policies only).",
        "IDLETIME <key>",
        "    Return the number of seconds since <key> was last accessed (not with LFU policies).",
        "REFCOUNT <key>",
        "    Return the number of references to the value stored at <key>.",
        NULL,
    };
    replyHelp(c, lines);
}

/* --- SWAPDB, FLUSHDB, FLUSHALL --- */

static void swapdbCommand(client *c) {
    int id1, id2;
    if (!parseInt(c, c->argv[1], &id1, "ERR invalid first DB index")) return;
    if (!parseInt(c, c->argv[2], &id2, "ERR invalid second DB index")) return;
    if (dbSwap(id1, id2) != 0) {
        replyError(c, "ERR DB index is out of range");
        return;
    }
    dbMarkDirty(1);
    replyOk(c);
}

/* [ASYNC|SYNC]; the default follows lazyfree-lazy-user-flush.  Returns -1
 * on a syntax error (replied), else 1 for async, 0 for sync. */
static int parseFlushMode(client *c) {
    if (c->argc > 2) {
        replyErrorSyntax(c);
        return -1;
    }
    if (c->argc == 1) return keyspaceLazySetting(LAZY_USER_FLUSH);
    if (!strcasecmp(c->argv[1], "async")) return 1;
    if (!strcasecmp(c->argv[1], "sync")) return 0;
    replyErrorSyntax(c);
    return -1;
}

/* The flush is counted as at least one change even on empty databases, so
 * it always reaches the AOF and the replicas (Valkey forces it too). */
static void flushGeneric(client *c, int dbid) {
    int async = parseFlushMode(c);
    if (async < 0) return;
    long long removed = dbEmpty(dbid, async ? lazyfreeFreeTables : NULL);
    dbMarkDirty(removed + 1);
    replyOk(c);
}

static void flushdbCommand(client *c) { flushGeneric(c, c->db->id); }
static void flushallCommand(client *c) { flushGeneric(c, -1); }

/* --- Init --- */

const commandBinding keyspaceCommands[] = {
    {"del", delCommand},
    {"unlink", unlinkCommand},
    {"exists", existsCommand},
    {"type", typeCommand},
    {"touch", touchCommand},
    {"rename", renameCommand},
    {"renamenx", renamenxCommand},
    {"move", moveCommand},
    {"copy", copyCommand},
    {"randomkey", randomkeyCommand},
    {"dbsize", dbsizeCommand},
    {"object|encoding", objectEncodingCommand},
    {"object|refcount", objectRefcountCommand},
    {"object|idletime", objectIdletimeCommand},
    {"object|freq", objectFreqCommand},
    {"object|help", objectHelpCommand},
    {"swapdb", swapdbCommand},
    {"flushdb", flushdbCommand},
    {"flushall", flushallCommand},
    {NULL, NULL},
};
