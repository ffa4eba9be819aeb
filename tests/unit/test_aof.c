/* test_aof.c — aof/: the command-stream parser (every prefix of a valid
 * stream asks for more, never fails; malformed framing fails; annotations
 * skipped), the manifest (Valkey's exact bytes, quoting, parse errors,
 * file-set operations, atomic write and reload), the writer (always policy
 * writes through, a failing fd keeps the bytes and reports the errno, a
 * good fd recovers) and the loader (RDB preamble then commands, MULTI
 * collected until EXEC, a torn tail cut with aof-load-truncated and an
 * error naming the file and offset without it, a torn file that is not the
 * last one refused). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aof/aof_fsync.h"
#include "aof/aof_load.h"
#include "aof/aof_manifest.h"
#include "aof/aof_stream.h"
#include "aof/aof_writer.h"
#include "node/base/log.h"
#include "node/base/mem.h"
#include "node/base/timeutil.h"
#include "node/store/db.h"
#include "rdb/rdb.h"

static char dir[64];

static int setupDir(void **state) {
    (void)state;
    static int done;
    if (!done) {
        dbSetup(4);
        rdbInit();
        logSetLevel(LL_NOTHING);
        done = 1;
    }
    snprintf(dir, sizeof(dir), "/tmp/test_aof.%d.XXXXXX", (int)getpid());
    assert_non_null(mkdtemp(dir));
    dbEmpty(-1, NULL);
    return 0;
}

static int teardownDir(void **state) {
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
    return 0;
}

static void writeFile(const char *name, const void *p, size_t len) {
    dstr path = aofPath(dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, len, f), len);
    fclose(f);
    dstrFree(path);
}

static long long fileSizeOf(const char *name) {
    dstr path = aofPath(dir, name);
    struct stat st;
    long long n = stat(path, &st) == 0 ? (long long)st.st_size : -1;
    dstrFree(path);
    return n;
}

/* --- Parser --- */

static const char stream[] = "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n#TS:1700000000\r\n"
                             "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nv\r\nxy\r\n*1\r\n$5\r\nMULTI\r\n";

static void test_parse_stream(void **state) {
    (void)state;
    aofCommand cmd = {0};
    size_t used, pos = 0, len = sizeof(stream) - 1;
    const char *err = NULL;
    int kinds[8], n = 0;
    while (pos < len) {
        assert_int_equal(aofParseCommand(stream + pos, len - pos, &used, &cmd, &err), AOF_PARSE_OK);
        kinds[n++] = cmd.argc;
        if (cmd.argc == 3) assert_memory_equal(cmd.argv[2], "v\r\nxy", 5);
        pos += used;
    }
    assert_int_equal(n, 4);
    assert_int_equal(kinds[0], 2);
    assert_int_equal(kinds[1], 0); /* annotation */
    assert_int_equal(kinds[2], 3);
    assert_int_equal(kinds[3], 1);
    aofCommandFree(&cmd);
}

static void test_parse_every_prefix_wants_more(void **state) {
    (void)state;
    aofCommand cmd = {0};
    const char *one = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$10\r\n0123456789\r\n";
    size_t len = strlen(one), used;
    const char *err = NULL;
    for (size_t cut = 0; cut < len; cut++)
        assert_int_equal(aofParseCommand(one, cut, &used, &cmd, &err), AOF_PARSE_MORE);
    assert_int_equal(aofParseCommand(one, len, &used, &cmd, &err), AOF_PARSE_OK);
    assert_int_equal(used, len);
    aofCommandFree(&cmd);
}

static void test_parse_rejects_bad_framing(void **state) {
    (void)state;
    const char *bad[] = {"SET k v\r\n", "*0\r\n", "*-1\r\n", "*x\r\n", "*1\r\n:3\r\n", "*1\r\n$3\r\nabcXY",
                         "*1\r\n$-1\r\n", "*1\r\n$99999999999999999999\r\n", "*1\r\n$3x\r\nabc\r\n",
                         "*1\n$3\r\nabc\r\n", "*1\r\n$5000000000\r\n"};
    aofCommand cmd = {0};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        size_t used;
        const char *err = NULL;
        assert_int_equal(aofParseCommand(bad[i], strlen(bad[i]), &used, &cmd, &err), AOF_PARSE_INVALID);
        assert_non_null(err);
    }
    aofCommandFree(&cmd);
}

/* --- Manifest --- */

static void test_manifest_bytes_and_roundtrip(void **state) {
    (void)state;
    aofManifest *am = aofManifestCreate();
    aofManifestSetBase(am, "appendonly.aof", 1);
    aofManifestAddIncr(am, "appendonly.aof");
    dstr text = aofManifestFormat(am);
    assert_string_equal(text, "file appendonly.aof.1.base.rdb seq 1 type b\n"
                              "file appendonly.aof.1.incr.aof seq 1 type i\n");
    /* A rewrite: new base and incr, old ones become history. */
    aofManifestAddIncr(am, "appendonly.aof");
    aofManifestSetBase(am, "appendonly.aof", 0);
    aofManifestRetireIncr(am, 1);
    dstrFree(text);
    text = aofManifestFormat(am);
    assert_string_equal(text, "file appendonly.aof.2.base.aof seq 2 type b\n"
                              "file appendonly.aof.1.base.rdb seq 1 type h\n"
                              "file appendonly.aof.1.incr.aof seq 1 type h\n"
                              "file appendonly.aof.2.incr.aof seq 2 type i\n");
    aofManifest *back = aofManifestCreate();
    dstr err = NULL;
    assert_int_equal(aofManifestParse(back, text, dstrLen(text), &err), 0);
    dstr again = aofManifestFormat(back);
    assert_string_equal(again, text);
    assert_int_equal(back->currBaseSeq, 2);
    assert_int_equal(back->currIncrSeq, 2);
    aofManifestClearHistory(back);
    assert_int_equal(back->historyCount, 0);
    dstrFree(again);
    dstrFree(text);
    aofManifestFree(back);
    aofManifestFree(am);
}

static void test_manifest_quoting_and_comments(void **state) {
    (void)state;
    aofManifest *am = aofManifestCreate();
    aofManifestAddIncr(am, "my file");
    dstr text = aofManifestFormat(am);
    assert_string_equal(text, "file \"my file.1.incr.aof\" seq 1 type i\n");
    aofManifest *back = aofManifestCreate();
    dstr extra = dstrCatPrintf(dstrEmpty(), "# comment\n%s", text);
    assert_int_equal(aofManifestParse(back, extra, dstrLen(extra), NULL), 0);
    assert_string_equal(back->incr[0].name, "my file.1.incr.aof");
    /* keys in any order, unknown keys ignored */
    aofManifest *third = aofManifestCreate();
    const char *t = "type b seq 7 file x.base.rdb future yes\n";
    assert_int_equal(aofManifestParse(third, t, strlen(t), NULL), 0);
    assert_int_equal(third->base->seq, 7);
    dstrFree(text);
    dstrFree(extra);
    aofManifestFree(am);
    aofManifestFree(back);
    aofManifestFree(third);
}

static void test_manifest_errors(void **state) {
    (void)state;
    struct {
        const char *text, *msg;
    } cases[] = {
        {"", "Found an empty AOF manifest"},
        {"file a seq 1 type b\nfile b seq 2 type b\n", "Found duplicate base file information"},
        {"file a seq 2 type i\nfile b seq 1 type i\n", "Found a non-monotonic sequence number"},
        {"file a seq 1 type x\n", "Unknown AOF file type"},
        {"file a seq 1\n", "Invalid AOF manifest file format"},
        {"file a seq 0 type i\n", "Invalid AOF manifest file format"},
        {"file a seq 1 type i\n\n", "Invalid AOF manifest file format"},
        {"file ../etc/passwd seq 1 type i\n", "Invalid AOF manifest file format (file name is a path)"},
        {"file a seq 1 type i", NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        aofManifest *am = aofManifestCreate();
        dstr err = NULL;
        assert_int_equal(aofManifestParse(am, cases[i].text, strlen(cases[i].text), &err), -1);
        assert_non_null(err);
        if (cases[i].msg) assert_string_equal(err, cases[i].msg);
        dstrFree(err);
        aofManifestFree(am);
    }
}

static void test_manifest_write_and_load(void **state) {
    (void)state;
    aofManifest *am = aofManifestCreate();
    aofManifestSetBase(am, "appendonly.aof", 1);
    aofManifestAddIncr(am, "appendonly.aof");
    dstr err = NULL;
    assert_int_equal(aofManifestWrite(am, dir, "appendonly.aof.manifest", &err), 0);
    assert_int_equal(fileSizeOf("temp-appendonly.aof.manifest"), -1);
    assert_int_equal(fileSizeOf("appendonly.aof.manifest"), 88);
    aofManifest *back = NULL;
    assert_int_equal(aofManifestLoad(&back, dir, "appendonly.aof.manifest", &err), 0);
    assert_string_equal(back->base->name, "appendonly.aof.1.base.rdb");
    aofManifest *none = NULL;
    assert_int_equal(aofManifestLoad(&none, dir, "nope.manifest", &err), 1);
    assert_null(none);
    aofManifestFree(back);
    aofManifestFree(am);
}

/* --- Writer --- */

static void test_writer_always_and_error_recovery(void **state) {
    (void)state;
    aofWriter w;
    aofWriterInit(&w);
    dstr path = aofPath(dir, "w.aof");
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    assert_true(fd >= 0);
    aofWriterAttach(&w, fd, 0);
    aofWriterAppend(&w, "*1\r\n$4\r\nPING\r\n", 14);
    assert_int_equal(aofWriterFlush(&w, AOF_FSYNC_ALWAYS, 0, timeMs()), 0);
    assert_int_equal(fileSizeOf("w.aof"), 14);
    assert_int_equal(w.fileSize, 14);
    assert_int_equal(dstrLen(w.buf), 0);
    /* A read-only descriptor: the write fails, bytes are kept, errno shown. */
    int ro = open(path, O_RDONLY);
    aofWriterDetach(&w, NULL);
    close(fd);
    aofWriterAttach(&w, ro, 14);
    aofWriterAppend(&w, "*1\r\n$4\r\nPING\r\n", 14);
    assert_int_equal(aofWriterFlush(&w, AOF_FSYNC_EVERYSEC, 0, timeMs()), -1);
    assert_int_equal(aofWriterErrno(&w), EBADF);
    assert_int_equal(dstrLen(w.buf), 14);
    /* Back to a writable file: the kept bytes go out, the error clears. */
    fd = open(path, O_WRONLY | O_APPEND);
    w.fd = fd;
    assert_int_equal(aofWriterFlush(&w, AOF_FSYNC_NO, 0, timeMs()), 0);
    assert_int_equal(aofWriterErrno(&w), 0);
    assert_int_equal(fileSizeOf("w.aof"), 28);
    close(ro);
    close(aofWriterDetach(&w, NULL));
    aofWriterFree(&w);
    dstrFree(path);
}

static void test_writer_everysec_background_fsync(void **state) {
    (void)state;
    aofWriter w;
    aofWriterInit(&w);
    dstr path = aofPath(dir, "e.aof");
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    aofWriterAttach(&w, fd, 0);
    aofWriterAppend(&w, "*1\r\n$4\r\nPING\r\n", 14);
    long long now = timeMs();
    assert_int_equal(aofWriterFlush(&w, AOF_FSYNC_EVERYSEC, 0, now + 5000), 0);
    assert_true(aofFsyncWaitIdle(5000));
    assert_int_equal(aofFsyncDurableOffset(), 14);
    assert_int_equal(aofFsyncPending(), 0);
    close(aofWriterDetach(&w, NULL));
    aofWriterFree(&w);
    dstrFree(path);
}

/* A slow fsync: the next write is postponed (replies are not held, as in
 * Valkey) while it runs, but once it has lagged 2 s the write waits for it
 * instead of going on (aof_delayed_fsync). */
static void test_writer_everysec_waits_for_lagging_fsync(void **state) {
    (void)state;
    aofWriter w;
    aofWriterInit(&w);
    dstr path = aofPath(dir, "slow.aof");
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    aofWriterAttach(&w, fd, 0);
    aofFsyncSetTestDelay(400);
    long long t0 = timeMs() + 10000;
    aofWriterAppend(&w, "*1\r\n$4\r\nPING\r\n", 14);
    assert_int_equal(aofWriterFlush(&w, AOF_FSYNC_EVERYSEC, 0, t0), 0); /* written, fsync started */
    assert_int_equal(w.fileSize, 14);
    assert_int_equal(aofFsyncPending(), 1);
    aofWriterAppend(&w, "*1\r\n$4\r\nPING\r\n", 14);
    assert_int_equal(aofWriterFlush(&w, AOF_FSYNC_EVERYSEC, 0, t0 + 10), 0);
    assert_int_equal(w.fileSize, 14); /* postponed */
    assert_int_equal(aofWriterFlush(&w, AOF_FSYNC_EVERYSEC, 0, t0 + 1500), 0);
    assert_int_equal(w.fileSize, 14); /* still within 2 s */
    long long before = timeMs();
    assert_int_equal(aofWriterFlush(&w, AOF_FSYNC_EVERYSEC, 0, t0 + 2100), 0);
    assert_int_equal(w.fileSize, 28);   /* written after waiting */
    assert_int_equal(w.delayedFsyncs, 1);
    assert_true(timeMs() - before >= 100); /* it did wait for the fsync */
    aofFsyncSetTestDelay(0);
    aofFsyncWaitIdle(5000);
    close(aofWriterDetach(&w, NULL));
    aofWriterFree(&w);
    dstrFree(path);
}

/* --- Loader --- */

typedef struct seen {
    dstr log;
    int failOn; /* fail the n-th command (1-based), 0 never */
    int count;
} seen;

static int recordExec(void *ctx, aofCommand *cmd, dstr *err) {
    seen *s = ctx;
    s->count++;
    if (s->failOn && s->count == s->failOn) {
        *err = dstrNew("boom");
        return -1;
    }
    for (int i = 0; i < cmd->argc; i++) s->log = dstrCatPrintf(s->log, "%s%s", i ? " " : "", cmd->argv[i]);
    s->log = dstrCat(s->log, ";");
    return 0;
}

static int loadWith(aofManifest *am, int truncatedOk, seen *s, aofLoadStats *st, dstr *err) {
    aofLoadHooks hooks = {.exec = recordExec, .ctx = s};
    aofLoadOptions opt = {.truncatedOk = truncatedOk, .verifyChecksum = 1};
    return aofLoadFiles(dir, am, &opt, &hooks, st, err);
}

static aofManifest *twoFileSet(void) {
    aofManifest *am = aofManifestCreate();
    aofManifestSetBase(am, "a", 1);
    aofManifestAddIncr(am, "a");
    return am;
}

static void writePreambleBase(const char *name, const char *tail) {
    kvobj *kv = kvCreateString("pk", 2, "pv", 2, -1, 0);
    dbAdd(dbByIndex(0), kv);
    rdbWriter w;
    rdbWriterInitMem(&w, 1, 0);
    rdbSaveOptions opt = {.checksum = 1, .aofBase = 1};
    assert_int_equal(rdbSaveDataset(&w, &opt), 0);
    dstr bytes = rdbWriterFinish(&w);
    bytes = dstrCat(bytes, tail);
    writeFile(name, bytes, dstrLen(bytes));
    dstrFree(bytes);
    dbEmpty(-1, NULL);
}

static void test_load_preamble_then_commands(void **state) {
    (void)state;
    aofManifest *am = twoFileSet();
    writePreambleBase("a.1.base.rdb", "*2\r\n$6\r\nSELECT\r\n$1\r\n1\r\n");
    const char *incr = "*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$1\r\n1\r\n*1\r\n$5\r\nMULTI\r\n*2\r\n$4\r\nINCR\r\n$1\r\nx\r\n"
                       "*1\r\n$4\r\nEXEC\r\n";
    writeFile("a.1.incr.aof", incr, strlen(incr));
    seen s = {.log = dstrEmpty()};
    aofLoadStats st;
    dstr err = NULL;
    assert_int_equal(loadWith(am, 0, &s, &st, &err), AOF_LOAD_OK);
    assert_string_equal(s.log, "SELECT 1;SET x 1;INCR x;");
    assert_int_equal(st.keysFromPreamble, 1);
    dstr pk = dstrNew("pk");
    assert_non_null(dbFind(dbByIndex(0), pk));
    dstrFree(pk);
    assert_int_equal(st.truncatedAt, -1);
    dstrFree(s.log);
    aofManifestFree(am);
}

static void test_load_truncated_tail(void **state) {
    (void)state;
    aofManifest *am = twoFileSet();
    writeFile("a.1.base.rdb", "", 0);
    const char *good = "*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$1\r\n1\r\n";
    dstr incr = dstrCatPrintf(dstrEmpty(), "%s*3\r\n$3\r\nSET\r\n$1\r\ny\r\n$3\r\nab", good);
    writeFile("a.1.incr.aof", incr, dstrLen(incr));
    seen s = {.log = dstrEmpty()};
    aofLoadStats st;
    dstr err = NULL;
    /* aof-load-truncated no: a clear error naming file and offset. */
    assert_int_equal(loadWith(am, 0, &s, &st, &err), AOF_LOAD_FAILED);
    assert_non_null(strstr(err, "a.1.incr.aof"));
    assert_non_null(strstr(err, "offset 27"));
    assert_int_equal(fileSizeOf("a.1.incr.aof"), (long long)dstrLen(incr));
    dstrFree(err);
    err = NULL;
    dstrClear(s.log);
    /* yes: cut back to the last complete command, carry on. */
    assert_int_equal(loadWith(am, 1, &s, &st, &err), AOF_LOAD_OK);
    assert_string_equal(s.log, "SET x 1;");
    assert_int_equal(st.truncatedAt, 27);
    assert_int_equal(fileSizeOf("a.1.incr.aof"), 27);
    dstrFree(s.log);
    dstrFree(incr);
    aofManifestFree(am);
}

static void test_load_torn_transaction_reverted(void **state) {
    (void)state;
    aofManifest *am = twoFileSet();
    writeFile("a.1.base.rdb", "", 0);
    const char *incr = "*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$1\r\n1\r\n*1\r\n$5\r\nMULTI\r\n*2\r\n$4\r\nINCR\r\n$1\r\nx\r\n";
    writeFile("a.1.incr.aof", incr, strlen(incr));
    seen s = {.log = dstrEmpty()};
    aofLoadStats st;
    dstr err = NULL;
    assert_int_equal(loadWith(am, 1, &s, &st, &err), AOF_LOAD_OK);
    assert_string_equal(s.log, "SET x 1;"); /* INCR inside the torn MULTI not applied */
    assert_int_equal(fileSizeOf("a.1.incr.aof"), 27);
    dstrFree(s.log);
    aofManifestFree(am);
}

static void test_load_torn_middle_file_refused(void **state) {
    (void)state;
    aofManifest *am = twoFileSet();
    aofManifestAddIncr(am, "a");
    const char *torn = "*1\r\n$4\r\nPI";
    writeFile("a.1.base.rdb", "", 0);
    writeFile("a.1.incr.aof", torn, strlen(torn));
    writeFile("a.2.incr.aof", "*1\r\n$4\r\nPING\r\n", 14);
    seen s = {.log = dstrEmpty()};
    aofLoadStats st;
    dstr err = NULL;
    assert_int_equal(loadWith(am, 1, &s, &st, &err), AOF_LOAD_FAILED);
    assert_non_null(strstr(err, "not the last file"));
    dstrFree(err);
    dstrFree(s.log);
    aofManifestFree(am);
}

static void test_load_bad_format_and_missing_file(void **state) {
    (void)state;
    aofManifest *am = twoFileSet();
    writeFile("a.1.base.rdb", "*1\r\n$4\r\nPING\r\n", 14);
    writeFile("a.1.incr.aof", "*1\r\n$4\r\nPING\r\nGARBAGE\r\n", 23);
    seen s = {.log = dstrEmpty()};
    aofLoadStats st;
    dstr err = NULL;
    assert_int_equal(loadWith(am, 1, &s, &st, &err), AOF_LOAD_FAILED);
    assert_non_null(strstr(err, "Bad file format"));
    assert_non_null(strstr(err, "a.1.incr.aof at offset 14"));
    dstrFree(err);
    err = NULL;
    aofManifestAddIncr(am, "a");
    writeFile("a.1.incr.aof", "", 0);
    assert_int_equal(loadWith(am, 1, &s, &st, &err), AOF_LOAD_FAILED);
    assert_non_null(strstr(err, "a.2.incr.aof doesn't exist"));
    dstrFree(err);
    err = NULL;
    /* The exec hook's failure stops the load with the offset. */
    aofManifest *one = twoFileSet();
    s.failOn = s.count + 1;
    assert_int_equal(loadWith(one, 1, &s, &st, &err), AOF_LOAD_FAILED);
    assert_non_null(strstr(err, "boom"));
    dstrFree(err);
    dstrFree(s.log);
    aofManifestFree(one);
    aofManifestFree(am);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_stream),
        cmocka_unit_test(test_parse_every_prefix_wants_more),
        cmocka_unit_test(test_parse_rejects_bad_framing),
        cmocka_unit_test(test_manifest_bytes_and_roundtrip),
        cmocka_unit_test(test_manifest_quoting_and_comments),
        cmocka_unit_test(test_manifest_errors),
        cmocka_unit_test_setup_teardown(test_manifest_write_and_load, setupDir, teardownDir),
        cmocka_unit_test_setup_teardown(test_writer_always_and_error_recovery, setupDir, teardownDir),
        cmocka_unit_test_setup_teardown(test_writer_everysec_background_fsync, setupDir, teardownDir),
        cmocka_unit_test_setup_teardown(test_writer_everysec_waits_for_lagging_fsync, setupDir, teardownDir),
        cmocka_unit_test_setup_teardown(test_load_preamble_then_commands, setupDir, teardownDir),
        cmocka_unit_test_setup_teardown(test_load_truncated_tail, setupDir, teardownDir),
        cmocka_unit_test_setup_teardown(test_load_torn_transaction_reverted, setupDir, teardownDir),
        cmocka_unit_test_setup_teardown(test_load_torn_middle_file_refused, setupDir, teardownDir),
        cmocka_unit_test_setup_teardown(test_load_bad_format_and_missing_file, setupDir, teardownDir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
