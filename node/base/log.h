/* log.h — the server log in Valkey's line format:
 *   <pid>:<role> <dd Mon yyyy HH:MM:SS.mmm> <level-char> <message>
 * role is M (primary), S (replica), C (child), X (sentinel); level chars are
 * '.' debug, '-' verbose, '*' notice, '#' warning.  Each line is written with
 * a single write(2) on a file opened O_APPEND, so lines are never buffered,
 * never interleaved with a child's and never truncate the file.  Messages
 * longer than 8 KB are truncated (one line stays one line).  Usable from any
 * thread; logFromSignal also from a signal handler. */
#ifndef TESSERA_LOG_H
#define TESSERA_LOG_H

/* Levels are LL_* (not LOG_*) so this header can coexist with <syslog.h>,
 * whose LOG_DEBUG/LOG_NOTICE/LOG_WARNING macros would otherwise clash. */
enum { LL_DEBUG = 0, LL_VERBOSE, LL_NOTICE, LL_WARNING, LL_NOTHING };

/* "" or NULL means stdout.  Opens O_APPEND|O_CREAT (0644), never truncates;
 * calling it again reopens (after log rotation) and on failure keeps the
 * current destination.  Returns 0 or -1 (errno set). */
int logOpen(const char *path);
void logSetLevel(int level);
int logGetLevel(void);
void logSetRole(char role);
/* Also send to syslog (syslog-enabled / syslog-ident / syslog-facility). */
void logSetSyslog(int enabled, const char *ident, int facility);
void logMessage(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Writes msg as is (no prefix, no newline added), e.g. for the ASCII logo. */
void logRaw(int level, const char *msg);
/* Async-signal-safe variant for crash handlers: no allocation, no stdio. */
void logFromSignal(int level, const char *msg);

#define serverLog(level, ...)                                       \
    do {                                                            \
        if ((level) >= logGetLevel()) logMessage((level), __VA_ARGS__); \
    } while (0)

#endif
