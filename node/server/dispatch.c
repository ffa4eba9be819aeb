/* dispatch.c — from a parsed request to a command run and accounted.
 *
 * processCommand is the server's one central gate and is long on purpose:
 * it reads top to bottom as the list of reasons a command may be refused,
 * in the order Valkey checks them (clients rely on which error wins).
 * Checks owned by other modules are gates registered at start-up, so this
 * file does not depend on ACL, cluster or replication code. */
#include "node/server/dispatch.h"

#include <string.h>
#include <strings.h>

#include "node/base/log.h"
#include "node/base/timeutil.h"
#include "node/net/netio.h"
#include "node/net/reply.h"
#include "node/server/server.h"
#include "node/store/db.h"

#define MAX_GATES 16
#define MAX_AFTER_CALL 8

static dispatchGate gates[MAX_GATES];
static int gateCount;
static dispatchAfterWrite afterWrite;
static dispatchAfterCall afterCall[MAX_AFTER_CALL];
static int afterCallCount;
static client *running;        /* client whose command is running */
static int errorsDuringCall;   /* error replies produced by the running command */

void dispatchAddGate(dispatchGate gate) {
    if (gateCount < MAX_GATES) gates[gateCount++] = gate;
}
void dispatchSetAfterWrite(dispatchAfterWrite fn) { afterWrite = fn; }
void dispatchAddAfterCall(dispatchAfterCall fn) {
    if (afterCallCount < MAX_AFTER_CALL) afterCall[afterCallCount++] = fn;
}
int dispatchInCommand(void) { return running != NULL; }

int dispatchIsAuthenticated(client *c) {
    const char *pass = serverGetSettings()->requirepass;
    return !pass || !pass[0] || (c->flags & CLIENT_AUTHENTICATED);
}

/* Error replies are counted by code; those sent while a command runs make
 * it a failed call, those sent before it runs a rejected call. */
static void onErrorReply(client *c, const char *err, size_t len) {
    (void)c;
    serverCountError(err, len);
    if (running) errorsDuringCall++;
}

void dispatchCall(client *c, serverCommand *cmd) {
    client *prevRunning = running;
    int prevErrors = errorsDuringCall;
    running = c;
    errorsDuringCall = 0;
    c->cmd = c->realCmd = cmd;
    c->cmdName = cmd->fullname;
    long long dirtyBefore = dbDirty();
    uint64_t start = timeMonotonicUs();
    /* The command's clock (TTLs, expiry) is the time this loop iteration
     * started: one clock read per iteration instead of one per command. */
    dbSetCommandTime(netNowMs());
    c->flags |= CLIENT_IN_COMMAND;
    cmd->proc(c);
    c->flags &= ~CLIENT_IN_COMMAND;
    long long duration = (long long)(timeMonotonicUs() - start);
    /* A command that blocked is counted once, by the run that completes
     * it (a blocked command is run again when it can be served). */
    if (!(c->flags & CLIENT_BLOCKED)) {
        cmd->calls++;
        cmd->microseconds += duration;
        if (errorsDuringCall) cmd->failedCalls++;
        serverGetStats()->numCommands++;
    }
    long long dirty = dbDirty() - dirtyBefore;
    if (dirty && afterWrite) afterWrite(c, cmd, dirty);
    for (int i = 0; i < afterCallCount; i++) afterCall[i](c, cmd, duration);
    c->lastCmd = cmd;
    running = prevRunning;
    errorsDuringCall = prevErrors;
}

static void rejectUnknownCommand(client *c) {
    dstr args = dstrEmpty();
    for (int i = 1; i < c->argc && dstrLen(args) < 128; i++)
        args = dstrCatPrintf(args, "'%.*s' ", (int)(128 - dstrLen(args)), c->argv[i]);
    replyErrorFormat(c, "ERR unknown command '%.128s', with args beginning with: %s", c->argv[0], args);
    dstrFree(args);
}

static void rejectUnknownSubcommand(client *c, serverCommand *cmd) {
    dstr up = dstrNew(cmd->name);
    dstrToUpper(up);
    replyErrorFormat(c, "ERR unknown subcommand '%.128s'. Try %s HELP.", c->argv[1], up);
    dstrFree(up);
}

/* "POST" and "Host:" open the lines of an HTTP request: a browser, tricked
 * by a web page, is talking HTTP to us (cross protocol scripting).  Like
 * Valkey, drop the connection without a reply and without running the
 * rest of the request, and log it at most once a minute so the attack
 * cannot flood the log. */
static int dropHttpClient(client *c) {
    static long long lastLoggedMs;
    if (c->flags & CLIENT_FAKE) return 0;
    if (strcasecmp(c->argv[0], "post") != 0 && strcasecmp(c->argv[0], "host:") != 0) return 0;
    long long now = timeMs();
    if (!lastLoggedMs || now - lastLoggedMs > 60000) {
        serverLog(LL_WARNING, "Possible SECURITY ATTACK detected. A client sent POST or Host: lines, "
                              "as a web page using cross protocol scripting against this server would. "
                              "Connection from %s aborted.", c->addr);
        lastLoggedMs = now;
    }
    clientCloseAsap(c);
    return 1;
}

int dispatchProcessCommand(client *c) {
    c->cmdName = NULL;
    serverCommand *cmd = commandLookup(c->argv, c->argc);
    if (!cmd) {
        if (!dropHttpClient(c)) rejectUnknownCommand(c);
        return 0;
    }
    c->cmdName = cmd->fullname;
    /* commandLookup returns the container itself when the subcommand is
     * unknown or missing. */
    if (cmd->subcommands && (c->argc >= 2 || !cmd->proc)) {
        if (c->argc >= 2)
            rejectUnknownSubcommand(c, cmd);
        else
            replyErrorArity(c);
        return 0;
    }
    if (!commandCheckArity(cmd, c->argc)) {
        replyErrorArity(c);
        cmd->rejectedCalls++;
        return 0;
    }
    if (!(cmd->flags & CMD_NO_AUTH) && !dispatchIsAuthenticated(c)) {
        replyError(c, "NOAUTH Authentication required.");
        cmd->rejectedCalls++;
        return 0;
    }
    for (int i = 0; i < gateCount; i++) {
        if (gates[i](c, cmd)) return (c->flags & CLIENT_BLOCKED) ? 1 : 0;
    }
    dispatchCall(c, cmd);
    return (c->flags & (CLIENT_BLOCKED | CLIENT_PAUSED)) ? 1 : 0;
}

void dispatchInit(void) { replySetErrorHook(onErrorReply); }
