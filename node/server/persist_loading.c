/* persist_loading.c — the loading state and INFO persistence.
 *
 * While a dataset is being loaded (the RDB at start-up, the AOF, DEBUG
 * RELOAD) INFO shows loading:1 with the loading_* fields, and clients get
 * "-LOADING Valkey is loading the dataset in memory" for every command
 * without the `loading` flag (INFO, CONFIG, SHUTDOWN... have it).
 *
 * Serving clients during a load: the listeners are open before the
 * start-up load (main.c), and the loader's per-key observer calls
 * persistLoadingProgress, which every loading-process-events-interval-bytes
 * of input, or every 100 ms when the keys are small and the bytes come
 * slowly, turns the event loop once without blocking (EVLOOP_ONCE|NONBLOCK:
 * accepts, reads, commands through the gates) and flushes the replies.
 * Cron is not scheduled yet at start-up, so nothing else runs in between.
 * A load inside a command (DEBUG RELOAD) shows the state but serves no one:
 * the event loop must not be entered again from inside a command.
 *
 * INFO persistence is written here in Valkey 8's field order; the AOF
 * module's fields come from the functions it hands to persistSetAofInfo. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "node/base/log.h"
#include "node/base/timeutil.h"
#include "node/net/netio.h"
#include "node/net/reply.h"
#include "node/server/childproc.h"
#include "node/server/command.h"
#include "node/server/config.h"
#include "node/server/dispatch.h"
#include "node/server/info.h"
#include "node/server/persist.h"
#include "node/server/persist_internal.h"
#include "node/server/server.h"

#define LOADING_SERVE_INTERVAL_US 100000

typedef struct loadingState {
    int active;
    int serveClients;       /* the load runs outside a command */
    long long startTime;    /* unix seconds */
    long long totalBytes, loadedBytes;
    long long rdbUsedMem;   /* the file's used-mem AUX field */
    long long nextServeBytes;
    uint64_t lastServeUs;
    unsigned calls;
} loadingState;

static loadingState loading;
static persistInfoFn aofFields, aofEnabledFields;

/* --- Test knobs --- */

void persistDebugDelay(int usec) {
    if (usec > 0) {
        usleep((useconds_t)usec);
        return;
    }
    uint64_t until = timeMonotonicUs() * 1000 + (uint64_t)(-(long long)usec);
    while (timeMonotonicUs() * 1000 < until) {
    }
}

/* --- Loading state --- */

void persistLoadingBegin(long long totalBytes) {
    memset(&loading, 0, sizeof(loading));
    loading.active = 1;
    loading.serveClients = !dispatchInCommand();
    loading.startTime = (long long)time(NULL);
    loading.totalBytes = totalBytes;
    loading.nextServeBytes = persist.loadingEventsIntervalBytes;
    loading.lastServeUs = timeMonotonicUs();
}

/* One non-blocking turn of the loop (a few if it keeps finding work, as
 * clients pipelining INFO would), then the replies go out. */
static void serveClients(void) {
    for (int i = 0; i < 4; i++) {
        if (event_base_loop(serverEventBase(), EVLOOP_ONCE | EVLOOP_NONBLOCK) != 0) break;
        netBeforeSleep();
    }
}

void persistLoadingProgress(long long bytesLoaded) {
    if (!loading.active) return;
    loading.loadedBytes = bytesLoaded;
    if (!loading.serveClients) return;
    int due = bytesLoaded >= loading.nextServeBytes;
    if (!due && (++loading.calls & 1023) != 0 && persist.keyLoadDelay == 0) return;
    uint64_t now = timeMonotonicUs();
    if (!due && now - loading.lastServeUs < LOADING_SERVE_INTERVAL_US) return;
    loading.nextServeBytes = bytesLoaded + persist.loadingEventsIntervalBytes;
    loading.lastServeUs = now;
    serveClients();
    /* SIGTERM (or SHUTDOWN) while loading: the half-loaded data must not
     * be saved, and waiting for the end of a long load is not what the
     * operator asked for.  Leave now, as Valkey does. */
    if (serverIsShuttingDown()) {
        serverLog(LL_WARNING, "Shutdown requested while loading the dataset: exiting without saving.");
        netCloseListeners();
        const char *pidfile = serverGetSettings()->pidfile;
        if (pidfile && pidfile[0]) unlink(pidfile);
        exit(0);
    }
}

void persistLoadingEnd(void) { loading.active = 0; }

int persistIsLoading(void) { return loading.active; }

/* The loader's observer: the used-mem AUX field, and per key the progress
 * and the key-load-delay knob. */
static void observeAux(void *ctx, uint64_t offset, const dstr name, const dstr value) {
    (void)ctx;
    (void)offset;
    if (!strcmp(name, "used-mem")) loading.rdbUsedMem = strtoll(value, NULL, 10);
}

static void observeKey(void *ctx, uint64_t offset, int dbid, int rdbType, const kvobj *kv, int skipped) {
    (void)ctx;
    (void)dbid;
    (void)rdbType;
    (void)kv;
    (void)skipped;
    if (persist.keyLoadDelay) persistDebugDelay(persist.keyLoadDelay);
    persistLoadingProgress((long long)offset);
}

const rdbLoadObserver persistLoadObserver = {.aux = observeAux, .key = observeKey};

#define LOADING_ERROR "LOADING Valkey is loading the dataset in memory"

static int loadingGate(client *c, serverCommand *cmd) {
    if (!loading.active || (c->flags & CLIENT_FAKE) || (cmd->flags & CMD_LOADING)) return 0;
    replyError(c, LOADING_ERROR);
    cmd->rejectedCalls++;
    return 1;
}

void persistRegisterLoadingGate(void) { dispatchAddGate(loadingGate); }

/* --- INFO persistence --- */

void persistSetAofInfo(persistInfoFn fields, persistInfoFn enabledFields) {
    aofFields = fields;
    aofEnabledFields = enabledFields;
}

static dstr addLL(dstr s, const char *field, long long v) { return dstrCatPrintf(s, "%s:%lld\r\n", field, v); }

static dstr addStr(dstr s, const char *field, const char *v) { return dstrCatPrintf(s, "%s:%s\r\n", field, v); }

static dstr childFields(dstr s) {
    childInfo ci;
    childGetInfo(&ci);
    s = addLL(s, "current_cow_peak", (long long)ci.cowPeak);
    s = addLL(s, "current_cow_size", (long long)ci.cowBytes);
    s = addLL(s, "current_cow_size_age", ci.cowAgeSec);
    s = dstrCatPrintf(s, "current_fork_perc:%.2f\r\n", ci.forkPerc);
    s = addLL(s, "current_save_keys_processed", ci.keysProcessed);
    return addLL(s, "current_save_keys_total", ci.keysTotal);
}

static dstr rdbFields(dstr s) {
    pid_t pid = childActivePid(CHILD_RDB);
    s = addLL(s, "rdb_changes_since_last_save", persistChangesSinceLastSave());
    s = addLL(s, "rdb_bgsave_in_progress", pid != -1);
    s = addLL(s, "rdb_last_save_time", serverGetStats()->lastSaveTime);
    s = addStr(s, "rdb_last_bgsave_status", persist.lastBgsaveOk ? "ok" : "err");
    s = addLL(s, "rdb_last_bgsave_time_sec", persist.lastBgsaveTimeSec);
    childInfo ci;
    childGetInfo(&ci);
    s = addLL(s, "rdb_current_bgsave_time_sec", pid != -1 ? (timeMs() - ci.startMs) / 1000 : -1);
    s = addLL(s, "rdb_saves", persist.saveCount);
    s = addLL(s, "rdb_last_cow_size", (long long)childLastCowSize(CHILD_RDB));
    s = addLL(s, "rdb_last_load_keys_expired", persist.lastLoadKeysExpired);
    return addLL(s, "rdb_last_load_keys_loaded", persist.lastLoadKeysLoaded);
}

/* What Valkey prints for the AOF while it is off. */
static dstr idleAofFields(dstr s) {
    s = addLL(s, "aof_enabled", 0);
    s = addLL(s, "aof_rewrite_in_progress", 0);
    s = addLL(s, "aof_rewrite_scheduled", 0);
    s = addLL(s, "aof_last_rewrite_time_sec", -1);
    s = addLL(s, "aof_current_rewrite_time_sec", -1);
    s = addStr(s, "aof_last_bgrewrite_status", "ok");
    s = addLL(s, "aof_rewrites", 0);
    s = addLL(s, "aof_rewrites_consecutive_failures", 0);
    s = addStr(s, "aof_last_write_status", "ok");
    return addLL(s, "aof_last_cow_size", (long long)childLastCowSize(CHILD_AOF));
}

static dstr loadingFields(dstr s) {
    long long elapsed = (long long)time(NULL) - loading.startTime;
    long long remaining = loading.totalBytes - loading.loadedBytes;
    if (remaining < 0) remaining = 0;
    double perc = (double)loading.loadedBytes / (double)(loading.totalBytes + 1) * 100;
    long long eta = elapsed == 0 ? 1 : elapsed * remaining / (loading.loadedBytes + 1);
    s = addLL(s, "loading_start_time", loading.startTime);
    s = addLL(s, "loading_total_bytes", loading.totalBytes);
    s = addLL(s, "loading_rdb_used_mem", loading.rdbUsedMem);
    s = addLL(s, "loading_loaded_bytes", loading.loadedBytes);
    s = dstrCatPrintf(s, "loading_loaded_perc:%.2f\r\n", perc);
    return addLL(s, "loading_eta_seconds", eta);
}

static dstr persistenceSection(dstr s) {
    s = addLL(s, "loading", loading.active);
    s = addLL(s, "async_loading", 0);
    s = childFields(s);
    s = rdbFields(s);
    s = aofFields ? aofFields(s) : idleAofFields(s);
    s = addLL(s, "module_fork_in_progress", 0);
    s = addLL(s, "module_fork_last_cow_size", 0);
    if (aofEnabledFields) s = aofEnabledFields(s);
    if (loading.active) s = loadingFields(s);
    return s;
}

/* CONFIG SET of a deny-loading parameter (dir, ...) while loading. */
static const char *configLoadingError(void) { return loading.active ? LOADING_ERROR : NULL; }

void persistLoadingInit(void) {
    infoRegisterSection("persistence", persistenceSection);
    configLoadingHook = configLoadingError;
}
