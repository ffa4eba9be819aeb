/* aof_rewrite.c — BGREWRITEAOF: a forked child writes the dataset as a new
 * AOF base while the parent goes on appending to a new incremental file;
 * the automatic rewrite (auto-aof-rewrite-percentage/-min-size) and the
 * rewrite that CONFIG SET appendonly yes starts; INFO's aof_rewrite_*.
 *
 * Order of a rewrite, and why:
 *   1. parent: aofOpenNewIncr — flush the stream to the current
 *      incremental file and switch to a new one (recorded in the manifest,
 *      or only in memory while appendonly yes waits for its first rewrite);
 *   2. fork (childproc.h, kind CHILD_AOF): everything before the fork is
 *      in the base the child writes, everything after it is in the new
 *      incremental file, so base + new incr is the whole dataset;
 *   3. child: writes <appenddirname>/temp-rewriteaof-bg-<pid>.aof (RDB with
 *      aof-base 1, or AOF commands with aof-use-rdb-preamble no, which is
 *      read once at the fork), fsyncs it, exits 0;
 *   4. parent, on success: aofInstallBase renames it to the next base name,
 *      writes the manifest (new base + newest incr) atomically and deletes
 *      the old base and incrementals (marked history first).
 * A failed or killed child changes nothing but removes its temp file: the
 * manifest still lists the old base and every incremental file, the new
 * one included, so the old set stays complete.
 *
 * Scheduling (Valkey's rules): BGREWRITEAOF while a BGSAVE runs is
 * scheduled and cron starts it when no child runs; BGSAVE while a rewrite
 * runs is refused or scheduled by persist_bgsave.c.  Invariant: `scheduled`
 * is cleared only when a rewrite starts, or by appendonly no. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aof/aof_manifest.h"
#include "node/base/log.h"
#include "node/base/mem.h"
#include "node/base/timeutil.h"
#include "node/net/reply.h"
#include "node/server/aof_rewrite.h"
#include "node/server/aof_server.h"
#include "node/server/childproc.h"
#include "node/server/command.h"
#include "node/server/config.h"
#include "node/server/persist.h"
#include "node/server/server.h"
#include "rdb/rdb.h"

#define AUTO_REWRITE_RETRY_SEC 60 /* after repeated failures, auto rewrite waits this long */

static struct {
    int scheduled;
    int lastOk;               /* aof_last_bgrewrite_status */
    long long rewrites;       /* aof_rewrites */
    long long failures;       /* aof_rewrites_consecutive_failures */
    long long lastTimeSec;    /* aof_last_rewrite_time_sec, -1: none yet */
    long long startMs;        /* when the running child forked */
    int preamble;             /* the running child writes an RDB preamble */
    long long lastFailMs;
} rw = {.lastOk = 1, .lastTimeSec = -1};

/* --- Settings kept by the config catalog (placeholders) --- */

static long long configNumber(const char *name, long long fallback) {
    const configDef *d = configLookup(name);
    if (!d || !d->storage) return fallback;
    if (d->type == CONFIG_INT) return *(const int *)d->storage;
    if (d->type == CONFIG_LONGLONG) return *(const long long *)d->storage;
    return fallback;
}

/* --- The child --- */

static void tempName(char *buf, size_t size, pid_t pid) {
    snprintf(buf, size, "temp-rewriteaof-bg-%d.aof", (int)pid);
}

/* rdb-key-save-delay (µs per key, < 0: ns) slows the child as it slows a
 * BGSAVE: tests use it to act while a rewrite runs. */
static void keyDelay(long long delay) {
    struct timespec ts = {0, 0};
    if (delay > 0) ts = (struct timespec){delay / 1000000, (delay % 1000000) * 1000};
    else ts.tv_nsec = -delay;
    nanosleep(&ts, NULL);
}

static void onKeyWritten(void *ctx, long long keys) {
    long long delay = *(const long long *)ctx;
    if (delay) keyDelay(delay);
    if ((keys & 1023) == 0 || delay) childReportProgress(keys);
}

/* The base as AOF commands: written to path, fsynced. */
static int writeCommandBase(const char *path, long long *delay, dstr *err) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd == -1) {
        *err = dstrCatPrintf(dstrEmpty(), "Can't create %s: %s", path, strerror(errno));
        return -1;
    }
    int rc = aofRewriteWriteCommands(fd, onKeyWritten, delay, err);
    if (rc == 0 && fsync(fd) != 0) {
        *err = dstrCatPrintf(dstrEmpty(), "Can't fsync %s: %s", path, strerror(errno));
        rc = -1;
    }
    if (close(fd) != 0 && rc == 0) {
        *err = dstrCatPrintf(dstrEmpty(), "Can't close %s: %s", path, strerror(errno));
        rc = -1;
    }
    return rc;
}

static int rewriteChild(void *arg) {
    (void)arg;
    char name[64];
    tempName(name, sizeof(name), getpid());
    dstr path = aofPath(aofDirName(), name);
    long long delay = configNumber("rdb-key-save-delay", 0);
    rdbSaveOptions opt = {.producerVersion = TESSERA_VERSION, .compress = 1, .checksum = 1, .aofBase = 1,
                          .progress = onKeyWritten, .progressCtx = &delay};
    dstr err = NULL;
    int rc = rw.preamble ? rdbSaveFile(path, &opt, &err) : writeCommandBase(path, &delay, &err);
    dstrFree(path);
    if (rc != 0) {
        serverLog(LL_WARNING, "Error writing the AOF base: %s", err);
        childReportError("%s", err);
        dstrFree(err);
        return 1;
    }
    serverLog(LL_NOTICE, "Successfully created the temporary AOF base file %s", name);
    return 0;
}

/* --- The parent --- */

static void removeTemp(pid_t pid) {
    char name[64];
    tempName(name, sizeof(name), pid);
    dstr path = aofPath(aofDirName(), name);
    unlink(path);
    dstrFree(path);
}

static void noteFailure(void) {
    rw.lastOk = 0;
    rw.failures++;
    rw.lastFailMs = timeMs();
}

static void rewriteDone(const childResult *r, void *arg) {
    (void)arg;
    rw.lastTimeSec = r->durationMs / 1000;
    if (childSucceeded(r)) {
        char name[64];
        tempName(name, sizeof(name), r->pid);
        dstr path = aofPath(aofDirName(), name);
        dstr err = NULL;
        if (aofInstallBase(path, rw.preamble, &err) == 0) {
            serverLog(LL_NOTICE, "Background AOF rewrite terminated with success");
            rw.lastOk = 1;
            rw.failures = 0;
        } else {
            serverLog(LL_WARNING, "Background AOF rewrite: %s", err);
            unlink(path);
            noteFailure();
        }
        dstrFree(err);
        dstrFree(path);
    } else {
        removeTemp(r->pid);
        if (r->signal)
            serverLog(LL_WARNING, "Background AOF rewrite terminated by signal %d", r->signal);
        else
            serverLog(LL_WARNING, "Background AOF rewrite terminated with error%s%s", r->error ? ": " : "",
                      r->error ? r->error : "");
        /* Ended on purpose (appendonly no, shutdown): not an error. */
        if (!r->killedByUs) noteFailure();
        /* appendonly yes still waits: try again. */
        if (!r->killedByUs && aofWaitingRewrite()) rw.scheduled = 1;
    }
    serverLog(LL_NOTICE, "Fork CoW for AOF rewrite: current %zu MB", r->cowBytes / (1024 * 1024));
}

int aofRewriteStart(dstr *err) {
    if (childActive()) {
        *err = dstrNew("another child process is active");
        return -1;
    }
    if (aofOpenNewIncr(err) != 0) {
        serverLog(LL_WARNING, "Can't open a new AOF incremental file for the rewrite: %s", *err);
        noteFailure();
        return -1;
    }
    rw.preamble = aofUsesRdbPreamble();
    pid_t pid = childStart(CHILD_AOF, rewriteChild, rewriteDone, NULL, 0, err);
    if (pid == -1) {
        serverLog(LL_WARNING, "Can't rewrite append only file in background: %s", *err);
        noteFailure();
        return -1;
    }
    rw.scheduled = 0;
    rw.rewrites++;
    rw.startMs = timeMs();
    serverLog(LL_NOTICE, "Background append only file rewriting started by pid %d", (int)pid);
    return 0;
}

int aofRewriteEnable(void) {
    /* A rewrite started with the AOF off did not open an incremental file
     * for the writes after its fork: start over. */
    if (childActiveKind() == CHILD_AOF) childKill();
    if (childActive()) {
        rw.scheduled = 1;
        serverLog(LL_NOTICE, "AOF was enabled but there is already another background operation. An AOF "
                             "background was scheduled to start when possible.");
        return 0;
    }
    dstr err = NULL;
    int rc = aofRewriteStart(&err);
    if (rc != 0) serverLog(LL_WARNING, "Can't turn on the append only file: %s", err);
    dstrFree(err);
    return rc;
}

void aofRewriteKill(void) {
    rw.scheduled = 0;
    if (childActiveKind() == CHILD_AOF) {
        serverLog(LL_NOTICE, "Killing running AOF rewrite child");
        childKill();
    }
}

int aofRewritePending(void) { return rw.scheduled; }

static void bgrewriteaofCommand(client *c) {
    if (childActiveKind() == CHILD_AOF) {
        replyError(c, "ERR Background append only file rewriting already in progress");
        return;
    }
    if (childActive()) {
        rw.scheduled = 1;
        replySimple(c, "Background append only file rewriting scheduled");
        return;
    }
    dstr err = NULL;
    if (aofRewriteStart(&err) == 0) replySimple(c, "Background append only file rewriting started");
    else replyErrorFormat(c, "ERR Can't execute an AOF background rewriting. Please check the server logs for "
                             "more information.");
    dstrFree(err);
}

/* --- Cron --- */

static int autoRewriteDue(void) {
    if (!aofRecording() || aofWaitingRewrite()) return 0;
    long long perc = configNumber("auto-aof-rewrite-percentage", 100);
    long long minSize = configNumber("auto-aof-rewrite-min-size", 64LL * 1024 * 1024);
    long long current = aofCurrentSize();
    if (perc <= 0 || current < minSize) return 0;
    if (rw.failures >= 3 && timeMs() - rw.lastFailMs < AUTO_REWRITE_RETRY_SEC * 1000) return 0;
    long long base = aofBaseSize() > 0 ? aofBaseSize() : 1;
    long long growth = current * 100 / base - 100;
    if (growth < perc) return 0;
    serverLog(LL_NOTICE, "Starting automatic rewriting of AOF on %lld%% growth", growth);
    return 1;
}

static void rewriteCron(void) {
    if (childActive() || persistIsLoading()) return;
    if (!rw.scheduled && !autoRewriteDue()) return;
    dstr err = NULL;
    aofRewriteStart(&err);
    dstrFree(err);
}

/* --- INFO --- */

dstr aofRewriteInfoFields(dstr s) {
    int running = childActiveKind() == CHILD_AOF;
    s = dstrCatPrintf(s, "aof_rewrite_in_progress:%d\r\n", running);
    s = dstrCatPrintf(s, "aof_rewrite_scheduled:%d\r\n", rw.scheduled);
    s = dstrCatPrintf(s, "aof_last_rewrite_time_sec:%lld\r\n", rw.lastTimeSec);
    s = dstrCatPrintf(s, "aof_current_rewrite_time_sec:%lld\r\n", running ? (timeMs() - rw.startMs) / 1000 : -1);
    s = dstrCatPrintf(s, "aof_last_bgrewrite_status:%s\r\n", rw.lastOk ? "ok" : "err");
    s = dstrCatPrintf(s, "aof_rewrites:%lld\r\n", rw.rewrites);
    return dstrCatPrintf(s, "aof_rewrites_consecutive_failures:%lld\r\n", rw.failures);
}

void aofRewriteInit(void) {
    commandBind((const commandBinding[]){{"bgrewriteaof", bgrewriteaofCommand}, {NULL, NULL}});
    serverRegisterCron(rewriteCron);
}
