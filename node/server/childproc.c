/* childproc.c — the forked child (BGSAVE, BGREWRITEAOF, full sync): fork,
 * the progress pipe, reaping and killing.
 *
 * One child at a time, as Valkey: two children would double the
 * copy-on-write cost and fight for the disk, and the rules between kinds
 * (schedule one after the other) are simpler to state than to arbitrate.
 *
 * The pipe runs from child to parent and carries fixed-size messages
 * (progress, error), each smaller than PIPE_BUF so a write is atomic and
 * the parent never sees half a message.  Both ends are non-blocking: a
 * parent that does not drain (it only reads from cron) makes the child drop
 * progress messages rather than stall the save; the final message is sent
 * when the pipe has room again (the parent drains before it reaps).
 *
 * Reaping: the parent watches its end of the pipe in the event loop; the
 * child's exit closes the other end, so EOF arrives the moment the child
 * is gone and the parent reaps at once (a BGSAVE's outcome is not held
 * back until the next cron tick).  Cron calls childCheckDone as well, the
 * fallback when the event fired just before the child became a zombie.
 * No SIGCHLD handler, so nothing runs in signal context and a done
 * callback always runs from the event loop (or from childKill), where it
 * may start the next child.
 *
 * The child: resets the signals the parent handles through libevent (a
 * SIGTERM must end the child, not wake the parent's loop through the shared
 * socketpair), never touches libevent (the epoll set is shared with the
 * parent), closes its copies of the listening sockets (found by
 * SO_ACCEPTCONN: a plain close, which leaves the parent's registration
 * alone) so a parent killed during a save can restart on its port at once,
 * and leaves with _exit so no atexit handler or inherited stdio buffer runs
 * twice.
 *
 * While a child lives, hash tables do not resize (hashtableSetResizePolicy):
 * a rehash would write every page of the table, doubling its memory through
 * copy-on-write.
 *
 * Invariants: state.kind == CHILD_NONE <=> state.pid == -1 <=> pipe closed;
 * done is called exactly once per successful childStart. */
#include "node/server/childproc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>

#include "node/base/log.h"
#include "node/base/timeutil.h"
#include "node/server/info.h"
#include "node/server/latency.h"
#include "node/server/server.h"
#include "node/store/db.h"
#include "node/store/hashtable.h"

enum { MSG_PROGRESS = 1, MSG_ERROR = 2 };

typedef struct childMsg {
    int type;
    long long keys;
    long long cow; /* bytes, -1: not measured this time */
    char text[256];
} childMsg;

_Static_assert(sizeof(childMsg) <= PIPE_BUF, "pipe messages must be atomic");

typedef struct childState {
    childKind kind;
    pid_t pid;
    int pipeRead;
    struct event *pipeEvent;
    childBodyFn body;
    childDoneFn done;
    void *arg;
    long long startMs;
    long long keysTotal, keysProcessed;
    size_t cow, cowPeak;
    long long cowUpdatedMs;
    char error[256];
} childState;

static childState state = {.kind = CHILD_NONE, .pid = -1, .pipeRead = -1};
static long long latestForkUsec, totalForks;
static size_t lastCow[CHILD_KINDS];

/* --- The child's side --- */

static int inChild;
static int childPipeWrite = -1;
static uint64_t lastSendUs, lastCowUs;

int childInChild(void) { return inChild; }

/* Private_Dirty of the whole process, in bytes (0 if unreadable). */
static size_t readPrivateDirty(void) {
    FILE *f = fopen("/proc/self/smaps_rollup", "r");
    if (!f) return 0;
    char line[256];
    size_t kb = 0;
    while (fgets(line, sizeof(line), f)) {
        if (!strncmp(line, "Private_Dirty:", 14)) {
            kb = (size_t)strtoull(line + 14, NULL, 10);
            break;
        }
    }
    fclose(f);
    return kb * 1024;
}

static void sendMsg(const childMsg *m) {
    if (childPipeWrite == -1) return;
    ssize_t n;
    do n = write(childPipeWrite, m, sizeof(*m));
    while (n == -1 && errno == EINTR);
}

static void sendProgress(long long keys, int measureCow) {
    childMsg m = {.type = MSG_PROGRESS, .keys = keys, .cow = -1};
    if (measureCow) m.cow = (long long)readPrivateDirty();
    sendMsg(&m);
}

void childReportProgress(long long keysProcessed) {
    if (!inChild) return;
    uint64_t now = timeMonotonicUs();
    if (now - lastSendUs < 100000) return;
    int cow = now - lastCowUs >= 1000000;
    lastSendUs = now;
    if (cow) lastCowUs = now;
    sendProgress(keysProcessed, cow);
}

void childReportError(const char *fmt, ...) {
    childMsg m = {.type = MSG_ERROR};
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m.text, sizeof(m.text), fmt, ap);
    va_end(ap);
    if (inChild) sendMsg(&m);
}

/* The final message must get through: wait (briefly) for room. */
static void sendFinal(void) {
    int flags = fcntl(childPipeWrite, F_GETFL);
    if (flags != -1) fcntl(childPipeWrite, F_SETFL, flags & ~O_NONBLOCK);
    sendProgress(-1, 1);
}

static void setupChildSignals(void) {
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGUSR1, SIG_DFL);
    signal(SIGPIPE, SIG_IGN);
}

static void closeListeningSockets(void) {
    DIR *d = opendir("/proc/self/fd");
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        int fd = atoi(e->d_name);
        if (fd <= STDERR_FILENO || fd == dirfd(d)) continue;
        int listening = 0;
        socklen_t len = sizeof(listening);
        if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) == 0 && listening) close(fd);
    }
    closedir(d);
}

static void runChild(int pipeWrite, childBodyFn body, void *arg) {
    inChild = 1;
    childPipeWrite = pipeWrite;
    setupChildSignals();
    closeListeningSockets();
    logSetRole('C');
    lastSendUs = lastCowUs = timeMonotonicUs();
    int rc = body(arg);
    sendFinal();
    _exit(rc == 0 ? 0 : ((rc & 0xff) ? rc & 0xff : 1));
}

/* --- The parent's side --- */

static void watchPipe(void);

static long long keyspaceSize(void) {
    long long n = 0;
    for (int i = 0; i < dbCountDatabases(); i++) n += (long long)dbSize(dbByIndex(i));
    return n;
}

static void resetState(void) {
    state.kind = CHILD_NONE;
    state.pid = -1;
    if (state.pipeEvent) event_free(state.pipeEvent);
    state.pipeEvent = NULL;
    if (state.pipeRead != -1) close(state.pipeRead);
    state.pipeRead = -1;
    state.keysTotal = state.keysProcessed = 0;
    state.cow = state.cowPeak = 0;
    state.cowUpdatedMs = 0;
    state.error[0] = '\0';
}

pid_t childStart(childKind kind, childBodyFn body, childDoneFn done, void *arg, long long keysTotal,
                 dstr *err) {
    if (state.kind != CHILD_NONE) {
        *err = dstrNew("another child process is active");
        return -1;
    }
    int fds[2];
    if (pipe(fds) == -1) {
        *err = dstrCatPrintf(dstrEmpty(), "can't create the child info pipe: %s", strerror(errno));
        return -1;
    }
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    fcntl(fds[1], F_SETFL, O_NONBLOCK);
    fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    uint64_t t0 = timeMonotonicUs();
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        runChild(fds[1], body, arg);
    }
    int saved = errno;
    close(fds[1]);
    if (pid == -1) {
        close(fds[0]);
        *err = dstrCatPrintf(dstrEmpty(), "fork failed: %s", strerror(saved));
        return -1;
    }
    latestForkUsec = (long long)(timeMonotonicUs() - t0);
    totalForks++;
    latencyAddSampleIfNeeded("fork", latestForkUsec / 1000);
    resetState();
    state = (childState){.kind = kind, .pid = pid, .pipeRead = fds[0], .body = body, .done = done, .arg = arg,
                         .startMs = timeMs(), .keysTotal = keysTotal > 0 ? keysTotal : keyspaceSize()};
    state.cowUpdatedMs = state.startMs;
    /* A resize would touch (and copy) every page of a table the child
     * is reading: hold them off while it lives (nearly full tables still
     * grow). */
    hashtableSetResizePolicy(0);
    watchPipe();
    return pid;
}

childKind childActiveKind(void) { return state.kind; }
int childActive(void) { return state.kind != CHILD_NONE; }
pid_t childActivePid(childKind kind) { return state.kind != CHILD_NONE && state.kind == kind ? state.pid : -1; }

static void applyMsg(const childMsg *m) {
    if (m->type == MSG_ERROR) {
        snprintf(state.error, sizeof(state.error), "%s", m->text);
        return;
    }
    if (m->type != MSG_PROGRESS) return;
    if (m->keys >= 0) state.keysProcessed = m->keys;
    if (m->cow >= 0) {
        state.cow = (size_t)m->cow;
        if (state.cow > state.cowPeak) state.cowPeak = state.cow;
        state.cowUpdatedMs = timeMs();
    }
}

/* Reads every whole message waiting; returns 1 at EOF (the child is gone
 * or going). */
static int drainPipe(void) {
    childMsg m;
    for (;;) {
        ssize_t n = read(state.pipeRead, &m, sizeof(m));
        if (n == (ssize_t)sizeof(m)) applyMsg(&m);
        else if (n == -1 && errno == EINTR) continue;
        else return n == 0; /* EAGAIN, EOF, or a short read (cannot happen: atomic writes) */
    }
}

/* The child is gone (status from waitpid): hand the outcome to its owner.
 * The state is cleared first so the callback may start the next child. */
static void finish(int status, int killedByUs) {
    drainPipe();
    childResult res = {.kind = state.kind, .pid = state.pid, .killedByUs = killedByUs,
                       .durationMs = timeMs() - state.startMs, .cowBytes = state.cow,
                       .keysProcessed = state.keysProcessed};
    if (WIFSIGNALED(status)) {
        res.exitCode = -1;
        res.signal = WTERMSIG(status);
    } else {
        res.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    char error[sizeof(state.error)];
    snprintf(error, sizeof(error), "%s", state.error);
    res.error = error[0] ? error : NULL;
    childDoneFn done = state.done;
    void *arg = state.arg;
    lastCow[res.kind] = res.cowBytes;
    resetState();
    hashtableSetResizePolicy(1);
    if (done) done(&res, arg);
}

static void onPipeReadable(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    (void)arg;
    if (!drainPipe()) return;
    /* EOF: the child closed its end by exiting; it becomes reapable within
     * microseconds.  Poll briefly, then leave the rest to cron. */
    pid_t pid = state.pid;
    for (int i = 0; i < 50 && state.pid == pid && state.kind != CHILD_NONE; i++) {
        childCheckDone();
        if (state.pid == pid && state.kind != CHILD_NONE) usleep(100);
    }
    /* Still there: stop watching a pipe that stays readable at EOF. */
    if (state.pid == pid && state.pipeEvent) event_del(state.pipeEvent);
}

static void watchPipe(void) {
    struct event_base *base = serverEventBase();
    if (!base) return; /* unit tests: cron-less, childCheckDone by hand */
    state.pipeEvent = event_new(base, state.pipeRead, EV_READ | EV_PERSIST, onPipeReadable, NULL);
    if (state.pipeEvent) event_add(state.pipeEvent, NULL);
}

void childCheckDone(void) {
    if (state.kind == CHILD_NONE) return;
    drainPipe();
    int status = 0;
    pid_t r = waitpid(state.pid, &status, WNOHANG);
    if (r == 0 || (r == -1 && errno == EINTR)) return;
    if (r == -1) {
        serverLog(LL_WARNING, "waitpid() on child %d failed: %s", (int)state.pid, strerror(errno));
        status = 0xff00; /* reported as exit code 255 */
    }
    finish(status, 0);
}

void childKill(void) {
    if (state.kind == CHILD_NONE) return;
    kill(state.pid, SIGUSR1);
    int status = 0;
    pid_t r;
    do r = waitpid(state.pid, &status, 0);
    while (r == -1 && errno == EINTR);
    if (r == -1) status = 0xff00;
    finish(status, 1);
}

/* --- INFO --- */

void childGetInfo(childInfo *out) {
    memset(out, 0, sizeof(*out));
    out->latestForkUsec = latestForkUsec;
    out->totalForks = totalForks;
    out->kind = state.kind;
    if (state.kind == CHILD_NONE) return;
    drainPipe();
    out->startMs = state.startMs;
    out->cowBytes = state.cow;
    out->cowPeak = state.cowPeak;
    out->cowAgeSec = state.cow ? (timeMs() - state.cowUpdatedMs) / 1000 : 0;
    out->keysProcessed = state.keysProcessed;
    out->keysTotal = state.keysTotal;
    out->forkPerc = state.keysTotal > 0 ? (double)state.keysProcessed * 100.0 / (double)state.keysTotal : 0;
    if (out->forkPerc > 100) out->forkPerc = 100;
}

size_t childLastCowSize(childKind kind) { return kind > CHILD_NONE && kind < CHILD_KINDS ? lastCow[kind] : 0; }

static long long latestForkCounter(void) { return latestForkUsec; }
static long long totalForksCounter(void) { return totalForks; }

void childInit(void) {
    static int done;
    if (done) return;
    done = 1;
    serverRegisterCron(childCheckDone);
    infoRegisterCounter("latest_fork_usec", latestForkCounter);
    infoRegisterCounter("total_forks", totalForksCounter);
}
