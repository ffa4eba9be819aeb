/* test_latency.c — latency events (threshold, one sample per second keeping
 * the maximum, all-time max, reset) and per-command histograms checked
 * against a model that keeps every duration: cumulative counts at
 * Valkey's bucket values are exact, percentiles are within 12.5%. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "node/base/mem.h"
#include "node/net/client.h"
#include "node/server/command.h"
#include "node/server/latency.h"
#include "node/server/server.h"

static int setup(void **state) {
    (void)state;
    latencyResetEvent(NULL);
    latencyResetHistograms();
    serverGetSettings()->latencyMonitorThreshold = 0;
    serverGetSettings()->latencyTracking = 1;
    return 0;
}

/* --- Events --- */

static void test_threshold(void **state) {
    (void)state;
    latencyAddSampleIfNeeded("command", 500);
    assert_int_equal(latencyEventCount(), 0); /* monitor off */
    serverGetSettings()->latencyMonitorThreshold = 100;
    latencyAddSampleIfNeeded("command", 99);
    assert_int_equal(latencyEventCount(), 0);
    latencyAddSampleIfNeeded("command", 100);
    assert_int_equal(latencyEventCount(), 1);
    assert_string_equal(latencyEventName(0), "command");
    assert_int_equal(latencyEventFind("command"), 0);
    assert_int_equal(latencyEventFind("fork"), -1);
}

static void test_same_second_keeps_max(void **state) {
    (void)state;
    latencySample s[LATENCY_TS_LEN];
    uint32_t max;
    latencyAddSample("fork", 10);
    latencyAddSample("fork", 30);
    latencyAddSample("fork", 20);
    int n = latencyEventSamples(latencyEventFind("fork"), s, &max);
    /* All three may straddle a second boundary: at most 2 samples. */
    assert_true(n == 1 || n == 2);
    assert_int_equal(max, 30);
    assert_int_equal(s[n - 1].latency >= 20, 1);
}

static void test_reset(void **state) {
    (void)state;
    latencyAddSample("a", 1);
    latencyAddSample("b", 2);
    latencyAddSample("c", 3);
    assert_int_equal(latencyResetEvent("b"), 1);
    assert_int_equal(latencyResetEvent("b"), 0);
    assert_int_equal(latencyEventCount(), 2);
    assert_int_equal(latencyEventFind("c"), 1);
    assert_int_equal(latencyResetEvent(NULL), 2);
    assert_int_equal(latencyEventCount(), 0);
    assert_int_equal(latencyEventSamples(0, NULL, NULL), 0);
}

/* --- Histograms --- */

static uint64_t rngState = 0x243F6A8885A308D3ULL;
static uint64_t rng(void) {
    rngState ^= rngState << 13;
    rngState ^= rngState >> 7;
    rngState ^= rngState << 17;
    return rngState;
}

static int compareLL(const void *a, const void *b) {
    long long x = *(const long long *)a, y = *(const long long *)b;
    return x < y ? -1 : x > y;
}

static void test_bucket_bounds_are_valkeys(void **state) {
    (void)state;
    const uint64_t expect[] = {1, 2, 4, 8, 16, 33, 66, 132, 264, 528, 1056, 2113};
    for (int k = 0; k < (int)(sizeof(expect) / sizeof(expect[0])); k++)
        assert_int_equal(latencyHistogramBound(k), expect[k]);
}

static void test_histogram_model(void **state) {
    (void)state;
    enum { N = 20000 };
    static long long durations[N];
    serverCommand cmd = {.name = "get", .fullname = "get", .id = 7};
    serverCommand other = {.name = "set", .fullname = "set", .id = 300};
    client *c = clientCreateFake();
    for (int i = 0; i < N; i++) {
        /* Log-uniform durations from 0 to ~2^30 µs, plus exact powers of two. */
        long long d = (i % 10 == 0) ? (1LL << (rng() % 31)) : (long long)(rng() % (1ULL << (rng() % 31)));
        durations[i] = d;
        latencyAfterCommand(c, &cmd, d);
    }
    latencyAfterCommand(c, &other, 5);
    assert_int_equal(latencyHistogramCalls(&cmd), N);
    assert_int_equal(latencyHistogramCalls(&other), 1);
    for (int k = 0; k <= LATENCY_HISTOGRAM_MAX_POW; k++) {
        uint64_t expect = 0;
        long long bound = (long long)latencyHistogramBound(k);
        for (int i = 0; i < N; i++) expect += durations[i] <= bound;
        assert_int_equal(latencyHistogramCumulative(&cmd, k), expect);
    }
    qsort(durations, N, sizeof(durations[0]), compareLL);
    const double pcts[] = {0, 1, 50, 90, 99, 99.9, 100};
    for (size_t i = 0; i < sizeof(pcts) / sizeof(pcts[0]); i++) {
        long rank = (long)(pcts[i] / 100.0 * N + 0.5);
        if (rank < 1) rank = 1;
        double exact = (double)durations[rank - 1];
        double got = latencyHistogramPercentile(&cmd, pcts[i]);
        assert_true(got >= exact);
        assert_true(got <= (exact < 8 ? 8 : exact * 1.125 + 1));
    }
    clientFree(c);
}

static void test_histogram_blocked_and_disabled(void **state) {
    (void)state;
    serverCommand cmd = {.name = "get", .fullname = "get", .id = 3};
    client *c = clientCreateFake();
    c->flags |= CLIENT_BLOCKED;
    latencyAfterCommand(c, &cmd, 10);
    c->flags &= ~CLIENT_BLOCKED;
    serverGetSettings()->latencyTracking = 0;
    latencyAfterCommand(c, &cmd, 10);
    assert_int_equal(latencyHistogramCalls(&cmd), 0);
    assert_true(latencyHistogramPercentile(&cmd, 50) == 0);
    serverGetSettings()->latencyTracking = 1;
    latencyAfterCommand(c, &cmd, 0);
    latencyAfterCommand(c, &cmd, 1);
    assert_int_equal(latencyHistogramCumulative(&cmd, 0), 2); /* 0 and 1 µs are <= 1 */
    latencyResetHistograms();
    assert_int_equal(latencyHistogramCalls(&cmd), 0);
    clientFree(c);
}

static void test_command_event(void **state) {
    (void)state;
    serverCommand slow = {.name = "keys", .fullname = "keys", .id = 1};
    serverCommand fast = {.name = "get", .fullname = "get", .id = 2, .flags = CMD_FAST};
    client *c = clientCreateFake();
    serverGetSettings()->latencyMonitorThreshold = 5;
    latencyAfterCommand(c, &slow, 4999);
    assert_int_equal(latencyEventCount(), 0);
    latencyAfterCommand(c, &slow, 7000);
    latencyAfterCommand(c, &fast, 9000);
    assert_true(latencyEventFind("command") >= 0);
    assert_true(latencyEventFind("fast-command") >= 0);
    uint32_t max;
    latencySample s[LATENCY_TS_LEN];
    latencyEventSamples(latencyEventFind("fast-command"), s, &max);
    assert_int_equal(max, 9);
    clientFree(c);
}

int main(void) {
    memThreadInit();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_threshold, setup),
        cmocka_unit_test_setup(test_same_second_keeps_max, setup),
        cmocka_unit_test_setup(test_reset, setup),
        cmocka_unit_test_setup(test_bucket_bounds_are_valkeys, setup),
        cmocka_unit_test_setup(test_histogram_model, setup),
        cmocka_unit_test_setup(test_histogram_blocked_and_disabled, setup),
        cmocka_unit_test_setup(test_command_event, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
