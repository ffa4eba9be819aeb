/* test_zset_value.c — the sorted set value (zset_value.h) against a sorted
 * array model, in both encodings: random ZADD-style adds with NX/XX/GT/LT/
 * INCR, removals, scores, ranks both ways, iteration from a rank, score and
 * lex ranges (forward and reverse), counts, the three range deletions and
 * random elements, with thresholds small enough that values convert from
 * LISTPACK to SKIPLIST mid-run, and explicit conversions both ways.  After
 * every operation the whole value is compared with the model by iterating
 * it forward and backward.  Fixed seeds, bounded sizes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#include <cmocka.h>

#include "node/base/dstr.h"
#include "node/base/rand.h"
#include "node/types/type_util.h"
#include "node/types/zset_value.h"

/* --- Model: elements sorted by (score, member bytes) --- */

enum { MAXN = 400, MAXLEN = 80 };

typedef struct entry {
    double score;
    char m[MAXLEN];
    size_t len;
} entry;

typedef struct model {
    entry e[MAXN];
    int n;
} model;

static int bytesCmp(const char *a, size_t alen, const char *b, size_t blen) {
    int c = memcmp(a, b, alen < blen ? alen : blen);
    return c ? c : (alen < blen ? -1 : alen > blen);
}

static int entryBefore(const entry *a, double score, const char *m, size_t len) {
    if (a->score != score) return a->score < score;
    return bytesCmp(a->m, a->len, m, len) < 0;
}

static int modelFind(const model *md, const char *m, size_t len) {
    for (int i = 0; i < md->n; i++)
        if (md->e[i].len == len && memcmp(md->e[i].m, m, len) == 0) return i;
    return -1;
}

static void modelRemoveAt(model *md, int i) {
    memmove(&md->e[i], &md->e[i + 1], (size_t)(md->n - i - 1) * sizeof(entry));
    md->n--;
}

static void modelInsert(model *md, double score, const char *m, size_t len) {
    int i = 0;
    while (i < md->n && entryBefore(&md->e[i], score, m, len)) i++;
    memmove(&md->e[i + 1], &md->e[i], (size_t)(md->n - i) * sizeof(entry));
    md->e[i].score = score;
    memcpy(md->e[i].m, m, len);
    md->e[i].len = len;
    md->n++;
}

/* The reference zsetAdd: returns out flags, -1 on NaN. */
static int modelAdd(model *md, double score, const char *m, size_t len, int flags, double *newScore) {
    int i = modelFind(md, m, len);
    if (i >= 0) {
        double cur = md->e[i].score;
        if (flags & ZADD_IN_NX) return ZADD_OUT_NOP;
        if (flags & ZADD_IN_INCR) {
            score += cur;
            if (isnan(score)) return -1;
        }
        if (((flags & ZADD_IN_GT) && score <= cur) || ((flags & ZADD_IN_LT) && score >= cur))
            return ZADD_OUT_NOP;
        *newScore = score;
        if (score == cur) return 0;
        modelRemoveAt(md, i);
        modelInsert(md, score, m, len);
        return ZADD_OUT_UPDATED;
    }
    if (flags & ZADD_IN_XX) return ZADD_OUT_NOP;
    modelInsert(md, score, m, len);
    *newScore = score;
    return ZADD_OUT_ADDED;
}

/* --- Comparing value and model --- */

static void checkSame(const zsetRef *z, const model *md) {
    assert_int_equal(zsetLength(z), md->n);
    zsetIter it;
    zsetElem e;
    int i = 0;
    zsetIterInit(&it, z, 0);
    while (zsetIterNext(&it, &e)) {
        assert_true(i < md->n);
        assert_int_equal(e.len, md->e[i].len);
        assert_memory_equal(e.member, md->e[i].m, e.len);
        assert_true(e.score == md->e[i].score);
        i++;
    }
    assert_int_equal(i, md->n);
    zsetIterInit(&it, z, 1);
    while (zsetIterNext(&it, &e)) {
        i--;
        assert_int_equal(e.len, md->e[i].len);
        assert_memory_equal(e.member, md->e[i].m, e.len);
    }
    assert_int_equal(i, 0);
}

/* --- Random inputs --- */

static size_t randomMember(char *buf) {
    uint64_t r = randBelow(100);
    if (r < 10) return (size_t)snprintf(buf, MAXLEN, "%d", (int)randBelow(60) - 10); /* integers */
    if (r < 14) { /* long members: beyond zset-max-listpack-value */
        size_t len = 20 + (size_t)randBelow(50);
        memset(buf, 'x', len);
        buf[len - 1] = (char)('a' + randBelow(5));
        return len;
    }
    if (r < 16) return 0; /* the empty member */
    return (size_t)snprintf(buf, MAXLEN, "m%d", (int)randBelow(120));
}

static double randomScore(void) {
    uint64_t r = randBelow(100);
    if (r < 3) return INFINITY;
    if (r < 6) return -INFINITY;
    if (r < 40) return (double)((int)randBelow(20) - 10);
    if (r < 70) return ((int)randBelow(200) - 100) / 4.0;
    return ((double)randBelow(1000000) - 500000) / 1000.0;
}

static void randomRange(zrangespec *r) {
    double a = randomScore(), b = randomScore();
    if (randBelow(5)) {
        if (a > b) {
            double t = a;
            a = b;
            b = t;
        }
    }
    r->min = a;
    r->max = b;
    r->minex = (int)randBelow(2);
    r->maxex = (int)randBelow(2);
}

static int inRange(double s, const zrangespec *r) {
    return zslValueGteMin(s, r) && zslValueLteMax(s, r);
}

/* --- Checks of the read operations --- */

static void checkReads(const zsetRef *z, const model *md) {
    char m[MAXLEN];
    size_t len = randomMember(m);
    int i = modelFind(md, m, len);
    double score;
    assert_int_equal(zsetScore(z, m, len, &score), i >= 0);
    if (i >= 0) assert_true(score == md->e[i].score);
    assert_int_equal(zsetRank(z, m, len, 0, NULL), i);
    assert_int_equal(zsetRank(z, m, len, 1, NULL), i < 0 ? -1 : md->n - 1 - i);

    zrangespec r;
    randomRange(&r);
    unsigned long count = 0;
    int first = -1, last = -1;
    for (int k = 0; k < md->n; k++)
        if (inRange(md->e[k].score, &r)) {
            count++;
            if (first < 0) first = k;
            last = k;
        }
    assert_int_equal(zsetCountInRange(z, &r), count);
    zsetIter it;
    zsetElem e;
    assert_int_equal(zsetIterInitAtScore(&it, z, 0, &r), count > 0);
    if (count) {
        assert_true(zsetIterNext(&it, &e));
        assert_true(e.score == md->e[first].score);
        assert_memory_equal(e.member, md->e[first].m, e.len);
    }
    assert_int_equal(zsetIterInitAtScore(&it, z, 1, &r), count > 0);
    if (count) {
        assert_true(zsetIterNext(&it, &e));
        assert_memory_equal(e.member, md->e[last].m, e.len);
    }
    if (md->n) {
        unsigned long rank = (unsigned long)randBelow((uint64_t)md->n);
        zsetIterInitAtRank(&it, z, 1, rank);
        assert_true(zsetIterNext(&it, &e));
        assert_memory_equal(e.member, md->e[md->n - 1 - rank].m, e.len);
        char buf[LP_INTBUF_SIZE];
        zsetRandomElement(z, &e, buf);
        int k = modelFind(md, e.member, e.len);
        assert_true(k >= 0);
        assert_true(md->e[k].score == e.score);
    }
}

/* --- Writes --- */

static void randomWrite(zsetRef *z, model *md) {
    char m[MAXLEN];
    size_t len = randomMember(m);
    uint64_t op = randBelow(100);
    if (op < 60) {
        static const int flagSets[] = {0, 0, 0, ZADD_IN_NX, ZADD_IN_XX, ZADD_IN_GT, ZADD_IN_LT,
                                       ZADD_IN_INCR, ZADD_IN_INCR | ZADD_IN_XX, ZADD_IN_GT | ZADD_IN_XX};
        int flags = flagSets[randBelow(sizeof(flagSets) / sizeof(flagSets[0]))];
        double score = randomScore(), got = NAN, want = NAN;
        int out;
        int expect = modelAdd(md, score, m, len, flags, &want);
        int ok = zsetAdd(z, score, m, len, flags, &out, &got);
        if (expect < 0) {
            assert_int_equal(ok, 0);
            assert_true(out & ZADD_OUT_NAN);
            return;
        }
        assert_int_equal(ok, 1);
        assert_int_equal(out, expect);
        if (!(out & ZADD_OUT_NOP)) assert_true(got == want);
    } else if (op < 80) {
        int i = modelFind(md, m, len);
        assert_int_equal(zsetRemove(z, m, len), i >= 0);
        if (i >= 0) modelRemoveAt(md, i);
    } else if (op < 86) {
        zrangespec r;
        randomRange(&r);
        unsigned long want = 0;
        for (int k = md->n - 1; k >= 0; k--)
            if (inRange(md->e[k].score, &r)) {
                modelRemoveAt(md, k);
                want++;
            }
        assert_int_equal(zsetDeleteRangeByScore(z, &r), want);
    } else if (op < 90 && md->n > 0) {
        unsigned long a = (unsigned long)randBelow((uint64_t)md->n);
        unsigned long b = a + (unsigned long)randBelow((uint64_t)(md->n - a) < 5 ? (uint64_t)(md->n - a) : 5);
        assert_int_equal(zsetDeleteRangeByRank(z, a, b), b - a + 1);
        for (unsigned long k = b + 1; k-- > a;) modelRemoveAt(md, (int)k);
    } else {
        /* the full set of reads */
        checkReads(z, md);
    }
}

static void runModel(uint64_t seed, int startEncoding, long long maxEntries, long long maxValue,
                     int ops) {
    typeSettings *ts = typeGetSettings();
    ts->zsetMaxListpackEntries = maxEntries;
    ts->zsetMaxListpackValue = maxValue;
    randSeed(seed);
    static model md;
    md.n = 0;
    zsetRef z = zsetCreate(0, 0);
    if (startEncoding == OBJ_ENCODING_SKIPLIST) zsetConvert(&z, OBJ_ENCODING_SKIPLIST);
    int sawListpack = 0, sawSkiplist = 0;
    for (int i = 0; i < ops; i++) {
        if (md.n >= MAXN - 2) {
            zsetDeleteRangeByRank(&z, 0, (unsigned long)md.n / 2);
            memmove(&md.e[0], &md.e[md.n / 2 + 1], (size_t)(md.n - md.n / 2 - 1) * sizeof(entry));
            md.n -= md.n / 2 + 1;
        }
        randomWrite(&z, &md);
        if (z.encoding == OBJ_ENCODING_LISTPACK) sawListpack = 1;
        else sawSkiplist = 1;
        /* The listpack never exceeds the thresholds. */
        if (z.encoding == OBJ_ENCODING_LISTPACK) assert_true((long long)md.n <= maxEntries);
        if (i % 7 == 0) checkSame(&z, &md);
        if (i % 500 == 499) { /* both directions, then on with the big one */
            zsetConvert(&z, OBJ_ENCODING_LISTPACK);
            checkSame(&z, &md);
            zsetConvert(&z, OBJ_ENCODING_SKIPLIST);
            checkSame(&z, &md);
            zsetShrinkIfFits(&z);
            checkSame(&z, &md);
        }
    }
    checkSame(&z, &md);
    if (startEncoding == OBJ_ENCODING_LISTPACK) assert_true(sawListpack);
    assert_true(sawSkiplist);
    zsetRelease(&z);
}

static void test_model_from_listpack(void **state) {
    (void)state;
    runModel(1, OBJ_ENCODING_LISTPACK, 16, 40, 6000);
    runModel(2, OBJ_ENCODING_LISTPACK, 64, 64, 6000);
}

static void test_model_skiplist(void **state) {
    (void)state;
    runModel(3, OBJ_ENCODING_SKIPLIST, 16, 40, 6000);
    runModel(4, OBJ_ENCODING_SKIPLIST, 0, 0, 3000);
}

/* Lex ranges: every element has the same score, as ZRANGEBYLEX requires. */
static void test_lex_ranges(void **state) {
    (void)state;
    typeSettings *ts = typeGetSettings();
    ts->zsetMaxListpackEntries = 128;
    ts->zsetMaxListpackValue = 64;
    randSeed(5);
    for (int round = 0; round < 2; round++) {
        zsetRef z = zsetCreate(0, 0);
        static model md;
        md.n = 0;
        for (int i = 0; i < 100; i++) {
            char m[8];
            size_t len = (size_t)snprintf(m, sizeof(m), "%c%c", 'a' + (int)randBelow(10), 'a' + (int)randBelow(10));
            int out;
            double ns;
            modelAdd(&md, 0, m, len, 0, &ns);
            zsetAdd(&z, 0, m, len, 0, &out, NULL);
        }
        if (round == 1) zsetConvert(&z, OBJ_ENCODING_SKIPLIST);
        checkSame(&z, &md);
        for (int q = 0; q < 300; q++) {
            char a[4] = {'[', (char)('a' + randBelow(11)), 0, 0}, b[4] = {'(', (char)('a' + randBelow(11)), 0, 0};
            if (randBelow(2)) a[0] = '(';
            if (randBelow(2)) b[0] = '[';
            zlexrangespec spec;
            const char *mins = randBelow(8) ? a : "-", *maxs = randBelow(8) ? b : "+";
            assert_int_equal(zslParseLexRange(mins, strlen(mins), maxs, strlen(maxs), &spec), 0);
            unsigned long want = 0;
            int first = -1, last = -1;
            for (int k = 0; k < md.n; k++)
                if (zsetLexGteMin(md.e[k].m, md.e[k].len, &spec) &&
                    zsetLexLteMax(md.e[k].m, md.e[k].len, &spec)) {
                    want++;
                    if (first < 0) first = k;
                    last = k;
                }
            assert_int_equal(zsetCountInLexRange(&z, &spec), want);
            zsetIter it;
            zsetElem e;
            assert_int_equal(zsetIterInitAtLex(&it, &z, 0, &spec), want > 0);
            if (want) {
                zsetIterNext(&it, &e);
                assert_memory_equal(e.member, md.e[first].m, e.len);
            }
            assert_int_equal(zsetIterInitAtLex(&it, &z, 1, &spec), want > 0);
            if (want) {
                zsetIterNext(&it, &e);
                assert_memory_equal(e.member, md.e[last].m, e.len);
            }
            if (q % 10 == 0) {
                assert_int_equal(zsetDeleteRangeByLex(&z, &spec), want);
                for (int k = last; want && k >= first; k--) modelRemoveAt(&md, k);
                checkSame(&z, &md);
            }
            zslFreeLexRange(&spec);
        }
        zsetRelease(&z);
    }
}

/* The listpack holds the byte layout Valkey writes: member, score pairs,
 * integral scores as integers. */
static void test_listpack_layout(void **state) {
    (void)state;
    typeSettings *ts = typeGetSettings();
    ts->zsetMaxListpackEntries = 128;
    ts->zsetMaxListpackValue = 64;
    zsetRef z = zsetCreate(2, 1);
    assert_int_equal(z.encoding, OBJ_ENCODING_LISTPACK);
    int out;
    zsetAdd(&z, 2.5, "b", 1, 0, &out, NULL);
    zsetAdd(&z, 1, "a", 1, 0, &out, NULL);
    unsigned char *lp = z.ptr;
    assert_int_equal(lpLength(lp), 4);
    lpEntry e;
    lpGetEntry(lpSeek(lp, 0), &e);
    assert_memory_equal(e.sval, "a", 1);
    lpGetEntry(lpSeek(lp, 1), &e);
    assert_null(e.sval);
    assert_int_equal(e.lval, 1);
    lpGetEntry(lpSeek(lp, 3), &e);
    assert_int_equal(e.slen, 3);
    assert_memory_equal(e.sval, "2.5", 3);
    /* A member too long converts; a big size hint creates SKIPLIST. */
    char big[65];
    memset(big, 'x', sizeof(big));
    zsetAdd(&z, 3, big, sizeof(big), 0, &out, NULL);
    assert_int_equal(z.encoding, OBJ_ENCODING_SKIPLIST);
    zsetRelease(&z);
    z = zsetCreate(129, 1);
    assert_int_equal(z.encoding, OBJ_ENCODING_SKIPLIST);
    zsetRelease(&z);
    /* Dup of a skiplist is deep and equal. */
    z = zsetCreate(500, 0);
    for (int i = 0; i < 300; i++) {
        char m[16];
        int n = snprintf(m, sizeof(m), "k%d", i);
        zsetAdd(&z, i % 17, m, (size_t)n, 0, &out, NULL);
    }
    zsetRef copy = {OBJ_ENCODING_SKIPLIST, zsetDupSkiplist(z.ptr)};
    zsetRemove(&z, "k5", 2);
    assert_int_equal(zsetLength(&copy), 300);
    double s;
    assert_true(zsetScore(&copy, "k5", 2, &s));
    assert_true(s == 5);
    assert_int_equal(zsetRank(&copy, "k0", 2, 0, NULL), 0);
    zsetRelease(&copy);
    zsetRelease(&z);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_from_listpack),
        cmocka_unit_test(test_model_skiplist),
        cmocka_unit_test(test_lex_ranges),
        cmocka_unit_test(test_listpack_layout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
