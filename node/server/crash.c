/* crash.c — the bug report written when the server dies of a fault.
 *
 * The handler runs on an alternate signal stack (a stack overflow must
 * still be reportable) and writes the report line by line through
 * logFromSignal, which formats without allocating.  Lines are built here in
 * a stack buffer with hand-written integer/hex formatting, never printf or
 * malloc: the fault may have happened inside the allocator, holding its
 * locks.  Reading the server's counters is plain loads, so it is safe even
 * if they are half-updated.  Stack frames are resolved with dladdr (symbols
 * of the server itself need -rdynamic, see introspect.mk); backtrace() is
 * called once at start-up because its first call loads libgcc, which is
 * not safe inside a handler.
 *
 * After the report the handler restores the default action, unblocks the
 * signal and raises it again, so the process dies exactly as it would have
 * without a handler (core dump, exit status by signal).  A fault inside the
 * report (the state is too broken to describe) goes straight to that end. */
#include "node/server/crash.h"

#include <dlfcn.h>
#include <execinfo.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

#include "node/base/log.h"
#include "node/base/mem.h"
#include "node/net/client.h"
#include "node/server/server.h"
#include "node/store/db.h"

#define ALT_STACK_SIZE (64 * 1024)
#define MAX_FRAMES 64
#define MAX_ARGS_SHOWN 16
#define MAX_ARG_BYTES 128

static const int crashSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
static int installed;
static volatile sig_atomic_t reporting;
static char altStack[ALT_STACK_SIZE];

/* --- Async-signal-safe line building --- */

typedef struct line {
    char buf[1024];
    size_t len;
} line;

static void putStr(line *l, const char *s) {
    while (*s && l->len < sizeof(l->buf) - 1) l->buf[l->len++] = *s++;
}

static void putBytes(line *l, const char *s, size_t n) {
    for (size_t i = 0; i < n && l->len < sizeof(l->buf) - 1; i++) {
        unsigned char ch = (unsigned char)s[i];
        l->buf[l->len++] = (ch >= 32 && ch < 127) ? (char)ch : '?';
    }
}

static void putNum(line *l, long long v) {
    char tmp[24];
    int n = 0;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) tmp[n++] = '-';
    while (n && l->len < sizeof(l->buf) - 1) l->buf[l->len++] = tmp[--n];
}

static void putHex(line *l, uintptr_t v) {
    static const char hex[] = "0123456789abcdef";
    char tmp[2 * sizeof(v)];
    int n = 0;
    do {
        tmp[n++] = hex[v & 15];
        v >>= 4;
    } while (v);
    putStr(l, "0x");
    while (n && l->len < sizeof(l->buf) - 1) l->buf[l->len++] = tmp[--n];
}

static void emit(line *l) {
    l->buf[l->len] = '\0';
    logFromSignal(LL_WARNING, l->buf);
    l->len = 0;
}

static void emitStr(const char *s) {
    line l = {.len = 0};
    putStr(&l, s);
    emit(&l);
}

static void emitField(const char *name, long long value) {
    line l = {.len = 0};
    putStr(&l, name);
    putStr(&l, ":");
    putNum(&l, value);
    emit(&l);
}

/* --- Report sections --- */

static void reportSignal(int sig, const siginfo_t *info) {
    line l = {.len = 0};
    putStr(&l, "tessera " PACKAGE_VERSION " (valkey-compatible " TESSERA_VERSION ") crashed by signal: ");
    putNum(&l, sig);
    if (info) {
        putStr(&l, ", si_code: ");
        putNum(&l, info->si_code);
    }
    emit(&l);
    if (!info) return;
    if (sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL) {
        putStr(&l, "Accessing address: ");
        putHex(&l, (uintptr_t)info->si_addr);
        emit(&l);
    }
    if (info->si_code == SI_USER || info->si_code == SI_QUEUE || info->si_code == SI_TKILL) {
        putStr(&l, "Killed by PID: ");
        putNum(&l, info->si_pid);
        putStr(&l, ", UID: ");
        putNum(&l, info->si_uid);
        emit(&l);
    }
}

static void reportFrame(int i, void *addr) {
    line l = {.len = 0};
    Dl_info dl;
    putNum(&l, i);
    putStr(&l, "  ");
    if (dladdr(addr, &dl) && dl.dli_fname) {
        putStr(&l, dl.dli_fname);
        if (dl.dli_sname) {
            putStr(&l, "(");
            putStr(&l, dl.dli_sname);
            putStr(&l, "+");
            putHex(&l, (uintptr_t)addr - (uintptr_t)dl.dli_saddr);
            putStr(&l, ")");
        }
        putStr(&l, " ");
    }
    putStr(&l, "[");
    putHex(&l, (uintptr_t)addr);
    putStr(&l, "]");
    emit(&l);
}

static void reportStack(void *uctx) {
    emitStr("------ STACK TRACE ------");
#if defined(__linux__) && defined(REG_RIP)
    if (uctx) {
        line l = {.len = 0};
        putStr(&l, "EIP: ");
        putHex(&l, (uintptr_t)((ucontext_t *)uctx)->uc_mcontext.gregs[REG_RIP]);
        emit(&l);
    }
#else
    (void)uctx;
#endif
    void *frames[MAX_FRAMES];
    int n = backtrace(frames, MAX_FRAMES);
    emitStr("Backtrace:");
    for (int i = 0; i < n; i++) reportFrame(i, frames[i]);
}

static void reportInfo(void) {
    serverStats *st = serverGetStats();
    emitStr("------ INFO OUTPUT ------");
    emitStr("tessera_version:" PACKAGE_VERSION);
    emitStr("valkey_version:" TESSERA_VERSION);
    emitField("process_id", (long long)getpid());
    emitField("uptime_in_seconds", serverUptimeSeconds());
    emitField("connected_clients", (long long)clientCount());
    emitField("used_memory", (long long)memUsed());
    emitField("total_commands_processed", st->numCommands);
    for (int j = 0; j < dbCountDatabases(); j++) {
        serverDb *db = dbByIndex(j);
        if (!db || dbSize(db) == 0) continue;
        line l = {.len = 0};
        putStr(&l, "db");
        putNum(&l, j);
        putStr(&l, ":keys=");
        putNum(&l, (long long)dbSize(db));
        putStr(&l, ",expires=");
        putNum(&l, (long long)dbExpiresSize(db));
        emit(&l);
    }
}

static void reportClient(client *c) {
    line l = {.len = 0};
    putStr(&l, "client id=");
    putNum(&l, (long long)c->id);
    putStr(&l, " addr=");
    putStr(&l, c->addr);
    if (c->name) {
        putStr(&l, " name=");
        putBytes(&l, c->name, dstrLen(c->name));
    }
    emit(&l);
    emitField("argc", c->argc);
    for (int i = 0; i < c->argc && i < MAX_ARGS_SHOWN && c->argv; i++) {
        putStr(&l, "argv[");
        putNum(&l, i);
        putStr(&l, "]: '");
        size_t len = dstrLen(c->argv[i]);
        putBytes(&l, c->argv[i], len > MAX_ARG_BYTES ? MAX_ARG_BYTES : len);
        putStr(&l, len > MAX_ARG_BYTES ? "...'" : "'");
        emit(&l);
    }
}

static void reportCurrentClient(void) {
    emitStr("------ CURRENT CLIENT INFO ------");
    for (client *c = clientListFirst(); c; c = clientListNextOf(c)) {
        if (c->flags & CLIENT_IN_COMMAND) {
            reportClient(c);
            return;
        }
    }
    emitStr("(no command running)");
}

static void reportStart(void) { emitStr("=== TESSERA BUG REPORT START: Cut & paste starting from here ==="); }

static void reportBody(void *uctx) {
    reportStack(uctx);
    reportInfo();
    reportCurrentClient();
    emitStr("=== TESSERA BUG REPORT END. Make sure to include from START to END. ===");
    emitStr("       Please report this crash with the lines above, the server log and the steps that "
            "led to it.");
}

/* --- Handlers --- */

static void dieOfSignal(int sig) {
    struct sigaction act;
    memset(&act, 0, sizeof(act));
    sigemptyset(&act.sa_mask);
    act.sa_handler = SIG_DFL;
    sigaction(sig, &act, NULL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    raise(sig);
    _exit(128 + sig); /* not reached: the default action terminates */
}

static void crashHandler(int sig, siginfo_t *info, void *uctx) {
    if (reporting || !serverGetSettings()->crashLogEnabled) dieOfSignal(sig);
    reporting = 1;
    reportStart();
    reportSignal(sig, info);
    reportBody(uctx);
    dieOfSignal(sig);
}

void crashInit(void) {
    if (installed) return;
    installed = 1;
    void *warm[1];
    backtrace(warm, 1); /* loads libgcc now rather than inside a handler */
    stack_t ss = {.ss_sp = altStack, .ss_size = sizeof(altStack), .ss_flags = 0};
    sigaltstack(&ss, NULL);
    struct sigaction act;
    memset(&act, 0, sizeof(act));
    sigemptyset(&act.sa_mask);
    act.sa_flags = SA_SIGINFO | SA_ONSTACK;
    act.sa_sigaction = crashHandler;
    for (size_t i = 0; i < sizeof(crashSignals) / sizeof(crashSignals[0]); i++)
        sigaction(crashSignals[i], &act, NULL);
}

void crashAssertFailed(const char *expr, const char *file, int line) {
    reporting = 1;
    if (serverGetSettings()->crashLogEnabled) {
        reportStart();
        serverLog(LL_WARNING, "=== ASSERTION FAILED ===");
        serverLog(LL_WARNING, "==> %s:%d '%s' is not true", file, line, expr);
        reportBody(NULL);
    }
    dieOfSignal(SIGABRT);
    abort();
}
