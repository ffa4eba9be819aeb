/* timeutil.c — the two clocks of the server.
 *
 * Wall-clock time (CLOCK_REALTIME) is what TTLs are made of: they are
 * absolute Unix times, stored as such in RDB files and sent to replicas, so
 * they must agree between machines.  Durations (timeouts, latency, slowlog,
 * cron periods) use CLOCK_MONOTONIC instead, which never jumps when the
 * administrator or NTP sets the clock.  Both go through the vDSO, so a call
 * costs tens of nanoseconds and no system call. */
#include "node/base/timeutil.h"

#include <time.h>

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

uint64_t timeMonotonicUs(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000;
}
