/* persist_bgsave.c — snapshots in the background: BGSAVE [SCHEDULE], the
 * `save` points acting from cron, the MISCONF gate of
 * stop-writes-on-bgsave-error, and what FLUSHALL does to a running save.
 *
 * A BGSAVE forks (childproc.h); the child has the parent's memory as of
 * the fork, copy-on-write, so writing it out needs no locking and the
 * parent goes on serving.  The child writes temp-<childpid>.rdb, fsyncs,
 * renames it over dbfilename and fsyncs the directory (rdbSaveFile); the
 * parent learns the outcome when it reaps the child and only then moves
 * its counters: the changes since the last save become those made since
 * the fork (persist.dirtyAtFork), lastsave becomes now.
 *
 * Rules between the child kinds are Valkey's: a BGSAVE while a BGSAVE runs
 * is an error; while another child runs (AOF rewrite) it is refused, or
 * remembered with SCHEDULE (and always when inside MULTI/EXEC) and started
 * by cron once the slot is free.  A failed attempt is retried by the save
 * points or the schedule only after CONFIG_BGSAVE_RETRY_DELAY seconds.
 *
 * The MISCONF gate denies write commands (and PING, as Valkey) while the
 * last background save failed, save points are configured and
 * stop-writes-on-bgsave-error is on.  A successful SAVE or BGSAVE lifts it. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "node/base/log.h"
#include "node/base/timeutil.h"
#include "node/net/reply.h"
#include "node/server/childproc.h"
#include "node/server/command.h"
#include "node/server/dispatch.h"
#include "node/server/persist.h"
#include "node/server/persist_internal.h"
#include "node/server/server.h"
#include "node/store/db.h"

#define BGSAVE_RETRY_DELAY 5 /* seconds between failed automatic attempts */

/* --- The child --- */

/* After every key: the rdb-key-save-delay test knob, and the progress
 * report (every 1024 keys is often enough: childReportProgress throttles
 * to 100 ms anyway, and reads the clock). */
static void onKeySaved(void *ctx, long long keys) {
    (void)ctx;
    if (persist.rdbKeySaveDelay) persistDebugDelay(persist.rdbKeySaveDelay);
    if ((keys & 1023) == 0 || persist.rdbKeySaveDelay) childReportProgress(keys);
}

static int bgsaveChild(void *arg) {
    (void)arg;
    rdbSaveOptions opt;
    persistFillSaveOptions(&opt);
    opt.progress = onKeySaved;
    dstr err = NULL;
    if (rdbSaveFile(persist.dbfilename, &opt, &err) != 0) {
        serverLog(LL_WARNING, "%s", err);
        childReportError("%s", err);
        dstrFree(err);
        return 1;
    }
    serverLog(LL_NOTICE, "DB saved on disk");
    return 0;
}

/* --- The parent --- */

static void removeTempFile(pid_t pid) {
    char tmp[64];
    snprintf(tmp, sizeof(tmp), "temp-%d.rdb", (int)pid);
    unlink(tmp);
}

static void bgsaveDone(const childResult *r, void *arg) {
    (void)arg;
    persist.lastBgsaveTimeSec = r->durationMs / 1000;
    if (childSucceeded(r)) {
        serverLog(LL_NOTICE, "Background saving terminated with success");
        persistNoteSaved(persist.dirtyAtFork);
        persist.lastBgsaveOk = 1;
    } else if (r->signal == 0) {
        serverLog(LL_WARNING, "Background saving error%s%s", r->error ? ": " : "", r->error ? r->error : "");
        persist.lastBgsaveOk = 0;
    } else {
        serverLog(LL_WARNING, "Background saving terminated by signal %d", r->signal);
        removeTempFile(r->pid);
        /* Ended on purpose (FLUSHALL, SHUTDOWN, preemption): not an error. */
        if (!r->killedByUs && r->signal != SIGUSR1) persist.lastBgsaveOk = 0;
    }
    serverLog(LL_NOTICE, "Fork CoW for RDB: current %zu MB", r->cowBytes / (1024 * 1024));
}

int persistBgsave(dstr *err) {
    persist.lastBgsaveTry = (long long)time(NULL);
    long long dirty = dbDirty();
    pid_t pid = childStart(CHILD_RDB, bgsaveChild, bgsaveDone, NULL, 0, err);
    if (pid == -1) {
        serverLog(LL_WARNING, "Can't save in background: %s", *err);
        if (childActive()) return -1;
        persist.lastBgsaveOk = 0; /* fork failed: Valkey counts it as a failed save */
        return -1;
    }
    persist.dirtyAtFork = dirty;
    serverLog(LL_NOTICE, "Background saving started by pid %d", (int)pid);
    return 0;
}

void persistKillBgsave(void) {
    if (childActiveKind() == CHILD_RDB) childKill();
}

static void bgsaveCommand(client *c) {
    int schedule = 0;
    if (c->argc == 2 && !strcasecmp(c->argv[1], "schedule")) {
        schedule = 1;
    } else if (c->argc > 1) {
        replyErrorSyntax(c);
        return;
    }
    if (childActiveKind() == CHILD_RDB) {
        replyError(c, "ERR Background save already in progress");
        return;
    }
    if (childActive() || (c->flags & CLIENT_MULTI)) {
        if (schedule || (c->flags & CLIENT_MULTI)) {
            persist.bgsaveScheduled = 1;
            replySimple(c, "Background saving scheduled");
        } else {
            replyError(c, "ERR Another child process is active (AOF?): can't BGSAVE right now. "
                          "Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.");
        }
        return;
    }
    dstr err = NULL;
    if (persistBgsave(&err) == 0) replySimple(c, "Background saving started");
    else replyError(c, "ERR");
    dstrFree(err);
}

/* --- Cron: save points and the scheduled BGSAVE --- */

static int mayRetry(long long now) { return persist.lastBgsaveOk || now - persist.lastBgsaveTry > BGSAVE_RETRY_DELAY; }

static void startFromCron(void) {
    dstr err = NULL;
    persistBgsave(&err);
    dstrFree(err);
}

static void bgsaveCron(void) {
    if (childActive() || persistIsLoading()) return;
    long long now = (long long)time(NULL);
    if (!mayRetry(now)) return;
    long long changes = persistChangesSinceLastSave();
    long long sinceSave = now - serverGetStats()->lastSaveTime;
    for (int i = 0; i < persist.saveParams.count; i++) {
        const configSavePoint *p = &persist.saveParams.points[i];
        if (changes >= p->changes && sinceSave > p->seconds) {
            serverLog(LL_NOTICE, "%lld changes in %lld seconds. Saving...", p->changes, p->seconds);
            startFromCron();
            return;
        }
    }
    if (persist.bgsaveScheduled) {
        startFromCron();
        if (childActiveKind() == CHILD_RDB) persist.bgsaveScheduled = 0;
    }
}

/* --- MISCONF --- */

static serverCommand *pingCmd, *flushallCmd;

static int writesDenied(void) {
    return persist.stopWritesOnBgsaveError && persist.saveParams.count > 0 && !persist.lastBgsaveOk;
}

static int misconfGate(client *c, serverCommand *cmd) {
    if (!writesDenied() || (c->flags & (CLIENT_FAKE | CLIENT_PRIMARY))) return 0;
    if (!pingCmd) pingCmd = commandLookupTop("ping", 4);
    if (!(cmd->flags & CMD_WRITE) && cmd != pingCmd) return 0;
    replyError(c, "MISCONF Valkey is configured to save RDB snapshots, but it's currently unable to persist "
                  "to disk. Commands that may modify the data set are disabled, because this instance is "
                  "configured to report errors during writes if RDB snapshotting fails "
                  "(stop-writes-on-bgsave-error option). Please check the Valkey logs for details about the "
                  "RDB error.");
    cmd->rejectedCalls++;
    return 1;
}

/* FLUSHALL: the running snapshot is of data that no longer exists; end it,
 * and with save points configured write the (empty) dataset at once, as
 * Valkey does, so a restart does not bring the flushed keys back. */
static void afterFlushall(client *c, serverCommand *cmd, long long durationUs) {
    (void)durationUs;
    if (!flushallCmd) flushallCmd = commandLookupTop("flushall", 8);
    if (cmd != flushallCmd) return;
    /* A FLUSHALL refused for its arguments flushed nothing. */
    if (c->argc > 2 || (c->argc == 2 && strcasecmp(c->argv[1], "sync") && strcasecmp(c->argv[1], "async")))
        return;
    persistKillBgsave();
    if (persist.saveParams.count == 0) return;
    dstr err = NULL;
    if (persistSave(&err) == 0) persist.saveCount--; /* rdb_saves does not count it (redis 7.0 checked) */
    dstrFree(err);
}

void persistBgsaveInit(void) {
    commandBind((const commandBinding[]){{"bgsave", bgsaveCommand}, {NULL, NULL}});
    serverRegisterCron(bgsaveCron);
    dispatchAddAfterCall(afterFlushall);
}

void persistRegisterGates(void) {
    static int done;
    if (done) return;
    done = 1;
    dispatchAddGate(misconfGate);
    persistRegisterLoadingGate();
}
