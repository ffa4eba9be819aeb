/* test_list_value.c — the list value in both encodings: a randomized model
 * check (every operation of list_value.h against an array of strings, with
 * the conversions both ways happening along the way under several
 * list-max-listpack-size / list-compress-depth settings), Valkey's
 * conversion thresholds at their exact boundaries, the builder used by
 * SORT, and the open/close protocol on stored (embedded) entries. */
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
#include "node/types/list_value.h"
#include "node/types/listpack.h"
#include "node/types/type_util.h"

/* --- A trivially correct model: an array of dstr --- */

#define MODEL_MAX 3000

typedef struct model {
    dstr items[MODEL_MAX];
    long len;
} model;

static void modelInsertAt(model *m, long at, const char *s, size_t len) {
    memmove(&m->items[at + 1], &m->items[at], (size_t)(m->len - at) * sizeof(dstr));
    m->items[at] = dstrNewLen(s, len);
    m->len++;
}

static void modelDeleteAt(model *m, long at) {
    dstrFree(m->items[at]);
    memmove(&m->items[at], &m->items[at + 1], (size_t)(m->len - at - 1) * sizeof(dstr));
    m->len--;
}

static void modelClear(model *m) {
    while (m->len) modelDeleteAt(m, m->len - 1);
}

static int elementIs(const listElement *e, const dstr s) {
    dstr d = listElementToDstr(e);
    int eq = dstrLen(d) == dstrLen(s) && memcmp(d, s, dstrLen(s)) == 0;
    dstrFree(d);
    return eq;
}

static void checkAll(const listValue *lv, const model *m) {
    assert_int_equal(listValueLength(lv), (unsigned long)m->len);
    listIter it;
    listElement e;
    long i = 0;
    listIterInit(&it, lv, 0, 0);
    while (listIterNext(&it, &e)) assert_true(elementIs(&e, m->items[i++]));
    listIterRelease(&it);
    assert_int_equal(i, m->len);
    listIterInit(&it, lv, -1, 1);
    while (listIterNext(&it, &e)) assert_true(elementIs(&e, m->items[--i]));
    listIterRelease(&it);
    assert_int_equal(i, 0);
}

/* Random element: integers, short strings from a small alphabet (so LREM
 * and LINSERT find matches), a few medium and rare big ones (plain nodes). */
static size_t randomElement(char *buf) {
    unsigned r = (unsigned)randBelow(100);
    if (r < 30) return (size_t)snprintf(buf, 32, "%d", (int)randBelow(20) - 5);
    if (r < 80) {
        size_t len = 1 + randBelow(3);
        for (size_t i = 0; i < len; i++) buf[i] = (char)('a' + randBelow(3));
        return len;
    }
    if (r < 98) {
        size_t len = 20 + randBelow(300);
        memset(buf, 'm', len);
        buf[0] = (char)('a' + randBelow(3));
        return len;
    }
    size_t len = 9000 + randBelow(100);
    memset(buf, 'b', len);
    return len;
}

static int encodingAllowed(const listValue *lv) {
    return lv->encoding == OBJ_ENCODING_LISTPACK || lv->encoding == OBJ_ENCODING_QUICKLIST;
}

/* One random operation on both the list and the model. */
static void randomOp(listValue *lv, model *m, char *buf, char *buf2) {
    int op = (int)randBelow(10);
    long len = m->len;
    if (op <= 2 && len < MODEL_MAX - 1) { /* push */
        size_t n = randomElement(buf);
        int where = randBelow(2) ? LIST_HEAD : LIST_TAIL;
        listValueTryGrow(lv, n, 1);
        listValuePush(lv, buf, n, where);
        modelInsertAt(m, where == LIST_HEAD ? 0 : len, buf, n);
    } else if (op == 3 && len) { /* pop */
        int where = randBelow(2) ? LIST_HEAD : LIST_TAIL;
        dstr d = listValuePop(lv, where);
        long at = where == LIST_HEAD ? 0 : len - 1;
        assert_non_null(d);
        assert_int_equal(dstrLen(d), dstrLen(m->items[at]));
        assert_memory_equal(d, m->items[at], dstrLen(d));
        dstrFree(d);
        modelDeleteAt(m, at);
        listValueTryShrink(lv, 1);
    } else if (op == 4) { /* index, in and out of range */
        long idx = (long)randBelow((uint64_t)(2 * len + 4)) - len - 2;
        listElement e;
        int ok = listValueIndex(lv, idx, &e);
        long at = idx < 0 ? len + idx : idx;
        assert_int_equal(ok, at >= 0 && at < len);
        if (ok) assert_true(elementIs(&e, m->items[at]));
    } else if (op == 5) { /* replace */
        size_t n = randomElement(buf);
        long idx = (long)randBelow((uint64_t)(2 * len + 2)) - len - 1;
        long at = idx < 0 ? len + idx : idx;
        listValueTryGrow(lv, n, 1);
        int ok = listValueReplace(lv, idx, buf, n);
        assert_int_equal(ok, at >= 0 && at < len);
        if (ok) {
            dstrFree(m->items[at]);
            m->items[at] = dstrNewLen(buf, n);
        }
        listValueTryShrink(lv, 1);
    } else if (op == 6 && len < MODEL_MAX - 1) { /* insert */
        size_t pn = randomElement(buf2);
        size_t n = randomElement(buf);
        int after = (int)randBelow(2);
        listValueTryGrow(lv, n, 1);
        int ok = listValueInsert(lv, buf2, pn, buf, n, after);
        long at = -1;
        for (long i = 0; i < len && at < 0; i++)
            if (dstrLen(m->items[i]) == pn && memcmp(m->items[i], buf2, pn) == 0) at = i;
        assert_int_equal(ok, at >= 0);
        if (ok) modelInsertAt(m, at + after, buf, n);
    } else if (op == 7 && len) { /* remove (LREM) */
        size_t n = randomElement(buf);
        long long count = (long long)randBelow(5) - 2;
        unsigned long removed = listValueRemove(lv, buf, n, count);
        unsigned long expect = 0;
        unsigned long limit = (unsigned long)(count < 0 ? -count : count);
        if (count < 0) {
            for (long i = m->len - 1; i >= 0 && expect < limit; i--) {
                if (dstrLen(m->items[i]) == n && memcmp(m->items[i], buf, n) == 0) {
                    modelDeleteAt(m, i);
                    expect++;
                }
            }
        } else {
            for (long i = 0; i < m->len && (limit == 0 || expect < limit);) {
                if (dstrLen(m->items[i]) == n && memcmp(m->items[i], buf, n) == 0) {
                    modelDeleteAt(m, i);
                    expect++;
                } else {
                    i++;
                }
            }
        }
        assert_int_equal(removed, expect);
        if (removed && m->len) listValueTryShrink(lv, 1);
    } else if (op == 8 && len) { /* delete a range (LTRIM / LPOP count) */
        long start = (long)randBelow((uint64_t)len);
        unsigned long count = randBelow((uint64_t)(len - start) + 1);
        if (randBelow(2)) {
            listValueDelRange(lv, start - len, count);
        } else {
            listValueDelRange(lv, start, count);
        }
        for (unsigned long k = 0; k < count; k++) modelDeleteAt(m, start);
        if (m->len) listValueTryShrink(lv, 1);
    } else if (op == 9) { /* partial iteration from a random index */
        long from = (long)randBelow((uint64_t)len + 2) - 1;
        int reverse = (int)randBelow(2);
        listIter it;
        listElement e;
        listIterInit(&it, lv, from, reverse);
        long at = from < 0 ? len + from : from;
        int steps = 0;
        while (steps < 20 && listIterNext(&it, &e)) {
            assert_true(at >= 0 && at < len);
            assert_true(elementIs(&e, m->items[at]));
            at += reverse ? -1 : 1;
            steps++;
        }
        listIterRelease(&it);
    }
    assert_true(encodingAllowed(lv));
}

static void runModel(int fill, int depth, unsigned seed, int steps) {
    typeSettings *s = typeGetSettings();
    s->listMaxListpackSize = fill;
    s->listCompressDepth = depth;
    randSeed(seed);
    char *buf = memAlloc(10000), *buf2 = memAlloc(10000);
    model *m = memCalloc(sizeof(*m));
    listValue lv = listValueNew();
    int sawListpack = 0, sawQuicklist = 0;
    for (int step = 0; step < steps; step++) {
        /* Phases: grow for a while, then shrink, so both conversions run. */
        int growing = (step / 1500) % 2 == 0;
        if (!growing && m->len && randBelow(3)) {
            dstr d = listValuePop(&lv, LIST_TAIL);
            dstrFree(d);
            modelDeleteAt(m, m->len - 1);
            if (m->len) listValueTryShrink(&lv, 1);
        } else {
            randomOp(&lv, m, buf, buf2);
        }
        if (lv.encoding == OBJ_ENCODING_LISTPACK) sawListpack = 1;
        else sawQuicklist = 1;
        if (step % 97 == 0) checkAll(&lv, m);
        if (m->len == 0 && lv.encoding == OBJ_ENCODING_QUICKLIST) {
            listValueFree(&lv); /* commands delete empty lists */
            lv = listValueNew();
        }
    }
    checkAll(&lv, m);
    assert_true(sawListpack);
    assert_true(sawQuicklist);
    listValueFree(&lv);
    modelClear(m);
    memFree(m);
    memFree(buf);
    memFree(buf2);
}

static void test_model_byte_fill(void **state) {
    (void)state;
    runModel(-1, 0, 11, 6000);
}

static void test_model_byte_fill_compressed(void **state) {
    (void)state;
    runModel(-2, 1, 12, 6000);
}

static void test_model_count_fill(void **state) {
    (void)state;
    runModel(8, 2, 13, 6000);
}

static void test_model_count_fill_one(void **state) {
    (void)state;
    runModel(1, 0, 14, 3000);
}

/* --- Conversion boundaries (Valkey's rules) --- */

static void pushN(listValue *lv, int n, const char *s) {
    for (int i = 0; i < n; i++) {
        listValueTryGrow(lv, strlen(s), 1);
        listValuePush(lv, s, strlen(s), LIST_TAIL);
    }
}

static void test_count_thresholds(void **state) {
    (void)state;
    typeGetSettings()->listMaxListpackSize = 4;
    typeGetSettings()->listCompressDepth = 0;
    listValue lv = listValueNew();
    pushN(&lv, 4, "x");
    assert_int_equal(lv.encoding, OBJ_ENCODING_LISTPACK);
    pushN(&lv, 1, "x");
    assert_int_equal(lv.encoding, OBJ_ENCODING_QUICKLIST);
    assert_int_equal(listValueLength(&lv), 5);
    /* The listpack became the first node, the fifth element a second one. */
    dstrFree(listValuePop(&lv, LIST_TAIL));
    listValueTryShrink(&lv, 1);
    assert_int_equal(lv.encoding, OBJ_ENCODING_QUICKLIST); /* 4 > 4 / 2 */
    /* Not shrinking (SORT, RDB): fits the full limit. */
    listValue copy = {OBJ_ENCODING_QUICKLIST, quicklistDup(lv.ptr)};
    listValueTryShrink(&copy, 0);
    assert_int_equal(copy.encoding, OBJ_ENCODING_LISTPACK);
    assert_int_equal(listValueLength(&copy), 4);
    listValueFree(&copy);
    dstrFree(listValuePop(&lv, LIST_HEAD));
    listValueTryShrink(&lv, 1);
    assert_int_equal(lv.encoding, OBJ_ENCODING_QUICKLIST); /* 3 > 2 */
    dstrFree(listValuePop(&lv, LIST_HEAD));
    listValueTryShrink(&lv, 1);
    assert_int_equal(lv.encoding, OBJ_ENCODING_LISTPACK);
    assert_int_equal(listValueLength(&lv), 2);
    /* Several elements at once are checked together. */
    listValueTryGrow(&lv, 2, 2);
    assert_int_equal(lv.encoding, OBJ_ENCODING_LISTPACK);
    listValueTryGrow(&lv, 3, 3);
    assert_int_equal(lv.encoding, OBJ_ENCODING_QUICKLIST);
    listValueFree(&lv);
    /* A count fill still has the 8 KB safety limit. */
    typeGetSettings()->listMaxListpackSize = 1000;
    lv = listValueNew();
    listValueTryGrow(&lv, 8192 - lpBytes(lv.ptr), 1);
    assert_int_equal(lv.encoding, OBJ_ENCODING_LISTPACK);
    listValueTryGrow(&lv, 8193 - lpBytes(lv.ptr), 1);
    assert_int_equal(lv.encoding, OBJ_ENCODING_QUICKLIST);
    assert_int_equal(listValueLength(&lv), 0);
    listValueFree(&lv);
}

static void test_byte_thresholds(void **state) {
    (void)state;
    typeGetSettings()->listMaxListpackSize = -1; /* 4096 bytes */
    listValue lv = listValueNew();
    char elem[101];
    memset(elem, 'e', 100);
    elem[100] = 0;
    while (lpBytes(lv.ptr) + 100 <= 4096) pushN(&lv, 1, elem);
    assert_int_equal(lv.encoding, OBJ_ENCODING_LISTPACK);
    unsigned long n = listValueLength(&lv);
    pushN(&lv, 1, elem);
    assert_int_equal(lv.encoding, OBJ_ENCODING_QUICKLIST);
    /* Back to a listpack only once one node of at most 2048 bytes remains. */
    while (listValueLength(&lv) > 1) {
        dstrFree(listValuePop(&lv, LIST_TAIL));
        listValueTryShrink(&lv, 1);
        quicklist *ql = lv.ptr;
        if (lv.encoding == OBJ_ENCODING_LISTPACK) break;
        assert_true(ql->len > 1 || ql->head->sz > 2048);
    }
    assert_int_equal(lv.encoding, OBJ_ENCODING_LISTPACK);
    assert_true(lpBytes(lv.ptr) <= 2048);
    assert_true(listValueLength(&lv) < n);
    listValueFree(&lv);
    /* -5 and below: 64 KB. */
    typeGetSettings()->listMaxListpackSize = -5;
    lv = listValueNew();
    listValueTryGrow(&lv, 65536 - lpBytes(lv.ptr), 1);
    assert_int_equal(lv.encoding, OBJ_ENCODING_LISTPACK);
    listValueTryGrow(&lv, 65537 - lpBytes(lv.ptr), 1);
    assert_int_equal(lv.encoding, OBJ_ENCODING_QUICKLIST);
    listValueFree(&lv);
    typeGetSettings()->listMaxListpackSize = -2;
}

/* A plain node (element over the node limit) never turns into a listpack. */
static void test_plain_node_stays_quicklist(void **state) {
    (void)state;
    typeGetSettings()->listMaxListpackSize = -1;
    listValue lv = listValueNewQuicklist();
    char *big = memAlloc(5000);
    memset(big, 'p', 5000);
    listValuePush(&lv, big, 5000, LIST_TAIL);
    listValueTryShrink(&lv, 0);
    assert_int_equal(lv.encoding, OBJ_ENCODING_QUICKLIST);
    listElement e;
    assert_true(listValueIndex(&lv, 0, &e));
    assert_int_equal(e.len, 5000);
    memFree(big);
    listValueFree(&lv);
    typeGetSettings()->listMaxListpackSize = -2;
}

/* Equality of integer elements goes through the canonical form only. */
static void test_integer_elements(void **state) {
    (void)state;
    listValue lv = listValueNew();
    pushN(&lv, 1, "12");
    pushN(&lv, 1, "012");
    pushN(&lv, 1, "-9223372036854775808");
    listElement e;
    assert_true(listValueIndex(&lv, 0, &e));
    assert_null(e.str);
    assert_int_equal(e.ll, 12);
    assert_true(listElementEquals(&e, "12", 2));
    assert_false(listElementEquals(&e, "012", 3));
    assert_false(listElementEquals(&e, "+12", 3));
    assert_true(listValueIndex(&lv, 1, &e));
    assert_non_null(e.str);
    assert_true(listElementEquals(&e, "012", 3));
    assert_false(listElementEquals(&e, "12", 2));
    assert_int_equal(listValueRemove(&lv, "-9223372036854775808", 20, 0), 1);
    assert_int_equal(listValueRemove(&lv, "12", 2, -1), 1);
    assert_int_equal(listValueLength(&lv), 1);
    listValueFree(&lv);
}

/* --- Stored entries: open/close with embedded listpacks --- */

static void test_open_close_stored(void **state) {
    (void)state;
    dbSetup(1);
    typeGetSettings()->listMaxListpackSize = -2;
    serverDb *db = dbByIndex(0);
    dstr key = dstrNew("list");
    listValue lv = listValueNew();
    pushN(&lv, 2, "ab");
    dbAdd(db, kvCreatePointer(key, dstrLen(key), OBJ_LIST, lv.encoding, lv.ptr, -1));
    /* Grow it past the embedding limit, through a quicklist and back. */
    for (int round = 0; round < 800; round++) {
        kvobj *kv = dbFind(db, key);
        assert_non_null(kv);
        listValue w = listValueOpen(kv);
        listValueTryGrow(&w, 10, 1);
        listValuePush(&w, "0123456789", 10, round % 2 ? LIST_HEAD : LIST_TAIL);
        kv = listValueClose(db, kv, &w);
        assert_ptr_equal(kv, dbFind(db, key));
        listValue r = listValueOf(kv);
        assert_int_equal(listValueLength(&r), (unsigned long)round + 3);
    }
    kvobj *kv = dbFind(db, key);
    assert_int_equal(kv->encoding, OBJ_ENCODING_QUICKLIST);
    assert_true(kvMemUsage(kv) > 3000);
    for (int round = 0; round < 800; round++) {
        kv = dbFind(db, key);
        listValue w = listValueOpen(kv);
        dstr d = listValuePop(&w, LIST_HEAD);
        assert_non_null(d);
        dstrFree(d);
        listValueTryShrink(&w, 1);
        kv = listValueClose(db, kv, &w);
    }
    kv = dbFind(db, key);
    assert_int_equal(kv->encoding, OBJ_ENCODING_LISTPACK);
    listValue r = listValueOf(kv);
    assert_int_equal(listValueLength(&r), 2);
    listElement e;
    assert_true(listValueIndex(&r, 1, &e));
    assert_true(listElementEquals(&e, "ab", 2) || listElementEquals(&e, "0123456789", 10));
    dbDelete(db, key);
    dstrFree(key);
}

int main(void) {
    listValueRegister();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_byte_fill),
        cmocka_unit_test(test_model_byte_fill_compressed),
        cmocka_unit_test(test_model_count_fill),
        cmocka_unit_test(test_model_count_fill_one),
        cmocka_unit_test(test_count_thresholds),
        cmocka_unit_test(test_byte_thresholds),
        cmocka_unit_test(test_plain_node_stays_quicklist),
        cmocka_unit_test(test_integer_elements),
        cmocka_unit_test(test_open_close_stored),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
