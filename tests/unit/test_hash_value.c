/* test_hash_value.c — the hash value in both encodings against a trivially
 * correct model (an array of field/value strings): randomized sets,
 * deletes, lookups and full iterations with fixed seeds over several
 * thresholds, checking the encoding rules (listpack within the thresholds,
 * hashtable after a breach, never back); table entries at every field
 * header size; dup, memory size, loader checks; and the embedded listpack
 * of a keyspace entry through dbValueOpen / dbValueClose. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "node/base/mem.h"
#include "node/base/rand.h"
#include "node/store/db.h"
#include "node/types/hash_value.h"
#include "node/types/type_util.h"

/* --- The model --- */

#define POOL 150

typedef struct model {
    dstr value[POOL]; /* NULL: field absent */
    unsigned long count;
} model;

static dstr fieldName(int i, int longNames) {
    if (longNames && i % 7 == 0) {
        dstr s = dstrCatPrintf(dstrEmpty(), "long-%d-", i);
        while (dstrLen(s) < 70) s = dstrCat(s, "x");
        return s;
    }
    if (i % 5 == 0) return dstrFromLongLong(i * 1000 - 7); /* integer fields */
    return dstrCatPrintf(dstrEmpty(), "f%d", i);
}

static dstr randomValue(void) {
    switch (randBelow(4)) {
    case 0: return dstrFromLongLong((long long)randNext() >> randBelow(64));
    case 1: return dstrEmpty();
    default: {
        size_t len = randBelow(randBelow(10) == 0 ? 120 : 20);
        dstr s = dstrNewLen(NULL, len);
        for (size_t i = 0; i < len; i++) s[i] = (char)('a' + randBelow(26));
        return s;
    }
    }
}

static void assertBytes(const lpEntry *e, const char *expected, size_t expectedLen) {
    char buf[LP_INTBUF_SIZE];
    size_t len;
    const char *bytes = hashElementBytes(e, buf, &len);
    assert_int_equal(len, expectedLen);
    assert_memory_equal(bytes, expected, len);
}

static void assertEntryEquals(const lpEntry *e, const dstr expected) {
    assertBytes(e, expected, dstrLen(expected));
}

static int fieldIndex(const lpEntry *f, dstr *names) {
    char buf[LP_INTBUF_SIZE];
    size_t len;
    const char *bytes = hashElementBytes(f, buf, &len);
    for (int i = 0; i < POOL; i++)
        if (dstrLen(names[i]) == len && memcmp(names[i], bytes, len) == 0) return i;
    return -1;
}

/* Every pair of h is in the model exactly once and the counts agree. */
static void checkAll(const hashValue *h, const model *m, dstr *names) {
    assert_int_equal(hashValueLength(h), m->count);
    char seen[POOL] = {0};
    hashValueIter it;
    lpEntry f, v;
    unsigned long n = 0;
    hashValueIterInit(&it, h);
    while (hashValueIterNext(&it, &f, &v)) {
        int i = fieldIndex(&f, names);
        assert_true(i >= 0);
        assert_false(seen[i]);
        seen[i] = 1;
        assert_non_null(m->value[i]);
        assertEntryEquals(&v, m->value[i]);
        n++;
    }
    hashValueIterReset(&it);
    assert_int_equal(n, m->count);
}

/* The encoding rules: a listpack is within the thresholds. */
static void checkEncoding(const hashValue *h, int *wasTable) {
    typeSettings *s = typeGetSettings();
    if (h->encoding == OBJ_ENCODING_HASHTABLE) {
        *wasTable = 1;
        return;
    }
    assert_int_equal(h->encoding, OBJ_ENCODING_LISTPACK);
    assert_false(*wasTable);
    assert_true(hashValueLength(h) <= (unsigned long)s->hashMaxListpackEntries);
    hashValueIter it;
    lpEntry f, v;
    hashValueIterInit(&it, h);
    while (hashValueIterNext(&it, &f, &v)) {
        assert_true(!f.sval || f.slen <= s->hashMaxListpackValue);
        assert_true(!v.sval || v.slen <= s->hashMaxListpackValue);
    }
}

static int runModel(uint64_t seed, long long maxEntries, long long maxValue, int longNames, int ops) {
    randSeed(seed);
    typeSettings *s = typeGetSettings();
    s->hashMaxListpackEntries = maxEntries;
    s->hashMaxListpackValue = maxValue;
    dstr names[POOL];
    for (int i = 0; i < POOL; i++) names[i] = fieldName(i, longNames);
    model m = {{0}, 0};
    hashValue h;
    hashValueInit(&h);
    int wasTable = 0, sawTable = 0;
    int pool = 20 + (int)randBelow(POOL - 20);
    for (int op = 0; op < ops; op++) {
        int i = (int)randBelow((uint64_t)pool);
        unsigned r = (unsigned)randBelow(10);
        if (r < 5) {
            dstr v = randomValue();
            int added = hashValueSet(&h, names[i], dstrLen(names[i]), v, dstrLen(v));
            assert_int_equal(added, m.value[i] == NULL);
            if (m.value[i]) dstrFree(m.value[i]);
            else m.count++;
            m.value[i] = v;
        } else if (r < 8) {
            int deleted = hashValueDelete(&h, names[i], dstrLen(names[i]));
            assert_int_equal(deleted, m.value[i] != NULL);
            if (m.value[i]) {
                dstrFree(m.value[i]);
                m.value[i] = NULL;
                m.count--;
            }
        } else {
            lpEntry v;
            int found = hashValueGet(&h, names[i], dstrLen(names[i]), &v);
            assert_int_equal(found, m.value[i] != NULL);
            if (found) assertEntryEquals(&v, m.value[i]);
        }
        checkEncoding(&h, &wasTable);
        sawTable |= wasTable;
        if (op % 97 == 0) checkAll(&h, &m, names);
        if (op % 500 == 499) { /* a copy is equal and independent */
            hashValue d = hashValueDup(&h);
            assert_int_equal(d.encoding, h.encoding);
            checkAll(&d, &m, names);
            assert_true(hashValueMemUsage(&d) > 0);
            hashValueRelease(&d);
        }
    }
    checkAll(&h, &m, names);
    hashValueRelease(&h);
    for (int i = 0; i < POOL; i++) {
        dstrFree(names[i]);
        if (m.value[i]) dstrFree(m.value[i]);
    }
    s->hashMaxListpackEntries = 512;
    s->hashMaxListpackValue = 64;
    return sawTable;
}

static void testModelDefaults(void **state) {
    (void)state;
    runModel(1, 512, 64, 0, 6000);
    assert_true(runModel(2, 512, 64, 1, 6000)); /* long fields convert */
}

static void testModelSmallThresholds(void **state) {
    (void)state;
    assert_true(runModel(3, 16, 64, 0, 6000));  /* entries convert */
    assert_true(runModel(4, 128, 10, 0, 6000)); /* values convert */
    assert_true(runModel(5, 0, 64, 0, 2000));   /* table from the first field */
}

/* --- Conversions and thresholds --- */

static void testConversionPoints(void **state) {
    (void)state;
    typeSettings *s = typeGetSettings();
    s->hashMaxListpackEntries = 4;
    hashValue h;
    hashValueInit(&h);
    char f[8];
    for (int i = 0; i < 4; i++) {
        snprintf(f, sizeof(f), "f%d", i);
        hashValueSet(&h, f, strlen(f), "v", 1);
        assert_int_equal(h.encoding, OBJ_ENCODING_LISTPACK);
    }
    hashValueSet(&h, "f4", 2, "v", 1);
    assert_int_equal(h.encoding, OBJ_ENCODING_HASHTABLE);
    for (int i = 0; i < 5; i++) {
        snprintf(f, sizeof(f), "f%d", i);
        assert_int_equal(hashValueDelete(&h, f, strlen(f)), 1);
    }
    assert_int_equal(hashValueLength(&h), 0);
    assert_int_equal(h.encoding, OBJ_ENCODING_HASHTABLE); /* never back */
    hashValueRelease(&h);

    /* A value just over the limit converts; at the limit it does not. */
    s->hashMaxListpackEntries = 512;
    char big[65];
    memset(big, 'x', sizeof(big));
    hashValueInit(&h);
    hashValueSet(&h, "a", 1, big, 64);
    assert_int_equal(h.encoding, OBJ_ENCODING_LISTPACK);
    hashValueSet(&h, "a", 1, big, 65);
    assert_int_equal(h.encoding, OBJ_ENCODING_HASHTABLE);
    lpEntry v;
    assert_true(hashValueGet(&h, "a", 1, &v));
    assert_int_equal(v.slen, 65);
    hashValueRelease(&h);

    /* A lowered limit converts on the next write, an update too. */
    s->hashMaxListpackEntries = 512;
    hashValueInit(&h);
    hashValueSet(&h, "a", 1, "1", 1);
    hashValueSet(&h, "b", 1, "2", 1);
    s->hashMaxListpackEntries = 1;
    assert_int_equal(h.encoding, OBJ_ENCODING_LISTPACK);
    assert_int_equal(hashValueSet(&h, "a", 1, "3", 1), 0);
    assert_int_equal(h.encoding, OBJ_ENCODING_HASHTABLE);
    hashValueRelease(&h);

    /* Prepare: more pairs than the entry limit converts up front. */
    s->hashMaxListpackEntries = 3;
    hashValueInit(&h);
    hashValuePrepare(&h, 3, 5, 15);
    assert_int_equal(h.encoding, OBJ_ENCODING_LISTPACK);
    hashValuePrepare(&h, 4, 5, 20);
    assert_int_equal(h.encoding, OBJ_ENCODING_HASHTABLE);
    hashValueRelease(&h);
    s->hashMaxListpackEntries = 512;
}

static void testConvertIfNeeded(void **state) {
    (void)state;
    typeSettings *s = typeGetSettings();
    hashValue h;
    hashValueInit(&h);
    hashValueSet(&h, "a", 1, "1", 1);
    hashValueSet(&h, "b", 1, "two", 3);
    s->hashMaxListpackEntries = 2;
    hashValueConvertIfNeeded(&h);
    assert_int_equal(h.encoding, OBJ_ENCODING_LISTPACK);
    s->hashMaxListpackValue = 2;
    hashValueConvertIfNeeded(&h);
    assert_int_equal(h.encoding, OBJ_ENCODING_HASHTABLE);
    lpEntry v;
    assert_true(hashValueGet(&h, "a", 1, &v));
    assertBytes(&v, "1", 1); /* an integer in the listpack, bytes in the table */
    hashValueRelease(&h);
    s->hashMaxListpackEntries = 512;
    s->hashMaxListpackValue = 64;
}

/* --- Table entries of every size --- */

static void testTableEntrySizes(void **state) {
    (void)state;
    typeSettings *s = typeGetSettings();
    s->hashMaxListpackEntries = 0;
    static const size_t lens[] = {0, 1, 31, 32, 127, 128, 255, 256, 16383, 16384, 65535, 65536, 70000};
    size_t n = sizeof(lens) / sizeof(lens[0]);
    char *buf = memAlloc(70001);
    hashValue h;
    hashValueInit(&h);
    for (size_t i = 0; i < n; i++) {
        memset(buf, (int)('A' + i), lens[i]);
        assert_int_equal(hashValueSet(&h, buf, lens[i], buf, lens[i]), 1);
    }
    assert_int_equal(h.encoding, OBJ_ENCODING_HASHTABLE);
    /* Values grow and shrink through every size, in place or replaced. */
    for (int round = 0; round < 3; round++) {
        for (size_t i = 0; i < n; i++) {
            memset(buf, (int)('A' + i), lens[i]);
            size_t vlen = lens[(i + (size_t)round * 5) % n];
            assert_int_equal(hashValueSet(&h, buf, lens[i], buf, vlen), 0);
            lpEntry v;
            assert_true(hashValueGet(&h, buf, lens[i], &v));
            assert_int_equal(v.slen, vlen);
            assert_memory_equal(v.sval, buf, vlen);
        }
    }
    hashValueIter it;
    lpEntry f, v;
    size_t count = 0;
    hashValueIterInit(&it, &h);
    while (hashValueIterNext(&it, &f, &v)) {
        assert_true(f.sval != NULL);
        count++;
    }
    hashValueIterReset(&it);
    assert_int_equal(count, n);
    hashValue d = hashValueDup(&h);
    assert_int_equal(hashValueLength(&d), n);
    for (size_t i = 0; i < n; i++) {
        memset(buf, (int)('A' + i), lens[i]);
        assert_true(hashValueGet(&d, buf, lens[i], NULL));
        assert_int_equal(hashValueDelete(&h, buf, lens[i]), 1);
        assert_int_equal(hashValueDelete(&h, buf, lens[i]), 0);
    }
    assert_int_equal(hashValueLength(&h), 0);
    hashValueRelease(&d);
    hashValueRelease(&h);
    memFree(buf);
    s->hashMaxListpackEntries = 512;
}

/* --- Loader check --- */

static void testListpackValidation(void **state) {
    (void)state;
    unsigned char *lp = lpNew(0);
    assert_false(hashValueListpackIsValid(lp, lpBytes(lp))); /* empty */
    lp = lpAppend(lp, "a", 1);
    assert_false(hashValueListpackIsValid(lp, lpBytes(lp))); /* odd */
    lp = lpAppend(lp, "1", 1);
    lp = lpAppend(lp, "12", 2);
    lp = lpAppend(lp, "b", 1);
    assert_true(hashValueListpackIsValid(lp, lpBytes(lp)));
    lp = lpAppend(lp, "12", 2); /* the field 12 again (stored as an integer) */
    lp = lpAppend(lp, "c", 1);
    assert_false(hashValueListpackIsValid(lp, lpBytes(lp)));
    assert_false(hashValueListpackIsValid(lp, lpBytes(lp) - 1)); /* truncated */
    lpFree(lp);
}

/* --- Embedded in the keyspace entry --- */

static void testEmbeddedInEntry(void **state) {
    (void)state;
    serverDb *db = dbByIndex(0);
    dstr key = dstrNew("key:0000001");
    hashValue h;
    hashValueInit(&h);
    char f[4], v[8];
    for (int i = 1; i <= 5; i++) {
        snprintf(f, sizeof(f), "f%d", i);
        snprintf(v, sizeof(v), "val-%d", i);
        hashValueSet(&h, f, strlen(f), v, strlen(v));
    }
    kvobj *kv = kvCreatePointer(key, dstrLen(key), OBJ_HASH, h.encoding, h.ptr, -1);
    dbAdd(db, kv);
    assert_true(kvEmbeddedValueSize(kv) > 0);
    assert_true(kvMemUsage(kv) <= 80); /* the footprint target's layout */

    /* Grow it past the embedding limit, then shrink it back. */
    for (int round = 0; round < 2; round++) {
        for (int i = 6; i <= 20; i++) {
            kv = dbFind(db, key);
            h.encoding = kv->encoding;
            h.ptr = dbValueOpen(kv);
            snprintf(f, sizeof(f), "f%d", i);
            if (round == 0)
                hashValueSet(&h, f, strlen(f), "value", 5);
            else
                hashValueDelete(&h, f, strlen(f));
            kv = dbValueClose(db, kv, h.encoding, h.ptr);
        }
        kv = dbFind(db, key);
        hashValue r = hashValueOf(kv);
        assert_int_equal(hashValueLength(&r), round == 0 ? 20 : 5);
        assert_int_equal(kvEmbeddedValueSize(kv) > 0, round == 1);
        lpEntry e;
        assert_true(hashValueGet(&r, "f3", 2, &e));
        assertBytes(&e, "val-3", 5);
    }
    /* A table value is held by pointer and freed with the entry. */
    typeGetSettings()->hashMaxListpackEntries = 5;
    kv = dbFind(db, key);
    h.encoding = kv->encoding;
    h.ptr = dbValueOpen(kv);
    hashValueSet(&h, "f6", 2, "x", 1);
    kv = dbValueClose(db, kv, h.encoding, h.ptr);
    assert_int_equal(kv->encoding, OBJ_ENCODING_HASHTABLE);
    assert_int_equal(kvEmbeddedValueSize(kv), 0);
    assert_true(kvMemUsage(kv) > 80);
    typeGetSettings()->hashMaxListpackEntries = 512;
    assert_int_equal(dbDelete(db, key), 1);
    dstrFree(key);
}

int main(void) {
    dbSetup(1);
    hashValueRegister();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testModelDefaults),
        cmocka_unit_test(testModelSmallThresholds),
        cmocka_unit_test(testConversionPoints),
        cmocka_unit_test(testConvertIfNeeded),
        cmocka_unit_test(testTableEntrySizes),
        cmocka_unit_test(testListpackValidation),
        cmocka_unit_test(testEmbeddedInEntry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
