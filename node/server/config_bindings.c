/* config_bindings.c — which directive sets which module's setting.
 *
 * Modules below the server (net, store) cannot see the config system, so
 * their settings are bound here: plain scalars by pointer, and the values
 * kept in the config system's own shapes (the bind list, output buffer
 * limits) copied into the module after loading and after every CONFIG SET
 * that touches them (netSync). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/base/log.h"
#include "node/base/mem.h"
#include "node/net/netio.h"
#include "node/server/command.h"
#include "node/server/config.h"
#include "node/server/config_special.h"
#include "node/server/modules.h"
#include "node/server/aof_server.h"
#include "node/server/persist.h"
#include "node/server/server.h"
#include "node/store/keyspace_cmds.h"
#include "node/types/hll_settings.h"
#include "node/types/string_value.h"
#include "node/types/type_util.h"

static configBindList bindList;
static configObufLimits obufLimits;

/* Copies the config-shaped values into net's settings. */
static void netSync(void) {
    netSettings *ns = netGetSettings();
    serverSettings *ss = serverGetSettings();
    ns->bindCount = bindList.count;
    for (int i = 0; i < bindList.count && i < NET_MAX_BINDS; i++) ns->bind[i] = bindList.addrs[i];
    for (int i = 0; i < CLIENT_CLASS_COUNT; i++) {
        ns->obufLimits[i].hard = obufLimits.limits[i].hardBytes;
        ns->obufLimits[i].soft = obufLimits.limits[i].softBytes;
        ns->obufLimits[i].softSeconds = obufLimits.limits[i].softSeconds;
    }
    ns->hasPassword = ss->requirepass && ss->requirepass[0];
    stringSetMaxLength(ns->protoMaxBulkLen);
}

static int applyNet(const configDef *def, const char **err) {
    (void)def;
    (void)err;
    netSync();
    return 1;
}

/* hz accepts any value and keeps the nearest in 1..500, so that CONFIG GET
 * shows the rate in use (Valkey's behaviour). */
static void clampHz(void) {
    serverSettings *s = serverGetSettings();
    if (s->hz < 1) s->hz = 1;
    if (s->hz > 500) s->hz = 500;
}

static int applyHz(const configDef *def, const char **err) {
    (void)def;
    (void)err;
    clampHz();
    serverApplyHz();
    return 1;
}

static int applyLoglevel(const configDef *def, const char **err) {
    (void)def;
    (void)err;
    logSetLevel(serverGetSettings()->loglevel);
    return 1;
}

static int applyBgThread(const configDef *def, const char **err) {
    (void)def;
    (void)err;
    memSetBackgroundPurge(serverGetSettings()->jemallocBgThread);
    return 1;
}

static const configEnumItem loglevelItems[] = {
    {"debug", LL_DEBUG}, {"verbose", LL_VERBOSE}, {"notice", LL_NOTICE},
    {"warning", LL_WARNING}, {"nothing", LL_NOTHING}, {NULL, 0}};
static const configEnumItem shutdownItems[] = {
    {"default", SHUTDOWN_DEFAULT}, {"save", SHUTDOWN_SAVE}, {"nosave", SHUTDOWN_NOSAVE},
    {"now", SHUTDOWN_NOW}, {"force", SHUTDOWN_FORCE}, {NULL, 0}};
static const configEnumItem protectedItems[] = {
    {"no", PROTECTED_NO}, {"yes", PROTECTED_YES}, {"local", PROTECTED_LOCAL}, {NULL, 0}};

static void registerNet(void) {
    netSettings *n = netGetSettings();
    static configDef defs[] = {
        CONFIG_BIND_DEF(bindList),
        CONFIG_OBUF_DEF(obufLimits),
    };
    defs[0].flags |= CONFIG_IMMUTABLE;
    defs[1].apply = applyNet;
    configRegister(defs, sizeof(defs) / sizeof(defs[0]));
    configDef scalars[] = {
        CONFIG_INT_DEF("port", NULL, CONFIG_IMMUTABLE, n->port, 0, 65535, "6379"),
        CONFIG_STRING_DEF("unixsocket", NULL, CONFIG_IMMUTABLE | CONFIG_EMPTY_IS_NULL, n->unixsocket, NULL),
        CONFIG_UINT_DEF("unixsocketperm", NULL, CONFIG_IMMUTABLE | CONFIG_OCTAL, n->unixsocketperm, 0, 0777, "0"),
        CONFIG_INT_DEF("tcp-backlog", NULL, CONFIG_IMMUTABLE, n->tcpBacklog, 0, INT_MAX, "511"),
        CONFIG_INT_DEF("timeout", NULL, 0, n->timeout, 0, INT_MAX, "0"),
        CONFIG_INT_DEF("tcp-keepalive", NULL, 0, n->tcpKeepalive, 0, INT_MAX, "300"),
        CONFIG_UINT_DEF("maxclients", NULL, 0, n->maxclients, 1, UINT_MAX, "10000"),
        CONFIG_LONGLONG_DEF("client-query-buffer-limit", NULL, CONFIG_MEMORY,
                            n->clientQueryBufferLimit, 1024 * 1024, LLONG_MAX, "1gb"),
        CONFIG_LONGLONG_DEF("proto-max-bulk-len", NULL, CONFIG_MEMORY, n->protoMaxBulkLen, 1024 * 1024,
                            LLONG_MAX, "512mb"),
        CONFIG_BOOL_DEF("protected-mode", NULL, 0, n->protectedMode, "yes"),
    };
    static configDef netDefs[sizeof(scalars) / sizeof(scalars[0])];
    memcpy(netDefs, scalars, sizeof(scalars));
    for (size_t i = 0; i < sizeof(netDefs) / sizeof(netDefs[0]); i++)
        if (!strcmp(netDefs[i].name, "proto-max-bulk-len")) netDefs[i].apply = applyNet;
    configRegister(netDefs, sizeof(netDefs) / sizeof(netDefs[0]));
}

static void registerServer(void) {
    serverSettings *s = serverGetSettings();
    configDef scalars[] = {
        CONFIG_INT_DEF("hz", NULL, 0, s->hz, 0, INT_MAX, "10"),
        CONFIG_BOOL_DEF("dynamic-hz", NULL, 0, s->dynamicHz, "yes"),
        CONFIG_INT_DEF("databases", NULL, CONFIG_IMMUTABLE, s->databases, 1, INT_MAX, "16"),
        CONFIG_BOOL_DEF("daemonize", NULL, CONFIG_IMMUTABLE, s->daemonize, "no"),
        CONFIG_STRING_DEF("pidfile", NULL, CONFIG_IMMUTABLE | CONFIG_EMPTY_IS_NULL, s->pidfile, NULL),
        CONFIG_STRING_DEF("logfile", NULL, CONFIG_IMMUTABLE, s->logfile, ""),
        CONFIG_ENUM_DEF("loglevel", NULL, 0, s->loglevel, loglevelItems, "notice"),
        CONFIG_ENUM_DEF("shutdown-on-sigterm", NULL, CONFIG_MULTI_ARG, s->shutdownOnSigterm, shutdownItems,
                        "default"),
        CONFIG_ENUM_DEF("shutdown-on-sigint", NULL, CONFIG_MULTI_ARG, s->shutdownOnSigint, shutdownItems,
                        "default"),
        CONFIG_INT_DEF("shutdown-timeout", NULL, 0, s->shutdownTimeout, 0, INT_MAX, "10"),
        CONFIG_ENUM_DEF("enable-debug-command", NULL, CONFIG_IMMUTABLE, s->enableDebugCommand,
                        protectedItems, "no"),
        CONFIG_ENUM_DEF("enable-protected-configs", NULL, CONFIG_IMMUTABLE, s->enableProtectedConfigs,
                        protectedItems, "no"),
        CONFIG_BOOL_DEF("always-show-logo", NULL, CONFIG_IMMUTABLE, s->alwaysShowLogo, "no"),
        CONFIG_BOOL_DEF("activerehashing", NULL, 0, s->activeRehashing, "yes"),
        CONFIG_INT_DEF("active-expire-effort", NULL, 0, s->activeExpireEffort, 1, 10, "1"),
        CONFIG_BOOL_DEF("crash-log-enabled", NULL, 0, s->crashLogEnabled, "yes"),
        CONFIG_STRING_DEF("requirepass", NULL, CONFIG_SENSITIVE, s->requirepass, ""),
        CONFIG_LONGLONG_DEF("slowlog-log-slower-than", NULL, 0, s->slowlogLogSlowerThan, -1, LLONG_MAX,
                            "10000"),
        CONFIG_LONGLONG_DEF("slowlog-max-len", NULL, 0, s->slowlogMaxLen, 0, LONG_MAX, "128"),
        CONFIG_LONGLONG_DEF("latency-monitor-threshold", NULL, 0, s->latencyMonitorThreshold, 0,
                            LLONG_MAX, "0"),
        CONFIG_BOOL_DEF("latency-tracking", NULL, 0, s->latencyTracking, "yes"),
        CONFIG_BOOL_DEF("jemalloc-bg-thread", NULL, 0, s->jemallocBgThread, "yes"),
    };
    static configDef serverDefs[sizeof(scalars) / sizeof(scalars[0])];
    memcpy(serverDefs, scalars, sizeof(scalars));
    for (size_t i = 0; i < sizeof(serverDefs) / sizeof(serverDefs[0]); i++) {
        if (!strcmp(serverDefs[i].name, "hz")) serverDefs[i].apply = applyHz;
        if (!strcmp(serverDefs[i].name, "loglevel")) serverDefs[i].apply = applyLoglevel;
        if (!strcmp(serverDefs[i].name, "requirepass")) serverDefs[i].apply = applyNet;
        if (!strcmp(serverDefs[i].name, "jemalloc-bg-thread")) serverDefs[i].apply = applyBgThread;
    }
    configRegister(serverDefs, sizeof(serverDefs) / sizeof(serverDefs[0]));
}

/* The lazyfree-lazy-* directives the keyspace commands act on. */
static void registerKeyspace(void) {
    int *lazy = keyspaceLazySettings();
    static configDef defs[4];
    configDef scalars[] = {
        CONFIG_BOOL_DEF("lazyfree-lazy-user-del", NULL, 0, lazy[LAZY_USER_DEL], "yes"),
        CONFIG_BOOL_DEF("lazyfree-lazy-user-flush", NULL, 0, lazy[LAZY_USER_FLUSH], "yes"),
        CONFIG_BOOL_DEF("lazyfree-lazy-server-del", NULL, 0, lazy[LAZY_SERVER_DEL], "yes"),
        CONFIG_BOOL_DEF("lazyfree-lazy-expire", NULL, 0, lazy[LAZY_EXPIRE], "yes"),
    };
    memcpy(defs, scalars, sizeof(scalars));
    configRegister(defs, sizeof(defs) / sizeof(defs[0]));
}

/* The conversion thresholds of the collection types. */
static void registerTypes(void) {
    typeSettings *t = typeGetSettings();
    static configDef defs[10];
    configDef scalars[] = {
        CONFIG_SIZE_DEF("hll-sparse-max-bytes", NULL, CONFIG_MEMORY, *hllSparseMaxBytesSetting(), 0, LONG_MAX,
                        "3000"),
        CONFIG_LONGLONG_DEF("hash-max-listpack-entries", "hash-max-ziplist-entries", 0,
                            t->hashMaxListpackEntries, 0, LONG_MAX, "512"),
        CONFIG_LONGLONG_DEF("hash-max-listpack-value", "hash-max-ziplist-value", CONFIG_MEMORY,
                            t->hashMaxListpackValue, 0, LONG_MAX, "64"),
        CONFIG_INT_DEF("list-max-listpack-size", "list-max-ziplist-size", 0, t->listMaxListpackSize, INT_MIN,
                       INT_MAX, "-2"),
        CONFIG_INT_DEF("list-compress-depth", NULL, 0, t->listCompressDepth, 0, INT_MAX, "0"),
        CONFIG_LONGLONG_DEF("set-max-intset-entries", NULL, 0, t->setMaxIntsetEntries, 0, LONG_MAX, "512"),
        CONFIG_LONGLONG_DEF("set-max-listpack-entries", NULL, 0, t->setMaxListpackEntries, 0, LONG_MAX,
                            "128"),
        CONFIG_LONGLONG_DEF("set-max-listpack-value", NULL, 0, t->setMaxListpackValue, 0, LONG_MAX, "64"),
        CONFIG_LONGLONG_DEF("zset-max-listpack-entries", "zset-max-ziplist-entries", 0,
                            t->zsetMaxListpackEntries, 0, LONG_MAX, "128"),
        CONFIG_LONGLONG_DEF("zset-max-listpack-value", "zset-max-ziplist-value", CONFIG_MEMORY,
                            t->zsetMaxListpackValue, 0, LONG_MAX, "64"),
    };
    memcpy(defs, scalars, sizeof(scalars));
    configRegister(defs, sizeof(defs) / sizeof(defs[0]));
}

static void printVersion(void) {
    printf("tessera server v=%s valkey-compatible=%s bits=%d malloc=%s\n", PACKAGE_VERSION,
           TESSERA_VERSION, (int)(sizeof(long) * 8), "jemalloc");
}

static void printUsage(void) {
    fprintf(stderr,
            "Usage: tessera-server [/path/to/tessera.conf] [options]\n"
            "       tessera-server -v or --version\n"
            "       tessera-server -h or --help\n\n"
            "Examples:\n"
            "       tessera-server (run the server with default config)\n"
            "       tessera-server /etc/tessera/6379.conf\n"
            "       tessera-server --port 7777\n"
            "       tessera-server /etc/mytessera.conf --loglevel verbose\n");
}

int configureFromArgs(int argc, char **argv, const char **configFile) {
    if (argc == 2 && (!strcmp(argv[1], "-v") || !strcmp(argv[1], "--version"))) {
        printVersion();
        exit(0);
    }
    if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        printUsage();
        exit(0);
    }
    configInit();
    registerNet();
    registerServer();
    registerKeyspace();
    registerTypes();
    persistRegisterConfig();
    aofRegisterConfig();
    int fileIndex = -1;
    dstr overrides = configBuildOverrides(argc, argv, &fileIndex);
    configError err = {0};
    int rc = configLoad(fileIndex >= 0 ? argv[fileIndex] : NULL, overrides, &err);
    dstrFree(overrides);
    if (rc != 0) {
        dstr msg = configFormatFatal(&err, NULL);
        fputs(msg, stderr);
        dstrFree(msg);
        configErrorFree(&err);
        return -1;
    }
    netSync();
    clampHz();
    configResetStatHook = serverResetStats;
    *configFile = configGetFilename();
    return 0;
}

void configReportPlaceholders(void) {
    size_t n;
    const char *const *names = configPlaceholdersUsed(&n);
    for (size_t i = 0; i < n; i++)
        serverLog(LL_NOTICE, "Directive '%s' is accepted but not acted on yet", names[i]);
}
