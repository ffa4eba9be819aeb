/* server.c — the server process: the event loop and its two kinds of
 * periodic work, signals, and shutdown.
 *
 * The loop is libevent's, run one iteration at a time so that every
 * iteration ends with the before-sleep step (DESIGN.md): the fast expire
 * cycle, the registered before-sleep hooks (persistence, replication), and
 * then net's flush of every client's pending replies.  Cron runs `hz` times
 * a second from a libevent timer: statistics, client housekeeping, the slow
 * expire cycle, incremental rehashing, and the registered cron hooks.
 *
 * Shutdown is never done inside a signal handler or a command: both only
 * request it, and the loop carries it out at the end of the iteration, so
 * the reply to SHUTDOWN's caller (on failure) and other clients' output is
 * consistent. */
#include "node/server/server.h"

#include <errno.h>
#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "node/base/log.h"
#include "node/base/mem.h"
#include "node/base/rand.h"
#include "node/base/timeutil.h"
#include "node/net/netio.h"
#include "node/store/db.h"
#include "node/store/hashtable.h"
#include "node/store/lazyfree.h"
#include "node/server/latency.h"

#define MAX_HOOKS 32
#define ERRORSTATS_MAX 128

static serverSettings settings = {
    .hz = 10,
    .dynamicHz = 1,
    .databases = 16,
    .loglevel = LL_NOTICE,
    .shutdownTimeout = 10,
    .enableDebugCommand = PROTECTED_NO,
    .enableProtectedConfigs = PROTECTED_NO,
    .activeRehashing = 1,
    .activeExpireEffort = 1,
    .crashLogEnabled = 1,
    .slowlogLogSlowerThan = 10000,
    .slowlogMaxLen = 128,
    .latencyTracking = 1,
    .setProcTitle = 1,
    .jemallocBgThread = 1,
};
static serverStats stats;
static struct event_base *base;
static struct event *cronEvent;
static struct event *sigtermEvent, *sigintEvent;
static char runId[41];
static const char *executable = "";
static const char *configFile = "";

static void (*cronHooks[MAX_HOOKS])(void);
static int cronHookCount;
static void (*beforeSleepHooks[MAX_HOOKS])(void);
static int beforeSleepHookCount;
static void (*resetHooks[MAX_HOOKS])(void);
static void (*clientFreedHooks[MAX_HOOKS])(client *c);
static int clientFreedHookCount;
static void (*clientResetHooks[MAX_HOOKS])(client *c);
static int clientResetHookCount;
static int resetHookCount;
static int (*shutdownHandlers[MAX_HOOKS])(int flags, dstr *err);
static int shutdownHandlerCount;

static int shutdownRequested;
static int shutdownFlags;

/* Instantaneous metrics: a ring of samples taken every 100 ms. */
#define METRIC_SAMPLES 16
static struct {
    long long lastTimeMs, lastCommands, lastIn, lastOut;
    long long ops[METRIC_SAMPLES], in[METRIC_SAMPLES], out[METRIC_SAMPLES];
    int idx;
} metrics;

serverSettings *serverGetSettings(void) { return &settings; }
serverStats *serverGetStats(void) { return &stats; }
struct event_base *serverEventBase(void) { return base; }
const char *serverRunId(void) { return runId; }
const char *serverExecutable(void) { return executable; }
const char *serverConfigFile(void) { return configFile; }
long long serverUptimeSeconds(void) { return (timeMs() - stats.startTimeMs) / 1000; }
int serverIsShuttingDown(void) { return shutdownRequested; }

void serverOnClientFreed(void (*fn)(client *c)) {
    if (clientFreedHookCount < MAX_HOOKS) clientFreedHooks[clientFreedHookCount++] = fn;
}
void serverOnClientReset(void (*fn)(client *c)) {
    if (clientResetHookCount < MAX_HOOKS) clientResetHooks[clientResetHookCount++] = fn;
}
void serverClientFreed(client *c) {
    for (int i = 0; i < clientFreedHookCount; i++) clientFreedHooks[i](c);
}
void serverClientReset(client *c) {
    for (int i = 0; i < clientResetHookCount; i++) clientResetHooks[i](c);
}

void serverRegisterCron(void (*fn)(void)) {
    if (cronHookCount < MAX_HOOKS) cronHooks[cronHookCount++] = fn;
}
void serverRegisterBeforeSleep(void (*fn)(void)) {
    if (beforeSleepHookCount < MAX_HOOKS) beforeSleepHooks[beforeSleepHookCount++] = fn;
}
void serverRegisterResetStats(void (*fn)(void)) {
    if (resetHookCount < MAX_HOOKS) resetHooks[resetHookCount++] = fn;
}
void serverRegisterShutdownHandler(int (*fn)(int flags, dstr *err)) {
    if (shutdownHandlerCount < MAX_HOOKS) shutdownHandlers[shutdownHandlerCount++] = fn;
}

/* --- Error statistics --- */

static struct {
    char code[32];
    long long count;
} errorStats[ERRORSTATS_MAX];
static int errorStatCount;
static int errorStatsDisabled;

void serverCountError(const char *err, size_t len) {
    stats.totalErrorReplies++;
    if (errorStatsDisabled) return;
    size_t n = 0;
    while (n < len && n < sizeof(errorStats[0].code) - 1 && err[n] != ' ') n++;
    for (int i = 0; i < errorStatCount; i++) {
        if (strlen(errorStats[i].code) == n && memcmp(errorStats[i].code, err, n) == 0) {
            errorStats[i].count++;
            return;
        }
    }
    if (errorStatCount == ERRORSTATS_MAX) {
        /* Too many distinct codes: something generates junk codes. Stop
         * tracking (as Valkey does) rather than grow without bound. */
        errorStatsDisabled = 1;
        serverLog(LL_WARNING, "Errorstats stopped adding new errors because the number of errors "
                              "reached the limit, may be misuse of lua error function.");
        return;
    }
    memcpy(errorStats[errorStatCount].code, err, n);
    errorStats[errorStatCount].code[n] = '\0';
    errorStats[errorStatCount++].count = 1;
}

long long serverErrorStat(int i, const char **code) {
    if (i < 0 || i >= errorStatCount) return -1;
    *code = errorStats[i].code;
    return errorStats[i].count;
}

void serverResetErrorStats(void) {
    errorStatCount = 0;
    errorStatsDisabled = 0;
}

void serverResetStats(void) {
    long long start = stats.startTimeMs, lastSave = stats.lastSaveTime;
    memset(&stats, 0, sizeof(stats));
    stats.startTimeMs = start;
    stats.lastSaveTime = lastSave;
    serverResetErrorStats();
    memset(&metrics, 0, sizeof(metrics));
    for (int i = 0; i < resetHookCount; i++) resetHooks[i]();
}

/* --- Cron --- */

static long long ringAverage(const long long *ring) {
    long long sum = 0;
    for (int i = 0; i < METRIC_SAMPLES; i++) sum += ring[i];
    return sum / METRIC_SAMPLES;
}

static void sampleMetrics(void) {
    long long now = timeMs();
    long long elapsed = now - metrics.lastTimeMs;
    if (elapsed < 100) return;
    netStats *ns = netGetStats();
    if (metrics.lastTimeMs) {
        metrics.ops[metrics.idx] = (stats.numCommands - metrics.lastCommands) * 1000 / elapsed;
        metrics.in[metrics.idx] = (ns->netInputBytes - metrics.lastIn) * 1000 / elapsed;
        metrics.out[metrics.idx] = (ns->netOutputBytes - metrics.lastOut) * 1000 / elapsed;
        metrics.idx = (metrics.idx + 1) % METRIC_SAMPLES;
    }
    metrics.lastTimeMs = now;
    metrics.lastCommands = stats.numCommands;
    metrics.lastIn = ns->netInputBytes;
    metrics.lastOut = ns->netOutputBytes;
    stats.instantaneousOps = ringAverage(metrics.ops);
    stats.instantaneousInputKbps = (double)ringAverage(metrics.in) / 1024;
    stats.instantaneousOutputKbps = (double)ringAverage(metrics.out) / 1024;
}

static void rehashDatabases(void) {
    /* 1 ms of incremental rehashing per tick on the first db that needs it. */
    for (int i = 0; i < dbCountDatabases(); i++) {
        serverDb *db = dbByIndex(i);
        if (hashtableIsRehashing(db->keys)) {
            hashtableRehashMicroseconds(db->keys, 1000);
            return;
        }
        if (hashtableIsRehashing(db->expires)) {
            hashtableRehashMicroseconds(db->expires, 1000);
            return;
        }
    }
}

/* The hz actually used: the setting clamped to 1..500 as Valkey does. */
static int cronHz(void) { return settings.hz < 1 ? 1 : (settings.hz > 500 ? 500 : settings.hz); }

static void cronHandler(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    (void)arg;
    stats.cronLoops++;
    timeCalibrate();
    dbSetCommandTime(0);
    sampleMetrics();
    size_t used = memUsed();
    if ((long long)used > stats.peakMemory) {
        stats.peakMemory = (long long)used;
        stats.peakMemoryTime = timeMs() / 1000;
    }
    netClientsCron();
    long long budget = 1000000LL / cronHz() * 25 / 100;
    uint64_t expireStart = timeMonotonicUs();
    dbActiveExpireCycle(0, budget);
    latencyAddSampleIfNeeded("expire-cycle", (long long)(timeMonotonicUs() - expireStart) / 1000);
    for (int i = 0; i < dbCountDatabases(); i++) {
        hashtableShrinkIfNeeded(dbByIndex(i)->keys);
        hashtableShrinkIfNeeded(dbByIndex(i)->expires);
    }
    if (settings.activeRehashing) rehashDatabases();
    for (int i = 0; i < cronHookCount; i++) cronHooks[i]();
}

static void scheduleCron(void) {
    struct timeval tv = {0, 1000000 / cronHz()};
    if (!cronEvent) cronEvent = event_new(base, -1, EV_PERSIST, cronHandler, NULL);
    event_add(cronEvent, &tv);
}

void serverApplyHz(void) {
    if (cronEvent) scheduleCron();
}

/* --- Signals and shutdown --- */

static void signalHandler(evutil_socket_t sig, short what, void *arg) {
    (void)what;
    (void)arg;
    const char *name = sig == SIGINT ? "SIGINT" : "SIGTERM";
    int flags = sig == SIGINT ? settings.shutdownOnSigint : settings.shutdownOnSigterm;
    if (shutdownRequested && sig == SIGINT) {
        serverLog(LL_WARNING, "You insist... exiting now.");
        exit(1);
    }
    serverLog(LL_WARNING, "Received %s scheduling shutdown...", name);
    shutdownRequested = 1;
    shutdownFlags = flags;
}

static int shutdownPrepared; /* handlers already ran for this request */

/* Runs the shutdown handlers (final save, ...); returns 0 if the process
 * may exit, -1 with *err set if one failed and FORCE was not given. */
static int runShutdownHandlers(int flags, dstr *err) {
    serverLog(LL_WARNING, "User requested shutdown...");
    for (int i = 0; i < shutdownHandlerCount; i++) {
        dstr why = NULL;
        if (shutdownHandlers[i](flags, &why) != 0 && !(flags & SHUTDOWN_FORCE)) {
            serverLog(LL_WARNING, "Errors trying to shut down the server. Check the logs for more "
                                  "information.");
            if (err) *err = why ? why : dstrNew("ERR Errors trying to SHUTDOWN. Check logs.");
            else dstrFree(why);
            return -1;
        }
        dstrFree(why);
    }
    return 0;
}

/* SHUTDOWN runs the handlers now, so its caller hears about a failed final
 * save; the exit itself happens at the end of the loop iteration. */
int serverRequestShutdown(int flags, dstr *err) {
    if (runShutdownHandlers(flags, err) != 0) return -1;
    shutdownRequested = 1;
    shutdownPrepared = 1;
    shutdownFlags = flags;
    return 0;
}

/* Runs the shutdown handlers; returns 0 if the process may exit. */
static int finishShutdown(void) {
    /* A signal only sets the flag: its handlers run here. */
    if (!shutdownPrepared && runShutdownHandlers(shutdownFlags, NULL) != 0) return -1;
    if (settings.pidfile && settings.pidfile[0]) {
        serverLog(LL_NOTICE, "Removing the pid file.");
        unlink(settings.pidfile);
    }
    /* Let the lazy-free thread finish what it holds so the process exits
     * with nothing half freed (sanitizer builds report it as leaked). */
    lazyfreeWaitIdle(5000);
    netFlushAll(1000);
    netCloseListeners();
    serverLog(LL_WARNING, "%s is now ready to exit, bye bye...", "tessera");
    return 0;
}

/* --- Lifecycle --- */

int serverInit(const char *exe, const char *configPath, char *err, size_t errlen) {
    executable = exe;
    configFile = configPath ? configPath : "";
    stats.startTimeMs = timeMs();
    timeCalibrate();
    stats.lastSaveTime = stats.startTimeMs / 1000;
    randHex(runId, 40);
    if (settings.jemallocBgThread) memSetBackgroundPurge(1);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    base = event_base_new();
    if (!base) {
        snprintf(err, errlen, "Failed creating the event loop");
        return -1;
    }
    if (dbSetup(settings.databases) == -1) {
        snprintf(err, errlen, "Invalid number of databases");
        return -1;
    }
    netInit(base);
    sigtermEvent = evsignal_new(base, SIGTERM, signalHandler, NULL);
    sigintEvent = evsignal_new(base, SIGINT, signalHandler, NULL);
    event_add(sigtermEvent, NULL);
    event_add(sigintEvent, NULL);
    return 0;
}

static void beforeSleep(void) {
    dbSetCommandTime(0);
    dbActiveExpireCycle(1, 0);
    /* Every command of this iteration runs before the hooks (the last of
     * them writes the AOF), and every reply leaves after them: a reply
     * never acknowledges a write the AOF does not hold yet. */
    do {
        netResumeUnblocked();
        for (int i = 0; i < beforeSleepHookCount; i++) beforeSleepHooks[i]();
    } while (netHasUnblocked());
    netBeforeSleep();
}

int serverRun(void) {
    scheduleCron();
    for (;;) {
        beforeSleep();
        if (shutdownRequested) {
            if (finishShutdown() == 0) break;
            shutdownRequested = 0;
        }
        if (event_base_loop(base, EVLOOP_ONCE) == -1) {
            serverLog(LL_WARNING, "Event loop failure: %s", strerror(errno));
            return 1;
        }
    }
    return 0;
}
