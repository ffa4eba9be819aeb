/* timeutil.c — the two clocks of the server.
 *
 * Wall-clock time (CLOCK_REALTIME) is what TTLs are made of: they are
 * absolute Unix times, stored as such in RDB files and sent to replicas, so
 * they must agree between machines.  Durations (timeouts, latency, slowlog,
 * cron periods) use a monotonic clock instead, which never jumps when the
 * administrator or NTP sets the clock.
 *
 * Every command is timed (commandstats, slowlog, latency), so the monotonic
 * clock is read twice per command.  On x86-64 with an invariant TSC
 * (constant_tsc + nonstop_tsc) it is the TSC scaled to microseconds: about
 * half the cost of clock_gettime through the vDSO.  The scale is measured
 * against CLOCK_MONOTONIC once at least CALIBRATE_US have passed
 * (timeCalibrate, called from the server's cron); until then, and on other
 * machines, CLOCK_MONOTONIC is used.  Readings never go backwards within a
 * thread, so a duration spanning the switch cannot underflow. */
#include "node/base/timeutil.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#if defined(__x86_64__)
#include <x86intrin.h>
#endif

#define CALIBRATE_US 200000

long long timeUs(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

long long timeMs(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static uint64_t kernelMonotonicUs(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000;
}

/* TSC state, written only by timeCalibrate (main thread, before other
 * threads read tscReady with acquire semantics). */
static int tscUsable = -1;   /* -1 unknown, 0 no, 1 yes */
static uint64_t tscStart, monoStart;
static uint64_t tscMult;     /* microseconds per tick, 32.32 fixed point */
static volatile int tscReady;
static __thread uint64_t lastReading;

#if defined(__x86_64__)
static int cpuHasInvariantTsc(void) {
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f) return 0;
    char line[4096];
    int constant = 0, nonstop = 0;
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, "flags", 5) != 0) continue;
        constant = strstr(line, " constant_tsc") != NULL;
        nonstop = strstr(line, " nonstop_tsc") != NULL;
        break;
    }
    fclose(f);
    return constant && nonstop;
}
#endif

static uint64_t calibratedAt; /* elapsed µs of the last calibration */

void timeCalibrate(void) {
#if defined(__x86_64__)
    if (tscUsable == 0) return;
    if (tscUsable == -1) {
        tscUsable = cpuHasInvariantTsc();
        if (!tscUsable) return;
        monoStart = kernelMonotonicUs();
        tscStart = __rdtsc();
        return;
    }
    uint64_t mono = kernelMonotonicUs(), tsc = __rdtsc();
    uint64_t elapsed = mono - monoStart;
    /* Re-measure each time the baseline has doubled: the rate error shrinks
     * as the baseline grows, so the drift from CLOCK_MONOTONIC stays within
     * microseconds however long the process runs. */
    if (elapsed < CALIBRATE_US || elapsed < calibratedAt * 2 || tsc <= tscStart) return;
    uint64_t mult = (uint64_t)(((unsigned __int128)elapsed << 32) / (tsc - tscStart));
    __atomic_store_n(&tscMult, mult, __ATOMIC_RELAXED);
    calibratedAt = elapsed;
    __atomic_store_n(&tscReady, 1, __ATOMIC_RELEASE);
#endif
}

uint64_t timeMonotonicUs(void) {
    uint64_t now;
#if defined(__x86_64__)
    if (__atomic_load_n(&tscReady, __ATOMIC_ACQUIRE))
        now = monoStart + (uint64_t)(((unsigned __int128)(__rdtsc() - tscStart) *
                                          __atomic_load_n(&tscMult, __ATOMIC_RELAXED)) >> 32);
    else
#endif
        now = kernelMonotonicUs();
    if (now < lastReading) return lastReading;
    lastReading = now;
    return now;
}
