/* db.h — the databases of the keyspace and every access to them.
 *
 * A database is two hash tables over the same kvobj entries: `keys` holds
 * every entry, `expires` only those with a TTL (so active expiry samples
 * volatile keys without walking the rest).  The TTL itself lives inside the
 * entry; when an entry is reallocated (TTL added, value grown) both tables
 * get the new pointer.
 *
 * Lookups apply lazy expiry: a primary deletes an expired key it meets (and
 * reports the deletion through the keyExpired hook so it can be propagated
 * as DEL); a replica only hides it, and deletes when the primary's DEL
 * arrives.  "Now" is the time the current command started, so one command
 * sees a consistent clock.
 *
 * The store knows nothing of clients, replication or notifications: the
 * server registers hooks (dbHooks) that turn store events into propagation,
 * keyspace notifications and WATCH invalidation. */
#ifndef TESSERA_DB_H
#define TESSERA_DB_H

#include <stddef.h>

#include "node/base/dstr.h"
#include "node/store/hashtable.h"
#include "node/store/kvobj.h"

typedef struct serverDb {
    hashtable *keys;
    hashtable *expires;
    int id;
    long long avgTtl;          /* estimated by the active expire cycle */
    size_t expiresCursor;      /* where the active expire cycle resumes */
} serverDb;

/* Reasons a key left the keyspace, for the keyDeleted hook. */
enum { DB_DEL_USER = 0, DB_DEL_EXPIRED, DB_DEL_EVICTED };

typedef struct dbHooks {
    /* A key expired (lazily or actively) on a primary and was deleted. */
    void (*keyExpired)(serverDb *db, const dstr key);
    /* Any change to a key (WATCH, client tracking). */
    void (*keyModified)(serverDb *db, const dstr key);
    /* Keyspace notification (type is a NOTIFY_* class). */
    void (*notify)(int type, const char *event, const dstr key, int dbid);
    /* A whole database was flushed / swapped. */
    void (*dbFlushed)(int dbid);
    /* An entry was stored under its key: added, or replacing another value
     * (dbAdd, dbSet, dbOverwriteValue).  Blocked clients (BLPOP & co.)
     * learn here that a list or sorted set they wait for appeared. */
    void (*keyStored)(serverDb *db, const kvobj *kv);
} dbHooks;

/* Keyspace notification classes (notify-keyspace-events letters). */
#define NOTIFY_KEYSPACE (1 << 0) /* K */
#define NOTIFY_KEYEVENT (1 << 1) /* E */
#define NOTIFY_GENERIC (1 << 2)  /* g */
#define NOTIFY_STRING (1 << 3)   /* $ */
#define NOTIFY_LIST (1 << 4)     /* l */
#define NOTIFY_SET (1 << 5)      /* s */
#define NOTIFY_HASH (1 << 6)     /* h */
#define NOTIFY_ZSET (1 << 7)     /* z */
#define NOTIFY_EXPIRED (1 << 8)  /* x */
#define NOTIFY_EVICTED (1 << 9)  /* e */
#define NOTIFY_STREAM (1 << 10)  /* t */
#define NOTIFY_KEY_MISS (1 << 11) /* m */
#define NOTIFY_LOADED (1 << 12)
#define NOTIFY_MODULE (1 << 13)
#define NOTIFY_NEW (1 << 14)     /* n */

/* Lookup flags. */
#define LOOKUP_NONE 0
#define LOOKUP_NOTOUCH (1 << 0)  /* don't update LRU/LFU */
#define LOOKUP_NONOTIFY (1 << 1) /* no keymiss notification */
#define LOOKUP_NOSTATS (1 << 2)  /* don't count hits/misses */
#define LOOKUP_WRITE (1 << 3)    /* lookup for a write: a replica deletes too */
#define LOOKUP_NOEXPIRE (1 << 4) /* don't delete expired keys */

/* --- Setup --- */
int dbSetup(int count);
/* Adds a set of hooks (static lifetime; unset fields are skipped).  Several
 * modules register theirs (WATCH, notifications, blocking, replication);
 * each event calls every set in registration order. */
void dbAddHooks(const dbHooks *hooks);
serverDb *dbByIndex(int id);   /* NULL if out of range */
int dbCountDatabases(void);

/* --- Clock and role --- */
void dbSetCommandTime(long long ms);   /* 0: use the live clock */
long long dbNow(void);
/* 1 on a primary (expired keys are deleted), 0 on a replica (hidden only). */
void dbSetExpireDeletes(int deletes);
int dbExpireDeletes(void);

/* --- Reading and writing keys --- */
/* Find without expiry or stats. */
kvobj *dbFind(serverDb *db, const dstr key);
kvobj *dbLookupRead(serverDb *db, const dstr key, int flags);
kvobj *dbLookupWrite(serverDb *db, const dstr key);
/* Hint that key (raw bytes) will be looked up soon; stage as in
 * hashtablePrefetch.  Pipelines call it for the next commands' keys. */
void dbPrefetchKey(serverDb *db, const char *key, size_t len, int stage);
/* Adds a new entry; the key must not exist. */
void dbAdd(serverDb *db, kvobj *kv);
/* Adds or overwrites.  keepTtl: the old TTL moves to the new entry.
 * Returns the entry as stored. */
kvobj *dbSet(serverDb *db, kvobj *kv, int keepTtl);
/* Swap in a new copy of an entry that is in the table (same key); old is
 * still valid during the call and is NOT freed. */
void dbReplaceEntry(serverDb *db, kvobj *old, kvobj *newEntry);
/* Make a string entry RAW so its dstr can be changed in place; returns the
 * entry now in the table (the dstr is kvGetPtr of it). */
kvobj *dbStringToRaw(serverDb *db, kvobj *kv);
/* Overwrite the value of an existing key with the value of `value` (an entry
 * built with any key, e.g. an empty one); keeps the TTL if keepTtl.  Frees
 * the old value and the `value` shell.  Returns the stored entry. */
kvobj *dbOverwriteValue(serverDb *db, kvobj *existing, kvobj *value, int keepTtl);
/* Deletes; returns 1 if the key existed. */
int dbDelete(serverDb *db, const dstr key);
/* Detaches an entry without freeing it (caller owns it). */
kvobj *dbUnlink(serverDb *db, const dstr key);

/* --- Collection values ---
 * Small listpack values are embedded in the entry (kvobj.h), so a write
 * that may move a value brackets it: dbValueOpen hands the caller a value
 * it owns and may change or replace (a heap copy when the value was
 * embedded, the value itself otherwise); dbValueClose stores what the
 * caller has now (any encoding of the entry's type; the caller has freed
 * or converted the value it opened) and returns the entry now in the table,
 * which may be a new one: use the returned pointer.  Between the two the
 * entry's value must not be read. */
void *dbValueOpen(kvobj *kv);
kvobj *dbValueClose(serverDb *db, kvobj *kv, int encoding, void *value);

/* --- TTL --- */
kvobj *dbSetExpire(serverDb *db, kvobj *kv, long long when);
kvobj *dbRemoveExpire(serverDb *db, kvobj *kv);   /* PERSIST */
/* 1 if the entry is logically expired now. */
int dbIsExpired(const kvobj *kv);
/* Deletes kv if expired (primary) and returns 1 if it was expired. */
int dbExpireIfNeeded(serverDb *db, kvobj *kv, int flags);

/* --- Whole databases --- */
size_t dbSize(serverDb *db);
size_t dbExpiresSize(serverDb *db);
/* Removes all keys of one db (dbid >= 0) or all (-1); async hands the old
 * tables to a free callback instead of freeing them here. Returns keys removed. */
long long dbEmpty(int dbid, void (*asyncFree)(hashtable *keys, hashtable *expires));
int dbSwap(int id1, int id2);
/* Random key that is not expired, or NULL. */
kvobj *dbRandomKey(serverDb *db);

/* --- Changes and notifications (commands call these) --- */
void dbMarkDirty(long long n);      /* counts changes for save points and propagation */
/* The usual trio after a command changed one key: count one change, signal
 * the key (WATCH) and send the keyspace notification. */
void dbKeyWritten(serverDb *db, const dstr key, int type, const char *event);
long long dbDirty(void);
void dbSignalModifiedKey(serverDb *db, const dstr key);
void dbNotify(int type, const char *event, const dstr key, int dbid);

/* --- LRU or LFU: what an entry's 24 access bits hold --- */
/* 1 when an LFU maxmemory policy is active (set by the eviction code). */
void dbSetLfuMode(int lfu);
int dbLfuMode(void);

/* --- LRU clock (seconds, 24 bits) --- */
unsigned dbLruClock(void);
/* Idle time in ms of an entry (OBJECT IDLETIME). */
long long dbEntryIdleMs(const kvobj *kv);

/* --- Statistics --- */
typedef struct dbStats {
    long long keyspaceHits, keyspaceMisses;
    long long expiredKeys, expiredStalePerc, expiredTimeCapReached;
    long long expireCycleCpuMilliseconds;
} dbStats;
dbStats *dbGetStats(void);

/* --- Active expiry (expire.c) --- */
/* Slow cycle from cron: up to timelimitUs of work; fast cycle from before-sleep. */
void dbActiveExpireCycle(int fast, long long timelimitUs);
void dbSetActiveExpireEnabled(int enabled);
int dbActiveExpireEnabled(void);

/* --- Hashtable types used by the keyspace (also by tests) --- */
extern hashtableType dbKeysType;
extern hashtableType dbExpiresType;

#endif
