/* test_mem.c — the allocation wrappers and the used-memory figure: memUsed()
 * follows allocations, reallocations and frees (also across threads, and
 * after a registered thread exits), usable sizes cover the request, and the
 * process/allocator statistics are plausible. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "node/base/mem.h"

/* Other allocations of the process (cmocka, stdio) may move memUsed a little
 * between two readings; the sizes below are large enough to stand out. */
#define SLACK (64 * 1024)

static int setup(void **state) {
    (void)state;
    assert_int_equal(memThreadInit(), 0);
    assert_int_equal(memThreadInit(), 0); /* idempotent */
    return 0;
}

static void testAccountingFollowsAllocFree(void **state) {
    (void)state;
    const size_t size = 4 * 1024 * 1024;
    size_t before = memUsed();
    char *p = memAlloc(size);
    memset(p, 1, size);
    size_t during = memUsed();
    assert_true(during >= before + size);
    assert_true(during <= before + size + SLACK + size / 8);
    memFree(p);
    size_t after = memUsed();
    assert_true(after + SLACK >= before && after <= before + SLACK);
}

static void testAccountingManySmall(void **state) {
    (void)state;
    enum { N = 10000 };
    static void *ptrs[N];
    size_t before = memUsed();
    for (int i = 0; i < N; i++) ptrs[i] = memAlloc(100);
    size_t during = memUsed();
    assert_true(during >= before + (size_t)N * 100);
    for (int i = 0; i < N; i++) memFree(ptrs[i]);
    size_t after = memUsed();
    assert_true(after <= before + SLACK);
}

static void testRealloc(void **state) {
    (void)state;
    size_t before = memUsed();
    char *p = memRealloc(NULL, 1000); /* realloc(NULL) allocates */
    memset(p, 'x', 1000);
    p = memRealloc(p, 8 * 1024 * 1024);
    for (int i = 0; i < 1000; i++) assert_int_equal(p[i], 'x');
    assert_true(memUsed() >= before + 8 * 1024 * 1024);
    p = memRealloc(p, 100);
    for (int i = 0; i < 100; i++) assert_int_equal(p[i], 'x');
    assert_true(memUsed() <= before + SLACK);
    p = memRealloc(p, 0); /* never NULL: a minimal block */
    assert_non_null(p);
    memFree(p);
    assert_true(memUsed() <= before + SLACK);
}

static void testCallocStrdupDup(void **state) {
    (void)state;
    unsigned char *z = memCalloc(5000);
    for (int i = 0; i < 5000; i++) assert_int_equal(z[i], 0);
    memFree(z);
    char *s = memStrdup("hello");
    assert_string_equal(s, "hello");
    memFree(s);
    char *d = memDup("a\0b", 3);
    assert_memory_equal(d, "a\0b", 3);
    memFree(d);
    void *zero = memAlloc(0);
    assert_non_null(zero);
    memFree(zero);
    memFree(NULL); /* no-op */
}

static void testUsableSize(void **state) {
    (void)state;
    size_t sizes[] = {1, 7, 8, 24, 100, 4095, 4096, 100000, 3 * 1024 * 1024};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        char *p = memAlloc(sizes[i]);
        size_t usable = memUsableSize(p);
        assert_true(usable >= sizes[i]);
        memset(p, 0xab, usable); /* all of it is ours to use */
        memFree(p);
    }
    assert_int_equal(memUsableSize(NULL), 0);
}

static void testProcessAndAllocatorStats(void **state) {
    (void)state;
    size_t rss = memProcessRss();
    assert_true(rss > 100 * 1024);
    assert_true(memProcessRssAnon() > 0);
    assert_true(memProcessRssAnon() <= rss + SLACK);
    void *held = memAlloc(100000); /* something live through the wrappers */
    memAllocatorStats st;
    memGetAllocatorStats(&st);
    assert_true(st.allocated >= 100000);
    memFree(held);
    const char *name = memAllocatorName();
    assert_non_null(name);
#ifdef USE_JEMALLOC
    assert_true(strncmp(name, "jemalloc-", 9) == 0 && name[9] >= '0' && name[9] <= '9');
    assert_true(st.active >= st.allocated);
    assert_true(st.resident > 0);
#else
    assert_string_equal(name, "libc");
#endif
}

/* Touching freshly allocated memory raises the RSS. */
static void testRssFollowsTouchedMemory(void **state) {
    (void)state;
    const size_t size = 32 * 1024 * 1024;
    size_t before = memProcessRss();
    char *p = memAlloc(size);
    memset(p, 1, size);
    size_t during = memProcessRss();
    assert_true(during >= before + size / 2);
    memFree(p);
}

struct threadJob {
    void *handOver; /* allocated by the thread, freed by the main thread */
    size_t size;
};

static void *allocatingThread(void *arg) {
    struct threadJob *job = arg;
    if (memThreadInit() != 0) return NULL;
    job->handOver = memAlloc(job->size);
    memset(job->handOver, 2, job->size);
    void *tmp = memAlloc(job->size); /* allocated and freed here: no net change */
    memFree(tmp);
    return NULL;
}

/* Memory allocated by a thread that then exits stays counted until freed,
 * and freeing it on another thread brings the figure back down. */
static void testCrossThreadAndThreadExit(void **state) {
    (void)state;
    size_t before = memUsed();
    for (int round = 0; round < 100; round++) { /* more rounds than thread slots */
        struct threadJob job = {NULL, 1024 * 1024};
        pthread_t t;
        assert_int_equal(pthread_create(&t, NULL, allocatingThread, &job), 0);
        pthread_join(t, NULL);
        assert_non_null(job.handOver);
        size_t during = memUsed();
        assert_true(during >= before + job.size);
        memFree(job.handOver);
        size_t after = memUsed();
        assert_true(after <= before + SLACK + (size_t)round * 1024);
        assert_true(after + SLACK >= before);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testAccountingFollowsAllocFree),
        cmocka_unit_test(testAccountingManySmall),
        cmocka_unit_test(testRealloc),
        cmocka_unit_test(testCallocStrdupDup),
        cmocka_unit_test(testUsableSize),
        cmocka_unit_test(testProcessAndAllocatorStats),
        cmocka_unit_test(testRssFollowsTouchedMemory),
        cmocka_unit_test(testCrossThreadAndThreadExit),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
