/* expire.c — the active expire cycle: reclaims keys whose TTL passed even if
 * nobody touches them.
 *
 * Each database's `expires` table is walked with a scan cursor that persists
 * between cycles, a few buckets at a time; expired entries found are deleted.
 * A database is revisited while the share of expired keys among those
 * sampled stays above ACCEPTABLE_STALE percent (many keys to reclaim), and
 * the whole cycle stops at its time budget: the slow cycle (from cron) may use
 * a quarter of a tick, the fast cycle (from before-sleep, when the previous
 * slow cycle ran out of time) 1 ms.  So memory held by expired keys shrinks
 * quickly when there is a lot of it, and the cost stays bounded otherwise.
 *
 * Replicas never run it: the primary's DELs remove their keys. */
#include "node/store/db.h"

#include "node/base/mem.h"
#include "node/base/timeutil.h"

#define KEYS_PER_LOOP 20
#define ACCEPTABLE_STALE 10 /* percent */
#define FAST_DURATION_US 1000

static int activeExpireEnabled = 1;
static unsigned currentDb;      /* next db to work on, round robin */
static int timelimitExit;       /* last slow cycle ran out of time */
static uint64_t lastFastCycleUs;

void dbSetActiveExpireEnabled(int enabled) { activeExpireEnabled = enabled; }
int dbActiveExpireEnabled(void) { return activeExpireEnabled; }

typedef struct sampleState {
    long long now;
    kvobj *expired[KEYS_PER_LOOP * 8];
    int expiredCount;
    long sampled;
    long long ttlSum;
    long ttlSamples;
} sampleState;

static void sampleEntry(void *privdata, void *entry) {
    sampleState *st = privdata;
    kvobj *kv = entry;
    long long when = kvGetExpire(kv);
    st->sampled++;
    if (when != -1 && st->now > when) {
        if (st->expiredCount < (int)(sizeof(st->expired) / sizeof(st->expired[0])))
            st->expired[st->expiredCount++] = kv;
    } else if (when != -1) {
        st->ttlSum += when - st->now;
        st->ttlSamples++;
    }
}

/* One pass over a few buckets of db; returns the percentage of sampled
 * entries that were expired. */
static int expireStep(serverDb *db, long *checked) {
    sampleState st = {.now = dbNow()};
    int buckets = 0;
    do {
        db->expiresCursor = hashtableScan(db->expires, db->expiresCursor, sampleEntry, &st);
        buckets++;
    } while (st.sampled < KEYS_PER_LOOP && db->expiresCursor != 0 && buckets < KEYS_PER_LOOP * 2);
    for (int i = 0; i < st.expiredCount; i++) {
        /* The entry is still valid: nothing else ran since the scan. */
        dbExpireIfNeeded(db, st.expired[i], 0);
    }
    if (st.ttlSamples) {
        long long avg = st.ttlSum / st.ttlSamples;
        db->avgTtl = db->avgTtl ? (db->avgTtl / 50) * 49 + avg / 50 : avg;
    }
    *checked += st.sampled;
    return st.sampled ? (int)(st.expiredCount * 100 / st.sampled) : 0;
}

void dbActiveExpireCycle(int fast, long long timelimitUs) {
    if (!activeExpireEnabled || !dbExpireDeletes()) return;
    int dbs = dbCountDatabases();
    uint64_t start = timeMonotonicUs();
    if (fast) {
        /* Only worth it when the last slow cycle could not finish, and not
         * more often than twice its own duration. */
        if (!timelimitExit) return;
        if (start < lastFastCycleUs + FAST_DURATION_US * 2) return;
        lastFastCycleUs = start;
        timelimitUs = FAST_DURATION_US;
    }
    timelimitExit = 0;
    long checked = 0;
    for (int j = 0; j < dbs; j++) {
        serverDb *db = dbByIndex((int)(currentDb++ % (unsigned)dbs));
        int stale;
        do {
            if (dbExpiresSize(db) == 0) {
                db->avgTtl = 0;
                break;
            }
            stale = expireStep(db, &checked);
            if ((long long)(timeMonotonicUs() - start) > timelimitUs) {
                timelimitExit = 1;
                dbGetStats()->expiredTimeCapReached++;
                goto done;
            }
        } while (stale > ACCEPTABLE_STALE);
    }
done:
    dbGetStats()->expireCycleCpuMilliseconds += (long long)(timeMonotonicUs() - start) / 1000;
}
