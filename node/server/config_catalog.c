/* config_catalog.c — every directive of Valkey 8's valkey.conf, and the ones
 * only CONFIG SET knows, with Valkey's types, defaults, bounds and aliases.
 *
 * Each is registered as a placeholder: accepted in a file or by CONFIG SET,
 * shown by CONFIG GET, rewritten by CONFIG REWRITE, but acted on by nobody
 * until the module that owns it registers a real def of the same name (that
 * def then takes the placeholder's place).  So an operator's valkey.conf
 * loads unchanged from day one, and the loader can say which settings are
 * not acted on yet.
 *
 * Storage: each placeholder's value lives in a file-scope compound literal
 * (`&(int){0}`), which C gives static storage; the table needs no variable
 * per directive.
 *
 * Sources of the facts: Valkey 8.0's config table (names, aliases, types,
 * bounds, defaults, flags); 8.1 additions (commandlog-*, import-mode,
 * log-format, ...) are accepted too.  `dir` and the deprecated directives are
 * not placeholders: `dir` is acted on here (it changes the working directory
 * while the file is read, as in Valkey) and the deprecated ones are ignored
 * by Valkey itself. */
#include <limits.h>
#include <string.h>
#include <stdint.h>
#include <sys/types.h>

#include "node/server/config_internal.h"
#include "node/server/config_special.h"

#define PH CONFIG_PLACEHOLDER
#define IMM CONFIG_IMMUTABLE
#define MOD CONFIG_MODIFIABLE
#define MEM CONFIG_MEMORY
#define HID CONFIG_HIDDEN
#define SEN CONFIG_SENSITIVE
#define NUL CONFIG_EMPTY_IS_NULL

#define BOOL(n, a, f, d) \
    {.name = (n), .alias = (a), .flags = (f) | PH, .type = CONFIG_BOOL, .storage = &(int){0}, .defaultValue = (d)}
#define INT(n, a, f, lo, hi, d)                                                                              \
    {.name = (n), .alias = (a), .flags = (f) | PH, .type = CONFIG_INT, .storage = &(int){0}, .defaultValue = (d), \
     .min = (lo), .max = (hi)}
#define UINT(n, a, f, lo, hi, d)                                                                     \
    {.name = (n), .alias = (a), .flags = (f) | PH, .type = CONFIG_UINT, .storage = &(unsigned int){0}, \
     .defaultValue = (d), .min = (long long)(lo), .max = (long long)(hi)}
#define LL(n, a, f, lo, hi, d)                                                                          \
    {.name = (n), .alias = (a), .flags = (f) | PH, .type = CONFIG_LONGLONG, .storage = &(long long){0}, \
     .defaultValue = (d), .min = (lo), .max = (hi)}
#define ULL(n, a, f, lo, hi, d)                                                                                  \
    {.name = (n), .alias = (a), .flags = (f) | PH, .type = CONFIG_ULONGLONG, .storage = &(unsigned long long){0}, \
     .defaultValue = (d), .min = (long long)(lo), .max = (long long)(hi)}
#define SIZE(n, a, f, lo, hi, d)                                                                 \
    {.name = (n), .alias = (a), .flags = (f) | PH, .type = CONFIG_SIZE, .storage = &(size_t){0}, \
     .defaultValue = (d), .min = (long long)(lo), .max = (long long)(hi)}
#define STR(n, a, f, d)                                                                                 \
    {.name = (n), .alias = (a), .flags = (f) | PH, .type = CONFIG_STRING, .storage = &(char *){NULL}, \
     .defaultValue = (d)}
#define SDS(n, a, f, d) \
    {.name = (n), .alias = (a), .flags = (f) | PH, .type = CONFIG_DSTR, .storage = &(dstr){NULL}, .defaultValue = (d)}
#define ENUM(n, a, f, items, d)                                                                       \
    {.name = (n), .alias = (a), .flags = (f) | PH, .type = CONFIG_ENUM, .storage = &(int){0},         \
     .defaultValue = (d), .enumItems = (items)}
#define SPECIAL(n, a, f, var, d, setfn, getfn, rewritefn)                                              \
    {.name = (n), .alias = (a), .flags = (f) | PH, .type = CONFIG_SPECIAL, .storage = (var),          \
     .defaultValue = (d), .set = (setfn), .get = (getfn), .rewrite = (rewritefn)}
#define LINES(n, lo, hi)                                                                               \
    {.name = (n), .flags = CONFIG_FILE_ONLY | PH, .type = CONFIG_SPECIAL,                              \
     .storage = &(configDirectiveLines){0}, .min = (lo), .max = (hi), .set = configLinesSet,           \
     .get = configLinesGet}
#define GONE(n) {.name = (n), .flags = CONFIG_DEPRECATED, .type = CONFIG_STRING}

/* --- Enumerations (values are Valkey's) --- */

static const configEnumItem maxmemoryPolicyEnum[] = {
    {"volatile-lru", (1 << 0)},                {"volatile-lfu", (1 << 1)},
    {"volatile-random", (2 << 8)},             {"volatile-ttl", (3 << 8)},
    {"allkeys-lru", (1 << 0) | (1 << 2)},      {"allkeys-lfu", (1 << 1) | (1 << 2)},
    {"allkeys-random", (2 << 8) | (1 << 2)},   {"noeviction", (7 << 8) | (1 << 2)},
    {NULL, 0}};
static const configEnumItem syslogFacilityEnum[] = {
    {"user", 1 << 3},    {"local0", 16 << 3}, {"local1", 17 << 3}, {"local2", 18 << 3}, {"local3", 19 << 3},
    {"local4", 20 << 3}, {"local5", 21 << 3}, {"local6", 22 << 3}, {"local7", 23 << 3}, {NULL, 0}};
static const configEnumItem loglevelEnum[] = {
    {"debug", 0}, {"verbose", 1}, {"notice", 2}, {"warning", 3}, {"nothing", 4}, {NULL, 0}};
static const configEnumItem supervisedEnum[] = {
    {"upstart", 1}, {"systemd", 2}, {"auto", 3}, {"no", 0}, {NULL, 0}};
static const configEnumItem appendfsyncEnum[] = {{"everysec", 2}, {"always", 1}, {"no", 0}, {NULL, 0}};
static const configEnumItem shutdownOnSigEnum[] = {
    {"default", 0}, {"save", 1 << 1}, {"nosave", 1 << 0}, {"now", 1 << 2}, {"force", 1 << 3}, {NULL, 0}};
static const configEnumItem replDisklessLoadEnum[] = {
    {"disabled", 0}, {"on-empty-db", 1}, {"swapdb", 2}, {NULL, 0}};
static const configEnumItem tlsAuthClientsEnum[] = {{"no", 0}, {"yes", 1}, {"optional", 2}, {NULL, 0}};
static const configEnumItem oomScoreAdjEnum[] = {
    {"no", 0}, {"yes", 1}, {"relative", 1}, {"absolute", 2}, {NULL, 0}};
static const configEnumItem aclPubsubDefaultEnum[] = {{"allchannels", 1 << 6}, {"resetchannels", 0}, {NULL, 0}};
static const configEnumItem sanitizeDumpPayloadEnum[] = {{"no", 0}, {"yes", 1}, {"clients", 2}, {NULL, 0}};
static const configEnumItem protectedActionEnum[] = {{"no", 0}, {"yes", 1}, {"local", 2}, {NULL, 0}};
static const configEnumItem endpointTypeEnum[] = {
    {"ip", 0}, {"hostname", 1}, {"unknown-endpoint", 2}, {NULL, 0}};
static const configEnumItem propagationErrorEnum[] = {
    {"ignore", 0}, {"panic", 1}, {"panic-on-replicas", 2}, {NULL, 0}};
static const configEnumItem logFormatEnum[] = {{"legacy", 0}, {"logfmt", 1}, {NULL, 0}};
static const configEnumItem logTimestampFormatEnum[] = {
    {"legacy", 0}, {"iso8601", 1}, {"milliseconds", 2}, {NULL, 0}};

static int checkClusterConfigFile(const configDef *def, const void *value, const char **err) {
    const char *v = *(const char *const *)value;
    if (v && *v) return 1;
    *err = "cluster-config-file can't be empty";
    return 0;
}

/* dbfilename / appendfilename / appenddirname must be a bare name;
 * privdata holds the two messages. */
typedef struct baseNameMessages {
    const char *empty;
    const char *path;
} baseNameMessages;
static const baseNameMessages dbfilenameMessages = {"dbfilename can't be empty",
                                                    "dbfilename can't be a path, just a filename"};
static const baseNameMessages appendfilenameMessages = {"appendfilename can't be empty",
                                                        "appendfilename can't be a path, just a filename"};
static const baseNameMessages appenddirnameMessages = {"appenddirname can't be empty",
                                                       "appenddirname can't be a path, just a dirname"};

static int checkBaseName(const configDef *def, const void *value, const char **err) {
    const char *v = *(const char *const *)value;
    const baseNameMessages *m = def->privdata;
    if (!v || !*v) {
        *err = m->empty;
        return 0;
    }
    if (strchr(v, '/') || strchr(v, '\\')) {
        *err = m->path;
        return 0;
    }
    return 1;
}

static int checkShutdownFlags(const configDef *def, const void *value, const char **err) {
    int v = *(const int *)value;
    if ((v & (1 << 0)) && (v & (1 << 1))) {
        *err = "shutdown options SAVE and NOSAVE can't be used simultaneously";
        return 0;
    }
    return 1;
}

static const configDef catalog[] = {
    /* Network */
    SPECIAL("bind", NULL, CONFIG_MULTI_ARG, &(configBindList){.count = 0}, "127.0.0.1 -::1", configBindSet, configBindGet,
            NULL),
    STR("bind-source-addr", NULL, MOD | NUL, NULL),
    BOOL("protected-mode", NULL, MOD, "yes"),
    ENUM("enable-protected-configs", NULL, IMM, protectedActionEnum, "no"),
    ENUM("enable-debug-command", NULL, IMM, protectedActionEnum, "no"),
    ENUM("enable-module-command", NULL, IMM, protectedActionEnum, "no"),
    INT("port", NULL, MOD, 0, 65535, "6379"),
    INT("tcp-backlog", NULL, IMM, 0, INT_MAX, "511"),
    STR("unixsocket", NULL, IMM | NUL, NULL),
    STR("unixsocketgroup", NULL, IMM | NUL, NULL),
    UINT("unixsocketperm", NULL, IMM | CONFIG_OCTAL, 0, 0777, "0"),
    INT("timeout", NULL, MOD, 0, INT_MAX, "0"),
    INT("tcp-keepalive", NULL, MOD, 0, INT_MAX, "300"),
    UINT("socket-mark-id", NULL, IMM, 0, UINT_MAX, "0"),

    /* TLS */
    INT("tls-port", NULL, MOD, 0, 65535, "0"),
    STR("tls-cert-file", NULL, MOD | NUL | CONFIG_VOLATILE, NULL),
    STR("tls-key-file", NULL, MOD | NUL | CONFIG_VOLATILE, NULL),
    STR("tls-key-file-pass", NULL, MOD | NUL | SEN, NULL),
    STR("tls-client-cert-file", NULL, MOD | NUL | CONFIG_VOLATILE, NULL),
    STR("tls-client-key-file", NULL, MOD | NUL | CONFIG_VOLATILE, NULL),
    STR("tls-client-key-file-pass", NULL, MOD | NUL | SEN, NULL),
    STR("tls-dh-params-file", NULL, MOD | NUL | CONFIG_VOLATILE, NULL),
    STR("tls-ca-cert-file", NULL, MOD | NUL | CONFIG_VOLATILE, NULL),
    STR("tls-ca-cert-dir", NULL, MOD | NUL | CONFIG_VOLATILE, NULL),
    ENUM("tls-auth-clients", NULL, MOD, tlsAuthClientsEnum, "yes"),
    BOOL("tls-replication", NULL, MOD, "no"),
    BOOL("tls-cluster", NULL, MOD, "no"),
    STR("tls-protocols", NULL, MOD | NUL, NULL),
    STR("tls-ciphers", NULL, MOD | NUL, NULL),
    STR("tls-ciphersuites", NULL, MOD | NUL, NULL),
    BOOL("tls-prefer-server-ciphers", NULL, MOD, "no"),
    BOOL("tls-session-caching", NULL, MOD, "yes"),
    INT("tls-session-cache-size", NULL, MOD, 0, INT_MAX, "20480"),
    INT("tls-session-cache-timeout", NULL, MOD, 0, INT_MAX, "300"),

    /* General */
    BOOL("daemonize", NULL, IMM, "no"),
    ENUM("supervised", NULL, IMM, supervisedEnum, "no"),
    STR("pidfile", NULL, IMM | NUL, NULL),
    ENUM("loglevel", NULL, MOD, loglevelEnum, "notice"),
    ENUM("log-format", NULL, MOD, logFormatEnum, "legacy"),
    ENUM("log-timestamp-format", NULL, MOD, logTimestampFormatEnum, "legacy"),
    STR("logfile", NULL, IMM, ""),
    BOOL("syslog-enabled", NULL, IMM, "no"),
    STR("syslog-ident", NULL, IMM, "tessera"),
    ENUM("syslog-facility", NULL, IMM, syslogFacilityEnum, "local0"),
    BOOL("crash-log-enabled", NULL, MOD, "yes"),
    BOOL("crash-memcheck-enabled", NULL, MOD, "yes"),
    INT("databases", NULL, IMM, 1, INT_MAX, "16"),
    BOOL("always-show-logo", NULL, IMM, "no"),
    BOOL("hide-user-data-from-log", NULL, MOD, "no"),
    BOOL("set-proc-title", NULL, IMM, "yes"),
    STR("proc-title-template", NULL, MOD, "{title} {listen-addr} {server-mode}"),
    STR("locale-collate", NULL, MOD, ""),
    BOOL("extended-redis-compatibility", NULL, MOD, "no"),

    /* Snapshotting */
    SPECIAL("save", NULL, CONFIG_MULTI_ARG, &(configSaveParams){0}, "3600 1 300 100 60 10000", configSaveSet,
            configSaveGet, NULL),
    BOOL("stop-writes-on-bgsave-error", NULL, MOD, "yes"),
    BOOL("rdbcompression", NULL, MOD, "yes"),
    BOOL("rdbchecksum", NULL, IMM, "yes"),
    ENUM("sanitize-dump-payload", NULL, MOD, sanitizeDumpPayloadEnum, "no"),
    {.name = "dbfilename", .flags = MOD | CONFIG_PROTECTED | PH, .type = CONFIG_STRING, .storage = &(char *){NULL},
     .defaultValue = "dump.rdb", .check = checkBaseName, .privdata = (void *)&dbfilenameMessages},
    BOOL("rdb-del-sync-files", NULL, MOD, "no"),

    /* Replication */
    SPECIAL("replicaof", "slaveof", IMM | CONFIG_MULTI_ARG, &(configReplicaOf){0}, NULL, configReplicaOfSet,
            configReplicaOfGet, configReplicaOfRewrite),
    SDS("primaryauth", "masterauth", MOD | SEN | NUL, NULL),
    STR("primaryuser", "masteruser", MOD | SEN | NUL, NULL),
    BOOL("replica-serve-stale-data", "slave-serve-stale-data", MOD, "yes"),
    BOOL("replica-read-only", "slave-read-only", MOD, "yes"),
    BOOL("repl-diskless-sync", NULL, MOD, "yes"),
    INT("repl-diskless-sync-delay", NULL, MOD, 0, INT_MAX, "5"),
    INT("repl-diskless-sync-max-replicas", NULL, MOD, 0, INT_MAX, "0"),
    ENUM("repl-diskless-load", NULL, MOD | CONFIG_DENY_LOADING, replDisklessLoadEnum, "disabled"),
    BOOL("dual-channel-replication-enabled", NULL, MOD, "no"),
    INT("repl-ping-replica-period", "repl-ping-slave-period", MOD, 1, INT_MAX, "10"),
    INT("repl-timeout", NULL, MOD, 1, INT_MAX, "60"),
    BOOL("repl-disable-tcp-nodelay", NULL, MOD, "no"),
    LL("repl-backlog-size", NULL, MOD | MEM, 1, LLONG_MAX, "1mb"),
    LL("repl-backlog-ttl", NULL, MOD, 0, LONG_MAX, "3600"),
    INT("replica-priority", "slave-priority", MOD, 0, INT_MAX, "100"),
    ENUM("propagation-error-behavior", NULL, MOD, propagationErrorEnum, "ignore"),
    BOOL("replica-ignore-disk-write-errors", NULL, MOD, "no"),
    BOOL("import-mode", NULL, MOD, "no"),
    BOOL("replica-announced", NULL, MOD, "yes"),
    INT("min-replicas-to-write", "min-slaves-to-write", MOD, 0, INT_MAX, "0"),
    INT("min-replicas-max-lag", "min-slaves-max-lag", MOD, 0, INT_MAX, "10"),
    STR("replica-announce-ip", "slave-announce-ip", MOD | NUL, NULL),
    INT("replica-announce-port", "slave-announce-port", MOD, 0, 65535, "0"),

    /* Keys tracking */
    SIZE("tracking-table-max-keys", NULL, MOD, 0, LONG_MAX, "1000000"),

    /* Security */
    LINES("user", 1, -1),
    ULL("acllog-max-len", NULL, MOD, 0, LONG_MAX, "128"),
    STR("aclfile", NULL, IMM, ""),
    SDS("requirepass", NULL, MOD | SEN | NUL, NULL),
    ENUM("acl-pubsub-default", NULL, MOD, aclPubsubDefaultEnum, "resetchannels"),
    LINES("rename-command", 2, 2),

    /* Clients */
    UINT("maxclients", NULL, MOD, 1, UINT_MAX, "10000"),

    /* Memory management */
    ULL("maxmemory", NULL, MOD | MEM, 0, ULLONG_MAX, "0"),
    ENUM("maxmemory-policy", NULL, MOD, maxmemoryPolicyEnum, "noeviction"),
    INT("maxmemory-samples", NULL, MOD, 1, 64, "5"),
    INT("maxmemory-eviction-tenacity", NULL, MOD, 0, 100, "10"),
    BOOL("replica-ignore-maxmemory", "slave-ignore-maxmemory", MOD, "yes"),
    INT("active-expire-effort", NULL, MOD, 1, 10, "1"),

    /* Lazy freeing (on by default since Valkey 8.0) */
    BOOL("lazyfree-lazy-eviction", NULL, MOD, "yes"),
    BOOL("lazyfree-lazy-expire", NULL, MOD, "yes"),
    BOOL("lazyfree-lazy-server-del", NULL, MOD, "yes"),
    BOOL("replica-lazy-flush", "slave-lazy-flush", MOD, "yes"),
    BOOL("lazyfree-lazy-user-del", NULL, MOD, "yes"),
    BOOL("lazyfree-lazy-user-flush", NULL, MOD, "yes"),

    /* Threaded I/O */
    INT("io-threads", NULL, IMM, 1, 256, "1"),
    INT("prefetch-batch-max-size", NULL, MOD, 0, 128, "16"),
    INT("events-per-io-thread", NULL, MOD | HID, 0, INT_MAX, "2"),

    /* Kernel */
    ENUM("oom-score-adj", NULL, MOD, oomScoreAdjEnum, "no"),
    SPECIAL("oom-score-adj-values", NULL, CONFIG_MULTI_ARG, &(configOomScoreAdjValues){{0}}, "0 200 800",
            configOomValuesSet, configOomValuesGet, NULL),
    BOOL("disable-thp", NULL, IMM, "yes"),

    /* Append only mode */
    BOOL("appendonly", NULL, MOD | CONFIG_DENY_LOADING, "no"),
    {.name = "appendfilename", .flags = IMM | PH, .type = CONFIG_STRING, .storage = &(char *){NULL},
     .defaultValue = "appendonly.aof", .check = checkBaseName, .privdata = (void *)&appendfilenameMessages},
    {.name = "appenddirname", .flags = IMM | PH, .type = CONFIG_STRING, .storage = &(char *){NULL},
     .defaultValue = "appendonlydir", .check = checkBaseName, .privdata = (void *)&appenddirnameMessages},
    ENUM("appendfsync", NULL, MOD, appendfsyncEnum, "everysec"),
    BOOL("no-appendfsync-on-rewrite", NULL, MOD, "no"),
    INT("auto-aof-rewrite-percentage", NULL, MOD, 0, INT_MAX, "100"),
    LL("auto-aof-rewrite-min-size", NULL, MOD | MEM, 0, LLONG_MAX, "64mb"),
    BOOL("aof-load-truncated", NULL, MOD, "yes"),
    BOOL("aof-use-rdb-preamble", NULL, MOD, "yes"),
    BOOL("aof-timestamp-enabled", NULL, MOD, "no"),
    BOOL("aof-disable-auto-gc", NULL, MOD | HID, "no"),

    /* Shutdown */
    INT("shutdown-timeout", NULL, MOD, 0, INT_MAX, "10"),
    {.name = "shutdown-on-sigint", .flags = MOD | CONFIG_MULTI_ARG | PH, .type = CONFIG_ENUM,
     .storage = &(int){0}, .defaultValue = "default", .enumItems = shutdownOnSigEnum, .check = checkShutdownFlags},
    {.name = "shutdown-on-sigterm", .flags = MOD | CONFIG_MULTI_ARG | PH, .type = CONFIG_ENUM,
     .storage = &(int){0}, .defaultValue = "default", .enumItems = shutdownOnSigEnum, .check = checkShutdownFlags},

    /* Long blocking commands */
    LL("busy-reply-threshold", "lua-time-limit", MOD, 0, LONG_MAX, "5000"),

    /* Cluster */
    BOOL("cluster-enabled", NULL, IMM, "no"),
    {.name = "cluster-config-file", .flags = IMM | PH, .type = CONFIG_STRING, .storage = &(char *){NULL},
     .defaultValue = "nodes.conf", .check = checkClusterConfigFile},
    LL("cluster-node-timeout", NULL, MOD, 0, LLONG_MAX, "15000"),
    INT("cluster-port", NULL, IMM, 0, 65535, "0"),
    INT("cluster-replica-validity-factor", "cluster-slave-validity-factor", MOD, 0, INT_MAX, "10"),
    INT("cluster-migration-barrier", NULL, MOD, 0, INT_MAX, "1"),
    BOOL("cluster-allow-replica-migration", NULL, MOD, "yes"),
    BOOL("cluster-require-full-coverage", NULL, MOD, "yes"),
    BOOL("cluster-replica-no-failover", "cluster-slave-no-failover", MOD, "no"),
    BOOL("cluster-allow-reads-when-down", NULL, MOD, "no"),
    BOOL("cluster-allow-pubsubshard-when-down", NULL, MOD, "yes"),
    ULL("cluster-link-sendbuf-limit", NULL, MOD | MEM, 0, ULLONG_MAX, "0"),
    STR("cluster-announce-hostname", NULL, MOD | NUL, NULL),
    STR("cluster-announce-human-nodename", NULL, MOD | NUL, NULL),
    ENUM("cluster-preferred-endpoint-type", NULL, MOD, endpointTypeEnum, "ip"),
    INT("cluster-blacklist-ttl", NULL, MOD, 0, INT_MAX, "60"),
    BOOL("cluster-slot-stats-enabled", NULL, MOD, "no"),
    STR("cluster-announce-ip", NULL, MOD | NUL, NULL),
    STR("cluster-announce-client-ipv4", NULL, MOD | NUL, NULL),
    STR("cluster-announce-client-ipv6", NULL, MOD | NUL, NULL),
    INT("cluster-announce-port", NULL, MOD, 0, 65535, "0"),
    INT("cluster-announce-tls-port", NULL, MOD, 0, 65535, "0"),
    INT("cluster-announce-bus-port", NULL, MOD, 0, 65535, "0"),
    LL("cluster-ping-interval", NULL, MOD | HID, 0, LLONG_MAX, "0"),

    /* Slow log and command log */
    LL("slowlog-log-slower-than", "commandlog-execution-slower-than", MOD, -1, LLONG_MAX, "10000"),
    ULL("slowlog-max-len", "commandlog-slow-execution-max-len", MOD, 0, LONG_MAX, "128"),
    LL("commandlog-request-larger-than", NULL, MOD, -1, LLONG_MAX, "1048576"),
    ULL("commandlog-large-request-max-len", NULL, MOD, 0, LONG_MAX, "128"),
    LL("commandlog-reply-larger-than", NULL, MOD, -1, LLONG_MAX, "1048576"),
    ULL("commandlog-large-reply-max-len", NULL, MOD, 0, LONG_MAX, "128"),

    /* Latency */
    LL("latency-monitor-threshold", NULL, MOD, 0, LLONG_MAX, "0"),
    BOOL("latency-tracking", NULL, MOD, "yes"),
    SPECIAL("latency-tracking-info-percentiles", NULL, CONFIG_MULTI_ARG, &(configPercentiles){0}, "50 99 99.9",
            configPercentilesSet, configPercentilesGet, NULL),

    /* Event notification */
    SPECIAL("notify-keyspace-events", NULL, MOD, &(int){0}, "", configNotifySet, configNotifyGet,
            configNotifyRewrite),

    /* Advanced */
    SIZE("hash-max-listpack-entries", "hash-max-ziplist-entries", MOD, 0, LONG_MAX, "512"),
    SIZE("hash-max-listpack-value", "hash-max-ziplist-value", MOD | MEM, 0, LONG_MAX, "64"),
    INT("list-max-listpack-size", "list-max-ziplist-size", MOD, INT_MIN, INT_MAX, "-2"),
    INT("list-compress-depth", NULL, MOD, 0, INT_MAX, "0"),
    SIZE("set-max-intset-entries", NULL, MOD, 0, LONG_MAX, "512"),
    SIZE("set-max-listpack-entries", NULL, MOD, 0, LONG_MAX, "128"),
    SIZE("set-max-listpack-value", NULL, MOD, 0, LONG_MAX, "64"),
    SIZE("zset-max-listpack-entries", "zset-max-ziplist-entries", MOD, 0, LONG_MAX, "128"),
    SIZE("zset-max-listpack-value", "zset-max-ziplist-value", MOD | MEM, 0, LONG_MAX, "64"),
    SIZE("hll-sparse-max-bytes", NULL, MOD | MEM, 0, LONG_MAX, "3000"),
    SIZE("stream-node-max-bytes", NULL, MOD | MEM, 0, LONG_MAX, "4096"),
    LL("stream-node-max-entries", NULL, MOD, 0, LLONG_MAX, "100"),
    BOOL("activerehashing", NULL, MOD, "yes"),
    SPECIAL("client-output-buffer-limit", NULL, CONFIG_MULTI_ARG, &(configObufLimits){.limits = {{0}}},
            "normal 0 0 0 replica 256mb 64mb 60 pubsub 32mb 8mb 60", configObufSet, configObufGet,
            configObufRewrite),
    SIZE("client-query-buffer-limit", NULL, MOD | MEM, 1024 * 1024, LONG_MAX, "1gb"),
    {.name = "maxmemory-clients", .flags = MOD | MEM | CONFIG_PERCENT | PH, .type = CONFIG_LONGLONG,
     .storage = &(long long){0}, .defaultValue = "0", .min = -100, .max = SSIZE_MAX},
    LL("proto-max-bulk-len", NULL, MOD | MEM, 1024 * 1024, LONG_MAX, "512mb"),
    INT("hz", NULL, MOD, 0, INT_MAX, "10"),
    BOOL("dynamic-hz", NULL, MOD, "yes"),
    BOOL("aof-rewrite-incremental-fsync", NULL, MOD, "yes"),
    BOOL("rdb-save-incremental-fsync", NULL, MOD, "yes"),
    INT("lfu-log-factor", NULL, MOD, 0, INT_MAX, "10"),
    INT("lfu-decay-time", NULL, MOD, 0, INT_MAX, "1"),
    UINT("max-new-connections-per-cycle", NULL, MOD, 1, 1000, "10"),
    UINT("max-new-tls-connections-per-cycle", NULL, MOD, 1, 1000, "1"),

    /* Active defragmentation */
    BOOL("activedefrag", NULL, MOD, "no"),
    SIZE("active-defrag-ignore-bytes", NULL, MOD | MEM, 1, LLONG_MAX, "100mb"),
    INT("active-defrag-threshold-lower", NULL, MOD, 0, 1000, "10"),
    INT("active-defrag-threshold-upper", NULL, MOD, 0, 1000, "100"),
    INT("active-defrag-cycle-min", NULL, MOD, 1, 99, "1"),
    INT("active-defrag-cycle-max", NULL, MOD, 1, 99, "25"),
    ULL("active-defrag-max-scan-fields", NULL, MOD, 1, LONG_MAX, "1000"),
    INT("active-defrag-cycle-us", NULL, MOD, 0, 100000, "500"),
    BOOL("jemalloc-bg-thread", NULL, MOD, "yes"),
    STR("server-cpulist", "server_cpulist", IMM | NUL, NULL),
    STR("bio-cpulist", "bio_cpulist", IMM | NUL, NULL),
    STR("aof-rewrite-cpulist", "aof_rewrite_cpulist", IMM | NUL, NULL),
    STR("bgsave-cpulist", "bgsave_cpulist", IMM | NUL, NULL),
    STR("ignore-warnings", NULL, MOD, ""),
    STR("availability-zone", NULL, MOD, ""),

    /* Modules */
    LINES("loadmodule", 1, -1),

    /* Only for tests and debugging (CONFIG GET needs the exact name) */
    BOOL("use-exit-on-panic", NULL, MOD | HID, "no"),
    BOOL("enable-debug-assert", NULL, IMM | HID, "no"),
    INT("rdb-key-save-delay", NULL, MOD | HID, INT_MIN, INT_MAX, "0"),
    INT("key-load-delay", NULL, MOD | HID, INT_MIN, INT_MAX, "0"),
    INT("watchdog-period", NULL, MOD | HID, 0, INT_MAX, "0"),
    LL("loading-process-events-interval-bytes", NULL, MOD | HID, 1024, INT_MAX, "2097152"),
};

/* Directives config itself acts on, and those Valkey accepts and ignores. */
static const configDef builtin[] = {
    {.name = "dir", .flags = CONFIG_PROTECTED | CONFIG_DENY_LOADING | CONFIG_REWRITE_ALWAYS,
     .type = CONFIG_SPECIAL, .set = configDirSet, .get = configDirGet, .rewrite = configDirRewrite},
    GONE("list-max-ziplist-entries"),
    GONE("list-max-ziplist-value"),
    GONE("lua-replicate-commands"),
    GONE("io-threads-do-reads"),
};

void configCatalogRegister(void) {
    configRegisterDefs(builtin, sizeof(builtin) / sizeof(builtin[0]), 0);
    configRegisterDefs(catalog, sizeof(catalog) / sizeof(catalog[0]), 1);
}
