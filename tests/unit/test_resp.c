/* test_resp.c — the RESP codec: request parser (valid input, every error,
 * pipelining, incremental feeding, compaction, arena reuse, argument sizes),
 * reply reader (every RESP2/RESP3 type, nesting, partial input, limits) and
 * a randomized encode/parse round trip.
 *
 * Most checks compare "transcripts": the sequence of commands (or the error)
 * a parser produced for some input, written as text.  The same input fed
 * whole, byte by byte and in random chunks (with random buffer compaction)
 * must give the same transcript. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/base/dstr.h"
#include "node/base/mem.h"
#include "node/net/resp.h"

/* --- Helpers --- */

static uint64_t rngState = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void) {
    rngState ^= rngState << 13;
    rngState ^= rngState >> 7;
    rngState ^= rngState << 17;
    return rngState;
}

static size_t rngBelow(size_t n) { return n ? (size_t)(rng() % n) : 0; }

/* Appends the command in r->argc/argv to t as "[n] len:bytes len:bytes\n". */
static dstr appendCommand(dstr t, const respRequest *r) {
    t = dstrCatPrintf(t, "[%d]", r->argc);
    for (int i = 0; i < r->argc; i++) {
        size_t len = dstrLen(r->argv[i]);
        assert_int_equal(r->argv[i][len], '\0');
        t = dstrCatPrintf(t, " %zu:", len);
        t = dstrCatRepr(t, r->argv[i], len);
    }
    return dstrCat(t, "\n");
}

/* A client's read loop: the bytes arrive in chunks of the given sizes
 * (a size of 0 means "the rest"); after each chunk every complete command is
 * parsed.  With `compact`, the consumed prefix of the buffer is dropped at
 * random moments, the way a client compacts its query buffer.  Returns the
 * transcript; *calls counts parser calls. */
static dstr runClient(const char *in, size_t inLen, const size_t *chunks, size_t nchunks,
                      const respLimits *limits, int compact, size_t *calls) {
    respRequest r;
    respRequestInit(&r);
    char *qb = memAlloc(inLen + 1);
    size_t qlen = 0, pos = 0, fed = 0, ci = 0;
    dstr t = dstrEmpty();
    int failed = 0;
    if (calls) *calls = 0;
    while (fed < inLen && !failed) {
        size_t n = ci < nchunks && chunks[ci] ? chunks[ci] : inLen - fed;
        ci++;
        if (n > inLen - fed) n = inLen - fed;
        memcpy(qb + qlen, in + fed, n);
        qlen += n;
        fed += n;
        for (;;) {
            size_t next = 0;
            const char *err = NULL;
            if (calls) (*calls)++;
            int rc = respParseRequest(&r, qb, qlen, pos, limits, &next, &err);
            if (rc == RESP_PARSE_ERROR) {
                t = dstrCatPrintf(t, "ERR %s\n", err);
                failed = 1;
                break;
            }
            if (rc == RESP_PARSE_MORE) break;
            assert_true(next > pos && next <= qlen);
            t = appendCommand(t, &r);
            respRequestReset(&r);
            pos = next;
        }
        if (compact && pos > 0 && rngBelow(2)) {
            memmove(qb, qb + pos, qlen - pos);
            qlen -= pos;
            respRequestShift(&r, pos);
            pos = 0;
        }
    }
    if (!failed && (r.kind != RESP_REQ_UNKNOWN || pos < qlen)) t = dstrCat(t, "MORE\n");
    respRequestFree(&r);
    memFree(qb);
    return t;
}

static dstr parseWhole(const char *in, size_t len, const respLimits *limits) {
    return runClient(in, len, NULL, 0, limits, 0, NULL);
}

static dstr parseByteByByte(const char *in, size_t len, const respLimits *limits, int compact) {
    size_t *ones = memAlloc(sizeof(size_t) * (len + 1));
    for (size_t i = 0; i <= len; i++) ones[i] = 1;
    dstr t = runClient(in, len, ones, len + 1, limits, compact, NULL);
    memFree(ones);
    return t;
}

static dstr parseRandomChunks(const char *in, size_t len, const respLimits *limits, size_t maxChunk) {
    size_t n = len + 1, *sizes = memAlloc(sizeof(size_t) * n);
    for (size_t i = 0; i < n; i++) sizes[i] = 1 + rngBelow(maxChunk);
    dstr t = runClient(in, len, sizes, n, limits, 1, NULL);
    memFree(sizes);
    return t;
}

/* Parses `in` whole, byte by byte (with and without compaction) and in random
 * chunks, checks all agree, and checks the result against `expect`. */
static void expectTranscript(const char *in, size_t len, const respLimits *limits, const char *expect) {
    dstr whole = parseWhole(in, len, limits);
    if (strcmp(whole, expect) != 0) {
        dstr shown = dstrCatRepr(dstrEmpty(), in, len < 200 ? len : 200);
        print_error("input %s\n got: %s\nwant: %s\n", shown, whole, expect);
        dstrFree(shown);
    }
    assert_string_equal(whole, expect);
    dstr bytes = parseByteByByte(in, len, limits, 0);
    assert_string_equal(bytes, whole);
    dstr bytesCompact = parseByteByByte(in, len, limits, 1);
    assert_string_equal(bytesCompact, whole);
    dstr chunks = parseRandomChunks(in, len, limits, 7);
    assert_string_equal(chunks, whole);
    dstrFree(whole);
    dstrFree(bytes);
    dstrFree(bytesCompact);
    dstrFree(chunks);
}

#define EXPECT(in, want) expectTranscript((in), sizeof(in) - 1, NULL, (want))

/* --- Request parser: valid input --- */

static void test_multibulk_valid(void **state) {
    (void)state;
    EXPECT("*1\r\n$4\r\nPING\r\n", "[1] 4:\"PING\"\n");
    EXPECT("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", "[2] 3:\"GET\" 1:\"k\"\n");
    EXPECT("*3\r\n$3\r\nSET\r\n$0\r\n\r\n$0\r\n\r\n", "[3] 3:\"SET\" 0:\"\" 0:\"\"\n");
    /* Binary bytes, NUL and CRLF inside a bulk are data. */
    EXPECT("*2\r\n$3\r\na\0b\r\n$4\r\n\r\n\r\n\r\n", "[2] 3:\"a\\x00b\" 4:\"\\r\\n\\r\\n\"\n");
    EXPECT("*1\r\n$2\r\n\xff\x80\r\n", "[1] 2:\"\\xff\\x80\"\n");
    /* Like Valkey, the two bytes after a bulk or a count line are skipped unchecked. */
    EXPECT("*1\rX$1\r\nA??", "[1] 1:\"A\"\n");
    /* Counts <= 0 are empty commands. */
    EXPECT("*0\r\n", "[0]\n");
    EXPECT("*-1\r\n", "[0]\n");
    EXPECT("*-5\r\n*1\r\n$1\r\nx\r\n", "[0]\n[1] 1:\"x\"\n");
    /* Incomplete input is not an error. */
    EXPECT("*2\r\n$3\r\nGET\r\n$1\r\nk", "MORE\n");
    EXPECT("*2\r\n$3\r\nGET\r\n$1\r\nk\r", "MORE\n");
    EXPECT("*2\r\n$3\r\nGET\r\n$1\r", "MORE\n");
    EXPECT("*2\r", "MORE\n");
}

static void test_inline_valid(void **state) {
    (void)state;
    EXPECT("PING\r\n", "[1] 4:\"PING\"\n");
    EXPECT("PING\n", "[1] 4:\"PING\"\n");
    EXPECT("set  key   value\r\n", "[3] 3:\"set\" 3:\"key\" 5:\"value\"\n");
    EXPECT("set \"a b\" 'c d'\r\n", "[3] 3:\"set\" 3:\"a b\" 3:\"c d\"\n");
    EXPECT("x \"\\x41\\x4a\\n\\r\\t\\b\\a\\\\\\\"\\q\"\n",
           "[2] 1:\"x\" 10:\"AJ\\n\\r\\t\\b\\a\\\\\\\"q\"\n");
    EXPECT("x 'it\\'s' '\\n'\n", "[3] 1:\"x\" 4:\"it's\" 2:\"\\\\n\"\n");
    EXPECT("x \"\" ''\n", "[3] 1:\"x\" 0:\"\" 0:\"\"\n");
    EXPECT("x \"\\x4\"\n", "[2] 1:\"x\" 2:\"x4\"\n");
    EXPECT("ab\"cd\" ef\n", "[2] 4:\"abcd\" 2:\"ef\"\n");
    EXPECT("a\tb\vc\fd\n", "[4] 1:\"a\" 1:\"b\" 1:\"c\" 1:\"d\"\n");
    EXPECT("a\rb\r\n", "[2] 1:\"a\" 1:\"b\"\n");
    /* Empty lines are empty commands; a NUL ends the line. */
    EXPECT("\r\n", "[0]\n");
    EXPECT("\n", "[0]\n");
    EXPECT("   \t \r\n", "[0]\n");
    EXPECT("get a\0b c\n", "[2] 3:\"get\" 1:\"a\"\n");
    EXPECT("PING", "MORE\n");
    EXPECT("PING\r", "MORE\n");
}

static void test_pipeline(void **state) {
    (void)state;
    EXPECT("*1\r\n$4\r\nPING\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n\r\n*0\r\nGET x\n",
           "[1] 4:\"PING\"\n[1] 4:\"PING\"\n[2] 4:\"ECHO\" 2:\"hi\"\n[0]\n[0]\n[2] 3:\"GET\" 1:\"x\"\n");
    EXPECT("*1\r\n$1\r\na\r\n*1\r\n$1\r\nb", "[1] 1:\"a\"\nMORE\n");

    /* *next points right after each command. */
    const char buf[] = "*1\r\n$1\r\na\r\nPING\r\n*0\r\n";
    respRequest r;
    respRequestInit(&r);
    size_t next, pos = 0;
    const char *err;
    const size_t ends[] = {11, 17, 21};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(respParseRequest(&r, buf, sizeof(buf) - 1, pos, NULL, &next, &err), RESP_PARSE_DONE);
        assert_int_equal(next, ends[i]);
        pos = next;
        /* No reset: the next parse drops the old argv by itself. */
    }
    assert_int_equal(respParseRequest(&r, buf, sizeof(buf) - 1, pos, NULL, &next, &err), RESP_PARSE_MORE);
    assert_int_equal(r.argc, 0);
    respRequestFree(&r);
}

/* --- Request parser: errors --- */

static void test_errors(void **state) {
    (void)state;
    const char *mb = "ERR Protocol error: invalid multibulk length\n";
    EXPECT("*abc\r\n", mb);
    EXPECT("*\r\n", mb);
    EXPECT("*01\r\n", mb);
    EXPECT("*+1\r\n", mb);
    EXPECT("* 1\r\n", mb);
    EXPECT("*1 \r\n", mb);
    EXPECT("*-0\r\n", mb);
    EXPECT("*2147483648\r\n", mb);
    EXPECT("*99999999999999999999\r\n", mb);
    EXPECT("*1\0\r\n", mb);
    EXPECT("*2147483647\r\n", "MORE\n");

    const char *bl = "ERR Protocol error: invalid bulk length\n";
    EXPECT("*1\r\n$-1\r\n", bl);
    EXPECT("*1\r\n$\r\n", bl);
    EXPECT("*1\r\n$x\r\n", bl);
    EXPECT("*1\r\n$01\r\n", bl);
    EXPECT("*1\r\n$-0\r\n", bl);
    EXPECT("*1\r\n$99999999999999999999\r\n", bl);
    EXPECT("*2\r\n$1\r\na\r\n$5x\r\n", bl);

    EXPECT("*1\r\nfoo\r\n", "ERR Protocol error: expected '$', got 'f'\n");
    EXPECT("*2\r\n$1\r\na\r\n:1\r\n", "ERR Protocol error: expected '$', got ':'\n");
    EXPECT("*1\r\n\r\n", "ERR Protocol error: expected '$', got ' '\n");
    /* "b\r" is skipped as the bulk's terminator; the next header starts at "\n". */
    EXPECT("*1\r\n$1\r\nab\r\n", "[1] 1:\"a\"\n[0]\n");
    EXPECT("*2\r\n$1\r\nab\r\n$1\r\nc\r\n", "ERR Protocol error: expected '$', got ' '\n");

    const char *uq = "ERR Protocol error: unbalanced quotes in request\n";
    EXPECT("set \"a\n", uq);
    EXPECT("set 'a\r\n", uq);
    EXPECT("set \"a\"b\n", uq);
    EXPECT("set 'a'b\n", uq);
    EXPECT("ab\"cd\"ef\n", uq);
    EXPECT("set \"a\\\"\n", uq);
    EXPECT("set \"a\0\"\n", uq);
    EXPECT("PING\nset \"x\n", "[1] 4:\"PING\"\nERR Protocol error: unbalanced quotes in request\n");

    /* Limits. */
    respLimits small = {.maxBulkLen = 10, .maxMultibulk = 3};
    expectTranscript("*3\r\n", 4, &small, "MORE\n");
    expectTranscript("*4\r\n", 4, &small, mb);
    expectTranscript("*1\r\n$10\r\n", 9, &small, "MORE\n");
    expectTranscript("*1\r\n$11\r\n", 9, &small, bl);
}

/* Lines without their terminator longer than RESP_INLINE_MAX. */
static void test_too_big_lines(void **state) {
    (void)state;
    size_t n = RESP_INLINE_MAX + 16;
    char *buf = memAlloc(n);
    dstr t;

    memset(buf, 'a', n);
    t = parseWhole(buf, RESP_INLINE_MAX, NULL);
    assert_string_equal(t, "MORE\n");
    dstrFree(t);
    t = parseWhole(buf, RESP_INLINE_MAX + 1, NULL);
    assert_string_equal(t, "ERR Protocol error: too big inline request\n");
    dstrFree(t);
    t = parseRandomChunks(buf, n, NULL, 5000);
    assert_string_equal(t, "ERR Protocol error: too big inline request\n");
    dstrFree(t);
    /* A long line whose newline is there is accepted. */
    buf[n - 1] = '\n';
    t = parseWhole(buf, n, NULL);
    assert_memory_equal(t, "[1] 65551:", 10);
    dstrFree(t);

    memset(buf, '1', n);
    buf[0] = '*';
    t = parseWhole(buf, RESP_INLINE_MAX, NULL);
    assert_string_equal(t, "MORE\n");
    dstrFree(t);
    t = parseRandomChunks(buf, n, NULL, 5000);
    assert_string_equal(t, "ERR Protocol error: too big mbulk count string\n");
    dstrFree(t);

    memcpy(buf, "*1\r\n$", 5);
    t = parseWhole(buf, RESP_INLINE_MAX + 4, NULL);
    assert_string_equal(t, "MORE\n");
    dstrFree(t);
    t = parseRandomChunks(buf, n, NULL, 5000);
    assert_string_equal(t, "ERR Protocol error: too big bulk count string\n");
    dstrFree(t);
    /* Garbage without any '\r' reports the line length, as Valkey does. */
    memset(buf + 4, 'x', n - 4);
    t = parseWhole(buf, n, NULL);
    assert_string_equal(t, "ERR Protocol error: too big bulk count string\n");
    dstrFree(t);
    memFree(buf);
}

/* --- Request parser: incremental behaviour --- */

/* A 1 MB bulk arriving in small pieces: one call per piece, the scan
 * position stays at the start of the bulk (nothing is rescanned) and
 * respRequestBytesWanted counts down exactly. */
static void test_big_bulk_chunks(void **state) {
    (void)state;
    const size_t big = 1024 * 1024, chunk = 16;
    dstr in = dstrNew("*2\r\n$3\r\nSET\r\n$1048576\r\n");
    size_t header = dstrLen(in);
    in = dstrGrowZero(in, header + big);
    for (size_t i = 0; i < big; i++) in[header + i] = (char)('a' + i % 26);
    in = dstrCat(in, "\r\n");
    size_t total = dstrLen(in);

    respRequest r;
    respRequestInit(&r);
    size_t next, calls = 0, len = header;
    const char *err;
    assert_int_equal(respParseRequest(&r, in, len, 0, NULL, &next, &err), RESP_PARSE_MORE);
    assert_int_equal(r.scanPos, header);
    assert_int_equal(r.bulkLen, big);
    assert_int_equal(respRequestBytesWanted(&r), big + 2);
    int rc = RESP_PARSE_MORE;
    while (len < total) {
        len += len + chunk <= total ? chunk : total - len;
        calls++;
        rc = respParseRequest(&r, in, len, 0, NULL, &next, &err);
        if (rc != RESP_PARSE_MORE) break;
        assert_int_equal(r.scanPos, header);
        assert_int_equal(r.lineScan, header);
        assert_int_equal(respRequestBytesWanted(&r), total - len);
    }
    assert_int_equal(rc, RESP_PARSE_DONE);
    assert_int_equal(calls, (big + 2 + chunk - 1) / chunk);
    assert_int_equal(next, total);
    assert_int_equal(r.argc, 2);
    assert_int_equal(dstrLen(r.argv[1]), big);
    assert_memory_equal(r.argv[1], in + header, big);
    assert_int_equal(r.bigCount, 1);
    assert_ptr_equal(r.bigArgs[0], r.argv[1]);
    /* The arena holds only the small argument. */
    assert_true(r.argv[0] >= r.arena && r.argv[0] < r.arena + r.arenaCap);
    assert_true(r.arenaCap < 1024);
    respRequestReset(&r);
    assert_int_equal(r.bigCount, 0);
    assert_int_equal(r.argc, 0);
    respRequestFree(&r);
    dstrFree(in);
}

/* A count line fed byte by byte is scanned once: lineScan only advances. */
static void test_line_scan_resumes(void **state) {
    (void)state;
    respRequest r;
    respRequestInit(&r);
    char buf[64];
    size_t next;
    const char *err;
    memcpy(buf, "*1\r\n$12345", 10);
    size_t prev = 0;
    for (size_t len = 5; len <= 10; len++) {
        assert_int_equal(respParseRequest(&r, buf, len, 0, NULL, &next, &err), RESP_PARSE_MORE);
        assert_true(r.lineScan >= prev);
        assert_int_equal(r.lineScan, len);
        prev = r.lineScan;
    }
    respRequestFree(&r);
}

static void test_shift(void **state) {
    (void)state;
    /* Two commands; the first completes, the buffer is compacted while the
     * second (three arguments) is half received. */
    const char in[] = "*1\r\n$4\r\nPING\r\n*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n";
    char buf[sizeof(in)];
    respRequest r;
    respRequestInit(&r);
    size_t next, len = 40;
    const char *err;
    memcpy(buf, in, sizeof(in));
    assert_int_equal(respParseRequest(&r, buf, len, 0, NULL, &next, &err), RESP_PARSE_DONE);
    assert_int_equal(next, 14);
    respRequestReset(&r);
    assert_int_equal(respParseRequest(&r, buf, len, next, NULL, &next, &err), RESP_PARSE_MORE);
    assert_int_equal(r.cmdStart, 14);
    assert_int_equal(r.argCount, 2);
    size_t scanBefore = r.scanPos;
    /* Compact: drop the first command. */
    memmove(buf, buf + 14, sizeof(in) - 14);
    respRequestShift(&r, 14);
    assert_int_equal(r.cmdStart, 0);
    assert_int_equal(r.scanPos, scanBefore - 14);
    assert_int_equal(r.argOff[0], 8);
    assert_int_equal(r.argOff[1], 17);
    assert_int_equal(respRequestBytesWanted(&r), 5 + 2 - (40 - 14 - r.scanPos));
    assert_int_equal(respParseRequest(&r, buf, sizeof(in) - 1 - 14, 0, NULL, &next, &err),
                     RESP_PARSE_DONE);
    assert_int_equal(next, sizeof(in) - 1 - 14);
    assert_int_equal(r.argc, 3);
    assert_string_equal(r.argv[0], "SET");
    assert_string_equal(r.argv[1], "key");
    assert_string_equal(r.argv[2], "value");
    respRequestFree(&r);
}

/* --- Request parser: argv and memory --- */

static void test_arena_reuse(void **state) {
    (void)state;
    const char cmd[] = "*3\r\n$3\r\nSET\r\n$5\r\nkey:1\r\n$40\r\n0123456789012345678901234567890123456789\r\n";
    respRequest r;
    respRequestInit(&r);
    size_t next;
    const char *err;
    assert_int_equal(respParseRequest(&r, cmd, sizeof(cmd) - 1, 0, NULL, &next, &err), RESP_PARSE_DONE);
    char *arena = r.arena;
    dstr *argv = r.argv;
    size_t arenaCap = r.arenaCap, *argOff = r.argOff;
    respRequestReset(&r);
    for (int i = 0; i < 100; i++) {
        assert_int_equal(respParseRequest(&r, cmd, sizeof(cmd) - 1, 0, NULL, &next, &err), RESP_PARSE_DONE);
        assert_ptr_equal(r.arena, arena);
        assert_ptr_equal(r.argv, argv);
        assert_ptr_equal(r.argOff, argOff);
        assert_int_equal(r.arenaCap, arenaCap);
        assert_int_equal(r.bigCount, 0);
        assert_string_equal(r.argv[1], "key:1");
        /* Arguments sit back to back in the arena. */
        assert_ptr_equal(r.argv[0], r.arena + 1);
        assert_ptr_equal(r.argv[1], r.arena + 1 + 4 + 1);
        assert_ptr_equal(r.argv[2], r.arena + 1 + 4 + 1 + 6 + 3);
        respRequestReset(&r);
    }

    /* A command with ~100 KB of small arguments grows the arena; reset gives
     * the excess back. */
    dstr big = dstrNew("*100\r\n");
    for (int i = 0; i < 100; i++) {
        big = dstrCat(big, "$1000\r\n");
        big = dstrGrowZero(big, dstrLen(big) + 1000);
        big = dstrCat(big, "\r\n");
    }
    assert_int_equal(respParseRequest(&r, big, dstrLen(big), 0, NULL, &next, &err), RESP_PARSE_DONE);
    assert_int_equal(r.argc, 100);
    assert_true(r.arenaCap >= 100 * 1004);
    respRequestReset(&r);
    assert_int_equal(r.arenaCap, 0);
    assert_null(r.arena);
    assert_int_equal(respParseRequest(&r, cmd, sizeof(cmd) - 1, 0, NULL, &next, &err), RESP_PARSE_DONE);
    assert_true(r.arenaCap < 1024);
    dstrFree(big);
    respRequestFree(&r);
}

static int typeForLen(size_t len) {
    if (len < 32) return DSTR_T5;
    if (len < 256) return DSTR_T8;
    if (len < 65536) return DSTR_T16;
    return DSTR_T32;
}

static void checkArg(const respRequest *r, int i, size_t len, char fill) {
    dstr s = r->argv[i];
    assert_int_equal(dstrLen(s), len);
    assert_int_equal(dstrAvail(s), len > RESP_BIG_ARG ? dstrAvail(s) : 0);
    assert_int_equal(s[len], '\0');
    for (size_t j = 0; j < len; j++)
        if (s[j] != fill) fail_msg("arg %d byte %zu", i, j);
    int inArena = s > r->arena && s < r->arena + r->arenaCap;
    assert_int_equal(inArena, len <= RESP_BIG_ARG);
    if (inArena) assert_int_equal(s[-1] & DSTR_TYPE_MASK, typeForLen(len));
}

static void test_arg_sizes(void **state) {
    (void)state;
    const size_t sizes[] = {0, 1, 31, 32, 33, 255, 256, 257, RESP_BIG_ARG - 1, RESP_BIG_ARG,
                            RESP_BIG_ARG + 1, 65535, 65536, 65537};
    const int n = sizeof(sizes) / sizeof(sizes[0]);
    dstr in = dstrCatPrintf(dstrEmpty(), "*%d\r\n", n);
    for (int i = 0; i < n; i++) {
        in = dstrCatPrintf(in, "$%zu\r\n", sizes[i]);
        size_t at = dstrLen(in);
        in = dstrGrowZero(in, at + sizes[i]);
        memset(in + at, 'a' + i, sizes[i]);
        in = dstrCat(in, "\r\n");
    }
    respRequest r;
    respRequestInit(&r);
    size_t next;
    const char *err;
    assert_int_equal(respParseRequest(&r, in, dstrLen(in), 0, NULL, &next, &err), RESP_PARSE_DONE);
    assert_int_equal(r.argc, n);
    for (int i = 0; i < n; i++) checkArg(&r, i, sizes[i], (char)('a' + i));
    assert_int_equal(r.bigCount, 4);
    /* Taking an argument: small ones are copied, big ones handed over. */
    dstr small = respRequestTakeArg(&r, 3);
    assert_ptr_not_equal(small, r.argv[3]);
    assert_int_equal(dstrLen(small), 32);
    assert_memory_equal(small, r.argv[3], 32);
    dstr taken = respRequestTakeArg(&r, n - 1);
    assert_ptr_equal(taken, r.argv[n - 1]);
    assert_int_equal(r.bigCount, 3);
    respRequestReset(&r);
    assert_int_equal(dstrLen(taken), 65537);
    taken = dstrCat(taken, "!"); /* owned: may grow */
    assert_int_equal(dstrLen(taken), 65538);
    dstrFree(taken);
    dstrFree(small);

    /* The same sizes as inline tokens (decoded into place). */
    dstr line = dstrEmpty();
    for (int i = 0; i < n; i++) {
        size_t at = dstrLen(line);
        if (sizes[i] == 0) {
            line = dstrCat(line, "'' ");
            continue;
        }
        line = dstrGrowZero(line, at + sizes[i]);
        memset(line + at, 'a' + i, sizes[i]);
        line = dstrCat(line, " ");
    }
    line = dstrCat(line, "\r\n");
    assert_int_equal(respParseRequest(&r, line, dstrLen(line), 0, NULL, &next, &err), RESP_PARSE_DONE);
    assert_int_equal(r.argc, n);
    for (int i = 0; i < n; i++) checkArg(&r, i, sizes[i], (char)('a' + i));
    respRequestFree(&r);
    dstrFree(in);
    dstrFree(line);
}

/* --- Encoder and randomized round trip --- */

static void test_encode(void **state) {
    (void)state;
    const char *argv[] = {"SET", "k", "a\0b"};
    const size_t lens[] = {3, 1, 3};
    dstr s = respEncodeCommand(NULL, 3, argv, lens);
    assert_int_equal(dstrLen(s), 29);
    assert_memory_equal(s, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\na\0b\r\n", 29);
    s = respEncodeCommand(s, 1, argv, NULL);
    assert_memory_equal(s + 29, "*1\r\n$3\r\nSET\r\n", 13);
    dstrFree(s);
}

static size_t randomArgLen(void) {
    switch (rngBelow(10)) {
    case 0: return 0;
    case 1: return 25 + rngBelow(15);                    /* around 31/32 */
    case 2: return 250 + rngBelow(10);                   /* around 255/256 */
    case 3: return RESP_BIG_ARG - 2 + rngBelow(5);       /* around the big-arg boundary */
    case 4: return rngBelow(100000);
    default: return rngBelow(20);
    }
}

static void test_random_roundtrip(void **state) {
    (void)state;
    rngState = 12345;
    for (int round = 0; round < 40; round++) {
        dstr stream = dstrEmpty(), expect = dstrEmpty();
        int cmds = 1 + (int)rngBelow(6);
        for (int c = 0; c < cmds; c++) {
            int argc = 1 + (int)rngBelow(12);
            char **argv = memAlloc(sizeof(char *) * (size_t)argc);
            size_t *lens = memAlloc(sizeof(size_t) * (size_t)argc);
            expect = dstrCatPrintf(expect, "[%d]", argc);
            for (int i = 0; i < argc; i++) {
                lens[i] = randomArgLen();
                argv[i] = memAlloc(lens[i] + 1);
                for (size_t j = 0; j < lens[i]; j++) argv[i][j] = (char)rng();
                expect = dstrCatPrintf(expect, " %zu:", lens[i]);
                expect = dstrCatRepr(expect, argv[i], lens[i]);
            }
            expect = dstrCat(expect, "\n");
            stream = respEncodeCommand(stream, argc, (const char **)argv, lens);
            for (int i = 0; i < argc; i++) memFree(argv[i]);
            memFree(argv);
            memFree(lens);
        }
        dstr whole = parseWhole(stream, dstrLen(stream), NULL);
        assert_string_equal(whole, expect);
        dstr chunks = parseRandomChunks(stream, dstrLen(stream), NULL, 1 + rngBelow(5000));
        assert_string_equal(chunks, expect);
        dstrFree(whole);
        dstrFree(chunks);
        dstrFree(stream);
        dstrFree(expect);
    }
}

/* --- Reply reader --- */

/* Writes v as text: type letter, payload, nested elements in brackets. */
static dstr showValue(dstr s, const respValue *v) {
    switch (v->type) {
    case RESP_T_STRING: s = dstrCat(s, "$"); return dstrCatRepr(s, v->str, v->len);
    case RESP_T_STATUS: return dstrCatPrintf(s, "+%s", v->str);
    case RESP_T_ERROR: return dstrCatPrintf(s, "-%s", v->str);
    case RESP_T_BLOBERROR: s = dstrCat(s, "!"); return dstrCatRepr(s, v->str, v->len);
    case RESP_T_INTEGER: return dstrCatPrintf(s, ":%lld", v->integer);
    case RESP_T_NIL: return dstrCat(s, "nil");
    case RESP_T_DOUBLE: return dstrCatPrintf(s, ",%g(%s)", v->dval, v->str);
    case RESP_T_BOOL: return dstrCatPrintf(s, "#%lld", v->integer);
    case RESP_T_BIGNUM: return dstrCatPrintf(s, "(%s", v->str);
    case RESP_T_VERB: s = dstrCatPrintf(s, "=%s:", v->verbFormat); return dstrCatRepr(s, v->str, v->len);
    default: break;
    }
    const char *open = v->type == RESP_T_ARRAY ? "*[" : v->type == RESP_T_MAP ? "%[" :
                       v->type == RESP_T_SET ? "~[" : v->type == RESP_T_ATTR ? "|[" : ">[";
    s = dstrCat(s, open);
    for (size_t i = 0; i < v->elements; i++) {
        if (i) s = dstrCat(s, " ");
        s = showValue(s, v->element[i]);
    }
    return dstrCat(s, "]");
}

/* Feeds `in` in pieces of `step` bytes (0: whole), collecting every reply;
 * ends with "ERR <msg>" on an error or "MORE" if input is left over. */
static dstr readReplies(const char *in, size_t len, size_t step) {
    respReader *r = respReaderCreate();
    dstr t = dstrEmpty();
    size_t fed = 0;
    int rc = 0;
    do {
        size_t n = step && step < len - fed ? step : len - fed;
        respReaderFeed(r, in + fed, n);
        fed += n;
        respValue *v;
        while ((rc = respReaderGet(r, &v)) == 1) {
            t = showValue(t, v);
            t = dstrCat(t, "\n");
            respValueFree(v);
        }
        if (rc < 0) {
            assert_null(v);
            t = dstrCatPrintf(t, "ERR %s\n", respReaderError(r));
            break;
        }
    } while (fed < len);
    respReaderFree(r);
    return t;
}

static void expectReplies(const char *in, size_t len, const char *want) {
    dstr whole = readReplies(in, len, 0);
    if (strcmp(whole, want) != 0) print_error("got: %s\nwant: %s\n", whole, want);
    assert_string_equal(whole, want);
    for (size_t step = 1; step <= 3; step++) {
        dstr parts = readReplies(in, len, step);
        assert_string_equal(parts, whole);
        dstrFree(parts);
    }
    dstrFree(whole);
}

#define REPLIES(in, want) expectReplies((in), sizeof(in) - 1, (want))

static void test_reader_resp2(void **state) {
    (void)state;
    REPLIES("+OK\r\n", "+OK\n");
    REPLIES("-ERR bad thing\r\n", "-ERR bad thing\n");
    REPLIES(":0\r\n:-42\r\n:9223372036854775807\r\n", ":0\n:-42\n:9223372036854775807\n");
    REPLIES("$5\r\nhello\r\n$0\r\n\r\n$-1\r\n", "$\"hello\"\n$\"\"\nnil\n");
    REPLIES("$4\r\na\r\nb\r\n", "$\"a\\r\\nb\"\n");
    REPLIES("*-1\r\n*0\r\n", "nil\n*[]\n");
    REPLIES("*3\r\n:1\r\n$1\r\nx\r\n*2\r\n+a\r\n$-1\r\n", "*[:1 $\"x\" *[+a nil]]\n");
    REPLIES("+a\rb\r\n", "+a\rb\n"); /* a lone CR is part of a simple string */
}

static void test_reader_resp3(void **state) {
    (void)state;
    REPLIES("_\r\n", "nil\n");
    REPLIES("#t\r\n#f\r\n", "#1\n#0\n");
    REPLIES(",1.5\r\n,-0.25\r\n,10\r\n", ",1.5(1.5)\n,-0.25(-0.25)\n,10(10)\n");
    REPLIES(",inf\r\n,-inf\r\n,nan\r\n", ",inf(inf)\n,-inf(-inf)\n,nan(nan)\n");
    REPLIES("(3492890328409238509324850943850943825024385\r\n",
            "(3492890328409238509324850943850943825024385\n");
    REPLIES("(-1\r\n", "(-1\n");
    REPLIES("=15\r\ntxt:Some string\r\n", "=txt:\"Some string\"\n");
    REPLIES("=4\r\nmkd:\r\n", "=mkd:\"\"\n");
    REPLIES("!21\r\nSYNTAX invalid syntax\r\n", "!\"SYNTAX invalid syntax\"\n");
    REPLIES("%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n", "%[+first :1 +second :2]\n");
    REPLIES("~3\r\n+a\r\n+b\r\n+c\r\n", "~[+a +b +c]\n");
    REPLIES(">3\r\n+message\r\n+chan\r\n$2\r\nhi\r\n", ">[+message +chan $\"hi\"]\n");
    REPLIES("|1\r\n+key-popularity\r\n%1\r\n$1\r\na\r\n,0.19\r\n*1\r\n:2\r\n",
            "|[+key-popularity %[$\"a\" ,0.19(0.19)]]\n*[:2]\n");
    REPLIES("%0\r\n~0\r\n>0\r\n", "%[]\n~[]\n>[]\n");
    REPLIES("*2\r\n%1\r\n+k\r\n~2\r\n#t\r\n_\r\n*1\r\n*1\r\n*0\r\n",
            "*[%[+k ~[#1 nil]] *[*[*[]]]]\n");
}

static void test_reader_errors(void **state) {
    (void)state;
    REPLIES("@foo\r\n", "ERR Protocol error, got '@' as reply type byte\n");
    REPLIES("+OK\r\nx", "+OK\nERR Protocol error, got 'x' as reply type byte\n");
    REPLIES(":12a\r\n", "ERR Protocol error: bad integer\n");
    REPLIES(":\r\n", "ERR Protocol error: bad integer\n");
    REPLIES("#x\r\n", "ERR Protocol error: bad bool\n");
    REPLIES("_x\r\n", "ERR Protocol error: bad null\n");
    REPLIES(",abc\r\n", "ERR Protocol error: bad double\n");
    REPLIES(",\r\n", "ERR Protocol error: bad double\n");
    REPLIES(", 1\r\n", "ERR Protocol error: bad double\n");
    REPLIES("(12x\r\n", "ERR Protocol error: bad big number\n");
    REPLIES("$-2\r\n", "ERR Protocol error: bad bulk length\n");
    REPLIES("$536870913\r\n", "ERR Protocol error: bad bulk length\n");
    REPLIES("$x\r\n", "ERR Protocol error: bad bulk length\n");
    REPLIES("!-1\r\n", "ERR Protocol error: bad bulk length\n");
    REPLIES("$3\r\nabcd\r\n", "ERR Protocol error: bad bulk terminator\n");
    REPLIES("=3\r\ntxt\r\n", "ERR Protocol error: bad verbatim string\n");
    REPLIES("=5\r\ntxt-x\r\n", "ERR Protocol error: bad verbatim string\n");
    REPLIES("*-2\r\n", "ERR Protocol error: bad aggregate length\n");
    REPLIES("%-1\r\n", "ERR Protocol error: bad aggregate length\n");
    REPLIES("*4294967296\r\n", "ERR Protocol error: bad aggregate length\n");
    /* A huge announced count is accepted and costs nothing until elements come. */
    REPLIES("*4294967295\r\n:1\r\n", "");
    /* An error inside a partly built aggregate frees it (checked by ASan). */
    REPLIES("*3\r\n*2\r\n:1\r\n$1\r\nx\r\n?\r\n", "ERR Protocol error, got '?' as reply type byte\n");
}

static void test_reader_depth(void **state) {
    (void)state;
    dstr in = dstrEmpty();
    for (int i = 0; i < 64; i++) in = dstrCat(in, "*1\r\n");
    in = dstrCat(in, ":7\r\n");
    dstr t = readReplies(in, dstrLen(in), 0);
    assert_memory_equal(t, "*[*[*[", 6);
    assert_non_null(strstr(t, ":7]]]"));
    dstrFree(t);

    dstrClear(in);
    for (int i = 0; i < 65; i++) in = dstrCat(in, "*1\r\n");
    in = dstrCat(in, ":7\r\n");
    t = readReplies(in, dstrLen(in), 1);
    assert_string_equal(t, "ERR Protocol error: aggregates nested deeper than 64\n");
    dstrFree(t);
    /* Deep nesting of empty aggregates needs no stack. */
    dstrClear(in);
    for (int i = 0; i < 100000; i++) in = dstrCat(in, "*0\r\n");
    t = readReplies(in, dstrLen(in), 0);
    assert_int_equal(dstrLen(t), 100000 * 4);
    dstrFree(t);
    dstrFree(in);
}

/* After an error the reader stays failed. */
static void test_reader_sticky_error(void **state) {
    (void)state;
    respReader *r = respReaderCreate();
    respValue *v;
    assert_null(respReaderError(r));
    respReaderFeed(r, "?\r\n+OK\r\n", 8);
    assert_int_equal(respReaderGet(r, &v), -1);
    assert_non_null(respReaderError(r));
    respReaderFeed(r, "+OK\r\n", 5);
    assert_int_equal(respReaderGet(r, &v), -1);
    respReaderFree(r);
}

/* Many small replies and some big bulks fed in random pieces, so the
 * reader's buffer holds a partial reply while it compacts itself. */
static void test_reader_stream(void **state) {
    (void)state;
    rngState = 777;
    const size_t big = 100000;
    dstr in = dstrEmpty();
    int replies = 0;
    for (int i = 0; i < 5000; i++, replies++) {
        if (i % 500 == 7) {
            in = dstrCatPrintf(in, "$%zu\r\n", big);
            size_t at = dstrLen(in);
            in = dstrGrowZero(in, at + big);
            memset(in + at, 'a' + i % 26, big);
            in = dstrCat(in, "\r\n");
        } else {
            in = dstrCatPrintf(in, "*2\r\n:%d\r\n+x\r\n", i);
        }
    }
    respReader *r = respReaderCreate();
    respValue *v;
    int got = 0;
    for (size_t off = 0; off < dstrLen(in);) {
        size_t n = 1 + rngBelow(3000);
        if (n > dstrLen(in) - off) n = dstrLen(in) - off;
        respReaderFeed(r, in + off, n);
        off += n;
        int rc;
        while ((rc = respReaderGet(r, &v)) == 1) {
            if (got % 500 == 7) {
                assert_int_equal(v->type, RESP_T_STRING);
                assert_int_equal(v->len, big);
                assert_int_equal(v->str[0], 'a' + got % 26);
                assert_int_equal(v->str[big - 1], 'a' + got % 26);
            } else {
                assert_int_equal(v->type, RESP_T_ARRAY);
                assert_int_equal(v->elements, 2);
                assert_int_equal(v->element[0]->integer, got);
                assert_string_equal(v->element[1]->str, "x");
            }
            got++;
            respValueFree(v);
        }
        assert_int_equal(rc, 0);
    }
    assert_int_equal(got, replies);
    respReaderFree(r);
    dstrFree(in);
}

/* A reply bigger than the reader keeps around, then small ones. */
static void test_reader_big_then_small(void **state) {
    (void)state;
    const size_t big = 3 * 1024 * 1024;
    dstr in = dstrCatPrintf(dstrEmpty(), "$%zu\r\n", big);
    size_t at = dstrLen(in);
    in = dstrGrowZero(in, at + big);
    in = dstrCat(in, "\r\n");
    respReader *r = respReaderCreate();
    respValue *v;
    respReaderFeed(r, in, dstrLen(in));
    assert_int_equal(respReaderGet(r, &v), 1);
    assert_int_equal(v->len, big);
    respValueFree(v);
    assert_int_equal(respReaderGet(r, &v), 0);
    respReaderFeed(r, ":5\r\n:6", 6);
    assert_int_equal(respReaderGet(r, &v), 1);
    assert_int_equal(v->integer, 5);
    respValueFree(v);
    assert_int_equal(respReaderGet(r, &v), 0);
    respReaderFeed(r, "\r\n", 2);
    assert_int_equal(respReaderGet(r, &v), 1);
    assert_int_equal(v->integer, 6);
    respValueFree(v);
    respReaderFree(r);
    dstrFree(in);
}

/* respPeekArg finds an argument of the next complete command without
 * parsing it, and declines anything incomplete, inline or too long. */
static void test_peek_arg(void **state) {
    (void)state;
    const char *buf = "*2\r\n$3\r\nGET\r\n$5\r\nkey:1\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n";
    size_t len = strlen(buf), end;
    const char *arg;
    size_t arglen;
    assert_int_equal(respPeekArg(buf, len, 0, 1, &arg, &arglen, &end), 1);
    assert_int_equal(arglen, 5);
    assert_memory_equal(arg, "key:1", 5);
    assert_int_equal(end, 24);
    assert_int_equal(respPeekArg(buf, len, end, 1, &arg, &arglen, &end), 1);
    assert_memory_equal(arg, "k", 1);
    assert_int_equal(end, len);
    assert_int_equal(respPeekArg(buf, len, 0, 2, &arg, &arglen, &end), 0);   /* no such argument */
    for (size_t cut = 0; cut < 24; cut++)                                     /* incomplete */
        assert_int_equal(respPeekArg(buf, cut, 0, 1, &arg, &arglen, &end), 0);
    assert_int_equal(respPeekArg("GET k\r\n", 7, 0, 1, &arg, &arglen, &end), 0); /* inline */
    assert_int_equal(respPeekArg("*2\r\n$-1\r\n", 10, 0, 1, &arg, &arglen, &end), 0);
    assert_int_equal(respPeekArg("*2\r\n$99999999999999999999\r\n", 29, 0, 1, &arg, &arglen, &end), 0);
    char big[1024];
    int n = snprintf(big, sizeof(big), "*%d\r\n", RESP_PEEK_MAX_ARGS + 1);
    for (int i = 0; i <= RESP_PEEK_MAX_ARGS; i++) n += snprintf(big + n, sizeof(big) - (size_t)n, "$1\r\na\r\n");
    assert_int_equal(respPeekArg(big, (size_t)n, 0, 1, &arg, &arglen, &end), 0); /* too many args */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_peek_arg),
        cmocka_unit_test(test_multibulk_valid),
        cmocka_unit_test(test_inline_valid),
        cmocka_unit_test(test_pipeline),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_too_big_lines),
        cmocka_unit_test(test_big_bulk_chunks),
        cmocka_unit_test(test_line_scan_resumes),
        cmocka_unit_test(test_shift),
        cmocka_unit_test(test_arena_reuse),
        cmocka_unit_test(test_arg_sizes),
        cmocka_unit_test(test_encode),
        cmocka_unit_test(test_random_roundtrip),
        cmocka_unit_test(test_reader_resp2),
        cmocka_unit_test(test_reader_resp3),
        cmocka_unit_test(test_reader_errors),
        cmocka_unit_test(test_reader_depth),
        cmocka_unit_test(test_reader_sticky_error),
        cmocka_unit_test(test_reader_stream),
        cmocka_unit_test(test_reader_big_then_small),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
