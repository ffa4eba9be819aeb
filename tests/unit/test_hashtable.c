/* test_hashtable.c — unit tests for node/store/hashtable.c.
 *
 * Two entry kinds are used:
 *  - "int" entries: the pointer value itself encodes an integer key
 *    ((k + 1) * 8, never dereferenced), entry == key, pointer equality.  No
 *    allocation per entry, so the 1M-entry tests stay fast.
 *  - "obj" entries: allocated {key, version} records with a key getter,
 *    comparator and destructor, for the model-based test where replacing and
 *    reallocating entries matters.
 * Hash functions can be degraded (few distinct values, or one) to force long
 * bucket chains.  Everything is seeded and bounded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "node/base/mem.h"
#include "node/store/hashtable.h"

/* --- Test helpers --- */

static uint64_t mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t testRngState;
static void testSeed(uint64_t s) { testRngState = s; }
static uint64_t testRand(void) { return mix64(testRngState += 0x9e3779b97f4a7c15ULL); }
static size_t testBelow(size_t n) { return (size_t)(testRand() % n); }

/* How keys are hashed: 0 good, otherwise only `hashDistinct` distinct hashes. */
static uint64_t hashDistinct;

static uint64_t hashOfKey(uint64_t k) { return hashDistinct ? mix64(k % hashDistinct) : mix64(k); }

/* int entries */
static void *intEntry(uint64_t k) { return (void *)(uintptr_t)((k + 1) * 8); }
static uint64_t intKey(const void *e) { return (uint64_t)((uintptr_t)e / 8) - 1; }
static uint64_t intHash(const void *key) { return hashOfKey(intKey(key)); }

static hashtableType intType = {.hashFunction = intHash};

/* obj entries */
typedef struct objEntry {
    uint64_t key;
    uint64_t version;
} objEntry;

static size_t objDestroyed;

static const void *objGetKey(const void *e) { return &((const objEntry *)e)->key; }
static uint64_t objHash(const void *key) { return hashOfKey(*(const uint64_t *)key); }
static int objCompare(const void *a, const void *b) {
    return *(const uint64_t *)a == *(const uint64_t *)b ? 0 : 1;
}
static void objFree(void *e) {
    objDestroyed++;
    memFree(e);
}
static objEntry *objNew(uint64_t key, uint64_t version) {
    objEntry *e = memAlloc(sizeof(*e));
    e->key = key;
    e->version = version;
    return e;
}

static hashtableType objType = {
    .entryGetKey = objGetKey, .hashFunction = objHash, .keyCompare = objCompare, .entryDestructor = objFree};

static void finishRehash(hashtable *ht) {
    while (hashtableIsRehashing(ht)) hashtableRehashMicroseconds(ht, 100000);
}

static int setup(void **state) {
    (void)state;
    hashDistinct = 0;
    objDestroyed = 0;
    hashtableSetResizePolicy(1);
    /* HASHTABLE_TEST_SEED reruns the randomized tests with another seed */
    const char *seed = getenv("HASHTABLE_TEST_SEED");
    testSeed(seed ? strtoull(seed, NULL, 10) : 12345);
    return 0;
}

/* --- Basic operations --- */

static void test_basic_operations(void **state) {
    (void)state;
    hashtable *ht = hashtableCreate(&objType);
    void *found;
    assert_int_equal(hashtableSize(ht), 0);
    assert_int_equal(hashtableFind(ht, &(uint64_t){1}, &found), 0);
    assert_int_equal(hashtableDelete(ht, &(uint64_t){1}), 0);
    assert_int_equal(hashtableRandomEntry(ht, &found), 0);
    assert_int_equal(hashtableScan(ht, 0, NULL, NULL), 0);

    for (uint64_t k = 0; k < 100; k++) assert_int_equal(hashtableAdd(ht, objNew(k, 0)), 1);
    assert_int_equal(hashtableSize(ht), 100);

    objEntry *dup = objNew(5, 1);
    void *existing = NULL;
    assert_int_equal(hashtableAddOrFind(ht, dup, &existing), 0);
    assert_non_null(existing);
    assert_int_equal(((objEntry *)existing)->version, 0);
    assert_int_equal(hashtableAdd(ht, dup), 0);
    memFree(dup);

    for (uint64_t k = 0; k < 100; k++) {
        assert_int_equal(hashtableFind(ht, &k, &found), 1);
        assert_int_equal(((objEntry *)found)->key, k);
    }
    uint64_t absent = 1000;
    assert_int_equal(hashtableFind(ht, &absent, &found), 0);
    assert_null(hashtableFindRef(ht, &absent));

    uint64_t k7 = 7;
    void **ref = hashtableFindRef(ht, &k7);
    assert_non_null(ref);
    assert_int_equal(((objEntry *)*ref)->key, 7);

    assert_int_equal(hashtableDelete(ht, &k7), 1);
    assert_int_equal(objDestroyed, 1);
    assert_int_equal(hashtableDelete(ht, &k7), 0);
    uint64_t k8 = 8;
    void *popped = NULL;
    assert_int_equal(hashtablePop(ht, &k8, &popped), 1);
    assert_int_equal(objDestroyed, 1);
    assert_int_equal(((objEntry *)popped)->key, 8);
    memFree(popped);
    assert_int_equal(hashtableSize(ht), 98);
    assert_ptr_equal(hashtableGetType(ht), &objType);

    hashtableRelease(ht);
    assert_int_equal(objDestroyed, 99);
}

static int emptyCallbacks;
static void countEmptyCallback(hashtable *ht) {
    (void)ht;
    emptyCallbacks++;
}

static size_t metaSize(void) { return 24; }

static void test_empty_and_metadata(void **state) {
    (void)state;
    hashtableType type = objType;
    type.getMetadataSize = metaSize;
    hashtable *ht = hashtableCreate(&type);
    unsigned char *meta = hashtableMetadata(ht);
    for (int i = 0; i < 24; i++) assert_int_equal(meta[i], 0);
    memset(meta, 0xab, 24);
    for (uint64_t k = 0; k < 1000000 / 1000; k++) hashtableAdd(ht, objNew(k, 0));
    hashtableEmpty(ht, countEmptyCallback);
    assert_int_equal(hashtableSize(ht), 0);
    assert_int_equal(hashtableBuckets(ht), 0);
    assert_int_equal(objDestroyed, 1000);
    assert_int_equal(((unsigned char *)hashtableMetadata(ht))[23], 0xab);
    /* usable again after Empty */
    assert_int_equal(hashtableAdd(ht, objNew(1, 0)), 1);
    assert_int_equal(hashtableSize(ht), 1);
    hashtableRelease(ht);

    /* Empty over a big table calls the callback periodically */
    ht = hashtableCreate(&intType);
    assert_int_equal(hashtableExpand(ht, 7 * 200000), 1);
    emptyCallbacks = 0;
    hashtableAdd(ht, intEntry(1));
    hashtableEmpty(ht, countEmptyCallback);
    assert_true(emptyCallbacks >= 3);
    hashtableRelease(ht);
}

/* --- Model-based randomized test --- */

#define MODEL_KEYS 3000

typedef struct model {
    objEntry *entries[MODEL_KEYS];
    size_t count;
} model;

static void modelCheck(hashtable *ht, model *m, int safe) {
    assert_int_equal(hashtableSize(ht), m->count);
    static unsigned char seen[MODEL_KEYS];
    memset(seen, 0, sizeof(seen));
    hashtableIterator it;
    hashtableInitIterator(&it, ht, safe ? HASHTABLE_ITER_SAFE : 0);
    void *e;
    size_t n = 0;
    while (hashtableNext(&it, &e)) {
        objEntry *o = e;
        assert_true(o->key < MODEL_KEYS);
        assert_ptr_equal(m->entries[o->key], o);
        assert_int_equal(seen[o->key], 0);
        seen[o->key] = 1;
        n++;
    }
    hashtableResetIterator(&it);
    assert_int_equal(n, m->count);
    for (uint64_t k = 0; k < MODEL_KEYS; k++) {
        void *found = NULL;
        int r = hashtableFind(ht, &k, &found);
        assert_int_equal(r, m->entries[k] != NULL);
        if (r) assert_ptr_equal(found, m->entries[k]);
    }
}

static void modelAdd(hashtable *ht, model *m, uint64_t k, int twoPhase) {
    objEntry *e = objNew(k, testRand());
    void *existing = NULL;
    int added;
    if (twoPhase) {
        hashtablePosition pos;
        added = hashtableFindPositionForInsert(ht, &k, &pos, &existing);
        if (added) hashtableInsertAtPosition(ht, e, &pos);
    } else {
        added = hashtableAddOrFind(ht, e, &existing);
    }
    if (m->entries[k]) {
        assert_int_equal(added, 0);
        assert_ptr_equal(existing, m->entries[k]);
        memFree(e);
    } else {
        assert_int_equal(added, 1);
        m->entries[k] = e;
        m->count++;
    }
}

static void modelRemove(hashtable *ht, model *m, uint64_t k, int how) {
    objEntry *e = m->entries[k];
    int r;
    if (how == 0) {
        size_t before = objDestroyed;
        r = hashtableDelete(ht, &k);
        assert_int_equal(objDestroyed - before, (size_t)r);
    } else if (how == 1) {
        void *popped = NULL;
        r = hashtablePop(ht, &k, &popped);
        if (r) {
            assert_ptr_equal(popped, e);
            memFree(popped);
        }
    } else {
        void **ref = NULL;
        hashtablePosition pos;
        r = hashtableTwoPhasePopFindRef(ht, &k, &ref, &pos);
        if (r) {
            assert_ptr_equal(*ref, e);
            hashtableTwoPhasePopDelete(ht, &pos);
            memFree(e);
        }
    }
    assert_int_equal(r, e != NULL);
    if (r) {
        m->entries[k] = NULL;
        m->count--;
    }
}

/* Swap an entry for a reallocated copy, through FindRef or through
 * ReplaceReallocatedEntry. */
static void modelRealloc(hashtable *ht, model *m, uint64_t k, int viaRef) {
    objEntry *old = m->entries[k];
    if (viaRef) {
        void **ref = hashtableFindRef(ht, &k);
        assert_int_equal(ref != NULL, old != NULL);
        if (!ref) return;
        assert_ptr_equal(*ref, old);
        objEntry *copy = objNew(k, old->version + 1);
        *ref = copy;
        m->entries[k] = copy;
    } else {
        objEntry *copy = objNew(k, old ? old->version + 1 : 0);
        int r = hashtableReplaceReallocatedEntry(ht, old ? (void *)old : (void *)copy, copy);
        assert_int_equal(r, old != NULL);
        if (!r) {
            memFree(copy);
            return;
        }
        m->entries[k] = copy;
    }
    memFree(old);
}

static void modelRandomChecks(hashtable *ht, model *m) {
    void *e;
    if (m->count == 0) {
        assert_int_equal(hashtableRandomEntry(ht, &e), 0);
        assert_int_equal(hashtableFairRandomEntry(ht, &e), 0);
        return;
    }
    assert_int_equal(hashtableRandomEntry(ht, &e), 1);
    assert_ptr_equal(m->entries[((objEntry *)e)->key], e);
    assert_int_equal(hashtableFairRandomEntry(ht, &e), 1);
    assert_ptr_equal(m->entries[((objEntry *)e)->key], e);
    void *sample[8];
    unsigned n = hashtableSampleEntries(ht, sample, 8);
    assert_true(n >= 1 && n <= 8);
    for (unsigned i = 0; i < n; i++) {
        assert_ptr_equal(m->entries[((objEntry *)sample[i])->key], sample[i]);
        for (unsigned j = 0; j < i; j++) assert_ptr_not_equal(sample[i], sample[j]);
    }
}

/* One random operation, biased to move the size towards target. */
static void modelStep(hashtable *ht, model *m, size_t target) {
    uint64_t k = testBelow(MODEL_KEYS);
    unsigned op = (unsigned)testBelow(100);
    int grow = m->count < target;
    if (op < 40) {
        if (grow || op < 10) modelAdd(ht, m, k, op & 1);
        else modelRemove(ht, m, k, (int)(op % 3));
    } else if (op < 70) {
        if (!grow || op < 45) modelRemove(ht, m, k, (int)(op % 3));
        else modelAdd(ht, m, k, op & 1);
    } else if (op < 80) {
        void *found = NULL;
        int r = hashtableFind(ht, &k, &found);
        assert_int_equal(r, m->entries[k] != NULL);
        if (r) assert_ptr_equal(found, m->entries[k]);
    } else if (op < 90) {
        modelRealloc(ht, m, k, op & 1);
    } else if (op < 93) {
        modelRandomChecks(ht, m);
    } else if (op < 95) {
        hashtableRehashMicroseconds(ht, 2);
    } else if (op < 96) {
        hashtableShrinkIfNeeded(ht);
    }
}

static void runModel(size_t phases, size_t stepsPerPhase) {
    hashtable *ht = hashtableCreate(&objType);
    model *m = calloc(1, sizeof(*m));
    size_t resizes = 0, lastBuckets = 0;
    for (size_t phase = 0; phase < phases; phase++) {
        size_t target = (phase % 2 == 0) ? MODEL_KEYS * 9 / 10 : (phase % 4 == 1 ? 0 : MODEL_KEYS / 20);
        hashtableSetResizePolicy(phase % 5 != 3);
        for (size_t s = 0; s < stepsPerPhase; s++) {
            modelStep(ht, m, target);
            if (hashtableBuckets(ht) != lastBuckets) {
                resizes++;
                lastBuckets = hashtableBuckets(ht);
            }
        }
        modelCheck(ht, m, phase & 1);
    }
    hashtableSetResizePolicy(1);
    assert_true(resizes >= phases);
    size_t before = objDestroyed;
    hashtableRelease(ht);
    assert_int_equal(objDestroyed - before, m->count);
    free(m);
}

static void test_model_good_hash(void **state) {
    (void)state;
    runModel(12, 6000);
}

static void test_model_colliding_hash(void **state) {
    (void)state;
    hashDistinct = 97; /* ~30 entries per hash value: long chains */
    runModel(8, 3000);
}

static void test_model_single_hash(void **state) {
    (void)state;
    hashDistinct = 1; /* every key in one chain */
    hashtable *ht = hashtableCreate(&objType);
    model *m = calloc(1, sizeof(*m));
    for (int round = 0; round < 4; round++) {
        for (size_t s = 0; s < 600; s++) modelStep(ht, m, round % 2 ? 10 : 150);
        modelCheck(ht, m, round & 1);
    }
    hashtableRelease(ht);
    free(m);
}

/* --- Scan --- */

#define SCAN_ORIGINALS 600
#define SCAN_EXTRAS 5000

typedef struct scanCtx {
    unsigned char seen[SCAN_ORIGINALS];
    hashtable *ht;
    int deleteSeen;
} scanCtx;

static void scanRecord(void *privdata, void *entry) {
    scanCtx *ctx = privdata;
    uint64_t k = intKey(entry);
    if (k < SCAN_ORIGINALS) ctx->seen[k] = 1;
    if (ctx->deleteSeen) assert_int_equal(hashtableDelete(ctx->ht, entry), 1);
}

enum { SCAN_ACTIVE, SCAN_PAUSED, SCAN_AVOID };

/* Every original present for the whole scan is returned although the table
 * grows 8x and shrinks back several times between calls. */
static void runScanGuarantee(int mode) {
    hashtable *ht = hashtableCreate(&intType);
    for (uint64_t k = 0; k < SCAN_ORIGINALS; k++) assert_int_equal(hashtableAdd(ht, intEntry(k)), 1);
    hashtableIterator holder;
    if (mode == SCAN_PAUSED) {
        void *e;
        hashtableInitIterator(&holder, ht, HASHTABLE_ITER_SAFE);
        assert_int_equal(hashtableNext(&holder, &e), 1); /* pauses rehashing */
    }
    if (mode == SCAN_AVOID) hashtableSetResizePolicy(0);
    scanCtx *ctx = calloc(1, sizeof(*ctx));
    size_t cursor = 0, calls = 0, minBuckets = SIZE_MAX, maxBuckets = 0, extras = 0;
    do {
        cursor = hashtableScan(ht, cursor, scanRecord, ctx);
        calls++;
        if (calls % 16 == 3) {
            for (uint64_t k = SCAN_ORIGINALS; k < SCAN_ORIGINALS + SCAN_EXTRAS; k++) extras += hashtableAdd(ht, intEntry(k));
        } else if (calls % 16 == 11) {
            for (uint64_t k = SCAN_ORIGINALS; k < SCAN_ORIGINALS + SCAN_EXTRAS; k++) extras -= hashtableDelete(ht, intEntry(k));
            hashtableShrinkIfNeeded(ht);
        } else if (calls % 5 == 0) {
            hashtableRehashMicroseconds(ht, 1);
        }
        size_t b = hashtableBuckets(ht);
        if (b < minBuckets) minBuckets = b;
        if (b > maxBuckets) maxBuckets = b;
        assert_int_equal(hashtableSize(ht), SCAN_ORIGINALS + extras);
    } while (cursor != 0 && calls < 1000000);
    assert_int_equal(cursor, 0);
    for (int k = 0; k < SCAN_ORIGINALS; k++) assert_int_equal(ctx->seen[k], 1);
    if (mode == SCAN_ACTIVE) assert_true(maxBuckets >= 4 * minBuckets);
    if (mode == SCAN_PAUSED) hashtableResetIterator(&holder);
    hashtableSetResizePolicy(1);
    free(ctx);
    hashtableRelease(ht);
}

static void test_scan_guarantee_active(void **state) {
    (void)state;
    runScanGuarantee(SCAN_ACTIVE);
}

static void test_scan_guarantee_paused(void **state) {
    (void)state;
    runScanGuarantee(SCAN_PAUSED);
}

static void test_scan_guarantee_avoid_resize(void **state) {
    (void)state;
    runScanGuarantee(SCAN_AVOID);
}

static void test_scan_guarantee_colliding(void **state) {
    (void)state;
    hashDistinct = 31;
    runScanGuarantee(SCAN_ACTIVE);
}

/* The callback deletes every entry it is given: all are seen, none remain. */
static void test_scan_delete_in_callback(void **state) {
    (void)state;
    hashtable *ht = hashtableCreate(&intType);
    for (uint64_t k = 0; k < SCAN_ORIGINALS; k++) hashtableAdd(ht, intEntry(k));
    scanCtx *ctx = calloc(1, sizeof(*ctx));
    ctx->ht = ht;
    ctx->deleteSeen = 1;
    size_t cursor = 0;
    do cursor = hashtableScan(ht, cursor, scanRecord, ctx);
    while (cursor != 0);
    for (int k = 0; k < SCAN_ORIGINALS; k++) assert_int_equal(ctx->seen[k], 1);
    assert_int_equal(hashtableSize(ht), 0);
    free(ctx);
    hashtableRelease(ht);
}

/* --- Iterators --- */

#define ITER_KEYS 1400

/* Safe iteration deleting the current entry, and sometimes a later one: every
 * entry not deleted before its turn comes back exactly once. */
static void runSafeIteratorDeletes(int startRehashing) {
    hashtable *ht = hashtableCreate(&intType);
    for (uint64_t k = 0; k < ITER_KEYS; k++) hashtableAdd(ht, intEntry(k));
    if (startRehashing) {
        assert_int_equal(hashtableExpand(ht, ITER_KEYS * 4), 1);
        assert_true(hashtableIsRehashing(ht));
    } else {
        finishRehash(ht);
    }
    unsigned char returned[ITER_KEYS] = {0}, deletedEarly[ITER_KEYS] = {0};
    hashtableIterator it;
    hashtableInitIterator(&it, ht, HASHTABLE_ITER_SAFE);
    void *e;
    size_t deleted = 0;
    while (hashtableNext(&it, &e)) {
        uint64_t k = intKey(e);
        assert_int_equal(returned[k], 0);
        assert_int_equal(deletedEarly[k], 0);
        returned[k] = 1;
        if (k % 2 == 0) deleted += hashtableDelete(ht, e);
        if (k % 5 == 0 && k + 1 < ITER_KEYS && !returned[k + 1]) {
            deletedEarly[k + 1] = 1;
            deleted += hashtableDelete(ht, intEntry(k + 1));
        }
        assert_int_equal(hashtableFind(ht, intEntry(3), NULL), 1); /* odd, never deleted */
    }
    hashtableResetIterator(&it);
    for (uint64_t k = 0; k < ITER_KEYS; k++) assert_int_equal(returned[k] + deletedEarly[k], 1);
    assert_int_equal(hashtableSize(ht), ITER_KEYS - deleted);
    /* the table is consistent afterwards */
    for (uint64_t k = 0; k < ITER_KEYS; k++) {
        int expect = !deletedEarly[k] && k % 2 == 1;
        assert_int_equal(hashtableFind(ht, intEntry(k), NULL), expect);
    }
    hashtableRelease(ht);
}

static void test_safe_iterator_delete(void **state) {
    (void)state;
    runSafeIteratorDeletes(0);
}

static void test_safe_iterator_delete_rehashing(void **state) {
    (void)state;
    runSafeIteratorDeletes(1);
}

static void test_safe_iterator_delete_colliding(void **state) {
    (void)state;
    hashDistinct = 13;
    runSafeIteratorDeletes(0);
}

/* Inserting during safe iteration turns full buckets into chains (their last
 * entry moves to a child): originals must still come back exactly once.
 * Inserts start after `insertAfter` entries were returned; `reserve` sizes
 * the table up front so that no resize starts. */
static void runSafeIteratorInserts(size_t originals, size_t inserts, size_t insertAfter, size_t reserve) {
    hashtable *ht = hashtableCreate(&intType);
    if (reserve) assert_int_equal(hashtableExpand(ht, reserve), 1);
    for (uint64_t k = 0; k < originals; k++) hashtableAdd(ht, intEntry(k));
    finishRehash(ht);
    unsigned char *returned = calloc(originals + inserts, 1);
    hashtableIterator it;
    hashtableInitIterator(&it, ht, HASHTABLE_ITER_SAFE);
    void *e;
    uint64_t next = originals;
    size_t count = 0;
    while (hashtableNext(&it, &e)) {
        uint64_t k = intKey(e);
        assert_int_equal(returned[k], 0);
        returned[k] = 1;
        if (++count >= insertAfter && next < originals + inserts)
            assert_int_equal(hashtableAdd(ht, intEntry(next++)), 1);
    }
    hashtableResetIterator(&it);
    for (uint64_t k = 0; k < originals; k++) assert_int_equal(returned[k], 1);
    assert_int_equal(hashtableSize(ht), originals + inserts);
    if (reserve) assert_false(hashtableIsRehashing(ht));
    free(returned);
    hashtableRelease(ht);
}

static void test_safe_iterator_inserts(void **state) {
    (void)state;
    runSafeIteratorInserts(1400, 390, 0, 0); /* 256 buckets, up to ~100% fill, no resize */
    hashDistinct = 1;                         /* one chain */
    /* the bucket's slot 6 was returned, then the insert chains the bucket and
     * moves that entry to the child: it must not come back */
    runSafeIteratorInserts(7, 30, 7, 1000);
    for (size_t after = 0; after < 20; after++) runSafeIteratorInserts(20, 40, after, 1000);
    runSafeIteratorInserts(50, 50, 0, 0);
    hashDistinct = 3; /* three long chains, with resizes */
    runSafeIteratorInserts(200, 200, 0, 0);
}

static void test_unsafe_iterator(void **state) {
    (void)state;
    hashtable *ht = hashtableCreate(&intType);
    hashtableIterator it;
    void *e;
    hashtableInitIterator(&it, ht, 0);
    assert_int_equal(hashtableNext(&it, &e), 0);
    hashtableResetIterator(&it);
    for (uint64_t k = 0; k < 2000; k++) hashtableAdd(ht, intEntry(k));
    for (int rehashing = 0; rehashing <= 1; rehashing++) {
        if (rehashing) {
            hashtableExpand(ht, 20000);
            hashtableRehashMicroseconds(ht, 0);
            assert_true(hashtableIsRehashing(ht));
        }
        unsigned char seen[2000] = {0};
        size_t n = 0;
        hashtableInitIterator(&it, ht, 0);
        while (hashtableNext(&it, &e)) {
            assert_int_equal(seen[intKey(e)], 0);
            seen[intKey(e)] = 1;
            n++;
        }
        hashtableResetIterator(&it);
        assert_int_equal(n, 2000);
        /* a reset iterator starts over */
        n = 0;
        while (hashtableNext(&it, &e)) n++;
        hashtableResetIterator(&it);
        assert_int_equal(n, 2000);
    }
    hashtableRelease(ht);
}

/* --- Two-phase operations --- */

static void test_two_phase_pop_after_chaining(void **state) {
    (void)state;
    hashDistinct = 1; /* all keys share bucket 0 */
    hashtable *ht = hashtableCreate(&intType);
    assert_int_equal(hashtableExpand(ht, 100), 1);
    for (uint64_t k = 0; k < 7; k++) hashtableAdd(ht, intEntry(k));
    /* key 6 sits in the bucket's last slot; adding key 7 chains the bucket
     * and moves key 6 to the child between the two phases */
    void **ref;
    hashtablePosition pos;
    assert_int_equal(hashtableTwoPhasePopFindRef(ht, intEntry(6), &ref, &pos), 1);
    assert_ptr_equal(*ref, intEntry(6));
    assert_int_equal(hashtableAdd(ht, intEntry(7)), 1);
    hashtableTwoPhasePopDelete(ht, &pos);
    assert_int_equal(hashtableSize(ht), 7);
    assert_int_equal(hashtableFind(ht, intEntry(6), NULL), 0);
    for (uint64_t k = 0; k < 8; k++)
        if (k != 6) assert_int_equal(hashtableFind(ht, intEntry(k), NULL), 1);
    hashtableRelease(ht);
}

static void test_two_phase_insert(void **state) {
    (void)state;
    hashtable *ht = hashtableCreate(&intType);
    for (uint64_t k = 0; k < 5000; k++) {
        hashtablePosition pos;
        void *existing = NULL;
        assert_int_equal(hashtableFindPositionForInsert(ht, intEntry(k), &pos, &existing), 1);
        hashtableInsertAtPosition(ht, intEntry(k), &pos);
        assert_int_equal(hashtableFindPositionForInsert(ht, intEntry(k / 2), &pos, &existing), 0);
        assert_ptr_equal(existing, intEntry(k / 2));
    }
    assert_int_equal(hashtableSize(ht), 5000);
    hashtableRelease(ht);
}

/* --- Resizing --- */

static size_t startedCount, completedCount;
static int allowResize = 1;
static void onStarted(hashtable *ht) {
    (void)ht;
    startedCount++;
}
static void onCompleted(hashtable *ht) {
    (void)ht;
    completedCount++;
}
static int resizeAllowedHook(size_t moreMem, double fill) {
    (void)moreMem;
    return allowResize || fill > 5.0;
}

static void test_resize_policy_and_hooks(void **state) {
    (void)state;
    hashtableType type = intType;
    type.rehashingStarted = onStarted;
    type.rehashingCompleted = onCompleted;
    type.resizeAllowed = resizeAllowedHook;
    hashtable *ht = hashtableCreate(&type);
    startedCount = completedCount = 0;
    allowResize = 1;

    assert_int_equal(hashtableExpand(ht, SIZE_MAX), 0);
    assert_int_equal(hashtableTryExpand(ht, SIZE_MAX / 2), 0);
    assert_int_equal(hashtableExpand(ht, 700), 1);
    assert_int_equal(hashtableBuckets(ht), 128); /* 700 / 7 -> next power of two */
    uint64_t total = 0;
    while (total < 896) hashtableAdd(ht, intEntry(total++)); /* 100% of 128 * 7 slots */
    assert_int_equal(hashtableBuckets(ht), 128);
    assert_int_equal(startedCount, 0);
    hashtableAdd(ht, intEntry(total++)); /* one more grows */
    assert_int_equal(startedCount, 1);
    finishRehash(ht);
    assert_int_equal(completedCount, 1);
    assert_int_equal(hashtableBuckets(ht), 256);

    /* a vetoing hook: the table chains instead of growing ... */
    allowResize = 0;
    while (total < 7 * 256 * 4) hashtableAdd(ht, intEntry(total++));
    assert_int_equal(hashtableBuckets(ht), 256);
    assert_false(hashtableIsRehashing(ht));
    assert_int_equal(hashtableExpand(ht, 100000), 0);
    for (uint64_t k = 0; k < total; k++) assert_int_equal(hashtableFind(ht, intEntry(k), NULL), 1);
    /* ... until the hook lets the hard limit through */
    while (!hashtableIsRehashing(ht) && total < 7 * 256 * 6) hashtableAdd(ht, intEntry(total++));
    assert_true(hashtableIsRehashing(ht));
    assert_true(total > 7 * 256 * 5);
    finishRehash(ht);
    allowResize = 1;

    /* policy 0: no shrink until 1/32, no growth until 500% */
    size_t buckets = hashtableBuckets(ht);
    hashtableSetResizePolicy(0);
    uint64_t k = 0;
    while (hashtableSize(ht) * 16 > buckets * 7) hashtableDelete(ht, intEntry(k++));
    assert_int_equal(hashtableBuckets(ht), buckets);
    assert_false(hashtableIsRehashing(ht));
    hashtableSetResizePolicy(1);
    assert_int_equal(hashtableShrinkIfNeeded(ht), 1);
    assert_true(hashtableIsRehashing(ht));
    finishRehash(ht);
    assert_true(hashtableBuckets(ht) < buckets / 4);
    assert_true(hashtableSize(ht) * 2 <= hashtableBuckets(ht) * 7);

    /* Expand during a rehash takes effect when it completes */
    hashtableExpand(ht, hashtableSize(ht) * 4);
    assert_true(hashtableIsRehashing(ht));
    assert_int_equal(hashtableExpand(ht, 7 * 4096), 1);
    finishRehash(ht);
    assert_int_equal(hashtableBuckets(ht), 4096);
    assert_int_equal(startedCount, completedCount);

    /* deleting everything frees the table */
    while (k < total) hashtableDelete(ht, intEntry(k++));
    finishRehash(ht);
    hashtableShrinkIfNeeded(ht);
    finishRehash(ht);
    hashtableShrinkIfNeeded(ht);
    assert_int_equal(hashtableSize(ht), 0);
    assert_int_equal(hashtableBuckets(ht), 0);
    hashtableRelease(ht);
    assert_int_equal(startedCount, completedCount);
}

/* Deletes in a chain under a safe iterator are compacted afterwards. */
static void test_deferred_compaction(void **state) {
    (void)state;
    hashDistinct = 1;
    hashtableSetResizePolicy(0); /* no shrink to muddle the memory figures */
    hashtable *ht = hashtableCreate(&intType);
    assert_int_equal(hashtableExpand(ht, 70), 1);
    for (uint64_t k = 0; k < 60; k++) hashtableAdd(ht, intEntry(k));
    size_t full = hashtableMemUsage(ht);
    hashtableIterator it;
    hashtableInitIterator(&it, ht, HASHTABLE_ITER_SAFE);
    void *e;
    size_t n = 0;
    while (hashtableNext(&it, &e)) {
        if (intKey(e) >= 10) hashtableDelete(ht, e);
        n++;
    }
    assert_int_equal(n, 60);
    assert_true(hashtableMemUsage(ht) >= full); /* nothing freed while paused */
    hashtableResetIterator(&it);
    assert_int_equal(hashtableSize(ht), 10);
    assert_true(hashtableMemUsage(ht) <= full - 6 * 64); /* chain of 10: 2 buckets instead of 10 */
    for (uint64_t k = 0; k < 60; k++) assert_int_equal(hashtableFind(ht, intEntry(k), NULL), k < 10);
    hashtableRelease(ht);
    hashtableSetResizePolicy(1);
}

/* --- Big table: memory per entry, bounded rehash work --- */

static void test_memory_and_incremental_rehash(void **state) {
    (void)state;
    hashtable *ht = hashtableCreate(&intType);
    const size_t atFull = (size_t)7 << 17; /* 2^17 buckets at 100% fill */
    uint64_t k = 0;
    for (; k < atFull; k++) hashtableAdd(ht, intEntry(k));
    finishRehash(ht);
    assert_int_equal(hashtableBuckets(ht), (size_t)1 << 17);
    double perEntryFull = (double)hashtableMemUsage(ht) / (double)hashtableSize(ht);
    print_message("hashtable: %zu entries, %zu buckets: %.2f bytes/entry (fill 100%%)\n", hashtableSize(ht),
                  hashtableBuckets(ht), perEntryFull);
    assert_true(perEntryFull < 14.0);

    /* the next insert starts the growth; each later operation moves one chain */
    hashtableAdd(ht, intEntry(k++));
    assert_true(hashtableIsRehashing(ht));
    size_t ops = 0;
    for (; k < 1000000 && hashtableIsRehashing(ht); k++, ops++) hashtableAdd(ht, intEntry(k));
    for (uint64_t f = 0; hashtableIsRehashing(ht); f++, ops++) hashtableFind(ht, intEntry(f), NULL);
    print_message("hashtable: growth from 2^17 buckets took %zu operations\n", ops);
    assert_true(ops >= ((size_t)1 << 17) / 11); /* at most 1 chain + 10 empty buckets each */
    assert_true(ops <= ((size_t)1 << 17));       /* and always progress */
    for (; k < 1000000; k++) hashtableAdd(ht, intEntry(k));
    finishRehash(ht);
    assert_int_equal(hashtableSize(ht), 1000000);
    double perEntry = (double)hashtableMemUsage(ht) / (double)hashtableSize(ht);
    print_message("hashtable: 1000000 entries, %zu buckets: %.2f bytes/entry\n", hashtableBuckets(ht), perEntry);
    assert_true(perEntry < 18.5);

    char stats[4096];
    size_t len = hashtableGetStats(ht, stats, sizeof(stats), 1);
    assert_int_equal(len, strlen(stats));
    assert_non_null(strstr(stats, "number of entries: 1000000"));
    assert_non_null(strstr(stats, "chain length distribution"));
    assert_int_equal(hashtableGetStats(ht, stats, 10, 0), 9);
    hashtableRelease(ht);
}

/* --- Random --- */

static void test_fair_random_distribution(void **state) {
    (void)state;
    hashtable *ht = hashtableCreate(&intType);
    enum { N = 200, DRAWS = 200000 };
    for (uint64_t k = 0; k < N; k++) hashtableAdd(ht, intEntry(k));
    finishRehash(ht);
    static size_t fair[N], plain[N];
    memset(fair, 0, sizeof(fair));
    memset(plain, 0, sizeof(plain));
    for (int i = 0; i < DRAWS; i++) {
        void *e;
        assert_int_equal(hashtableFairRandomEntry(ht, &e), 1);
        fair[intKey(e)]++;
        assert_int_equal(hashtableRandomEntry(ht, &e), 1);
        plain[intKey(e)]++;
    }
    double expected = (double)DRAWS / N, chiFair = 0, chiPlain = 0;
    for (int k = 0; k < N; k++) {
        chiFair += (fair[k] - expected) * (fair[k] - expected) / expected;
        chiPlain += (plain[k] - expected) * (plain[k] - expected) / expected;
        assert_true(plain[k] > 0);
        assert_true(fair[k] > expected * 0.6 && fair[k] < expected * 1.4);
    }
    print_message("hashtable: chi-square over %d entries (df %d): fair %.0f, plain %.0f\n", N, N - 1, chiFair,
                  chiPlain);
    assert_true(chiFair < 4.0 * N);
    assert_true(chiFair < chiPlain);

    /* samples exist and are distinct, also while rehashing */
    hashtableExpand(ht, 10000);
    assert_true(hashtableIsRehashing(ht));
    void *sample[50];
    unsigned n = hashtableSampleEntries(ht, sample, 50);
    assert_true(n > 0 && n <= 50);
    for (unsigned i = 0; i < n; i++) {
        assert_true(intKey(sample[i]) < N);
        for (unsigned j = 0; j < i; j++) assert_ptr_not_equal(sample[i], sample[j]);
    }
    hashtableRelease(ht);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_basic_operations, setup),
        cmocka_unit_test_setup(test_empty_and_metadata, setup),
        cmocka_unit_test_setup(test_model_good_hash, setup),
        cmocka_unit_test_setup(test_model_colliding_hash, setup),
        cmocka_unit_test_setup(test_model_single_hash, setup),
        cmocka_unit_test_setup(test_scan_guarantee_active, setup),
        cmocka_unit_test_setup(test_scan_guarantee_paused, setup),
        cmocka_unit_test_setup(test_scan_guarantee_avoid_resize, setup),
        cmocka_unit_test_setup(test_scan_guarantee_colliding, setup),
        cmocka_unit_test_setup(test_scan_delete_in_callback, setup),
        cmocka_unit_test_setup(test_safe_iterator_delete, setup),
        cmocka_unit_test_setup(test_safe_iterator_delete_rehashing, setup),
        cmocka_unit_test_setup(test_safe_iterator_delete_colliding, setup),
        cmocka_unit_test_setup(test_safe_iterator_inserts, setup),
        cmocka_unit_test_setup(test_unsafe_iterator, setup),
        cmocka_unit_test_setup(test_two_phase_pop_after_chaining, setup),
        cmocka_unit_test_setup(test_two_phase_insert, setup),
        cmocka_unit_test_setup(test_resize_policy_and_hooks, setup),
        cmocka_unit_test_setup(test_deferred_compaction, setup),
        cmocka_unit_test_setup(test_memory_and_incremental_rehash, setup),
        cmocka_unit_test_setup(test_fair_random_distribution, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
