/* monitor.c — MONITOR: streaming every command the server runs.
 *
 * Feeding happens in a dispatch after-call hook, i.e. where Valkey feeds
 * monitors: after the command ran (its own reply first, then the line),
 * for commands that failed at run time too, never for those rejected
 * before running (unknown, arity, NOAUTH, refused by a gate).  The line is
 * built once and appended to every monitor's output.
 *
 * Monitors are found by their CLIENT_MONITOR flag on the client list
 * rather than kept in a list of our own: net has no "client freed"
 * notification, so a private list could hold dangling pointers.  A count
 * of monitors seen by the last feed (an upper bound: monitors only leave
 * by disconnecting or RESET) makes the common no-monitor case one branch.
 *
 * A monitor is a normal client for output buffer limits and CLIENT LIST
 * TYPE, is never held by CLIENT PAUSE, and may not touch the keyspace any
 * more (Valkey treats it as a replica link): commands flagged read, write
 * or may-replicate get "Replica can't interact with the keyspace"; PING,
 * CLIENT INFO, RESET, QUIT and the like still work. */
#include "node/server/monitor.h"

#include <string.h>
#include <strings.h>

#include "node/base/mem.h"
#include "node/base/timeutil.h"
#include "node/net/client_info.h"
#include "node/net/netio.h"
#include "node/net/reply.h"
#include "node/server/command.h"
#include "node/server/dispatch.h"
#include "node/store/db.h"

static int monitorsSeen;   /* monitors found by the last feed, or since */

static void monitorCommand(client *c) {
    if (c->flags & CLIENT_EXECUTING_MULTI) {
        replyError(c, "ERR MONITOR isn't allowed for DENY BLOCKING client");
        return;
    }
    /* Already a monitor (or a replica): ignored, without a reply. */
    if (c->flags & (CLIENT_MONITOR | CLIENT_REPLICA)) return;
    c->flags |= CLIENT_MONITOR;
    monitorsSeen++;
    replyOk(c);
}

void monitorDetach(client *c) { c->flags &= ~CLIENT_MONITOR; }

/* --- Redaction --- */

/* Marks in redact[] the arguments that carry secrets. */
static void markSecrets(dstr *argv, int argc, unsigned char *redact) {
    const char *name = argv[0];
    if (!strcasecmp(name, "auth")) {
        for (int j = 1; j < argc; j++) redact[j] = 1;
    } else if (!strcasecmp(name, "hello")) {
        for (int j = 2; j < argc; j++) {
            if (!strcasecmp(argv[j], "auth") && j + 2 < argc) {
                redact[j + 1] = redact[j + 2] = 1;
                j += 2;
            } else if (!strcasecmp(argv[j], "setname") && j + 1 < argc) {
                j++;
            } else {
                break;
            }
        }
    } else if (!strcasecmp(name, "migrate")) {
        for (int j = 6; j < argc; j++) {
            if (!strcasecmp(argv[j], "auth") && j + 1 < argc) {
                redact[++j] = 1;
            } else if (!strcasecmp(argv[j], "auth2") && j + 2 < argc) {
                redact[j + 1] = redact[j + 2] = 1;
                j += 2;
            } else if (!strcasecmp(argv[j], "keys")) {
                break;
            }
        }
    }
}

static int hasSecrets(const char *name) {
    return !strcasecmp(name, "auth") || !strcasecmp(name, "hello") || !strcasecmp(name, "migrate");
}

/* --- Feeding --- */

static dstr formatLine(client *c, int dbid, dstr *argv, int argc, int fromScript) {
    long long us = timeUs();
    dstr line = dstrCatPrintf(dstrEmpty(), "+%lld.%06lld [%d ", us / 1000000, us % 1000000, dbid);
    if (fromScript) {
        line = dstrCat(line, "lua");
    } else if (c->flags & CLIENT_UNIX_SOCKET) {
        const char *path = netGetSettings()->unixsocket;
        line = dstrCatPrintf(line, "unix:%s", path ? path : "");
    } else {
        char addr[96];
        line = dstrCat(line, clientInfoPeerId(c, addr, sizeof(addr)));
    }
    line = dstrCatLen(line, "]", 1);
    unsigned char *redact = NULL;
    if (argc > 1 && hasSecrets(argv[0])) {
        redact = memCalloc((size_t)argc);
        markSecrets(argv, argc, redact);
    }
    for (int j = 0; j < argc; j++) {
        line = dstrCatLen(line, " ", 1);
        if (redact && redact[j])
            line = dstrCatRepr(line, "(redacted)", 10);
        else
            line = dstrCatRepr(line, argv[j], dstrLen(argv[j]));
    }
    memFree(redact);
    return dstrCatLen(line, "\r\n", 2);
}

void monitorFeed(client *c, int dbid, dstr *argv, int argc, int fromScript) {
    if (!monitorsSeen || argc < 1) return;
    dstr line = formatLine(c, dbid, argv, argc, fromScript);
    int found = 0;
    for (client *m = clientListFirst(); m; m = clientListNextOf(m)) {
        if (!(m->flags & CLIENT_MONITOR)) continue;
        found++;
        replyProto(m, line, dstrLen(line));
    }
    monitorsSeen = found;
    dstrFree(line);
}

static void monitorAfterCall(client *c, serverCommand *cmd, long long durationUs) {
    (void)durationUs;
    /* RESET leaves monitor mode before the command is fed, so the former
     * monitor does not see its own RESET. */
    if ((c->flags & CLIENT_MONITOR) && strcmp(cmd->fullname, "reset") == 0) monitorDetach(c);
    if (!monitorsSeen || (c->flags & CLIENT_FAKE)) return;
    if (cmd->flags & (CMD_SKIP_MONITOR | CMD_ADMIN)) return;
    monitorFeed(c, c->db ? c->db->id : 0, c->argv, c->argc, 0);
}

static int monitorGate(client *c, serverCommand *cmd) {
    if (!(c->flags & CLIENT_MONITOR)) return 0;
    if (!(cmd->flags & (CMD_WRITE | CMD_READONLY | CMD_MAY_REPLICATE))) return 0;
    cmd->rejectedCalls++;
    replyError(c, "ERR Replica can't interact with the keyspace");
    return 1;
}

void monitorInit(void) {
    commandBind((const commandBinding[]){{"monitor", monitorCommand}, {NULL, NULL}});
    dispatchAddGate(monitorGate);
    dispatchAddAfterCall(monitorAfterCall);
}
