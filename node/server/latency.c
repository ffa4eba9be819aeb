/* latency.c — latency events and per-command histograms (see latency.h).
 *
 * Events are few (a dozen names at most in practice), so they sit in a
 * small array searched linearly; each owns a fixed ring of LATENCY_TS_LEN
 * samples, one per second at most, so an event costs ~1.3 KB and recording
 * is O(events) with no allocation.  An event exists from its first sample
 * until LATENCY RESET.
 *
 * Histograms are indexed by the command's dense id (command.h) and
 * allocated on a command's first call, so commands never used cost one
 * pointer.  A histogram counts durations d in whole microseconds in buckets
 * over v = max(d, 1) - 1:
 *
 *   v < 8                 bucket v                 (exact)
 *   2^e <= v < 2^(e+1)    bucket 8 + (e-3)*8 + s   (s = the 3 bits after the
 *                                                   leading one)
 *
 * so a bucket covers the durations (lo, hi] with hi - lo <= hi / 8, and the
 * bucket boundaries include every power of two: "calls that took at most
 * 2^k µs" (LATENCY HISTOGRAM) is an exact prefix sum.  312 buckets of 8
 * bytes cover up to 2^41 µs (25 days).  Rejected alternative: an exact
 * HDR histogram like Valkey's — 10x the memory for precision no report
 * shows. */
#include "node/server/latency.h"

#include <string.h>
#include <time.h>

#include "node/base/mem.h"
#include "node/server/command.h"
#include "node/server/server.h"

#define MAX_EVENTS 64
#define EVENT_NAME_MAX 48
#define HIST_SUB 8 /* buckets per power of two (3 bits) */
#define HIST_BUCKETS (HIST_SUB + (LATENCY_HISTOGRAM_MAX_POW + 1 - 3) * HIST_SUB)

typedef struct latencyEvent {
    char name[EVENT_NAME_MAX];
    latencySample samples[LATENCY_TS_LEN];
    int next;          /* slot the next sample goes to */
    uint32_t max;
} latencyEvent;

static latencyEvent *events[MAX_EVENTS];
static int eventCount;

typedef struct histogram {
    uint64_t calls;
    uint64_t buckets[HIST_BUCKETS];
} histogram;

static histogram **hists;     /* by command id */
static size_t histCap;

/* --- Events --- */

static int findEvent(const char *name) {
    for (int i = 0; i < eventCount; i++)
        if (!strcmp(events[i]->name, name)) return i;
    return -1;
}

void latencyAddSample(const char *event, long long ms) {
    if (ms < 0) ms = 0;
    if (ms > UINT32_MAX) ms = UINT32_MAX;
    int i = findEvent(event);
    if (i < 0) {
        if (eventCount == MAX_EVENTS) return;
        latencyEvent *e = memCalloc(sizeof(*e));
        strncpy(e->name, event, EVENT_NAME_MAX - 1);
        events[i = eventCount++] = e;
    }
    latencyEvent *e = events[i];
    int32_t now = (int32_t)time(NULL);
    latencySample *prev = &e->samples[(e->next + LATENCY_TS_LEN - 1) % LATENCY_TS_LEN];
    if (prev->time == now) {
        if ((uint32_t)ms > prev->latency) prev->latency = (uint32_t)ms;
    } else {
        e->samples[e->next].time = now;
        e->samples[e->next].latency = (uint32_t)ms;
        e->next = (e->next + 1) % LATENCY_TS_LEN;
    }
    if ((uint32_t)ms > e->max) e->max = (uint32_t)ms;
}

void latencyAddSampleIfNeeded(const char *event, long long ms) {
    long long threshold = serverGetSettings()->latencyMonitorThreshold;
    if (threshold > 0 && ms >= threshold) latencyAddSample(event, ms);
}

int latencyEventCount(void) { return eventCount; }

const char *latencyEventName(int i) { return i >= 0 && i < eventCount ? events[i]->name : NULL; }

int latencyEventFind(const char *event) { return findEvent(event); }

int latencyEventSamples(int i, latencySample *out, uint32_t *max) {
    if (i < 0 || i >= eventCount) return 0;
    latencyEvent *e = events[i];
    int n = 0;
    for (int j = 0; j < LATENCY_TS_LEN; j++) {
        latencySample *s = &e->samples[(e->next + j) % LATENCY_TS_LEN];
        if (s->time) out[n++] = *s;
    }
    if (max) *max = e->max;
    return n;
}

static void removeEvent(int i) {
    memFree(events[i]);
    memmove(&events[i], &events[i + 1], sizeof(events[0]) * (size_t)(eventCount - i - 1));
    eventCount--;
}

int latencyResetEvent(const char *event) {
    if (event) {
        int i = findEvent(event);
        if (i < 0) return 0;
        removeEvent(i);
        return 1;
    }
    int n = eventCount;
    while (eventCount) removeEvent(eventCount - 1);
    return n;
}

/* --- Histograms --- */

static int bucketOf(long long durationUs) {
    uint64_t v = durationUs > 1 ? (uint64_t)durationUs - 1 : 0;
    uint64_t limit = (1ULL << (LATENCY_HISTOGRAM_MAX_POW + 1)) - 1;
    if (v > limit) v = limit;
    if (v < HIST_SUB) return (int)v;
    int e = 63 - __builtin_clzll(v);
    int sub = (int)((v >> (e - 3)) & (HIST_SUB - 1));
    return HIST_SUB + (e - 3) * HIST_SUB + sub;
}

/* Largest duration (µs) counted in bucket b. */
static uint64_t bucketUpper(int b) {
    if (b < HIST_SUB) return (uint64_t)b + 1;
    int e = 3 + (b - HIST_SUB) / HIST_SUB;
    uint64_t sub = (uint64_t)((b - HIST_SUB) % HIST_SUB);
    uint64_t lo = (HIST_SUB + sub) << (e - 3);
    return lo + (1ULL << (e - 3));
}

static histogram *histFor(const serverCommand *cmd) {
    return cmd->id < histCap ? hists[cmd->id] : NULL;
}

static void histRecord(const serverCommand *cmd, long long durationUs) {
    if (cmd->id >= histCap) {
        size_t n = histCap ? histCap : 64;
        while (n <= cmd->id) n *= 2;
        hists = memRealloc(hists, n * sizeof(*hists));
        memset(hists + histCap, 0, (n - histCap) * sizeof(*hists));
        histCap = n;
    }
    histogram *h = hists[cmd->id];
    if (!h) h = hists[cmd->id] = memCalloc(sizeof(*h));
    h->calls++;
    h->buckets[bucketOf(durationUs)]++;
}

void latencyAfterCommand(client *c, serverCommand *cmd, long long durationUs) {
    if (c->flags & CLIENT_BLOCKED) return; /* accounted when it completes */
    if (serverGetSettings()->latencyTracking) histRecord(cmd, durationUs);
    latencyAddSampleIfNeeded(cmd->flags & CMD_FAST ? "fast-command" : "command", durationUs / 1000);
}

uint64_t latencyHistogramCalls(const serverCommand *cmd) {
    histogram *h = histFor(cmd);
    return h ? h->calls : 0;
}

uint64_t latencyHistogramCumulative(const serverCommand *cmd, int k) {
    histogram *h = histFor(cmd);
    if (!h || k < 0) return 0;
    if (k > LATENCY_HISTOGRAM_MAX_POW) k = LATENCY_HISTOGRAM_MAX_POW;
    int limit = k <= 3 ? 1 << k : HIST_SUB + (k - 3) * HIST_SUB;
    uint64_t sum = 0;
    for (int b = 0; b < limit; b++) sum += h->buckets[b];
    return sum;
}

double latencyHistogramPercentile(const serverCommand *cmd, double p) {
    histogram *h = histFor(cmd);
    if (!h || !h->calls) return 0;
    if (p < 0) p = 0;
    if (p > 100) p = 100;
    uint64_t target = (uint64_t)(p / 100.0 * (double)h->calls + 0.5);
    if (target < 1) target = 1;
    uint64_t seen = 0;
    for (int b = 0; b < HIST_BUCKETS; b++) {
        seen += h->buckets[b];
        if (seen >= target) return (double)bucketUpper(b);
    }
    return (double)bucketUpper(HIST_BUCKETS - 1);
}

void latencyResetHistograms(void) {
    for (size_t i = 0; i < histCap; i++) memFree(hists[i]);
    memFree(hists);
    hists = NULL;
    histCap = 0;
}
