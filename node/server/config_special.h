/* config_special.h — the directives whose value is not one number or string:
 * `save` pairs, the `bind` list, `client-output-buffer-limit` triples per
 * client class, `notify-keyspace-events` letters, `oom-score-adj-values`,
 * `replicaof`, `latency-tracking-info-percentiles`, `dir`, and the file-only
 * directives (`user`, `loadmodule`, `rename-command`).
 *
 * The catalog registers each as a placeholder with storage of its own.  A
 * module that acts on one registers the same def with its own storage, so
 * parsing, rendering and rewriting stay here:
 *
 *     static configSaveParams saveParams;
 *     static const configDef rdbConfigs[] = { CONFIG_SAVE_DEF(saveParams) };
 *
 * Storage is plain data the module reads; only these callbacks write it. */
#ifndef TESSERA_SERVER_CONFIG_SPECIAL_H
#define TESSERA_SERVER_CONFIG_SPECIAL_H

#include "node/server/config.h"

/* --- save <seconds> <changes> [...] --- */
typedef struct configSavePoint {
    long long seconds;
    long long changes;
} configSavePoint;
typedef struct configSaveParams {
    configSavePoint *points; /* memAlloc'd, count entries */
    int count;
} configSaveParams;
configSpecialSetFn configSaveSet;
configSpecialGetFn configSaveGet;
#define CONFIG_SAVE_DEF(var)                                                                            \
    {.name = "save", .flags = CONFIG_MULTI_ARG, .type = CONFIG_SPECIAL, .storage = &(var),              \
     .defaultValue = "3600 1 300 100 60 10000", .set = configSaveSet, .get = configSaveGet}

/* --- bind addr [addr ...] --- */
#define CONFIG_BIND_MAX 16
typedef struct configBindList {
    dstr addrs[CONFIG_BIND_MAX];
    int count;
} configBindList;
configSpecialSetFn configBindSet;
configSpecialGetFn configBindGet;
#define CONFIG_BIND_DEF(var)                                                                            \
    {.name = "bind", .flags = CONFIG_MULTI_ARG, .type = CONFIG_SPECIAL, .storage = &(var),              \
     .defaultValue = "127.0.0.1 -::1", .set = configBindSet, .get = configBindGet}

/* --- client-output-buffer-limit <class> <hard> <soft> <seconds> [...] ---
 * Classes are indexed like client.h's CLIENT_CLASS_* (normal, replica,
 * pubsub); "slave" is accepted for "replica". */
enum { CONFIG_OBUF_NORMAL = 0, CONFIG_OBUF_REPLICA, CONFIG_OBUF_PUBSUB, CONFIG_OBUF_COUNT };
typedef struct configObufLimit {
    unsigned long long hardBytes;
    unsigned long long softBytes;
    long long softSeconds;
} configObufLimit;
typedef struct configObufLimits {
    configObufLimit limits[CONFIG_OBUF_COUNT];
} configObufLimits;
configSpecialSetFn configObufSet;
configSpecialGetFn configObufGet;
configSpecialRewriteFn configObufRewrite;
#define CONFIG_OBUF_DEF(var)                                                                            \
    {.name = "client-output-buffer-limit", .flags = CONFIG_MULTI_ARG, .type = CONFIG_SPECIAL,           \
     .storage = &(var),                                                                                 \
     .defaultValue = "normal 0 0 0 replica 256mb 64mb 60 pubsub 32mb 8mb 60", .set = configObufSet,   \
     .get = configObufGet, .rewrite = configObufRewrite}

/* --- notify-keyspace-events <letters> ---
 * Bits have Valkey's NOTIFY_* values. */
#define CONFIG_NOTIFY_KEYSPACE (1 << 0)  /* K */
#define CONFIG_NOTIFY_KEYEVENT (1 << 1)  /* E */
#define CONFIG_NOTIFY_GENERIC (1 << 2)   /* g */
#define CONFIG_NOTIFY_STRING (1 << 3)    /* $ */
#define CONFIG_NOTIFY_LIST (1 << 4)      /* l */
#define CONFIG_NOTIFY_SET (1 << 5)       /* s */
#define CONFIG_NOTIFY_HASH (1 << 6)      /* h */
#define CONFIG_NOTIFY_ZSET (1 << 7)      /* z */
#define CONFIG_NOTIFY_EXPIRED (1 << 8)   /* x */
#define CONFIG_NOTIFY_EVICTED (1 << 9)   /* e */
#define CONFIG_NOTIFY_STREAM (1 << 10)   /* t */
#define CONFIG_NOTIFY_KEY_MISS (1 << 11) /* m, not part of A */
#define CONFIG_NOTIFY_LOADED (1 << 12)   /* module only, no letter */
#define CONFIG_NOTIFY_MODULE (1 << 13)   /* d */
#define CONFIG_NOTIFY_NEW (1 << 14)      /* n, not part of A */
#define CONFIG_NOTIFY_ALL                                                                               \
    (CONFIG_NOTIFY_GENERIC | CONFIG_NOTIFY_STRING | CONFIG_NOTIFY_LIST | CONFIG_NOTIFY_SET |            \
     CONFIG_NOTIFY_HASH | CONFIG_NOTIFY_ZSET | CONFIG_NOTIFY_EXPIRED | CONFIG_NOTIFY_EVICTED |          \
     CONFIG_NOTIFY_STREAM | CONFIG_NOTIFY_MODULE) /* A */
/* Letters -> flags, -1 on an unknown letter; flags -> letters. */
int configNotifyFlagsFromString(const char *s);
dstr configNotifyFlagsToString(int flags);
configSpecialSetFn configNotifySet;
configSpecialGetFn configNotifyGet;
configSpecialRewriteFn configNotifyRewrite;
#define CONFIG_NOTIFY_DEF(var)                                                                          \
    {.name = "notify-keyspace-events", .type = CONFIG_SPECIAL, .storage = &(var), .defaultValue = "",  \
     .set = configNotifySet, .get = configNotifyGet, .rewrite = configNotifyRewrite}

/* --- oom-score-adj-values <primary> <replica> <bgchild> --- */
typedef struct configOomScoreAdjValues {
    int values[3];
} configOomScoreAdjValues;
configSpecialSetFn configOomValuesSet;
configSpecialGetFn configOomValuesGet;
#define CONFIG_OOM_VALUES_DEF(var)                                                                      \
    {.name = "oom-score-adj-values", .flags = CONFIG_MULTI_ARG, .type = CONFIG_SPECIAL,                 \
     .storage = &(var), .defaultValue = "0 200 800", .set = configOomValuesSet,                        \
     .get = configOomValuesGet}

/* --- replicaof <host> <port> | replicaof no one --- */
typedef struct configReplicaOf {
    dstr host; /* NULL: not a replica */
    int port;
} configReplicaOf;
configSpecialSetFn configReplicaOfSet;
configSpecialGetFn configReplicaOfGet;
configSpecialRewriteFn configReplicaOfRewrite;
#define CONFIG_REPLICAOF_DEF(var)                                                                       \
    {.name = "replicaof", .alias = "slaveof", .flags = CONFIG_IMMUTABLE | CONFIG_MULTI_ARG,             \
     .type = CONFIG_SPECIAL, .storage = &(var), .defaultValue = NULL, .set = configReplicaOfSet,       \
     .get = configReplicaOfGet, .rewrite = configReplicaOfRewrite}

/* --- latency-tracking-info-percentiles <p> [...] --- */
typedef struct configPercentiles {
    double *values; /* memAlloc'd, count entries */
    int count;
} configPercentiles;
configSpecialSetFn configPercentilesSet;
configSpecialGetFn configPercentilesGet;
#define CONFIG_PERCENTILES_DEF(var)                                                                     \
    {.name = "latency-tracking-info-percentiles", .flags = CONFIG_MULTI_ARG, .type = CONFIG_SPECIAL,    \
     .storage = &(var), .defaultValue = "50 99 99.9", .set = configPercentilesSet,                     \
     .get = configPercentilesGet}

/* --- dir <path>: changes the working directory (no storage) --- */
configSpecialSetFn configDirSet;
configSpecialGetFn configDirGet;
configSpecialRewriteFn configDirRewrite;

/* --- File-only directives kept as their argument lists (user, loadmodule,
 * rename-command): every occurrence is recorded in order. --- */
typedef struct configDirectiveLines {
    dstr **argv; /* argv[i] has argc[i] arguments (the name excluded) */
    int *argc;
    int count;
} configDirectiveLines;
/* def->min / def->max bound the number of arguments (max -1: no bound);
 * a wrong count is "Bad directive or wrong number of arguments". */
configSpecialSetFn configLinesSet;
configSpecialGetFn configLinesGet;
/* Frees the recorded lines (configReset does it for the catalog's). */
void configDirectiveLinesClear(configDirectiveLines *lines);

/* Frees what a special def's storage owns and zeroes it. */
void configSpecialFree(const configDef *def);

#endif
