/* test_set_value.c — the set value against a trivially correct model (an
 * array of distinct byte strings): thousands of random adds, removes,
 * lookups and pops with a fixed seed, under small thresholds so every
 * conversion (intset -> listpack, intset -> hashtable, listpack ->
 * hashtable) happens many times; after each step the encoding must be the
 * one Valkey would pick and never move back towards a compact one.  Also:
 * creation by size hint, MaybeConvert, MaybeToIntset, dup, iteration of
 * integers as integers, random members and long (heap-keyed) members. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "node/base/mem.h"
#include "node/base/rand.h"
#include "node/base/util.h"
#include "node/types/intset.h"
#include "node/types/listpack.h"
#include "node/types/set_value.h"
#include "node/types/type_util.h"

/* --- Model --- */

#define MODEL_MAX 4096

typedef struct model {
    char *m[MODEL_MAX];
    size_t len[MODEL_MAX];
    int n;
} model;

static int modelFind(const model *md, const char *s, size_t len) {
    for (int i = 0; i < md->n; i++)
        if (md->len[i] == len && memcmp(md->m[i], s, len) == 0) return i;
    return -1;
}

static int modelAdd(model *md, const char *s, size_t len) {
    if (modelFind(md, s, len) >= 0) return 0;
    md->m[md->n] = memDup(s, len ? len : 1);
    md->len[md->n++] = len;
    return 1;
}

static int modelRemove(model *md, const char *s, size_t len) {
    int i = modelFind(md, s, len);
    if (i < 0) return 0;
    memFree(md->m[i]);
    md->m[i] = md->m[md->n - 1];
    md->len[i] = md->len[md->n - 1];
    md->n--;
    return 1;
}

static void modelFree(model *md) {
    for (int i = 0; i < md->n; i++) memFree(md->m[i]);
    md->n = 0;
}

static int allIntegers(const model *md, size_t *widest) {
    int all = 1;
    *widest = 0;
    for (int i = 0; i < md->n; i++) {
        long long v;
        if (!string2ll(md->m[i], md->len[i], &v)) all = 0;
        if (md->len[i] > *widest) *widest = md->len[i];
    }
    return all;
}

/* The value holds exactly the model's members, each once. */
static void assertSame(const setValue *s, const model *md) {
    assert_int_equal(setValueLen(s), (unsigned long)md->n);
    int *seen = calloc((size_t)md->n + 1, sizeof(int));
    setIter it;
    setMember m;
    unsigned long count = 0;
    setIterInit(&it, s);
    while (setIterNext(&it, &m)) {
        dstr d = setMemberToDstr(&m);
        int i = modelFind(md, d, dstrLen(d));
        assert_true(i >= 0);
        assert_int_equal(seen[i], 0);
        seen[i] = 1;
        if (s->encoding == OBJ_ENCODING_INTSET) assert_null(m.str);
        dstrFree(d);
        count++;
    }
    setIterReset(&it);
    assert_int_equal(count, (unsigned long)md->n);
    free(seen);
}

static int encodingRank(int enc) {
    return enc == OBJ_ENCODING_INTSET ? 0 : enc == OBJ_ENCODING_LISTPACK ? 1 : 2;
}

static void setThresholds(long long intsetMax, long long lpEntries, long long lpValue) {
    typeSettings *t = typeGetSettings();
    t->setMaxIntsetEntries = intsetMax;
    t->setMaxListpackEntries = lpEntries;
    t->setMaxListpackValue = lpValue;
}

/* A random member: mostly small integers, some strings of 1..12 bytes,
 * a few non-canonical integers ("07") and wide integers. */
static size_t randomMember(char *buf) {
    uint64_t r = randBelow(100);
    if (r < 55) return (size_t)ll2string(buf, 32, (long long)randBelow(60) - 20);
    if (r < 60) return (size_t)ll2string(buf, 32, (long long)randNext());
    if (r < 63) return (size_t)snprintf(buf, 32, "0%d", (int)randBelow(9));
    size_t len = 1 + randBelow(12);
    for (size_t i = 0; i < len; i++) buf[i] = (char)('a' + randBelow(4));
    return len;
}

/* --- Model run --- */

static void runModel(long long intsetMax, long long lpEntries, long long lpValue, int ops,
                     uint64_t seed) {
    setThresholds(intsetMax, lpEntries, lpValue);
    randSeed(seed);
    model md = {0};
    setValue s = setValueCreate("0", 1, 1);
    int rank = encodingRank(s.encoding);
    for (int op = 0; op < ops; op++) {
        char buf[32];
        size_t len = randomMember(buf);
        uint64_t what = randBelow(10);
        if (what < 6) {
            assert_int_equal(setValueAdd(&s, buf, len), modelAdd(&md, buf, len));
        } else if (what < 8) {
            assert_int_equal(setValueRemove(&s, buf, len), modelRemove(&md, buf, len));
        } else if (what < 9) {
            assert_int_equal(setValueContains(&s, buf, len), modelFind(&md, buf, len) >= 0);
        } else if (md.n > 0) {
            dstr p = setValuePopRandom(&s);
            assert_int_equal(modelRemove(&md, p, dstrLen(p)), 1);
            dstrFree(p);
        }
        int r = encodingRank(s.encoding);
        assert_true(r >= rank); /* never back towards a compact encoding */
        rank = r;
        size_t widest;
        int ints = allIntegers(&md, &widest);
        if (s.encoding == OBJ_ENCODING_INTSET) {
            assert_true(ints);
            assert_true(md.n <= intsetMax);
        }
        if (s.encoding == OBJ_ENCODING_LISTPACK) {
            assert_true(md.n <= lpEntries);
            assert_true(widest <= (size_t)lpValue);
        }
        if (op % 50 == 0) assertSame(&s, &md);
        if (md.n > 300) { /* start over so every conversion happens again */
            assertSame(&s, &md);
            setValueFree(&s);
            modelFree(&md);
            s = setValueCreate("0", 1, 1);
            rank = encodingRank(s.encoding);
        }
    }
    assertSame(&s, &md);
    setValue d = setValueDup(&s);
    assert_int_equal(d.encoding, s.encoding);
    assertSame(&d, &md);
    setValueFree(&d);
    setValueFree(&s);
    modelFree(&md);
}

static void testModelSmallThresholds(void **state) {
    (void)state;
    runModel(16, 8, 6, 20000, 11);
}

static void testModelDefaults(void **state) {
    (void)state;
    runModel(512, 128, 64, 20000, 12);
}

static void testModelListpackOnly(void **state) {
    (void)state;
    runModel(0, 64, 64, 10000, 13); /* no intset: integers start a listpack */
}

/* --- Specific conversions --- */

static void testCreateByHint(void **state) {
    (void)state;
    setThresholds(512, 128, 64);
    setValue s = setValueCreate("12", 2, 3);
    assert_int_equal(s.encoding, OBJ_ENCODING_INTSET);
    setValueFree(&s);
    s = setValueCreate("12", 2, 600);
    assert_int_equal(s.encoding, OBJ_ENCODING_HASHTABLE);
    setValueFree(&s);
    s = setValueCreate("a", 1, 100);
    assert_int_equal(s.encoding, OBJ_ENCODING_LISTPACK);
    setValueFree(&s);
    s = setValueCreate("12", 2, 200);
    assert_int_equal(s.encoding, OBJ_ENCODING_INTSET);
    setValueMaybeConvert(&s, 513);
    assert_int_equal(s.encoding, OBJ_ENCODING_HASHTABLE);
    setValueFree(&s);
    s = setValueCreate("a", 1, 129);
    assert_int_equal(s.encoding, OBJ_ENCODING_HASHTABLE);
    setValueFree(&s);
}

static void testIntsetConversions(void **state) {
    (void)state;
    setThresholds(4, 3, 5);
    setValue s = setValueCreateIntset();
    for (int i = 0; i < 4; i++) assert_int_equal(setValueAddInt(&s, i), 1);
    assert_int_equal(s.encoding, OBJ_ENCODING_INTSET);
    assert_int_equal(setValueAddInt(&s, 3), 0);
    /* 4 integers + a string: beyond 3 listpack entries -> hashtable. */
    assert_int_equal(setValueAdd(&s, "x", 1), 1);
    assert_int_equal(s.encoding, OBJ_ENCODING_HASHTABLE);
    assert_true(setValueContains(&s, "2", 1));
    setValueFree(&s);

    s = setValueCreateIntset();
    setValueAddInt(&s, 1);
    setValueAdd(&s, "ab", 2);
    assert_int_equal(s.encoding, OBJ_ENCODING_LISTPACK);
    assert_true(setValueContains(&s, "1", 1));
    setValueFree(&s);

    /* An integer wider than set-max-listpack-value sends a string to the
     * hashtable. */
    s = setValueCreateIntset();
    setValueAddInt(&s, 123456);
    setValueAdd(&s, "ab", 2);
    assert_int_equal(s.encoding, OBJ_ENCODING_HASHTABLE);
    setValueFree(&s);

    /* Too many integers: intset -> hashtable directly. */
    s = setValueCreateIntset();
    for (int i = 0; i < 5; i++) setValueAddInt(&s, i);
    assert_int_equal(s.encoding, OBJ_ENCODING_HASHTABLE);
    assert_int_equal(setValueLen(&s), 5);
    /* Removing never converts back. */
    for (int i = 0; i < 4; i++) assert_int_equal(setValueRemove(&s, (char[]){(char)('0' + i)}, 1), 1);
    assert_int_equal(s.encoding, OBJ_ENCODING_HASHTABLE);
    setValueFree(&s);
}

static void testMaybeToIntset(void **state) {
    (void)state;
    setThresholds(8, 4, 64);
    setValue s = {OBJ_ENCODING_LISTPACK, lpNew(0)};
    setValueAdd(&s, "5", 1);
    setValueAdd(&s, "-3", 2);
    setValueMaybeToIntset(&s);
    assert_int_equal(s.encoding, OBJ_ENCODING_INTSET);
    assert_int_equal(intsetLen(s.ptr), 2);
    setValueFree(&s);

    s = setValueCreate("a", 1, 100);
    assert_int_equal(s.encoding, OBJ_ENCODING_HASHTABLE);
    setValueAdd(&s, "7", 1);
    setValueMaybeToIntset(&s);
    assert_int_equal(s.encoding, OBJ_ENCODING_INTSET);
    setValueAdd(&s, "x", 1);
    setValueMaybeToIntset(&s); /* not all integers: stays */
    assert_int_equal(s.encoding, OBJ_ENCODING_LISTPACK);
    setValueFree(&s);
}

static void testLongMembersAndRandom(void **state) {
    (void)state;
    setThresholds(512, 128, 64);
    char big[1000];
    memset(big, 'z', sizeof(big));
    setValue s = setValueCreate("a", 1, 1);
    assert_int_equal(setValueAdd(&s, "a", 1), 1);
    assert_int_equal(s.encoding, OBJ_ENCODING_LISTPACK);
    assert_int_equal(setValueAdd(&s, big, sizeof(big)), 1);
    assert_int_equal(s.encoding, OBJ_ENCODING_HASHTABLE);
    assert_int_equal(setValueAdd(&s, big, sizeof(big)), 0);
    assert_true(setValueContains(&s, big, sizeof(big)));
    assert_false(setValueContains(&s, big, sizeof(big) - 1));
    int sawBig = 0, sawA = 0;
    randSeed(3);
    for (int i = 0; i < 200; i++) {
        setMember m;
        setValueRandom(&s, &m);
        if (m.len == sizeof(big)) sawBig = 1;
        if (m.len == 1) sawA = 1;
    }
    assert_true(sawBig && sawA);
    assert_true(setValueMemUsage(&s) > sizeof(big));
    assert_int_equal(setValueRemove(&s, big, sizeof(big)), 1);
    assert_int_equal(setValueLen(&s), 1);
    setValueFree(&s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testModelSmallThresholds),
        cmocka_unit_test(testModelDefaults),
        cmocka_unit_test(testModelListpackOnly),
        cmocka_unit_test(testCreateByHint),
        cmocka_unit_test(testIntsetConversions),
        cmocka_unit_test(testMaybeToIntset),
        cmocka_unit_test(testLongMembersAndRandom),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
