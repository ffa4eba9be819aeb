/* log.c — the server log.
 *
 * Line format (Valkey's, which log scrapers and tests parse):
 *
 *   12345:M 25 Nov 2026 01:16:33.123 * Ready to accept connections tcp
 *   ^pid  ^role ^local time, milliseconds ^level char ^message
 *
 * Each line is assembled in a stack buffer and written with one write(2)
 * to a descriptor opened O_APPEND: no stdio buffer to lose in a crash, no
 * interleaving with a forked child writing the same file (each append is
 * atomic at the file end), and the file is never truncated.  A message longer
 * than LOG_MAX_MSG is truncated, not split over several lines.
 *
 * Local time is computed by hand from a cached UTC offset rather than with
 * localtime_r(): localtime takes glibc's timezone lock, which a forked child
 * may inherit locked, and it is not async-signal-safe.  The offset is
 * refreshed with localtime_r() at most once a minute outside of children, so
 * DST changes show up within a minute.  The same hand-written formatter
 * serves logFromSignal(), which therefore allocates nothing and calls only
 * clock_gettime, getpid and write.
 *
 * Reopening (logOpen again, e.g. after log rotation) installs the new file
 * onto the old descriptor number with dup2(), so a thread writing at that
 * moment writes to either file but never to a closed descriptor. */
#include "node/base/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define LOG_MAX_MSG 8192
#define LOG_PREFIX_MAX 64
#define TZ_REFRESH_SECONDS 60

static _Atomic int logFd = STDOUT_FILENO;
static _Atomic int logLevel = LL_NOTICE;
static _Atomic char logRole = 'M';
static _Atomic int syslogEnabled;
static char syslogIdent[64];

static _Atomic long tzOffset;      /* local time minus UTC, seconds */
static _Atomic long tzRefreshedAt; /* CLOCK_REALTIME seconds; 0 = never */

static const char levelChars[] = ".-*#";

/* --- Configuration ------------------------------------------------------- */

static void refreshTimezone(long long nowUs);
static long long nowMicros(void);

int logOpen(const char *path) {
    refreshTimezone(nowMicros());
    if (!path || !*path) {
        int old = atomic_exchange(&logFd, STDOUT_FILENO);
        if (old != STDOUT_FILENO) close(old);
        return 0;
    }
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return -1;
    int old = atomic_load(&logFd);
    if (old != STDOUT_FILENO) {
        /* Swap the file under the existing descriptor number. */
        if (dup2(fd, old) < 0) {
            int saved = errno;
            close(fd);
            errno = saved;
            return -1;
        }
        close(fd);
        return 0;
    }
    atomic_store(&logFd, fd);
    return 0;
}

void logSetLevel(int level) { atomic_store(&logLevel, level); }
int logGetLevel(void) { return atomic_load_explicit(&logLevel, memory_order_relaxed); }
void logSetRole(char role) { atomic_store(&logRole, role); }

void logSetSyslog(int enabled, const char *ident, int facility) {
    if (atomic_load(&syslogEnabled)) closelog();
    atomic_store(&syslogEnabled, 0);
    if (!enabled) return;
    /* openlog() keeps the pointer, so the ident lives in a static buffer. */
    snprintf(syslogIdent, sizeof(syslogIdent), "%s", ident && *ident ? ident : "tessera");
    openlog(syslogIdent, LOG_PID | LOG_NDELAY | LOG_NOWAIT, facility);
    atomic_store(&syslogEnabled, 1);
}

static int syslogPriority(int level) {
    switch (level) {
    case LL_DEBUG: return LOG_DEBUG;
    case LL_VERBOSE: return LOG_INFO;
    case LL_NOTICE: return LOG_NOTICE;
    default: return LOG_WARNING;
    }
}

/* --- Formatting (async-signal-safe) --------------------------------------- */

typedef struct lineBuf {
    char *buf;
    size_t len, cap; /* cap excludes the final newline's byte */
} lineBuf;

static void putBytes(lineBuf *b, const char *s, size_t n) {
    if (n > b->cap - b->len) n = b->cap - b->len;
    memcpy(b->buf + b->len, s, n);
    b->len += n;
}

static void putStr(lineBuf *b, const char *s) { putBytes(b, s, strlen(s)); }

/* Decimal, zero-padded to at least width digits. */
static void putNum(lineBuf *b, unsigned long long v, int width) {
    char tmp[24];
    int n = 0;
    do {
        tmp[sizeof(tmp) - 1 - n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v || n < width);
    putBytes(b, tmp + sizeof(tmp) - n, (size_t)n);
}

static void putChar(lineBuf *b, char c) { putBytes(b, &c, 1); }

/* Civil date from days since 1970-01-01 (proleptic Gregorian), via the
 * 400-year era decomposition. */
static void civilFromDays(long long days, int *year, int *month, int *day) {
    days += 719468; /* shift the epoch to 0000-03-01 */
    long long era = (days >= 0 ? days : days - 146096) / 146097;
    long long doe = days - era * 146097;                            /* [0, 146096] */
    long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);        /* [0, 365] */
    long long mp = (5 * doy + 2) / 153;                             /* [0, 11], March = 0 */
    *day = (int)(doy - (153 * mp + 2) / 5 + 1);
    *month = (int)(mp < 10 ? mp + 3 : mp - 9);
    *year = (int)(yoe + era * 400 + (*month <= 2));
}

static void putTimestamp(lineBuf *b, long long nowUs) {
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    long long local = nowUs / 1000000 + atomic_load_explicit(&tzOffset, memory_order_relaxed);
    long long days = local / 86400, secs = local % 86400;
    if (secs < 0) {
        secs += 86400;
        days--;
    }
    int year, month, day;
    civilFromDays(days, &year, &month, &day);
    putNum(b, (unsigned)day, 2);
    putChar(b, ' ');
    putStr(b, months[month - 1]);
    putChar(b, ' ');
    putNum(b, (unsigned)year, 4);
    putChar(b, ' ');
    putNum(b, (unsigned long long)(secs / 3600), 2);
    putChar(b, ':');
    putNum(b, (unsigned long long)(secs / 60 % 60), 2);
    putChar(b, ':');
    putNum(b, (unsigned long long)(secs % 60), 2);
    putChar(b, '.');
    putNum(b, (unsigned long long)(nowUs / 1000 % 1000), 3);
}

static void putPrefix(lineBuf *b, int level, long long nowUs) {
    putNum(b, (unsigned long long)getpid(), 1);
    putChar(b, ':');
    putChar(b, atomic_load_explicit(&logRole, memory_order_relaxed));
    putChar(b, ' ');
    putTimestamp(b, nowUs);
    putChar(b, ' ');
    putChar(b, levelChars[level]);
    putChar(b, ' ');
}

static long long nowMicros(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* One write for the whole line; a partial write (full disk, signal) is
 * continued, a failure dropped: there is nowhere to report it. */
static void writeAll(const char *p, size_t len) {
    int fd = atomic_load_explicit(&logFd, memory_order_relaxed);
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        p += n;
        len -= (size_t)n;
    }
}

static int clampLevel(int level) {
    if (level < LL_DEBUG) return LL_DEBUG;
    return level > LL_WARNING ? LL_WARNING : level;
}

/* --- Normal logging ------------------------------------------------------ */

/* Refreshes the cached UTC offset (localtime_r, not async-signal-safe) when
 * it is older than TZ_REFRESH_SECONDS, except in a forked child. */
static void refreshTimezone(long long nowUs) {
    long now = (long)(nowUs / 1000000);
    long last = atomic_load_explicit(&tzRefreshedAt, memory_order_relaxed);
    if (last && now - last < TZ_REFRESH_SECONDS && now >= last) return;
    if (last && atomic_load_explicit(&logRole, memory_order_relaxed) == 'C') return;
    time_t t = (time_t)now;
    struct tm tm;
    if (!localtime_r(&t, &tm)) return;
    atomic_store_explicit(&tzOffset, tm.tm_gmtoff, memory_order_relaxed);
    atomic_store_explicit(&tzRefreshedAt, now, memory_order_relaxed);
}

static void emit(int level, const char *msg, size_t msglen, int raw) {
    char line[LOG_PREFIX_MAX + LOG_MAX_MSG + 1];
    lineBuf b = {line, 0, sizeof(line) - 1};
    if (!raw) {
        long long now = nowMicros();
        refreshTimezone(now);
        putPrefix(&b, level, now);
    }
    putBytes(&b, msg, msglen);
    if (!raw) line[b.len++] = '\n'; /* cap kept one byte for it */
    writeAll(line, b.len);
    if (atomic_load_explicit(&syslogEnabled, memory_order_relaxed))
        syslog(syslogPriority(level), "%.*s", (int)msglen, msg);
}

void logMessage(int level, const char *fmt, ...) {
    if (level < logGetLevel()) return;
    char msg[LOG_MAX_MSG];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (n < 0) return;
    size_t len = (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1; /* truncated */
    emit(clampLevel(level), msg, len, 0);
}

void logRaw(int level, const char *msg) {
    if (level < logGetLevel()) return;
    size_t len = strlen(msg);
    emit(clampLevel(level), msg, len > LOG_MAX_MSG ? LOG_MAX_MSG : len, 1);
}

void logFromSignal(int level, const char *msg) {
    if (level < logGetLevel()) return;
    int saved = errno; /* a handler must not disturb the interrupted code's errno */
    char line[LOG_PREFIX_MAX + LOG_MAX_MSG + 1];
    lineBuf b = {line, 0, sizeof(line) - 1};
    putPrefix(&b, clampLevel(level), nowMicros());
    size_t len = strlen(msg);
    putBytes(&b, msg, len > LOG_MAX_MSG ? LOG_MAX_MSG : len);
    line[b.len++] = '\n';
    writeAll(line, b.len);
    errno = saved;
}
