/* test_command.c — the command table (command.c) and the COMMAND command
 * (command_cmds.c).
 *
 * The reply layer is replaced by a small recorder defined here (every reply.h
 * function command_cmds.c uses), so replies can be compared byte for byte in
 * RESP2 and RESP3 without a server.  The reference expectations for the
 * legacy first/last/step triple and movablekeys come from the reference
 * server through the generator (test_command_expect.inc, in the build dir).
 *
 * Binding is global state: tests bind what they need and never unbind;
 * commands used to check invisibility (HSET, XGROUP CREATE) are never bound. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "node/base/dstr.h"
#include "node/net/client.h"
#include "node/net/reply.h"
#include "node/server/command.h"

extern serverCommand commandMetadata[];

/* --- A reply recorder in place of node/net/reply.c --- */

static dstr out;

static void header(char prefix, long long n) { out = dstrCatPrintf(out, "%c%lld\r\n", prefix, n); }
void replySimple(client *c, const char *s) {
    (void)c;
    out = dstrCatPrintf(out, "+%s\r\n", s);
}
void replyError(client *c, const char *err) {
    (void)c;
    out = dstrCatPrintf(out, "-%s\r\n", err);
}
void replyErrorSyntax(client *c) { replyError(c, "ERR syntax error"); }
void replySubcommandSyntaxError(client *c) { replyError(c, "ERR unknown subcommand"); }
void replyLongLong(client *c, long long v) {
    (void)c;
    header(':', v);
}
void replyNull(client *c) { out = dstrCat(out, c->resp == 3 ? "_\r\n" : "$-1\r\n"); }
static void replyBytes(client *c, const char *p, size_t len) {
    (void)c;
    header('$', (long long)len);
    out = dstrCatLen(out, p, len);
    out = dstrCat(out, "\r\n");
}
void replyBulkCString(client *c, const char *s) {
    if (s)
        replyBytes(c, s, strlen(s));
    else
        replyNull(c);
}
void replyBulkDstr(client *c, const dstr s) { replyBytes(c, s, dstrLen(s)); }
void replyArrayLen(client *c, long n) {
    (void)c;
    header('*', n);
}
void replyMapLen(client *c, long n) { header(c->resp == 3 ? '%' : '*', c->resp == 3 ? n : 2 * n); }
void replySetLen(client *c, long n) { header(c->resp == 3 ? '~' : '*', n); }
static size_t deferredAt;
void *replyDeferredLen(client *c) {
    (void)c;
    deferredAt = dstrLen(out);
    return &deferredAt;
}
static void setDeferred(void *node, char prefix, long n) {
    size_t at = *(size_t *)node;
    dstr tail = dstrNewLen(out + at, dstrLen(out) - at);
    dstrSetLen(out, at);
    header(prefix, n);
    out = dstrCatDstr(out, tail);
    dstrFree(tail);
}
void replySetDeferredArrayLen(client *c, void *node, long n) {
    (void)c;
    setDeferred(node, '*', n);
}
void replySetDeferredMapLen(client *c, void *node, long n) {
    setDeferred(node, c->resp == 3 ? '%' : '*', c->resp == 3 ? n : 2 * n);
}
void replyHelp(client *c, const char **lines) {
    long n = 0;
    while (lines[n]) n++;
    replyArrayLen(c, n + 2);
    replySimple(c, "HEADER");
    for (long i = 0; i < n; i++) replySimple(c, lines[i]);
    replySimple(c, "HELP");
}

/* --- Helpers --- */

static int startsWith(const char *s, const char *prefix) { return !strncmp(s, prefix, strlen(prefix)); }

static void dummyProc(client *c) { (void)c; }
static void otherProc(client *c) { (void)c; }

static void bind1(const char *name, commandProc *proc) {
    commandBinding b[] = {{name, proc}, {NULL, NULL}};
    commandBind(b);
}

/* The command called fullname, bound or not. */
static serverCommand *declared(const char *fullname) {
    const char *bar = strchr(fullname, '|');
    size_t toplen = bar ? (size_t)(bar - fullname) : strlen(fullname);
    for (serverCommand *cmd = commandMetadata; cmd->name; cmd++) {
        if (strlen(cmd->name) != toplen || strncmp(cmd->name, fullname, toplen)) continue;
        if (!bar) return cmd;
        for (serverCommand *sub = cmd->subcommands; sub && sub->name; sub++)
            if (!strcmp(sub->name, bar + 1)) return sub;
    }
    return NULL;
}

static serverCommand *lookupLine(const char *line) {
    int argc;
    dstr *argv = dstrSplitArgs(line, &argc);
    serverCommand *cmd = commandLookup(argv, argc);
    dstrFreeSplit(argv, argc);
    return cmd;
}

/* Runs a command line through lookup, arity and proc; returns the reply
 * (freed by the next call). */
static const char *run(int resp, const char *line) {
    int argc;
    dstr *argv = dstrSplitArgs(line, &argc);
    assert_non_null(argv);
    client c;
    memset(&c, 0, sizeof(c));
    c.resp = resp;
    c.argc = argc;
    c.argv = argv;
    if (out) dstrFree(out);
    out = dstrEmpty();
    serverCommand *cmd = commandLookup(argv, argc);
    if (!cmd)
        replyError(&c, "ERR unknown command");
    else if (!commandCheckArity(cmd, argc))
        replyError(&c, "ERR wrong number of arguments");
    else
        cmd->proc(&c);
    dstrFreeSplit(argv, argc);
    return out;
}

/* Keys of a command line as "pos,pos,..." (positions in the line). */
static const char *keysOf(const char *line, getKeysResult *result) {
    static char buf[4096];
    int argc;
    dstr *argv = dstrSplitArgs(line, &argc);
    assert_non_null(argv);
    serverCommand *cmd = declared(argv[0]);
    if (cmd && cmd->subcommands && argc > 1) {
        char full[128];
        snprintf(full, sizeof(full), "%s|%s", argv[0], argv[1]);
        for (char *p = full; *p; p++) *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
        cmd = declared(full);
    }
    assert_non_null(cmd);
    int n = commandGetKeys(cmd, argv, argc, result);
    assert_int_equal(n, result->numkeys);
    buf[0] = '\0';
    for (int i = 0; i < n; i++) {
        size_t len = strlen(buf);
        snprintf(buf + len, sizeof(buf) - len, "%s%d", i ? "," : "", result->keys[i].pos);
    }
    dstrFreeSplit(argv, argc);
    return buf;
}

static int setup(void **state) {
    (void)state;
    commandTableInit();
    commandCmdsInit();
    return 0;
}

static int teardown(void **state) {
    (void)state;
    if (out) dstrFree(out);
    out = NULL;
    return 0;
}

/* --- Table sanity --- */

static void checkArgs(const serverCommand *cmd, const commandArg *args) {
    for (; args && args->name; args++) {
        assert_true(args->type >= ARG_STRING && args->type <= ARG_BLOCK);
        assert_true(args->keySpecIndex >= -1 && args->keySpecIndex < cmd->numKeySpecs);
        if (args->type == ARG_KEY) assert_true(args->keySpecIndex >= 0);
        if (args->type == ARG_ONEOF || args->type == ARG_BLOCK) {
            assert_non_null(args->subargs);
            checkArgs(cmd, args->subargs);
        } else {
            assert_null(args->subargs);
        }
    }
}

static void checkCommand(const serverCommand *cmd, const serverCommand *parent) {
    for (const char *p = cmd->name; *p; p++) assert_false(*p >= 'A' && *p <= 'Z');
    assert_int_not_equal(cmd->arity, 0);
    assert_ptr_equal(cmd->parent, parent);
    assert_non_null(cmd->summary);
    assert_non_null(cmd->group);
    assert_non_null(cmd->since);
    char full[128];
    snprintf(full, sizeof(full), "%s%s%s", parent ? parent->name : "", parent ? "|" : "", cmd->name);
    assert_string_equal(cmd->fullname, full);
    for (int j = 0; j < cmd->numKeySpecs; j++) {
        const keySpec *spec = &cmd->keySpecs[j];
        if (spec->bsType == KSPEC_BS_INDEX) assert_true(spec->bs.index.pos >= 1);
        if (spec->bsType == KSPEC_BS_KEYWORD) assert_non_null(spec->bs.keyword.keyword);
        if (spec->fkType == KSPEC_FK_RANGE) assert_true(spec->fk.range.keystep >= 1);
        if (spec->fkType == KSPEC_FK_KEYNUM) assert_true(spec->fk.keynum.keystep >= 1);
        /* exactly one of RO/RW/OW/RM unless the spec is not a key */
        uint64_t access = spec->flags & (KS_RO | KS_RW | KS_OW | KS_RM);
        if (!(spec->flags & KS_NOT_KEY)) assert_true(access && !(access & (access - 1)));
    }
    if (cmd->numKeySpecs == 0) assert_null(cmd->keySpecs);
    checkArgs(cmd, cmd->args);
    for (const char *const *h = cmd->history; h && *h; h += 2) assert_non_null(h[1]);
}

static void test_table_sane(void **state) {
    (void)state;
    size_t top = 0, all = 0;
    uint64_t maxId = 0;
    for (serverCommand *cmd = commandMetadata; cmd->name; cmd++) {
        if (cmd != commandMetadata) assert_true(strcmp(cmd[-1].name, cmd->name) < 0);
        checkCommand(cmd, NULL);
        top++;
        all++;
        if (cmd->id > maxId) maxId = cmd->id;
        for (serverCommand *sub = cmd->subcommands; sub && sub->name; sub++) {
            checkCommand(sub, cmd);
            assert_null(sub->subcommands);
            all++;
            if (sub->id > maxId) maxId = sub->id;
        }
    }
    assert_true(top >= 240);
    assert_true(all >= 366);
    assert_int_equal(maxId + 1, all); /* ids are dense */
}

typedef struct expectation {
    const char *name;
    int first, last, step, movable;
} expectation;

static const expectation expectations[] = {
#include "tests/unit/test_command_expect.inc"
    {NULL, 0, 0, 0, 0},
};

static void test_legacy_triple_matches_reference(void **state) {
    (void)state;
    int checked = 0;
    for (const expectation *e = expectations; e->name; e++) {
        serverCommand *cmd = declared(e->name);
        assert_non_null(cmd);
        if (cmd->firstKey != e->first || cmd->lastKey != e->last || cmd->keyStep != e->step ||
            !!(cmd->flags & CMD_MOVABLE_KEYS) != e->movable)
            fail_msg("%s: derived %d %d %d movable %d, reference %d %d %d movable %d", e->name, cmd->firstKey,
                     cmd->lastKey, cmd->keyStep, !!(cmd->flags & CMD_MOVABLE_KEYS), e->first, e->last, e->step,
                     e->movable);
        checked++;
    }
    assert_true(checked >= 366);
}

/* --- Lookup and binding --- */

static void test_lookup_case_insensitive(void **state) {
    (void)state;
    assert_null(lookupLine("get k")); /* not bound yet: invisible */
    assert_null(commandLookupTop("get", 3));
    bind1("get", dummyProc);
    serverCommand *get = declared("get");
    assert_ptr_equal(lookupLine("get k"), get);
    assert_ptr_equal(lookupLine("GET k"), get);
    assert_ptr_equal(lookupLine("gEt k"), get);
    assert_ptr_equal(commandLookupTop("GeT", 3), get);
    assert_ptr_equal(commandLookupByName("GET", 3), get);
    assert_ptr_equal(commandLookupTop("getxyz", 3), get); /* length bounds the name */
    assert_null(lookupLine("getx k"));
    assert_null(lookupLine("ge k"));
    assert_null(commandLookupTop("get\0", 4));
    assert_null(lookupLine("hset k f v")); /* never bound */
    assert_null(commandLookup(NULL, 0));
}

static void test_subcommands(void **state) {
    (void)state;
    serverCommand *config = declared("config"), *get = declared("config|get");
    assert_null(lookupLine("config get x"));
    bind1("config|get", dummyProc);
    assert_true(commandIsVisible(config));
    assert_false(commandIsVisible(declared("config|set")));
    assert_ptr_equal(lookupLine("config get x"), get);
    assert_ptr_equal(lookupLine("CONFIG GeT x"), get);
    assert_ptr_equal(lookupLine("config set a b"), config); /* unbound sub: the container */
    assert_ptr_equal(lookupLine("config nosuch"), config);
    assert_ptr_equal(lookupLine("config"), config);
    assert_null(config->proc);
    assert_ptr_equal(commandLookupByName("config|get", 10), get);
    assert_ptr_equal(commandLookupByName("CONFIG|GET", 10), get);
    assert_null(commandLookupByName("config|set", 10));
    assert_null(commandLookupByName("config|nosuch", 13));
    assert_string_equal(get->fullname, "config|get");
    /* a subcommand name alone is not a command */
    assert_null(lookupLine("get|config"));
    assert_null(lookupLine("xgroup create s g $")); /* never bound */
}

static void test_bind_container(void **state) {
    (void)state;
    serverCommand *help = declared("object|help"), *enc = declared("object|encoding");
    bind1("object", dummyProc);
    assert_ptr_equal(help->proc, dummyProc);
    assert_ptr_equal(enc->proc, dummyProc);
    assert_ptr_equal(lookupLine("object encoding k"), enc);
    bind1("object|help", otherProc);
    assert_ptr_equal(help->proc, otherProc);
    bind1("object", otherProc); /* rebinding the container keeps own bindings */
    assert_ptr_equal(help->proc, otherProc);
    assert_ptr_equal(enc->proc, otherProc);
    bind1("object", dummyProc);
    assert_ptr_equal(enc->proc, dummyProc);
    assert_ptr_equal(help->proc, dummyProc); /* bound like the container: follows it */
}

static void test_arity(void **state) {
    (void)state;
    serverCommand *get = declared("get"), *mset = declared("mset");
    assert_int_equal(get->arity, 2);
    assert_false(commandCheckArity(get, 1));
    assert_true(commandCheckArity(get, 2));
    assert_false(commandCheckArity(get, 3));
    assert_int_equal(mset->arity, -3);
    assert_false(commandCheckArity(mset, 2));
    assert_true(commandCheckArity(mset, 3));
    assert_true(commandCheckArity(mset, 1000));
}

static void test_flag_and_category_names(void **state) {
    (void)state;
    assert_string_equal(commandFlagName(CMD_WRITE), "write");
    assert_string_equal(commandFlagName(CMD_MOVABLE_KEYS), "movablekeys");
    assert_null(commandFlagName(1ULL << 63));
    assert_string_equal(commandAclCategoryName(ACL_SORTEDSET), "sortedset");
    assert_int_equal(commandAclCategoryByName("SortedSet"), ACL_SORTEDSET);
    assert_int_equal(commandAclCategoryByName("nosuch"), 0);
    assert_string_equal(commandKeySpecFlagName(KS_VARIABLE_FLAGS), "variable_flags");
    assert_string_equal(commandKeySpecFlagName(KS_RO), "RO");
    serverCommand *get = declared("get");
    assert_true(get->flags & CMD_READONLY);
    assert_true(get->aclCategories & ACL_STRING);
    assert_true(declared("eval")->flags & CMD_MAY_REPLICATE);
    assert_true(declared("debug")->flags & CMD_PROTECTED);
    assert_true(commandHasKeys(get));
    assert_false(commandHasKeys(declared("ping")));
    assert_false(commandHasKeys(declared("ssubscribe"))); /* NOT_KEY only */
    assert_true(commandHasKeys(declared("sort")));
}

/* --- Key extraction --- */

typedef struct keysCase {
    const char *line;
    const char *positions;
} keysCase;

static void test_getkeys_table(void **state) {
    (void)state;
    static const keysCase cases[] = {
        {"get k", "1"},
        {"mset a 1 b 2 c 3", "1,3,5"},
        {"mset a 1 b", "1,3"}, /* odd count: the last key still counts */
        {"del a b c", "1,2,3"},
        {"bitop and dest a b", "2,3,4"},
        {"zunionstore d 2 a b weights 1 2", "1,3,4"},
        {"zunionstore d 0 a", ""},
        {"zunionstore d 5 a", ""},
        {"zunionstore d 01 a", "3,1"}, /* lenient count, destination last */
        {"zinter 2 a b", "2,3"},
        {"zintercard 1 a limit 3", "2"},
        {"eval s 2 a b arg", "3,4"},
        {"eval s 0", ""},
        {"eval s -1 a", ""},
        {"lmpop 2 a b left", "2,3"},
        {"blmpop 0 2 a b left", "3,4"},
        {"sort k", "1"},
        {"sort k store d", "1,3"},
        {"sort k by x limit 0 1 get y store d1 store d2", "1,12"},
        {"sort k limit store x get y", "1"},
        {"sort k store", "1"},
        {"sort_ro k store d", "1"},
        {"xread count 1 streams s1 s2 0 0", "4,5"},
        {"xread streams a b", "2"},
        {"xread streams a", ""},
        {"xreadgroup group g c streams s 0", "5"},
        {"xreadgroup group g c count 1 block 0 noack streams s1 s2 > >", "10,11"},
        {"migrate h p k 0 5000", "3"},
        {"migrate h p \"\" 0 5000 copy replace keys a b c", "9,10,11"},
        {"migrate h p \"\" 0 5000 auth keys keys a", "9"},
        {"migrate h p k 0 5000 keys a b", ""},
        {"georadius k 1 2 3 m store d", "1,7"},
        {"georadius k 1 2 3 m store d storedist e", "1,7,9"},
        {"georadius k 1 2 3 m store", "1"},
        {"georadiusbymember k m 3 km storedist d", "1,6"},
        {"georadius k 1 BY GET STORE store", "1"}, /* the last argument is never a keyword */
        {"migrate h p k 0 5000 copy keys", "3"},
        {"xread count 2 streams streams s 0 0", "4,5"},
        {"set k v", "1"},
        {"bitfield k get u8 0", "1"},
        {"object encoding k", "2"},
        {"xinfo stream s full", "2"},
        {"rename a b", "1,2"},
        {"ping", ""},
        {"ssubscribe ch", ""}, /* shard channels are not keys */
        {"blpop a b 0", "1,2"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        getKeysResult result;
        const char *got = keysOf(cases[i].line, &result);
        if (strcmp(got, cases[i].positions))
            fail_msg("'%s': keys at [%s], expected [%s]", cases[i].line, got, cases[i].positions);
        getKeysFreeResult(&result);
    }
}

static void test_getkeys_flags(void **state) {
    (void)state;
    getKeysResult r;
    assert_string_equal(keysOf("set k v", &r), "1");
    assert_int_equal(r.keys[0].flags, KS_OW | KS_UPDATE);
    getKeysFreeResult(&r);
    assert_string_equal(keysOf("set k v nx GeT", &r), "1");
    assert_int_equal(r.keys[0].flags, KS_RW | KS_ACCESS | KS_UPDATE);
    getKeysFreeResult(&r);
    assert_string_equal(keysOf("bitfield k get u8 0 overflow wrap get i4 3", &r), "1");
    assert_int_equal(r.keys[0].flags, KS_RO | KS_ACCESS);
    getKeysFreeResult(&r);
    assert_string_equal(keysOf("bitfield k get u8", &r), "1");
    assert_int_equal(r.keys[0].flags, KS_RW | KS_ACCESS | KS_UPDATE);
    getKeysFreeResult(&r);
    assert_string_equal(keysOf("copy a b", &r), "1,2");
    assert_int_equal(r.keys[0].flags, KS_RO | KS_ACCESS);
    assert_int_equal(r.keys[1].flags, KS_OW | KS_UPDATE);
    getKeysFreeResult(&r);
}

static void test_getkeys_many(void **state) {
    (void)state;
    enum { N = 1000 };
    dstr *argv = malloc(sizeof(dstr) * (N + 1));
    argv[0] = dstrNew("del");
    for (int i = 1; i <= N; i++) argv[i] = dstrFromLongLong(i);
    getKeysResult r;
    assert_int_equal(commandGetKeys(declared("del"), argv, N + 1, &r), N);
    for (int i = 0; i < N; i++) assert_int_equal(r.keys[i].pos, i + 1);
    assert_ptr_not_equal(r.keys, r.keysbuf);
    getKeysFreeResult(&r);
    dstrFree(argv[0]);
    argv[0] = dstrNew("mset");
    assert_int_equal(commandGetKeys(declared("mset"), argv, N + 1, &r), N / 2);
    assert_int_equal(r.keys[N / 2 - 1].pos, N - 1);
    getKeysFreeResult(&r);
    dstrFreeSplit(argv, N + 1);
}

/* Every command with every short argument list made of awkward values: keys
 * must lie inside argv, and (under ASan) nothing is read past argc: each
 * argv array is allocated with exactly argc entries. */
static void hostileForCommand(serverCommand *cmd, const char *const *fill, size_t nfill) {
    for (int argc = 0; argc <= 12; argc++) {
        for (size_t f = 0; f < nfill; f++) {
            dstr *argv = malloc(sizeof(dstr) * (size_t)(argc ? argc : 1));
            for (int i = 0; i < argc; i++)
                argv[i] = i == 0 ? dstrNew(cmd->name) : dstrNew(fill[(f + (size_t)i) % nfill]);
            getKeysResult r;
            int n = commandGetKeys(cmd, argv, argc, &r);
            assert_true(n >= 0 && n <= argc);
            for (int k = 0; k < n; k++) assert_true(r.keys[k].pos >= 1 && r.keys[k].pos < argc);
            getKeysFreeResult(&r);
            for (int i = 0; i < argc; i++) dstrFree(argv[i]);
            free(argv);
        }
    }
}

static void test_getkeys_hostile(void **state) {
    (void)state;
    static const char *const fill[] = {
        "1",     "0",       "-1",     "99999999999999999999", "2147483647", "-2147483648", "store",
        "KEYS",  "streams", "get",    "limit",                "by",         "",            "01",
        "group", "auth2",   "count",  "storedist",            "3",          "overflow",    "block",
    };
    size_t nfill = sizeof(fill) / sizeof(fill[0]);
    for (serverCommand *cmd = commandMetadata; cmd->name; cmd++) {
        hostileForCommand(cmd, fill, nfill);
        for (serverCommand *sub = cmd->subcommands; sub && sub->name; sub++) hostileForCommand(sub, fill, nfill);
    }
}

/* --- The COMMAND command --- */

static void test_command_info_reply(void **state) {
    (void)state;
    bind1("get", dummyProc);
    assert_string_equal(
        run(2, "COMMAND INFO get"),
        "*1\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n*3\r\n+@read\r\n+@"
        "string\r\n+@fast\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n*"
        "4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$"
        "4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\n"
        "limit\r\n:0\r\n*0\r\n");
    assert_string_equal(
        run(3, "command info GET nosuch hset"),
        "*3\r\n*10\r\n$3\r\nget\r\n:2\r\n~2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n~3\r\n+@read\r\n+@"
        "string\r\n+@fast\r\n~0\r\n~1\r\n%3\r\n$5\r\nflags\r\n~2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n%"
        "2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n%2\r\n$"
        "4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\n"
        "limit\r\n:0\r\n~0\r\n_\r\n_\r\n");
    assert_string_equal(run(2, "command info nosuch"), "*1\r\n$-1\r\n");
    /* hidden flags never shown */
    bind1("eval", dummyProc);
    const char *eval = run(3, "command info eval");
    assert_null(strstr(eval, "may_replicate"));
    assert_non_null(strstr(eval, "+movablekeys\r\n"));
    assert_non_null(strstr(eval, "$4\r\ntype\r\n$6\r\nkeynum\r\n"));
}

static void test_command_info_subcommands(void **state) {
    (void)state;
    bind1("config|get", dummyProc);
    const char *r = run(3, "command info config");
    /* the container lists only its bound subcommands, as an array */
    assert_non_null(strstr(r, "*1\r\n*10\r\n$10\r\nconfig|get\r\n:-3\r\n"));
    assert_null(strstr(r, "config|set"));
    r = run(3, "command info config|get");
    assert_true(startsWith(r, "*1\r\n*10\r\n$10\r\nconfig|get\r\n"));
    r = run(3, "command info config|set");
    assert_string_equal(r, "*1\r\n_\r\n");
}

static void test_command_count_and_list(void **state) {
    (void)state;
    bind1("get", dummyProc);
    bind1("config|get", dummyProc);
    char expect[32];
    snprintf(expect, sizeof(expect), ":%zu\r\n", commandCount());
    assert_string_equal(run(2, "command count"), expect);
    assert_true(commandCount() >= 3); /* get, config, command, ... */
    assert_true(commandCount() < 240); /* unbound ones do not count */
    const char *list = run(2, "command list");
    assert_non_null(strstr(list, "$3\r\nget\r\n"));
    assert_non_null(strstr(list, "$10\r\nconfig|get\r\n"));
    assert_null(strstr(list, "$4\r\nhset\r\n"));
    assert_string_equal(run(2, "command list filterby pattern conf*"),
                        "*2\r\n$6\r\nconfig\r\n$10\r\nconfig|get\r\n");
    assert_string_equal(run(2, "command list filterby pattern CONFIG|G?T"), "*1\r\n$10\r\nconfig|get\r\n");
    assert_string_equal(run(2, "command list filterby module foo"), "*0\r\n");
    assert_string_equal(run(2, "command list filterby aclcat nosuch"), "*0\r\n");
    const char *strings = run(2, "command list filterby aclcat string");
    assert_non_null(strstr(strings, "$3\r\nget\r\n"));
    assert_null(strstr(strings, "config"));
    assert_string_equal(run(2, "command list filterby bogus x"), "-ERR syntax error\r\n");
    assert_string_equal(run(2, "command list filterby pattern"), "-ERR syntax error\r\n");
    assert_string_equal(run(2, "command list foo"), "-ERR syntax error\r\n");
}

static void test_command_getkeys(void **state) {
    (void)state;
    static const char *binds[] = {"set", "mset", "zunionstore", "eval", "ping", "migrate", "sort"};
    for (size_t i = 0; i < sizeof(binds) / sizeof(binds[0]); i++) bind1(binds[i], dummyProc);
    bind1("config|get", dummyProc);
    assert_string_equal(run(2, "command getkeys mset a 1 b 2"), "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
    assert_string_equal(run(2, "COMMAND GETKEYS nosuch x"), "-ERR Invalid command specified\r\n");
    assert_string_equal(run(2, "command getkeys hset k f v"), "-ERR Invalid command specified\r\n");
    assert_string_equal(run(2, "command getkeys config nosuch x"), "-ERR Invalid command specified\r\n");
    assert_string_equal(run(2, "command getkeys ping x"), "-ERR The command has no key arguments\r\n");
    assert_string_equal(run(2, "command getkeys config get x"), "-ERR The command has no key arguments\r\n");
    assert_string_equal(run(2, "command getkeys mset a"),
                        "-ERR Invalid number of arguments specified for command\r\n");
    assert_string_equal(run(2, "command getkeys zunionstore d 0 a"),
                        "-ERR Invalid arguments specified for command\r\n");
    assert_string_equal(run(2, "command getkeys eval s 0"), "*0\r\n"); /* no_mandatory_keys */
    assert_string_equal(run(2, "command getkeys migrate h p \"\" 0 5 keys a b"), "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
    assert_string_equal(run(2, "command getkeys sort k store d"), "*2\r\n$1\r\nk\r\n$1\r\nd\r\n");
    assert_string_equal(run(3, "command getkeysandflags set k v get"),
                        "*1\r\n*2\r\n$1\r\nk\r\n~3\r\n+RW\r\n+access\r\n+update\r\n");
    assert_string_equal(run(2, "command getkeysandflags zunionstore d 1 a"),
                        "*2\r\n*2\r\n$1\r\nd\r\n*2\r\n+OW\r\n+update\r\n*2\r\n$1\r\na\r\n*2\r\n+RO\r\n+access\r\n");
    assert_string_equal(run(2, "command getkeys"), "-ERR wrong number of arguments\r\n");
}

static void test_command_docs(void **state) {
    (void)state;
    bind1("get", dummyProc);
    bind1("getset", dummyProc);
    const char *r = run(2, "command docs get");
    assert_true(startsWith(r, "*2\r\n$3\r\nget\r\n*10\r\n$7\r\nsummary\r\n"));
    assert_non_null(strstr(r, "$5\r\nsince\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n$6\r\nstring\r\n$10\r\ncomplexity\r\n$4\r\n"
                              "O(1)\r\n$9\r\narguments\r\n*1\r\n*6\r\n$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n$3\r\n"
                              "key\r\n$14\r\nkey_spec_index\r\n:0\r\n"));
    assert_string_equal(run(3, "command docs nosuch hset"), "%0\r\n");
    r = run(3, "command docs getset nosuch");
    assert_true(startsWith(r, "%1\r\n$6\r\ngetset\r\n%8\r\n"));
    assert_non_null(strstr(r, "$9\r\ndoc_flags\r\n~1\r\n+deprecated\r\n$16\r\ndeprecated_since\r\n$5\r\n6.2.0\r\n"));
    bind1("set", dummyProc);
    r = run(3, "command docs set");
    assert_non_null(strstr(r, "$7\r\nhistory\r\n~4\r\n*2\r\n$6\r\n2.6.12\r\n"));
    assert_non_null(strstr(r, "$5\r\nflags\r\n~1\r\n+optional\r\n"));
    bind1("config|get", dummyProc);
    r = run(3, "command docs config");
    assert_non_null(strstr(r, "$11\r\nsubcommands\r\n%1\r\n$10\r\nconfig|get\r\n"));
}

static void test_command_help_and_errors(void **state) {
    (void)state;
    const char *r = run(2, "command help");
    assert_true(startsWith(r, "*17\r\n+HEADER\r\n"));
    assert_non_null(strstr(r, "+GETKEYSANDFLAGS <full-command>\r\n"));
    assert_string_equal(run(2, "command nosuch"), "-ERR unknown subcommand\r\n");
    assert_string_equal(run(2, "command count x"), "-ERR wrong number of arguments\r\n");
    r = run(2, "command");
    char expect[32];
    snprintf(expect, sizeof(expect), "*%zu\r\n*10\r\n", commandCount());
    assert_true(startsWith(r, expect));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_sane),
        cmocka_unit_test(test_legacy_triple_matches_reference),
        cmocka_unit_test(test_lookup_case_insensitive),
        cmocka_unit_test(test_subcommands),
        cmocka_unit_test(test_bind_container),
        cmocka_unit_test(test_arity),
        cmocka_unit_test(test_flag_and_category_names),
        cmocka_unit_test(test_getkeys_table),
        cmocka_unit_test(test_getkeys_flags),
        cmocka_unit_test(test_getkeys_many),
        cmocka_unit_test(test_getkeys_hostile),
        cmocka_unit_test(test_command_info_reply),
        cmocka_unit_test(test_command_info_subcommands),
        cmocka_unit_test(test_command_count_and_list),
        cmocka_unit_test(test_command_getkeys),
        cmocka_unit_test(test_command_docs),
        cmocka_unit_test(test_command_help_and_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
