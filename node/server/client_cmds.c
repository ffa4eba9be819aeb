/* client_cmds.c — the CLIENT command family (ID, INFO, LIST, KILL, SETNAME,
 * GETNAME, SETINFO, PAUSE, UNPAUSE, REPLY, NO-EVICT, NO-TOUCH, HELP), the
 * REPLY SKIP bookkeeping, and the wiring of MONITOR and CLIENT PAUSE.
 *
 * Replies and errors are Valkey 8's, word for word: clients and tools
 * parse them.  CLIENT LIST prints clients oldest first, as Valkey does
 * (net's list is newest first, so we walk it backwards).
 *
 * CLIENT REPLY SKIP silences exactly the next command, including one
 * rejected before it runs (unknown command, arity).  Valkey does this in
 * its per-command reset; we have no hook after every processed command, so
 * the state machine is split between an after-call hook and a gate:
 *   - after a top-level command ran, REPLY_SKIP is cleared and
 *     REPLY_SKIP_NEXT (set by CLIENT REPLY SKIP) becomes REPLY_SKIP, and
 *     the client's processed-command count at that moment is remembered;
 *   - a command reaching the gates when the count moved by more than one
 *     is not the silenced one: that was rejected before running (unknown
 *     command, arity, a refusing gate), so REPLY_SKIP is cleared before
 *     this one runs.  (A command held by CLIENT PAUSE counts once, when
 *     it was first held.)
 * "Top-level" means the command whose gates ran last: commands run inside
 * EXEC or by a script go through dispatchCall without gates, and must not
 * end the skip in the middle of EXEC's reply.  The remembered counts live
 * in a small table keyed by client id (usually empty; dead clients are
 * swept by cron). */
#include <limits.h>
#include <string.h>
#include <strings.h>

#include "node/base/mem.h"
#include "node/base/timeutil.h"
#include "node/base/util.h"
#include "node/net/client_info.h"
#include "node/net/reply.h"
#include "node/server/client_pause.h"
#include "node/server/command.h"
#include "node/server/dispatch.h"
#include "node/server/modules.h"
#include "node/server/monitor.h"
#include "node/server/server.h"
#include "node/store/db.h"

/* Client types of CLIENT LIST / KILL TYPE. */
enum { TYPE_NORMAL = 0, TYPE_REPLICA, TYPE_PUBSUB, TYPE_PRIMARY };

static int clientTypeByName(const char *name) {
    if (!strcasecmp(name, "normal")) return TYPE_NORMAL;
    if (!strcasecmp(name, "replica") || !strcasecmp(name, "slave")) return TYPE_REPLICA;
    if (!strcasecmp(name, "pubsub")) return TYPE_PUBSUB;
    if (!strcasecmp(name, "master") || !strcasecmp(name, "primary")) return TYPE_PRIMARY;
    return -1;
}

/* Monitors count as normal clients. */
static int clientTypeOf(const client *c) {
    if (c->flags & CLIENT_PRIMARY) return TYPE_PRIMARY;
    if ((c->flags & CLIENT_REPLICA) && !(c->flags & CLIENT_MONITOR)) return TYPE_REPLICA;
    if (c->flags & CLIENT_PUBSUB) return TYPE_PUBSUB;
    return TYPE_NORMAL;
}

/* net keeps the newest client first; Valkey lists the oldest first. */
static client *oldestClient(void) {
    client *last = NULL;
    for (client *c = clientListFirst(); c; c = clientListNextOf(c)) last = c;
    return last;
}

static void replyWrongArgsForSubcommand(client *c) {
    dstr up = dstrNew(c->argv[0]);
    dstrToUpper(up);
    replyErrorFormat(c, "ERR unknown subcommand or wrong number of arguments for '%.128s'. Try %s HELP.",
                     c->argv[1], up);
    dstrFree(up);
}

/* --- ID, INFO, LIST --- */

static void clientIdCommand(client *c) { replyLongLong(c, (long long)c->id); }

static void clientInfoCommand(client *c) {
    dstr s = clientInfoString(dstrEmpty(), c);
    s = dstrCatLen(s, "\n", 1);
    replyVerbatim(c, s, dstrLen(s), "txt");
    dstrFree(s);
}

/* CLIENT LIST ID id [id ...]: lines in argument order; unknown ids are
 * skipped.  Returns NULL after replying an error. */
static dstr listByIds(client *c) {
    dstr out = dstrEmpty();
    for (int j = 3; j < c->argc; j++) {
        long long id;
        if (!string2ll(c->argv[j], dstrLen(c->argv[j]), &id)) {
            replyError(c, "ERR Invalid client ID");
            dstrFree(out);
            return NULL;
        }
        client *target = id > 0 ? clientById((uint64_t)id) : NULL;
        if (target) out = dstrCatLen(clientInfoString(out, target), "\n", 1);
    }
    return out;
}

static void clientListCommand(client *c) {
    int type = -1;
    dstr out = NULL;
    if (c->argc == 4 && !strcasecmp(c->argv[2], "type")) {
        type = clientTypeByName(c->argv[3]);
        if (type == -1) {
            replyErrorFormat(c, "ERR Unknown client type '%s'", c->argv[3]);
            return;
        }
    } else if (c->argc > 3 && !strcasecmp(c->argv[2], "id")) {
        if (!(out = listByIds(c))) return;
    } else if (c->argc != 2) {
        replyErrorSyntax(c);
        return;
    }
    if (!out) {
        out = dstrEmpty();
        for (client *cl = oldestClient(); cl; cl = cl->prev) {
            if (type != -1 && clientTypeOf(cl) != type) continue;
            out = dstrCatLen(clientInfoString(out, cl), "\n", 1);
        }
    }
    replyVerbatim(c, out, dstrLen(out), "txt");
    dstrFree(out);
}

/* --- KILL --- */

typedef struct killFilter {
    const char *addr, *laddr, *user;
    int type;            /* -1: any */
    uint64_t id;         /* 0: any */
    int skipme;
    long long maxAge;    /* seconds, 0: any */
} killFilter;

/* Parses the new-style filters; replies and returns -1 on error. */
static int parseKillFilters(client *c, killFilter *f) {
    for (int i = 2; i < c->argc; i += 2) {
        const char *opt = c->argv[i];
        if (i + 1 >= c->argc) {
            replyErrorSyntax(c);
            return -1;
        }
        dstr val = c->argv[i + 1];
        long long n;
        if (!strcasecmp(opt, "id")) {
            if (!string2ll(val, dstrLen(val), &n) || n < 1) {
                replyError(c, "ERR client-id should be greater than 0");
                return -1;
            }
            f->id = (uint64_t)n;
        } else if (!strcasecmp(opt, "maxage")) {
            if (!string2ll(val, dstrLen(val), &n)) {
                replyError(c, "ERR maxage is not an integer or out of range");
                return -1;
            }
            if (n <= 0) {
                replyError(c, "ERR maxage should be greater than 0");
                return -1;
            }
            f->maxAge = n;
        } else if (!strcasecmp(opt, "type")) {
            if ((f->type = clientTypeByName(val)) == -1) {
                replyErrorFormat(c, "ERR Unknown client type '%s'", val);
                return -1;
            }
        } else if (!strcasecmp(opt, "addr")) {
            f->addr = val;
        } else if (!strcasecmp(opt, "laddr")) {
            f->laddr = val;
        } else if (!strcasecmp(opt, "user")) {
            /* Until ACL users exist, "default" is the only user. */
            if (strcmp(val, "default") != 0) {
                replyErrorFormat(c, "ERR No such user '%s'", val);
                return -1;
            }
            f->user = val;
        } else if (!strcasecmp(opt, "skipme")) {
            if (!strcasecmp(val, "yes")) f->skipme = 1;
            else if (!strcasecmp(val, "no")) f->skipme = 0;
            else {
                replyErrorSyntax(c);
                return -1;
            }
        } else {
            replyErrorSyntax(c);
            return -1;
        }
    }
    return 0;
}

static int killMatches(const killFilter *f, client *self, client *cl, long long nowMs) {
    char buf[96];
    if (cl->flags & CLIENT_CLOSE_ASAP) return 0; /* already being closed */
    if (f->addr && strcmp(clientInfoPeerId(cl, buf, sizeof(buf)), f->addr) != 0) return 0;
    if (f->laddr && strcmp(clientInfoSockName(cl, buf, sizeof(buf)), f->laddr) != 0) return 0;
    if (f->type != -1 && clientTypeOf(cl) != f->type) return 0;
    if (f->id && cl->id != f->id) return 0;
    if (f->user && strcmp(cl->user ? cl->user : "default", f->user) != 0) return 0;
    if (cl == self && f->skipme) return 0;
    if (f->maxAge && (nowMs - cl->ctime) / 1000 < f->maxAge) return 0;
    return 1;
}

static void clientKillCommand(client *c) {
    killFilter f = {.type = -1, .skipme = 1};
    int oldForm = c->argc == 3;
    if (oldForm) {
        f.addr = c->argv[2];
        f.skipme = 0; /* the old form may kill the caller */
    } else if (parseKillFilters(c, &f) == -1) {
        return;
    }
    long long now = timeMs(), killed = 0;
    int killSelf = 0;
    for (client *cl = oldestClient(); cl; cl = cl->prev) {
        if (!killMatches(&f, c, cl, now)) continue;
        if (cl == c) killSelf = 1;
        else clientCloseAsap(cl);
        killed++;
    }
    if (!oldForm) replyLongLong(c, killed);
    else if (killed) replyOk(c);
    else replyError(c, "ERR No such client");
    /* Only after the reply is queued: the caller gets it, then the close. */
    if (killSelf) clientCloseAfterReply(c);
}

/* --- Names and library info --- */

static void clientSetnameCommand(client *c) {
    dstr name = c->argv[2];
    if (!clientAttrIsValid(name, dstrLen(name))) {
        replyError(c, "ERR Client names cannot contain spaces, newlines or special characters.");
        return;
    }
    dstrFree(c->name);
    c->name = dstrLen(name) ? dstrDup(name) : NULL;
    replyOk(c);
}

static void clientGetnameCommand(client *c) {
    if (c->name)
        replyBulkDstr(c, c->name);
    else
        replyNull(c);
}

static void clientSetinfoCommand(client *c) {
    const char *attr = c->argv[2];
    dstr val = c->argv[3];
    dstr *dest;
    if (!strcasecmp(attr, "lib-name")) {
        dest = &c->libName;
    } else if (!strcasecmp(attr, "lib-ver")) {
        dest = &c->libVer;
    } else {
        replyErrorFormat(c, "ERR Unrecognized option '%s'", attr);
        return;
    }
    if (!clientAttrIsValid(val, dstrLen(val))) {
        replyErrorFormat(c, "ERR %s cannot contain spaces, newlines or special characters.", attr);
        return;
    }
    dstrFree(*dest);
    *dest = dstrLen(val) ? dstrDup(val) : NULL;
    replyOk(c);
}

/* --- PAUSE, UNPAUSE --- */

static void clientPauseCommand(client *c) {
    if (c->argc > 4) {
        replyWrongArgsForSubcommand(c);
        return;
    }
    int all = 1;
    if (c->argc == 4) {
        if (!strcasecmp(c->argv[3], "write")) {
            all = 0;
        } else if (strcasecmp(c->argv[3], "all") != 0) {
            replyError(c, "ERR CLIENT PAUSE mode must be WRITE or ALL");
            return;
        }
    }
    long long timeout;
    if (!string2ll(c->argv[2], dstrLen(c->argv[2]), &timeout)) {
        replyError(c, "ERR timeout is not an integer or out of range");
        return;
    }
    if (timeout < 0) {
        replyError(c, "ERR timeout is negative");
        return;
    }
    long long now = timeMs();
    if (timeout > LLONG_MAX - now) {
        replyError(c, "ERR timeout is out of range");
        return;
    }
    clientPauseStart(timeout ? now + timeout : 0, all);
    replyOk(c);
}

static void clientUnpauseCommand(client *c) {
    clientPauseEnd();
    replyOk(c);
}

/* --- REPLY, NO-EVICT, NO-TOUCH --- */

static void clientReplyCommand(client *c) {
    const char *mode = c->argv[2];
    if (!strcasecmp(mode, "on")) {
        c->flags &= ~(CLIENT_REPLY_SKIP | CLIENT_REPLY_OFF);
        replyOk(c);
    } else if (!strcasecmp(mode, "off")) {
        c->flags |= CLIENT_REPLY_OFF;
    } else if (!strcasecmp(mode, "skip")) {
        if (!(c->flags & CLIENT_REPLY_OFF)) c->flags |= CLIENT_REPLY_SKIP_NEXT;
    } else {
        replyErrorSyntax(c);
    }
}

/* ON/OFF switch of one client flag. */
static void clientFlagSwitch(client *c, uint64_t flag) {
    if (!strcasecmp(c->argv[2], "on")) {
        c->flags |= flag;
    } else if (!strcasecmp(c->argv[2], "off")) {
        c->flags &= ~flag;
    } else {
        replyErrorSyntax(c);
        return;
    }
    replyOk(c);
}

static void clientNoEvictCommand(client *c) { clientFlagSwitch(c, CLIENT_NO_EVICT); }
static void clientNoTouchCommand(client *c) { clientFlagSwitch(c, CLIENT_NO_TOUCH); }

/* --- HELP --- */

static void clientHelpCommand(client *c) {
    static const char *help[] = {
        "CACHING (YES|NO)",
        "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
        "GETREDIR",
        "    Return the client ID we are redirecting to when tracking is enabled.",
        "GETNAME",
        "    Return the name of the current connection.",
        "ID",
        "    Return the ID of the current connection.",
        "INFO",
        "    Return information about the current client connection.",
        "KILL <ip:port>",
        "    Kill connection made from <ip:port>.",
        "KILL <option> <value> [<option> <value> [...]]",
        "    Kill connections. Options are:",
        "    * ADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made from the specified address",
        "    * LADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made to specified local address",
        "    * TYPE (NORMAL|PRIMARY|REPLICA|PUBSUB)",
        "      Kill connections by type.",
        "    * USER <username>",
        "      Kill connections authenticated by <username>.",
        "    * SKIPME (YES|NO)",
        "      Skip killing current connection (default: yes).",
        "    * ID <client-id>",
        "      Kill connections by client id.",
        "    * MAXAGE <maxage>",
        "      Kill connections older than the specified age.",
        "LIST [options ...]",
        "    Return information about client connections. Options:",
        "    * TYPE (NORMAL|PRIMARY|REPLICA|PUBSUB)",
        "      Return clients of specified type.",
        "UNPAUSE",
        "    Stop the current client pause, resuming traffic.",
        "PAUSE <timeout> [WRITE|ALL]",
        "    Suspend all, or just write, clients for <timeout> milliseconds.",
        "REPLY (ON|OFF|SKIP)",
        "    Control the replies sent to the current connection.",
        "SETNAME <name>",
        "    Assign the name <name> to the current connection.",
        "SETINFO <option> <value>",
        "    Set client meta attr. Options are:",
        "    * LIB-NAME: the client lib name.",
        "    * LIB-VER: the client lib version.",
        "UNBLOCK <clientid> [TIMEOUT|ERROR]",
        "    Unblock the specified blocked client.",
        "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
        "         [OPTIN] [OPTOUT] [NOLOOP]",
        "    Control server assisted client side caching.",
        "TRACKINGINFO",
        "    Report tracking status for the current connection.",
        "NO-EVICT (ON|OFF)",
        "    Protect current client connection from eviction.",
        "NO-TOUCH (ON|OFF)",
        "    Will not touch LRU/LFU stats when this mode is on.",
        NULL,
    };
    replyHelp(c, help);
}

/* --- REPLY SKIP bookkeeping (see the file comment) --- */

typedef struct skipArm {
    uint64_t clientId;
    uint64_t armedAt;    /* commandsProcessed when the skip was armed */
} skipArm;

static struct {
    skipArm *arms;
    size_t len, cap;
    client *gateClient;          /* the command whose gates ran last */
    serverCommand *gateCmd;
} skip;

static long skipFind(uint64_t id) {
    for (size_t i = 0; i < skip.len; i++)
        if (skip.arms[i].clientId == id) return (long)i;
    return -1;
}

static void skipRemoveAt(size_t i) { skip.arms[i] = skip.arms[--skip.len]; }

static void skipArmFor(client *c) {
    long i = skipFind(c->id);
    if (i >= 0) skipRemoveAt((size_t)i);
    if (skip.len == skip.cap) {
        skip.cap = skip.cap ? skip.cap * 2 : 4;
        skip.arms = memRealloc(skip.arms, sizeof(skipArm) * skip.cap);
    }
    uint64_t count = c->commandsProcessed - (clientPauseRerunning() == c ? 1 : 0);
    skip.arms[skip.len++] = (skipArm){c->id, count};
}

static int replySkipGate(client *c, serverCommand *cmd) {
    skip.gateClient = c;
    skip.gateCmd = cmd;
    if (!skip.len) return 0;
    long i = skipFind(c->id);
    if (i < 0) return 0;
    /* Commands processed before this one; a held command running again
     * was already counted when it was first held. */
    uint64_t count = c->commandsProcessed - (clientPauseRerunning() == c ? 1 : 0);
    /* The silenced command did not run (rejected before or at the gates):
     * this one must be answered. */
    if (count > skip.arms[i].armedAt + 1) {
        c->flags &= ~CLIENT_REPLY_SKIP;
        skipRemoveAt((size_t)i);
    }
    return 0;
}

static void replySkipAfterCall(client *c, serverCommand *cmd, long long durationUs) {
    (void)durationUs;
    if (c != skip.gateClient || cmd != skip.gateCmd) return; /* nested call */
    skip.gateClient = NULL;
    skip.gateCmd = NULL;
    c->flags &= ~CLIENT_REPLY_SKIP;
    if (skip.len) {
        long i = skipFind(c->id);
        if (i >= 0) skipRemoveAt((size_t)i);
    }
    if (c->flags & CLIENT_REPLY_SKIP_NEXT) {
        c->flags = (c->flags & ~CLIENT_REPLY_SKIP_NEXT) | CLIENT_REPLY_SKIP;
        skipArmFor(c);
    }
}

/* Forget arms of clients that disconnected. */
static void replySkipCron(void) {
    for (size_t i = 0; i < skip.len;) {
        if (clientById(skip.arms[i].clientId)) i++;
        else skipRemoveAt(i);
    }
}

/* --- CLIENT LIST fields the server owns --- */

static void serverInfoFields(const client *c, clientInfoExtra *x) {
    x->db = c->db ? c->db->id : 0;
    /* Valkey sets the last command before running it: the caller of
     * CLIENT LIST sees cmd=client|list. */
    const serverCommand *cmd = (c->flags & CLIENT_IN_COMMAND) && c->cmd ? c->cmd : c->lastCmd;
    if (cmd) x->cmd = cmd->fullname;
}

void clientCmdsInit(void) {
    static const commandBinding bindings[] = {
        {"client|id", clientIdCommand},
        {"client|info", clientInfoCommand},
        {"client|list", clientListCommand},
        {"client|kill", clientKillCommand},
        {"client|setname", clientSetnameCommand},
        {"client|getname", clientGetnameCommand},
        {"client|setinfo", clientSetinfoCommand},
        {"client|pause", clientPauseCommand},
        {"client|unpause", clientUnpauseCommand},
        {"client|reply", clientReplyCommand},
        {"client|no-evict", clientNoEvictCommand},
        {"client|no-touch", clientNoTouchCommand},
        {"client|help", clientHelpCommand},
        {NULL, NULL},
    };
    commandBind(bindings);
    clientInfoAddProvider(serverInfoFields);
    /* Order matters.  Monitors are fed before the skip state advances
     * (a monitor sees its own CLIENT REPLY SKIP line, as in Valkey), and
     * a monitor's keyspace command is refused before a pause could hold
     * it. */
    monitorInit();
    dispatchAddGate(replySkipGate);
    dispatchAddAfterCall(replySkipAfterCall);
    serverRegisterCron(replySkipCron);
    clientPauseInit();
}
