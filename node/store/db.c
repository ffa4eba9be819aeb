/* db.c — databases: the keys and expires tables, lookups with lazy expiry,
 * and every change to them (see db.h for the model).
 *
 * Invariant: an entry is in `expires` if and only if it has a TTL, and both
 * tables hold the same pointer.  Every path that changes an entry's TTL or
 * replaces an entry goes through replaceEntry() to keep that true. */
#include "node/store/db.h"

#include <assert.h>
#include <string.h>

#include "node/base/hash.h"
#include "node/base/mem.h"
#include "node/base/timeutil.h"

static serverDb *databases;
static int databaseCount;
#define MAX_HOOK_SETS 8
static const dbHooks *hookSets[MAX_HOOK_SETS];
static int hookSetCount;
static long long commandTimeMs;
static int expireDeletes = 1;
static long long dirty;
static dbStats stats;

/* --- Hashtable types --- */

static const void *entryKey(const void *entry) { return kvKey((const kvobj *)entry); }

static uint64_t keyHash(const void *key) { return hashBytes(key, dstrLen((const dstr)key)); }

static int keyCompare(const void *a, const void *b) {
    size_t la = dstrLen((const dstr)a), lb = dstrLen((const dstr)b);
    return la != lb || memcmp(a, b, la) != 0;
}

static void entryFree(void *entry) { kvFree(entry); }

hashtableType dbKeysType = {
    .entryGetKey = entryKey,
    .hashFunction = keyHash,
    .keyCompare = keyCompare,
    .entryDestructor = entryFree,
};

hashtableType dbExpiresType = {
    .entryGetKey = entryKey,
    .hashFunction = keyHash,
    .keyCompare = keyCompare,
};

/* --- Setup --- */

int dbSetup(int count) {
    if (count < 1) return -1;
    databases = memCalloc(sizeof(serverDb) * (size_t)count);
    for (int i = 0; i < count; i++) {
        databases[i].keys = hashtableCreate(&dbKeysType);
        databases[i].expires = hashtableCreate(&dbExpiresType);
        databases[i].id = i;
    }
    databaseCount = count;
    return 0;
}

void dbAddHooks(const dbHooks *h) {
    assert(hookSetCount < MAX_HOOK_SETS);
    hookSets[hookSetCount++] = h;
}

/* Calls field `fn` of every registered hook set that has it. */
#define CALL_HOOKS(fn, ...)                                                 \
    do {                                                                    \
        for (int hi_ = 0; hi_ < hookSetCount; hi_++)                        \
            if (hookSets[hi_]->fn) hookSets[hi_]->fn(__VA_ARGS__);          \
    } while (0)
serverDb *dbByIndex(int id) { return (id >= 0 && id < databaseCount) ? &databases[id] : NULL; }
int dbCountDatabases(void) { return databaseCount; }

/* --- Clock and role --- */

void dbSetCommandTime(long long ms) { commandTimeMs = ms; }
long long dbNow(void) { return commandTimeMs ? commandTimeMs : timeMs(); }
void dbSetExpireDeletes(int deletes) { expireDeletes = deletes; }
int dbExpireDeletes(void) { return expireDeletes; }

static int lfuMode;
void dbSetLfuMode(int lfu) { lfuMode = lfu; }
int dbLfuMode(void) { return lfuMode; }

unsigned dbLruClock(void) { return (unsigned)((dbNow() / 1000) & 0xFFFFFF); }

long long dbEntryIdleMs(const kvobj *kv) {
    unsigned now = dbLruClock();
    unsigned lru = kv->lru;
    unsigned delta = now >= lru ? now - lru : (0xFFFFFF - lru) + now;
    return (long long)delta * 1000;
}

/* --- Changes and notifications --- */

void dbMarkDirty(long long n) { dirty += n; }
long long dbDirty(void) { return dirty; }

void dbSignalModifiedKey(serverDb *db, const dstr key) {
    CALL_HOOKS(keyModified, db, key);
}

void dbNotify(int type, const char *event, const dstr key, int dbid) {
    CALL_HOOKS(notify, type, event, key, dbid);
}

void dbKeyWritten(serverDb *db, const dstr key, int type, const char *event) {
    dbMarkDirty(1);
    dbSignalModifiedKey(db, key);
    dbNotify(type, event, key, db->id);
}

dbStats *dbGetStats(void) { return &stats; }

/* --- Expiry --- */

int dbIsExpired(const kvobj *kv) {
    long long when = kvGetExpire(kv);
    return when != -1 && dbNow() > when;
}

/* Removes an expired entry and tells the server (propagation as DEL). */
static void deleteExpired(serverDb *db, kvobj *kv) {
    dstr key = dstrDup(kvKey(kv));
    dbDelete(db, key);
    stats.expiredKeys++;
    dbNotify(NOTIFY_EXPIRED, "expired", key, db->id);
    CALL_HOOKS(keyExpired, db, key);
    dbSignalModifiedKey(db, key);
    dstrFree(key);
}

int dbExpireIfNeeded(serverDb *db, kvobj *kv, int flags) {
    if (!dbIsExpired(kv)) return 0;
    /* A replica applies its primary's writes to keys it merely hides: the
     * primary decides when a key expires and will send the DEL. */
    if (!expireDeletes && (flags & LOOKUP_WRITE)) return 0;
    if (!expireDeletes || (flags & LOOKUP_NOEXPIRE)) return 1;
    deleteExpired(db, kv);
    return 1;
}

/* --- Lookup --- */

kvobj *dbFind(serverDb *db, const dstr key) {
    void *entry;
    return hashtableFind(db->keys, key, &entry) ? entry : NULL;
}

static kvobj *lookup(serverDb *db, const dstr key, int flags) {
    kvobj *kv = dbFind(db, key);
    if (kv && dbExpireIfNeeded(db, kv, flags)) kv = NULL;
    if (kv) {
        if (!(flags & LOOKUP_NOTOUCH)) kv->lru = dbLruClock();
        if (!(flags & (LOOKUP_NOSTATS | LOOKUP_WRITE))) stats.keyspaceHits++;
    } else {
        if (!(flags & (LOOKUP_NOSTATS | LOOKUP_WRITE))) stats.keyspaceMisses++;
        if (!(flags & (LOOKUP_NONOTIFY | LOOKUP_WRITE)))
            dbNotify(NOTIFY_KEY_MISS, "keymiss", key, db->id);
    }
    return kv;
}

kvobj *dbLookupRead(serverDb *db, const dstr key, int flags) { return lookup(db, key, flags); }
kvobj *dbLookupWrite(serverDb *db, const dstr key) { return lookup(db, key, LOOKUP_WRITE); }

void dbPrefetchKey(serverDb *db, const char *key, size_t len, int stage) {
    /* Same hash as keyHash() computes for a dstr holding these bytes. */
    hashtablePrefetch(db->keys, hashBytes(key, len), stage);
}

/* --- Writing --- */

void dbAdd(serverDb *db, kvobj *kv) {
    kv->lru = dbLruClock();
    int added = hashtableAdd(db->keys, kv);
    assert(added);
    (void)added;
    if (kv->flags & KV_FLAG_TTL) hashtableAdd(db->expires, kv);
    dbNotify(NOTIFY_NEW, "new", kvKey(kv), db->id);
    CALL_HOOKS(keyStored, db, kv);
}

/* Points both tables at `n` instead of `old` (same key; old still valid). */
static void replaceEntry(serverDb *db, kvobj *old, kvobj *n) {
    if (old == n) return;
    dstr key = kvKey(old);
    void **ref = hashtableFindRef(db->keys, key);
    assert(ref && *ref == old);
    *ref = n;
    int oldTtl = (old->flags & KV_FLAG_TTL) != 0, newTtl = (n->flags & KV_FLAG_TTL) != 0;
    if (oldTtl && newTtl) {
        ref = hashtableFindRef(db->expires, key);
        assert(ref && *ref == old);
        *ref = n;
    } else if (oldTtl) {
        void *popped;
        hashtablePop(db->expires, key, &popped);
    } else if (newTtl) {
        hashtableAdd(db->expires, n);
    }
}

void dbReplaceEntry(serverDb *db, kvobj *old, kvobj *newEntry) { replaceEntry(db, old, newEntry); }

kvobj *dbSet(serverDb *db, kvobj *kv, int keepTtl) {
    kvobj *old = dbFind(db, kvKey(kv));
    if (!old) {
        dbAdd(db, kv);
        return kv;
    }
    if (keepTtl && (old->flags & KV_FLAG_TTL)) {
        kvobj *n = kvWithExpire(kv, kvGetExpire(old));
        if (n != kv) kvFreeShell(kv);
        kv = n;
    }
    kv->lru = dbLruClock();
    replaceEntry(db, old, kv);
    kvFree(old);
    CALL_HOOKS(keyStored, db, kv);
    return kv;
}

kvobj *dbOverwriteValue(serverDb *db, kvobj *existing, kvobj *value, int keepTtl) {
    kvobj *n = kvWithKeyOf(existing, value, keepTtl);
    kvFreeShell(value);
    n->lru = dbLruClock();
    replaceEntry(db, existing, n);
    kvFree(existing);
    CALL_HOOKS(keyStored, db, n);
    return n;
}

void *dbValueOpen(kvobj *kv) {
    size_t n = kvEmbeddedValueSize(kv);
    if (!n) return kvGetPtr(kv);
    void *copy = memAlloc(n);
    memcpy(copy, kvGetPtr(kv), n);
    return copy;
}

kvobj *dbValueClose(serverDb *db, kvobj *kv, int encoding, void *value) {
    kvobj *n = kvWithValue(kv, encoding, value);
    if (n != kv) {
        replaceEntry(db, kv, n);
        kvFreeShell(kv);
    }
    return n;
}

kvobj *dbStringToRaw(serverDb *db, kvobj *kv) {
    kvobj *raw = kvStringToRaw(kv);
    if (raw == kv) return kv;
    replaceEntry(db, kv, raw);
    kvFreeShell(kv);
    return raw;
}

kvobj *dbUnlink(serverDb *db, const dstr key) {
    void *entry;
    if (!hashtablePop(db->keys, key, &entry)) return NULL;
    kvobj *kv = entry;
    if (kv->flags & KV_FLAG_TTL) {
        void *e2;
        hashtablePop(db->expires, key, &e2);
    }
    return kv;
}

int dbDelete(serverDb *db, const dstr key) {
    kvobj *kv = dbUnlink(db, key);
    if (!kv) return 0;
    kvFree(kv);
    return 1;
}

/* --- TTL --- */

kvobj *dbSetExpire(serverDb *db, kvobj *kv, long long when) {
    kvobj *n = kvWithExpire(kv, when);
    if (n == kv) return kv; /* changed in place; tables already right */
    replaceEntry(db, kv, n);
    kvFreeShell(kv);
    return n;
}

kvobj *dbRemoveExpire(serverDb *db, kvobj *kv) { return dbSetExpire(db, kv, -1); }

/* --- Whole databases --- */

size_t dbSize(serverDb *db) { return hashtableSize(db->keys); }
size_t dbExpiresSize(serverDb *db) { return hashtableSize(db->expires); }

static long long emptyOne(serverDb *db, void (*asyncFree)(hashtable *, hashtable *)) {
    long long removed = (long long)hashtableSize(db->keys);
    if (asyncFree) {
        asyncFree(db->keys, db->expires);
        db->keys = hashtableCreate(&dbKeysType);
        db->expires = hashtableCreate(&dbExpiresType);
    } else {
        hashtableEmpty(db->expires, NULL);
        hashtableEmpty(db->keys, NULL);
    }
    db->avgTtl = 0;
    db->expiresCursor = 0;
    CALL_HOOKS(dbFlushed, db->id);
    return removed;
}

long long dbEmpty(int dbid, void (*asyncFree)(hashtable *keys, hashtable *expires)) {
    if (dbid < -1 || dbid >= databaseCount) return -1;
    long long removed = 0;
    for (int i = 0; i < databaseCount; i++)
        if (dbid == -1 || dbid == i) removed += emptyOne(&databases[i], asyncFree);
    return removed;
}

int dbSwap(int id1, int id2) {
    if (!dbByIndex(id1) || !dbByIndex(id2)) return -1;
    if (id1 == id2) return 0;
    serverDb *a = &databases[id1], *b = &databases[id2];
    serverDb tmp = *a;
    a->keys = b->keys;
    a->expires = b->expires;
    a->avgTtl = b->avgTtl;
    a->expiresCursor = b->expiresCursor;
    b->keys = tmp.keys;
    b->expires = tmp.expires;
    b->avgTtl = tmp.avgTtl;
    b->expiresCursor = tmp.expiresCursor;
    CALL_HOOKS(dbFlushed, id1);
    CALL_HOOKS(dbFlushed, id2);
    return 0;
}

kvobj *dbRandomKey(serverDb *db) {
    size_t size = hashtableSize(db->keys);
    if (size == 0) return NULL;
    /* When every key is volatile a replica could loop forever on expired
     * keys it may not delete: give up after a bounded number of tries and
     * return an expired one (as Valkey does). */
    int allVolatile = hashtableSize(db->expires) == size;
    for (int tries = 0;; tries++) {
        void *entry;
        if (!hashtableFairRandomEntry(db->keys, &entry)) return NULL;
        kvobj *kv = entry;
        if (!dbIsExpired(kv)) return kv;
        if (allVolatile && !expireDeletes && tries >= 100) return kv;
        if (expireDeletes) {
            deleteExpired(db, kv);
            if (hashtableSize(db->keys) == 0) return NULL;
        }
        if (tries > 1000) return NULL;
    }
}
