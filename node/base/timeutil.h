/* timeutil.h — clocks.  Wall-clock time for TTLs (they are absolute Unix
 * times in ms, as RDB stores them) and a monotonic clock for durations. */
#ifndef TESSERA_TIMEUTIL_H
#define TESSERA_TIMEUTIL_H

#include <stdint.h>

long long timeUs(void);       /* wall clock, microseconds since the epoch */
long long timeMs(void);       /* wall clock, milliseconds since the epoch */
uint64_t timeMonotonicUs(void); /* monotonic, microseconds (CLOCK_MONOTONIC's origin) */
/* Measures the TSC rate for timeMonotonicUs; call periodically from one
 * thread (the server's cron).  Cheap once done. */
void timeCalibrate(void);

#endif
