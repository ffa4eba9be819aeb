/* test_log.c — the log line format (parsed with a regular expression and
 * compared with the clock), level filtering, append-only reopening (log
 * rotation), truncation of long messages, raw lines, the signal-safe path
 * called from a real signal handler, stdout mode, and a forked child writing
 * concurrently without interleaving lines. */
#include <fcntl.h>
#include <regex.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "node/base/log.h"

#define LINE_RE                                                                              \
    "^([0-9]+):([MSCX]) ([0-9]{2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "      \
    "([0-9]{4}) ([0-9]{2}):([0-9]{2}):([0-9]{2})\\.([0-9]{3}) ([.*#-]) (.*)$"

static char dir[64];
static char path[128];
static regex_t lineRe;

static int setup(void **state) {
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/tessera-test-log-XXXXXX");
    if (!mkdtemp(dir)) return -1;
    snprintf(path, sizeof(path), "%s/server.log", dir);
    if (regcomp(&lineRe, LINE_RE, REG_EXTENDED | REG_NEWLINE) != 0) return -1;
    return 0;
}

static int teardown(void **state) {
    (void)state;
    logOpen(NULL);
    char rotated[160];
    snprintf(rotated, sizeof(rotated), "%s.1", path);
    unlink(rotated);
    unlink(path);
    rmdir(dir);
    regfree(&lineRe);
    return 0;
}

/* Before each test: a fresh file, default level and role. */
static int fresh(void **state) {
    (void)state;
    unlink(path);
    logSetLevel(LL_DEBUG);
    logSetRole('M');
    return logOpen(path);
}

/* Reads the whole log file into a NUL-terminated malloc'ed buffer. */
static char *readLog(const char *p, size_t *lenOut) {
    FILE *f = fopen(p, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    size_t n;
    while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len - 1 == 0) buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    buf[len] = '\0';
    if (lenOut) *lenOut = len;
    return buf;
}

static int countLines(const char *buf) {
    int n = 0;
    for (; *buf; buf++) n += *buf == '\n';
    return n;
}

static char *nthLine(char *buf, int n) {
    for (int i = 0; i < n; i++) buf = strchr(buf, '\n') + 1;
    return buf;
}

/* Checks one line against the format; returns the level char and copies
 * the message out. */
static char checkLine(const char *line, char *msgOut, size_t msgCap) {
    regmatch_t m[12];
    if (regexec(&lineRe, line, 12, m, 0) != 0) fail_msg("line does not match the format: %.200s", line);
    assert_int_equal(strtol(line + m[1].rm_so, NULL, 10), getpid());
    int msglen = m[11].rm_eo - m[11].rm_so;
    snprintf(msgOut, msgCap, "%.*s", msglen, line + m[11].rm_so);

    /* The timestamp is local time, within a few seconds of now. */
    struct tm tm = {0};
    char stamp[64];
    snprintf(stamp, sizeof(stamp), "%.*s", m[9].rm_so - m[3].rm_so, line + m[3].rm_so);
    assert_non_null(strptime(stamp, "%d %b %Y %H:%M:%S", &tm));
    tm.tm_isdst = -1;
    time_t when = mktime(&tm), now = time(NULL);
    assert_true(when <= now + 1 && when >= now - 5);
    return line[m[10].rm_so];
}

static void testFormatAndLevels(void **state) {
    (void)state;
    logMessage(LL_DEBUG, "debug %d", 1);
    logMessage(LL_VERBOSE, "verbose %s", "two");
    logMessage(LL_NOTICE, "Ready to accept connections tcp");
    logMessage(LL_WARNING, "warning %.1f", 4.0);
    char *log = readLog(path, NULL);
    assert_int_equal(countLines(log), 4);
    const char levels[] = ".-*#";
    const char *msgs[] = {"debug 1", "verbose two", "Ready to accept connections tcp", "warning 4.0"};
    for (int i = 0; i < 4; i++) {
        char msg[256];
        assert_int_equal(checkLine(nthLine(log, i), msg, sizeof(msg)), levels[i]);
        assert_string_equal(msg, msgs[i]);
    }
    free(log);
}

static void testLevelFiltering(void **state) {
    (void)state;
    logSetLevel(LL_NOTICE);
    assert_int_equal(logGetLevel(), LL_NOTICE);
    logMessage(LL_DEBUG, "hidden");
    logMessage(LL_VERBOSE, "hidden");
    serverLog(LL_VERBOSE, "hidden %d", 3);
    serverLog(LL_NOTICE, "shown %d", 1);
    logMessage(LL_WARNING, "shown 2");
    logRaw(LL_VERBOSE, "hidden raw\n");
    logSetLevel(LL_NOTHING);
    serverLog(LL_WARNING, "hidden");
    logFromSignal(LL_WARNING, "hidden");
    char *log = readLog(path, NULL);
    assert_int_equal(countLines(log), 2);
    assert_null(strstr(log, "hidden"));
    char msg[64];
    checkLine(nthLine(log, 0), msg, sizeof(msg));
    assert_string_equal(msg, "shown 1");
    free(log);
}

static void testRole(void **state) {
    (void)state;
    logSetRole('S');
    logMessage(LL_NOTICE, "as replica");
    logSetRole('C');
    logMessage(LL_NOTICE, "as child");
    char *log = readLog(path, NULL);
    char expect[32];
    snprintf(expect, sizeof(expect), "%d:S ", (int)getpid());
    assert_true(strncmp(log, expect, strlen(expect)) == 0);
    snprintf(expect, sizeof(expect), "%d:C ", (int)getpid());
    assert_true(strncmp(nthLine(log, 1), expect, strlen(expect)) == 0);
    free(log);
}

/* logOpen never truncates: reopening the same file appends; after a
 * rotation (rename) reopening creates a new file and new lines go there. */
static void testAppendAndReopen(void **state) {
    (void)state;
    logOpen(NULL);
    int fd = open(path, O_WRONLY | O_TRUNC | O_CREAT, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "existing\n", 9), 9);
    close(fd);
    assert_int_equal(logOpen(path), 0);
    logMessage(LL_NOTICE, "first");
    assert_int_equal(logOpen(path), 0);
    logMessage(LL_NOTICE, "second");
    assert_int_equal(logOpen(path), 0);
    logMessage(LL_NOTICE, "third");
    char *log = readLog(path, NULL);
    assert_int_equal(countLines(log), 4);
    assert_true(strncmp(log, "existing\n", 9) == 0);
    assert_non_null(strstr(log, "first"));
    assert_non_null(strstr(log, "third"));
    free(log);

    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    mode_t mask = umask(0);
    umask(mask);
    assert_int_equal(st.st_mode & 0777, 0644 & ~mask); /* created 0644, umask applied */

    char rotated[160];
    snprintf(rotated, sizeof(rotated), "%s.1", path);
    assert_int_equal(rename(path, rotated), 0);
    logMessage(LL_NOTICE, "still to the old file");
    assert_int_equal(logOpen(path), 0);
    logMessage(LL_NOTICE, "to the new file");
    char *old = readLog(rotated, NULL), *cur = readLog(path, NULL);
    assert_int_equal(countLines(old), 5);
    assert_non_null(strstr(old, "still to the old file"));
    assert_int_equal(countLines(cur), 1);
    assert_non_null(strstr(cur, "to the new file"));
    free(old);
    free(cur);
    unlink(rotated);

    /* A path that cannot be opened fails and leaves the current file. */
    assert_int_equal(logOpen("/nonexistent-dir/x.log"), -1);
    logMessage(LL_NOTICE, "after failed open");
    cur = readLog(path, NULL);
    assert_non_null(strstr(cur, "after failed open"));
    free(cur);
}

static void testTruncation(void **state) {
    (void)state;
    size_t big = 20000;
    char *msg = malloc(big + 1);
    memset(msg, 'x', big);
    msg[big] = '\0';
    logMessage(LL_NOTICE, "%s", msg);
    logFromSignal(LL_NOTICE, msg);
    logMessage(LL_NOTICE, "after");
    size_t len;
    char *log = readLog(path, &len);
    assert_int_equal(countLines(log), 3);
    char *second = nthLine(log, 1);
    size_t firstLen = (size_t)(second - log);
    assert_true(firstLen > 8000 && firstLen < 8192 + 64 + 1);
    assert_int_equal(log[firstLen - 1], '\n');
    assert_int_equal(log[firstLen - 2], 'x');
    size_t secondLen = (size_t)(nthLine(log, 2) - second);
    assert_true(secondLen > 8000 && secondLen < 8192 + 64 + 1);
    char tail[16];
    checkLine(nthLine(log, 2), tail, sizeof(tail));
    assert_string_equal(tail, "after");
    free(log);
    free(msg);
}

static void testRaw(void **state) {
    (void)state;
    logRaw(LL_NOTICE, "  _._\n /   \\\n");
    logMessage(LL_NOTICE, "after the logo");
    char *log = readLog(path, NULL);
    assert_true(strncmp(log, "  _._\n /   \\\n", 13) == 0);
    char msg[64];
    checkLine(nthLine(log, 2), msg, sizeof(msg));
    assert_string_equal(msg, "after the logo");
    free(log);
}

static void onSignal(int sig) {
    (void)sig;
    logFromSignal(LL_WARNING, "Received SIGUSR1, logging from the handler");
}

static void testFromSignal(void **state) {
    (void)state;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = onSignal;
    sigemptyset(&sa.sa_mask);
    assert_int_equal(sigaction(SIGUSR1, &sa, NULL), 0);
    raise(SIGUSR1);
    signal(SIGUSR1, SIG_DFL);
    logFromSignal(LL_NOTICE, "direct");
    char *log = readLog(path, NULL);
    assert_int_equal(countLines(log), 2);
    char msg[128];
    assert_int_equal(checkLine(log, msg, sizeof(msg)), '#');
    assert_string_equal(msg, "Received SIGUSR1, logging from the handler");
    assert_int_equal(checkLine(nthLine(log, 1), msg, sizeof(msg)), '*');
    assert_string_equal(msg, "direct");
    free(log);
}

/* Empty path: stdout.  stdout is pointed at the file for the check. */
static void testStdout(void **state) {
    (void)state;
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    int fd = open(path, O_WRONLY | O_APPEND);
    assert_true(saved >= 0 && fd >= 0);
    dup2(fd, STDOUT_FILENO);
    close(fd);
    assert_int_equal(logOpen(""), 0);
    logMessage(LL_NOTICE, "on stdout");
    assert_int_equal(logOpen(NULL), 0);
    logMessage(LL_NOTICE, "still stdout");
    dup2(saved, STDOUT_FILENO);
    close(saved);
    char *log = readLog(path, NULL);
    assert_int_equal(countLines(log), 2);
    char msg[64];
    checkLine(log, msg, sizeof(msg));
    assert_string_equal(msg, "on stdout");
    free(log);
}

/* A child and the parent write to the same file at once: every line is
 * whole (one write(2) per line on an O_APPEND descriptor). */
static void testConcurrentChild(void **state) {
    (void)state;
    enum { LINES = 300 };
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        logSetRole('C');
        for (int i = 0; i < LINES; i++) logMessage(LL_NOTICE, "child line %d %0200d", i, 0);
        _exit(0);
    }
    for (int i = 0; i < LINES; i++) logMessage(LL_NOTICE, "parent line %d %0200d", i, 0);
    int status;
    waitpid(child, &status, 0);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    char *log = readLog(path, NULL);
    assert_int_equal(countLines(log), 2 * LINES);
    int fromChild = 0;
    regex_t re;
    assert_int_equal(regcomp(&re, LINE_RE, REG_EXTENDED), 0);
    char *line = log;
    for (int i = 0; i < 2 * LINES; i++) {
        char *nl = strchr(line, '\n');
        *nl = '\0';
        assert_int_equal(regexec(&re, line, 0, NULL, 0), 0);
        assert_true(strstr(line, "line ") != NULL && strlen(strstr(line, "line ")) > 200);
        fromChild += strstr(line, ":C ") != NULL;
        line = nl + 1;
    }
    assert_int_equal(fromChild, LINES);
    regfree(&re);
    free(log);
}

static void testSyslogToggle(void **state) {
    (void)state;
    /* Cannot inspect the system log here; check that enabling, logging and
     * disabling neither crash nor stop the file output. */
    logSetSyslog(1, "tessera-unit-test", LOG_USER);
    logMessage(LL_DEBUG, "with syslog");
    logSetSyslog(0, NULL, 0);
    logMessage(LL_NOTICE, "without syslog");
    char *log = readLog(path, NULL);
    assert_int_equal(countLines(log), 2);
    free(log);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(testFormatAndLevels, fresh),
        cmocka_unit_test_setup(testLevelFiltering, fresh),
        cmocka_unit_test_setup(testRole, fresh),
        cmocka_unit_test_setup(testAppendAndReopen, fresh),
        cmocka_unit_test_setup(testTruncation, fresh),
        cmocka_unit_test_setup(testRaw, fresh),
        cmocka_unit_test_setup(testFromSignal, fresh),
        cmocka_unit_test_setup(testStdout, fresh),
        cmocka_unit_test_setup(testConcurrentChild, fresh),
        cmocka_unit_test_setup(testSyslogToggle, fresh),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
