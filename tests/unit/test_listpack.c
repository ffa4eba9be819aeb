/* test_listpack.c — the listpack against exact bytes derived by hand from the
 * listpack specification, a randomized run against an array model (every
 * encoding size, walks in both directions, seeks, finds), deep validation of
 * every truncation and many single-byte mutations (accepted listpacks must be
 * fully walkable), and element counts beyond the 16-bit header field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "node/base/mem.h"
#include "node/base/rand.h"
#include "node/types/listpack.h"

static void assertBytes(unsigned char *lp, const unsigned char *want, size_t len) {
    assert_int_equal(lpBytes(lp), len);
    assert_memory_equal(lp, want, len);
    assert_int_equal(lpValidateIntegrity(lp, len, 1, NULL, NULL), 1);
}

/* --- Byte vectors --- */

static void testEmpty(void **state) {
    (void)state;
    unsigned char *lp = lpNew(0);
    const unsigned char want[] = {0x07, 0, 0, 0, 0, 0, 0xFF};
    assertBytes(lp, want, sizeof(want));
    assert_null(lpFirst(lp));
    assert_null(lpLast(lp));
    assert_null(lpSeek(lp, 0));
    assert_null(lpSeek(lp, -1));
    assert_int_equal(lpLength(lp), 0);
    lpFree(lp);
}

static void testHelloIntegers(void **state) {
    (void)state;
    unsigned char *lp = lpNew(0);
    lp = lpAppend(lp, "hello", 5);
    lp = lpAppendInteger(lp, 1024);
    lp = lpAppend(lp, "-1", 2);
    const unsigned char want[] = {0x14, 0, 0, 0, 3, 0,                            /* header */
                                  0x85, 'h', 'e', 'l', 'l', 'o', 0x06,           /* "hello" */
                                  0xC4, 0x00, 0x02,                              /* 1024 */
                                  0xDF, 0xFF, 0x02,                              /* -1 */
                                  0xFF};
    assertBytes(lp, want, sizeof(want));
    int64_t v;
    unsigned char buf[LP_INTBUF_SIZE];
    unsigned char *p = lpSeek(lp, 2);
    assert_null(lpGet(p, &v, NULL));
    assert_int_equal(v, -1);
    assert_ptr_equal(lpGet(p, &v, buf), buf);
    assert_int_equal(v, 2);
    assert_memory_equal(buf, "-1", 2);
    p = lpFirst(lp);
    unsigned char *s = lpGet(p, &v, buf);
    assert_int_equal(v, 5);
    assert_memory_equal(s, "hello", 5);
    lpFree(lp);
}

/* Each value appended alone to an empty listpack: encoding+data+backlen. */
static void checkSingleInteger(int64_t value, const unsigned char *entry, size_t len) {
    unsigned char *lp = lpNew(0);
    lp = lpAppendInteger(lp, value);
    assert_int_equal(lpBytes(lp), 7 + len);
    assert_memory_equal(lp + 6, entry, len);
    assert_int_equal(lp[4], 1);
    /* The string form must encode identically. */
    char text[32];
    int n = snprintf(text, sizeof(text), "%lld", (long long)value);
    unsigned char *lp2 = lpNew(0);
    lp2 = lpAppend(lp2, text, (size_t)n);
    assert_memory_equal(lp, lp2, 7 + len);
    int64_t got;
    assert_null(lpGet(lpFirst(lp), &got, NULL));
    assert_int_equal(got, value);
    lpFree(lp);
    lpFree(lp2);
}

static void testIntegerEncodings(void **state) {
    (void)state;
    checkSingleInteger(0, (const unsigned char[]){0x00, 0x01}, 2);
    checkSingleInteger(127, (const unsigned char[]){0x7F, 0x01}, 2);
    checkSingleInteger(128, (const unsigned char[]){0xC0, 0x80, 0x02}, 3);
    checkSingleInteger(4095, (const unsigned char[]){0xCF, 0xFF, 0x02}, 3);
    checkSingleInteger(-4096, (const unsigned char[]){0xD0, 0x00, 0x02}, 3);
    checkSingleInteger(4096, (const unsigned char[]){0xF1, 0x00, 0x10, 0x03}, 4);
    checkSingleInteger(-4097, (const unsigned char[]){0xF1, 0xFF, 0xEF, 0x03}, 4);
    checkSingleInteger(-32768, (const unsigned char[]){0xF1, 0x00, 0x80, 0x03}, 4);
    checkSingleInteger(32768, (const unsigned char[]){0xF2, 0x00, 0x80, 0x00, 0x04}, 5);
    checkSingleInteger(-8388608, (const unsigned char[]){0xF2, 0x00, 0x00, 0x80, 0x04}, 5);
    checkSingleInteger(8388608, (const unsigned char[]){0xF3, 0x00, 0x00, 0x80, 0x00, 0x05}, 6);
    checkSingleInteger(INT32_MIN, (const unsigned char[]){0xF3, 0x00, 0x00, 0x00, 0x80, 0x05}, 6);
    checkSingleInteger(2147483648LL,
                       (const unsigned char[]){0xF4, 0, 0, 0, 0x80, 0, 0, 0, 0, 0x09}, 10);
    checkSingleInteger(INT64_MIN,
                       (const unsigned char[]){0xF4, 0, 0, 0, 0, 0, 0, 0, 0x80, 0x09}, 10);
    checkSingleInteger(INT64_MAX, (const unsigned char[]){0xF4, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                                         0xFF, 0x7F, 0x09},
                       10);
}

/* A string of len bytes of 'x': its header bytes and backlen bytes. */
static void checkSingleString(size_t len, const unsigned char *hdr, size_t hlen,
                              const unsigned char *back, size_t blen) {
    char *s = memAlloc(len + 1);
    memset(s, 'x', len);
    unsigned char *lp = lpNew(0);
    lp = lpAppend(lp, s, len);
    assert_int_equal(lpBytes(lp), 7 + hlen + len + blen);
    assert_memory_equal(lp + 6, hdr, hlen);
    assert_memory_equal(lp + 6 + hlen + len, back, blen);
    assert_int_equal(lpValidateIntegrity(lp, lpBytes(lp), 1, NULL, NULL), 1);
    int64_t got;
    unsigned char *p = lpGet(lpLast(lp), &got, NULL);
    assert_int_equal(got, len);
    if (len) assert_memory_equal(p, s, len);
    assert_true(lpCompare(lpFirst(lp), s, len));
    lpFree(lp);
    memFree(s);
}

static void testStringEncodings(void **state) {
    (void)state;
    checkSingleString(0, (const unsigned char[]){0x80}, 1, (const unsigned char[]){0x01}, 1);
    checkSingleString(63, (const unsigned char[]){0xBF}, 1, (const unsigned char[]){0x40}, 1);
    checkSingleString(64, (const unsigned char[]){0xE0, 0x40}, 2, (const unsigned char[]){0x42}, 1);
    /* 200 bytes: encoded size 202 = 1*128 + 74 → backlen 01 CA. */
    checkSingleString(200, (const unsigned char[]){0xE0, 0xC8}, 2,
                      (const unsigned char[]){0x01, 0xCA}, 2);
    checkSingleString(4095, (const unsigned char[]){0xEF, 0xFF}, 2,
                      (const unsigned char[]){0x20, 0x81}, 2);
    /* 4096 bytes: 32-bit length; encoded size 4101 = 32*128 + 5. */
    checkSingleString(4096, (const unsigned char[]){0xF0, 0x00, 0x10, 0x00, 0x00}, 5,
                      (const unsigned char[]){0x20, 0x85}, 2);
    /* 20000 bytes: encoded size 20005 = 1*16384 + 28*128 + 37 → 3 bytes. */
    checkSingleString(20000, (const unsigned char[]){0xF0, 0x20, 0x4E, 0x00, 0x00}, 5,
                      (const unsigned char[]){0x01, 0x9C, 0xA5}, 3);
    /* Encoded size exactly 16383 uses 3 backlen bytes (Valkey's threshold). */
    checkSingleString(16378, (const unsigned char[]){0xF0, 0xFA, 0x3F, 0x00, 0x00}, 5,
                      (const unsigned char[]){0x00, 0xFF, 0xFF}, 3);
}

static void testNonCanonicalNumbersStayStrings(void **state) {
    (void)state;
    const char *texts[] = {"-0", "+1", "01", " 1", "1 ", "", "-", "9223372036854775808",
                           "-9223372036854775809", "1e3", "0x10"};
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        int64_t v;
        assert_false(lpStringToInt64(texts[i], strlen(texts[i]), &v));
        unsigned char *lp = lpAppend(lpNew(0), texts[i], strlen(texts[i]));
        assert_int_equal(lp[6], 0x80 | strlen(texts[i]));
        lpFree(lp);
    }
    int64_t v;
    assert_true(lpStringToInt64("-9223372036854775808", 20, &v));
    assert_true(v == INT64_MIN);
    assert_true(lpStringToInt64("9223372036854775807", 19, &v));
    assert_true(v == INT64_MAX);
    /* "-0" as a string: 82 2D 30 03. */
    unsigned char *lp = lpAppend(lpNew(0), "-0", 2);
    const unsigned char want[] = {0x0B, 0, 0, 0, 1, 0, 0x82, '-', '0', 0x03, 0xFF};
    assertBytes(lp, want, sizeof(want));
    lpFree(lp);
}

static void testInsertReplaceDeleteBytes(void **state) {
    (void)state;
    unsigned char *lp = lpNew(0);
    lp = lpAppend(lp, "b", 1);
    lp = lpPrepend(lp, "a", 1);
    unsigned char *p = lpLast(lp), *newp;
    lp = lpInsert(lp, "c", 1, p, LP_AFTER, &newp);
    assert_true(lpCompare(newp, "c", 1));
    lp = lpInsertInteger(lp, 5, lpFirst(lp), LP_BEFORE, &newp);
    assert_ptr_equal(newp, lpFirst(lp));
    /* 5 a b c */
    const unsigned char want1[] = {0x12, 0, 0, 0, 4, 0, 0x05, 0x01, 0x81, 'a', 0x02,
                                   0x81, 'b', 0x02, 0x81, 'c', 0x02, 0xFF};
    assertBytes(lp, want1, sizeof(want1));
    p = lpSeek(lp, 1);
    lp = lpReplace(lp, &p, "xyz", 3);
    assert_true(lpCompare(p, "xyz", 3));
    p = lpSeek(lp, -1);
    lp = lpReplaceInteger(lp, &p, 300);
    /* 5 xyz b 300 */
    const unsigned char want2[] = {0x14, 0, 0, 0, 4, 0, 0x05, 0x01, 0x83, 'x', 'y', 'z', 0x04,
                                   0x81, 'b', 0x02, 0xC1, 0x2C, 0x02, 0xFF};
    assertBytes(lp, want2, sizeof(want2));
    p = lpSeek(lp, 2);
    lp = lpDelete(lp, p, &newp);
    int64_t v;
    assert_null(lpGet(newp, &v, NULL));
    assert_int_equal(v, 300);
    lp = lpDelete(lp, newp, &newp);
    assert_null(newp);
    const unsigned char want3[] = {0x0E, 0, 0, 0, 2, 0, 0x05, 0x01, 0x83, 'x', 'y', 'z', 0x04, 0xFF};
    assertBytes(lp, want3, sizeof(want3));
    lpFree(lp);
}

/* --- Model-based randomized test --- */

typedef struct modelItem {
    char *s;
    size_t len;
} modelItem;

typedef struct model {
    modelItem items[400];
    size_t n;
} model;

static size_t randomValue(char *buf) {
    switch (randBelow(12)) {
    case 0: return (size_t)sprintf(buf, "%lld", (long long)randBelow(128));
    case 1: return (size_t)sprintf(buf, "%lld", (long long)randBelow(8192) - 4096);
    case 2: return (size_t)sprintf(buf, "%lld", (long long)randBelow(65536) - 32768);
    case 3: return (size_t)sprintf(buf, "%lld", (long long)randBelow(1 << 24) - (1 << 23));
    case 4: return (size_t)sprintf(buf, "%lld", (long long)randBelow(1ULL << 32) - (1LL << 31));
    case 5: return (size_t)sprintf(buf, "%lld", (long long)randNext());
    case 6: {
        const char *odd[] = {"-0", "007", "+3", "", "9223372036854775808", "-", "12a"};
        size_t k = randBelow(7);
        strcpy(buf, odd[k]);
        return strlen(odd[k]);
    }
    case 7:
    case 8: {
        size_t len = randBelow(64);
        for (size_t i = 0; i < len; i++) buf[i] = (char)randBelow(256);
        return len;
    }
    case 9:
    case 10: {
        size_t len = 64 + randBelow(4096 - 64);
        memset(buf, 'a' + (int)randBelow(26), len);
        return len;
    }
    default: {
        size_t len = randBelow(4) == 0 ? 16300 + randBelow(200) : 4096 + randBelow(1000);
        for (size_t i = 0; i < len; i++) buf[i] = (char)randBelow(256);
        return len;
    }
    }
}

static void modelInsert(model *m, size_t at, const char *s, size_t len) {
    memmove(&m->items[at + 1], &m->items[at], (m->n - at) * sizeof(modelItem));
    m->items[at].s = memDup(s, len ? len : 1);
    m->items[at].len = len;
    m->n++;
}

static void modelDelete(model *m, size_t at, size_t count) {
    for (size_t i = at; i < at + count; i++) memFree(m->items[i].s);
    memmove(&m->items[at], &m->items[at + count], (m->n - at - count) * sizeof(modelItem));
    m->n -= count;
}

static void checkElement(unsigned char *p, const modelItem *it) {
    unsigned char buf[LP_INTBUF_SIZE];
    int64_t len;
    unsigned char *s = lpGet(p, &len, buf);
    assert_int_equal(len, it->len);
    if (len) assert_memory_equal(s, it->s, it->len);
    int64_t iv;
    int isInt = lpStringToInt64(it->s, it->len, &iv);
    assert_int_equal(isInt, s == buf);
    assert_true(lpCompare(p, it->s, it->len));
}

static void checkAgainstModel(unsigned char *lp, const model *m) {
    assert_int_equal(lpValidateIntegrity(lp, lpBytes(lp), 1, NULL, NULL), 1);
    assert_int_equal(lpLength(lp), m->n);
    unsigned char *p = lpFirst(lp);
    for (size_t i = 0; i < m->n; i++, p = lpNext(lp, p)) checkElement(p, &m->items[i]);
    assert_null(p);
    p = lpLast(lp);
    for (size_t i = m->n; i > 0; i--, p = lpPrev(lp, p)) checkElement(p, &m->items[i - 1]);
    assert_null(p);
    for (int k = 0; k < 4 && m->n; k++) {
        size_t i = randBelow(m->n);
        checkElement(lpSeek(lp, (long)i), &m->items[i]);
        checkElement(lpSeek(lp, (long)i - (long)m->n), &m->items[i]);
        /* lpFind returns the first equal element. */
        size_t first = 0;
        while (m->items[first].len != m->items[i].len ||
               memcmp(m->items[first].s, m->items[i].s, m->items[i].len) != 0)
            first++;
        assert_ptr_equal(lpFind(lp, lpFirst(lp), m->items[i].s, m->items[i].len, 0),
                         lpSeek(lp, (long)first));
    }
    assert_null(lpSeek(lp, (long)m->n));
    assert_null(lpSeek(lp, -(long)m->n - 1));
}

static unsigned char *randomOperation(unsigned char *lp, model *m, char *buf) {
    size_t op = randBelow(10);
    size_t len = randomValue(buf);
    if (m->n == 0 || (op < 5 && m->n < 300)) {
        size_t at = randBelow(m->n + 1);
        if (at == m->n && (m->n == 0 || randBelow(2))) {
            lp = lpAppend(lp, buf, len);
        } else if (at == m->n) {
            lp = lpInsert(lp, buf, len, lpLast(lp), LP_AFTER, NULL);
        } else if (at == 0 && randBelow(2)) {
            lp = lpPrepend(lp, buf, len);
        } else {
            unsigned char *newp;
            lp = lpInsert(lp, buf, len, lpSeek(lp, (long)at), LP_BEFORE, &newp);
            assert_ptr_equal(newp, lpSeek(lp, (long)at));
        }
        modelInsert(m, at, buf, len);
    } else if (op < 7) {
        size_t at = randBelow(m->n);
        unsigned char *p = lpSeek(lp, (long)at);
        lp = lpReplace(lp, &p, buf, len);
        assert_ptr_equal(p, lpSeek(lp, (long)at));
        modelDelete(m, at, 1);
        modelInsert(m, at, buf, len);
    } else if (op < 8) {
        size_t at = randBelow(m->n);
        unsigned char *newp;
        lp = lpDelete(lp, lpSeek(lp, (long)at), &newp);
        modelDelete(m, at, 1);
        assert_ptr_equal(newp, at < m->n ? lpSeek(lp, (long)at) : NULL);
    } else if (op < 9) {
        size_t at = randBelow(m->n), count = randBelow(5);
        lp = lpDeleteRange(lp, (long)at - (long)m->n, count);
        modelDelete(m, at, count < m->n - at ? count : m->n - at);
    } else {
        /* Batch delete of every element at an index ≡ r (mod 3). */
        unsigned char *ps[400];
        size_t n = 0, r = randBelow(3);
        unsigned char *p = lpFirst(lp);
        for (size_t i = 0; p; i++, p = lpNext(lp, p))
            if (i % 3 == r) ps[n++] = p;
        lp = lpBatchDelete(lp, ps, n);
        for (size_t i = m->n; i > 0; i--)
            if ((i - 1) % 3 == r) modelDelete(m, i - 1, 1);
    }
    return lp;
}

static void testRandomAgainstModel(void **state) {
    (void)state;
    randSeed(12345);
    static model m;
    char *buf = memAlloc(20000);
    for (int round = 0; round < 4; round++) {
        unsigned char *lp = lpNew(round * 100);
        m.n = 0;
        for (int i = 0; i < 700; i++) {
            lp = randomOperation(lp, &m, buf);
            if (i % 7 == 0) checkAgainstModel(lp, &m);
        }
        checkAgainstModel(lp, &m);
        modelDelete(&m, 0, m.n);
        lpFree(lp);
    }
    memFree(buf);
}

static void testFindSkip(void **state) {
    (void)state;
    unsigned char *lp = lpNew(0);
    /* field/value pairs where a value equals a later field. */
    const char *kv[] = {"f1", "f2", "f2", "v2", "10", "f1", "7", "10"};
    for (int i = 0; i < 8; i++) lp = lpAppend(lp, kv[i], strlen(kv[i]));
    assert_ptr_equal(lpFind(lp, lpFirst(lp), "f2", 2, 1), lpSeek(lp, 2));
    assert_ptr_equal(lpFind(lp, lpFirst(lp), "f2", 2, 0), lpSeek(lp, 1));
    assert_ptr_equal(lpFind(lp, lpFirst(lp), "10", 2, 1), lpSeek(lp, 4));
    assert_ptr_equal(lpFind(lp, lpSeek(lp, 1), "10", 2, 1), lpSeek(lp, 7));
    assert_null(lpFind(lp, lpFirst(lp), "v2", 2, 1));
    assert_null(lpFind(lp, lpFirst(lp), "010", 3, 0));
    assert_false(lpCompare(lpSeek(lp, 4), "010", 3));
    assert_true(lpCompare(lpSeek(lp, 4), "10", 2));
    lpFree(lp);
}

/* --- Validation of corrupt input --- */

static int countEntries(unsigned char *p, unsigned int header, void *userdata) {
    (void)p;
    (void)header;
    (*(unsigned long *)userdata)++;
    return 1;
}

/* An accepted listpack must be walkable both ways without leaving it. */
static void walkAccepted(unsigned char *lp) {
    unsigned char buf[LP_INTBUF_SIZE];
    int64_t v;
    unsigned long forward = 0, backward = 0;
    for (unsigned char *p = lpFirst(lp); p; p = lpNext(lp, p)) {
        lpGet(p, &v, buf);
        forward++;
    }
    for (unsigned char *p = lpLast(lp); p; p = lpPrev(lp, p)) {
        lpGet(p, &v, buf);
        backward++;
    }
    assert_int_equal(forward, backward);
    assert_int_equal(lpLength(lp), forward);
}

static int checkCopy(const unsigned char *src, size_t size) {
    unsigned char *copy = memDup(src, size ? size : 1);
    int ok = lpValidateIntegrity(copy, size, 1, NULL, NULL);
    if (ok) walkAccepted(copy);
    memFree(copy);
    return ok;
}

static unsigned char *sampleListpack(int which) {
    unsigned char *lp = lpNew(0);
    char big[300];
    memset(big, 'q', sizeof(big));
    if (which == 0) {
        lp = lpAppend(lp, "hello", 5);
        lp = lpAppendInteger(lp, 1024);
        lp = lpAppendInteger(lp, -1);
    } else {
        int64_t ints[] = {7, -100, 30000, -5000000, 2000000000, INT64_MIN};
        for (int i = 0; i < 6; i++) lp = lpAppendInteger(lp, ints[i]);
        lp = lpAppend(lp, big, which == 1 ? 70 : 200);
        lp = lpAppend(lp, "", 0);
    }
    return lp;
}

static void testValidateCorruption(void **state) {
    (void)state;
    randSeed(99);
    for (int which = 0; which < 3; which++) {
        unsigned char *lp = sampleListpack(which);
        size_t size = lpBytes(lp);
        unsigned long seen = 0;
        assert_int_equal(lpValidateIntegrity(lp, size, 1, countEntries, &seen), 1);
        assert_int_equal(seen, lpLength(lp));
        assert_int_equal(lpValidateIntegrity(lp, size, 0, NULL, NULL), 1);
        assert_int_equal(lpValidateIntegrity(lp, size + 1, 0, NULL, NULL), 0);

        unsigned char *copy = memAlloc(size);
        /* Every truncation, as is and with the header size made to agree. */
        for (size_t cut = 0; cut < size; cut++) {
            assert_int_equal(checkCopy(lp, cut), 0);
            if (cut >= 7) {
                memcpy(copy, lp, cut);
                copy[0] = cut & 0xFF, copy[1] = (cut >> 8) & 0xFF;
                copy[cut - 1] = 0xFF;
                checkCopy(copy, cut);
            }
        }
        /* Single-byte mutations: fixed patterns plus random bytes. */
        unsigned accepted = 0;
        for (size_t i = 0; i < size; i++) {
            unsigned char values[] = {0x00, 0xFF, 0x7F, 0x80, 0xF0, 0xF4, 0xF5, 0xC0, 0xE0,
                                      (unsigned char)(lp[i] ^ 1), (unsigned char)(lp[i] ^ 0x80),
                                      (unsigned char)randBelow(256), (unsigned char)randBelow(256)};
            for (size_t k = 0; k < sizeof(values); k++) {
                memcpy(copy, lp, size);
                copy[i] = values[k];
                accepted += (unsigned)checkCopy(copy, size);
            }
        }
        assert_true(accepted > 0); /* mutations inside string data stay valid */
        /* A wrong element count is rejected, the unknown count accepted. */
        memcpy(copy, lp, size);
        copy[4]++;
        assert_int_equal(checkCopy(copy, size), 0);
        copy[4] = 0xFF, copy[5] = 0xFF;
        assert_int_equal(checkCopy(copy, size), 1);
        memFree(copy);
        lpFree(lp);
    }
    /* Callback rejection propagates. */
    unsigned char *lp = sampleListpack(0);
    assert_int_equal(lpValidateIntegrity(lp, lpBytes(lp), 1, NULL, NULL), 1);
    lpFree(lp);
}

static int rejectAll(unsigned char *p, unsigned int header, void *userdata) {
    (void)p, (void)header, (void)userdata;
    return 0;
}

static void testValidateCallbackRejects(void **state) {
    (void)state;
    unsigned char *lp = sampleListpack(0);
    assert_int_equal(lpValidateIntegrity(lp, lpBytes(lp), 1, rejectAll, NULL), 0);
    lpFree(lp);
}

/* --- Counts beyond the 16-bit header field --- */

static void testLargeCount(void **state) {
    (void)state;
    /* Pre-sized: sanitizer builds realloc exactly, which would copy each time. */
    unsigned char *lp = lpNew(150000);
    for (long i = 0; i < 65534; i++) lp = lpAppendInteger(lp, i % 100);
    assert_int_equal(lp[4] | lp[5] << 8, 65534);
    assert_int_equal(lpLength(lp), 65534);
    lp = lpAppendInteger(lp, 1);
    assert_int_equal(lp[4] | lp[5] << 8, LP_COUNT_UNKNOWN);
    for (long i = 0; i < 5000; i++) lp = lpAppendInteger(lp, 5000 + i);
    assert_int_equal(lp[4] | lp[5] << 8, LP_COUNT_UNKNOWN);
    assert_int_equal(lpLength(lp), 70535);
    assert_int_equal(lpValidateIntegrity(lp, lpBytes(lp), 1, NULL, NULL), 1);
    int64_t v;
    lpGet(lpSeek(lp, -1), &v, NULL);
    assert_int_equal(v, 9999);
    lpGet(lpSeek(lp, 65535), &v, NULL);
    assert_int_equal(v, 5000);
    /* Deleting keeps it unknown until lpLength counts and re-caches. */
    lp = lpDeleteRange(lp, 0, 70000);
    assert_int_equal(lp[4] | lp[5] << 8, LP_COUNT_UNKNOWN);
    assert_int_equal(lpLength(lp), 535);
    assert_int_equal(lp[4] | lp[5] << 8, 535);
    assert_int_equal(lpValidateIntegrity(lp, lpBytes(lp), 1, NULL, NULL), 1);
    lpGet(lpFirst(lp), &v, NULL);
    assert_int_equal(v, 9465);
    lpFree(lp);
}

static void testRandomPairs(void **state) {
    (void)state;
    randSeed(7);
    unsigned char *lp = lpNew(0);
    for (int i = 0; i < 10; i++) {
        lp = lpAppendInteger(lp, i);
        lp = lpAppendInteger(lp, i * 1000);
    }
    lpEntry k, v;
    for (int i = 0; i < 50; i++) {
        lpRandomPair(lp, lpLength(lp), &k, &v);
        assert_null(k.sval);
        assert_true(k.lval >= 0 && k.lval < 10);
        assert_int_equal(v.lval, k.lval * 1000);
    }
    lpEntry keys[64], vals[64];
    lpRandomPairs(lp, 64, keys, vals);
    int seen[10] = {0};
    for (int i = 0; i < 64; i++) {
        assert_int_equal(vals[i].lval, keys[i].lval * 1000);
        seen[keys[i].lval] = 1;
    }
    int distinct = 0;
    for (int i = 0; i < 10; i++) distinct += seen[i];
    assert_true(distinct >= 5);
    lpFree(lp);
}

static void testDeleteRangeWithEntryAndShrink(void **state) {
    (void)state;
    unsigned char *lp = lpNew(4096);
    for (int i = 0; i < 10; i++) lp = lpAppendInteger(lp, i);
    lp = lpShrinkToFit(lp);
    assert_int_equal(lpBytes(lp), 7 + 10 * 2);
    unsigned char *p = lpSeek(lp, 3);
    lp = lpDeleteRangeWithEntry(lp, &p, 4); /* 0 1 2 7 8 9 */
    int64_t v;
    lpGet(p, &v, NULL);
    assert_int_equal(v, 7);
    assert_int_equal(lpLength(lp), 6);
    p = lpSeek(lp, -2);
    lp = lpDeleteRangeWithEntry(lp, &p, 100); /* 0 1 2 7 */
    assert_null(p);
    assert_int_equal(lpLength(lp), 4);
    lp = lpDeleteRange(lp, -1, 1);
    lp = lpDeleteRange(lp, 7, 1); /* out of range: unchanged */
    const unsigned char want[] = {0x0D, 0, 0, 0, 3, 0, 0, 1, 1, 1, 2, 1, 0xFF};
    assertBytes(lp, want, sizeof(want));
    assert_true(lpSafeToAdd(lp, 1000));
    assert_false(lpSafeToAdd(lp, LP_MAX_SAFETY_SIZE));
    assert_true(lpSafeToAdd(NULL, LP_MAX_SAFETY_SIZE));
    lpFree(lp);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testEmpty),
        cmocka_unit_test(testHelloIntegers),
        cmocka_unit_test(testIntegerEncodings),
        cmocka_unit_test(testStringEncodings),
        cmocka_unit_test(testNonCanonicalNumbersStayStrings),
        cmocka_unit_test(testInsertReplaceDeleteBytes),
        cmocka_unit_test(testRandomAgainstModel),
        cmocka_unit_test(testFindSkip),
        cmocka_unit_test(testValidateCorruption),
        cmocka_unit_test(testValidateCallbackRejects),
        cmocka_unit_test(testLargeCount),
        cmocka_unit_test(testRandomPairs),
        cmocka_unit_test(testDeleteRangeWithEntryAndShrink),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
