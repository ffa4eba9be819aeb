/* main.c — start-up: configuration, logging, wiring the modules together,
 * listening, and running the loop.  The only place that decides to exit. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "node/base/hash.h"
#include "node/base/log.h"
#include "node/base/mem.h"
#include "node/base/rand.h"
#include "node/base/timeutil.h"
#include "node/net/netio.h"
#include "node/server/aof_server.h"
#include "node/server/command.h"
#include "node/server/dispatch.h"
#include <stddef.h>
#include "node/server/modules.h"
#include "node/server/persist.h"
#include "node/server/server.h"
#include "node/store/db.h"

/* A new connection is authenticated if the default user needs no password
 * at this moment (Valkey's rule): setting requirepass later locks out new
 * connections, not the ones already open.  Fake clients replay commands
 * that were already authorized. */
static void onClientCreated(client *c) {
    const char *pass = serverGetSettings()->requirepass;
    c->db = dbByIndex(0);
    if ((c->flags & CLIENT_FAKE) || !pass || !pass[0]) c->flags |= CLIENT_AUTHENTICATED;
}

/* A client closed for a protocol error: logged at verbose level in Valkey's
 * form, "Protocol error (<reason>) from client: ...", for operators chasing
 * a misbehaving client library. */
static void onClientError(client *c, const char *msg) {
    static const char prefix[] = "Protocol error: ";
    if (strncmp(msg, prefix, sizeof(prefix) - 1) == 0) msg += sizeof(prefix) - 1;
    serverLog(LL_VERBOSE, "Protocol error (%s) from client: id=%llu addr=%s", msg, (unsigned long long)c->id,
              c->addr);
}

static void prefetchKey(client *c, const char *arg, size_t len, int stage) {
    if (c->db) dbPrefetchKey(c->db, arg, len, stage);
}

static void wireModules(void) {
    netHooks nh = {
        .processCommand = dispatchProcessCommand,
        .prefetchKey = prefetchKey,
        .clientCreated = onClientCreated,
        .clientError = onClientError,
        .clientFreed = serverClientFreed,
    };
    netSetHooks(&nh);
    dispatchInit();
    commandTableInit();
    modulesInit();
}

/* Sanitizer builds empty the keyspace before exiting.  An entry keeps its
 * value pointer unaligned (kvobj.c packs it), which LeakSanitizer cannot
 * follow, so every value still stored at exit would be reported as a leak.
 * Production exits without walking the keyspace: a big dataset would only
 * delay the exit. */
#if defined(__SANITIZE_ADDRESS__)
#define FREE_KEYSPACE_AT_EXIT 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FREE_KEYSPACE_AT_EXIT 1
#endif
#endif

static void freeKeyspaceForLeakCheck(void) {
#ifdef FREE_KEYSPACE_AT_EXIT
    dbEmpty(-1, NULL);
#endif
}

static void seedRandomness(void) {
    uint8_t seed[16];
    uint64_t rs;
    if (randSecureBytes(seed, sizeof(seed)) != 0) {
        uint64_t t = (uint64_t)timeUs() ^ ((uint64_t)getpid() << 32);
        memcpy(seed, &t, 8);
        memcpy(seed + 8, &t, 8);
    }
    hashSetSeed(seed);
    if (randSecureBytes(&rs, sizeof(rs)) != 0) rs = (uint64_t)timeUs();
    randSeed(rs);
}

static int daemonizeProcess(void) {
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid > 0) exit(0);
    setsid();
    int fd = open("/dev/null", O_RDWR);
    if (fd != -1) {
        dup2(fd, STDIN_FILENO);
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        if (fd > STDERR_FILENO) close(fd);
    }
    return 0;
}

static void writePidfile(const char *path) {
    FILE *f = fopen(path, "w");
    if (!f) {
        serverLog(LL_WARNING, "Failed to write PID file: %s", strerror(errno));
        return;
    }
    fprintf(f, "%d\n", (int)getpid());
    fclose(f);
}

/* Start-up stops before serving: log why, drop the pidfile, exit code 1. */
static int abortListening(serverSettings *s, const char *why) {
    serverLog(LL_WARNING, "%s", why);
    if (s->pidfile && s->pidfile[0]) unlink(s->pidfile);
    return 1;
}

static void logBanner(void) {
    serverSettings *s = serverGetSettings();
    netSettings *ns = netGetSettings();
    serverLog(LL_NOTICE, "oO0OoO0OoO0Oo tessera is starting oO0OoO0OoO0Oo");
    serverLog(LL_NOTICE, "tessera version=%s (valkey-compatible %s), bits=%d, pid=%d, just started",
              PACKAGE_VERSION, TESSERA_VERSION, (int)(sizeof(long) * 8), (int)getpid());
    if (s->alwaysShowLogo) {
        char buf[512];
        snprintf(buf, sizeof(buf),
                 "\n  tessera %s (valkey-compatible %s) 64 bit\n"
                 "  Running in standalone mode\n"
                 "  Port: %d\n"
                 "  PID: %d\n",
                 PACKAGE_VERSION, TESSERA_VERSION, ns->port, (int)getpid());
        logRaw(LL_NOTICE, buf);
    } else {
        serverLog(LL_NOTICE, "Running mode=standalone, port=%d.", ns->port);
    }
}

int main(int argc, char **argv) {
    memThreadInit();
    seedRandomness();
    char err[512];
    const char *configFile = NULL;
    if (configureFromArgs(argc, argv, &configFile) != 0) return 1;
    serverSettings *s = serverGetSettings();
    if (s->daemonize && daemonizeProcess() == -1) {
        fprintf(stderr, "Failed to daemonize: %s\n", strerror(errno));
        return 1;
    }
    if (logOpen(s->logfile) == -1) {
        fprintf(stderr, "Can't open the log file: %s\n", strerror(errno));
        return 1;
    }
    logSetLevel(s->loglevel);
    logSetRole('M');
    logBanner();
    if (serverInit(argv[0], configFile, err, sizeof(err)) != 0) {
        serverLog(LL_WARNING, "%s", err);
        return 1;
    }
    wireModules();
    configReportPlaceholders();
    if (s->pidfile && s->pidfile[0]) writePidfile(s->pidfile);
    if (netListen(err, sizeof(err)) != 0) return abortListening(s, err);
    /* port 0 and no unixsocket: nobody could ever reach us. */
    if (!netListenerOpen("tcp") && !netListenerOpen("unix"))
        return abortListening(s, "Configured to not listen anywhere, exiting.");
    serverLog(LL_NOTICE, "Server initialized");
    if ((aofEnabled() ? aofLoadAtStartup() : persistLoadAtStartup()) != 0) {
        netCloseListeners();
        if (s->pidfile && s->pidfile[0]) unlink(s->pidfile);
        return 1;
    }
    if (netListenerOpen("tcp")) serverLog(LL_NOTICE, "Ready to accept connections tcp");
    if (netListenerOpen("unix")) serverLog(LL_NOTICE, "Ready to accept connections unix");
    int rc = serverRun();
    netFreeAllClients();
    freeKeyspaceForLeakCheck();
    return rc;
}
