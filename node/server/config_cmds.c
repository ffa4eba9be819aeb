/* config_cmds.c — the CONFIG command: GET, SET, REWRITE, RESETSTAT, HELP.
 *
 * Only the protocol side lives here (arguments in, replies out); the work is
 * done by config.c / config_rewrite.c functions that tests call without a
 * client.  configCmdsInit binds the subcommand procs in the command table;
 * configCommand is the same dispatch for a caller without subcommand
 * routing. */
#include <string.h>
#include <strings.h>

#include "node/base/log.h"
#include "node/net/client.h"
#include "node/net/reply.h"
#include "node/server/command.h"
#include "node/server/config.h"

void configGetCommand(client *c) {
    size_t npairs;
    dstr *pairs = configGetPairs(c->argc - 2, c->argv + 2, &npairs);
    replyMapLen(c, (long)npairs);
    for (size_t i = 0; i < 2 * npairs; i++) replyBulkDstr(c, pairs[i]);
    configFreePairs(pairs, npairs);
}

/* A local client: loopback address or unix socket (enable-protected-configs
 * "local"). */
static int clientIsLocal(const client *c) {
    if (c->flags & CLIENT_UNIX_SOCKET) return 1;
    return !strncmp(c->addr, "127.", 4) || !strncmp(c->addr, "[::1]", 5) || !strncmp(c->addr, "::1:", 4);
}

void configSetCommand(client *c) {
    if ((c->argc & 1) || c->argc < 4) {
        replyErrorSyntax(c);
        return;
    }
    dstr err = NULL;
    if (configSetMany(c->argc - 2, c->argv + 2, clientIsLocal(c), &err) == 0) {
        replyOk(c);
        return;
    }
    replyErrorLen(c, err, dstrLen(err));
    dstrFree(err);
}

void configRewriteCommand(client *c) {
    dstr err = NULL;
    if (configRewrite(&err) == -1) {
        serverLog(LL_WARNING, "CONFIG REWRITE failed: %s", err);
        replyErrorLen(c, err, dstrLen(err));
        dstrFree(err);
        return;
    }
    serverLog(LL_NOTICE, "CONFIG REWRITE executed with success.");
    replyOk(c);
}

void configResetStatCommand(client *c) {
    if (configResetStatHook) configResetStatHook();
    replyOk(c);
}

void configHelpCommand(client *c) {
    static const char *help[] = {
        "GET <pattern>",
        "    Return parameters matching the glob-like <pattern> and their values.",
        "SET <directive> <value>",
        "    Set the configuration <directive> to <value>.",
        "RESETSTAT",
        "    Reset statistics reported by the INFO command.",
        "REWRITE",
        "    Rewrite the configuration file.",
        NULL,
    };
    replyHelp(c, help);
}

typedef struct configSubcommand {
    const char *name;
    int arity; /* like the command table: > 0 exact, < 0 at least */
    void (*proc)(client *c);
} configSubcommand;

static const configSubcommand subcommands[] = {
    {"get", -3, configGetCommand},         {"set", -4, configSetCommand},
    {"rewrite", 2, configRewriteCommand},  {"resetstat", 2, configResetStatCommand},
    {"help", 2, configHelpCommand},
};

void configCommand(client *c) {
    if (c->argc < 2) {
        replyErrorArity(c);
        return;
    }
    for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++) {
        const configSubcommand *s = &subcommands[i];
        if (strcasecmp(c->argv[1], s->name)) continue;
        if ((s->arity > 0 && c->argc != s->arity) || (s->arity < 0 && c->argc < -s->arity)) {
            replyErrorFormat(c, "wrong number of arguments for 'config|%s' command", s->name);
            return;
        }
        s->proc(c);
        return;
    }
    replySubcommandSyntaxError(c);
}

void configCmdsInit(void) {
    static const commandBinding bindings[] = {
        {"config|get", configGetCommand},         {"config|set", configSetCommand},
        {"config|rewrite", configRewriteCommand}, {"config|resetstat", configResetStatCommand},
        {"config|help", configHelpCommand},       {NULL, NULL},
    };
    commandBind(bindings);
}
