/* test_pubsub.c — the subscription registry against a model.
 *
 * Fake clients (their output stays in the reply buffer, where the test
 * reads it) run SUBSCRIBE / UNSUBSCRIBE / PSUBSCRIBE / PUNSUBSCRIBE /
 * PUBLISH / RESET / disconnect in a random mix through the dispatcher, in
 * RESP2 and RESP3.  A model of who is subscribed to what predicts every
 * confirmation byte for byte, every PUBLISH receiver count and every
 * client's delivered messages, and the global counts (channels, distinct
 * patterns) and the CLIENT_PUBSUB flag are checked after each step.  Plus
 * the exact shapes and the RESP2 subscribed-context gate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "node/base/dstr.h"
#include "node/base/mem.h"
#include "node/base/util.h"
#include "node/net/client.h"
#include "node/server/command.h"
#include "node/server/dispatch.h"
#include "node/server/pubsub.h"
#include "node/server/server.h"

/* --- Running commands on fake clients --- */

static void runArgv(client *c, int argc, const char **words) {
    dstr argv[32];
    for (int i = 0; i < argc; i++) argv[i] = dstrNew(words[i]);
    c->argv = argv;
    c->argc = argc;
    dispatchProcessCommand(c);
    c->argv = NULL;
    c->argc = 0;
    for (int i = 0; i < argc; i++) dstrFree(argv[i]);
}

#define RUN(c, ...)                                                                                    \
    do {                                                                                               \
        const char *w_[] = {__VA_ARGS__};                                                              \
        runArgv((c), (int)(sizeof(w_) / sizeof(w_[0])), w_);                                           \
    } while (0)

/* Everything the client was sent since the last call, then forgotten. */
static dstr takeOutput(client *c) {
    assert_null(c->replyHead); /* the tests stay within the flat buffer */
    dstr s = dstrNewLen(c->buf, c->bufpos);
    c->bufpos = 0;
    c->sentlen = 0;
    return s;
}

static void assertOutput(client *c, const char *expected) {
    dstr out = takeOutput(c);
    if (strlen(expected) != dstrLen(out) || memcmp(out, expected, dstrLen(out)) != 0)
        fail_msg("output %s\nexpected %s", dstrCatRepr(dstrEmpty(), out, dstrLen(out)),
                 dstrCatRepr(dstrEmpty(), expected, strlen(expected)));
    dstrFree(out);
}

static client *newClient(int resp) {
    client *c = clientCreateFake();
    c->resp = resp;
    c->flags |= CLIENT_AUTHENTICATED;
    return c;
}

static void dropClient(client *c) {
    serverClientFreed(c);
    clientFree(c);
}

/* --- Exact shapes --- */

static void test_shapes_resp2(void **state) {
    (void)state;
    client *c = newClient(2), *p = newClient(2);
    RUN(c, "subscribe", "a", "b");
    assertOutput(c, "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n");
    assert_true(c->flags & CLIENT_PUBSUB);
    RUN(c, "psubscribe", "a*");
    assertOutput(c, "*3\r\n$10\r\npsubscribe\r\n$2\r\na*\r\n:3\r\n");
    RUN(p, "publish", "a", "hi");
    assertOutput(p, ":2\r\n");
    assertOutput(c, "*3\r\n$7\r\nmessage\r\n$1\r\na\r\n$2\r\nhi\r\n"
                    "*4\r\n$8\r\npmessage\r\n$2\r\na*\r\n$1\r\na\r\n$2\r\nhi\r\n");
    RUN(c, "pubsub", "numpat");
    assertOutput(c, "-ERR Can't execute 'pubsub|numpat': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / "
                    "RESET are allowed in this context\r\n");
    RUN(c, "unsubscribe", "b", "zz");
    assertOutput(c, "*3\r\n$11\r\nunsubscribe\r\n$1\r\nb\r\n:2\r\n*3\r\n$11\r\nunsubscribe\r\n$2\r\nzz\r\n:2\r\n");
    RUN(c, "punsubscribe");
    assertOutput(c, "*3\r\n$12\r\npunsubscribe\r\n$2\r\na*\r\n:1\r\n");
    RUN(c, "punsubscribe");
    assertOutput(c, "*3\r\n$12\r\npunsubscribe\r\n$-1\r\n:1\r\n");
    RUN(c, "unsubscribe");
    assertOutput(c, "*3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:0\r\n");
    assert_false(c->flags & CLIENT_PUBSUB);
    assert_null(c->pubsubState);
    RUN(c, "unsubscribe");
    assertOutput(c, "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n");
    assert_int_equal(pubsubChannelCount(), 0);
    assert_int_equal(pubsubPatternCount(), 0);
    dropClient(c);
    dropClient(p);
}

static void test_shapes_resp3(void **state) {
    (void)state;
    client *c = newClient(3);
    RUN(c, "unsubscribe");
    assertOutput(c, ">3\r\n$11\r\nunsubscribe\r\n_\r\n:0\r\n");
    RUN(c, "subscribe", "x");
    assertOutput(c, ">3\r\n$9\r\nsubscribe\r\n$1\r\nx\r\n:1\r\n");
    RUN(c, "publish", "x", "m"); /* RESP3: any command while subscribed */
    assertOutput(c, ">3\r\n$7\r\nmessage\r\n$1\r\nx\r\n$1\r\nm\r\n:1\r\n");
    RUN(c, "pubsub", "numsub", "x", "y");
    assertOutput(c, "*4\r\n$1\r\nx\r\n:1\r\n$1\r\ny\r\n:0\r\n");
    serverClientReset(c);
    assert_false(c->flags & CLIENT_PUBSUB);
    assert_int_equal(pubsubChannelCount(), 0);
    dropClient(c);
}

static void test_replies_off_still_get_pushes(void **state) {
    (void)state;
    client *c = newClient(3), *p = newClient(2);
    RUN(c, "subscribe", "q");
    dstrFree(takeOutput(c));
    c->flags |= CLIENT_REPLY_OFF;
    RUN(p, "publish", "q", "v");
    dstrFree(takeOutput(p));
    assertOutput(c, ">3\r\n$7\r\nmessage\r\n$1\r\nq\r\n$1\r\nv\r\n");
    assert_true(c->flags & CLIENT_REPLY_OFF);
    dropClient(c);
    dropClient(p);
}

/* --- Model --- */

#define NCLIENTS 6
#define NCHANNELS 6
#define NPATTERNS 6

static const char *channelNames[NCHANNELS] = {"c0", "c1", "c2", "news", "n3", "x"};
static const char *patternNames[NPATTERNS] = {"c*", "c[0-1]", "*3", "?1", "n*", "*"};

typedef struct modelClient {
    client *c;
    int sub[NCHANNELS];
    int psub[NPATTERNS];
} modelClient;

static uint64_t rngState = 0x2545F4914F6CDD1DULL;
static uint64_t rng(void) {
    rngState ^= rngState << 13;
    rngState ^= rngState >> 7;
    rngState ^= rngState << 17;
    return rngState;
}

static int countOf(const int *v, int n) {
    int k = 0;
    for (int i = 0; i < n; i++) k += v[i];
    return k;
}

static int total(const modelClient *m) { return countOf(m->sub, NCHANNELS) + countOf(m->psub, NPATTERNS); }

static dstr catBulk(dstr s, const char *p) { return dstrCatPrintf(s, "$%zu\r\n%s\r\n", strlen(p), p); }

static dstr catConfirm(dstr s, int resp, const char *word, const char *name, int count) {
    s = dstrCat(s, resp == 3 ? ">3\r\n" : "*3\r\n");
    s = catBulk(s, word);
    s = name ? catBulk(s, name) : dstrCat(s, resp == 3 ? "_\r\n" : "$-1\r\n");
    return dstrCatPrintf(s, ":%d\r\n", count);
}

static void assertOutputDstr(client *c, dstr expected) {
    assertOutput(c, expected);
    dstrFree(expected);
}

/* SUBSCRIBE / PSUBSCRIBE / UNSUBSCRIBE / PUNSUBSCRIBE of up to 3 random
 * names: confirmations in argument order with the model's counts. */
static void stepSubscribe(modelClient *m, int pattern, int on) {
    const char *words[4];
    const char *cmd = pattern ? (on ? "psubscribe" : "punsubscribe") : (on ? "subscribe" : "unsubscribe");
    int n = 1 + (int)(rng() % 3);
    int *flags = pattern ? m->psub : m->sub;
    const char **names = pattern ? patternNames : channelNames;
    dstr expected = dstrEmpty();
    words[0] = cmd;
    for (int i = 0; i < n; i++) {
        int idx = (int)(rng() % NCHANNELS);
        words[i + 1] = names[idx];
        flags[idx] = on;
        expected = catConfirm(expected, m->c->resp, cmd, names[idx], total(m));
    }
    runArgv(m->c, n + 1, words);
    assertOutputDstr(m->c, expected);
}

/* Bare UNSUBSCRIBE / PUNSUBSCRIBE: one confirmation per subscription in any
 * order, counting down, or one with a nil name. */
static void stepUnsubscribeAll(modelClient *m, int pattern) {
    int *flags = pattern ? m->psub : m->sub;
    const char *word = pattern ? "punsubscribe" : "unsubscribe";
    int had = countOf(flags, NCHANNELS);
    runArgv(m->c, 1, &word);
    memset(flags, 0, sizeof(int) * NCHANNELS);
    dstr out = takeOutput(m->c);
    if (had == 0) {
        dstr expected = catConfirm(dstrEmpty(), m->c->resp, word, NULL, total(m));
        assert_int_equal(dstrLen(out), dstrLen(expected));
        assert_memory_equal(out, expected, dstrLen(out));
        dstrFree(expected);
    } else {
        /* Count the confirmations and check the last count. */
        char last[32];
        snprintf(last, sizeof(last), ":%d\r\n", total(m));
        int seen = 0;
        for (const char *p = out; (p = strstr(p, word)) != NULL; p += strlen(word)) seen++;
        assert_int_equal(seen, had);
        assert_true(dstrLen(out) >= strlen(last));
        assert_memory_equal(out + dstrLen(out) - strlen(last), last, strlen(last));
    }
    dstrFree(out);
}

static void stepPublish(modelClient *ms, client *publisher) {
    int idx = (int)(rng() % NCHANNELS);
    const char *ch = channelNames[idx];
    long long expectedReceivers = 0;
    for (int i = 0; i < NCLIENTS; i++) {
        expectedReceivers += ms[i].sub[idx];
        for (int p = 0; p < NPATTERNS; p++)
            expectedReceivers +=
                ms[i].psub[p] && globMatch(patternNames[p], strlen(patternNames[p]), ch, strlen(ch), 0);
    }
    const char *words[] = {"publish", ch, "payload"};
    runArgv(publisher, 3, words);
    char reply[32];
    snprintf(reply, sizeof(reply), ":%lld\r\n", expectedReceivers);
    assertOutput(publisher, reply);
    /* Each subscriber got its channel message first, then one pmessage per
     * matching pattern in any order. */
    for (int i = 0; i < NCLIENTS; i++) {
        modelClient *m = &ms[i];
        dstr out = takeOutput(m->c);
        size_t pos = 0;
        if (m->sub[idx]) {
            dstr msg = dstrCat(dstrEmpty(), m->c->resp == 3 ? ">3\r\n" : "*3\r\n");
            msg = catBulk(catBulk(catBulk(msg, "message"), ch), "payload");
            assert_true(dstrLen(out) >= dstrLen(msg));
            assert_memory_equal(out, msg, dstrLen(msg));
            pos = dstrLen(msg);
            dstrFree(msg);
        }
        size_t patternsFrom = pos;
        for (int p = 0; p < NPATTERNS; p++) {
            if (!m->psub[p] || !globMatch(patternNames[p], strlen(patternNames[p]), ch, strlen(ch), 0)) continue;
            dstr pm = dstrCat(dstrEmpty(), m->c->resp == 3 ? ">4\r\n" : "*4\r\n");
            pm = catBulk(catBulk(catBulk(catBulk(pm, "pmessage"), patternNames[p]), ch), "payload");
            assert_non_null(strstr(out + patternsFrom, pm));
            pos += dstrLen(pm);
            dstrFree(pm);
        }
        assert_int_equal(pos, dstrLen(out));
        dstrFree(out);
    }
}

static void checkGlobals(modelClient *ms) {
    size_t channels = 0, patterns = 0;
    for (int k = 0; k < NCHANNELS; k++) {
        int any = 0;
        for (int i = 0; i < NCLIENTS; i++) any |= ms[i].sub[k];
        channels += (size_t)any;
    }
    for (int k = 0; k < NPATTERNS; k++) {
        int any = 0;
        for (int i = 0; i < NCLIENTS; i++) any |= ms[i].psub[k];
        patterns += (size_t)any;
    }
    assert_int_equal(pubsubChannelCount(), channels);
    assert_int_equal(pubsubPatternCount(), patterns);
    for (int i = 0; i < NCLIENTS; i++) {
        assert_int_equal(pubsubClientChannels(ms[i].c), countOf(ms[i].sub, NCHANNELS));
        assert_int_equal(pubsubClientPatterns(ms[i].c), countOf(ms[i].psub, NPATTERNS));
        assert_int_equal(!!(ms[i].c->flags & CLIENT_PUBSUB), total(&ms[i]) > 0);
    }
}

static void resetModel(modelClient *m) {
    memset(m->sub, 0, sizeof(m->sub));
    memset(m->psub, 0, sizeof(m->psub));
}

static void test_model(void **state) {
    (void)state;
    modelClient ms[NCLIENTS];
    client *publisher = newClient(2);
    for (int i = 0; i < NCLIENTS; i++) {
        ms[i].c = newClient(i % 2 ? 3 : 2);
        resetModel(&ms[i]);
    }
    for (int step = 0; step < 20000; step++) {
        modelClient *m = &ms[rng() % NCLIENTS];
        uint64_t r = rng() % 100;
        if (r < 25)
            stepSubscribe(m, 0, 1);
        else if (r < 45)
            stepSubscribe(m, 1, 1);
        else if (r < 55)
            stepSubscribe(m, 0, 0);
        else if (r < 63)
            stepSubscribe(m, 1, 0);
        else if (r < 67)
            stepUnsubscribeAll(m, 0);
        else if (r < 71)
            stepUnsubscribeAll(m, 1);
        else if (r < 73) {
            serverClientReset(m->c);
            resetModel(m);
        } else if (r < 75) {
            int resp = m->c->resp;
            dropClient(m->c);
            m->c = newClient(resp);
            resetModel(m);
        } else {
            stepPublish(ms, publisher);
        }
        checkGlobals(ms);
    }
    for (int i = 0; i < NCLIENTS; i++) dropClient(ms[i].c);
    dropClient(publisher);
    assert_int_equal(pubsubChannelCount(), 0);
    assert_int_equal(pubsubPatternCount(), 0);
}

static int groupSetup(void **state) {
    (void)state;
    commandTableInit();
    pubsubInit();
    return 0;
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shapes_resp2),
        cmocka_unit_test(test_shapes_resp3),
        cmocka_unit_test(test_replies_off_still_get_pushes),
        cmocka_unit_test(test_model),
    };
    return cmocka_run_group_tests(tests, groupSetup, NULL);
}
