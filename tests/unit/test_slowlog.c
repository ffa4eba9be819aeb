/* test_slowlog.c — the slow log: newest-first order and increasing ids
 * against a model under random pushes, max-len changes and resets (the
 * ring grows and wraps), argument trimming and the markers Valkey uses,
 * redaction of secrets, and the logging decision (threshold, disabled,
 * skip_slowlog, blocked clients). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "node/base/dstr.h"
#include "node/base/mem.h"
#include "node/net/client.h"
#include "node/server/command.h"
#include "node/server/server.h"
#include "node/server/slowlog.h"

static serverCommand cmdGet = {.name = "get", .fullname = "get"};

static void pushWords(serverCommand *cmd, int argc, const char **words) {
    dstr argv[64];
    for (int i = 0; i < argc; i++) argv[i] = dstrNew(words[i]);
    slowlogPush(argc, argv, cmd, 42, "127.0.0.1:1234", "name");
    for (int i = 0; i < argc; i++) dstrFree(argv[i]);
}

static void assertArgs(const slowlogEntry *e, int argc, const char **expected) {
    assert_non_null(e);
    assert_int_equal(e->argc, argc);
    for (int i = 0; i < argc; i++) assert_string_equal(e->argv[i], expected[i]);
}

static int setup(void **state) {
    (void)state;
    serverGetSettings()->slowlogMaxLen = 128;
    serverGetSettings()->slowlogLogSlowerThan = 10000;
    slowlogReset();
    return 0;
}

/* --- Order, ids and limits against a model --- */

static uint64_t rngState = 0x9E3779B97F4A7C15ULL;
static uint64_t rng(void) {
    rngState ^= rngState << 13;
    rngState ^= rngState >> 7;
    rngState ^= rngState << 17;
    return rngState;
}

static void test_model_order_and_limits(void **state) {
    (void)state;
    static long long model[4096]; /* ids, oldest first */
    long modelLen = 0;
    long long lastId = -1;
    const char *words[] = {"get", "k"};
    for (int step = 0; step < 20000; step++) {
        uint64_t r = rng() % 1000;
        if (r < 5) {
            slowlogReset();
            modelLen = 0;
        } else if (r < 25) {
            serverGetSettings()->slowlogMaxLen = (long long)(rng() % 300);
        } else {
            pushWords(&cmdGet, 2, words);
            model[modelLen++] = ++lastId;
            long long maxLen = serverGetSettings()->slowlogMaxLen;
            if (modelLen > maxLen) {
                long drop = modelLen - (long)maxLen;
                memmove(model, model + drop, sizeof(model[0]) * (size_t)(modelLen - drop));
                modelLen -= drop;
            }
        }
        assert_int_equal(slowlogLen(), modelLen);
        if (step % 97 == 0 || modelLen < 3) {
            for (long i = 0; i < modelLen; i++)
                assert_int_equal(slowlogGet(i)->id, model[modelLen - 1 - i]);
            assert_null(slowlogGet(modelLen));
            assert_null(slowlogGet(-1));
        }
    }
}

static void test_zero_max_len_keeps_nothing(void **state) {
    (void)state;
    serverGetSettings()->slowlogMaxLen = 0;
    const char *words[] = {"get", "k"};
    pushWords(&cmdGet, 2, words);
    assert_int_equal(slowlogLen(), 0);
}

static void test_entry_fields(void **state) {
    (void)state;
    const char *words[] = {"get", "key"};
    pushWords(&cmdGet, 2, words);
    const slowlogEntry *e = slowlogGet(0);
    assertArgs(e, 2, words);
    assert_int_equal(e->durationUs, 42);
    assert_string_equal(e->peerId, "127.0.0.1:1234");
    assert_string_equal(e->clientName, "name");
    assert_true(e->time > 1600000000);
}

/* --- Trimming --- */

static void test_trims_long_argument(void **state) {
    (void)state;
    char big[201];
    memset(big, 'x', 200);
    big[200] = '\0';
    const char *words[] = {"get", big};
    pushWords(&cmdGet, 2, words);
    const slowlogEntry *e = slowlogGet(0);
    assert_int_equal(dstrLen(e->argv[1]), 128 + strlen("... (72 more bytes)"));
    assert_memory_equal(e->argv[1], big, 128);
    assert_string_equal(e->argv[1] + 128, "... (72 more bytes)");
    /* Exactly 128 bytes is kept whole. */
    big[128] = '\0';
    pushWords(&cmdGet, 2, words);
    assert_string_equal(slowlogGet(0)->argv[1], big);
}

static void test_trims_argument_count(void **state) {
    (void)state;
    const char *words[40];
    char bufs[40][8];
    for (int i = 0; i < 40; i++) {
        snprintf(bufs[i], sizeof(bufs[i]), "a%d", i);
        words[i] = bufs[i];
    }
    pushWords(&cmdGet, 40, words);
    const slowlogEntry *e = slowlogGet(0);
    assert_int_equal(e->argc, 32);
    assert_string_equal(e->argv[30], "a30");
    assert_string_equal(e->argv[31], "... (9 more arguments)");
    /* 32 arguments fit exactly. */
    pushWords(&cmdGet, 32, words);
    e = slowlogGet(0);
    assert_int_equal(e->argc, 32);
    assert_string_equal(e->argv[31], "a31");
}

/* --- Redaction --- */

static void test_redacts_secrets(void **state) {
    (void)state;
    serverCommand auth = {.name = "auth", .fullname = "auth"};
    serverCommand hello = {.name = "hello", .fullname = "hello"};
    serverCommand configSet = {.name = "set", .fullname = "config|set"};
    serverCommand migrate = {.name = "migrate", .fullname = "migrate"};
    serverCommand setuser = {.name = "setuser", .fullname = "acl|setuser"};
    const char *a[] = {"AUTH", "user", "pass"};
    pushWords(&auth, 3, a);
    assertArgs(slowlogGet(0), 3, (const char *[]){"AUTH", "(redacted)", "(redacted)"});
    const char *h[] = {"HELLO", "3", "AUTH", "u", "p", "SETNAME", "n"};
    pushWords(&hello, 7, h);
    assertArgs(slowlogGet(0), 7, (const char *[]){"HELLO", "3", "AUTH", "(redacted)", "(redacted)", "SETNAME", "n"});
    const char *cs[] = {"CONFIG", "SET", "maxclients", "10", "requirepass", "secret", "masterauth", "s2"};
    pushWords(&configSet, 8, cs);
    assertArgs(slowlogGet(0), 8,
               (const char *[]){"CONFIG", "SET", "maxclients", "10", "requirepass", "(redacted)", "masterauth",
                                "(redacted)"});
    const char *m[] = {"MIGRATE", "h", "1", "k", "0", "5000", "AUTH", "pw", "AUTH2", "u", "p2", "KEYS", "x"};
    pushWords(&migrate, 13, m);
    assertArgs(slowlogGet(0), 13,
               (const char *[]){"MIGRATE", "h", "1", "k", "0", "5000", "AUTH", "(redacted)", "AUTH2", "(redacted)",
                                "(redacted)", "KEYS", "x"});
    const char *acl[] = {"ACL", "SETUSER", "bob", ">pw"};
    pushWords(&setuser, 4, acl);
    assertArgs(slowlogGet(0), 4, (const char *[]){"ACL", "SETUSER", "(redacted)", "(redacted)"});
    /* Other commands keep their arguments. */
    const char *g[] = {"GET", "AUTH"};
    pushWords(&cmdGet, 2, g);
    assertArgs(slowlogGet(0), 2, g);
}

/* --- The logging decision --- */

static client *fakeClient(int argc, const char **words) {
    client *c = clientCreateFake();
    c->argc = argc;
    c->argv = memAlloc(sizeof(dstr) * (size_t)argc);
    for (int i = 0; i < argc; i++) c->argv[i] = dstrNew(words[i]);
    return c;
}

static void freeFakeClient(client *c) {
    for (int i = 0; i < c->argc; i++) dstrFree(c->argv[i]);
    memFree(c->argv);
    c->argv = NULL;
    c->argc = 0;
    clientFree(c);
}

static void test_maybe_log_threshold(void **state) {
    (void)state;
    const char *words[] = {"get", "k"};
    client *c = fakeClient(2, words);
    serverGetSettings()->slowlogLogSlowerThan = 100;
    slowlogMaybeLog(c, &cmdGet, 99);
    assert_int_equal(slowlogLen(), 0);
    slowlogMaybeLog(c, &cmdGet, 100);
    assert_int_equal(slowlogLen(), 1);
    assert_int_equal(slowlogGet(0)->durationUs, 100);
    serverGetSettings()->slowlogLogSlowerThan = -1;
    slowlogMaybeLog(c, &cmdGet, 1000000);
    assert_int_equal(slowlogLen(), 1);
    serverGetSettings()->slowlogLogSlowerThan = 0;
    slowlogMaybeLog(c, &cmdGet, 0);
    assert_int_equal(slowlogLen(), 2);
    serverCommand skip = {.name = "exec", .fullname = "exec", .flags = CMD_SKIP_SLOWLOG};
    slowlogMaybeLog(c, &skip, 5000);
    assert_int_equal(slowlogLen(), 2);
    c->flags |= CLIENT_BLOCKED;
    slowlogMaybeLog(c, &cmdGet, 5000);
    assert_int_equal(slowlogLen(), 2);
    c->flags &= ~CLIENT_BLOCKED;
    freeFakeClient(c);
}

int main(void) {
    memThreadInit();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_model_order_and_limits, setup),
        cmocka_unit_test_setup(test_zero_max_len_keeps_nothing, setup),
        cmocka_unit_test_setup(test_entry_fields, setup),
        cmocka_unit_test_setup(test_trims_long_argument, setup),
        cmocka_unit_test_setup(test_trims_argument_count, setup),
        cmocka_unit_test_setup(test_redacts_secrets, setup),
        cmocka_unit_test_setup(test_maybe_log_threshold, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
