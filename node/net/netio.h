/* netio.h — the networking layer's interface to the server: settings,
 * listeners, the per-client read/process/write cycle and the hooks through
 * which the server runs commands (net never calls the server directly). */
#ifndef TESSERA_NETIO_H
#define TESSERA_NETIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "node/net/client.h"

struct event_base;

#define NET_MAX_BINDS 16

typedef struct obufLimit {
    unsigned long long hard, soft;
    long long softSeconds;
} obufLimit;

/* Settings owned by net (bound to config directives by the server). */
typedef struct netSettings {
    int port;                       /* 0 = no TCP listener */
    char *bind[NET_MAX_BINDS];      /* "-" prefix: optional address */
    int bindCount;
    char *unixsocket;               /* NULL or "" = none */
    unsigned unixsocketperm;
    int tcpBacklog;
    int timeout;                    /* idle seconds before closing, 0 = never */
    int tcpKeepalive;               /* seconds, 0 = off */
    unsigned maxclients;
    long long clientQueryBufferLimit;
    long long protoMaxBulkLen;
    obufLimit obufLimits[CLIENT_CLASS_COUNT];
    int protectedMode;
    int hasPassword;                /* set by the server: protected mode needs it */
} netSettings;

typedef struct netStats {
    long long totalConnections;
    long long rejectedConnections;
    long long netInputBytes, netOutputBytes;
    long long clientQbufLimitDisconnections, clientObufLimitDisconnections;
    long long maxInputBuffer, maxOutputBuffer; /* current largest, filled by netClientsCron */
} netStats;

netSettings *netGetSettings(void);
/* Wall-clock time in ms cached for the current event-loop iteration. */
long long netNowMs(void);
netStats *netGetStats(void);

int netInit(struct event_base *base);
/* Opens every listener; on failure fills err (e.g. "Failed listening on port
 * 6379 (tcp), aborting.") and returns -1. */
int netListen(char *err, size_t errlen);
void netCloseListeners(void);
/* Names of open listeners for the start-up log ("tcp", "unix"). */
int netListenerOpen(const char *kind);

/* Hooks set by the server. */
typedef struct netHooks {
    /* Run one parsed command (c->argc/argv).  Returns 0 to continue with the
     * next pipelined command, 1 if the client must stop processing input for
     * now (blocked, paused): net resumes it after netUnblockClient(). */
    int (*processCommand)(client *c);
    /* After the command ran and its argv was released. */
    void (*afterCommand)(client *c);
    void (*clientCreated)(client *c);
    void (*clientFreed)(client *c);
    /* A client was disconnected because of a protocol error or limit; the
     * message is for the log. */
    void (*clientError)(client *c, const char *msg);
    /* Optional: the first argument of a command further down the pipeline
     * (probably a key), to prefetch in `stage` 0 or 1 (see db.h). */
    void (*prefetchKey)(client *c, const char *arg, size_t len, int stage);
} netHooks;
void netSetHooks(const netHooks *hooks);

/* Before-sleep work, in two steps so that the server's hooks (the AOF
 * above all) run between them: netResumeUnblocked runs the buffered
 * commands of clients that were unblocked (returns 1 if running them
 * unblocked more), netBeforeSleep flushes output and frees closed clients. */
int netResumeUnblocked(void);
int netHasUnblocked(void);
void netBeforeSleep(void);
/* Called from the server cron: idle timeouts, buffer limits, stats. */
void netClientsCron(void);
/* Runs a command saved while c was held (argc/argv owned, taken over) as if
 * it had just been parsed, then resumes c's input unless the command holds
 * it again.  For paused and blocked clients. */
void netRunSavedCommand(client *c, int argc, dstr *argv);
/* Resume input processing of a client that returned 1 from processCommand. */
void netUnblockClient(client *c);
/* Called by reply.c when a client has new output. */
void netClientHasOutput(client *c);
/* Closes every client (shutdown). */
void netFreeAllClients(void);
/* Flush pending output of all clients, blocking up to timeoutMs (shutdown). */
void netFlushAll(int timeoutMs);

/* reply.c internals used by client.c. */
ssize_t replyWriteOnce(client *c);
void replyFreeAll(client *c);
void replySetErrorHook(void (*hook)(client *c, const char *err, size_t len));

#endif
