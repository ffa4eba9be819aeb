/* introspect_cmds.c — commands that look at the server itself: TIME,
 * LASTSAVE, SLOWLOG, LATENCY and MEMORY.
 *
 * The data lives in slowlog.c, latency.c and info.c (memory accounting);
 * this file only parses arguments and shapes replies as Valkey 8 does.
 * introspectCmdsInit also installs the one after-call hook that feeds the
 * slow log, the latency monitor and the per-command histograms, so every
 * command executed (MULTI/EXEC members included) is measured once. */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>

#include "node/base/mem.h"
#include "node/base/util.h"
#include "node/net/reply.h"
#include "node/server/command.h"
#include "node/server/dispatch.h"
#include "node/server/info.h"
#include "node/server/latency.h"
#include "node/server/modules.h"
#include "node/server/server.h"
#include "node/server/slowlog.h"
#include "node/store/db.h"
#include "node/store/hashtable.h"

#ifdef USE_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

#define GRAPH_HEIGHT 8
#define GRAPH_COLUMNS 80

/* "ERR unknown subcommand or wrong number of arguments for 'x'. Try Y HELP."
 * (Valkey's text for a known subcommand used with the wrong arguments). */
static void replySubcommandArgsError(client *c) {
    dstr up = dstrNew(c->argv[0]);
    dstrToUpper(up);
    replyErrorFormat(c, "ERR unknown subcommand or wrong number of arguments for '%.128s'. Try %s HELP.",
                     c->argv[1], up);
    dstrFree(up);
}

/* --- TIME, LASTSAVE --- */

static void timeCommand(client *c) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    replyArrayLen(c, 2);
    replyBulkLongLong(c, (long long)tv.tv_sec);
    replyBulkLongLong(c, (long long)tv.tv_usec);
}

static void lastsaveCommand(client *c) { replyLongLong(c, serverGetStats()->lastSaveTime); }

/* --- SLOWLOG --- */

static void replySlowlogEntry(client *c, const slowlogEntry *e) {
    replyArrayLen(c, 6);
    replyLongLong(c, e->id);
    replyLongLong(c, e->time);
    replyLongLong(c, e->durationUs);
    replyArrayLen(c, e->argc);
    for (int j = 0; j < e->argc; j++) replyBulkDstr(c, e->argv[j]);
    replyBulkDstr(c, e->peerId);
    replyBulkDstr(c, e->clientName);
}

static void slowlogGetCommand(client *c) {
    long long count = 10;
    if (c->argc > 3) {
        replySubcommandArgsError(c);
        return;
    }
    if (c->argc == 3 && (!string2ll(c->argv[2], dstrLen(c->argv[2]), &count) || count < -1)) {
        replyError(c, "ERR count should be greater than or equal to -1");
        return;
    }
    long len = slowlogLen();
    if (count == -1 || count > len) count = len;
    replyArrayLen(c, (long)count);
    for (long i = 0; i < count; i++) replySlowlogEntry(c, slowlogGet(i));
}

static void slowlogLenCommand(client *c) { replyLongLong(c, slowlogLen()); }

static void slowlogResetCommand(client *c) {
    slowlogReset();
    replyOk(c);
}

static void slowlogHelpCommand(client *c) {
    static const char *help[] = {
        "GET [<count>]",
        "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
        "    Entries are made of:",
        "    id, timestamp, time in microseconds, arguments array, client IP and port,",
        "    client name",
        "LEN",
        "    Return the length of the slowlog.",
        "RESET",
        "    Reset the slowlog.",
        NULL,
    };
    replyHelp(c, help);
}

/* --- LATENCY --- */

static void latencyLatestCommand(client *c) {
    int n = latencyEventCount();
    replyArrayLen(c, n);
    for (int i = 0; i < n; i++) {
        latencySample samples[LATENCY_TS_LEN];
        uint32_t max = 0;
        int count = latencyEventSamples(i, samples, &max);
        replyArrayLen(c, 4);
        replyBulkCString(c, latencyEventName(i));
        replyLongLong(c, count ? samples[count - 1].time : 0);
        replyLongLong(c, count ? samples[count - 1].latency : 0);
        replyLongLong(c, max);
    }
}

static void latencyHistoryCommand(client *c) {
    latencySample samples[LATENCY_TS_LEN];
    int count = latencyEventSamples(latencyEventFind(c->argv[2]), samples, NULL);
    replyArrayLen(c, count);
    for (int i = 0; i < count; i++) {
        replyArrayLen(c, 2);
        replyLongLong(c, samples[i].time);
        replyLongLong(c, samples[i].latency);
    }
}

static void latencyResetCommand(client *c) {
    if (c->argc == 2) {
        replyLongLong(c, latencyResetEvent(NULL));
        return;
    }
    long long n = 0;
    for (int i = 2; i < c->argc; i++) n += latencyResetEvent(c->argv[i]);
    replyLongLong(c, n);
}

/* A bar chart of the most recent samples, one column each, oldest left. */
static dstr latencyGraph(const char *event, const latencySample *samples, int count, uint32_t allTimeMax) {
    int first = count > GRAPH_COLUMNS ? count - GRAPH_COLUMNS : 0;
    uint32_t high = 0, low = UINT32_MAX;
    for (int i = first; i < count; i++) {
        if (samples[i].latency > high) high = samples[i].latency;
        if (samples[i].latency < low) low = samples[i].latency;
    }
    dstr s = dstrCatPrintf(dstrEmpty(), "%s - high %u ms, low %u ms (all time high %u ms)\n", event, high, low,
                           allTimeMax);
    for (int i = first; i < count; i++) s = dstrCat(s, "-");
    s = dstrCat(s, "\n");
    for (int row = GRAPH_HEIGHT; row >= 1; row--) {
        for (int i = first; i < count; i++) {
            uint32_t h = high ? (uint32_t)(((uint64_t)samples[i].latency * GRAPH_HEIGHT + high - 1) / high) : 0;
            s = dstrCat(s, h >= (uint32_t)row ? "#" : " ");
        }
        s = dstrCat(s, "\n");
    }
    for (int i = first; i < count; i++) s = dstrCat(s, "-");
    long long newestAge = (long long)time(NULL) - samples[count - 1].time;
    return dstrCatPrintf(s, "\n%d samples, oldest on the left; the newest is %llds old.\n", count - first,
                         newestAge);
}

static void latencyGraphCommand(client *c) {
    latencySample samples[LATENCY_TS_LEN];
    uint32_t max = 0;
    int count = latencyEventSamples(latencyEventFind(c->argv[2]), samples, &max);
    if (!count) {
        replyErrorFormat(c, "ERR No samples available for event '%s'", c->argv[2]);
        return;
    }
    dstr graph = latencyGraph(c->argv[2], samples, count, max);
    replyVerbatim(c, graph, dstrLen(graph), "txt");
    dstrFree(graph);
}

static const char *latencyAdvice(const char *event) {
    if (!strcmp(event, "command"))
        return "slow commands: look at SLOWLOG GET for the culprits; O(N) commands on big keys "
               "(KEYS, SMEMBERS, HGETALL, LRANGE 0 -1, DEL of a big value) block every client. Prefer "
               "SCAN, UNLINK and smaller values.";
    if (!strcmp(event, "fast-command"))
        return "O(1) or O(log N) commands were slow: the host is probably overloaded, swapping or "
               "throttled (CPU steal in a VM). Check the system rather than the workload.";
    if (!strcmp(event, "expire-cycle"))
        return "active expiry took long: many keys expire at the same moment. Spread TTLs with some "
               "randomness.";
    if (!strcmp(event, "eviction-cycle") || !strcmp(event, "eviction-del"))
        return "eviction took long: maxmemory is too close to the working set, or big keys are evicted.";
    if (!strncmp(event, "aof-", 4))
        return "AOF writes or fsyncs were slow: the disk is slow or shared. Consider appendfsync everysec "
               "and no-appendfsync-on-rewrite yes.";
    if (!strcmp(event, "fork"))
        return "fork was slow: the dataset is big or the host is a VM with slow fork. Transparent huge "
               "pages make it worse.";
    return "no specific advice for this event.";
}

static dstr latencyDoctorReport(void) {
    int n = latencyEventCount();
    long long threshold = serverGetSettings()->latencyMonitorThreshold;
    if (n == 0 && threshold == 0)
        return dstrNew("The latency monitor is off (latency-monitor-threshold is 0), so there is nothing to "
                       "analyze. Enable it with CONFIG SET latency-monitor-threshold <milliseconds>.\n");
    if (n == 0)
        return dstrNew("No latency spike was recorded since the server started or the last LATENCY RESET. "
                       "Everything looks fine.\n");
    dstr s = dstrCatPrintf(dstrEmpty(), "Latency spikes were recorded for %d event%s (threshold %lld ms):\n\n",
                           n, n == 1 ? "" : "s", threshold);
    for (int i = 0; i < n; i++) {
        latencySample samples[LATENCY_TS_LEN];
        uint32_t max = 0;
        int count = latencyEventSamples(i, samples, &max);
        unsigned long long sum = 0;
        for (int j = 0; j < count; j++) sum += samples[j].latency;
        long long span = count > 1 ? (long long)samples[count - 1].time - samples[0].time : 0;
        s = dstrCatPrintf(s, "%d. %s: %d spikes, average %llu ms, worst %u ms, over %lld seconds.\n", i + 1,
                          latencyEventName(i), count, count ? sum / (unsigned)count : 0, max, span);
        s = dstrCatPrintf(s, "   Advice: %s\n", latencyAdvice(latencyEventName(i)));
    }
    return s;
}

static void latencyDoctorCommand(client *c) {
    dstr report = latencyDoctorReport();
    replyVerbatim(c, report, dstrLen(report), "txt");
    dstrFree(report);
}

static void replyHistogram(client *c, const serverCommand *cmd) {
    uint64_t calls = latencyHistogramCalls(cmd);
    replyBulkCString(c, cmd->fullname);
    replyMapLen(c, 2);
    replyBulkCString(c, "calls");
    replyLongLong(c, (long long)calls);
    replyBulkCString(c, "histogram_usec");
    void *len = replyDeferredLen(c);
    long buckets = 0;
    uint64_t prev = 0;
    for (int k = 0; k <= LATENCY_HISTOGRAM_MAX_POW && prev < calls; k++) {
        uint64_t cum = latencyHistogramCumulative(cmd, k);
        if (cum > prev) {
            replyLongLong(c, (long long)latencyHistogramBound(k));
            replyLongLong(c, (long long)cum);
            buckets++;
        }
        prev = cum;
    }
    replySetDeferredMapLen(c, len, buckets);
}

typedef struct histogramVisit {
    client *c;
    long count;
} histogramVisit;

static long replyCommandHistograms(client *c, const serverCommand *cmd) {
    long n = 0;
    if (latencyHistogramCalls(cmd)) {
        replyHistogram(c, cmd);
        n++;
    }
    for (const serverCommand *sub = cmd->subcommands; sub && sub->name; sub++) {
        if (latencyHistogramCalls(sub)) {
            replyHistogram(c, sub);
            n++;
        }
    }
    return n;
}

static void visitHistogram(serverCommand *cmd, void *privdata) {
    histogramVisit *v = privdata;
    v->count += replyCommandHistograms(v->c, cmd);
}

static void latencyHistogramCommand(client *c) {
    histogramVisit v = {c, 0};
    void *len = replyDeferredLen(c);
    if (c->argc == 2) {
        commandForEach(visitHistogram, &v);
    } else {
        for (int i = 2; i < c->argc; i++) {
            serverCommand *cmd = commandLookupByName(c->argv[i], dstrLen(c->argv[i]));
            if (cmd) v.count += replyCommandHistograms(c, cmd);
        }
    }
    replySetDeferredMapLen(c, len, v.count);
}

static void latencyHelpCommand(client *c) {
    static const char *help[] = {
        "DOCTOR",
        "    Return a human readable latency analysis report.",
        "GRAPH <event>",
        "    Return an ASCII latency graph for the <event> class.",
        "HISTORY <event>",
        "    Return time-latency samples for the <event> class.",
        "LATEST",
        "    Return the latest latency samples for all events.",
        "RESET [<event> ...]",
        "    Reset latency data of one or more <event> classes.",
        "    (default: reset all data for all event classes)",
        "HISTOGRAM [COMMAND ...]",
        "    Return a cumulative distribution of latencies in the format of a histogram for the specified "
        "command names.",
        "    If no commands are specified then all histograms are replied.",
        NULL,
    };
    replyHelp(c, help);
}

/* --- MEMORY --- */

/* Share of a table's own memory (buckets) attributed to one entry. */
static size_t tableShare(hashtable *ht) {
    size_t n = hashtableSize(ht);
    return n ? hashtableMemUsage(ht) / n : 0;
}

static void memoryUsageCommand(client *c) {
    for (int j = 3; j < c->argc; j++) {
        long long samples;
        if (!strcasecmp(c->argv[j], "samples") && j + 1 < c->argc) {
            if (!string2ll(c->argv[j + 1], dstrLen(c->argv[j + 1]), &samples)) {
                replyErrorNotInteger(c);
                return;
            }
            if (samples < 0) {
                replyErrorSyntax(c);
                return;
            }
            j++;
        } else {
            replyErrorSyntax(c);
            return;
        }
    }
    kvobj *kv = dbFind(c->db, c->argv[2]);
    if (!kv) {
        replyNull(c);
        return;
    }
    size_t usage = kvMemUsage(kv) + tableShare(c->db->keys);
    if (kvGetExpire(kv) != -1) usage += tableShare(c->db->expires);
    replyLongLong(c, (long long)usage);
}

static void replyField(client *c, const char *name, long long v) {
    replyBulkCString(c, name);
    replyLongLong(c, v);
}

static void replyFieldDouble(client *c, const char *name, double v) {
    replyBulkCString(c, name);
    replyDouble(c, v);
}

static void replyMemoryOverheads(client *c, const infoMemOverhead *mh) {
    replyField(c, "peak.allocated", (long long)mh->peakAllocated);
    replyField(c, "total.allocated", (long long)mh->totalAllocated);
    replyField(c, "startup.allocated", (long long)mh->startupAllocated);
    replyField(c, "replication.backlog", (long long)mh->replBacklog);
    replyField(c, "clients.slaves", (long long)mh->clientsReplicas);
    replyField(c, "clients.normal", (long long)mh->clientsNormal);
    replyField(c, "cluster.links", (long long)mh->clusterLinks);
    replyField(c, "aof.buffer", (long long)mh->aofBuffer);
    replyField(c, "lua.caches", (long long)mh->luaCaches);
    replyField(c, "functions.caches", (long long)mh->functionsCaches);
    for (int j = 0; j < mh->numDbs; j++) {
        char name[32];
        snprintf(name, sizeof(name), "db.%d", mh->db[j].dbid);
        replyBulkCString(c, name);
        replyMapLen(c, 2);
        replyField(c, "overhead.hashtable.main", (long long)mh->db[j].main);
        replyField(c, "overhead.hashtable.expires", (long long)mh->db[j].expires);
    }
    replyField(c, "overhead.db.hashtable.lut", (long long)mh->dbHashtableLut);
    replyField(c, "overhead.db.hashtable.rehashing", (long long)mh->dbHashtableRehashing);
    replyField(c, "overhead.total", (long long)mh->overheadTotal);
    replyField(c, "db.dict.rehashing.count", mh->dbRehashingCount);
}

static void replyMemoryDataset(client *c, const infoMemOverhead *mh) {
    replyField(c, "keys.count", (long long)mh->totalKeys);
    replyField(c, "keys.bytes-per-key", (long long)mh->bytesPerKey);
    replyField(c, "dataset.bytes", (long long)mh->dataset);
    replyFieldDouble(c, "dataset.percentage", mh->datasetPerc);
    replyFieldDouble(c, "peak.percentage", mh->peakPerc);
    replyField(c, "allocator.allocated", (long long)mh->allocatorAllocated);
    replyField(c, "allocator.active", (long long)mh->allocatorActive);
    replyField(c, "allocator.resident", (long long)mh->allocatorResident);
    replyField(c, "allocator.muzzy", (long long)mh->allocatorMuzzy);
    replyFieldDouble(c, "allocator-fragmentation.ratio", mh->allocatorFrag);
    replyField(c, "allocator-fragmentation.bytes", mh->allocatorFragBytes);
    replyFieldDouble(c, "allocator-rss.ratio", mh->allocatorRss);
    replyField(c, "allocator-rss.bytes", mh->allocatorRssBytes);
    replyFieldDouble(c, "rss-overhead.ratio", mh->rssExtra);
    replyField(c, "rss-overhead.bytes", mh->rssExtraBytes);
    replyFieldDouble(c, "fragmentation", mh->totalFrag);
    replyField(c, "fragmentation.bytes", mh->totalFragBytes);
}

static void memoryStatsCommand(client *c) {
    infoMemOverhead mh;
    infoMemoryOverhead(&mh);
    replyMapLen(c, 31 + mh.numDbs);
    replyMemoryOverheads(c, &mh);
    replyMemoryDataset(c, &mh);
    infoFreeMemoryOverhead(&mh);
}

#define DOCTOR_MIN_MEMORY (5 * 1024 * 1024)

static dstr memoryDoctorReport(void) {
    infoMemOverhead mh;
    infoMemoryOverhead(&mh);
    dstr s;
    if (mh.totalAllocated < DOCTOR_MIN_MEMORY) {
        s = dstrCatPrintf(dstrEmpty(), "The instance uses only %zu bytes: too little memory for the doctor "
                                       "to say anything useful. Load some data and ask again.\n",
                          mh.totalAllocated);
        infoFreeMemoryOverhead(&mh);
        return s;
    }
    s = dstrEmpty();
    int issues = 0;
    if (mh.peakAllocated > mh.totalAllocated / 2 * 3) {
        s = dstrCatPrintf(s, " * Peak memory: the peak (%zu bytes) is more than 150%% of the memory in use "
                             "now; the allocator may keep the difference (see fragmentation).\n",
                          mh.peakAllocated);
        issues++;
    }
    if (mh.totalFrag > 1.4 && mh.totalFragBytes > 10 * 1024 * 1024) {
        s = dstrCatPrintf(s, " * High fragmentation: RSS is %.2f times the memory in use. MEMORY PURGE may "
                             "return some of it to the system.\n",
                          mh.totalFrag);
        issues++;
    }
    size_t clients = clientCount();
    if (clients && mh.clientsNormal / clients > 200 * 1024) {
        s = dstrCatPrintf(s, " * Big client buffers: clients use %zu bytes on average; look for slow "
                             "readers or huge pipelines with CLIENT LIST.\n",
                          mh.clientsNormal / clients);
        issues++;
    }
    if (!issues) s = dstrCat(s, "No memory problem found in this instance.\n");
    else s = dstrCatPrintf(s, "%d issue%s found.\n", issues, issues == 1 ? "" : "s");
    infoFreeMemoryOverhead(&mh);
    return s;
}

static void memoryDoctorCommand(client *c) {
    dstr report = memoryDoctorReport();
    replyVerbatim(c, report, dstrLen(report), "txt");
    dstrFree(report);
}

#ifdef USE_JEMALLOC
static void appendStats(void *privdata, const char *text) {
    dstr *s = privdata;
    *s = dstrCat(*s, text);
}
#endif

static void memoryMallocStatsCommand(client *c) {
#ifdef USE_JEMALLOC
    dstr s = dstrEmpty();
    malloc_stats_print(appendStats, &s, NULL);
    replyVerbatim(c, s, dstrLen(s), "txt");
    dstrFree(s);
#else
    replyBulkCString(c, "Stats not supported for the current allocator");
#endif
}

static void memoryPurgeCommand(client *c) {
#ifdef USE_JEMALLOC
    char name[64];
    snprintf(name, sizeof(name), "arena.%u.purge", (unsigned)MALLCTL_ARENAS_ALL);
    if (mallctl(name, NULL, NULL, NULL, 0) != 0) {
        replyError(c, "ERR Error purging dirty pages");
        return;
    }
#endif
    replyOk(c);
}

static void memoryHelpCommand(client *c) {
    static const char *help[] = {
        "DOCTOR",
        "    Return memory problems reports.",
        "MALLOC-STATS",
        "    Return internal statistics report from the memory allocator.",
        "PURGE",
        "    Attempt to purge dirty pages for reclamation by the allocator.",
        "STATS",
        "    Return information about the memory usage of the server.",
        "USAGE <key> [SAMPLES <count>]",
        "    Return memory in bytes used by <key> and its value. Nested values are",
        "    sampled up to <count> times (default: 5, 0 means sample all).",
        NULL,
    };
    replyHelp(c, help);
}

/* --- Measuring every command --- */

static void afterCall(client *c, serverCommand *cmd, long long durationUs) {
    slowlogMaybeLog(c, cmd, durationUs);
    latencyAfterCommand(c, cmd, durationUs);
}

void introspectCmdsInit(void) {
    dispatchAddAfterCall(afterCall);
    commandBind((const commandBinding[]){
        {"time", timeCommand},
        {"lastsave", lastsaveCommand},
        {"slowlog|get", slowlogGetCommand},
        {"slowlog|len", slowlogLenCommand},
        {"slowlog|reset", slowlogResetCommand},
        {"slowlog|help", slowlogHelpCommand},
        {"latency|latest", latencyLatestCommand},
        {"latency|history", latencyHistoryCommand},
        {"latency|reset", latencyResetCommand},
        {"latency|graph", latencyGraphCommand},
        {"latency|doctor", latencyDoctorCommand},
        {"latency|histogram", latencyHistogramCommand},
        {"latency|help", latencyHelpCommand},
        {"memory|usage", memoryUsageCommand},
        {"memory|stats", memoryStatsCommand},
        {"memory|doctor", memoryDoctorCommand},
        {"memory|malloc-stats", memoryMallocStatsCommand},
        {"memory|purge", memoryPurgeCommand},
        {"memory|help", memoryHelpCommand},
        {NULL, NULL},
    });
}
