/* test_intset.c — the intset against a sorted-array model (random adds,
 * removes, finds, positions, min/max over thousands of operations with a
 * fixed seed), encoding upgrades at the int16/int32 boundaries, the exact
 * little-endian blob layout, and validation of corrupted blobs
 * (truncations, bad encodings, bad lengths, duplicates, disorder) that must
 * be refused without reading out of bounds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "node/base/mem.h"
#include "node/base/rand.h"
#include "node/types/intset.h"

/* --- Model: a plain sorted array --- */

typedef struct model {
    int64_t v[4096];
    uint32_t n;
} model;

static uint32_t modelPos(const model *m, int64_t x) {
    uint32_t i = 0;
    while (i < m->n && m->v[i] < x) i++;
    return i;
}

static int modelHas(const model *m, int64_t x) {
    uint32_t i = modelPos(m, x);
    return i < m->n && m->v[i] == x;
}

static int modelAdd(model *m, int64_t x) {
    uint32_t i = modelPos(m, x);
    if (i < m->n && m->v[i] == x) return 0;
    memmove(&m->v[i + 1], &m->v[i], (m->n - i) * sizeof(int64_t));
    m->v[i] = x;
    m->n++;
    return 1;
}

static int modelRemove(model *m, int64_t x) {
    uint32_t i = modelPos(m, x);
    if (i >= m->n || m->v[i] != x) return 0;
    memmove(&m->v[i], &m->v[i + 1], (m->n - i - 1) * sizeof(int64_t));
    m->n--;
    return 1;
}

static void assertMatches(const intset *is, const model *m) {
    assert_int_equal(intsetLen(is), m->n);
    for (uint32_t i = 0; i < m->n; i++) {
        int64_t v;
        assert_true(intsetGet(is, i, &v));
        assert_true(v == m->v[i]);
    }
    int64_t v;
    assert_false(intsetGet(is, m->n, &v));
    assert_int_equal(intsetBlobLen(is), 8 + (size_t)m->n * intsetEncoding(is));
    if (m->n > 0) {
        assert_true(intsetMin(is) == m->v[0]);
        assert_true(intsetMax(is) == m->v[m->n - 1]);
        assert_true(intsetValidateIntegrity((const unsigned char *)is, intsetBlobLen(is), 1));
    }
}

/* Values drawn from a few ranges so every width and the collisions show up. */
static int64_t randomValue(int widths) {
    switch (randBelow((uint64_t)widths)) {
    case 0: return (int64_t)randBelow(200) - 100;
    case 1: return (int64_t)randBelow(200000) - 100000;
    default: return (int64_t)randNext();
    }
}

static void runModel(int widths, int ops) {
    model *m = calloc(1, sizeof(*m));
    intset *is = intsetNew();
    for (int op = 0; op < ops; op++) {
        int64_t x = randomValue(widths);
        uint64_t kind = randBelow(10);
        int ok;
        if (kind < 5 && m->n < 4000) {
            is = intsetAdd(is, x, &ok);
            assert_int_equal(ok, modelAdd(m, x));
        } else if (kind < 8) {
            /* Remove an existing member half of the time. */
            if (m->n > 0 && randBelow(2)) x = m->v[randBelow(m->n)];
            is = intsetRemove(is, x, &ok);
            assert_int_equal(ok, modelRemove(m, x));
        } else {
            assert_int_equal(intsetFind(is, x), modelHas(m, x));
            if (m->n > 0) assert_true(intsetFind(is, m->v[randBelow(m->n)]));
        }
        if (op % 64 == 0) assertMatches(is, m);
    }
    assertMatches(is, m);
    intsetFree(is);
    free(m);
}

static void testModelInt16(void **state) {
    (void)state;
    randSeed(101);
    runModel(1, 6000);
}

static void testModelMixed(void **state) {
    (void)state;
    randSeed(102);
    runModel(3, 8000);
}

/* --- Encodings --- */

static void testUpgradeBoundaries(void **state) {
    (void)state;
    struct {
        int64_t v;
        uint32_t enc;
    } cases[] = {
        {INT16_MAX, INTSET_ENC_INT16},        {INT16_MIN, INTSET_ENC_INT16},
        {(int64_t)INT16_MAX + 1, INTSET_ENC_INT32}, {(int64_t)INT16_MIN - 1, INTSET_ENC_INT32},
        {INT32_MAX, INTSET_ENC_INT32},        {INT32_MIN, INTSET_ENC_INT32},
        {(int64_t)INT32_MAX + 1, INTSET_ENC_INT64}, {(int64_t)INT32_MIN - 1, INTSET_ENC_INT64},
        {INT64_MAX, INTSET_ENC_INT64},        {INT64_MIN, INTSET_ENC_INT64},
    };
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        intset *is = intsetNew();
        int ok;
        is = intsetAdd(is, 5, &ok);
        is = intsetAdd(is, -7, &ok);
        is = intsetAdd(is, cases[c].v, &ok);
        assert_int_equal(ok, 1);
        assert_int_equal(intsetEncoding(is), cases[c].enc);
        assert_int_equal(intsetLen(is), 3);
        assert_true(intsetFind(is, cases[c].v));
        assert_true(intsetFind(is, 5) && intsetFind(is, -7));
        int64_t v0, v1, v2;
        assert_true(intsetGet(is, 0, &v0) && intsetGet(is, 1, &v1) && intsetGet(is, 2, &v2));
        assert_true(v0 < v1 && v1 < v2);
        assert_true(cases[c].v < 0 ? v0 == cases[c].v : v2 == cases[c].v);
        /* No downgrade on removal; values wider than the encoding are absent. */
        is = intsetRemove(is, cases[c].v, &ok);
        assert_int_equal(ok, 1);
        assert_int_equal(intsetEncoding(is), cases[c].enc);
        if (cases[c].enc == INTSET_ENC_INT16) {
            assert_false(intsetFind(is, (int64_t)INT16_MAX + 1));
            is = intsetRemove(is, INT64_MIN, &ok);
            assert_int_equal(ok, 0);
        }
        intsetFree(is);
    }
}

static void testUpgradeKeepsOrderMany(void **state) {
    (void)state;
    intset *is = intsetNew();
    for (int64_t i = -300; i <= 300; i += 3) is = intsetAdd(is, i, NULL);
    is = intsetAdd(is, INT64_MIN, NULL);
    assert_int_equal(intsetEncoding(is), INTSET_ENC_INT64);
    int64_t v;
    assert_true(intsetGet(is, 0, &v) && v == INT64_MIN);
    for (uint32_t i = 1; i < intsetLen(is); i++) {
        assert_true(intsetGet(is, i, &v));
        assert_true(v == -300 + 3 * (int64_t)(i - 1));
    }
    intsetFree(is);
}

static void testBlobLayout(void **state) {
    (void)state;
    intset *is = intsetNew();
    is = intsetAdd(is, 0x0102, NULL);
    is = intsetAdd(is, -2, NULL);
    const unsigned char want16[] = {2, 0, 0, 0, 2, 0, 0, 0, 0xfe, 0xff, 0x02, 0x01};
    assert_int_equal(intsetBlobLen(is), sizeof(want16));
    assert_memory_equal(is, want16, sizeof(want16));
    is = intsetAdd(is, 0x10000, NULL);
    const unsigned char want32[] = {4, 0, 0, 0, 3, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff,
                                    0x02, 0x01, 0, 0, 0, 0, 1, 0};
    assert_int_equal(intsetBlobLen(is), sizeof(want32));
    assert_memory_equal(is, want32, sizeof(want32));
    intset *copy = intsetFromBlob(want32, sizeof(want32));
    assert_true(intsetFind(copy, 0x10000) && intsetFind(copy, -2) && !intsetFind(copy, 0));
    intsetFree(copy);
    intsetFree(is);
}

static void testEmptyAndRandom(void **state) {
    (void)state;
    intset *is = intsetNew();
    int64_t v;
    assert_int_equal(intsetLen(is), 0);
    assert_false(intsetGet(is, 0, &v));
    assert_false(intsetFind(is, 0));
    is = intsetAdd(is, 1, NULL);
    is = intsetRemove(is, 1, NULL);
    assert_int_equal(intsetLen(is), 0);
    randSeed(7);
    int seen[10] = {0};
    for (int i = 0; i < 10; i++) is = intsetAdd(is, i * 1000, NULL);
    for (int i = 0; i < 2000; i++) {
        int64_t r = intsetRandom(is);
        assert_true(r % 1000 == 0 && r >= 0 && r < 10000);
        seen[r / 1000]++;
    }
    for (int i = 0; i < 10; i++) assert_true(seen[i] > 100);
    intsetFree(is);
}

/* --- Validation of untrusted blobs --- */

static void putU32(unsigned char *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}

/* Validates a copy in an exact-size heap buffer, so an out-of-bounds read
 * trips the sanitizer build. */
static int validateCopy(const unsigned char *p, size_t size, int deep) {
    unsigned char *buf = malloc(size ? size : 1);
    memcpy(buf, p, size);
    int ok = intsetValidateIntegrity(buf, size, deep);
    free(buf);
    return ok;
}

static void testValidateCorrupt(void **state) {
    (void)state;
    intset *is = intsetNew();
    for (int i = 0; i < 20; i++) is = intsetAdd(is, i * 70000, NULL);
    size_t len = intsetBlobLen(is);
    unsigned char *good = malloc(len);
    memcpy(good, is, len);
    assert_true(validateCopy(good, len, 0));
    assert_true(validateCopy(good, len, 1));
    /* Every truncation and one-byte extension is refused. */
    for (size_t n = 0; n < len; n++) {
        assert_false(validateCopy(good, n, 0));
        assert_false(validateCopy(good, n, 1));
    }
    unsigned char *longer = malloc(len + 1);
    memcpy(longer, good, len);
    longer[len] = 0;
    assert_false(validateCopy(longer, len + 1, 1));
    free(longer);
    /* Bad encodings. */
    uint32_t badEnc[] = {0, 1, 3, 5, 6, 7, 16, 0xffffffffu, 0x04000000u};
    unsigned char *bad = malloc(len);
    for (size_t i = 0; i < sizeof(badEnc) / sizeof(badEnc[0]); i++) {
        memcpy(bad, good, len);
        putU32(bad, badEnc[i]);
        assert_false(validateCopy(bad, len, 1));
    }
    /* Lengths that do not match the size, including ones that would
     * overflow 32-bit arithmetic, and zero. */
    uint32_t badLen[] = {0, 19, 21, 0xffffffffu, 0x40000005u, 0x80000005u};
    for (size_t i = 0; i < sizeof(badLen) / sizeof(badLen[0]); i++) {
        memcpy(bad, good, len);
        putU32(bad + 4, badLen[i]);
        assert_false(validateCopy(bad, len, 1));
    }
    /* A duplicate and a disorder pass the shallow check only. */
    memcpy(bad, good, len);
    memcpy(bad + 8 + 4 * 5, bad + 8 + 4 * 4, 4);
    assert_true(validateCopy(bad, len, 0));
    assert_false(validateCopy(bad, len, 1));
    memcpy(bad, good, len);
    putU32(bad + 8 + 4 * 19, 1);
    assert_true(validateCopy(bad, len, 0));
    assert_false(validateCopy(bad, len, 1));
    free(bad);
    free(good);
    intsetFree(is);
}

static void testValidateRandomBytes(void **state) {
    (void)state;
    randSeed(55);
    unsigned char buf[64];
    int accepted = 0;
    for (int i = 0; i < 20000; i++) {
        size_t n = randBelow(sizeof(buf) + 1);
        for (size_t k = 0; k < n; k++) buf[k] = (unsigned char)randNext();
        /* Often give a plausible header so the deep path gets exercised. */
        if (n >= 8 && randBelow(2)) {
            uint32_t enc = (uint32_t[]){2, 4, 8}[randBelow(3)];
            putU32(buf, enc);
            putU32(buf + 4, (uint32_t)((n - 8) / enc));
        }
        int ok = validateCopy(buf, n, 1);
        if (ok) {
            accepted++;
            intset *is = intsetFromBlob(buf, n);
            int64_t prev, cur;
            assert_true(intsetGet(is, 0, &prev));
            for (uint32_t p = 1; p < intsetLen(is); p++) {
                assert_true(intsetGet(is, p, &cur));
                assert_true(cur > prev);
                assert_true(intsetFind(is, cur));
                prev = cur;
            }
            intsetFree(is);
        }
    }
    assert_true(accepted > 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testModelInt16),
        cmocka_unit_test(testModelMixed),
        cmocka_unit_test(testUpgradeBoundaries),
        cmocka_unit_test(testUpgradeKeepsOrderMany),
        cmocka_unit_test(testBlobLayout),
        cmocka_unit_test(testEmptyAndRandom),
        cmocka_unit_test(testValidateCorrupt),
        cmocka_unit_test(testValidateRandomBytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
