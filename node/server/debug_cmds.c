/* debug_cmds.c — the DEBUG command: test and diagnosis helpers (sleep,
 * populate, digests, object internals, RESP3 shapes, crash on purpose).
 *
 * DEBUG can stop or crash the server, so it is protected by
 * enable-debug-command (no / yes / local).  The check is a dispatch gate
 * rather than a test inside the command: like Valkey, a refused DEBUG is a
 * rejected call (commandstats rejected_calls), not a failed one.
 *
 * Subcommands are matched here (DEBUG has no subcommand table in Valkey's
 * command metadata: its arguments are free-form), each in a small function.
 * RELOAD belongs to persistence (node/server/persist.c). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <time.h>

#include "node/base/log.h"
#include "node/base/util.h"
#include "node/net/reply.h"
#include "node/server/command.h"
#include "node/server/config.h"
#include "node/server/crash.h"
#include "node/server/digest.h"
#include "node/server/dispatch.h"
#include "node/server/modules.h"
#include "node/server/aof_server.h"
#include "node/server/persist.h"
#include "node/server/server.h"
#include "node/store/db.h"
#include "node/store/hashtable.h"
#include "rdb/rdb.h"

static serverCommand *debugCmd;

/* --- Access control --- */

static int isLocalClient(const client *c) {
    if (c->flags & CLIENT_UNIX_SOCKET) return 1;
    const char *colon = strrchr(c->addr, ':');
    size_t hostLen = colon ? (size_t)(colon - c->addr) : strlen(c->addr);
    return (hostLen == 9 && !strncmp(c->addr, "127.0.0.1", 9)) || (hostLen == 3 && !strncmp(c->addr, "::1", 3));
}

static int debugGate(client *c, serverCommand *cmd) {
    if (cmd != debugCmd) return 0;
    int setting = serverGetSettings()->enableDebugCommand;
    if (setting == PROTECTED_YES || (setting == PROTECTED_LOCAL && isLocalClient(c))) return 0;
    cmd->rejectedCalls++;
    replyError(c, "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", "
                  "you can run it from a local connection, otherwise you need to set this option in the "
                  "configuration file, and then restart the server.");
    return 1;
}

static void replyArgsError(client *c) {
    replyErrorFormat(c, "ERR unknown subcommand or wrong number of arguments for '%.128s'. Try DEBUG HELP.",
                     c->argv[1]);
}

/* --- Serialized length (DEBUG OBJECT) --- */

/* The bytes rdb/ writes for the value (key and type byte excluded), with
 * LZF as rdbcompression says, as Valkey measures it. */
static size_t serializedLength(const kvobj *kv) {
    const configDef *def = configLookup("rdbcompression");
    int compress = def && def->storage ? *(const int *)def->storage : 1;
    return rdbSavedObjectLen(kv, compress);
}

/* --- Subcommands --- */

static void debugHelp(client *c) {
    static const char *help[] = {
        "ASSERT",
        "    Crash by assertion failure (the log gets a bug report).",
        "DICT-RESIZING <0|1>",
        "    Enable or disable automatic resizing of the keyspace hash tables.",
        "DIGEST",
        "    Output a hex signature representing the current DB content.",
        "DIGEST-VALUE <key> [<key> ...]",
        "    Output a hex signature of the values of all the specified keys.",
        "HTSTATS <dbid> [full]",
        "    Return hash table statistics of the specified database.",
        "LOG <message>",
        "    Write <message> to the server log.",
        "OBJECT <key>",
        "    Show low level info about the value stored at <key>.",
        "POPULATE <count> [<prefix>] [<size>]",
        "    Create <count> string keys named key:<num>. If <prefix> is specified then",
        "    it is used instead of the 'key' prefix. These are not propagated to",
        "    replicas. Cluster slots are not respected so keys not belonging to the",
        "    current node can be created in cluster mode.",
        "LOADAOF",
        "    Flush the AOF buffers to disk, empty the dataset and load the AOF again.",
        "RELOAD [NOSAVE] [NOFLUSH]",
        "    Save the RDB on disk and reload it back to memory. With NOSAVE the file on",
        "    disk is loaded as is; with NOFLUSH the current data is not removed first.",
        "PROTOCOL <type>",
        "    Reply with a test value of the specified type. <type> can be: string,",
        "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
        "    true, false.",
        "SEGFAULT",
        "    Crash the server with sigsegv.",
        "SET-ACTIVE-EXPIRE <0|1>",
        "    Setting it to 0 disables expiring keys in background when they are not",
        "    accessed (otherwise the server behavior is the default one).",
        "SLEEP <seconds>",
        "    Stop the server for <seconds>. Decimals allowed.",
        NULL,
    };
    replyHelp(c, help);
}

static void debugSleep(client *c) {
    double seconds = strtod(c->argv[2], NULL);
    /* NaN fails the comparison; a day is more than any test needs and keeps
     * the conversion to microseconds defined. */
    if (seconds > 86400) seconds = 86400;
    if (seconds > 0) {
        long long us = (long long)(seconds * 1000000);
        struct timespec ts = {.tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000};
        while (nanosleep(&ts, &ts) == -1) {
        }
    }
    replyOk(c);
}

static void debugObject(client *c) {
    kvobj *kv = dbLookupRead(c->db, c->argv[2], LOOKUP_NOTOUCH | LOOKUP_NONOTIFY);
    if (!kv) {
        replyError(c, "ERR no such key");
        return;
    }
    size_t serialized = serializedLength(kv);
    char line[256];
    snprintf(line, sizeof(line),
             "Value at:%p refcount:1 encoding:%s serializedlength:%zu lru:%u lru_seconds_idle:%lld", (void *)kv,
             kvEncodingName(kv->encoding), serialized, (unsigned)kv->lru, dbEntryIdleMs(kv) / 1000);
    replySimple(c, line);
}

/* Valkey gives the same error for a negative number and for no number. */
static int positiveArg(client *c, const dstr arg, long long *out) {
    if (!string2ll(arg, dstrLen(arg), out) || *out < 0) {
        replyError(c, "ERR value is out of range, must be positive");
        return 0;
    }
    return 1;
}

static void debugPopulate(client *c) {
    long long count, size = 0;
    if (!positiveArg(c, c->argv[2], &count)) return;
    if (c->argc == 5 && !positiveArg(c, c->argv[4], &size)) return;
    const char *prefix = c->argc >= 4 ? c->argv[3] : "key";
    if (!hashtableTryExpand(c->db->keys, dbSize(c->db) + (size_t)count)) {
        replyError(c, "ERR OOM in dictTryExpand");
        return;
    }
    dstr key = dstrEmpty(), val = dstrEmpty();
    for (long long j = 0; j < count; j++) {
        dstrClear(key);
        key = dstrCatPrintf(key, "%s:%lld", prefix, j);
        if (dbLookupWrite(c->db, key)) continue;
        dstrClear(val);
        val = dstrCatPrintf(val, "value:%lld", j);
        if (size) {
            size_t have = dstrLen(val);
            if ((size_t)size < have) dstrSetLen(val, (size_t)size);
            else val = dstrGrowZero(val, (size_t)size);
        }
        dbAdd(c->db, kvCreateString(key, dstrLen(key), val, dstrLen(val), -1, 1));
        dbSignalModifiedKey(c->db, key);
    }
    dstrFree(key);
    dstrFree(val);
    replyOk(c);
}

static void debugDigest(client *c) {
    unsigned char d[DIGEST_LEN];
    char hex[2 * DIGEST_LEN + 1];
    digestDataset(d);
    digestToHex(d, hex);
    replySimple(c, hex);
}

static void debugDigestValue(client *c) {
    replyArrayLen(c, c->argc - 2);
    for (int j = 2; j < c->argc; j++) {
        unsigned char d[DIGEST_LEN] = {0};
        char hex[2 * DIGEST_LEN + 1];
        kvobj *kv = dbFind(c->db, c->argv[j]);
        if (kv) digestValue(d, kv);
        digestToHex(d, hex);
        replySimple(c, hex);
    }
}

static void debugHtstats(client *c) {
    long long id;
    if (!string2ll(c->argv[2], dstrLen(c->argv[2]), &id)) {
        replyErrorNotInteger(c);
        return;
    }
    serverDb *db = id >= 0 && id < dbCountDatabases() ? dbByIndex((int)id) : NULL;
    if (!db) {
        replyError(c, "ERR Out of range database");
        return;
    }
    int full = c->argc == 4 && !strcasecmp(c->argv[3], "full");
    char buf[16384];
    dstr s = dstrNew("[Dictionary HT]\n");
    hashtableGetStats(db->keys, buf, sizeof(buf), full);
    s = dstrCat(s, buf);
    s = dstrCat(s, "[Expires HT]\n");
    hashtableGetStats(db->expires, buf, sizeof(buf), full);
    s = dstrCat(s, buf);
    replyVerbatim(c, s, dstrLen(s), "txt");
    dstrFree(s);
}

static void debugLog(client *c) {
    serverLog(LL_WARNING, "DEBUG LOG: %s", c->argv[2]);
    replyOk(c);
}

static void debugSegfault(client *c) {
    (void)c;
    serverLog(LL_WARNING, "DEBUG SEGFAULT: crashing on purpose.");
    /* A write to a read-only page: a real SIGSEGV, which compilers and
     * sanitizers do not treat as undefined behaviour to optimise away. */
    volatile char *p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    *p = 'x';
}

static void debugAssert(client *c) {
    (void)c;
    crashAssertFailed("1 == 2", __FILE__, __LINE__);
}

/* --- PROTOCOL: one reply of each RESP3 type --- */

static void protocolAggregate(client *c, const char *name) {
    if (!strcasecmp(name, "array"))
        replyArrayLen(c, 3);
    else if (!strcasecmp(name, "set"))
        replySetLen(c, 3);
    else
        replyMapLen(c, 3);
    for (int j = 0; j < 3; j++) {
        replyLongLong(c, j);
        if (!strcasecmp(name, "map")) replyBool(c, j == 1);
    }
}

static void protocolOutOfBand(client *c, const char *name) {
    if (!strcasecmp(name, "attrib")) {
        if (c->resp >= 3) {
            replyAttributeLen(c, 1);
            replyBulkCString(c, "key-popularity");
            replyArrayLen(c, 2);
            replyBulkCString(c, "key:123");
            replyLongLong(c, 90);
        }
        replyBulkCString(c, "Some real reply following the attribute");
        return;
    }
    if (c->resp < 3) {
        replyError(c, "ERR RESP2 is not supported by this command");
        return;
    }
    replyPushLen(c, 2);
    replyBulkCString(c, "server-cpu-usage");
    replyLongLong(c, 42);
    replyBulkCString(c, "Some real reply following the push reply");
}

static void debugProtocol(client *c) {
    const char *name = c->argv[2];
    if (!strcasecmp(name, "string")) {
        replyBulkCString(c, "Hello World");
    } else if (!strcasecmp(name, "integer")) {
        replyLongLong(c, 12345);
    } else if (!strcasecmp(name, "double")) {
        replyDouble(c, 3.141);
    } else if (!strcasecmp(name, "bignum")) {
        replyBigNumber(c, "1234567999999999999999999999999999999", 37);
    } else if (!strcasecmp(name, "null")) {
        replyNull(c);
    } else if (!strcasecmp(name, "array") || !strcasecmp(name, "set") || !strcasecmp(name, "map")) {
        protocolAggregate(c, name);
    } else if (!strcasecmp(name, "attrib") || !strcasecmp(name, "push")) {
        protocolOutOfBand(c, name);
    } else if (!strcasecmp(name, "verbatim")) {
        replyVerbatim(c, "This is a verbatim\nstring", 25, "txt");
    } else if (!strcasecmp(name, "true") || !strcasecmp(name, "false")) {
        replyBool(c, !strcasecmp(name, "true"));
    } else {
        replyError(c, "ERR Wrong protocol type name. Please use one of the following: "
                      "string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false");
    }
}

static void debugSetFlag(client *c) {
    int on = atoi(c->argv[2]) != 0;
    if (!strcasecmp(c->argv[1], "set-active-expire"))
        dbSetActiveExpireEnabled(on);
    else
        hashtableSetResizePolicy(on);
    replyOk(c);
}

/* --- Dispatch --- */

typedef struct debugSubcommand {
    const char *name;
    int minArgc, maxArgc; /* including DEBUG and the subcommand name; -1 = any */
    void (*fn)(client *c);
} debugSubcommand;

static const debugSubcommand subcommands[] = {
    {"help", 2, 2, debugHelp},
    {"sleep", 3, 3, debugSleep},
    {"object", 3, 3, debugObject},
    {"populate", 3, 5, debugPopulate},
    {"digest", 2, 2, debugDigest},
    {"digest-value", 2, -1, debugDigestValue},
    {"htstats", 3, 4, debugHtstats},
    {"log", 3, 3, debugLog},
    {"protocol", 3, 3, debugProtocol},
    {"reload", 2, 4, persistDebugReload},
    {"loadaof", 2, 2, aofDebugLoadAof},
    {"segfault", 2, 2, debugSegfault},
    {"assert", 2, 2, debugAssert},
    {"set-active-expire", 3, 3, debugSetFlag},
    {"dict-resizing", 3, 3, debugSetFlag},
};

static void debugCommand(client *c) {
    for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++) {
        const debugSubcommand *sub = &subcommands[i];
        if (strcasecmp(c->argv[1], sub->name)) continue;
        if (c->argc < sub->minArgc || (sub->maxArgc >= 0 && c->argc > sub->maxArgc)) break;
        sub->fn(c);
        return;
    }
    replyArgsError(c);
}

void debugCmdsInit(void) {
    crashInit();
    commandBind((const commandBinding[]){{"debug", debugCommand}, {NULL, NULL}});
    debugCmd = commandLookupByName("debug", 5);
    dispatchAddGate(debugGate);
}
