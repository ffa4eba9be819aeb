/* test_timeutil.c — the wall clock agrees with time(2), the three readings
 * agree with each other, and the monotonic clock never goes back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "node/base/timeutil.h"

static void testWallClockMatchesTime(void **state) {
    (void)state;
    long long before = (long long)time(NULL) * 1000;
    long long ms = timeMs();
    long long after = (long long)time(NULL) * 1000 + 1000;
    assert_true(ms >= before && ms <= after);
    long long us = timeUs();
    assert_true(us / 1000 >= ms && us / 1000 - ms < 1000);
    /* Sanity of the unit: after 2020-01-01 and before 2200. */
    assert_true(ms > 1577836800000LL && ms < 7258118400000LL);
}

static void testMonotonicNonDecreasing(void **state) {
    (void)state;
    uint64_t prev = timeMonotonicUs();
    for (int i = 0; i < 100000; i++) {
        uint64_t now = timeMonotonicUs();
        assert_true(now >= prev);
        prev = now;
    }
}

static void testMonotonicMeasuresSleep(void **state) {
    (void)state;
    uint64_t start = timeMonotonicUs();
    long long wallStart = timeUs();
    usleep(20000);
    uint64_t elapsed = timeMonotonicUs() - start;
    long long wallElapsed = timeUs() - wallStart;
    assert_true(elapsed >= 20000 && elapsed < 2000000);
    assert_true(wallElapsed > 10000 && wallElapsed < 2000000);
}

/* After calibration (TSC where invariant), the monotonic clock still agrees
 * with CLOCK_MONOTONIC to within a millisecond, and never goes backwards. */
static void testCalibratedClockTracksKernel(void **state) {
    (void)state;
    timeCalibrate();
    struct timespec pause = {0, 250 * 1000 * 1000};
    nanosleep(&pause, NULL);
    timeCalibrate();
    uint64_t prev = timeMonotonicUs();
    for (int i = 0; i < 5; i++) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        uint64_t kernel = (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000;
        uint64_t ours = timeMonotonicUs();
        assert_true(ours >= prev);
        long long diff = (long long)ours - (long long)kernel;
        assert_true(diff > -1000 && diff < 1000);
        prev = ours;
        struct timespec step = {0, 50 * 1000 * 1000};
        nanosleep(&step, NULL);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testWallClockMatchesTime),
        cmocka_unit_test(testMonotonicNonDecreasing),
        cmocka_unit_test(testMonotonicMeasuresSleep),
        cmocka_unit_test(testCalibratedClockTracksKernel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
