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
 * pointer.  A histogram counts durations d in whole microseconds.  Its
 * octave boundaries are the bucket values LATENCY HISTOGRAM shows, which
 * are Valkey's: the upper ends of its HDR buckets at 1.024 µs * 2^k
 * (1, 2, 4, 8, 16, 33, 66, 132, ... µs), so "calls that took at most that
 * long" is an exact prefix sum and the reply has Valkey's keys.  Each
 * octave (top(k-1), top(k)] is split into 8 equal sub-buckets for the
 * percentiles of INFO latencystats (at most 12.5% above the true value).
 * 322 buckets of 8 bytes cover up to 2^50 ns (13 days).  Rejected
 * alternative: a real HDR histogram like Valkey's: 10x the memory for
 * precision no report shows. */
#include "node/server/latency.h"

#include <string.h>
#include <time.h>

#include "node/base/mem.h"
#include "node/server/command.h"
#include "node/server/server.h"

#define MAX_EVENTS 64
#define EVENT_NAME_MAX 48
#define HIST_SUB 8 /* buckets per octave */
/* [0, top(0)], 8 per octave up to top(MAX_POW), then one overflow bucket. */
#define HIST_BUCKETS (1 + LATENCY_HISTOGRAM_MAX_POW * HIST_SUB + 1)

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

/* Upper bound (µs) of octave k: what Valkey's HDR histogram reports as the
 * highest value equivalent to 1024 * 2^k ns at 2 significant figures, in
 * whole µs (1, 2, 4, 8, 16, 33, 66, 132, ...). */
static uint64_t octaveTop(int k) {
    return ((1ULL << (10 + k)) + (1ULL << (k + 3)) - 1) / 1000;
}

static int bucketOf(long long durationUs) {
    uint64_t d = durationUs > 0 ? (uint64_t)durationUs : 0;
    if (d <= octaveTop(0)) return 0;
    if (d > octaveTop(LATENCY_HISTOGRAM_MAX_POW)) return HIST_BUCKETS - 1;
    int k = 63 - __builtin_clzll(d);
    if (k < 1) k = 1;
    if (k > LATENCY_HISTOGRAM_MAX_POW) k = LATENCY_HISTOGRAM_MAX_POW;
    while (k < LATENCY_HISTOGRAM_MAX_POW && d > octaveTop(k)) k++;
    while (k > 1 && d <= octaveTop(k - 1)) k--;
    uint64_t low = octaveTop(k - 1), width = octaveTop(k) - low;
    return 1 + (k - 1) * HIST_SUB + (int)((d - low - 1) * HIST_SUB / width);
}

/* Largest duration (µs) counted in bucket b. */
static uint64_t bucketUpper(int b) {
    if (b == 0) return octaveTop(0);
    if (b == HIST_BUCKETS - 1) return octaveTop(LATENCY_HISTOGRAM_MAX_POW) * 2;
    int k = 1 + (b - 1) / HIST_SUB;
    uint64_t j = (uint64_t)((b - 1) % HIST_SUB);
    uint64_t low = octaveTop(k - 1), width = octaveTop(k) - low;
    return low + ((j + 1) * width + HIST_SUB - 1) / HIST_SUB;
}

uint64_t latencyHistogramBound(int k) {
    if (k < 0) k = 0;
    if (k > LATENCY_HISTOGRAM_MAX_POW) k = LATENCY_HISTOGRAM_MAX_POW;
    return octaveTop(k);
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
    int limit = 1 + k * HIST_SUB;
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
