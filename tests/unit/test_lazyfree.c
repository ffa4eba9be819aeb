/* test_lazyfree.c — the lazy-free thread: entries and whole tables handed
 * to it are freed (pending drops to 0, the freed counter and the memory
 * accounting follow), small values are freed inline, the effort registry
 * decides inline vs thread, frees really happen on another thread, and
 * after shutdown jobs are done inline. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "node/base/mem.h"
#include "node/store/db.h"
#include "node/store/hashtable.h"
#include "node/store/kvobj.h"
#include "node/store/lazyfree.h"

/* Other allocations of the process may move memUsed a little. */
#define SLACK (256 * 1024)
#define WAIT_MS 20000

static pthread_t mainThread;

static int setupAll(void **state) {
    (void)state;
    mainThread = pthread_self();
    assert_int_equal(memThreadInit(), 0);
    return 0;
}

static kvobj *makeString(int i, size_t vallen, long long expire) {
    char key[32], val[512];
    assert_true(vallen <= sizeof(val));
    int klen = snprintf(key, sizeof(key), "key:%d", i);
    memset(val, 'a' + i % 26, vallen);
    return kvCreateString(key, (size_t)klen, val, vallen, expire, 0);
}

static void assertMemoryBackTo(size_t base) {
    size_t now = memUsed();
    if (now > base + SLACK) fail_msg("memUsed %zu did not go back to %zu (+%d)", now, base, SLACK);
}

/* --- A fake pointer-held value: records which thread freed it --- */

typedef struct fakeValue {
    size_t effort;
    char payload[1000];
} fakeValue;

static _Atomic int fakeFreedOnMain, fakeFreedElsewhere;

static void fakeFree(void *ptr) {
    if (pthread_equal(pthread_self(), mainThread))
        fakeFreedOnMain++;
    else
        fakeFreedElsewhere++;
    memFree(ptr);
}

static size_t fakeEffort(const void *ptr) { return ((const fakeValue *)ptr)->effort; }

static kvobj *makeFake(int type, int encoding, size_t effort) {
    fakeValue *v = memCalloc(sizeof(*v));
    v->effort = effort;
    return kvCreatePointer("fake", 4, type, encoding, v, -1);
}

/* --- Tests --- */

static void testEffortOfStrings(void **state) {
    (void)state;
    kvobj *i = kvCreateInt("k", 1, 42, -1);
    kvobj *e = kvCreateString("k", 1, "hello", 5, -1, 0);
    kvobj *r = makeString(1, 400, -1);
    assert_int_equal(i->encoding, OBJ_ENCODING_INT);
    assert_int_equal(e->encoding, OBJ_ENCODING_EMBSTR);
    assert_int_equal(r->encoding, OBJ_ENCODING_RAW);
    assert_int_equal(lazyfreeFreeEffort(i), 1);
    assert_int_equal(lazyfreeFreeEffort(e), 1);
    assert_int_equal(lazyfreeFreeEffort(r), 1);
    kvFree(i);
    kvFree(e);
    kvFree(r);
}

static void testSmallObjectsFreedInline(void **state) {
    (void)state;
    enum { N = 1000 };
    static kvobj *objs[N];
    assert_true(lazyfreeWaitIdle(WAIT_MS));
    long long freedBefore = lazyfreeFreedObjects();
    size_t base = memUsed();
    for (int i = 0; i < N; i++) objs[i] = makeString(i, (size_t)(i % 3 == 0 ? 300 : 5), -1);
    assert_true(memUsed() > base + 100 * 300);
    for (int i = 0; i < N; i++) lazyfreeFreeObject(objs[i]);
    /* No waiting: inline frees are done when the call returns. */
    assert_int_equal(lazyfreePendingObjects(), 0);
    assert_int_equal(lazyfreeFreedObjects(), freedBefore);
    assertMemoryBackTo(base);
}

static void testManyObjectsViaThread(void **state) {
    (void)state;
    enum { N = 20000 };
    static kvobj *objs[N];
    long long freedBefore = lazyfreeFreedObjects();
    size_t base = memUsed();
    for (int i = 0; i < N; i++) objs[i] = makeString(i, 200, i % 2 ? 4102444800000LL : -1);
    size_t grown = memUsed();
    assert_true(grown >= base + (size_t)N * 200);
    for (int i = 0; i < N; i++) lazyfreeFreeObjectAsync(objs[i]);
    assert_true(lazyfreeWaitIdle(WAIT_MS));
    assert_int_equal(lazyfreePendingObjects(), 0);
    assert_int_equal(lazyfreeFreedObjects(), freedBefore + N);
    assertMemoryBackTo(base);
}

static void testEffortRegistryDecides(void **state) {
    (void)state;
    kvRegisterValueType(OBJ_LIST, OBJ_ENCODING_QUICKLIST, fakeFree, NULL);
    lazyfreeRegisterEffort(OBJ_LIST, OBJ_ENCODING_QUICKLIST, fakeEffort);
    kvRegisterValueType(OBJ_SET, OBJ_ENCODING_HASHTABLE, fakeFree, NULL); /* no effort fn */
    fakeFreedOnMain = fakeFreedElsewhere = 0;

    kvobj *small = makeFake(OBJ_LIST, OBJ_ENCODING_QUICKLIST, LAZYFREE_THRESHOLD);
    assert_int_equal(lazyfreeFreeEffort(small), LAZYFREE_THRESHOLD);
    lazyfreeFreeObject(small);
    assert_int_equal(fakeFreedOnMain, 1); /* at the threshold: inline */
    assert_int_equal(fakeFreedElsewhere, 0);

    kvobj *big = makeFake(OBJ_LIST, OBJ_ENCODING_QUICKLIST, LAZYFREE_THRESHOLD + 1);
    lazyfreeFreeObject(big);
    kvobj *unknown = makeFake(OBJ_SET, OBJ_ENCODING_HASHTABLE, 1);
    assert_true(lazyfreeFreeEffort(unknown) > LAZYFREE_THRESHOLD); /* assumed big */
    lazyfreeFreeObject(unknown);
    assert_true(lazyfreeWaitIdle(WAIT_MS));
    assert_int_equal(fakeFreedOnMain, 1);
    assert_int_equal(fakeFreedElsewhere, 2);
}

/* Builds a database pair like db.c's: every entry in keys, those with a
 * TTL in expires too. */
static void buildTables(hashtable **keys, hashtable **expires, int n) {
    *keys = hashtableCreate(&dbKeysType);
    *expires = hashtableCreate(&dbExpiresType);
    for (int i = 0; i < n; i++) {
        kvobj *kv = makeString(i, (size_t)(i % 4 == 0 ? 100 : 8), i % 3 == 0 ? 4102444800000LL : -1);
        assert_true(hashtableAdd(*keys, kv));
        if (i % 3 == 0) assert_true(hashtableAdd(*expires, kv));
    }
}

static void testTablesViaThread(void **state) {
    (void)state;
    enum { N = 50000 };
    hashtable *keys, *expires;
    long long freedBefore = lazyfreeFreedObjects();
    size_t base = memUsed();
    buildTables(&keys, &expires, N);
    assert_true(memUsed() > base + (size_t)N * 16);
    lazyfreeFreeTables(keys, expires);
    /* Meanwhile the main thread keeps allocating (a new database). */
    hashtable *fresh, *freshExpires;
    buildTables(&fresh, &freshExpires, 5000);
    assert_true(lazyfreeWaitIdle(WAIT_MS));
    assert_int_equal(lazyfreePendingObjects(), 0);
    assert_int_equal(lazyfreeFreedObjects(), freedBefore + N);
    hashtableRelease(freshExpires);
    hashtableRelease(fresh);
    assertMemoryBackTo(base);
}

static void testTinyTablesInline(void **state) {
    (void)state;
    hashtable *keys, *expires;
    assert_true(lazyfreeWaitIdle(WAIT_MS));
    long long freedBefore = lazyfreeFreedObjects();
    size_t base = memUsed();
    buildTables(&keys, &expires, 10);
    lazyfreeFreeTables(keys, expires);
    assert_int_equal(lazyfreeFreedObjects(), freedBefore);
    assert_int_equal(lazyfreePendingObjects(), 0);
    assertMemoryBackTo(base);
    /* Empty tables (FLUSHALL of empty databases) too. */
    lazyfreeFreeTables(hashtableCreate(&dbKeysType), hashtableCreate(&dbExpiresType));
    assert_int_equal(lazyfreeFreedObjects(), freedBefore);
}

static void testResetStats(void **state) {
    (void)state;
    assert_true(lazyfreeWaitIdle(WAIT_MS));
    assert_true(lazyfreeFreedObjects() > 0);
    lazyfreeResetStats();
    assert_int_equal(lazyfreeFreedObjects(), 0);
}

/* Last: after shutdown, jobs run inline on the caller's thread. */
static void testShutdownThenInline(void **state) {
    (void)state;
    lazyfreeShutdown();
    lazyfreeShutdown(); /* idempotent */
    fakeFreedOnMain = fakeFreedElsewhere = 0;
    long long freedBefore = lazyfreeFreedObjects();
    lazyfreeFreeObjectAsync(makeFake(OBJ_LIST, OBJ_ENCODING_QUICKLIST, 1000));
    assert_int_equal(fakeFreedOnMain, 1);
    assert_int_equal(fakeFreedElsewhere, 0);
    assert_int_equal(lazyfreeFreedObjects(), freedBefore + 1);
    assert_int_equal(lazyfreePendingObjects(), 0);
    hashtable *keys, *expires;
    size_t base = memUsed();
    buildTables(&keys, &expires, 1000);
    lazyfreeFreeTables(keys, expires);
    assert_int_equal(lazyfreePendingObjects(), 0);
    assertMemoryBackTo(base);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testEffortOfStrings),
        cmocka_unit_test(testSmallObjectsFreedInline),
        cmocka_unit_test(testManyObjectsViaThread),
        cmocka_unit_test(testEffortRegistryDecides),
        cmocka_unit_test(testTablesViaThread),
        cmocka_unit_test(testTinyTablesInline),
        cmocka_unit_test(testResetStats),
        cmocka_unit_test(testShutdownThenInline),
    };
    return cmocka_run_group_tests(tests, setupAll, NULL);
}
