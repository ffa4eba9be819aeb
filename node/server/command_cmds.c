/* command_cmds.c — the COMMAND command: what clients learn about the command
 * table.  Cluster clients route by the key specs and tips of COMMAND INFO,
 * and tools read COMMAND DOCS, so the reply shapes follow Valkey exactly:
 *
 *   COMMAND / COMMAND INFO [name...]   array of 10-element entries:
 *     name, arity, flags (set), first key, last key, step, ACL categories
 *     (set, "@read"), tips (set), key specs (set of maps), subcommands
 *     (array of entries; an empty *set* when the command has none)
 *   COMMAND DOCS [name...]             map name -> documentation map
 *   COMMAND COUNT / LIST [FILTERBY ...] / GETKEYS / GETKEYSANDFLAGS / HELP
 *
 * Only bound commands are shown (see command.h); flags that Valkey keeps to
 * itself (may_replicate, protected, sentinel ...) are never listed.  Every
 * map and set is emitted through reply.h, which flattens them for RESP2. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "node/base/util.h"
#include "node/net/client.h"
#include "node/net/reply.h"
#include "node/server/command.h"

/* Flags that exist for the server's own decisions, not for clients. */
#define CMD_FLAGS_HIDDEN                                                                           \
    (CMD_MAY_REPLICATE | CMD_SENTINEL | CMD_ONLY_SENTINEL | CMD_PROTECTED | CMD_MODULE_GETKEYS |   \
     CMD_MODULE_NO_CLUSTER | CMD_TOUCHES_ARBITRARY_KEYS)

/* --- Small helpers --- */

/* A set of status replies, one per bit of mask that has a name. */
static void replyNamedBits(client *c, uint64_t mask, const char *(*nameOf)(uint64_t), const char *prefix) {
    int n = 0;
    for (int b = 0; b < 64; b++)
        if ((mask & (1ULL << b)) && nameOf(1ULL << b)) n++;
    replySetLen(c, n);
    for (int b = 0; b < 64; b++) {
        const char *name = (mask & (1ULL << b)) ? nameOf(1ULL << b) : NULL;
        if (!name) continue;
        if (prefix) {
            char buf[64];
            snprintf(buf, sizeof(buf), "%s%s", prefix, name);
            replySimple(c, buf);
        } else {
            replySimple(c, name);
        }
    }
}

static void replyStringSet(client *c, const char *const *strings) {
    long n = 0;
    while (strings && strings[n]) n++;
    replySetLen(c, n);
    for (long i = 0; i < n; i++) replyBulkCString(c, strings[i]);
}

static int visibleSubcommands(const serverCommand *cmd) {
    int n = 0;
    for (const serverCommand *sub = cmd->subcommands; sub && sub->name; sub++) n += sub->bound != 0;
    return n;
}

static void replyMapInt(client *c, const char *key, long long value) {
    replyBulkCString(c, key);
    replyLongLong(c, value);
}

static void replyMapString(client *c, const char *key, const char *value) {
    replyBulkCString(c, key);
    replyBulkCString(c, value);
}

/* --- COMMAND INFO --- */

static void replyBeginSearch(client *c, const keySpec *spec) {
    replyMapLen(c, 2);
    if (spec->bsType == KSPEC_BS_INDEX) {
        replyMapString(c, "type", "index");
        replyBulkCString(c, "spec");
        replyMapLen(c, 1);
        replyMapInt(c, "index", spec->bs.index.pos);
    } else if (spec->bsType == KSPEC_BS_KEYWORD) {
        replyMapString(c, "type", "keyword");
        replyBulkCString(c, "spec");
        replyMapLen(c, 2);
        replyMapString(c, "keyword", spec->bs.keyword.keyword);
        replyMapInt(c, "startfrom", spec->bs.keyword.startfrom);
    } else {
        replyMapString(c, "type", "unknown");
        replyBulkCString(c, "spec");
        replyMapLen(c, 0);
    }
}

static void replyFindKeys(client *c, const keySpec *spec) {
    replyMapLen(c, 2);
    if (spec->fkType == KSPEC_FK_RANGE) {
        replyMapString(c, "type", "range");
        replyBulkCString(c, "spec");
        replyMapLen(c, 3);
        replyMapInt(c, "lastkey", spec->fk.range.lastkey);
        replyMapInt(c, "keystep", spec->fk.range.keystep);
        replyMapInt(c, "limit", spec->fk.range.limit);
    } else if (spec->fkType == KSPEC_FK_KEYNUM) {
        replyMapString(c, "type", "keynum");
        replyBulkCString(c, "spec");
        replyMapLen(c, 3);
        replyMapInt(c, "keynumidx", spec->fk.keynum.keynumidx);
        replyMapInt(c, "firstkey", spec->fk.keynum.firstkey);
        replyMapInt(c, "keystep", spec->fk.keynum.keystep);
    } else {
        replyMapString(c, "type", "unknown");
        replyBulkCString(c, "spec");
        replyMapLen(c, 0);
    }
}

static void replyKeySpecs(client *c, const serverCommand *cmd) {
    replySetLen(c, cmd->numKeySpecs);
    for (int j = 0; j < cmd->numKeySpecs; j++) {
        const keySpec *spec = &cmd->keySpecs[j];
        replyMapLen(c, spec->notes ? 4 : 3);
        if (spec->notes) replyMapString(c, "notes", spec->notes);
        replyBulkCString(c, "flags");
        replyNamedBits(c, spec->flags, commandKeySpecFlagName, NULL);
        replyBulkCString(c, "begin_search");
        replyBeginSearch(c, spec);
        replyBulkCString(c, "find_keys");
        replyFindKeys(c, spec);
    }
}

static void replyCommandInfo(client *c, const serverCommand *cmd) {
    replyArrayLen(c, 10);
    replyBulkCString(c, cmd->fullname);
    replyLongLong(c, cmd->arity);
    replyNamedBits(c, cmd->flags & ~CMD_FLAGS_HIDDEN, commandFlagName, NULL);
    replyLongLong(c, cmd->firstKey);
    replyLongLong(c, cmd->lastKey);
    replyLongLong(c, cmd->keyStep);
    replyNamedBits(c, cmd->aclCategories, commandAclCategoryName, "@");
    replyStringSet(c, cmd->tips);
    replyKeySpecs(c, cmd);
    if (!cmd->subcommands) {
        replySetLen(c, 0);
        return;
    }
    replyArrayLen(c, visibleSubcommands(cmd));
    for (const serverCommand *sub = cmd->subcommands; sub->name; sub++)
        if (sub->bound) replyCommandInfo(c, sub);
}

static void replyInfoVisitor(serverCommand *cmd, void *privdata) { replyCommandInfo(privdata, cmd); }

static void replyAllCommandsInfo(client *c) {
    replyArrayLen(c, (long)commandCount());
    commandForEach(replyInfoVisitor, c);
}

/* --- COMMAND DOCS --- */

static const char *const argTypeNames[] = {
    [ARG_STRING] = "string",         [ARG_INTEGER] = "integer", [ARG_DOUBLE] = "double",
    [ARG_KEY] = "key",               [ARG_PATTERN] = "pattern", [ARG_UNIX_TIME] = "unix-time",
    [ARG_PURE_TOKEN] = "pure-token", [ARG_ONEOF] = "oneof",     [ARG_BLOCK] = "block",
};

static const char *argFlagName(uint64_t bit) {
    switch (bit) {
    case ARG_OPTIONAL: return "optional";
    case ARG_MULTIPLE: return "multiple";
    case ARG_MULTIPLE_TOKEN: return "multiple_token";
    default: return NULL;
    }
}

static const char *docFlagName(uint64_t bit) {
    switch (bit) {
    case CMD_DOC_DEPRECATED: return "deprecated";
    case CMD_DOC_SYSCMD: return "syscmd";
    default: return NULL;
    }
}

static long countArgs(const commandArg *args) {
    long n = 0;
    while (args && args[n].name) n++;
    return n;
}

static void replyArgs(client *c, const commandArg *args) {
    long n = countArgs(args);
    replyArrayLen(c, n);
    for (long i = 0; i < n; i++) {
        const commandArg *arg = &args[i];
        int hasSub = arg->subargs != NULL;
        replyMapLen(c, 2 + (arg->displayText != NULL) + (arg->keySpecIndex >= 0) + (arg->token != NULL) +
                           (arg->summary != NULL) + (arg->since != NULL) + (arg->deprecatedSince != NULL) +
                           (arg->flags != 0) + hasSub);
        replyMapString(c, "name", arg->name);
        replyMapString(c, "type", argTypeNames[arg->type]);
        if (arg->displayText) replyMapString(c, "display_text", arg->displayText);
        if (arg->keySpecIndex >= 0) replyMapInt(c, "key_spec_index", arg->keySpecIndex);
        if (arg->token) replyMapString(c, "token", arg->token);
        if (arg->summary) replyMapString(c, "summary", arg->summary);
        if (arg->since) replyMapString(c, "since", arg->since);
        if (arg->deprecatedSince) replyMapString(c, "deprecated_since", arg->deprecatedSince);
        if (arg->flags) {
            replyBulkCString(c, "flags");
            replyNamedBits(c, (uint64_t)arg->flags, argFlagName, NULL);
        }
        if (hasSub) {
            replyBulkCString(c, "arguments");
            replyArgs(c, arg->subargs);
        }
    }
}

static void replyHistory(client *c, const char *const *history) {
    long pairs = 0;
    while (history[pairs * 2]) pairs++;
    replySetLen(c, pairs);
    for (long i = 0; i < pairs; i++) {
        replyArrayLen(c, 2);
        replyBulkCString(c, history[i * 2]);
        replyBulkCString(c, history[i * 2 + 1]);
    }
}

static void replyCommandDocs(client *c, const serverCommand *cmd) {
    replyMapLen(c, 1 + (cmd->summary != NULL) + (cmd->since != NULL) + (cmd->complexity != NULL) +
                       (cmd->docFlags != 0) + (cmd->deprecatedSince != NULL) + (cmd->replacedBy != NULL) +
                       (cmd->history != NULL) + (cmd->args != NULL) + (cmd->subcommands != NULL));
    if (cmd->summary) replyMapString(c, "summary", cmd->summary);
    if (cmd->since) replyMapString(c, "since", cmd->since);
    replyMapString(c, "group", cmd->group ? cmd->group : "");
    if (cmd->complexity) replyMapString(c, "complexity", cmd->complexity);
    if (cmd->docFlags) {
        replyBulkCString(c, "doc_flags");
        replyNamedBits(c, (uint64_t)cmd->docFlags, docFlagName, NULL);
    }
    if (cmd->deprecatedSince) replyMapString(c, "deprecated_since", cmd->deprecatedSince);
    if (cmd->replacedBy) replyMapString(c, "replaced_by", cmd->replacedBy);
    if (cmd->history) {
        replyBulkCString(c, "history");
        replyHistory(c, cmd->history);
    }
    if (cmd->args) {
        replyBulkCString(c, "arguments");
        replyArgs(c, cmd->args);
    }
    if (cmd->subcommands) {
        replyBulkCString(c, "subcommands");
        replyMapLen(c, visibleSubcommands(cmd));
        for (const serverCommand *sub = cmd->subcommands; sub->name; sub++) {
            if (!sub->bound) continue;
            replyBulkCString(c, sub->fullname);
            replyCommandDocs(c, sub);
        }
    }
}

static void replyDocsVisitor(serverCommand *cmd, void *privdata) {
    replyBulkCString(privdata, cmd->fullname);
    replyCommandDocs(privdata, cmd);
}

static void commandDocsCommand(client *c) {
    if (c->argc <= 2) {
        replyMapLen(c, (long)commandCount());
        commandForEach(replyDocsVisitor, c);
        return;
    }
    void *len = replyDeferredLen(c);
    long found = 0;
    for (int i = 2; i < c->argc; i++) {
        serverCommand *cmd = commandLookupByName(c->argv[i], dstrLen(c->argv[i]));
        if (!cmd) continue;
        replyDocsVisitor(cmd, c);
        found++;
    }
    replySetDeferredMapLen(c, len, found);
}

/* --- COMMAND LIST --- */

enum { FILTER_NONE, FILTER_MODULE, FILTER_ACLCAT, FILTER_PATTERN };

typedef struct listFilter {
    int kind;
    const char *arg;
    size_t arglen;
    uint64_t category;
    long count;
    client *c;
} listFilter;

static int filterMatches(const listFilter *f, const serverCommand *cmd) {
    switch (f->kind) {
    case FILTER_MODULE: return 0; /* no module commands */
    case FILTER_ACLCAT: return f->category && (cmd->aclCategories & f->category);
    case FILTER_PATTERN: return globMatch(f->arg, f->arglen, cmd->fullname, strlen(cmd->fullname), 1);
    default: return 1;
    }
}

static void listVisitor(serverCommand *cmd, void *privdata) {
    listFilter *f = privdata;
    if (filterMatches(f, cmd)) {
        replyBulkCString(f->c, cmd->fullname);
        f->count++;
    }
    for (const serverCommand *sub = cmd->subcommands; sub && sub->name; sub++) {
        if (sub->bound && filterMatches(f, sub)) {
            replyBulkCString(f->c, sub->fullname);
            f->count++;
        }
    }
}

static void commandListCommand(client *c) {
    listFilter f = {.kind = FILTER_NONE, .c = c};
    if (c->argc == 5 && !strcasecmp(c->argv[2], "filterby")) {
        f.arg = c->argv[4];
        f.arglen = dstrLen(c->argv[4]);
        if (!strcasecmp(c->argv[3], "module")) {
            f.kind = FILTER_MODULE;
        } else if (!strcasecmp(c->argv[3], "aclcat")) {
            f.kind = FILTER_ACLCAT;
            f.category = commandAclCategoryByName(c->argv[4]);
        } else if (!strcasecmp(c->argv[3], "pattern")) {
            f.kind = FILTER_PATTERN;
        } else {
            replyErrorSyntax(c);
            return;
        }
    } else if (c->argc != 2) {
        replyErrorSyntax(c);
        return;
    }
    void *len = replyDeferredLen(c);
    commandForEach(listVisitor, &f);
    replySetDeferredArrayLen(c, len, f.count);
}

/* --- COMMAND GETKEYS / GETKEYSANDFLAGS --- */

static void getKeys(client *c, int withFlags) {
    dstr *argv = c->argv + 2;
    int argc = c->argc - 2;
    serverCommand *cmd = argc >= 1 ? commandLookup(argv, argc) : NULL;
    if (!cmd || (cmd->subcommands && argc >= 2)) {
        replyError(c, "ERR Invalid command specified");
        return;
    }
    if (!commandHasKeys(cmd)) {
        replyError(c, "ERR The command has no key arguments");
        return;
    }
    if (!commandCheckArity(cmd, argc)) {
        replyError(c, "ERR Invalid number of arguments specified for command");
        return;
    }
    getKeysResult result;
    int n = commandGetKeys(cmd, argv, argc, &result);
    if (n == 0 && !(cmd->flags & CMD_NO_MANDATORY_KEYS)) {
        replyError(c, "ERR Invalid arguments specified for command");
    } else {
        replyArrayLen(c, n);
        for (int j = 0; j < n; j++) {
            if (withFlags) replyArrayLen(c, 2);
            replyBulkDstr(c, argv[result.keys[j].pos]);
            if (withFlags) replyNamedBits(c, result.keys[j].flags, commandKeySpecFlagName, NULL);
        }
    }
    getKeysFreeResult(&result);
}

static void commandGetKeysCommand(client *c) { getKeys(c, 0); }
static void commandGetKeysAndFlagsCommand(client *c) { getKeys(c, 1); }

/* --- The other subcommands --- */

static void commandInfoCommand(client *c) {
    if (c->argc <= 2) {
        replyAllCommandsInfo(c);
        return;
    }
    replyArrayLen(c, c->argc - 2);
    for (int i = 2; i < c->argc; i++) {
        serverCommand *cmd = commandLookupByName(c->argv[i], dstrLen(c->argv[i]));
        if (cmd)
            replyCommandInfo(c, cmd);
        else
            replyNull(c);
    }
}

static void commandCountCommand(client *c) { replyLongLong(c, (long long)commandCount()); }

static void commandHelpCommand(client *c) {
    static const char *lines[] = {
        "(no subcommand)",
        "    Describe every command: the same reply as INFO without names.",
        "COUNT",
        "    The number of commands this server knows.",
        "LIST [FILTERBY (MODULE <module-name>|ACLCAT <category>|PATTERN <pattern>)]",
        "    The names of all commands, or of those matching the filter.",
        "INFO [<command-name> ...]",
        "    Arity, flags, key positions, ACL categories, tips and key specs of the",
        "    named commands (all commands when none is named).",
        "DOCS [<command-name> ...]",
        "    Documentation of the named commands (all commands when none is named).",
        "GETKEYS <full-command>",
        "    The key names of a complete command invocation.",
        "GETKEYSANDFLAGS <full-command>",
        "    The key names of a complete command invocation, with their access flags.",
        NULL,
    };
    replyHelp(c, lines);
}

void commandCommand(client *c) {
    if (c->argc == 1)
        replyAllCommandsInfo(c);
    else
        replySubcommandSyntaxError(c);
}

void commandCmdsInit(void) {
    static const commandBinding bindings[] = {
        {"command", commandCommand},
        {"command|count", commandCountCommand},
        {"command|docs", commandDocsCommand},
        {"command|getkeys", commandGetKeysCommand},
        {"command|getkeysandflags", commandGetKeysAndFlagsCommand},
        {"command|help", commandHelpCommand},
        {"command|info", commandInfoCommand},
        {"command|list", commandListCommand},
        {NULL, NULL},
    };
    commandBind(bindings);
}
