/* latency.h — the latency monitor and per-command latency histograms.
 *
 * Events: named code paths ("command", "fast-command", "expire-cycle", ...)
 * report how long they took; when that reaches latency-monitor-threshold
 * (ms, 0 = off) a sample is kept in the event's time series (160 samples,
 * one per second at most: a second sample in the same second keeps the
 * maximum).  LATENCY LATEST / HISTORY / RESET / GRAPH / DOCTOR read them.
 *
 * Histograms: with latency-tracking on, every command's duration goes into
 * a log-linear histogram of that command (LATENCY HISTOGRAM and INFO
 * latencystats): octaves ending at Valkey's reported bucket values (about
 * 1.024 µs * 2^k), 8 sub-buckets each (at most 12.5% relative error). */
#ifndef TESSERA_LATENCY_H
#define TESSERA_LATENCY_H

#include <stdint.h>

#include "node/net/client.h"

#define LATENCY_TS_LEN 160

typedef struct latencySample {
    int32_t time;      /* unix seconds */
    uint32_t latency;  /* ms */
} latencySample;

/* --- Events --- */

/* Records a sample if the monitor is on and ms reaches the threshold.
 * Other modules call it around their slow paths (expire cycle, fork, ...). */
void latencyAddSampleIfNeeded(const char *event, long long ms);
/* Records a sample unconditionally. */
void latencyAddSample(const char *event, long long ms);

/* Number of events with samples, and access by index (0..n-1). */
int latencyEventCount(void);
const char *latencyEventName(int i);
/* Samples of event i oldest first into out (up to LATENCY_TS_LEN); returns
 * how many.  *max receives the all-time maximum. */
int latencyEventSamples(int i, latencySample *out, uint32_t *max);
/* Index of a named event, -1 if it has no samples. */
int latencyEventFind(const char *event);
/* Forgets one event (returns 1 if it existed) or, with NULL, all of them
 * (returns how many). */
int latencyResetEvent(const char *event);

/* --- Per-command histograms --- */

/* Called after every command (dispatch hook): histogram and events. */
void latencyAfterCommand(client *c, serverCommand *cmd, long long durationUs);
/* Calls recorded for cmd since the last reset (0 if none). */
uint64_t latencyHistogramCalls(const serverCommand *cmd);
/* The k-th reported bucket value in µs (k = 0..LATENCY_HISTOGRAM_MAX_POW):
 * 1, 2, 4, 8, 16, 33, 66, ... */
uint64_t latencyHistogramBound(int k);
/* Cumulative count of calls of cmd that took at most latencyHistogramBound(k) µs. */
uint64_t latencyHistogramCumulative(const serverCommand *cmd, int k);
/* Duration in µs at percentile p (0..100): the upper bound of the bucket
 * holding it; 0 if no calls. */
double latencyHistogramPercentile(const serverCommand *cmd, double p);
/* CONFIG RESETSTAT. */
void latencyResetHistograms(void);

#define LATENCY_HISTOGRAM_MAX_POW 40

#endif
