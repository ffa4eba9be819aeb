/* connection_cmds.c — commands about the connection itself: PING, ECHO,
 * QUIT, SELECT, AUTH, HELLO, RESET, SHUTDOWN.
 *
 * Authentication here is the default user's password (requirepass); ACL
 * users (issue 9) will replace authCheckPassword with the ACL lookup. */
#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <string.h>
#include <strings.h>

#include "node/base/util.h"
#include "node/net/args.h"
#include "node/net/reply.h"
#include "node/server/command.h"
#include "node/server/dispatch.h"
#include "node/server/monitor.h"
#include "node/server/server.h"
#include "node/store/db.h"

static void pingCommand(client *c) {
    if (c->argc > 2) {
        replyErrorArity(c);
        return;
    }
    if (c->flags & CLIENT_PUBSUB && c->resp == 2) {
        replyArrayLen(c, 2);
        replyBulk(c, "pong", 4);
        if (c->argc == 1)
            replyBulk(c, "", 0);
        else
            replyBulkDstr(c, c->argv[1]);
        return;
    }
    if (c->argc == 1)
        replySimple(c, "PONG");
    else
        replyBulkDstr(c, c->argv[1]);
}

static void echoCommand(client *c) { replyBulkDstr(c, c->argv[1]); }

static void quitCommand(client *c) {
    replyOk(c);
    clientCloseAfterReply(c);
}

static void selectCommand(client *c) {
    int id;
    /* Valkey reads the index as an int; a negative one is a missing db. */
    if (argInt(c, c->argv[1], &id) != 0) return;
    serverDb *db = dbByIndex(id);
    if (!db) {
        replyError(c, "ERR DB index is out of range");
        return;
    }
    c->db = db;
    replyOk(c);
}

/* Compares SHA-256 digests in constant time, so neither the content nor
 * the length of the password leaks through the reply's timing. */
static int passwordMatches(const char *given, size_t givenLen, const char *expected) {
    unsigned char a[EVP_MAX_MD_SIZE], b[EVP_MAX_MD_SIZE];
    unsigned int alen = 0, blen = 0;
    if (!EVP_Digest(given, givenLen, a, &alen, EVP_sha256(), NULL) ||
        !EVP_Digest(expected, strlen(expected), b, &blen, EVP_sha256(), NULL) || alen != blen)
        return 0;
    return CRYPTO_memcmp(a, b, alen) == 0;
}

/* Returns 1 if (user, pass) authenticates.  Only the default user exists
 * until ACL lands. */
static int authCheckPassword(const dstr user, const dstr pass) {
    const char *rp = serverGetSettings()->requirepass;
    if (user && (dstrLen(user) != 7 || memcmp(user, "default", 7) != 0)) return 0;
    if (!rp || !rp[0]) return 1; /* nopass default user */
    return passwordMatches(pass, dstrLen(pass), rp);
}

static void authCommand(client *c) {
    if (c->argc > 3) {
        replyErrorSyntax(c);
        return;
    }
    const char *rp = serverGetSettings()->requirepass;
    if (c->argc == 2 && (!rp || !rp[0])) {
        replyError(c, "ERR AUTH <password> called without any password configured for the default "
                      "user. Are you sure your configuration is correct?");
        return;
    }
    dstr user = c->argc == 3 ? c->argv[1] : NULL;
    dstr pass = c->argv[c->argc - 1];
    if (!authCheckPassword(user, pass)) {
        replyError(c, "WRONGPASS invalid username-password pair or user is disabled.");
        return;
    }
    c->flags |= CLIENT_AUTHENTICATED;
    dstrFree(c->user);
    c->user = dstrNew(user ? user : "default");
    replyOk(c);
}

/* Printable ASCII without spaces; empty is allowed (it clears the name). */

static void helloReply(client *c) {
    replyMapLen(c, 7);
    replyBulkCString(c, "server");
    replyBulkCString(c, TESSERA_SERVER_NAME);
    replyBulkCString(c, "version");
    replyBulkCString(c, TESSERA_VERSION);
    replyBulkCString(c, "proto");
    replyLongLong(c, c->resp);
    replyBulkCString(c, "id");
    replyLongLong(c, (long long)c->id);
    replyBulkCString(c, "mode");
    replyBulkCString(c, "standalone");
    replyBulkCString(c, "role");
    replyBulkCString(c, "master");
    replyBulkCString(c, "modules");
    replyEmptyArray(c);
}

static void helloCommand(client *c) {
    long long ver = 0;
    int next = 1;
    if (c->argc >= 2) {
        if (!string2ll(c->argv[1], dstrLen(c->argv[1]), &ver)) {
            replyError(c, "ERR Protocol version is not an integer or out of range");
            return;
        }
        next = 2;
        if (ver < 2 || ver > 3) {
            replyError(c, "NOPROTO unsupported protocol version");
            return;
        }
    }
    dstr user = NULL;
    dstr pass = NULL, name = NULL;
    for (int j = next; j < c->argc; j++) {
        int more = c->argc - j - 1;
        if (!strcasecmp(c->argv[j], "AUTH") && more >= 2) {
            user = c->argv[j + 1];
            pass = c->argv[j + 2];
            j += 2;
        } else if (!strcasecmp(c->argv[j], "SETNAME") && more >= 1) {
            /* Checked while parsing, before authentication, as Valkey does. */
            name = c->argv[j + 1];
            if (!clientAttrIsValid(name, dstrLen(name))) {
                replyError(c, "ERR Client names cannot contain spaces, newlines or special characters.");
                return;
            }
            j++;
        } else {
            replyErrorFormat(c, "ERR Syntax error in HELLO option '%.128s'", c->argv[j]);
            return;
        }
    }
    if (pass) {
        if (!authCheckPassword(user, pass)) {
            replyError(c, "WRONGPASS invalid username-password pair or user is disabled.");
            return;
        }
        c->flags |= CLIENT_AUTHENTICATED;
        dstrFree(c->user);
        c->user = dstrNew(user);
    }
    if (!dispatchIsAuthenticated(c)) {
        replyError(c, "NOAUTH HELLO must be called with the client already authenticated, otherwise "
                      "the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the "
                      "client and select the RESP protocol version at the same time");
        return;
    }
    if (name) {
        dstrFree(c->name);
        c->name = dstrLen(name) ? dstrDup(name) : NULL;
    }
    if (ver) c->resp = (int)ver;
    helloReply(c);
}

/* Back to the state of a new connection: db 0, RESP2, the default user
 * (authenticated only if it needs no password), no name, no monitor mode.
 * lib-name / lib-ver stay: they describe the library behind the socket. */
static void resetCommand(client *c) {
    const char *pass = serverGetSettings()->requirepass;
    if (c->flags & CLIENT_MONITOR) monitorDetach(c);
    serverClientReset(c); /* MULTI, WATCH, subscriptions */
    c->db = dbByIndex(0);
    c->resp = 2;
    c->flags &= ~(CLIENT_REPLY_OFF | CLIENT_REPLY_SKIP | CLIENT_REPLY_SKIP_NEXT | CLIENT_NO_EVICT |
                  CLIENT_NO_TOUCH | CLIENT_ASKING | CLIENT_READONLY | CLIENT_AUTHENTICATED);
    if (!pass || !pass[0]) c->flags |= CLIENT_AUTHENTICATED;
    dstrFree(c->user);
    c->user = NULL;
    dstrFree(c->name);
    c->name = NULL;
    replySimple(c, "RESET");
}

static void shutdownCommand(client *c) {
    int flags = SHUTDOWN_DEFAULT, abort = 0;
    for (int i = 1; i < c->argc; i++) {
        const char *a = c->argv[i];
        if (!strcasecmp(a, "nosave")) flags |= SHUTDOWN_NOSAVE;
        else if (!strcasecmp(a, "save")) flags |= SHUTDOWN_SAVE;
        else if (!strcasecmp(a, "now")) flags |= SHUTDOWN_NOW;
        else if (!strcasecmp(a, "force")) flags |= SHUTDOWN_FORCE;
        else if (!strcasecmp(a, "abort")) abort = 1;
        else {
            replyErrorSyntax(c);
            return;
        }
    }
    /* ABORT takes no other option (it may be repeated); NOSAVE and SAVE
     * exclude each other. */
    if ((abort && flags != SHUTDOWN_DEFAULT) || ((flags & SHUTDOWN_NOSAVE) && (flags & SHUTDOWN_SAVE))) {
        replyErrorSyntax(c);
        return;
    }
    if (abort) {
        /* Shutdown runs at the end of the loop iteration that requested it,
         * so no command ever sees one in progress. */
        replyError(c, "ERR No shutdown in progress.");
        return;
    }
    dstr err = NULL;
    if (serverRequestShutdown(flags, &err) != 0) {
        replyError(c, err ? err : "ERR Errors trying to SHUTDOWN. Check logs.");
        dstrFree(err);
        return;
    }
    /* No reply: the connection closes when the server exits. */
}

void connectionCmdsInit(void) {
    static const commandBinding bindings[] = {
        {"ping", pingCommand},   {"echo", echoCommand},     {"quit", quitCommand},
        {"select", selectCommand}, {"auth", authCommand},   {"hello", helloCommand},
        {"reset", resetCommand}, {"shutdown", shutdownCommand}, {NULL, NULL},
    };
    commandBind(bindings);
}
