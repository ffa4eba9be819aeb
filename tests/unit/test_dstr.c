/* test_dstr.c — dynamic strings: every function of dstr.h, growth through
 * the header kinds (T8 -> T16 -> T32) with content preserved, dstrRange
 * edge cases, dstrSplitArgs quoting rules, dstrCatRepr, embedded strings,
 * and a randomized comparison of append/range/trim against a plain buffer
 * model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "node/base/dstr.h"
#include "node/base/mem.h"
#include "node/base/rand.h"

static int typeOf(const dstr s) { return (unsigned char)s[-1] & DSTR_TYPE_MASK; }

/* Invariants every string must satisfy. */
static void checkInvariants(const dstr s) {
    assert_int_equal(s[dstrLen(s)], '\0');
    assert_true(dstrAllocSize(s) >= dstrLen(s) + dstrAvail(s) + 1);
}

static void testNewAndBasics(void **state) {
    (void)state;
    dstr s = dstrNew("hello");
    assert_int_equal(dstrLen(s), 5);
    assert_string_equal(s, "hello");
    assert_int_equal(typeOf(s), DSTR_T8);
    checkInvariants(s);
    dstrFree(s);

    s = dstrNewLen("a\0b", 3);
    assert_int_equal(dstrLen(s), 3);
    assert_memory_equal(s, "a\0b", 4);
    dstrFree(s);

    s = dstrNewLen(NULL, 10); /* zero-filled */
    assert_int_equal(dstrLen(s), 10);
    for (int i = 0; i < 10; i++) assert_int_equal(s[i], 0);
    dstrFree(s);

    s = dstrEmpty();
    assert_int_equal(dstrLen(s), 0);
    assert_string_equal(s, "");
    dstrFree(s);
    s = dstrNew(NULL);
    assert_int_equal(dstrLen(s), 0);
    dstrFree(s);

    s = dstrNew("dup me");
    dstr d = dstrDup(s);
    assert_true(d != s);
    assert_int_equal(dstrCmp(s, d), 0);
    dstrFree(s);
    dstrFree(d);
    dstrFree(NULL);
}

static void testFromLongLong(void **state) {
    (void)state;
    dstr s = dstrFromLongLong(-9223372036854775807LL - 1);
    assert_string_equal(s, "-9223372036854775808");
    assert_int_equal(dstrLen(s), 20);
    dstrFree(s);
    s = dstrFromLongLong(0);
    assert_string_equal(s, "0");
    dstrFree(s);
}

static void testCatAndCpy(void **state) {
    (void)state;
    dstr s = dstrEmpty();
    s = dstrCat(s, "foo");
    s = dstrCatLen(s, "bar\0baz", 7);
    assert_int_equal(dstrLen(s), 10);
    assert_memory_equal(s, "foobar\0baz", 11);
    dstr t = dstrNew("!");
    s = dstrCatDstr(s, t);
    assert_int_equal(dstrLen(s), 11);
    s = dstrCatLen(s, NULL, 0); /* empty append is a no-op */
    assert_int_equal(dstrLen(s), 11);
    s = dstrCpy(s, "x");
    assert_int_equal(dstrLen(s), 1);
    assert_string_equal(s, "x");
    s = dstrCpyLen(s, "0123456789abcdefghijklmnopqrstuvwxyz0123456789", 46);
    assert_int_equal(dstrLen(s), 46);
    assert_memory_equal(s, "0123456789abcdefghijklmnopqrstuvwxyz0123456789", 47);
    checkInvariants(s);
    dstrFree(s);
    dstrFree(t);
}

/* Appending a string to itself, or a part of itself, must survive the
 * reallocation the append causes. */
static void testSelfAppend(void **state) {
    (void)state;
    dstr s = dstrNew("abc");
    s = dstrRemoveFreeSpace(s);
    s = dstrCatDstr(s, s);
    assert_string_equal(s, "abcabc");
    /* Append all but the first byte of itself, repeatedly (it moves each
     * time it grows); the model does the same on a plain array. */
    static char model[8192];
    size_t mlen = 6;
    memcpy(model, "abcabc", 6);
    for (int i = 0; i < 10; i++) {
        s = dstrCatLen(s, s + 1, dstrLen(s) - 1);
        memcpy(model + mlen, model + 1, mlen - 1);
        mlen += mlen - 1;
    }
    assert_int_equal(dstrLen(s), mlen);
    assert_memory_equal(s, model, mlen);
    s = dstrCpyLen(s, s + 2, 3); /* copy a part of itself over itself */
    assert_string_equal(s, "cab");
    dstrFree(s);
}

static void testCatPrintf(void **state) {
    (void)state;
    dstr s = dstrNew("x=");
    s = dstrCatPrintf(s, "%d,%s,%05.1f", 42, "str", 3.14159);
    assert_string_equal(s, "x=42,str,003.1");
    /* Output longer than the internal 256-byte stack buffer. */
    char big[1000];
    memset(big, 'q', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    s = dstrCatPrintf(s, "[%s]", big);
    assert_int_equal(dstrLen(s), 14 + 2 + 999);
    assert_int_equal(s[15], 'q');
    assert_int_equal(s[dstrLen(s) - 1], ']');
    checkInvariants(s);
    dstrFree(s);
}

static void testCatRepr(void **state) {
    (void)state;
    dstr s = dstrEmpty();
    s = dstrCatRepr(s, "a\"b\\c\n\r\t\a\b\x01\xff z", 14);
    assert_string_equal(s, "\"a\\\"b\\\\c\\n\\r\\t\\a\\b\\x01\\xff z\"");
    dstrClear(s);
    s = dstrCatRepr(s, "", 0);
    assert_string_equal(s, "\"\"");
    dstrClear(s);
    s = dstrCatRepr(s, "\0", 1);
    assert_string_equal(s, "\"\\x00\"");
    dstrFree(s);
}

/* A string grown byte by byte past 256 and 65536 bytes changes header kind
 * twice and keeps every byte; lengths are right at each step. */
static void testGrowthAcrossHeaderKinds(void **state) {
    (void)state;
    dstr s = dstrEmpty();
    assert_int_equal(typeOf(s), DSTR_T8);
    int sawT16 = 0, sawT32 = 0;
    for (size_t i = 0; i < 70000; i++) {
        char c = (char)('a' + i % 26);
        s = dstrCatLen(s, &c, 1);
        if (typeOf(s) == DSTR_T16) sawT16 = 1;
        if (typeOf(s) == DSTR_T32) sawT32 = 1;
        if (i == 300) assert_true(typeOf(s) >= DSTR_T16);
    }
    assert_true(sawT16 && sawT32);
    assert_int_equal(typeOf(s), DSTR_T32);
    assert_int_equal(dstrLen(s), 70000);
    for (size_t i = 0; i < 70000; i++) assert_int_equal(s[i], (char)('a' + i % 26));
    checkInvariants(s);
    size_t grownAlloc = dstrAllocSize(s);
    s = dstrRemoveFreeSpace(s);
    /* What remains is at most the allocator's size-class rounding. */
    assert_true(dstrAllocSize(s) < grownAlloc);
    assert_true(dstrAvail(s) <= 70000 / 4);
    assert_int_equal(dstrLen(s), 70000);
    assert_int_equal(s[69999], (char)('a' + 69999 % 26));
    dstrFree(s);

    /* Direct creation picks the header from the length. */
    s = dstrNewLen(NULL, 255);
    assert_int_equal(typeOf(s), DSTR_T8);
    dstrFree(s);
    s = dstrNewLen(NULL, 256);
    assert_int_equal(typeOf(s), DSTR_T16);
    dstrFree(s);
    s = dstrNewLen(NULL, 65536);
    assert_int_equal(typeOf(s), DSTR_T32);
    assert_int_equal(dstrLen(s), 65536);
    dstrFree(s);
}

static void testMakeRoomAndIncrLen(void **state) {
    (void)state;
    dstr s = dstrNew("abc");
    s = dstrMakeRoomFor(s, 100);
    assert_true(dstrAvail(s) >= 100);
    assert_int_equal(dstrLen(s), 3);
    memcpy(s + 3, "defg", 4);
    dstrIncrLen(s, 4);
    assert_string_equal(s, "abcdefg");
    dstrIncrLen(s, -2);
    assert_string_equal(s, "abcde");
    /* Greedy growth doubles; exact does not. */
    dstr g = dstrMakeRoomFor(dstrEmpty(), 1000);
    assert_true(dstrAvail(g) >= 2000);
    dstr e = dstrMakeRoomForExact(dstrEmpty(), 1000);
    assert_true(dstrAvail(e) >= 1000 && dstrAvail(e) < 1100);
    /* Enough room already: same pointer. */
    char *before = g;
    g = dstrMakeRoomFor(g, 10);
    assert_ptr_equal(g, before);
    dstrSetLen(s, 2);
    assert_string_equal(s, "ab");
    dstrFree(s);
    dstrFree(g);
    dstrFree(e);
}

static void testGrowZero(void **state) {
    (void)state;
    dstr s = dstrNew("ab");
    s = dstrGrowZero(s, 1000);
    assert_int_equal(dstrLen(s), 1000);
    assert_memory_equal(s, "ab", 2);
    for (int i = 2; i <= 1000; i++) assert_int_equal(s[i], 0);
    s = dstrGrowZero(s, 10); /* never shrinks */
    assert_int_equal(dstrLen(s), 1000);
    dstrFree(s);
}

static void testAllocSize(void **state) {
    (void)state;
    dstr s = dstrNewLen(NULL, 100);
    assert_true(dstrAllocSize(s) >= 100 + 3 + 1);
    assert_int_equal(dstrAllocSize(s), memUsableSize(s - 3));
    dstrFree(s);
}

static void expectRange(const char *in, ssize_t start, ssize_t end, const char *want) {
    dstr s = dstrNew(in);
    dstrRange(s, start, end);
    assert_string_equal(s, want);
    assert_int_equal(dstrLen(s), strlen(want));
    dstrFree(s);
}

static void testRange(void **state) {
    (void)state;
    expectRange("hello world", 0, -1, "hello world");
    expectRange("hello world", 1, 1, "e");
    expectRange("hello world", 1, -1, "ello world");
    expectRange("hello world", -1, -1, "d");
    expectRange("hello world", -5, -1, "world");
    expectRange("hello world", -100, 4, "hello");
    expectRange("hello world", 6, 100, "world");
    expectRange("hello world", 11, 20, "");
    expectRange("hello world", 100, 200, "");
    expectRange("hello world", 5, 2, "");
    expectRange("hello world", -1, -5, "");
    expectRange("hello world", 0, 0, "h");
    expectRange("hello world", -100, -100, "h"); /* both clamp to 0 */
    expectRange("", 0, -1, "");
    expectRange("", 5, 10, "");
}

static void testTrim(void **state) {
    (void)state;
    dstr s = dstrNew("  xx hello xx  ");
    dstrTrim(s, " x");
    assert_string_equal(s, "hello");
    dstrTrim(s, "helo");
    assert_string_equal(s, "");
    assert_int_equal(dstrLen(s), 0);
    dstrFree(s);
    /* NUL bytes are data, not members of every set. */
    s = dstrNewLen("\0ab\0", 4);
    dstrTrim(s, "a");
    assert_int_equal(dstrLen(s), 4);
    dstrTrim(s, "");
    assert_int_equal(dstrLen(s), 4);
    dstrFree(s);
    s = dstrNew("\r\n line \r\n");
    dstrTrim(s, " \r\n");
    assert_string_equal(s, "line");
    dstrFree(s);
}

static void testCaseAndCmp(void **state) {
    (void)state;
    dstr s = dstrNew("MiXeD 123 \xc3");
    dstrToLower(s);
    assert_string_equal(s, "mixed 123 \xc3");
    dstrToUpper(s);
    assert_string_equal(s, "MIXED 123 \xc3");
    dstrFree(s);

    dstr a = dstrNew("abc"), b = dstrNew("abd"), c = dstrNew("ab"), d = dstrNew("abc");
    dstr hi = dstrNew("\xff"), lo = dstrNew("\x01");
    assert_true(dstrCmp(a, b) < 0);
    assert_true(dstrCmp(b, a) > 0);
    assert_true(dstrCmp(c, a) < 0);
    assert_true(dstrCmp(a, c) > 0);
    assert_int_equal(dstrCmp(a, d), 0);
    assert_true(dstrCmp(hi, lo) > 0); /* bytes compare unsigned */
    dstrFree(a), dstrFree(b), dstrFree(c), dstrFree(d), dstrFree(hi), dstrFree(lo);
}

static void expectSplit(const char *line, int wantc, const char **want) {
    int argc = -1;
    dstr *argv = dstrSplitArgs(line, &argc);
    assert_non_null(argv);
    assert_int_equal(argc, wantc);
    for (int i = 0; i < argc; i++) assert_string_equal(argv[i], want[i]);
    dstrFreeSplit(argv, argc);
}

static void testSplitArgs(void **state) {
    (void)state;
    expectSplit("", 0, NULL);
    expectSplit("   \t ", 0, NULL);
    expectSplit("set key value", 3, (const char *[]){"set", "key", "value"});
    expectSplit("  lead   and trail  ", 3, (const char *[]){"lead", "and", "trail"});
    expectSplit("\"hello world\" x", 2, (const char *[]){"hello world", "x"});
    expectSplit("\"a\\nb\\r\\t\\b\\a\\\\\\\"\"", 1, (const char *[]){"a\nb\r\t\b\a\\\""});
    expectSplit("\"\\x41\\x7a\\x4G\"", 1, (const char *[]){"Azx4G"});
    expectSplit("'single \\' quote' \"\"", 2, (const char *[]){"single ' quote", ""});
    expectSplit("'no \\n escapes'", 1, (const char *[]){"no \\n escapes"});
    expectSplit("foo\"bar baz\"", 1, (const char *[]){"foobar baz"});
    expectSplit("\"x\"\t\"y\"", 2, (const char *[]){"x", "y"});
    expectSplit("save 900 1", 3, (const char *[]){"save", "900", "1"});

    /* Binary bytes through \x escapes, including NUL. */
    int argc;
    dstr *argv = dstrSplitArgs("\"a\\x00b\"", &argc);
    assert_non_null(argv);
    assert_int_equal(argc, 1);
    assert_int_equal(dstrLen(argv[0]), 3);
    assert_memory_equal(argv[0], "a\0b", 3);
    dstrFreeSplit(argv, argc);

    static const char *bad[] = {"\"unbalanced", "'unbalanced", "ok \"unbalanced", "\"foo\"bar",
                                "'foo'bar", "\"ends with backslash\\", "\"a\" \"b"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        argc = 99;
        assert_null(dstrSplitArgs(bad[i], &argc));
        assert_int_equal(argc, 0);
    }
}

static void testSplitLen(void **state) {
    (void)state;
    int n;
    dstr *t = dstrSplitLen("a,b,,c", 6, ",", 1, &n);
    assert_int_equal(n, 4);
    assert_string_equal(t[0], "a");
    assert_string_equal(t[1], "b");
    assert_string_equal(t[2], "");
    assert_string_equal(t[3], "c");
    dstrFreeSplit(t, n);

    t = dstrSplitLen("a--b--", 6, "--", 2, &n);
    assert_int_equal(n, 3);
    assert_string_equal(t[0], "a");
    assert_string_equal(t[1], "b");
    assert_string_equal(t[2], "");
    dstrFreeSplit(t, n);

    t = dstrSplitLen("nosep", 5, ",", 1, &n);
    assert_int_equal(n, 1);
    assert_string_equal(t[0], "nosep");
    dstrFreeSplit(t, n);

    t = dstrSplitLen("a\0b", 3, "\0", 1, &n); /* binary separator */
    assert_int_equal(n, 2);
    dstrFreeSplit(t, n);

    t = dstrSplitLen("", 0, ",", 1, &n); /* empty input: no tokens */
    assert_non_null(t);
    assert_int_equal(n, 0);
    dstrFreeSplit(t, n);

    assert_null(dstrSplitLen("abc", 3, "", 0, &n));
    assert_int_equal(n, 0);
    assert_null(dstrSplitLen("abc", -1, ",", 1, &n));
}

static void testEmbedded(void **state) {
    (void)state;
    size_t lens[] = {0, 1, 31, 32, 100, 255};
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        size_t len = lens[i];
        char bytes[256];
        for (size_t j = 0; j < len; j++) bytes[j] = (char)('A' + j % 50);
        size_t hdr = dstrEmbeddedHeaderSize(len);
        assert_int_equal(hdr, len < 32 ? 1 : 3);
        assert_int_equal(dstrEmbeddedSize(len), hdr + len + 1);
        /* Write into a buffer with guard bytes around the reserved area. */
        unsigned char area[300];
        memset(area, 0xee, sizeof(area));
        dstr s = dstrWriteEmbedded(area + 8, bytes, len);
        assert_ptr_equal(s, (char *)area + 8 + hdr);
        assert_int_equal(dstrLen(s), len);
        assert_int_equal(dstrAvail(s), 0);
        assert_memory_equal(s, bytes, len);
        assert_int_equal(s[len], '\0');
        assert_int_equal(typeOf(s), len < 32 ? DSTR_T5 : DSTR_T8);
        assert_int_equal(area[7], 0xee);
        assert_int_equal(area[8 + dstrEmbeddedSize(len)], 0xee);
        /* A copy of an embedded string is an ordinary growable string. */
        dstr copy = dstrDup(s);
        copy = dstrCat(copy, "++");
        assert_int_equal(dstrLen(copy), len + 2);
        dstrFree(copy);
    }
}

/* Model-based: random appends, ranges, trims, copies on a dstr and on a
 * plain byte array; they must always agree. */
static void testRandomAgainstModel(void **state) {
    (void)state;
    enum { CAP = 80000 };
    static char model[CAP];
    size_t mlen = 0;
    dstr s = dstrEmpty();
    randSeed(1234);
    for (int step = 0; step < 3000; step++) {
        int op = (int)randBelow(10);
        if (op < 5 && mlen < CAP - 5000) { /* append 0..2000 random bytes */
            char buf[2000];
            size_t n = randBelow(randBelow(4) ? 40 : sizeof(buf) + 1);
            for (size_t i = 0; i < n; i++) buf[i] = (char)randBelow(256);
            s = dstrCatLen(s, buf, n);
            memcpy(model + mlen, buf, n);
            mlen += n;
        } else if (op < 7 && mlen) { /* range with possibly negative bounds */
            ssize_t a = (ssize_t)randBelow(mlen * 2 + 1) - (ssize_t)mlen;
            ssize_t b = (ssize_t)randBelow(mlen * 2 + 1) - (ssize_t)mlen;
            dstrRange(s, a, b);
            ssize_t L = (ssize_t)mlen;
            if (a < 0) a = a + L < 0 ? 0 : a + L;
            if (b < 0) b = b + L < 0 ? 0 : b + L;
            if (b >= L) b = L - 1;
            if (a > b || a >= L) {
                mlen = 0;
            } else {
                memmove(model, model + a, (size_t)(b - a + 1));
                mlen = (size_t)(b - a + 1);
            }
        } else if (op == 7) { /* trim a small set */
            const char *set = "\x01\x02\x03";
            dstrTrim(s, set);
            size_t st = 0, en = mlen;
            while (st < en && model[st] && strchr(set, model[st])) st++;
            while (en > st && model[en - 1] && strchr(set, model[en - 1])) en--;
            memmove(model, model + st, en - st);
            mlen = en - st;
        } else if (op == 8) {
            s = dstrRemoveFreeSpace(s);
        } else if (op == 9 && mlen > 10) {
            s = dstrCpyLen(s, model, mlen / 2);
            mlen /= 2;
        }
        assert_int_equal(dstrLen(s), mlen);
        assert_memory_equal(s, model, mlen);
        checkInvariants(s);
    }
    dstrFree(s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testNewAndBasics),
        cmocka_unit_test(testFromLongLong),
        cmocka_unit_test(testCatAndCpy),
        cmocka_unit_test(testSelfAppend),
        cmocka_unit_test(testCatPrintf),
        cmocka_unit_test(testCatRepr),
        cmocka_unit_test(testGrowthAcrossHeaderKinds),
        cmocka_unit_test(testMakeRoomAndIncrLen),
        cmocka_unit_test(testGrowZero),
        cmocka_unit_test(testAllocSize),
        cmocka_unit_test(testRange),
        cmocka_unit_test(testTrim),
        cmocka_unit_test(testCaseAndCmp),
        cmocka_unit_test(testSplitArgs),
        cmocka_unit_test(testSplitLen),
        cmocka_unit_test(testEmbedded),
        cmocka_unit_test(testRandomAgainstModel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
