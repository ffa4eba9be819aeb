/* test_util.c — the strict number parsers against accept/reject tables
 * (including the limits and overflow by one), the printers (ll2string,
 * d2string round-trips over random doubles, ld2string for INCRBYFLOAT),
 * glob tables plus a pathological pattern under a time bound, memtoull and
 * bytesToHuman. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <math.h>

#include <cmocka.h>

#include "node/base/rand.h"
#include "node/base/timeutil.h"
#include "node/base/util.h"

/* --- string2ll / string2ull / string2l ----------------------------------- */

static void testString2llAccepted(void **state) {
    (void)state;
    static const struct { const char *s; long long v; } ok[] = {
        {"0", 0}, {"1", 1}, {"-1", -1}, {"9", 9}, {"10", 10}, {"-10", -10},
        {"1234567890", 1234567890LL}, {"-987654321", -987654321LL},
        {"9223372036854775807", LLONG_MAX}, {"-9223372036854775808", LLONG_MIN},
        {"9223372036854775806", LLONG_MAX - 1}, {"-9223372036854775807", LLONG_MIN + 1},
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        long long v = 42;
        assert_int_equal(string2ll(ok[i].s, strlen(ok[i].s), &v), 1);
        assert_true(v == ok[i].v);
        assert_int_equal(string2ll(ok[i].s, strlen(ok[i].s), NULL), 1);
    }
}

static void testString2llRejected(void **state) {
    (void)state;
    static const char *bad[] = {
        "", "-", "+1", "+0", "-0", "00", "01", "-01", " 1", "1 ", "1\n", "\t1", "1a", "a1",
        "1.0", "1e3", "0x10", "--1", "1-", "9223372036854775808", "-9223372036854775809",
        "18446744073709551616", "99999999999999999999", "-99999999999999999999",
        "100000000000000000000", "123456789012345678901", "1,000", "١",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        long long v = 42;
        assert_int_equal(string2ll(bad[i], strlen(bad[i]), &v), 0);
        assert_true(v == 42); /* untouched on failure */
    }
    /* Length is honoured: the bytes after len are not read, NULs are not
     * terminators. */
    long long v;
    assert_int_equal(string2ll("123xyz", 3, &v), 1);
    assert_true(v == 123);
    assert_int_equal(string2ll("12\0" "3", 4, &v), 0);
    assert_int_equal(string2ll("5", 0, &v), 0);
}

/* Every long long that ll2string prints parses back; random values. */
static void testString2llRoundTrip(void **state) {
    (void)state;
    randSeed(11);
    char buf[32];
    for (int i = 0; i < 20000; i++) {
        long long x = (long long)randNext() >> randBelow(64);
        int n = ll2string(buf, sizeof(buf), x);
        assert_true(n > 0);
        long long back;
        assert_int_equal(string2ll(buf, (size_t)n, &back), 1);
        assert_true(back == x);
        char ref[32];
        snprintf(ref, sizeof(ref), "%lld", x);
        assert_string_equal(buf, ref);
    }
}

static void testString2ull(void **state) {
    (void)state;
    unsigned long long v;
    assert_int_equal(string2ull("18446744073709551615", 20, &v), 1);
    assert_true(v == ULLONG_MAX);
    assert_int_equal(string2ull("0", 1, &v), 1);
    assert_true(v == 0);
    assert_int_equal(string2ull("9223372036854775808", 19, &v), 1);
    assert_true(v == 9223372036854775808ULL);
    static const char *bad[] = {"18446744073709551616", "-1", "-0", "+1", "01", "", " 1", "1x",
                                "99999999999999999999", "184467440737095516150"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(string2ull(bad[i], strlen(bad[i]), &v), 0);
}

static void testString2l(void **state) {
    (void)state;
    long v;
    assert_int_equal(string2l("-42", 3, &v), 1);
    assert_int_equal(v, -42);
    char buf[32];
    snprintf(buf, sizeof(buf), "%ld", LONG_MAX);
    assert_int_equal(string2l(buf, strlen(buf), &v), 1);
    assert_true(v == LONG_MAX);
    snprintf(buf, sizeof(buf), "%ld", LONG_MIN);
    assert_int_equal(string2l(buf, strlen(buf), &v), 1);
    assert_true(v == LONG_MIN);
    assert_int_equal(string2l("01", 2, &v), 0);
    assert_int_equal(string2l("9223372036854775808", 19, &v), 0);
}

/* --- ll2string / ull2string / digits10 ----------------------------------- */

static void testDigits10(void **state) {
    (void)state;
    assert_int_equal(digits10(0), 1);
    uint64_t p = 1;
    for (uint32_t d = 1; d <= 20; d++) {
        assert_int_equal(digits10(p), d);
        if (p > 1) assert_int_equal(digits10(p - 1), d - 1);
        if (d < 20) p *= 10;
    }
    assert_int_equal(digits10(UINT64_MAX), 20);
}

static void testLl2string(void **state) {
    (void)state;
    char buf[32];
    assert_int_equal(ll2string(buf, sizeof(buf), 0), 1);
    assert_string_equal(buf, "0");
    assert_int_equal(ll2string(buf, sizeof(buf), -7), 2);
    assert_string_equal(buf, "-7");
    assert_int_equal(ll2string(buf, sizeof(buf), LLONG_MIN), 20);
    assert_string_equal(buf, "-9223372036854775808");
    assert_int_equal(ll2string(buf, sizeof(buf), LLONG_MAX), 19);
    assert_string_equal(buf, "9223372036854775807");
    assert_int_equal(ull2string(buf, sizeof(buf), ULLONG_MAX), 20);
    assert_string_equal(buf, "18446744073709551615");
    assert_int_equal(ull2string(buf, sizeof(buf), 100), 3);
    assert_string_equal(buf, "100");
    /* Buffer limits: the NUL needs room too. */
    assert_int_equal(ll2string(buf, 3, 123), 0);
    assert_int_equal(ll2string(buf, 4, 123), 3);
    assert_int_equal(ll2string(buf, 3, -12), 0);
    assert_int_equal(ll2string(buf, 4, -12), 3);
    assert_string_equal(buf, "-12");
    assert_int_equal(ull2string(buf, 1, 0), 0);
}

/* --- Doubles ------------------------------------------------------------- */

static void testString2d(void **state) {
    (void)state;
    static const struct { const char *s; double v; } ok[] = {
        {"1", 1}, {"-1.5", -1.5}, {"1e3", 1000}, {".5", 0.5}, {"5.", 5}, {"+2", 2},
        {"inf", INFINITY}, {"+inf", INFINITY}, {"-inf", -INFINITY}, {"Infinity", INFINITY},
        {"0", 0}, {"-0", 0}, {"1.7976931348623157e308", 1.7976931348623157e308},
        {"0x10", 16}, {"3.14159", 3.14159},
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        double v = 42;
        assert_int_equal(string2d(ok[i].s, strlen(ok[i].s), &v), 1);
        assert_true(v == ok[i].v);
    }
    static const char *bad[] = {"", " 1", "\t1", "1 ", "1x", "nan", "NaN", "-nan", "1e999",
                                "-1e999", "1e-999", "abc", ".", "-", "e3", "1..2"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        double v = 42;
        assert_int_equal(string2d(bad[i], strlen(bad[i]), &v), 0);
        assert_true(v == 42);
    }
    /* Not NUL-terminated, and a long input (heap copy path). */
    double v;
    assert_int_equal(string2d("2.5junk", 3, &v), 1);
    assert_true(v == 2.5);
    char longnum[400]; /* "1" + 299 zeros + "." + 100 zeros = 1e299 */
    memset(longnum, '0', sizeof(longnum));
    longnum[0] = '1';
    longnum[300] = '.';
    assert_int_equal(string2d(longnum, sizeof(longnum), &v), 1);
    assert_true(v == 1e299);
    longnum[399] = 'x';
    assert_int_equal(string2d(longnum, sizeof(longnum), &v), 0);
}

static void testString2ld(void **state) {
    (void)state;
    long double v;
    assert_int_equal(string2ld("10.5", 4, &v), 1);
    assert_true(v == 10.5L);
    assert_int_equal(string2ld("-inf", 4, &v), 1);
    assert_true(isinf(v) && v < 0);
    assert_int_equal(string2ld(" 1", 2, &v), 0);
    assert_int_equal(string2ld("1 ", 2, &v), 0);
    assert_int_equal(string2ld("nan", 3, &v), 0);
    assert_int_equal(string2ld("", 0, &v), 0);
    assert_int_equal(string2ld("1e99999", 7, &v), 0);
    assert_int_equal(string2ld("0.1", 3, &v), 1);
    assert_true(v == 0.1L);
}

static void expectD2string(double d, const char *want) {
    char buf[64];
    int n = d2string(buf, sizeof(buf), d);
    assert_string_equal(buf, want);
    assert_int_equal(n, (int)strlen(want));
}

static void testD2stringTable(void **state) {
    (void)state;
    expectD2string(0.0, "0");
    expectD2string(-0.0, "-0");
    expectD2string(3.0, "3");
    expectD2string(-3.0, "-3");
    expectD2string(1.5, "1.5");
    expectD2string(0.1, "0.1");
    expectD2string(0.1 + 0.2, "0.30000000000000004");
    expectD2string(1.0 / 3, "0.3333333333333333");
    expectD2string(INFINITY, "inf");
    expectD2string(-INFINITY, "-inf");
    expectD2string(NAN, "nan");
    expectD2string(9007199254740992.0, "9007199254740992"); /* 2^53 */
    expectD2string(1e18, "1000000000000000000");
    expectD2string(1e19, "1e+19");
    expectD2string(1e300, "1e+300");
    expectD2string(1.25e-7, "1.25e-07");
    expectD2string(123456.789, "123456.789");
    expectD2string(1.7976931348623157e308, "1.7976931348623157e+308");
    char small[4];
    assert_int_equal(d2string(small, sizeof(small), 1.5), 3);
    assert_int_equal(d2string(small, sizeof(small), 0.125), 0); /* "0.125" does not fit */
}

/* Any finite double prints to text that reads back as the same double. */
static void testD2stringRoundTrip(void **state) {
    (void)state;
    randSeed(21);
    char buf[64];
    for (int i = 0; i < 30000; i++) {
        uint64_t bits = randNext();
        double d;
        memcpy(&d, &bits, sizeof(d));
        if (i % 3 == 0) d = (randDouble() - 0.5) * pow(10, (double)randBelow(40) - 20);
        if (i % 7 == 0) d = (double)(long long)(randNext() >> randBelow(64));
        if (!isfinite(d)) continue;
        int n = d2string(buf, sizeof(buf), d);
        assert_true(n > 0 && n <= 24);
        double back = strtod(buf, NULL);
        assert_true(back == d);
        assert_true(signbit(back) == signbit(d));
    }
}

/* The definition d2string must agree with: integers in +-LLONG_MAX/2 as
 * integers, otherwise the first of %.15g, %.16g, %.17g that reads back. */
static void d2stringReference(char *buf, size_t len, double d) {
    if (d == (double)(long long)d && fabs(d) <= (double)(LLONG_MAX / 2)) {
        snprintf(buf, len, "%lld", (long long)d);
        return;
    }
    for (int p = 15; p <= 17; p++) {
        snprintf(buf, len, "%.*g", p, d);
        if (strtod(buf, NULL) == d) return;
    }
}

/* Short decimals (the fast path) and arbitrary doubles (the slow path) both
 * print exactly what the reference prints. */
static void testD2stringAgainstReference(void **state) {
    (void)state;
    randSeed(22);
    char got[64], want[64];
    for (int i = 0; i < 50000; i++) {
        double d;
        switch (i % 4) {
        case 0: /* a decimal with few digits, at various scales */
            d = (double)(long long)(randNext() >> (10 + randBelow(54))) / pow(10, (double)randBelow(12));
            break;
        case 1: d = (randDouble() - 0.5) * pow(10, (double)randBelow(30) - 10); break;
        case 2: d = (double)(int)randBelow(100000) / 1000.0 - 50; break;
        default: {
            uint64_t bits = randNext();
            memcpy(&d, &bits, sizeof(d));
        }
        }
        if (!isfinite(d) || d == 0) continue;
        if (randBelow(2)) d = -d;
        d2string(got, sizeof(got), d);
        d2stringReference(want, sizeof(want), d);
        if (strcmp(got, want) != 0) fail_msg("d2string(%.17g): got %s want %s", d, got, want);
    }
    /* Boundaries of the fast path. */
    double edges[] = {1e-4, 1.5e-4, 9.9e-5, 0.0001234, 999999999999999.9, 99999999999999.9,
                      123456789012345.6, 0.1, 0.5, 2.675, 1e15 + 0.5, 4503599627370495.5};
    for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
        d2string(got, sizeof(got), edges[i]);
        d2stringReference(want, sizeof(want), edges[i]);
        assert_string_equal(got, want);
    }
    /* Fast path and a buffer that is too small. */
    char small[4];
    assert_int_equal(d2string(small, sizeof(small), 0.25), 0);
    assert_int_equal(d2string(small, sizeof(small), 2.5), 3);
    assert_string_equal(small, "2.5");
}

static void expectLd(long double v, int human, const char *want) {
    char buf[128];
    int n = ld2string(buf, sizeof(buf), v, human);
    assert_string_equal(buf, want);
    assert_int_equal(n, (int)strlen(want));
}

static void testLd2string(void **state) {
    (void)state;
    expectLd(10.5L, 1, "10.5");
    expectLd(3.0L, 1, "3");
    expectLd(-3.0L, 1, "-3");
    expectLd(0.0L, 1, "0");
    expectLd(-0.0L, 1, "0");
    expectLd(5.0e3L, 1, "5000");
    expectLd(0.1L + 0.2L, 1, "0.3");       /* INCRBYFLOAT 0.1 by 0.2 */
    expectLd(10.5L + 0.1L, 1, "10.6");
    expectLd(1e20L, 1, "100000000000000000000");
    expectLd(1.5L, 0, "1.5");
    expectLd(1e20L, 0, "1e+20");
    expectLd(INFINITY, 0, "inf");
    expectLd(-INFINITY, 0, "-inf");
    char buf[64];
    assert_int_equal(ld2string(buf, sizeof(buf), INFINITY, 1), 0);
    assert_int_equal(ld2string(buf, sizeof(buf), NAN, 1), 0);
    assert_int_equal(ld2string(buf, sizeof(buf), NAN, 0), 0);
    assert_int_equal(ld2string(buf, 5, 12345.5L, 1), 0); /* no room */
}

/* --- Glob ---------------------------------------------------------------- */

static void testGlobTable(void **state) {
    (void)state;
    static const struct { const char *pat, *str; int nocase, want; } cases[] = {
        {"", "", 0, 1}, {"", "a", 0, 0}, {"a", "", 0, 0},
        {"*", "", 0, 1}, {"*", "anything", 0, 1}, {"**", "x", 0, 1},
        {"h?llo", "hello", 0, 1}, {"h?llo", "hllo", 0, 0}, {"h?llo", "heello", 0, 0},
        {"h*llo", "hllo", 0, 1}, {"h*llo", "heeeello", 0, 1}, {"h*llo", "hello world", 0, 0},
        {"h[ae]llo", "hello", 0, 1}, {"h[ae]llo", "hallo", 0, 1}, {"h[ae]llo", "hillo", 0, 0},
        {"h[^e]llo", "hallo", 0, 1}, {"h[^e]llo", "hello", 0, 0},
        {"h[a-b]llo", "hbllo", 0, 1}, {"h[a-b]llo", "hcllo", 0, 0}, {"h[b-a]llo", "hallo", 0, 1},
        {"[a-z]*", "Abc", 0, 0}, {"[a-z]*", "Abc", 1, 1}, {"HELLO", "hello", 1, 1},
        {"HELLO", "hello", 0, 0}, {"h[A-C]llo", "hbllo", 1, 1},
        {"\\*", "*", 0, 1}, {"\\*", "a", 0, 0}, {"\\?", "?", 0, 1}, {"a\\", "a\\", 0, 1},
        {"\\[a]", "[a]", 0, 1}, {"[\\]]", "]", 0, 1}, {"[\\-]", "-", 0, 1}, {"[a\\-z]", "b", 0, 0},
        {"[]", "a", 0, 0}, {"[^]", "a", 0, 1}, {"[abc", "b", 0, 1}, {"[abc", "d", 0, 0},
        {"*.txt", "notes.txt", 0, 1}, {"*.txt", "notes.txt.bak", 0, 0},
        {"user:*:name", "user:1000:name", 0, 1}, {"user:*:name", "user:1000:email", 0, 0},
        {"*a*b*c*", "xaybzc", 0, 1}, {"*a*b*c*", "xaycbz", 0, 0},
        {"a*", "a", 0, 1}, {"*a", "a", 0, 1}, {"*a", "ba", 0, 1}, {"*a", "ab", 0, 0},
        {"?*", "", 0, 0}, {"*?", "x", 0, 1}, {"a?c*", "abc", 0, 1},
        {"*abab", "abababab", 0, 1}, {"*aab", "aaaab", 0, 1}, {"*ab*ab", "abxab", 0, 1},
        {"[*]", "*", 0, 1}, {"[?]", "x", 0, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int got = globMatch(cases[i].pat, strlen(cases[i].pat), cases[i].str, strlen(cases[i].str),
                            cases[i].nocase);
        if (got != cases[i].want)
            fail_msg("glob %s vs %s (nocase %d): got %d", cases[i].pat, cases[i].str, cases[i].nocase, got);
    }
    /* Binary safe: NUL bytes in pattern and string. */
    assert_int_equal(globMatch("a\0*", 3, "a\0xyz", 5, 0), 1);
    assert_int_equal(globMatch("a\0*", 3, "ab", 2, 0), 0);
}

/* Reference: plain recursive matcher, exponential in the worst case but
 * fine for the small random cases below (no sets, which the table covers). */
static int naiveGlob(const char *p, size_t pl, const char *s, size_t sl) {
    if (pl == 0) return sl == 0;
    if (*p == '*') return naiveGlob(p + 1, pl - 1, s, sl) || (sl && naiveGlob(p, pl, s + 1, sl - 1));
    if (sl == 0) return 0;
    if (*p == '?' || *p == *s) return naiveGlob(p + 1, pl - 1, s + 1, sl - 1);
    return 0;
}

static void testGlobRandomAgainstModel(void **state) {
    (void)state;
    randSeed(31);
    static const char palette[] = "ab*?";
    for (int i = 0; i < 20000; i++) {
        char p[8], s[10];
        size_t pl = randBelow(sizeof(p)), sl = randBelow(sizeof(s));
        for (size_t j = 0; j < pl; j++) p[j] = palette[randBelow(4)];
        for (size_t j = 0; j < sl; j++) s[j] = palette[randBelow(2)];
        assert_int_equal(globMatch(p, pl, s, sl, 0), naiveGlob(p, pl, s, sl));
    }
}

static void testGlobPathological(void **state) {
    (void)state;
    char pat[200], str[20001];
    size_t pl = 0;
    for (int i = 0; i < 60; i++) {
        pat[pl++] = 'a';
        pat[pl++] = '*';
    }
    pat[pl++] = 'b';
    memset(str, 'a', sizeof(str) - 1);
    str[sizeof(str) - 1] = '\0';
    uint64_t start = timeMonotonicUs();
    assert_int_equal(globMatch(pat, pl, str, sizeof(str) - 1, 0), 0);
    /* Also a long non-matching suffix after a star. */
    assert_int_equal(globMatch("*aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", 37, str, sizeof(str) - 1, 0), 0);
    str[sizeof(str) - 2] = 'b';
    assert_int_equal(globMatch(pat, pl, str, sizeof(str) - 1, 0), 1);
    uint64_t elapsed = timeMonotonicUs() - start;
    assert_true(elapsed < 500000); /* linear-ish: milliseconds, not forever */
}

/* --- memtoull / bytesToHuman --------------------------------------------- */

static void testMemtoull(void **state) {
    (void)state;
    static const struct { const char *s; unsigned long long v; } ok[] = {
        {"0", 0}, {"4096", 4096}, {"1b", 1}, {"1B", 1}, {"1k", 1000}, {"1kb", 1024},
        {"1K", 1000}, {"1KB", 1024}, {"1kB", 1024}, {"512k", 512000}, {"1m", 1000000},
        {"1mb", 1048576}, {"100mb", 104857600ULL}, {"1g", 1000000000ULL},
        {"1gb", 1073741824ULL}, {"1Gb", 1073741824ULL}, {"4gb", 4294967296ULL},
        {"18446744073709551615", ULLONG_MAX}, {"17179869183gb", 17179869183ULL << 30},
        {"", 0},
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        unsigned long long v = 42;
        if (!memtoull(ok[i].s, &v)) fail_msg("memtoull rejected %s", ok[i].s);
        assert_true(v == ok[i].v);
    }
    static const char *bad[] = {"gb", "-1", "+1", "1x", "1 gb", " 1", "1tb", "1kbb", "1.5gb",
                                "18446744073709551616", "17179869184gb", "18446744073709551615k",
                                "1e3", "0x10"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        unsigned long long v = 42;
        if (memtoull(bad[i], &v)) fail_msg("memtoull accepted %s", bad[i]);
        assert_true(v == 42);
    }
}

static void testBytesToHuman(void **state) {
    (void)state;
    static const struct { unsigned long long n; const char *want; } cases[] = {
        {0, "0B"}, {12, "12B"}, {1023, "1023B"}, {1024, "1.00K"}, {1536, "1.50K"},
        {1000000, "976.56K"}, {1572864, "1.50M"}, {1073741824ULL, "1.00G"},
        {1099511627776ULL, "1.00T"}, {1125899906842624ULL, "1.00P"},
        {1152921504606846976ULL, "1152921504606846976B"},
    };
    char buf[64];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        bytesToHuman(buf, sizeof(buf), cases[i].n);
        assert_string_equal(buf, cases[i].want);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testString2llAccepted),
        cmocka_unit_test(testString2llRejected),
        cmocka_unit_test(testString2llRoundTrip),
        cmocka_unit_test(testString2ull),
        cmocka_unit_test(testString2l),
        cmocka_unit_test(testDigits10),
        cmocka_unit_test(testLl2string),
        cmocka_unit_test(testString2d),
        cmocka_unit_test(testString2ld),
        cmocka_unit_test(testD2stringTable),
        cmocka_unit_test(testD2stringRoundTrip),
        cmocka_unit_test(testD2stringAgainstReference),
        cmocka_unit_test(testLd2string),
        cmocka_unit_test(testGlobTable),
        cmocka_unit_test(testGlobRandomAgainstModel),
        cmocka_unit_test(testGlobPathological),
        cmocka_unit_test(testMemtoull),
        cmocka_unit_test(testBytesToHuman),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
