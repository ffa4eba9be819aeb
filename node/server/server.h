/* server.h — the server process as other server-level modules see it: the
 * event loop's lifecycle, periodic and before-sleep work registration,
 * server-wide settings and statistics, and shutdown. */
#ifndef TESSERA_SERVER_H
#define TESSERA_SERVER_H

#include <stdint.h>

#include "node/base/dstr.h"
#include "node/net/client.h"

#define TESSERA_VERSION "8.0.2"      /* the Valkey version we are compatible with */
#define TESSERA_SERVER_NAME "valkey" /* HELLO "server" field, as clients expect */

struct event_base;

/* Settings owned by the server module (bound to directives in
 * config_bindings.c). */
typedef struct serverSettings {
    int hz;
    int dynamicHz;
    int databases;
    int daemonize;
    char *pidfile;
    char *logfile;
    int loglevel;
    int shutdownOnSigterm;          /* SHUTDOWN_* flags */
    int shutdownOnSigint;
    int shutdownTimeout;
    int enableDebugCommand;         /* PROTECTED_* */
    int enableProtectedConfigs;
    int alwaysShowLogo;
    int activeRehashing;
    int activeExpireEffort;
    int crashLogEnabled;
    char *requirepass;              /* until ACL (issue 9): the default user's password */
    long long slowlogLogSlowerThan; /* µs, < 0 disables */
    long long slowlogMaxLen;
    long long latencyMonitorThreshold; /* ms */
    int latencyTracking;
    int setProcTitle;
    int jemallocBgThread;
} serverSettings;

/* "yes" / "no" / "local" for enable-debug-command & co. */
enum { PROTECTED_NO = 0, PROTECTED_YES = 1, PROTECTED_LOCAL = 2 };

/* Shutdown flags (SHUTDOWN arguments and shutdown-on-sig*). */
#define SHUTDOWN_DEFAULT 0
#define SHUTDOWN_SAVE (1 << 0)
#define SHUTDOWN_NOSAVE (1 << 1)
#define SHUTDOWN_NOW (1 << 2)
#define SHUTDOWN_FORCE (1 << 3)

typedef struct serverStats {
    long long startTimeMs;
    long long numCommands;           /* total_commands_processed */
    long long totalErrorReplies;     /* total_error_replies */
    long long unexpectedErrorReplies;
    long long instantaneousOps;      /* instantaneous_ops_per_sec */
    double instantaneousInputKbps, instantaneousOutputKbps;
    long long peakMemory;
    long long peakMemoryTime;
    long long cronLoops;
    long long ioReadsProcessed, ioWritesProcessed;
    long long lastSaveTime;          /* lastsave */
} serverStats;

serverSettings *serverGetSettings(void);
serverStats *serverGetStats(void);
struct event_base *serverEventBase(void);
const char *serverRunId(void);
const char *serverExecutable(void);
const char *serverConfigFile(void);
long long serverUptimeSeconds(void);
int serverIsShuttingDown(void);

/* Periodic work: fn runs every cron tick (hz per second). */
void serverRegisterCron(void (*fn)(void));
/* Work to do before the loop sleeps, in registration order. */
void serverRegisterBeforeSleep(void (*fn)(void));
/* Per-client state of server modules (MULTI, blocking, pub/sub): fn runs
 * when a client is freed, and when RESET returns it to a new connection's
 * state, in registration order. */
void serverOnClientFreed(void (*fn)(client *c));
void serverOnClientReset(void (*fn)(client *c));
void serverClientFreed(client *c);
void serverClientReset(client *c);
/* Stats reset hooks (CONFIG RESETSTAT). */
void serverRegisterResetStats(void (*fn)(void));
void serverResetStats(void);

/* Ask for a shutdown after the current command.  Returns 0, or -1 with err
 * set when it cannot proceed (e.g. the final save failed without FORCE). */
int serverRequestShutdown(int flags, dstr *err);
/* Handlers that must run before exit (save, remove pidfile, ...). */
void serverRegisterShutdownHandler(int (*fn)(int flags, dstr *err));

/* Error statistics (errorstats). */
void serverCountError(const char *err, size_t len);
/* Iterate error codes: returns the count for index i, or -1 past the end. */
long long serverErrorStat(int i, const char **code);
void serverResetErrorStats(void);

#endif
