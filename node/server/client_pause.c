/* client_pause.c — CLIENT PAUSE: commands of normal clients wait (they are
 * not rejected) until the pause ends, then run in arrival order.
 *
 * How a command waits.  A dispatch gate sees every command after the
 * checks that reject it (arity, auth, and the gates registered before this
 * one).  While paused, for a command the mode holds back (ALL: everything;
 * WRITE: commands flagged write or may-replicate, and EXEC of a
 * transaction that writes), the gate copies the client's argv into a FIFO
 * of held commands, marks the client CLIENT_PAUSED | CLIENT_BLOCKED (a
 * held client is a blocked client to Valkey too: CLIENT LIST shows 'b',
 * the idle timeout spares it) and returns 1, so net stops reading that
 * client's input; its pipelined commands stay in its query buffer.
 *
 * Why the copy: net releases argv and resets the parser as soon as
 * processCommand returns, so the held command would otherwise be lost.  On
 * release each held command is put back as the client's argv and goes
 * through dispatchProcessCommand again (every check re-runs, exactly like
 * a first attempt: it may even be held again), then net resumes the
 * client's buffered input.
 *
 * The FIFO stores client ids, not pointers: a held client may be killed or
 * disconnect, and net offers no free notification.  Release resolves the
 * ids against the live client list in one pass (sorting the held ids), so
 * releasing k held clients among n costs O((n + k) log k), not O(n k).
 *
 * When the pause ends.  UNPAUSE ends it at once; the deadline is a
 * libevent timer re-armed whenever a pause is extended, with the gate and
 * the before-sleep step also checking the clock.  Held commands run in the
 * before-sleep step of the loop iteration in which the pause ended, before
 * net flushes replies and resumes the clients' buffered input.
 *
 * Invariants: a client has at most one held command (it stops reading when
 * held); CLIENT_PAUSED is set exactly while its command is in the FIFO or
 * being released; replicas and monitors are never held. */
#include "node/server/client_pause.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "node/base/mem.h"
#include "node/base/timeutil.h"
#include "node/net/netio.h"
#include "node/server/command.h"
#include "node/server/dispatch.h"
#include "node/server/server.h"

typedef struct heldCommand {
    uint64_t clientId;
    int argc;
    dstr *argv;        /* owned copy */
    client *c;         /* resolved at release time only */
} heldCommand;

static struct {
    long long endMs;   /* unix ms; 0 = not paused */
    int all;           /* ALL (1) or WRITE (0) */
    struct event *timer;
    heldCommand *held;
    size_t len, cap;
} pause;

static uint64_t (*queuedFlagsFn)(const client *c);
static const client *rerunning;

void clientPauseSetQueuedFlagsFn(uint64_t (*fn)(const client *c)) { queuedFlagsFn = fn; }
size_t clientPauseHeldCount(void) { return pause.len; }
const client *clientPauseRerunning(void) { return rerunning; }

static void onDeadline(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    (void)arg;
    /* The timer is re-armed on every extension, so firing means the
     * deadline passed; held commands run in before-sleep, right after. */
    clientPauseEnd();
}

static void armTimer(void) {
    if (!pause.timer) pause.timer = evtimer_new(serverEventBase(), onDeadline, NULL);
    long long ms = pause.endMs - timeMs();
    if (ms < 0) ms = 0;
    struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)((ms % 1000) * 1000)};
    evtimer_add(pause.timer, &tv);
}

void clientPauseStart(long long endMs, int all) {
    if (pause.endMs && timeMs() >= pause.endMs) clientPauseEnd();
    if (endMs > pause.endMs) pause.endMs = endMs;
    pause.all = pause.all || all;
    if (!pause.endMs) {
        pause.all = 0;
        return;
    }
    armTimer();
}

void clientPauseEnd(void) {
    pause.endMs = 0;
    pause.all = 0;
    if (pause.timer) evtimer_del(pause.timer);
}

/* Paused right now (ends an expired pause on the way). */
static int pauseActive(void) {
    if (!pause.endMs) return 0;
    if (timeMs() < pause.endMs) return 1;
    clientPauseEnd();
    return 0;
}

int clientPauseWritesPaused(void) { return pauseActive(); }

static int mayReplicate(const client *c, const serverCommand *cmd) {
    const uint64_t writes = CMD_WRITE | CMD_MAY_REPLICATE;
    if (cmd->flags & writes) return 1;
    if (strcmp(cmd->fullname, "exec") == 0) return queuedFlagsFn ? (queuedFlagsFn(c) & writes) != 0 : 1;
    return 0;
}

static void hold(client *c, serverCommand *cmd) {
    if (pause.len == pause.cap) {
        pause.cap = pause.cap ? pause.cap * 2 : 16;
        pause.held = memRealloc(pause.held, sizeof(heldCommand) * pause.cap);
    }
    pause.held[pause.len++] = (heldCommand){c->id, c->argc, clientCopyArgv(c), NULL};
    c->flags |= CLIENT_PAUSED | CLIENT_BLOCKED;
    c->lastCmd = cmd; /* CLIENT LIST shows the held command, as Valkey does */
}

static int pauseGate(client *c, serverCommand *cmd) {
    if (!pauseActive()) return 0;
    if (c->flags & (CLIENT_REPLICA | CLIENT_MONITOR | CLIENT_FAKE)) return 0;
    if (!pause.all && !mayReplicate(c, cmd)) return 0;
    hold(c, cmd);
    return 1;
}

/* --- Release --- */

typedef struct heldIndex {
    uint64_t clientId;
    size_t pos;
} heldIndex;

static int compareHeldIndex(const void *a, const void *b) {
    uint64_t x = ((const heldIndex *)a)->clientId, y = ((const heldIndex *)b)->clientId;
    return x < y ? -1 : x > y;
}

/* Fills held[i].c for every entry whose client is still connected. */
static void resolveClients(heldCommand *held, size_t n) {
    heldIndex *index = memAlloc(sizeof(heldIndex) * n);
    for (size_t i = 0; i < n; i++) index[i] = (heldIndex){held[i].clientId, i};
    qsort(index, n, sizeof(heldIndex), compareHeldIndex);
    for (client *c = clientListFirst(); c; c = clientListNextOf(c)) {
        if (!(c->flags & CLIENT_PAUSED)) continue;
        size_t lo = 0, hi = n;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (index[mid].clientId < c->id) lo = mid + 1;
            else hi = mid;
        }
        if (lo < n && index[lo].clientId == c->id) held[index[lo].pos].c = c;
    }
    memFree(index);
}

/* Runs one held command as if it had just been read, then lets net resume
 * the client's buffered input (unless the command blocked or was held
 * again).  Net counted the command when it was first held. */
static void rerun(heldCommand *h) {
    client *c = h->c;
    if (!c || (c->flags & (CLIENT_CLOSE_ASAP | CLIENT_CLOSE_AFTER_REPLY))) {
        clientFreeArgvCopy(h->argv, h->argc);
        if (c) c->flags &= ~(CLIENT_PAUSED | CLIENT_BLOCKED);
        return;
    }
    c->flags &= ~(CLIENT_PAUSED | CLIENT_BLOCKED);
    rerunning = c;
    netRunSavedCommand(c, h->argc, h->argv); /* c owns the copy now */
    rerunning = NULL;
}

static void releaseHeld(void) {
    heldCommand *held = pause.held;
    size_t n = pause.len;
    /* A released command may start a new pause: later ones are then held
     * again, into a fresh FIFO. */
    pause.held = NULL;
    pause.len = pause.cap = 0;
    resolveClients(held, n);
    for (size_t i = 0; i < n; i++) rerun(&held[i]);
    memFree(held);
}

static void pauseBeforeSleep(void) {
    if (pauseActive() || pause.len == 0) return;
    releaseHeld();
}

void clientPauseInit(void) {
    dispatchAddGate(pauseGate);
    serverRegisterBeforeSleep(pauseBeforeSleep);
}
