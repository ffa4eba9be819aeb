/* crash.h — the crash report: on SIGSEGV, SIGBUS, SIGFPE, SIGILL and
 * SIGABRT the server writes a bug report to its log (signal, faulting
 * address, stack trace, basic server state, the command being run) and
 * then dies of the same signal, so core dumps and exit statuses are those
 * of the original fault. */
#ifndef TESSERA_CRASH_H
#define TESSERA_CRASH_H

/* Installs the handlers (idempotent).  Reports are written only while
 * crash-log-enabled is yes; the process dies of the signal either way. */
void crashInit(void);

/* An assertion that failed: logs it with the bug report, then aborts. */
void crashAssertFailed(const char *expr, const char *file, int line) __attribute__((noreturn));

#define crashAssert(e) ((e) ? (void)0 : crashAssertFailed(#e, __FILE__, __LINE__))

#endif
