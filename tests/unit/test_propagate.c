/* test_propagate.c — the propagation stream through fake sinks: exact
 * RESP bytes for single commands, SELECT per sink when the db changes (and
 * only for the sink that needs it), MULTI/EXEC around a command that also
 * expired keys and around a transaction of several writes (none around a
 * single one), active-expiry DELs alone, no wrapping for commands that
 * touch arbitrary keys, nothing while suspended, and a real lazy expiry
 * through the keyspace's keyExpired hook.  Commands run through
 * dispatchCall with procs defined here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "node/base/log.h"
#include "node/base/mem.h"
#include "node/net/client.h"
#include "node/server/command.h"
#include "node/server/dispatch.h"
#include "node/server/propagate.h"
#include "node/store/db.h"
#include "node/store/kvobj.h"

typedef struct recorder {
    dstr bytes;
    int calls;
} recorder;

static void record(void *ctx, const char *bytes, size_t len) {
    recorder *r = ctx;
    r->bytes = dstrCatLen(r->bytes, bytes, len);
    r->calls++;
}

static recorder rec, rec2;
static propagateSink *sink, *sink2;
static client *fake;

/* --- Command procs --- */

static int expireFirst;      /* the write proc reports an expired key first */
static int lookupKey;        /* the read proc looks up "old" (lazily expired) */

static void writeProc(client *c) {
    if (expireFirst) propagateKeyExpired(c->db, c->argv[1]);
    dbMarkDirty(1);
}
static void readProc(client *c) {
    if (lookupKey) dbLookupRead(c->db, c->argv[1], LOOKUP_NONE);
    else propagateKeyExpired(c->db, c->argv[1]);
}
static void noopProc(client *c) { (void)c; }

static serverCommand setCmd = {.name = "set", .proc = writeProc, .fullname = "set", .flags = CMD_WRITE};
static serverCommand getCmd = {.name = "get", .proc = readProc, .fullname = "get", .flags = CMD_READONLY};
static serverCommand flushCmd = {.name = "flushall", .proc = writeProc, .fullname = "flushall",
                                 .flags = CMD_WRITE | CMD_TOUCHES_ARBITRARY_KEYS};
static serverCommand execCmd = {.name = "exec", .proc = noopProc, .fullname = "exec"};

static void setArgs(client *c, int argc, const char **args) {
    dstr *argv = memAlloc(sizeof(dstr) * (size_t)argc);
    for (int i = 0; i < argc; i++) argv[i] = dstrNew(args[i]);
    clientReplaceArgv(c, argc, argv);
}

static void run(serverCommand *cmd, int argc, const char **args) {
    setArgs(fake, argc, args);
    dispatchCall(fake, cmd);
}

static int setup(void **state) {
    (void)state;
    static int done;
    if (!done) {
        dbSetup(16);
        logSetLevel(LL_WARNING);
        propagateInit();
        fake = clientCreateFake();
        done = 1;
    }
    fake->db = dbByIndex(0);
    fake->flags &= ~CLIENT_EXECUTING_MULTI;
    rec.bytes = dstrEmpty();
    rec.calls = 0;
    rec2.bytes = dstrEmpty();
    rec2.calls = 0;
    sink = propagateAddSink(record, &rec);
    sink2 = NULL;
    expireFirst = lookupKey = 0;
    dbEmpty(-1, NULL);
    dbSetCommandTime(0);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    propagateRemoveSink(sink);
    if (sink2) propagateRemoveSink(sink2);
    dstrFree(rec.bytes);
    dstrFree(rec2.bytes);
    return 0;
}

#define SELECT0 "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n"
#define SET_A "*3\r\n$3\r\nset\r\n$1\r\na\r\n$1\r\n1\r\n"
#define MULTI "*1\r\n$5\r\nMULTI\r\n"
#define EXEC "*1\r\n$4\r\nEXEC\r\n"

static void test_single_command_gets_select_once(void **state) {
    (void)state;
    const char *args[] = {"set", "a", "1"};
    run(&setCmd, 3, args);
    assert_string_equal(rec.bytes, SELECT0 SET_A);
    run(&setCmd, 3, args);
    assert_string_equal(rec.bytes, SELECT0 SET_A SET_A);
    assert_int_equal(propagateSinkDb(sink), 0);
}

static void test_db_change_emits_select(void **state) {
    (void)state;
    const char *args[] = {"set", "a", "1"};
    run(&setCmd, 3, args);
    fake->db = dbByIndex(12);
    run(&setCmd, 3, args);
    assert_string_equal(rec.bytes, SELECT0 SET_A "*2\r\n$6\r\nSELECT\r\n$2\r\n12\r\n" SET_A);
}

static void test_reselect_only_that_sink(void **state) {
    (void)state;
    const char *args[] = {"set", "a", "1"};
    run(&setCmd, 3, args);
    sink2 = propagateAddSink(record, &rec2);
    run(&setCmd, 3, args);
    assert_string_equal(rec.bytes, SELECT0 SET_A SET_A);
    assert_string_equal(rec2.bytes, SELECT0 SET_A);
    propagateSinkReselect(sink);
    run(&setCmd, 3, args);
    assert_string_equal(rec.bytes, SELECT0 SET_A SET_A SELECT0 SET_A);
    assert_string_equal(rec2.bytes, SELECT0 SET_A SET_A);
}

static void test_lazy_expiry_in_write_is_wrapped(void **state) {
    (void)state;
    expireFirst = 1;
    fake->db = dbByIndex(3);
    const char *args[] = {"set", "a", "1"};
    long long before = propagateTransactionCount();
    run(&setCmd, 3, args);
    assert_string_equal(rec.bytes, "*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n" MULTI "*2\r\n$3\r\nDEL\r\n$1\r\na\r\n" SET_A EXEC);
    assert_int_equal(rec.calls, 1); /* one unit, one chunk */
    assert_int_equal(propagateTransactionCount(), before + 1);
}

static void test_read_command_propagates_only_its_del(void **state) {
    (void)state;
    const char *args[] = {"get", "k"};
    run(&getCmd, 2, args);
    assert_string_equal(rec.bytes, SELECT0 "*2\r\n$3\r\nDEL\r\n$1\r\nk\r\n");
}

static void test_active_expiry_outside_command(void **state) {
    (void)state;
    dstr k1 = dstrNew("x"), k2 = dstrNew("y");
    propagateKeyExpired(dbByIndex(0), k1);
    assert_int_equal(rec.calls, 1);
    propagateKeyExpired(dbByIndex(0), k2);
    assert_int_equal(rec.calls, 2);
    assert_string_equal(rec.bytes, SELECT0 "*2\r\n$3\r\nDEL\r\n$1\r\nx\r\n*2\r\n$3\r\nDEL\r\n$1\r\ny\r\n");
    dstrFree(k1);
    dstrFree(k2);
}

static void test_transaction_wrapped_single_bare(void **state) {
    (void)state;
    const char *a[] = {"set", "a", "1"};
    const char *b[] = {"set", "b", "2"};
    const char *e[] = {"exec"};
    fake->flags |= CLIENT_EXECUTING_MULTI;
    run(&setCmd, 3, a);
    fake->db = dbByIndex(1);
    run(&setCmd, 3, b);
    assert_int_equal(rec.calls, 0); /* nothing before EXEC ends */
    fake->flags &= ~CLIENT_EXECUTING_MULTI;
    run(&execCmd, 1, e);
    /* EXEC's own dirty must not add an "exec" op: only the wrapper's EXEC. */
    assert_string_equal(rec.bytes, SELECT0 MULTI SET_A "*2\r\n$6\r\nSELECT\r\n$1\r\n1\r\n"
                                   "*3\r\n$3\r\nset\r\n$1\r\nb\r\n$1\r\n2\r\n" EXEC);
    dstrClear(rec.bytes);
    fake->flags |= CLIENT_EXECUTING_MULTI;
    run(&setCmd, 3, b);
    fake->flags &= ~CLIENT_EXECUTING_MULTI;
    run(&execCmd, 1, e);
    assert_string_equal(rec.bytes, "*3\r\n$3\r\nset\r\n$1\r\nb\r\n$1\r\n2\r\n");
}

static void test_arbitrary_keys_not_wrapped(void **state) {
    (void)state;
    expireFirst = 1;
    const char *args[] = {"flushall", "k"};
    run(&flushCmd, 2, args);
    assert_string_equal(rec.bytes, SELECT0 "*2\r\n$3\r\nDEL\r\n$1\r\nk\r\n*2\r\n$8\r\nflushall\r\n$1\r\nk\r\n");
}

static void test_suspended_records_nothing(void **state) {
    (void)state;
    const char *args[] = {"set", "a", "1"};
    propagateSuspend();
    assert_true(propagateSuspended());
    run(&setCmd, 3, args);
    dstr k = dstrNew("x");
    propagateKeyExpired(dbByIndex(0), k);
    dstrFree(k);
    propagateResume();
    assert_int_equal(rec.calls, 0);
    run(&setCmd, 3, args);
    assert_string_equal(rec.bytes, SELECT0 SET_A);
}

static void test_real_lazy_expiry_through_db_hook(void **state) {
    (void)state;
    kvobj *kv = kvCreateString("old", 3, "v", 1, 1000, 0); /* expired long ago */
    dbAdd(dbByIndex(0), kv);
    lookupKey = 1;
    const char *args[] = {"get", "old"};
    run(&getCmd, 2, args);
    dstr old = dstrNew("old");
    assert_null(dbFind(dbByIndex(0), old));
    dstrFree(old);
    assert_string_equal(rec.bytes, SELECT0 "*2\r\n$3\r\nDEL\r\n$3\r\nold\r\n");
}

static void test_explicit_propagate_and_binary_args(void **state) {
    (void)state;
    const char *argv[] = {"SET", "k\r\n", "v"};
    size_t lens[] = {3, 3, 1};
    propagateCommandArgs(2, 3, argv, lens);
    assert_int_equal(dstrLen(rec.bytes), strlen("*2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n*3\r\n$3\r\nSET\r\n$3\r\nk\r\n\r\n$1\r\nv\r\n"));
    assert_memory_equal(rec.bytes, "*2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n*3\r\n$3\r\nSET\r\n$3\r\nk\r\n\r\n$1\r\nv\r\n",
                        dstrLen(rec.bytes));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_single_command_gets_select_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_db_change_emits_select, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reselect_only_that_sink, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lazy_expiry_in_write_is_wrapped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_command_propagates_only_its_del, setup, teardown),
        cmocka_unit_test_setup_teardown(test_active_expiry_outside_command, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transaction_wrapped_single_bare, setup, teardown),
        cmocka_unit_test_setup_teardown(test_arbitrary_keys_not_wrapped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_suspended_records_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_real_lazy_expiry_through_db_hook, setup, teardown),
        cmocka_unit_test_setup_teardown(test_explicit_propagate_and_binary_args, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
