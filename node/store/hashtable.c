/* hashtable.c — open hash table of entry pointers in cache-line buckets,
 * with incremental rehashing and a resize-proof scan.
 *
 * Layout
 * ------
 * A table is a power-of-two array of 64-byte buckets.  A bucket holds up to
 * seven entry pointers; one metadata byte says which slots are in use and
 * whether the bucket is chained, and one fingerprint byte per slot (the top
 * eight bits of the entry's hash) lets a lookup skip almost every key
 * comparison that would miss:
 *
 *   byte 0        bytes 1..7            bytes 8..63
 *   +---------+---------------------+---------------------------------------+
 *   |C|ppppppp| f0 f1 f2 f3 f4 f5 f6 | e0  e1  e2  e3  e4  e5  e6/child      |
 *   +---------+---------------------+---------------------------------------+
 *    C = chained, p = presence bit of slot i (bit i), f = fingerprint, e = entry
 *
 * The low bits of the hash choose the bucket, the high byte is the
 * fingerprint, so the two are independent.  A lookup compares the seven
 * fingerprints at once (SWAR on the 8-byte header) and reads an entry only
 * for a matching one: about 1 in 256 misses costs a key comparison.  When a bucket's seven slots are
 * full the entry of its last slot moves to a new child bucket, the last slot
 * then holds the child pointer and the C bit is set: a bucket chain.  Chains
 * replace probing, so an entry always lives in the chain of bucket
 * (hash & mask), which is what makes scan and incremental rehash simple.
 *
 * Fill and resizing
 * -----------------
 * Fill is entries / entry slots (buckets * 7).  With n entries hashed at
 * random into buckets, the count per bucket is Poisson; at a mean of 7 per
 * bucket (fill 100%) about 40% of buckets hold more than 7 but most of them
 * need only one child.  Averaged over one doubling cycle (fill 50%..100%),
 * a model of that distribution gives:
 *
 *   grow at   table bytes/entry   cache lines per hit   per miss
 *     77%          18.0                 1.04               1.06
 *    100%          15.0                 1.09               1.16
 *
 * We grow when an insert would push the fill above 100%: 17% less table
 * memory for ~5% more bucket reads on hits, and every keyspace hit reads the
 * entry itself anyway (a second cache line), so the relative cost is lower
 * still.  The new size keeps the fill at or below 100%, so a growth doubles.
 * Measured (unit test): 12.9 bytes/entry at 917,504 entries (2^17 buckets,
 * fill 100%), 17.5 at 1,000,000 (2^18 buckets, fill 55%).  No threshold
 * below 109% keeps 1M entries in 2^17 buckets: that figure is a property of
 * power-of-two sizing, not of the threshold.
 * We shrink when the fill falls below 1/8, to a size where it is at most 50%,
 * so that growing and shrinking cannot alternate on a few inserts/deletes.
 *
 * With hashtableSetResizePolicy(0) (a fork child is alive and every page we
 * touch gets copied) the limits become 500% and 1/32: chains absorb the
 * growth, and incremental rehash steps by ordinary operations stop unless the
 * table is that far out of shape.  The type's resizeAllowed hook can veto any
 * resize (maxmemory); chaining keeps the table correct without one.
 *
 * Incremental rehashing
 * ---------------------
 * A resize allocates the new table (tables[1]) and sets rehashIndex to 0.
 * Each find/add/delete/scan/random call then migrates one bucket chain of
 * tables[0] (skipping at most a few empty buckets), so no call does more than
 * a bounded amount of work.  Buckets of tables[0] below rehashIndex are
 * empty; inserts go to tables[1]; lookups look at both.  When the last chain
 * has moved, tables[1] becomes tables[0].  Growing needs each entry's hash
 * again (the new index has more bits); shrinking does not (new index = old
 * index & new mask), and the fingerprint moves unchanged either way.
 *
 * Pausing
 * -------
 * Safe iterators, scan callbacks and two-phase pops pause rehashing
 * (pauseRehash counter).  While paused no entry moves: chains are not
 * compacted after a delete (the bucket is remembered and compacted when the
 * counter drops to zero), no chain migrates, and an empty table is not freed.
 * A resize may still *start* while paused, because that only allocates the
 * new table.  Hence deleting during safe iteration never skips or repeats
 * another entry.  Plain iterators instead record a fingerprint of the table's
 * shape and assert it is unchanged at the end.
 *
 * Scan
 * ----
 * The cursor is a bucket index whose bits are incremented in reverse order
 * (reverse the bits, add one, reverse back).  Growing a table splits bucket i
 * into buckets whose low bits equal i, and a reverse-binary increment visits
 * all of those before moving on, so a bucket's entries are never missed
 * across a resize between two calls (they may be returned twice).  While
 * rehashing, a call covers the bucket of the smaller table and every bucket
 * of the larger table that it expands to.
 *
 * Invariants
 *   - a chained bucket never has presence bit 6 set; slot 6 holds the child;
 *   - used[t] equals the number of presence bits set in table t;
 *   - rehashing <=> tables[1] != NULL; then buckets [0, rehashIndex) of
 *     tables[0] are all zero;
 *   - the deferred compaction list is non-empty only while paused;
 *   - entry pointers are opaque: no bits of them are borrowed.
 *
 * Randomness is a private splitmix64 stream: the sampling functions need
 * speed, not unpredictability. */
#include "node/store/hashtable.h"

#include <assert.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "node/base/mem.h"

/* --- Parameters --- */

#define ENTRIES_PER_BUCKET 7
#define CHILD_SLOT (ENTRIES_PER_BUCKET - 1)
#define ALL_SLOTS 0x7f     /* usable slots of an unchained bucket */
#define CHAINED_SLOTS 0x3f /* usable slots of a chained bucket */
#define CHAINED_FLAG 0x80

#define MAX_FILL_PERCENT_SOFT 100   /* grow above this (percent of slots) */
#define MAX_FILL_PERCENT_HARD 500   /* ... or this when resizing is avoided */
#define MIN_FILL_DIVISOR_SOFT 8     /* shrink below 1/8 of slots */
#define MIN_FILL_DIVISOR_HARD 32    /* ... or 1/32 when resizing is avoided */
#define SHRINK_TARGET_PERCENT 50    /* fill right after a shrink, at most */

#define REHASH_EMPTY_VISITS 10      /* empty buckets one step may skip */
#define REHASH_BATCH 64             /* steps between clock reads */
#define MAX_DEFERRED_COMPACTIONS 1024
#define FAIR_SAMPLE_BUCKETS 8
#define EMPTY_CALLBACK_INTERVAL 65536
#define MAX_BUCKET_EXP 56           /* 2^56 buckets: far beyond any memory */
#define EXP_OVERFLOW 127

static_assert(sizeof(void *) == 8 && sizeof(size_t) == 8, "64-bit platform expected");

/* --- Types --- */

typedef struct bucket {
    uint8_t meta;                               /* CHAINED_FLAG | presence */
    uint8_t fingerprints[ENTRIES_PER_BUCKET];
    void *entries[ENTRIES_PER_BUCKET];          /* entries[6]: child if chained */
} bucket;
static_assert(sizeof(bucket) == 64, "a bucket is one cache line");

struct hashtable {
    hashtableType *type;
    bucket *tables[2];       /* [0] current (old while rehashing), [1] new */
    size_t used[2];          /* entries in each table */
    size_t childBuckets[2];  /* chained child buckets in each table */
    size_t rehashIndex;      /* next bucket of tables[0] to migrate */
    struct deferredList *deferred; /* chains to compact when unpaused */
    int32_t pauseRehash;
    int8_t exp[2];           /* log2(buckets), -1 when the table is absent */
    int8_t pendingExp;       /* Expand asked during a rehash, -1 if none */
    _Alignas(16) unsigned char metadata[];
};

typedef struct deferredList {
    uint32_t count, capacity;
    size_t items[];          /* index << 1 | table */
} deferredList;

/* Where an entry is, or where one goes. */
typedef struct location {
    bucket *b;
    size_t index; /* head bucket index in its table */
    int slot;
    int table;
} location;

/* The layout behind hashtablePosition. */
typedef struct positionState {
    bucket *b;
    size_t index;
    void *entry;
    uint8_t slot, table, fingerprint, unused;
} positionState;
static_assert(sizeof(positionState) <= sizeof(hashtablePosition), "position fits");

/* The layout behind hashtableIterator. */
typedef struct iteratorState {
    hashtable *ht;
    bucket *b;          /* bucket being walked, NULL between chains */
    size_t index;       /* head bucket index in the current table */
    uint64_t fingerprint;
    uint8_t table;
    uint8_t slot;       /* next slot of b to look at */
    uint8_t flags;
    uint8_t started;
    uint8_t passedLast; /* b's slot 6 was looked at as an entry slot */
} iteratorState;
static_assert(sizeof(iteratorState) <= sizeof(hashtableIterator), "iterator fits");

static int resizePolicy = 1;

/* --- Small helpers --- */

static inline size_t numBuckets(int exp) { return exp < 0 ? 0 : (size_t)1 << exp; }
static inline size_t tableMask(const hashtable *ht, int t) { return numBuckets(ht->exp[t]) - 1; }
static inline bool isRehashing(const hashtable *ht) { return ht->tables[1] != NULL; }

static inline bool bucketIsChained(const bucket *b) { return b->meta & CHAINED_FLAG; }
static inline uint8_t bucketPresence(const bucket *b) { return b->meta & ALL_SLOTS; }
static inline uint8_t bucketUsable(const bucket *b) { return bucketIsChained(b) ? CHAINED_SLOTS : ALL_SLOTS; }
static inline bucket *bucketChild(const bucket *b) {
    return bucketIsChained(b) ? (bucket *)b->entries[CHILD_SLOT] : NULL;
}
static inline bool bucketIsEmpty(const bucket *b) { return b->meta == 0; }

static inline const void *entryKey(const hashtable *ht, const void *entry) {
    return ht->type->entryGetKey ? ht->type->entryGetKey(entry) : entry;
}
static inline uint64_t hashKey(const hashtable *ht, const void *key) { return ht->type->hashFunction(key); }
static inline bool keysEqual(const hashtable *ht, const void *a, const void *b) {
    return ht->type->keyCompare ? ht->type->keyCompare(a, b) == 0 : a == b;
}
static inline uint8_t fingerprintOf(uint64_t hash) { return (uint8_t)(hash >> 56); }

/* The live head bucket range of table t: tables[0]'s migrated part is empty. */
static inline size_t firstLiveBucket(const hashtable *ht, int t) {
    return (t == 0 && isRehashing(ht)) ? ht->rehashIndex : 0;
}

static uint64_t monotonicUs(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static uint64_t rngState = 0x2545f4914f6cdd1dULL;

static uint64_t rngNext(void) {
    uint64_t z = (rngState += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Uniform enough in [0, n) for n far below 2^64. */
static size_t rngBelow(size_t n) { return (size_t)(rngNext() % n); }

/* Smallest exponent whose table holds `size` entries at `fillPercent`;
 * -1 for size 0, EXP_OVERFLOW if it cannot be represented. */
static int expForSize(size_t size, unsigned fillPercent) {
    if (size == 0) return -1;
    if (size > SIZE_MAX / 100) return EXP_OVERFLOW;
    size_t perBucket = (size_t)ENTRIES_PER_BUCKET * fillPercent;
    size_t buckets = (size * 100 + perBucket - 1) / perBucket;
    int exp = 0;
    while (numBuckets(exp) < buckets) {
        if (++exp > MAX_BUCKET_EXP) return EXP_OVERFLOW;
    }
    return exp;
}

/* --- Bucket operations --- */

static void storeAt(hashtable *ht, const location *loc, void *entry, uint8_t fp) {
    assert(!(loc->b->meta & (1u << loc->slot)));
    loc->b->entries[loc->slot] = entry;
    loc->b->fingerprints[loc->slot] = fp;
    loc->b->meta |= (uint8_t)(1u << loc->slot);
    ht->used[loc->table]++;
}

/* Turn a full unchained bucket into a chained one: its last entry moves to
 * slot 0 of a new child bucket, whose other slots are free. */
static void convertToChained(hashtable *ht, int t, bucket *b) {
    assert(!bucketIsChained(b) && bucketPresence(b) == ALL_SLOTS);
    bucket *child = memCalloc(sizeof(bucket));
    child->entries[0] = b->entries[CHILD_SLOT];
    child->fingerprints[0] = b->fingerprints[CHILD_SLOT];
    child->meta = 1;
    b->entries[CHILD_SLOT] = child;
    b->fingerprints[CHILD_SLOT] = 0;
    b->meta = (uint8_t)((b->meta & ~(1u << CHILD_SLOT)) | CHAINED_FLAG);
    ht->childBuckets[t]++;
}

/* First free slot in the chain of head bucket `index` of table t, extending
 * the chain when it is full. */
static void findFreeSlot(hashtable *ht, int t, size_t index, location *loc) {
    bucket *b = &ht->tables[t][index];
    for (;;) {
        uint8_t freeSlots = (uint8_t)(~b->meta & bucketUsable(b));
        if (freeSlots) {
            *loc = (location){.b = b, .index = index, .slot = __builtin_ctz(freeSlots), .table = t};
            return;
        }
        if (!bucketIsChained(b)) convertToChained(ht, t, b);
        b = bucketChild(b);
    }
}

/* Present slots of b whose fingerprint is fp, as a bit mask.  On
 * little-endian machines all seven fingerprints are compared at once (SWAR
 * zero-byte test on the 8-byte header, exact: no carries cross bytes), so a
 * lookup branches only on real candidates. */
static inline uint32_t matchFingerprint(const bucket *b, uint8_t fp) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    const uint64_t low7 = 0x7f7f7f7f7f7f7f7fULL;
    uint64_t header;
    memcpy(&header, b, sizeof(header));
    uint64_t x = header ^ (0x0101010101010101ULL * fp);
    uint64_t zeroBytes = ~(((x & low7) + low7) | x | low7) >> 8; /* byte i: slot i */
    uint32_t mask = 0;
    for (; zeroBytes; zeroBytes &= zeroBytes - 1) mask |= 1u << (__builtin_ctzll(zeroBytes) >> 3);
    return mask & bucketPresence(b);
#else
    uint32_t mask = 0;
    for (uint8_t p = bucketPresence(b); p; p &= (uint8_t)(p - 1)) {
        int i = __builtin_ctz(p);
        if (b->fingerprints[i] == fp) mask |= 1u << i;
    }
    return mask;
#endif
}

/* Find key in both tables. */
/* --- Prefetch ---
 * A pipeline tells us the next keys before we need them.  Stage 0 asks the
 * CPU for the bucket; stage 1, run later when that bucket is likely cached,
 * asks for the entries whose fingerprint matches.  By the time the lookup
 * runs, both cache misses it would have taken are (partly) paid. */
void hashtablePrefetch(hashtable *ht, uint64_t hash, int stage) {
    uint8_t fp = fingerprintOf(hash);
    for (int t = 0; t <= 1; t++) {
        if (!ht->tables[t]) continue;
        size_t index = hash & tableMask(ht, t);
        if (index < firstLiveBucket(ht, t)) continue;
        bucket *b = &ht->tables[t][index];
        if (stage == 0) {
            __builtin_prefetch(b);
            continue;
        }
        for (uint32_t m = matchFingerprint(b, fp); m; m &= m - 1)
            __builtin_prefetch(b->entries[__builtin_ctz(m)]);
    }
}

static bool findEntry(const hashtable *ht, const void *key, uint64_t hash, location *loc) {
    uint8_t fp = fingerprintOf(hash);
    for (int t = 0; t <= 1; t++) {
        if (!ht->tables[t]) continue;
        size_t index = hash & tableMask(ht, t);
        if (index < firstLiveBucket(ht, t)) continue;
        for (bucket *b = &ht->tables[t][index]; b; b = bucketChild(b)) {
            for (uint32_t m = matchFingerprint(b, fp); m; m &= m - 1) {
                int i = __builtin_ctz(m);
                if (!keysEqual(ht, key, entryKey(ht, b->entries[i]))) continue;
                *loc = (location){.b = b, .index = index, .slot = i, .table = t};
                return true;
            }
        }
    }
    return false;
}

/* Put an entry into the first hole of a chain known to have one. */
static void placeInHole(bucket *head, void *entry, uint8_t fp) {
    for (bucket *b = head; b; b = bucketChild(b)) {
        uint8_t freeSlots = (uint8_t)(~b->meta & bucketUsable(b));
        if (!freeSlots) continue;
        int i = __builtin_ctz(freeSlots);
        b->entries[i] = entry;
        b->fingerprints[i] = fp;
        b->meta |= (uint8_t)(1u << i);
        return;
    }
    assert(!"chain has no hole");
}

/* Shorten a chain after deletes: while every entry of the last bucket fits in
 * the holes before it (counting the parent's child slot, freed with it), move
 * them there and free the last bucket.  O(chain length^2), chains are short. */
static void compactChain(hashtable *ht, int t, bucket *head) {
    while (bucketIsChained(head)) {
        bucket *parent = head, *last = bucketChild(head);
        while (bucketIsChained(last)) {
            parent = last;
            last = bucketChild(last);
        }
        int holes = 1;
        for (bucket *b = head; b != last; b = bucketChild(b))
            holes += __builtin_popcount(~b->meta & CHAINED_SLOTS);
        if (__builtin_popcount(bucketPresence(last)) > holes) return;
        bucket moved = *last;
        memFree(last);
        ht->childBuckets[t]--;
        parent->meta &= (uint8_t)~CHAINED_FLAG;
        parent->entries[CHILD_SLOT] = NULL;
        for (uint8_t p = bucketPresence(&moved); p; p &= (uint8_t)(p - 1)) {
            int i = __builtin_ctz(p);
            placeInHole(head, moved.entries[i], moved.fingerprints[i]);
        }
    }
}

static void deferCompaction(hashtable *ht, int t, size_t index) {
    deferredList *d = ht->deferred;
    if (!d || d->count == d->capacity) {
        uint32_t cap = d ? d->capacity * 2 : 8;
        if (cap > MAX_DEFERRED_COMPACTIONS) return; /* left for later deletes or the rehash */
        d = memRealloc(d, sizeof(*d) + cap * sizeof(size_t));
        if (!ht->deferred) d->count = 0;
        d->capacity = cap;
        ht->deferred = d;
    }
    d->items[d->count++] = index << 1 | (size_t)t;
}

static void runDeferredCompactions(hashtable *ht) {
    deferredList *d = ht->deferred;
    if (!d) return;
    ht->deferred = NULL;
    for (uint32_t i = 0; i < d->count; i++) {
        int t = (int)(d->items[i] & 1);
        size_t index = d->items[i] >> 1;
        if (ht->tables[t] && index < numBuckets(ht->exp[t])) compactChain(ht, t, &ht->tables[t][index]);
    }
    memFree(d);
}

/* Remove the entry at loc (no destructor) and tidy its chain. */
static void removeAt(hashtable *ht, const location *loc) {
    assert(loc->b->meta & (1u << loc->slot));
    loc->b->meta &= (uint8_t)~(1u << loc->slot);
    loc->b->entries[loc->slot] = NULL;
    ht->used[loc->table]--;
    bucket *head = &ht->tables[loc->table][loc->index];
    if (!bucketIsChained(head)) return;
    if (ht->pauseRehash > 0)
        deferCompaction(ht, loc->table, loc->index);
    else
        compactChain(ht, loc->table, head);
}

static void pauseRehashing(hashtable *ht) { ht->pauseRehash++; }

static void resumeRehashing(hashtable *ht) {
    assert(ht->pauseRehash > 0);
    if (--ht->pauseRehash == 0) runDeferredCompactions(ht);
}

/* --- Resizing and rehashing --- */

/* The fillFactor given to resizeAllowed: entries per entry slot of the
 * current table (1.0 = 100%, MAX_FILL_PERCENT_HARD is 5.0). */
static double fillFactor(const hashtable *ht) {
    size_t slots = numBuckets(ht->exp[0]) * ENTRIES_PER_BUCKET;
    return slots ? (double)hashtableSize(ht) / (double)slots : 0.0;
}

/* Allocate a table of 2^exp buckets: the first table directly, otherwise as
 * the target of a rehash.  checkAllowed consults the type's veto. */
static bool resizeTo(hashtable *ht, int exp, bool checkAllowed, bool mayFail) {
    assert(!isRehashing(ht) && exp >= 0 && exp <= MAX_BUCKET_EXP);
    size_t bytes = numBuckets(exp) * sizeof(bucket);
    if (checkAllowed && ht->type->resizeAllowed && !ht->type->resizeAllowed(bytes, fillFactor(ht))) return false;
    bucket *table = mayFail ? memTryCalloc(bytes) : memCalloc(bytes);
    if (!table) return false;
    if (!ht->tables[0]) {
        ht->tables[0] = table;
        ht->exp[0] = (int8_t)exp;
        return true;
    }
    ht->tables[1] = table;
    ht->exp[1] = (int8_t)exp;
    ht->rehashIndex = 0;
    if (ht->type->rehashingStarted) ht->type->rehashingStarted(ht);
    return true;
}

static void completeRehash(hashtable *ht) {
    assert(ht->used[0] == 0 && ht->childBuckets[0] == 0);
    memFree(ht->tables[0]);
    ht->tables[0] = ht->tables[1];
    ht->exp[0] = ht->exp[1];
    ht->used[0] = ht->used[1];
    ht->childBuckets[0] = ht->childBuckets[1];
    ht->tables[1] = NULL;
    ht->exp[1] = -1;
    ht->used[1] = 0;
    ht->childBuckets[1] = 0;
    ht->rehashIndex = 0;
    if (ht->type->rehashingCompleted) ht->type->rehashingCompleted(ht);
    if (ht->pendingExp > ht->exp[0]) {
        int exp = ht->pendingExp;
        ht->pendingExp = -1;
        resizeTo(ht, exp, true, false);
    }
    ht->pendingExp = -1;
}

/* Move the chain of bucket `index` of tables[0] into tables[1]. */
static void migrateChain(hashtable *ht, size_t index) {
    bucket *head = &ht->tables[0][index];
    bool growing = ht->exp[1] > ht->exp[0];
    size_t mask = tableMask(ht, 1);
    bucket *b = head;
    while (b) {
        for (uint8_t p = bucketPresence(b); p; p &= (uint8_t)(p - 1)) {
            int i = __builtin_ctz(p);
            void *entry = b->entries[i];
            size_t target = growing ? hashKey(ht, entryKey(ht, entry)) & mask : index & mask;
            location loc;
            findFreeSlot(ht, 1, target, &loc);
            storeAt(ht, &loc, entry, b->fingerprints[i]);
            ht->used[0]--;
        }
        bucket *child = bucketChild(b);
        if (b != head) {
            memFree(b);
            ht->childBuckets[0]--;
        }
        b = child;
    }
    memset(head, 0, sizeof(*head));
}

/* One unit of rehash work: one non-empty chain, or a few empty buckets. */
static void rehashStep(hashtable *ht) {
    size_t n = numBuckets(ht->exp[0]);
    int emptyVisits = REHASH_EMPTY_VISITS;
    while (ht->rehashIndex < n) {
        bool empty = bucketIsEmpty(&ht->tables[0][ht->rehashIndex]);
        if (!empty) migrateChain(ht, ht->rehashIndex);
        ht->rehashIndex++;
        if (!empty || --emptyVisits == 0) break;
    }
    if (ht->rehashIndex >= n) completeRehash(ht);
}

/* With resizing avoided, an operation only helps a rehash along when the old
 * table is beyond the hard limits. */
static bool rehashUrgent(const hashtable *ht) {
    size_t slots = numBuckets(ht->exp[0]) * ENTRIES_PER_BUCKET;
    size_t size = hashtableSize(ht);
    return size * 100 > slots * MAX_FILL_PERCENT_HARD || size * MIN_FILL_DIVISOR_HARD < slots;
}

/* The bounded rehash work every operation pays while a rehash is under way. */
static void rehashStepOnOperation(hashtable *ht) {
    if (!isRehashing(ht) || ht->pauseRehash > 0) return;
    if (!resizePolicy && !rehashUrgent(ht)) return;
    rehashStep(ht);
}

/* Called before inserting one entry. */
static void growIfNeeded(hashtable *ht) {
    if (isRehashing(ht)) return;
    if (!ht->tables[0]) {
        resizeTo(ht, 0, false, false);
        return;
    }
    size_t slots = numBuckets(ht->exp[0]) * ENTRIES_PER_BUCKET;
    size_t want = ht->used[0] + 1;
    unsigned limit = resizePolicy ? MAX_FILL_PERCENT_SOFT : MAX_FILL_PERCENT_HARD;
    if (want * 100 <= slots * limit) return;
    int exp = expForSize(want, MAX_FILL_PERCENT_SOFT);
    if (exp == EXP_OVERFLOW || exp <= ht->exp[0]) return;
    resizeTo(ht, exp, true, false);
}

/* Free an empty table outright; only when nothing can be looking into it. */
static bool freeEmptyTable(hashtable *ht) {
    if (isRehashing(ht) || !ht->tables[0] || ht->used[0] != 0 || ht->pauseRehash > 0) return false;
    if (ht->childBuckets[0] != 0) {
        if (ht->exp[0] != 0) return false; /* the shrink rehash frees them */
        compactChain(ht, 0, &ht->tables[0][0]);
    }
    memFree(ht->tables[0]);
    ht->tables[0] = NULL;
    ht->exp[0] = -1;
    return true;
}

static bool shrinkIfNeeded(hashtable *ht) {
    if (isRehashing(ht) || !ht->tables[0]) return false;
    if (freeEmptyTable(ht)) return true;
    size_t slots = numBuckets(ht->exp[0]) * ENTRIES_PER_BUCKET;
    size_t divisor = resizePolicy ? MIN_FILL_DIVISOR_SOFT : MIN_FILL_DIVISOR_HARD;
    if (ht->used[0] * divisor >= slots) return false;
    int exp = expForSize(ht->used[0], SHRINK_TARGET_PERCENT);
    if (exp < 0) exp = 0;
    if (exp >= ht->exp[0]) return false;
    return resizeTo(ht, exp, true, false);
}

/* --- Creation and whole-table operations --- */

hashtable *hashtableCreate(hashtableType *type) {
    assert(type && type->hashFunction);
    size_t metaSize = type->getMetadataSize ? type->getMetadataSize() : 0;
    hashtable *ht = memCalloc(sizeof(*ht) + metaSize);
    ht->type = type;
    ht->exp[0] = ht->exp[1] = -1;
    ht->pendingExp = -1;
    return ht;
}

/* Destroy every entry of table t and free its buckets. */
static void emptyTable(hashtable *ht, int t, void (*callback)(hashtable *)) {
    size_t n = numBuckets(ht->exp[t]);
    for (size_t i = 0; i < n; i++) {
        bucket *b = &ht->tables[t][i];
        while (b) {
            for (uint8_t p = bucketPresence(b); p; p &= (uint8_t)(p - 1)) {
                if (ht->type->entryDestructor) ht->type->entryDestructor(b->entries[__builtin_ctz(p)]);
            }
            bucket *child = bucketChild(b);
            if (b != &ht->tables[t][i]) memFree(b);
            b = child;
        }
        if (callback && (i % EMPTY_CALLBACK_INTERVAL) == EMPTY_CALLBACK_INTERVAL - 1) callback(ht);
    }
    memFree(ht->tables[t]);
    ht->tables[t] = NULL;
    ht->exp[t] = -1;
    ht->used[t] = 0;
    ht->childBuckets[t] = 0;
}

void hashtableEmpty(hashtable *ht, void (*callback)(hashtable *)) {
    bool wasRehashing = isRehashing(ht);
    for (int t = 0; t <= 1; t++) {
        if (ht->tables[t]) emptyTable(ht, t, callback);
    }
    ht->rehashIndex = 0;
    ht->pendingExp = -1;
    memFree(ht->deferred);
    ht->deferred = NULL;
    if (wasRehashing && ht->type->rehashingCompleted) ht->type->rehashingCompleted(ht);
}

void hashtableRelease(hashtable *ht) {
    if (!ht) return;
    hashtableEmpty(ht, NULL);
    memFree(ht);
}

hashtableType *hashtableGetType(hashtable *ht) { return ht->type; }
void *hashtableMetadata(hashtable *ht) { return ht->metadata; }
size_t hashtableSize(const hashtable *ht) { return ht->used[0] + ht->used[1]; }
/* Head buckets of both tables (each has 7 entry slots); child buckets are
 * not counted, hashtableMemUsage includes them. */
size_t hashtableBuckets(const hashtable *ht) { return numBuckets(ht->exp[0]) + numBuckets(ht->exp[1]); }
int hashtableIsRehashing(const hashtable *ht) { return isRehashing(ht); }
void hashtableSetResizePolicy(int allow) { resizePolicy = allow ? 1 : 0; }

size_t hashtableMemUsage(const hashtable *ht) {
    size_t metaSize = ht->type->getMetadataSize ? ht->type->getMetadataSize() : 0;
    size_t buckets = hashtableBuckets(ht) + ht->childBuckets[0] + ht->childBuckets[1];
    size_t deferred = ht->deferred ? sizeof(deferredList) + ht->deferred->capacity * sizeof(size_t) : 0;
    return sizeof(*ht) + metaSize + buckets * sizeof(bucket) + deferred;
}

static int expandTo(hashtable *ht, size_t size, bool mayFail) {
    int exp = expForSize(size, MAX_FILL_PERCENT_SOFT);
    if (exp == EXP_OVERFLOW) return 0;
    if (exp < 0) return 1;
    if (isRehashing(ht)) {
        if (exp <= ht->exp[1] || exp <= ht->pendingExp) return 1;
        if (ht->type->resizeAllowed &&
            !ht->type->resizeAllowed(numBuckets(exp) * sizeof(bucket), fillFactor(ht)))
            return 0;
        ht->pendingExp = (int8_t)exp; /* started when the current rehash ends */
        return 1;
    }
    if (ht->tables[0] && exp <= ht->exp[0]) return 1;
    return resizeTo(ht, exp, true, mayFail);
}

int hashtableExpand(hashtable *ht, size_t size) { return expandTo(ht, size, false); }

/* Fails (0) instead of aborting when the allocator cannot provide the
 * table, so a client-sized request is refused rather than fatal. */
int hashtableTryExpand(hashtable *ht, size_t size) { return expandTo(ht, size, true); }

int hashtableShrinkIfNeeded(hashtable *ht) { return shrinkIfNeeded(ht); }

/* Explicit work for the cron: runs whatever the resize policy (the caller
 * decides whether a fork child makes it unwelcome), in batches of
 * REHASH_BATCH steps between clock reads, so at least one batch runs. */
uint64_t hashtableRehashMicroseconds(hashtable *ht, uint64_t us) {
    if (ht->pauseRehash > 0 || !isRehashing(ht)) return 0;
    uint64_t start = monotonicUs(), elapsed = 0;
    while (isRehashing(ht)) {
        for (int i = 0; i < REHASH_BATCH && isRehashing(ht); i++) rehashStep(ht);
        elapsed = monotonicUs() - start;
        if (elapsed >= us) break;
    }
    return elapsed;
}

/* --- Lookup --- */

int hashtableFind(hashtable *ht, const void *key, void **found) {
    if (hashtableSize(ht) == 0) return 0;
    rehashStepOnOperation(ht);
    location loc;
    if (!findEntry(ht, key, hashKey(ht, key), &loc)) return 0;
    if (found) *found = loc.b->entries[loc.slot];
    return 1;
}

void **hashtableFindRef(hashtable *ht, const void *key) {
    if (hashtableSize(ht) == 0) return NULL;
    rehashStepOnOperation(ht);
    location loc;
    if (!findEntry(ht, key, hashKey(ht, key), &loc)) return NULL;
    return &loc.b->entries[loc.slot];
}

/* --- Insert --- */

int hashtableFindPositionForInsert(hashtable *ht, void *key, hashtablePosition *position, void **existing) {
    uint64_t hash = hashKey(ht, key);
    location loc;
    rehashStepOnOperation(ht);
    if (hashtableSize(ht) > 0 && findEntry(ht, key, hash, &loc)) {
        if (existing) *existing = loc.b->entries[loc.slot];
        return 0;
    }
    growIfNeeded(ht);
    int t = isRehashing(ht) ? 1 : 0;
    findFreeSlot(ht, t, hash & tableMask(ht, t), &loc);
    positionState *pos = (positionState *)position;
    *pos = (positionState){.b = loc.b, .index = loc.index, .slot = (uint8_t)loc.slot,
                           .table = (uint8_t)t, .fingerprint = fingerprintOf(hash)};
    return 1;
}

void hashtableInsertAtPosition(hashtable *ht, void *entry, hashtablePosition *position) {
    positionState *pos = (positionState *)position;
    location loc = {.b = pos->b, .index = pos->index, .slot = pos->slot, .table = pos->table};
    storeAt(ht, &loc, entry, pos->fingerprint);
}

int hashtableAddOrFind(hashtable *ht, void *entry, void **existing) {
    hashtablePosition pos;
    if (!hashtableFindPositionForInsert(ht, (void *)entryKey(ht, entry), &pos, existing)) return 0;
    hashtableInsertAtPosition(ht, entry, &pos);
    return 1;
}

int hashtableAdd(hashtable *ht, void *entry) { return hashtableAddOrFind(ht, entry, NULL); }

/* --- Delete --- */

int hashtablePop(hashtable *ht, const void *key, void **popped) {
    if (hashtableSize(ht) == 0) return 0;
    rehashStepOnOperation(ht);
    location loc;
    if (!findEntry(ht, key, hashKey(ht, key), &loc)) return 0;
    void *entry = loc.b->entries[loc.slot];
    removeAt(ht, &loc);
    shrinkIfNeeded(ht);
    if (popped) *popped = entry;
    return 1;
}

int hashtableDelete(hashtable *ht, const void *key) {
    void *entry;
    if (!hashtablePop(ht, key, &entry)) return 0;
    if (ht->type->entryDestructor) ht->type->entryDestructor(entry);
    return 1;
}

/* Rehashing stays paused between the two phases, so the entry stays put even
 * if the caller uses the table in between; the one thing that can move it is
 * an insert turning its bucket into a chained one (slot 6 -> child slot 0),
 * which the delete phase detects by checking the pointer. */
int hashtableTwoPhasePopFindRef(hashtable *ht, const void *key, void ***ref, hashtablePosition *position) {
    if (hashtableSize(ht) == 0) return 0;
    rehashStepOnOperation(ht);
    location loc;
    if (!findEntry(ht, key, hashKey(ht, key), &loc)) return 0;
    positionState *pos = (positionState *)position;
    *pos = (positionState){.b = loc.b, .index = loc.index, .entry = loc.b->entries[loc.slot],
                           .slot = (uint8_t)loc.slot, .table = (uint8_t)loc.table};
    *ref = &loc.b->entries[loc.slot];
    pauseRehashing(ht);
    return 1;
}

/* Locate an entry pointer in one chain. */
static bool findPointerInChain(bucket *head, const void *entry, location *loc) {
    for (bucket *b = head; b; b = bucketChild(b)) {
        for (uint8_t p = bucketPresence(b); p; p &= (uint8_t)(p - 1)) {
            int i = __builtin_ctz(p);
            if (b->entries[i] != entry) continue;
            loc->b = b;
            loc->slot = i;
            return true;
        }
    }
    return false;
}

void hashtableTwoPhasePopDelete(hashtable *ht, hashtablePosition *position) {
    positionState *pos = (positionState *)position;
    location loc = {.b = pos->b, .index = pos->index, .slot = pos->slot, .table = pos->table};
    bool inPlace = (loc.b->meta & (1u << loc.slot)) && loc.b->entries[loc.slot] == pos->entry;
    if (!inPlace) {
        bool found = findPointerInChain(&ht->tables[loc.table][loc.index], pos->entry, &loc);
        assert(found);
        (void)found;
    }
    removeAt(ht, &loc);
    resumeRehashing(ht);
    shrinkIfNeeded(ht);
}

int hashtableReplaceReallocatedEntry(hashtable *ht, const void *oldEntry, void *newEntry) {
    uint64_t hash = hashKey(ht, entryKey(ht, newEntry));
    uint8_t fp = fingerprintOf(hash);
    for (int t = 0; t <= 1; t++) {
        if (!ht->tables[t]) continue;
        size_t index = hash & tableMask(ht, t);
        if (index < firstLiveBucket(ht, t)) continue;
        for (bucket *b = &ht->tables[t][index]; b; b = bucketChild(b)) {
            for (uint8_t p = bucketPresence(b); p; p &= (uint8_t)(p - 1)) {
                int i = __builtin_ctz(p);
                if (b->fingerprints[i] != fp || b->entries[i] != oldEntry) continue;
                b->entries[i] = newEntry;
                return 1;
            }
        }
    }
    return 0;
}

/* --- Scan --- */

static uint64_t reverseBits(uint64_t v) {
    v = __builtin_bswap64(v);
    v = ((v >> 4) & 0x0f0f0f0f0f0f0f0fULL) | ((v & 0x0f0f0f0f0f0f0f0fULL) << 4);
    v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
    v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
    return v;
}

/* Increment the bits of cursor covered by mask, most significant first. */
static size_t nextCursor(size_t cursor, size_t mask) {
    cursor |= ~mask;
    return reverseBits(reverseBits(cursor) + 1);
}

/* Presence is read afresh for every slot: the callback may delete entries. */
static void scanChain(hashtable *ht, int t, size_t index, hashtableScanFunction fn, void *privdata) {
    for (bucket *b = &ht->tables[t][index]; b; b = bucketChild(b)) {
        for (int i = 0; i < ENTRIES_PER_BUCKET; i++) {
            if (bucketPresence(b) & (1u << i)) fn(privdata, b->entries[i]);
        }
    }
}

size_t hashtableScan(hashtable *ht, size_t cursor, hashtableScanFunction fn, void *privdata) {
    if (hashtableSize(ht) == 0) return 0;
    rehashStepOnOperation(ht);
    pauseRehashing(ht); /* tables stay where they are during the callbacks */
    if (!isRehashing(ht)) {
        size_t mask = tableMask(ht, 0);
        scanChain(ht, 0, cursor & mask, fn, privdata);
        cursor = nextCursor(cursor, mask);
    } else {
        int small = ht->exp[0] <= ht->exp[1] ? 0 : 1, big = 1 - small;
        size_t smallMask = tableMask(ht, small), bigMask = tableMask(ht, big);
        scanChain(ht, small, cursor & smallMask, fn, privdata);
        do {
            scanChain(ht, big, cursor & bigMask, fn, privdata);
            cursor = nextCursor(cursor, bigMask);
        } while (cursor & (smallMask ^ bigMask));
    }
    resumeRehashing(ht);
    return cursor;
}

/* --- Iteration --- */

static uint64_t shapeFingerprint(const hashtable *ht) {
    uint64_t parts[] = {(uintptr_t)ht->tables[0], (uintptr_t)ht->tables[1], (uint64_t)ht->exp[0],
                        (uint64_t)ht->exp[1], ht->used[0], ht->used[1], ht->rehashIndex,
                        ht->childBuckets[0] + ht->childBuckets[1]};
    uint64_t h = 0;
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        h = (h ^ parts[i]) * 0x100000001b3ULL;
        h ^= h >> 29;
    }
    return h;
}

void hashtableInitIterator(hashtableIterator *iter, hashtable *ht, int flags) {
    iteratorState *it = (iteratorState *)iter;
    *it = (iteratorState){.ht = ht, .flags = (uint8_t)flags};
}

void hashtableResetIterator(hashtableIterator *iter) {
    iteratorState *it = (iteratorState *)iter;
    if (it->started) {
        if (it->flags & HASHTABLE_ITER_SAFE)
            resumeRehashing(it->ht);
        else
            assert(it->fingerprint == shapeFingerprint(it->ht) && "table changed during unsafe iteration");
    }
    hashtableInitIterator(iter, it->ht, it->flags);
}

/* Advance to the next head bucket; false at the end of both tables. */
static bool iteratorNextChain(iteratorState *it) {
    hashtable *ht = it->ht;
    for (;;) {
        if (ht->tables[it->table] && it->index < numBuckets(ht->exp[it->table])) {
            it->b = &ht->tables[it->table][it->index];
            it->slot = 0;
            it->passedLast = 0;
            return true;
        }
        if (it->table == 1 || !isRehashing(ht)) return false;
        it->table = 1;
        it->index = 0;
    }
}

int hashtableNext(hashtableIterator *iter, void **entry) {
    iteratorState *it = (iteratorState *)iter;
    if (!it->started) {
        it->started = 1;
        if (it->flags & HASHTABLE_ITER_SAFE)
            pauseRehashing(it->ht);
        else
            it->fingerprint = shapeFingerprint(it->ht);
        it->table = 0;
        it->index = firstLiveBucket(it->ht, 0);
        if (!iteratorNextChain(it)) return 0;
    }
    while (it->b) {
        bucket *b = it->b;
        while (it->slot < ENTRIES_PER_BUCKET) {
            int i = it->slot++;
            if (i == CHILD_SLOT) {
                if (bucketIsChained(b)) break;
                it->passedLast = 1;
            }
            if (bucketPresence(b) & (1u << i)) {
                *entry = b->entries[i];
                return 1;
            }
        }
        if (bucketIsChained(b)) {
            /* If slot 6 was already passed as an entry slot, an insert has
             * since moved that entry to the new child's slot 0: skip it. */
            it->slot = it->passedLast ? 1 : 0;
            it->passedLast = 0;
            it->b = bucketChild(b);
            continue;
        }
        it->index++;
        if (!iteratorNextChain(it)) it->b = NULL;
    }
    return 0;
}

/* --- Random --- */

/* A random head bucket among the live ones, choosing the table in
 * proportion to its entries.  Requires a non-empty table. */
static bucket *randomChain(hashtable *ht) {
    int t = 0;
    if (isRehashing(ht)) t = rngBelow(hashtableSize(ht)) < ht->used[0] ? 0 : 1;
    size_t first = firstLiveBucket(ht, t), n = numBuckets(ht->exp[t]);
    return &ht->tables[t][first + rngBelow(n - first)];
}

static unsigned chainCount(const bucket *head) {
    unsigned n = 0;
    for (const bucket *b = head; b; b = bucketChild(b)) n += (unsigned)__builtin_popcount(bucketPresence(b));
    return n;
}

static void *chainNth(const bucket *head, unsigned n) {
    for (const bucket *b = head; b; b = bucketChild(b)) {
        for (uint8_t p = bucketPresence(b); p; p &= (uint8_t)(p - 1)) {
            if (n-- == 0) return b->entries[__builtin_ctz(p)];
        }
    }
    assert(!"chain shorter than counted");
    return NULL;
}

/* Expected tries are buckets / non-empty buckets, small at any fill the
 * resize policy allows; each try also advances a pending rehash, so even a
 * sparse table being shrunk is soon replaced by a dense one. */
int hashtableRandomEntry(hashtable *ht, void **found) {
    if (hashtableSize(ht) == 0) return 0;
    for (;;) {
        rehashStepOnOperation(ht);
        bucket *head = randomChain(ht);
        unsigned n = chainCount(head);
        if (n == 0) continue;
        *found = chainNth(head, (unsigned)rngBelow(n));
        return 1;
    }
}

/* Reservoir-pick one entry among those of several random chains: an entry's
 * chance depends on its chain length only through the total collected. */
int hashtableFairRandomEntry(hashtable *ht, void **found) {
    if (hashtableSize(ht) == 0) return 0;
    rehashStepOnOperation(ht);
    void *chosen = NULL;
    size_t seen = 0;
    for (int s = 0; s < FAIR_SAMPLE_BUCKETS; s++) {
        for (const bucket *b = randomChain(ht); b; b = bucketChild(b)) {
            for (uint8_t p = bucketPresence(b); p; p &= (uint8_t)(p - 1)) {
                if (rngBelow(++seen) == 0) chosen = b->entries[__builtin_ctz(p)];
            }
        }
    }
    if (!seen) return hashtableRandomEntry(ht, found);
    *found = chosen;
    return 1;
}

static unsigned collectChain(const bucket *head, void **dst, unsigned got, unsigned count) {
    for (const bucket *b = head; b && got < count; b = bucketChild(b)) {
        for (uint8_t p = bucketPresence(b); p && got < count; p &= (uint8_t)(p - 1))
            dst[got++] = b->entries[__builtin_ctz(p)];
    }
    return got;
}

/* Walks consecutive buckets (both tables) from a random one.  Stops after
 * count*10 buckets once something was found, and after one lap in any case. */
unsigned hashtableSampleEntries(hashtable *ht, void **dst, unsigned count) {
    if (hashtableSize(ht) == 0 || count == 0) return 0;
    rehashStepOnOperation(ht);
    size_t n0 = numBuckets(ht->exp[0]), n1 = numBuckets(ht->exp[1]);
    size_t n = n0 > n1 ? n0 : n1, maxSteps = (size_t)count * 10;
    size_t index = rngBelow(n);
    unsigned got = 0;
    for (size_t step = 0; step < n && got < count && (step < maxSteps || got == 0); step++) {
        for (int t = 0; t <= 1; t++) {
            if (ht->tables[t] && index < numBuckets(ht->exp[t]) && index >= firstLiveBucket(ht, t))
                got = collectChain(&ht->tables[t][index], dst, got, count);
        }
        index = (index + 1) & (n - 1);
    }
    return got;
}

/* --- Statistics --- */

#define STATS_MAX_CHAIN 16

static size_t appendf(char *buf, size_t size, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static size_t appendf(char *buf, size_t size, size_t len, const char *fmt, ...) {
    if (len + 1 >= size) return len;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + len, size - len, fmt, ap);
    va_end(ap);
    if (n < 0) return len;
    return len + (size_t)n < size ? len + (size_t)n : size - 1;
}

/* Chain length histogram: walks every bucket, O(buckets), DEBUG only. */
static size_t tableChainStats(const hashtable *ht, int t, char *buf, size_t size, size_t len) {
    size_t histogram[STATS_MAX_CHAIN + 1] = {0}, empty = 0, maxChain = 0;
    size_t n = numBuckets(ht->exp[t]);
    for (size_t i = 0; i < n; i++) {
        const bucket *head = &ht->tables[t][i];
        if (bucketIsEmpty(head)) {
            empty++;
            continue;
        }
        size_t chain = 0;
        for (const bucket *b = head; b; b = bucketChild(b)) chain++;
        if (chain > maxChain) maxChain = chain;
        histogram[chain < STATS_MAX_CHAIN ? chain : STATS_MAX_CHAIN]++;
    }
    len = appendf(buf, size, len, " empty buckets: %zu\n max chain length: %zu\n", empty, maxChain);
    len = appendf(buf, size, len, " chain length distribution (buckets per chain):\n");
    for (int c = 1; c <= STATS_MAX_CHAIN; c++) {
        if (!histogram[c]) continue;
        len = appendf(buf, size, len, "   %s%d: %zu (%.02f%%)\n", c == STATS_MAX_CHAIN ? ">=" : "", c,
                      histogram[c], 100.0 * (double)histogram[c] / (double)n);
    }
    return len;
}

static size_t tableStats(const hashtable *ht, int t, char *buf, size_t size, size_t len, int full) {
    size_t n = numBuckets(ht->exp[t]);
    len = appendf(buf, size, len, "Hash table %d stats (%s):\n", t, t == 0 ? "main hash table" : "rehashing target");
    len = appendf(buf, size, len, " table size: %zu\n number of entries: %zu\n", n * ENTRIES_PER_BUCKET, ht->used[t]);
    len = appendf(buf, size, len, " buckets: %zu\n child buckets: %zu\n", n, ht->childBuckets[t]);
    if (n) len = appendf(buf, size, len, " fill: %.02f%%\n", 100.0 * (double)ht->used[t] / (double)(n * ENTRIES_PER_BUCKET));
    if (t == 0 && isRehashing(ht)) len = appendf(buf, size, len, " rehashing index: %zu\n", ht->rehashIndex);
    if (full && n) len = tableChainStats(ht, t, buf, size, len);
    return len;
}

size_t hashtableGetStats(hashtable *ht, char *buf, size_t bufsize, int full) {
    if (bufsize == 0) return 0;
    buf[0] = '\0';
    size_t len = tableStats(ht, 0, buf, bufsize, 0, full);
    if (isRehashing(ht)) len = tableStats(ht, 1, buf, bufsize, len, full);
    return len;
}
