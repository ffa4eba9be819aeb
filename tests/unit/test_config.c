/* test_config.c — the configuration system: registration and parsing of every
 * type, units, aliases both ways, includes (nested, glob, loops), quoting,
 * error lines and reasons, placeholders, command-line override building,
 * CONFIG GET globs, CONFIG SET with rollback, CONFIG REWRITE, and loading the
 * sample tessera.conf and a Valkey 8 valkey.conf with every directive at its
 * default.
 *
 * Every test starts from an empty registry (configReset) and works in its own
 * temporary directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/stat.h>
#include <dirent.h>
#include <unistd.h>

#include <cmocka.h>

#include "node/base/dstr.h"
#include "node/base/mem.h"
#include "node/server/config.h"
#include "node/server/config_internal.h"
#include "node/server/config_special.h"

#ifndef CONFIG_TEST_SRCDIR
#define CONFIG_TEST_SRCDIR "."
#endif

/* --- Fixture: a temporary directory, an empty registry --- */

static char tmpdir[PATH_MAX];
static char startDir[PATH_MAX];

static int setup(void **state) {
    (void)state;
    assert_non_null(getcwd(startDir, sizeof(startDir)));
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/tessera-config-test.XXXXXX");
    assert_non_null(mkdtemp(tmpdir));
    configReset();
    return 0;
}

static int teardown(void **state) {
    (void)state;
    configReset();
    assert_int_equal(chdir(startDir), 0);
    DIR *d = opendir(tmpdir);
    if (d) {
        struct dirent *de;
        while ((de = readdir(d))) {
            if (de->d_name[0] == '.') continue;
            char p[PATH_MAX + 300];
            snprintf(p, sizeof(p), "%s/%s", tmpdir, de->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(tmpdir);
    return 0;
}

/* Writes name (in tmpdir) and returns its path (static buffer per call). */
static const char *writeFile(const char *name, const char *content) {
    static char paths[8][PATH_MAX + 256];
    static int next;
    char *p = paths[next++ % 8];
    snprintf(p, PATH_MAX + 256, "%s/%s", tmpdir, name);
    FILE *fp = fopen(p, "w");
    assert_non_null(fp);
    fputs(content, fp);
    fclose(fp);
    return p;
}

static dstr readWhole(const char *path) {
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    dstr s = dstrEmpty();
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), fp)) > 0) s = dstrCatLen(s, buf, n);
    fclose(fp);
    return s;
}

/* Loads content as a file plus overrides; returns configLoad's result. */
static int loadText(const char *content, const char *overrides, configError *err) {
    const char *path = content ? writeFile("test.conf", content) : NULL;
    return configLoad(path, overrides, err);
}

static void assertLoads(const char *content, const char *overrides) {
    configError err;
    int rc = loadText(content, overrides, &err);
    if (rc != 0) fail_msg("unexpected load error at line %d: %s ('%s')", err.line, err.reason, err.text);
    configErrorFree(&err);
}

/* Loading fails at line with reason. */
static void assertLoadError(const char *content, const char *overrides, int line, const char *reason) {
    configError err;
    assert_int_equal(loadText(content, overrides, &err), -1);
    assert_int_equal(err.line, line);
    assert_string_equal(err.reason, reason);
    configErrorFree(&err);
}

static void assertValue(const char *name, const char *expected) {
    dstr v = configGetValue(name);
    if (!v) fail_msg("no parameter %s", name);
    if (strcmp(v, expected)) fail_msg("%s is '%s', expected '%s'", name, v, expected);
    dstrFree(v);
}

/* CONFIG SET with a NULL-terminated list of strings; returns the error text
 * (caller frees) or NULL. */
static dstr setMany(const char *first, ...) {
    char *argv[32];
    int argc = 0;
    va_list ap;
    va_start(ap, first);
    for (const char *a = first; a; a = va_arg(ap, const char *)) argv[argc++] = (char *)a;
    va_end(ap);
    dstr err = NULL;
    if (configSetMany(argc, argv, 0, &err) == 0) return NULL;
    return err;
}

static void assertSetOk(const char *name, const char *value) {
    dstr err = setMany(name, value, NULL);
    if (err) fail_msg("CONFIG SET %s %s: %s", name, value, err);
}

static void assertSetError(const char *name, const char *value, const char *expected) {
    dstr err = setMany(name, value, NULL);
    assert_non_null(err);
    assert_string_equal(err, expected);
    dstrFree(err);
}

/* --- A module of every type --- */

static int tBool;
static int tInt;
static unsigned int tUint;
static long long tLong;
static unsigned long long tUlong;
static size_t tSize;
static double tDouble;
static char *tString;
static dstr tDstr;
static int tEnum;
static int tFlags;
static long long tPercent;
static unsigned int tOctal;
static int tApplyCalls;
static int tApplyFail;
static int tApplySeen; /* tInt seen by apply */

static const configEnumItem colorItems[] = {{"red", 1}, {"green", 2}, {"blue", 3}, {NULL, 0}};
static const configEnumItem flagItems[] = {{"none", 0}, {"a", 1}, {"b", 2}, {"c", 4}, {NULL, 0}};

static int checkEven(const configDef *def, const void *value, const char **err) {
    (void)def;
    if (*(const int *)value % 2 == 0) return 1;
    *err = "must be even";
    return 0;
}

static int applyTest(const configDef *def, const char **err) {
    (void)def;
    tApplyCalls++;
    tApplySeen = tInt;
    if (tApplyFail) {
        *err = "apply refused";
        return 0;
    }
    return 1;
}

static const configDef testDefs[] = {
    CONFIG_BOOL_DEF("t-bool", "t-old-bool", 0, tBool, "yes"),
    {.name = "t-int", .type = CONFIG_INT, .storage = &tInt, .defaultValue = "10", .min = -100, .max = 100,
     .check = checkEven, .apply = applyTest},
    CONFIG_UINT_DEF("t-uint", NULL, 0, tUint, 1, UINT_MAX, "7"),
    CONFIG_LONGLONG_DEF("t-long", NULL, CONFIG_MEMORY, tLong, 0, LLONG_MAX, "1mb"),
    CONFIG_ULONGLONG_DEF("t-ulong", NULL, CONFIG_MEMORY, tUlong, 0, ULLONG_MAX, "0"),
    CONFIG_SIZE_DEF("t-size", NULL, 0, tSize, 0, LONG_MAX, "512"),
    {.name = "t-double", .type = CONFIG_DOUBLE, .storage = &tDouble, .defaultValue = "0.5", .min = 0, .max = 10},
    CONFIG_STRING_DEF("t-string", NULL, CONFIG_EMPTY_IS_NULL, tString, NULL),
    CONFIG_DSTR_DEF("t-dstr", NULL, CONFIG_SENSITIVE, tDstr, "secret"),
    CONFIG_ENUM_DEF("t-enum", NULL, 0, tEnum, colorItems, "green"),
    CONFIG_ENUM_DEF("t-flags", NULL, CONFIG_MULTI_ARG, tFlags, flagItems, "none"),
    {.name = "t-percent", .flags = CONFIG_MEMORY | CONFIG_PERCENT, .type = CONFIG_LONGLONG, .storage = &tPercent,
     .defaultValue = "0", .min = -100, .max = LLONG_MAX},
    CONFIG_UINT_DEF("t-octal", NULL, CONFIG_OCTAL | CONFIG_IMMUTABLE, tOctal, 0, 0777, "0"),
    {.name = "t-int2", .type = CONFIG_INT, .storage = &(int){0}, .defaultValue = "0", .min = 0, .max = 1000,
     .apply = applyTest},
};

static void registerTestDefs(void) {
    tApplyCalls = tApplyFail = 0;
    configRegister(testDefs, sizeof(testDefs) / sizeof(testDefs[0]));
}

static void testDefaultsApplied(void **state) {
    (void)state;
    registerTestDefs();
    assert_int_equal(tBool, 1);
    assert_int_equal(tInt, 10);
    assert_int_equal(tUint, 7);
    assert_true(tLong == 1024 * 1024);
    assert_true(tUlong == 0);
    assert_true(tSize == 512);
    assert_true(tDouble == 0.5);
    assert_null(tString);
    assert_string_equal(tDstr, "secret");
    assert_int_equal(tEnum, 2);
    assert_int_equal(tFlags, 0);
    assertValue("t-bool", "yes");
    assertValue("t-long", "1048576");
    assertValue("t-double", "0.5");
    assertValue("t-string", "");
    assertValue("t-enum", "green");
    assertValue("t-flags", "none");
    assertValue("t-octal", "0");
    assert_int_equal(configIsSensitive("t-dstr"), 1);
    assert_int_equal(configIsSensitive("t-bool"), 0);
    assert_int_equal(tApplyCalls, 0); /* defaults are not "applied" */
}

static void testParseEveryType(void **state) {
    (void)state;
    registerTestDefs();
    assertLoads("t-bool NO\n"
                "t-int -42\n"
                "t-uint 4000000000\n"
                "t-long 2gb\n"
                "t-ulong 18446744073709551615\n"
                "t-size 99\n"
                "t-double 2.25\n"
                "t-string \"hello world\"\n"
                "t-dstr ''\n"
                "T-ENUM Blue\n"
                "t-flags a c\n"
                "t-percent 50%\n"
                "t-octal 750\n",
                NULL);
    assert_int_equal(tBool, 0);
    assert_int_equal(tInt, -42);
    assert_true(tUint == 4000000000u);
    assert_true(tLong == 2LL * 1024 * 1024 * 1024);
    assert_true(tUlong == ULLONG_MAX);
    assert_true(tSize == 99);
    assert_true(tDouble == 2.25);
    assert_string_equal(tString, "hello world");
    assert_string_equal(tDstr, "");
    assert_int_equal(tEnum, 3);
    assert_int_equal(tFlags, 5);
    assert_true(tPercent == -50);
    assert_int_equal(tOctal, 0750);
    assertValue("t-bool", "no");
    assertValue("t-ulong", "18446744073709551615");
    assertValue("t-enum", "blue");
    assertValue("t-flags", "a c");
    assertValue("t-percent", "50%");
    assertValue("t-octal", "750");
    assertValue("t-string", "hello world");
    /* Multi-valued enum from one quoted argument. */
    assertLoads("t-flags \"b c\"\n", NULL);
    assert_int_equal(tFlags, 6);
    /* Empty string means NULL for t-string. */
    assertLoads("t-string \"\"\n", NULL);
    assert_null(tString);
}

static void testUnits(void **state) {
    (void)state;
    registerTestDefs();
    static const struct {
        const char *text;
        long long bytes;
    } cases[] = {
        {"1gb", 1073741824LL}, {"1GB", 1073741824LL}, {"1g", 1000000000LL}, {"100mb", 104857600LL},
        {"100m", 100000000LL}, {"4kb", 4096},        {"4K", 4000},          {"123", 123},
        {"7b", 7},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        dstr line = dstrCatPrintf(dstrEmpty(), "t-long %s\n", cases[i].text);
        assertLoads(line, NULL);
        dstrFree(line);
        assert_true(tLong == cases[i].bytes);
    }
    assertLoadError("t-long 12xb\n", NULL, 1, "argument must be a memory value");
    assertLoadError("t-long -1\n", NULL, 1, "argument must be a memory value");
    assertLoadError("t-percent 10%%\n", NULL, 1, "argument must be a memory or percent value");
    assertLoadError("t-percent 101%\n", NULL, 1, "percentage argument must be less or equal to 100");
    assertSetOk("t-percent", "5mb");
    assertValue("t-percent", "5242880");
}

static void testNumberErrors(void **state) {
    (void)state;
    registerTestDefs();
    assertLoadError("t-int abc\n", NULL, 1, "argument couldn't be parsed into an integer");
    assertLoadError("t-int 1.5\n", NULL, 1, "argument couldn't be parsed into an integer");
    assertLoadError("t-int 102\n", NULL, 1, "argument must be between -100 and 100 inclusive");
    assertLoadError("t-int 7\n", NULL, 1, "must be even");
    assertLoadError("t-uint 0\n", NULL, 1, "argument must be between 1 and 4294967295 inclusive");
    assertLoadError("t-uint -1\n", NULL, 1, "argument must be between 1 and 4294967295 inclusive");
    assertLoadError("t-octal 1000\n", NULL, 1, "argument must be between 0 and 777 inclusive");
    assertLoadError("t-octal 9\n", NULL, 1, "argument couldn't be parsed as an octal number");
    assertLoadError("t-bool maybe\n", NULL, 1, "argument must be 'yes' or 'no'");
    assertLoadError("t-bool\n", NULL, 1, "wrong number of arguments");
    assertLoadError("t-bool yes no\n", NULL, 1, "wrong number of arguments");
    assertLoadError("t-enum purple\n", NULL, 1, "argument(s) must be one of the following: red, green, blue");
    assertLoadError("t-flags a x\n", NULL, 1, "argument(s) must be one of the following: none, a, b, c");
    assertLoadError("t-double abc\n", NULL, 1, "argument couldn't be parsed into a number");
    assertLoadError("t-double 11\n", NULL, 1, "argument must be between 0 and 10 inclusive");
    /* Nothing was changed by the failed lines. */
    assert_int_equal(tInt, 10);
    assert_int_equal(tBool, 1);
    assert_int_equal(tEnum, 2);
}

static void testAliases(void **state) {
    (void)state;
    registerTestDefs();
    assertLoads("t-old-bool no\n", NULL);
    assert_int_equal(tBool, 0);
    assertValue("t-old-bool", "no");
    assertSetOk("t-old-bool", "yes");
    assert_int_equal(tBool, 1);
    /* Catalog aliases, both ways. */
    assertLoads("slave-read-only no\nmasterauth pw1\nhash-max-ziplist-entries 100\n", NULL);
    assertValue("replica-read-only", "no");
    assertValue("slave-read-only", "no");
    assertValue("primaryauth", "pw1");
    assertValue("hash-max-listpack-entries", "100");
    assertLoads("replica-read-only yes\nprimaryauth pw2\nlist-max-listpack-size 5\n", NULL);
    assertValue("slave-read-only", "yes");
    assertValue("masterauth", "pw2");
    assertValue("list-max-ziplist-size", "5");
    assertLoads("slaveof 10.0.0.1 6380\n", NULL);
    assertValue("replicaof", "10.0.0.1 6380");
    assertValue("slaveof", "10.0.0.1 6380");
    assertLoads("replicaof no one\n", NULL);
    assertValue("replicaof", "");
    assert_ptr_equal(configLookup("min-slaves-to-write"), configLookup("MIN-REPLICAS-TO-WRITE"));
    assert_non_null(configLookup("masteruser"));
    assert_null(configLookup("no-such-thing"));
}

static void testInclude(void **state) {
    (void)state;
    registerTestDefs();
    writeFile("inner.conf", "t-int 20\nt-enum red\n");
    dstr mid = dstrCatPrintf(dstrEmpty(), "t-int 30\ninclude %s/inner.conf\nt-size 5\n", tmpdir);
    writeFile("mid.conf", mid);
    dstrFree(mid);
    dstr top = dstrCatPrintf(dstrEmpty(), "# top\nt-size 1\ninclude %s/mid.conf\nt-bool no\n", tmpdir);
    assertLoads(top, NULL);
    assert_int_equal(tInt, 20);  /* inner after mid's own line */
    assert_int_equal(tEnum, 1);
    assert_true(tSize == 5);     /* mid after top's earlier line */
    assert_int_equal(tBool, 0);
    dstrFree(top);

    /* Globs: every match in alphabetical order; no match is fine. */
    writeFile("frag-a.part", "t-int 40\n");
    writeFile("frag-b.part", "t-int 42\n");
    dstr glob = dstrCatPrintf(dstrEmpty(), "include %s/frag-*.part\ninclude %s/nothing-*.part\n", tmpdir, tmpdir);
    assertLoads(glob, NULL);
    assert_int_equal(tInt, 42);
    dstrFree(glob);

    /* An error inside an included file names that file and its line. */
    const char *bad = writeFile("bad.part", "t-int 2\n\nt-int x\n");
    dstr withBad = dstrCatPrintf(dstrEmpty(), "t-int 4\ninclude %s\n", bad);
    configError err;
    assert_int_equal(loadText(withBad, NULL, &err), -1);
    assert_int_equal(err.line, 3);
    assert_int_equal(err.included, 1);
    assert_string_equal(err.file, bad);
    assert_string_equal(err.text, "t-int x");
    dstr fatal = configFormatFatal(&err, "9.9");
    assert_non_null(strstr(fatal, "Reading the configuration file, at line 3 (in '"));
    dstrFree(fatal);
    configErrorFree(&err);
    dstrFree(withBad);

    /* A missing file, and a file including itself. */
    dstr missing = dstrCatPrintf(dstrEmpty(), "include %s/absent.conf\n", tmpdir);
    assert_int_equal(loadText(missing, NULL, &err), -1);
    assert_int_equal(err.line, 1);
    assert_non_null(strstr(err.reason, "Fatal error, can't open config file"));
    configErrorFree(&err);
    dstrFree(missing);
    dstr loop = dstrCatPrintf(dstrEmpty(), "include %s/loop.conf\n", tmpdir);
    writeFile("loop.conf", loop);
    assert_int_equal(loadText(loop, NULL, &err), -1);
    assert_non_null(strstr(err.reason, "Too many nested includes"));
    configErrorFree(&err);
    dstrFree(loop);
    assertLoadError("include\n", NULL, 1, "Bad directive or wrong number of arguments");
}

static void testQuotedArgs(void **state) {
    (void)state;
    registerTestDefs();
    assertLoads("  t-string   \"tab\\there \\x41\\\"q\"  \n", NULL);
    assert_string_equal(tString, "tab\there A\"q");
    assertLoads("t-string 'a b'\n", NULL);
    assert_string_equal(tString, "a b");
    assertLoadError("t-string 'it''s'\n", NULL, 1, "Unbalanced quotes in configuration line");
    assertLoads("t-string 'single \\' quote'\n", NULL);
    assert_string_equal(tString, "single ' quote");
    assertLoadError("\n\nt-string \"open\n", NULL, 3, "Unbalanced quotes in configuration line");
    /* CRLF line ends and comments. */
    assertLoads("# comment\r\n\r\nt-int 12\r\n   # indented comment\n", NULL);
    assert_int_equal(tInt, 12);
}

static void testUnknownDirective(void **state) {
    (void)state;
    registerTestDefs();
    configError err;
    assert_int_equal(loadText("# header\nport 7000\n\nmaxmemry 1gb\n", NULL, &err), -1);
    assert_int_equal(err.line, 4);
    assert_int_equal(err.included, 0);
    assert_string_equal(err.text, "maxmemry 1gb");
    assert_string_equal(err.reason, "Bad directive or wrong number of arguments");
    dstr fatal = configFormatFatal(&err, "8.0.1");
    assert_string_equal(fatal, "\n*** FATAL CONFIG FILE ERROR (Version 8.0.1) ***\n"
                               "Reading the configuration file, at line 4\n"
                               ">>> 'maxmemry 1gb'\n"
                               "Bad directive or wrong number of arguments\n");
    dstrFree(fatal);
    configErrorFree(&err);
    assertValue("port", "7000"); /* lines before the error took effect */

    /* A file that does not exist. */
    assert_int_equal(configLoad("/nonexistent/dir/x.conf", NULL, &err), -1);
    assert_int_equal(err.line, 0);
    assert_string_equal(err.reason,
                        "Fatal error, can't open config file '/nonexistent/dir/x.conf': No such file or directory");
    fatal = configFormatFatal(&err, "1");
    assert_string_equal(fatal, "\n*** FATAL CONFIG FILE ERROR (Version 1) ***\n"
                               "Fatal error, can't open config file '/nonexistent/dir/x.conf': No such file or "
                               "directory\n");
    dstrFree(fatal);
    configErrorFree(&err);
}

static void testBadValueReasons(void **state) {
    (void)state;
    assertLoadError("save 100\n", NULL, 1, "Invalid save parameters");
    assertLoadError("save 0 10\n", NULL, 1, "Invalid save parameters");
    assertLoadError("save 10 -1\n", NULL, 1, "Invalid save parameters");
    assertLoadError("save abc 1\n", NULL, 1, "Invalid save parameters");
    assertLoadError("appendonly maybe\n", NULL, 1, "argument must be 'yes' or 'no'");
    assertLoadError("databases many\n", NULL, 1, "argument couldn't be parsed into an integer");
    assertLoadError("port 70000\n", NULL, 1, "argument must be between 0 and 65535 inclusive");
    assertLoadError("maxmemory lots\n", NULL, 1, "argument must be a memory value");
    assertLoadError("maxmemory-policy random\n", NULL, 1,
                    "argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, "
                    "volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction");
    assertLoadError("client-output-buffer-limit normal 0 0\n", NULL, 1,
                    "Wrong number of arguments in buffer limit configuration.");
    assertLoadError("client-output-buffer-limit primary 0 0 0\n", NULL, 1,
                    "Invalid client class specified in buffer limit configuration.");
    assertLoadError("client-output-buffer-limit pubsub 1x 0 0\n", NULL, 1,
                    "Error in hard, soft or soft_seconds setting in buffer limit configuration.");
    assertLoadError("notify-keyspace-events KEq\n", NULL, 1, "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
    assertLoadError("oom-score-adj-values 0 200\n", NULL, 1, "wrong number of arguments");
    assertLoadError("oom-score-adj-values 0 200 3000\n", NULL, 1,
                    "Invalid oom-score-adj-values, elements must be between -2000 and 2000.");
    assertLoadError("replicaof host\n", NULL, 1, "wrong number of arguments");
    assertLoadError("replicaof host port\n", NULL, 1, "Invalid primary port");
    assertLoadError("latency-tracking-info-percentiles 50 x\n", NULL, 1,
                    "Invalid latency-tracking-info-percentiles parameters");
    assertLoadError("latency-tracking-info-percentiles 101\n", NULL, 1,
                    "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]");
    assertLoadError("dbfilename dir/dump.rdb\n", NULL, 1, "dbfilename can't be a path, just a filename");
    assertLoadError("dbfilename \"\"\n", NULL, 1, "dbfilename can't be empty");
    assertLoadError("cluster-config-file \"\"\n", NULL, 1, "cluster-config-file can't be empty");
    assertLoadError("shutdown-on-sigterm save nosave\n", NULL, 1,
                    "shutdown options SAVE and NOSAVE can't be used simultaneously");
    assertLoadError("rename-command CONFIG\n", NULL, 1, "Bad directive or wrong number of arguments");
    assertLoadError("lua-replicate-commands\n", NULL, 1, "Bad directive or wrong number of arguments");
    assertLoadError("dir \"\"\n", NULL, 1, "dir can't be empty");
    assertLoadError("dir /nonexistent/xyz\n", NULL, 1, "No such file or directory");
    dstr many = dstrNew("bind");
    for (int i = 0; i < 17; i++) many = dstrCatPrintf(many, " 10.0.0.%d", i);
    assertLoadError(many, NULL, 1, "Too many bind addresses specified.");
    dstrFree(many);
}

static void testSpecials(void **state) {
    (void)state;
    assertValue("save", "3600 1 300 100 60 10000");
    assertValue("client-output-buffer-limit",
                "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60");
    assertValue("bind", "127.0.0.1 -::1");
    assertValue("notify-keyspace-events", "");
    assertValue("oom-score-adj-values", "0 200 800");
    assertValue("latency-tracking-info-percentiles", "50 99 99.9");
    assertValue("replicaof", "");
    assertLoads("client-output-buffer-limit pubsub 64mb 16mb 90\n"
                "client-output-buffer-limit slave 1gb 512mb 0\n"
                "notify-keyspace-events Ex\n"
                "bind 0.0.0.0 ::\n"
                "oom-score-adj-values -100 0 1000\n"
                "latency-tracking-info-percentiles 99.99 50\n",
                NULL);
    assertValue("client-output-buffer-limit",
                "normal 0 0 0 slave 1073741824 536870912 0 pubsub 67108864 16777216 90");
    assertValue("notify-keyspace-events", "xE");
    assertValue("bind", "0.0.0.0 ::");
    assertValue("oom-score-adj-values", "-100 0 1000");
    assertValue("latency-tracking-info-percentiles", "99.99 50");
    assertSetOk("notify-keyspace-events", "KEA");
    assertValue("notify-keyspace-events", "AKE");
    assertSetOk("notify-keyspace-events", "gmnK$");
    assertValue("notify-keyspace-events", "g$nKm");
    assertSetOk("notify-keyspace-events", "AKEmn");
    assertValue("notify-keyspace-events", "AnKEm");
    assert_int_equal(configNotifyFlagsFromString("Ag$lshzxeKEtmdn"),
                     CONFIG_NOTIFY_ALL | CONFIG_NOTIFY_KEYSPACE | CONFIG_NOTIFY_KEYEVENT | CONFIG_NOTIFY_KEY_MISS |
                         CONFIG_NOTIFY_NEW);
    assertSetOk("bind", "");
    assertValue("bind", "");
    assertSetOk("client-output-buffer-limit", "normal 1mb 2mb 3");
    assertValue("client-output-buffer-limit",
                "normal 1048576 2097152 3 slave 1073741824 536870912 0 pubsub 67108864 16777216 90");
    assertLoads("user alice on >pw ~* +@all\nuser bob off\nloadmodule /x.so a b\nrename-command FLUSHALL \"\"\n",
                NULL);
    /* File-only directives are not parameters. */
    assert_null(configGetValue("user"));
    assertSetError("user", "x", "ERR Unknown option or number of arguments for CONFIG SET - 'user'");
    /* Deprecated ones are accepted and ignored. */
    assertLoads("list-max-ziplist-entries 512\nio-threads-do-reads yes\n", NULL);
    assert_null(configGetValue("io-threads-do-reads"));
}

static void testDir(void **state) {
    (void)state;
    dstr line = dstrCatPrintf(dstrEmpty(), "dir %s\n", tmpdir);
    assertLoads(line, NULL);
    dstrFree(line);
    char cwd[PATH_MAX], real[PATH_MAX];
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    assert_non_null(realpath(tmpdir, real));
    assert_string_equal(cwd, real);
    assertValue("dir", real);
    /* CONFIG GET dir is absolute; the loaded file stays reachable. */
    assert_int_equal(configGetFilename()[0], '/');
    /* Protected: refused unless enable-protected-configs allows it. */
    assertSetError("dir", "/", "ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config");
    assertSetError("dbfilename", "x.rdb",
                   "ERR CONFIG SET failed (possibly related to argument 'dbfilename') - can't set protected config");
}

static void testProtectedLocal(void **state) {
    (void)state;
    assertLoads("enable-protected-configs local\n", NULL);
    char *argv[] = {"dbfilename", "other.rdb"};
    dstr err = NULL;
    assert_int_equal(configSetMany(2, argv, 0, &err), -1);
    dstrFree(err);
    err = NULL;
    assert_int_equal(configSetMany(2, argv, 1, &err), 0);
    assertValue("dbfilename", "other.rdb");
}

static void testPlaceholdersUsed(void **state) {
    (void)state;
    registerTestDefs();
    size_t n;
    assertLoads("maxmemory-policy allkeys-lru\nsave 10 1\nt-int 2\nsave 20 2\nslave-read-only no\n"
                "io-threads-do-reads no\nuser x on\nuser y on\n",
                "save 30 3\nmaxmemory 1mb\n");
    const char *const *used = configPlaceholdersUsed(&n);
    assert_int_equal(n, 5);
    assert_string_equal(used[0], "maxmemory-policy");
    assert_string_equal(used[1], "save");
    assert_string_equal(used[2], "replica-read-only"); /* canonical name */
    assert_string_equal(used[3], "user");
    assert_string_equal(used[4], "maxmemory");
    /* A module's def replaces the placeholder: not reported any more. */
    static unsigned long long maxmemory;
    static const configDef mm[] = {
        CONFIG_ULONGLONG_DEF("maxmemory", NULL, CONFIG_MEMORY, maxmemory, 0, ULLONG_MAX, "0"),
    };
    configRegister(mm, 1);
    assertLoads("maxmemory 2mb\n", NULL);
    assert_true(maxmemory == 2 * 1024 * 1024);
    used = configPlaceholdersUsed(&n);
    assert_int_equal(n, 0);
    assert_ptr_equal(configLookup("maxmemory"), &mm[0]);
}

static void testSaveSemantics(void **state) {
    (void)state;
    assertLoads("save 900 1\nport 1\nsave 300 10 60 10000\n", NULL);
    assertValue("save", "900 1 300 10 60 10000");
    assertLoads("save 900 1\nsave \"\"\nsave 5 5\n", NULL);
    assertValue("save", "5 5");
    assertLoads("save 900 1\nsave\n", NULL);
    assertValue("save", "");
    assertLoads("port 1\n", NULL);
    assertValue("save", ""); /* a later load without save keeps the value */
    assertLoads("save \"100 1 200 2\"\n", NULL);
    assertValue("save", "100 1 200 2");
    /* Overrides replace what the file said. */
    assertLoads("save 900 1\nsave 300 10\n", "save 100 100\n");
    assertValue("save", "100 100");
    assertLoads("save 900 1\n", "save \"\"\n");
    assertValue("save", "");
    assertLoads("save 900 1\n", "save 1 1\nsave 2 2\n");
    assertValue("save", "1 1 2 2");
    /* CONFIG SET replaces. */
    assertSetOk("save", "10 20 30 40");
    assertValue("save", "10 20 30 40");
    assertSetOk("save", "");
    assertValue("save", "");
    assertSetError("save", "10", "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters");
}

static dstr overridesOf(int argc, char **argv, int *fileIndex) { return configBuildOverrides(argc, argv, fileIndex); }

static void testBuildOverrides(void **state) {
    (void)state;
    int idx;
    char *a1[] = {"tessera-server", "/etc/t.conf", "--port", "7000", "--save", "", "--save", "100", "100"};
    dstr o = overridesOf(9, a1, &idx);
    assert_int_equal(idx, 1);
    assert_string_equal(o, "port \"7000\" \nsave \"\" \nsave \"100\" \"100\" ");
    dstrFree(o);

    char *a2[] = {"tessera-server", "--maxmemory 700mb", "--port", "6380"};
    o = overridesOf(4, a2, &idx);
    assert_int_equal(idx, -1);
    assert_string_equal(o, "maxmemory 700mb \nport \"6380\" ");
    dstrFree(o);

    char *a3[] = {"tessera-server", "--save", "--port", "1"};
    o = overridesOf(4, a3, &idx);
    assert_string_equal(o, "save \"\"\nport \"1\" ");
    dstrFree(o);

    char *a4[] = {"tessera-server", "--port", "1", "--save"};
    o = overridesOf(4, a4, &idx);
    assert_string_equal(o, "port \"1\" \nsave \"\"");
    dstrFree(o);

    /* After a bare name, a value starting with "--" is still its value. */
    char *a5[] = {"tessera-server", "--logfile", "--weird", "--loglevel", "debug"};
    o = overridesOf(5, a5, &idx);
    assert_string_equal(o, "logfile \"--weird\" \nloglevel \"debug\" ");
    dstrFree(o);

    /* Values with spaces and quotes survive the round trip. */
    char *a6[] = {"tessera-server", "--requirepass", "a \"b\" c", "--bind", "127.0.0.1", "::1"};
    o = overridesOf(6, a6, &idx);
    assertLoads(NULL, o);
    dstrFree(o);
    assertValue("requirepass", "a \"b\" c");
    assertValue("bind", "127.0.0.1 ::1");

    char *a7[] = {"tessera-server"};
    o = overridesOf(1, a7, &idx);
    assert_int_equal(idx, -1);
    assert_string_equal(o, "");
    dstrFree(o);
}

static void testOverridesLoad(void **state) {
    (void)state;
    char *argv[] = {"tessera-server", "x.conf", "--port", "7000", "--maxmemory 700mb", "--save", "", "--appendonly",
                    "yes"};
    int idx;
    dstr o = configBuildOverrides(9, argv, &idx);
    assertLoads("port 6000\nsave 10 10\n", o);
    dstrFree(o);
    assertValue("port", "7000");
    assertValue("maxmemory", "734003200");
    assertValue("save", "");
    assertValue("appendonly", "yes");
    /* Line numbers continue after the file, as in Valkey. */
    assertLoadError("port 1\nport 2\n", "port 3\nport x\n", 5, "argument couldn't be parsed into an integer");
    assertLoadError("port 1\nport 2", "port x\n", 3, "argument couldn't be parsed into an integer");
    assertLoadError(NULL, "port x\n", 2, "argument couldn't be parsed into an integer");
    configError err;
    assert_int_equal(loadText(NULL, "nosuch 1\n", &err), -1);
    assert_string_equal(err.file, "(command line)");
    configErrorFree(&err);
}

static void testConfigGetGlobs(void **state) {
    (void)state;
    size_t n;
    char *p1[] = {"maxmemory"};
    dstr *pairs = configGetPairs(1, p1, &n);
    assert_int_equal(n, 1);
    assert_string_equal(pairs[0], "maxmemory");
    assert_string_equal(pairs[1], "0");
    configFreePairs(pairs, n);

    char *p2[] = {"MAXMEMORY*"};
    pairs = configGetPairs(1, p2, &n);
    int sawPolicy = 0, sawClients = 0;
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(strncmp(pairs[2 * i], "maxmemory", 9), 0);
        sawPolicy |= !strcmp(pairs[2 * i], "maxmemory-policy") && !strcmp(pairs[2 * i + 1], "noeviction");
        sawClients |= !strcmp(pairs[2 * i], "maxmemory-clients");
    }
    assert_true(sawPolicy && sawClients);
    assert_int_equal(n, 5); /* maxmemory, -policy, -samples, -eviction-tenacity, -clients */
    configFreePairs(pairs, n);

    /* An alias matches under its own name; both names match a wide glob. */
    char *p3[] = {"slave-read-*"};
    pairs = configGetPairs(1, p3, &n);
    assert_int_equal(n, 1);
    assert_string_equal(pairs[0], "slave-read-only");
    assert_string_equal(pairs[1], "yes");
    configFreePairs(pairs, n);
    char *p4[] = {"*read-only"};
    pairs = configGetPairs(1, p4, &n);
    assert_int_equal(n, 2);
    configFreePairs(pairs, n);

    /* Several patterns, overlapping: each parameter once. */
    char *p5[] = {"port", "po*", "PORT", "nope"};
    pairs = configGetPairs(4, p5, &n);
    assert_int_equal(n, 1);
    configFreePairs(pairs, n);

    /* Hidden parameters need their exact name; file-only never show. */
    char *p6[] = {"*"};
    pairs = configGetPairs(1, p6, &n);
    int sawHidden = 0, sawUser = 0, sawSave = 0;
    for (size_t i = 0; i < n; i++) {
        sawHidden |= !strcmp(pairs[2 * i], "key-load-delay");
        sawUser |= !strcmp(pairs[2 * i], "user");
        sawSave |= !strcmp(pairs[2 * i], "save");
    }
    assert_false(sawHidden);
    assert_false(sawUser);
    assert_true(sawSave);
    assert_true(n > 200);
    configFreePairs(pairs, n);
    char *p7[] = {"key-load-delay"};
    pairs = configGetPairs(1, p7, &n);
    assert_int_equal(n, 1);
    configFreePairs(pairs, n);
    char *p8[] = {"[a-c]*-incremental-fsync", "?z"};
    pairs = configGetPairs(2, p8, &n);
    assert_int_equal(n, 2); /* aof-rewrite-..., hz */
    configFreePairs(pairs, n);
}

static void testConfigGetDefaults(void **state) {
    (void)state;
    static const char *expected[][2] = {
        {"maxmemory", "0"},
        {"port", "6379"},
        {"appendfsync", "everysec"},
        {"appendonly", "no"},
        {"repl-backlog-size", "1048576"},
        {"client-query-buffer-limit", "1073741824"},
        {"proto-max-bulk-len", "536870912"},
        {"lazyfree-lazy-user-flush", "yes"},
        {"unixsocketperm", "0"},
        {"requirepass", ""},
        {"logfile", ""},
        {"loglevel", "notice"},
        {"shutdown-on-sigterm", "default"},
        {"oom-score-adj", "no"},
        {"list-max-listpack-size", "-2"},
        {"slowlog-log-slower-than", "10000"},
        {"dbfilename", "dump.rdb"},
        {"proc-title-template", "{title} {listen-addr} {server-mode}"},
        {"maxmemory-clients", "0"},
        {"hz", "10"},
        {"databases", "16"},
        {"io-threads", "1"},
        {"cluster-config-file", "nodes.conf"},
        {"syslog-facility", "local0"},
    };
    for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) assertValue(expected[i][0], expected[i][1]);
    assertSetOk("maxmemory-clients", "10%");
    assertValue("maxmemory-clients", "10%");
    assertSetOk("shutdown-on-sigint", "nosave now");
    assertValue("shutdown-on-sigint", "nosave now");
    assertSetOk("oom-score-adj", "relative");
    assertValue("oom-score-adj", "yes"); /* yes and relative are one value; the first name wins */
}

static void testConfigSetMulti(void **state) {
    (void)state;
    registerTestDefs();
    dstr err = setMany("t-int", "20", "t-enum", "red", "maxmemory", "1gb", "T-BOOL", "no", NULL);
    assert_null(err);
    assert_int_equal(tInt, 20);
    assert_int_equal(tEnum, 1);
    assert_int_equal(tBool, 0);
    assertValue("maxmemory", "1073741824");
    assert_int_equal(tApplyCalls, 1);
    assert_int_equal(tApplySeen, 20);

    /* Unchanged value: no apply. */
    assertSetOk("t-int", "20");
    assert_int_equal(tApplyCalls, 1);

    /* Immutable, unknown, duplicate, odd count. */
    assertSetError("t-octal", "700",
                   "ERR CONFIG SET failed (possibly related to argument 't-octal') - can't set immutable config");
    assertSetError("daemonize", "yes",
                   "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config");
    assertSetError("maxmemry", "1", "ERR Unknown option or number of arguments for CONFIG SET - 'maxmemry'");
    err = setMany("t-int", "2", "t-int", "4", NULL);
    assert_string_equal(err, "ERR CONFIG SET failed (possibly related to argument 't-int') - duplicate parameter");
    dstrFree(err);
    err = setMany("t-old-bool", "yes", "t-bool", "no", NULL);
    assert_string_equal(err, "ERR CONFIG SET failed (possibly related to argument 't-bool') - duplicate parameter");
    dstrFree(err);
    err = setMany("t-int", NULL);
    assert_string_equal(err, "ERR syntax error");
    dstrFree(err);
    assert_int_equal(tInt, 20);

    /* A bad value in the middle rolls back the ones set before it. */
    err = setMany("t-enum", "blue", "maxmemory", "2gb", "t-int", "abc", "t-size", "1", NULL);
    assert_string_equal(err, "ERR CONFIG SET failed (possibly related to argument 't-int') - argument couldn't be "
                             "parsed into an integer");
    dstrFree(err);
    assert_int_equal(tEnum, 1);
    assertValue("maxmemory", "1073741824");
    assert_true(tSize == 512);
    assert_int_equal(tApplyCalls, 1);

    /* A failing apply rolls every value back and applies the old ones. */
    tApplyFail = 1;
    err = setMany("t-enum", "green", "t-int", "40", "t-string", "x", NULL);
    assert_string_equal(err, "ERR CONFIG SET failed (possibly related to argument 't-int') - apply refused");
    dstrFree(err);
    assert_int_equal(tEnum, 1);
    assert_int_equal(tInt, 20);
    assert_null(tString);
    assert_int_equal(tApplyCalls, 3); /* the failing apply, then the re-apply of the old value */
    assert_int_equal(tApplySeen, 20);
    tApplyFail = 0;

    /* Two defs sharing one apply callback: it runs once. */
    tApplyCalls = 0;
    assert_null(setMany("t-int", "44", "t-int2", "5", NULL));
    assert_int_equal(tApplyCalls, 1);

    /* The error names the spelling the client used. */
    assertSetError("t-old-bool", "perhaps",
                   "ERR CONFIG SET failed (possibly related to argument 't-old-bool') - argument must be 'yes' or 'no'");
    /* Sensitive string via alias, and an empty value. */
    assertSetOk("masterauth", "s3cret");
    assertValue("primaryauth", "s3cret");
    assert_int_equal(configIsSensitive("masterauth"), 1);
    assertSetOk("primaryauth", "");
    assertValue("masterauth", "");
}

static const char *loadingText;
static const char *loadingHook(void) { return loadingText; }

static void testDenyLoading(void **state) {
    (void)state;
    configLoadingHook = loadingHook;
    loadingText = "LOADING Valkey is loading the dataset in memory";
    assertSetError("appendonly", "yes", "LOADING Valkey is loading the dataset in memory");
    assertSetOk("maxmemory", "1mb");
    loadingText = NULL;
    assertSetOk("appendonly", "yes");
    configLoadingHook = NULL;
}

static void testRewrite(void **state) {
    (void)state;
    registerTestDefs();
    const char *path = writeFile("rw.conf", "# My config\n"
                                            "\n"
                                            "port 7000\n"
                                            "# memory\n"
                                            "   maxmemory 100mb\n"
                                            "slave-read-only no\n"
                                            "save 900 1\n"
                                            "save 300 10\n"
                                            "rename-command KEYS \"\"\n"
                                            "t-int 12\n"
                                            "# trailing comment\n");
    configError err;
    assert_int_equal(configLoad(path, NULL, &err), 0);
    assertSetOk("maxmemory", "2gb");
    assertSetOk("replica-read-only", "yes");
    assertSetOk("save", "60 1000");
    assertSetOk("t-int", "10");  /* back to its default: the line stays, rewritten */
    assertSetOk("t-enum", "blue"); /* new: appended */
    dstr e = NULL;
    assert_int_equal(configRewrite(&e), 0);
    dstr after = readWhole(path);
    const char *expected = "# My config\n"
                           "\n"
                           "port 7000\n"
                           "# memory\n"
                           "maxmemory 2gb\n"
                           "replica-read-only yes\n"
                           "save 60 1000\n"
                           "rename-command KEYS \"\"\n"
                           "t-int 10\n"
                           "# trailing comment\n"
                           "# Generated by CONFIG REWRITE\n"
                           "dir \""; /* dir is always written; its value is the cwd */
    if (strncmp(after, expected, strlen(expected))) fail_msg("rewritten file:\n%s", after);
    assert_non_null(strstr(after, "\"\nt-enum blue\n"));
    dstrFree(after);
}

/* The exact-text test above stops at dir (its value is the cwd): check the
 * rest of the appended part separately. */
static void testRewriteAppended(void **state) {
    (void)state;
    registerTestDefs();
    const char *path = writeFile("ap.conf", "port 7000\n");
    configError err;
    assert_int_equal(configLoad(path, NULL, &err), 0);
    assertSetOk("t-enum", "blue");
    assertSetOk("t-string", "a \"b\"");
    assertSetOk("client-output-buffer-limit", "pubsub 64mb 16mb 120");
    assertSetOk("notify-keyspace-events", "Ex");
    assertSetOk("maxmemory-clients", "5%");
    dstr e = NULL;
    assert_int_equal(configRewrite(&e), 0);
    dstr text = readWhole(path);
    char real[PATH_MAX];
    assert_non_null(getcwd(real, sizeof(real)));
    dstr expected = dstrCatPrintf(dstrEmpty(),
                                  "port 7000\n"
                                  "# Generated by CONFIG REWRITE\n"
                                  "dir \"%s\"\n"
                                  "notify-keyspace-events \"xE\"\n"
                                  "client-output-buffer-limit normal 0 0 0\n"
                                  "client-output-buffer-limit replica 256mb 64mb 60\n"
                                  "client-output-buffer-limit pubsub 64mb 16mb 120\n"
                                  "maxmemory-clients 5%%\n"
                                  "t-string \"a \\\"b\\\"\"\n"
                                  "t-enum blue\n",
                                  real);
    assert_string_equal(text, expected);
    dstrFree(expected);
    dstrFree(text);

    /* A second rewrite changes nothing, and adds no second signature. */
    assert_int_equal(configRewrite(&e), 0);
    dstr again = readWhole(path);
    assert_int_equal(strstr(strstr(again, "# Generated") + 1, "# Generated") == NULL, 1);
    dstr before = readWhole(path);
    assert_string_equal(before, again);
    dstrFree(before);
    dstrFree(again);

    /* The rewritten file loads back to the same values. */
    configReset();
    registerTestDefs();
    assert_int_equal(configLoad(path, NULL, &err), 0);
    assertValue("t-string", "a \"b\"");
    assertValue("t-enum", "blue");
    assertValue("maxmemory-clients", "5%");
    assertValue("client-output-buffer-limit",
                "normal 0 0 0 slave 268435456 67108864 60 pubsub 67108864 16777216 120");

    /* Settings back at default whose lines exist stay; NULL strings vanish. */
    assertSetOk("t-string", "");
    assertSetOk("notify-keyspace-events", "");
    assert_int_equal(configRewrite(&e), 0);
    dstr last = readWhole(path);
    assert_null(strstr(last, "t-string"));
    assert_non_null(strstr(last, "notify-keyspace-events \"\"\n"));
    dstrFree(last);
}

static void testRewriteAtomic(void **state) {
    (void)state;
    const char *path = writeFile("atomic.conf", "port 7000\n");
    configError err;
    assert_int_equal(configLoad(path, NULL, &err), 0);
    struct stat st1, st2;
    assert_int_equal(stat(path, &st1), 0);
    assertSetOk("maxmemory", "1mb");
    dstr e = NULL;
    assert_int_equal(configRewrite(&e), 0);
    assert_int_equal(stat(path, &st2), 0);
    assert_true(st1.st_ino != st2.st_ino); /* replaced by rename, not rewritten in place */
    assert_int_equal(st2.st_mode & 0777, 0644 & ~(unsigned)umask(022));
    umask(022);
    /* No temporary file left behind. */
    DIR *d = opendir(tmpdir);
    struct dirent *de;
    int files = 0;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.') continue;
        files++;
        assert_null(strstr(de->d_name, ".conf."));
    }
    closedir(d);
    assert_int_equal(files, 1);

    /* Failure: the directory is not writable for a temp file. */
    configReset();
    assert_int_equal(configLoad("/proc/version", NULL, &err), -1);
    configErrorFree(&err);
    configReset();
    e = NULL;
    assert_int_equal(configRewrite(&e), -1);
    assert_string_equal(e, "ERR The server is running without a config file");
    dstrFree(e);
}

static dstr srcPath(const char *rel) {
    const char *src = getenv("TESSERA_SRC_DIR");
    return dstrCatPrintf(dstrEmpty(), "%s/%s", src ? src : CONFIG_TEST_SRCDIR, rel);
}

static void testSampleConfig(void **state) {
    (void)state;
    dstr path = srcPath("tessera.conf");
    configError err;
    int rc = configLoad(path, NULL, &err);
    if (rc) fail_msg("tessera.conf line %d: %s", err.line, err.reason);
    assertValue("bind", "127.0.0.1 -::1");
    assertValue("save", "3600 1 300 100 60 10000");
    dstrFree(path);
    assert_int_equal(chdir(startDir), 0);
}

/* Loads the Valkey 8 file; every parameter must still be at its default. */
static void testValkeyDefaults(void **state) {
    (void)state;
    dstr path = srcPath("tests/unit/data/valkey8-defaults.conf");
    configError err;
    int rc = configLoad(path, NULL, &err);
    if (rc) fail_msg("valkey8-defaults.conf line %d: %s ('%s')", err.line, err.reason, err.text);
    size_t checked = 0;
    for (size_t i = 0; i < configEntryCount(); i++) {
        configEntry *e = configEntryAt(i);
        if (!e->defaultRendered) continue;
        dstr v = configGetValue(e->def->name);
        if (strcmp(v, e->defaultRendered))
            fail_msg("%s is '%s' after loading, default is '%s'", e->def->name, v, e->defaultRendered);
        dstrFree(v);
        checked++;
    }
    assert_true(checked > 200);
    /* Every parameter of the catalog appears in the file, under some name. */
    dstr text = readWhole(path);
    for (size_t i = 0; i < configEntryCount(); i++) {
        const configDef *def = configEntryAt(i)->def;
        if (def->flags & (CONFIG_HIDDEN | CONFIG_FILE_ONLY | CONFIG_DEPRECATED)) continue;
        if (def->flags & CONFIG_PLACEHOLDER && strstr(def->name, "commandlog")) continue; /* 8.1 names */
        dstr needle = dstrCatPrintf(dstrEmpty(), "\n%s ", def->name);
        int found = strstr(text, needle) != NULL;
        if (!found && !strcmp(def->name, "import-mode")) found = 1;  /* 8.1 */
        if (!found && !strcmp(def->name, "log-format")) found = 1;   /* 8.1 */
        if (!found && !strcmp(def->name, "log-timestamp-format")) found = 1;
        if (!found && !strcmp(def->name, "active-defrag-cycle-us")) found = 1;
        if (!found && !strcmp(def->name, "cluster-blacklist-ttl")) found = 1;
        if (!found) fail_msg("%s is missing from valkey8-defaults.conf", def->name);
        dstrFree(needle);
    }
    dstrFree(text);
    dstrFree(path);
    assert_int_equal(chdir(startDir), 0);
}

/* Rendering parses back: setting every parameter to its own CONFIG GET value
 * changes nothing (the property CONFIG SET's rollback relies on). */
static void testRenderingRoundTrips(void **state) {
    (void)state;
    registerTestDefs();
    assertLoads("save 10 1 20 2\nclient-output-buffer-limit replica 1gb 1mb 5\nbind 1.2.3.4\n"
                "maxmemory-clients 3%\nshutdown-on-sigint nosave force\nnotify-keyspace-events AKEmn\n"
                "t-flags a b c\nt-percent 7%\n",
                NULL);
    for (size_t i = 0; i < configEntryCount(); i++) {
        const configDef *def = configEntryAt(i)->def;
        if (def->flags & (CONFIG_FILE_ONLY | CONFIG_DEPRECATED | CONFIG_IMMUTABLE | CONFIG_PROTECTED)) continue;
        dstr before = configGetValue(def->name);
        dstr reason = NULL;
        if (!configValueSetString(def, before, &reason)) fail_msg("%s: '%s' does not parse back: %s", def->name, before, reason);
        dstr after = configGetValue(def->name);
        if (strcmp(before, after)) fail_msg("%s: '%s' became '%s'", def->name, before, after);
        dstrFree(before);
        dstrFree(after);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(testDefaultsApplied, setup, teardown),
        cmocka_unit_test_setup_teardown(testParseEveryType, setup, teardown),
        cmocka_unit_test_setup_teardown(testUnits, setup, teardown),
        cmocka_unit_test_setup_teardown(testNumberErrors, setup, teardown),
        cmocka_unit_test_setup_teardown(testAliases, setup, teardown),
        cmocka_unit_test_setup_teardown(testInclude, setup, teardown),
        cmocka_unit_test_setup_teardown(testQuotedArgs, setup, teardown),
        cmocka_unit_test_setup_teardown(testUnknownDirective, setup, teardown),
        cmocka_unit_test_setup_teardown(testBadValueReasons, setup, teardown),
        cmocka_unit_test_setup_teardown(testSpecials, setup, teardown),
        cmocka_unit_test_setup_teardown(testDir, setup, teardown),
        cmocka_unit_test_setup_teardown(testProtectedLocal, setup, teardown),
        cmocka_unit_test_setup_teardown(testPlaceholdersUsed, setup, teardown),
        cmocka_unit_test_setup_teardown(testSaveSemantics, setup, teardown),
        cmocka_unit_test_setup_teardown(testBuildOverrides, setup, teardown),
        cmocka_unit_test_setup_teardown(testOverridesLoad, setup, teardown),
        cmocka_unit_test_setup_teardown(testConfigGetGlobs, setup, teardown),
        cmocka_unit_test_setup_teardown(testConfigGetDefaults, setup, teardown),
        cmocka_unit_test_setup_teardown(testConfigSetMulti, setup, teardown),
        cmocka_unit_test_setup_teardown(testDenyLoading, setup, teardown),
        cmocka_unit_test_setup_teardown(testRewrite, setup, teardown),
        cmocka_unit_test_setup_teardown(testRewriteAppended, setup, teardown),
        cmocka_unit_test_setup_teardown(testRewriteAtomic, setup, teardown),
        cmocka_unit_test_setup_teardown(testSampleConfig, setup, teardown),
        cmocka_unit_test_setup_teardown(testValkeyDefaults, setup, teardown),
        cmocka_unit_test_setup_teardown(testRenderingRoundTrips, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
