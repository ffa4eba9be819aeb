/* test_childproc.c — the forked child: exit statuses and signals reach the
 * done callback once, one child at a time, progress and error text cross
 * the pipe, the copy-on-write size grows when the child dirties memory,
 * childKill ends a child that would run forever, and the child's atexit
 * handlers and inherited stdio buffers do not run twice.
 *
 * No event loop here (serverEventBase() is NULL): the tests reap with
 * childCheckDone, as cron does. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "node/base/mem.h"
#include "node/base/timeutil.h"
#include "node/server/childproc.h"

static childResult lastResult;
static char lastError[256];
static int doneCalls;

static void onDone(const childResult *res, void *arg) {
    (void)arg;
    lastResult = *res;
    snprintf(lastError, sizeof(lastError), "%s", res->error ? res->error : "");
    lastResult.error = NULL;
    doneCalls++;
}

static int setup(void **state) {
    (void)state;
    memset(&lastResult, 0, sizeof(lastResult));
    lastError[0] = '\0';
    doneCalls = 0;
    return 0;
}

/* Reaps the running child, waiting up to 10 s. */
static void waitDone(void) {
    long long deadline = timeMs() + 10000;
    while (childActive() && timeMs() < deadline) {
        childCheckDone();
        if (childActive()) usleep(1000);
    }
    assert_false(childActive());
}

static int bodyReturns(void *arg) { return (int)(intptr_t)arg; }

static void test_exit_status_reaches_done(void **state) {
    (void)state;
    dstr err = NULL;
    pid_t pid = childStart(CHILD_RDB, bodyReturns, onDone, (void *)(intptr_t)0, 10, &err);
    assert_true(pid > 0);
    assert_int_equal(childActiveKind(), CHILD_RDB);
    assert_int_equal(childActivePid(CHILD_RDB), pid);
    assert_int_equal(childActivePid(CHILD_AOF), -1);
    waitDone();
    assert_int_equal(doneCalls, 1);
    assert_true(childSucceeded(&lastResult));
    assert_int_equal(lastResult.pid, pid);
    assert_int_equal(lastResult.kind, CHILD_RDB);
    assert_int_equal(lastResult.killedByUs, 0);
    assert_int_equal(childActiveKind(), CHILD_NONE);
    childCheckDone(); /* nothing running: no second call */
    assert_int_equal(doneCalls, 1);

    pid = childStart(CHILD_AOF, bodyReturns, onDone, (void *)(intptr_t)3, 10, &err);
    assert_true(pid > 0);
    waitDone();
    assert_int_equal(doneCalls, 2);
    assert_false(childSucceeded(&lastResult));
    assert_int_equal(lastResult.exitCode, 3);
    assert_int_equal(lastResult.signal, 0);
    assert_int_equal(lastResult.kind, CHILD_AOF);

    /* 256 would be 0 as an exit status: still a failure. */
    childStart(CHILD_RDB, bodyReturns, onDone, (void *)(intptr_t)256, 10, &err);
    waitDone();
    assert_false(childSucceeded(&lastResult));
}

static int bodySleeps(void *arg) {
    (void)arg;
    for (;;) pause();
    return 0;
}

static void test_one_child_at_a_time_and_kill(void **state) {
    (void)state;
    dstr err = NULL;
    pid_t pid = childStart(CHILD_RDB, bodySleeps, onDone, NULL, 10, &err);
    assert_true(pid > 0);
    assert_int_equal(childStart(CHILD_AOF, bodyReturns, onDone, NULL, 10, &err), -1);
    assert_non_null(err);
    assert_non_null(strstr(err, "another child"));
    dstrFree(err);
    err = NULL;
    childCheckDone();
    assert_true(childActive());
    childKill();
    assert_false(childActive());
    assert_int_equal(doneCalls, 1);
    assert_int_equal(lastResult.killedByUs, 1);
    assert_int_equal(lastResult.signal, SIGUSR1);
    assert_int_equal(kill(pid, 0), -1); /* reaped: no zombie left */
    childKill();                        /* no child: no-op */
    assert_int_equal(doneCalls, 1);
}

static void test_external_signal_is_reported(void **state) {
    (void)state;
    dstr err = NULL;
    pid_t pid = childStart(CHILD_RDB, bodySleeps, onDone, NULL, 10, &err);
    assert_true(pid > 0);
    kill(pid, SIGKILL);
    waitDone();
    assert_int_equal(lastResult.signal, SIGKILL);
    assert_int_equal(lastResult.exitCode, -1);
    assert_int_equal(lastResult.killedByUs, 0);
}

static int bodyReports(void *arg) {
    (void)arg;
    for (int i = 1; i <= 5; i++) {
        childReportProgress(i * 100);
        usleep(120000);
    }
    childReportError("disk full at %d", 42);
    return 1;
}

static void test_progress_and_error_cross_the_pipe(void **state) {
    (void)state;
    dstr err = NULL;
    assert_true(childStart(CHILD_RDB, bodyReports, onDone, NULL, 1000, &err) > 0);
    childInfo ci;
    long long deadline = timeMs() + 5000;
    do {
        usleep(20000);
        childGetInfo(&ci);
    } while (ci.keysProcessed < 200 && timeMs() < deadline);
    assert_true(ci.keysProcessed >= 200);
    assert_int_equal(ci.keysTotal, 1000);
    assert_true(ci.forkPerc >= 20.0 && ci.forkPerc <= 100.0);
    assert_int_equal(ci.kind, CHILD_RDB);
    waitDone();
    assert_string_equal(lastError, "disk full at 42");
    assert_int_equal(lastResult.exitCode, 1);
    assert_true(lastResult.keysProcessed >= 400);
    childGetInfo(&ci);
    assert_int_equal(ci.kind, CHILD_NONE);
    assert_int_equal(ci.keysProcessed, 0);
    assert_true(ci.totalForks >= 1);
    assert_true(ci.latestForkUsec > 0);
}

/* Memory the parent filled; the child rewrites it, so its pages are
 * copied: the child's Private_Dirty must grow by about that much. */
#define COW_BYTES (16 * 1024 * 1024)
static unsigned char *cowArea;

static int bodyDirties(void *arg) {
    (void)arg;
    memset(cowArea, 0x5a, COW_BYTES);
    return 0;
}

static void test_cow_size_is_measured(void **state) {
    (void)state;
    cowArea = malloc(COW_BYTES);
    assert_non_null(cowArea);
    memset(cowArea, 1, COW_BYTES);
    dstr err = NULL;
    assert_true(childStart(CHILD_AOF, bodyDirties, onDone, NULL, 10, &err) > 0);
    waitDone();
    assert_true(childSucceeded(&lastResult));
    assert_true(lastResult.cowBytes >= COW_BYTES / 2);
    assert_int_equal(childLastCowSize(CHILD_AOF), lastResult.cowBytes);
    free(cowArea);
}

/* The child must leave with _exit: an atexit handler registered by the
 * parent would otherwise run in the child too, and a stdio buffer the
 * parent had not flushed would be written twice. */
static char markerPath[64];
static pid_t parentPid;

static void atexitMarker(void) {
    if (getpid() == parentPid) return;
    FILE *f = fopen(markerPath, "a");
    if (f) {
        fputs("x", f);
        fclose(f);
    }
}

static void test_child_skips_atexit_and_stdio(void **state) {
    (void)state;
    parentPid = getpid();
    snprintf(markerPath, sizeof(markerPath), "/tmp/test_childproc_%d", (int)getpid());
    unlink(markerPath);
    static int registered;
    if (!registered) {
        atexit(atexitMarker);
        registered = 1;
    }
    char out[96];
    snprintf(out, sizeof(out), "%s.out", markerPath);
    FILE *f = fopen(out, "w");
    assert_non_null(f);
    fputs("parent", f); /* buffered, not flushed before the fork */
    dstr err = NULL;
    assert_true(childStart(CHILD_RDB, bodyReturns, onDone, NULL, 10, &err) > 0);
    waitDone();
    fclose(f);
    struct stat st;
    assert_int_equal(stat(markerPath, &st), -1); /* the child ran no atexit handler */
    assert_int_equal(stat(out, &st), 0);
    assert_int_equal(st.st_size, 6);            /* "parent" once */
    unlink(out);
}

int main(void) {
    memThreadInit();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_exit_status_reaches_done, setup),
        cmocka_unit_test_setup(test_one_child_at_a_time_and_kill, setup),
        cmocka_unit_test_setup(test_external_signal_is_reported, setup),
        cmocka_unit_test_setup(test_progress_and_error_cross_the_pipe, setup),
        cmocka_unit_test_setup(test_cow_size_is_measured, setup),
        cmocka_unit_test_setup(test_child_skips_atexit_and_stdio, setup),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    unlink(markerPath);
    return rc;
}
