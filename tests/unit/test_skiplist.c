/* test_skiplist.c — the sorted-set skiplist against a sorted-array model:
 * random inserts, deletes, score updates, ranks, element-by-rank, score and
 * lex ranges with inclusive/exclusive/infinite bounds, and the three bulk
 * deletions (with the callback reporting exactly the removed elements),
 * over thousands of operations with fixed seeds.  After each batch the
 * structure's invariants are checked directly: order, backward links, tail,
 * length, and the spans at every level. */
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
#include "node/types/skiplist.h"

/* --- Model --- */

enum { MAXN = 600 };

typedef struct entry {
    double score;
    char m[8];
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

static int entryCmp(const entry *a, double score, const char *m, size_t len) {
    if (a->score != score) return a->score < score ? -1 : 1;
    return bytesCmp(a->m, a->len, m, len);
}

static int modelFind(const model *md, const char *m, size_t len) {
    for (int i = 0; i < md->n; i++)
        if (md->e[i].len == len && memcmp(md->e[i].m, m, len) == 0) return i;
    return -1;
}

static void modelInsert(model *md, double score, const char *m, size_t len) {
    int i = 0;
    while (i < md->n && entryCmp(&md->e[i], score, m, len) < 0) i++;
    memmove(&md->e[i + 1], &md->e[i], (size_t)(md->n - i) * sizeof(entry));
    md->e[i].score = score;
    memcpy(md->e[i].m, m, len);
    md->e[i].len = len;
    md->n++;
}

static void modelRemoveAt(model *md, int i) {
    memmove(&md->e[i], &md->e[i + 1], (size_t)(md->n - i - 1) * sizeof(entry));
    md->n--;
}

/* --- Invariants --- */

static void checkStructure(const zskiplist *zsl, const model *md) {
    assert_int_equal(zslLength(zsl), (unsigned long)md->n);
    const zskiplistNode *prev = NULL, *x = zsl->header->level[0].forward;
    int i = 0;
    while (x) {
        assert_true(i < md->n);
        assert_true(x->score == md->e[i].score);
        assert_int_equal(dstrLen(x->member), md->e[i].len);
        assert_memory_equal(x->member, md->e[i].m, md->e[i].len);
        assert_ptr_equal(x->backward, prev);
        prev = x;
        x = x->level[0].forward;
        i++;
    }
    assert_int_equal(i, md->n);
    assert_ptr_equal(zsl->tail, prev);
    /* At each level in use, spans add up to each node's level-0 rank. */
    for (int lv = 0; lv < zsl->level; lv++) {
        unsigned long rank = 0;
        const zskiplistNode *y = zsl->header;
        while (y->level[lv].forward) {
            rank += y->level[lv].span;
            y = y->level[lv].forward;
            assert_ptr_equal(zslGetElementByRank(zsl, rank), y);
        }
        assert_int_equal(rank + y->level[lv].span, zslLength(zsl));
    }
    assert_true(zsl->level == 1 || zsl->header->level[zsl->level - 1].forward != NULL);
}

/* --- Random inputs --- */

static size_t randomMember(char *m) {
    size_t len = randBelow(4);
    for (size_t k = 0; k < len; k++) m[k] = randBelow(8) == 0 ? '\0' : (char)('a' + randBelow(4));
    return len;
}

static double randomScore(void) {
    uint64_t r = randBelow(40);
    if (r == 0) return -INFINITY;
    if (r == 1) return INFINITY;
    return (double)((int64_t)randBelow(21) - 10) / 2;
}

static zrangespec randomRange(void) {
    zrangespec r = {randomScore(), randomScore(), (int)randBelow(2), (int)randBelow(2)};
    if (randBelow(4) != 0 && r.min > r.max) {
        double t = r.min;
        r.min = r.max;
        r.max = t;
    }
    return r;
}

static int inScoreRange(double s, const zrangespec *r) {
    return (r->minex ? s > r->min : s >= r->min) && (r->maxex ? s < r->max : s <= r->max);
}

/* Deletion callback: records what was removed, in order. */
typedef struct removedLog {
    entry e[MAXN];
    int n;
} removedLog;

static void recordRemoved(void *ctx, const dstr member, double score) {
    removedLog *log = ctx;
    log->e[log->n].score = score;
    log->e[log->n].len = dstrLen(member);
    memcpy(log->e[log->n].m, member, dstrLen(member));
    log->n++;
}

/* Removes model entries [from, to) and checks they match the callback log. */
static void expectRemoved(model *md, int from, int to, const removedLog *log,
                          unsigned long removed) {
    assert_int_equal(removed, (unsigned long)(to - from));
    assert_int_equal(log->n, to - from);
    for (int k = 0; k < log->n; k++)
        assert_int_equal(entryCmp(&log->e[k], md->e[from + k].score, md->e[from + k].m,
                                  md->e[from + k].len), 0);
    for (int k = to; k-- > from;) modelRemoveAt(md, k);
}

/* --- Score operations --- */

static void opInsertOrUpdate(zskiplist *zsl, model *md) {
    char m[8];
    size_t len = randomMember(m);
    double score = randomScore();
    int i = modelFind(md, m, len);
    if (i < 0) {
        if (md->n >= MAXN - 1) return;
        zskiplistNode *node = zslInsert(zsl, score, dstrNewLen(m, len));
        assert_true(node->score == score);
        modelInsert(md, score, m, len);
        return;
    }
    dstr key = dstrNewLen(m, len);
    double old = md->e[i].score;
    zskiplistNode *before = zslGetElementByRank(zsl, (unsigned long)i + 1);
    dstr sharedMember = before->member;
    zskiplistNode *node = zslUpdateScore(zsl, old, key, score);
    assert_ptr_equal(node, before); /* relinked in place: a table of nodes stays valid */
    assert_ptr_equal(node->member, sharedMember);
    assert_true(node->score == score);
    dstrFree(key);
    modelRemoveAt(md, i);
    modelInsert(md, score, m, len);
}

static void opDelete(zskiplist *zsl, model *md) {
    char m[8];
    size_t len = randomMember(m);
    double score = randomScore();
    int i = modelFind(md, m, len);
    if (i >= 0 && randBelow(2)) score = md->e[i].score;
    dstr key = dstrNewLen(m, len);
    int expect = i >= 0 && md->e[i].score == score;
    zskiplistNode *node = NULL;
    int useNode = (int)randBelow(2);
    assert_int_equal(zslDelete(zsl, score, key, useNode ? &node : NULL), expect);
    if (expect) {
        if (useNode) {
            assert_non_null(node);
            assert_int_equal(bytesCmp(node->member, dstrLen(node->member), m, len), 0);
            zslFreeNode(node);
        }
        modelRemoveAt(md, i);
    }
    dstrFree(key);
}

static void opRank(const zskiplist *zsl, const model *md) {
    char m[8];
    size_t len = randomMember(m);
    int i = modelFind(md, m, len);
    dstr key = dstrNewLen(m, len);
    if (i >= 0) {
        assert_int_equal(zslGetRank(zsl, md->e[i].score, key), (unsigned long)i + 1);
        if (isfinite(md->e[i].score))
            assert_int_equal(zslGetRank(zsl, md->e[i].score + 0.25, key), 0);
    } else {
        assert_int_equal(zslGetRank(zsl, randomScore(), key), 0);
    }
    dstrFree(key);
    unsigned long r = randBelow((uint64_t)md->n + 2);
    zskiplistNode *x = zslGetElementByRank(zsl, r);
    if (r == 0 || r > (unsigned long)md->n) {
        assert_null(x);
    } else {
        assert_non_null(x);
        const entry *e = &md->e[r - 1];
        assert_int_equal(entryCmp(e, x->score, x->member, dstrLen(x->member)), 0);
    }
}

static void opScoreRange(const zskiplist *zsl, const model *md) {
    zrangespec r = randomRange();
    int first = -1, last = -1;
    for (int i = 0; i < md->n; i++)
        if (inScoreRange(md->e[i].score, &r)) {
            if (first < 0) first = i;
            last = i;
        }
    zskiplistNode *f = zslFirstInRange(zsl, &r), *l = zslLastInRange(zsl, &r);
    assert_int_equal(zslIsInRange(zsl, &r) || first < 0, 1);
    if (first < 0) {
        assert_null(f);
        assert_null(l);
        return;
    }
    assert_non_null(f);
    assert_non_null(l);
    assert_int_equal(zslGetRank(zsl, f->score, f->member), (unsigned long)first + 1);
    assert_int_equal(zslGetRank(zsl, l->score, l->member), (unsigned long)last + 1);
}

static void opDeleteRange(zskiplist *zsl, model *md) {
    removedLog *log = calloc(1, sizeof(*log));
    if (randBelow(2)) {
        zrangespec r = randomRange();
        if (randBelow(3)) r.max = r.min + (r.max - r.min) / 4; /* keep some elements */
        int from = 0;
        while (from < md->n && !inScoreRange(md->e[from].score, &r)) from++;
        int to = from;
        while (to < md->n && inScoreRange(md->e[to].score, &r)) to++;
        expectRemoved(md, from, to, log, zslDeleteRangeByScore(zsl, &r, recordRemoved, log));
    } else {
        unsigned long start = randBelow((uint64_t)md->n + 2);
        unsigned long end = start + randBelow(8);
        if (randBelow(8) == 0) end = start ? start - 1 : 0;
        int from = start ? (int)start - 1 : 0, to = from;
        if (start >= 1 && start <= end && start <= (unsigned long)md->n)
            to = (int)(end < (unsigned long)md->n ? end : (unsigned long)md->n);
        else from = to = 0;
        expectRemoved(md, from, to, log, zslDeleteRangeByRank(zsl, start, end, recordRemoved, log));
    }
    free(log);
}

static void testScoreModel(void **state) {
    (void)state;
    randSeed(2024);
    zskiplist *zsl = zslCreate();
    model *md = calloc(1, sizeof(*md));
    for (int op = 0; op < 12000; op++) {
        uint64_t k = randBelow(100);
        if (k < 40) opInsertOrUpdate(zsl, md);
        else if (k < 60) opDelete(zsl, md);
        else if (k < 78) opRank(zsl, md);
        else if (k < 98) opScoreRange(zsl, md);
        else opDeleteRange(zsl, md);
        if (op % 200 == 0) checkStructure(zsl, md);
    }
    checkStructure(zsl, md);
    zslFree(zsl);
    free(md);
}

/* --- Lex operations (all scores equal) --- */

static int parseBound(char *buf, int wantMin) {
    uint64_t kind = randBelow(10);
    if (kind == 0) return sprintf(buf, "%s", wantMin ? "-" : "+");
    if (kind == 1) return sprintf(buf, "%s", wantMin ? "+" : "-");
    buf[0] = randBelow(2) ? '[' : '(';
    return 1 + (int)randomMember(buf + 1);
}

static int inLexBound(const entry *e, const char *b, size_t blen, int isMin) {
    if (b[0] == '-') return !isMin ? 0 : 1;
    if (b[0] == '+') return isMin ? 0 : 1;
    int c = bytesCmp(e->m, e->len, b + 1, blen - 1);
    if (isMin) return b[0] == '(' ? c > 0 : c >= 0;
    return b[0] == '(' ? c < 0 : c <= 0;
}

static void testLexModel(void **state) {
    (void)state;
    randSeed(77);
    zskiplist *zsl = zslCreate();
    model *md = calloc(1, sizeof(*md));
    removedLog *log = calloc(1, sizeof(*log));
    for (int op = 0; op < 6000; op++) {
        char m[8];
        size_t len = randomMember(m);
        if (randBelow(3) == 0 && modelFind(md, m, len) < 0) {
            zslInsert(zsl, 1.0, dstrNewLen(m, len));
            modelInsert(md, 1.0, m, len);
        }
        char minb[8], maxb[8];
        int minlen = parseBound(minb, 1), maxlen = parseBound(maxb, 0);
        zlexrangespec spec;
        assert_int_equal(zslParseLexRange(minb, (size_t)minlen, maxb, (size_t)maxlen, &spec), 0);
        int first = -1, last = -1;
        for (int i = 0; i < md->n; i++)
            if (inLexBound(&md->e[i], minb, (size_t)minlen, 1) &&
                inLexBound(&md->e[i], maxb, (size_t)maxlen, 0)) {
                if (first < 0) first = i;
                last = i;
            }
        zskiplistNode *f = zslFirstInLexRange(zsl, &spec), *l = zslLastInLexRange(zsl, &spec);
        if (first < 0) {
            assert_null(f);
            assert_null(l);
        } else {
            assert_int_equal(zslGetRank(zsl, 1.0, f->member), (unsigned long)first + 1);
            assert_int_equal(zslGetRank(zsl, 1.0, l->member), (unsigned long)last + 1);
            /* The model's matches are contiguous (sorted by member). */
            for (int i = first; i <= last; i++)
                assert_true(inLexBound(&md->e[i], minb, (size_t)minlen, 1) &&
                            inLexBound(&md->e[i], maxb, (size_t)maxlen, 0));
        }
        if (randBelow(25) == 0) {
            log->n = 0;
            unsigned long removed = zslDeleteRangeByLex(zsl, &spec, recordRemoved, log);
            if (first < 0) first = last = 0, last = -1;
            expectRemoved(md, first, last + 1, log, removed);
        }
        zslFreeLexRange(&spec);
        if (op % 200 == 0) checkStructure(zsl, md);
    }
    checkStructure(zsl, md);
    zslFree(zsl);
    free(log);
    free(md);
}

static void testLexParse(void **state) {
    (void)state;
    zlexrangespec s;
    const char *bad[] = {"", "a", "-a", "+b", "x"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(zslParseLexRange(bad[i], strlen(bad[i]), "+", 1, &s), -1);
        assert_int_equal(zslParseLexRange("-", 1, bad[i], strlen(bad[i]), &s), -1);
    }
    /* A good min and a bad max: nothing leaks (checked by the ASan build). */
    assert_int_equal(zslParseLexRange("[abc", 4, "zz", 2, &s), -1);
    assert_int_equal(zslParseLexRange("(a\0b", 4, "[", 1, &s), 0);
    assert_int_equal(s.min.ex, 1);
    assert_int_equal(s.min.inf, 0);
    assert_int_equal(dstrLen(s.min.value), 3);
    assert_int_equal(s.max.ex, 0);
    assert_int_equal(dstrLen(s.max.value), 0);
    zslFreeLexRange(&s);
    /* "-" "-" and "+" "+" are empty; "[a" "[a" holds exactly "a". */
    zskiplist *zsl = zslCreate();
    zslInsert(zsl, 0, dstrNew("a"));
    zslInsert(zsl, 0, dstrNew("b"));
    assert_int_equal(zslParseLexRange("-", 1, "-", 1, &s), 0);
    assert_false(zslIsInLexRange(zsl, &s));
    assert_int_equal(zslDeleteRangeByLex(zsl, &s, NULL, NULL), 0);
    zslFreeLexRange(&s);
    assert_int_equal(zslParseLexRange("[a", 2, "[a", 2, &s), 0);
    zskiplistNode *f = zslFirstInLexRange(zsl, &s);
    assert_non_null(f);
    assert_string_equal(f->member, "a");
    assert_ptr_equal(zslLastInLexRange(zsl, &s), f);
    zslFreeLexRange(&s);
    assert_int_equal(zslParseLexRange("(a", 2, "(a", 2, &s), 0);
    assert_null(zslFirstInLexRange(zsl, &s));
    zslFreeLexRange(&s);
    assert_int_equal(zslParseLexRange("-", 1, "+", 1, &s), 0);
    assert_int_equal(zslDeleteRangeByLex(zsl, &s, NULL, NULL), 2);
    assert_int_equal(zslLength(zsl), 0);
    assert_null(zsl->tail);
    zslFreeLexRange(&s);
    zslFree(zsl);
}

/* --- Edge cases --- */

static void testEmptyAndBounds(void **state) {
    (void)state;
    zskiplist *zsl = zslCreate();
    zrangespec all = {-INFINITY, INFINITY, 0, 0};
    assert_null(zslFirstInRange(zsl, &all));
    assert_null(zslLastInRange(zsl, &all));
    assert_null(zslGetElementByRank(zsl, 1));
    assert_int_equal(zslDeleteRangeByRank(zsl, 1, 10, NULL, NULL), 0);
    for (int i = 0; i < 100; i++) zslInsert(zsl, i, dstrFromLongLong(i));
    zrangespec half = {10, 20, 1, 0}; /* (10, 20] */
    assert_true(zslFirstInRange(zsl, &half)->score == 11);
    assert_true(zslLastInRange(zsl, &half)->score == 20);
    zrangespec point = {5, 5, 0, 0}, openPoint = {5, 5, 1, 0}, inverted = {7, 6, 0, 0};
    assert_true(zslFirstInRange(zsl, &point)->score == 5);
    assert_null(zslFirstInRange(zsl, &openPoint));
    assert_null(zslLastInRange(zsl, &inverted));
    assert_int_equal(zslDeleteRangeByScore(zsl, &inverted, NULL, NULL), 0);
    zrangespec above = {99, INFINITY, 1, 0};
    assert_null(zslFirstInRange(zsl, &above));
    assert_int_equal(zslDeleteRangeByRank(zsl, 0, 5, NULL, NULL), 0);
    assert_int_equal(zslDeleteRangeByRank(zsl, 99, 1000, NULL, NULL), 2);
    assert_true(zsl->tail->score == 97);
    assert_int_equal(zslDeleteRangeByScore(zsl, &all, NULL, NULL), 98);
    assert_null(zsl->tail);
    assert_int_equal(zsl->level, 1);
    zslFree(zsl);
}

static void testLevelsDistribution(void **state) {
    (void)state;
    randSeed(9);
    zskiplist *zsl = zslCreate();
    int counts[ZSKIPLIST_MAXLEVEL + 1] = {0};
    for (int i = 0; i < 20000; i++) zslInsert(zsl, i, dstrFromLongLong(i));
    /* Count each node's levels via the level chains. */
    for (int lv = 0; lv < zsl->level; lv++)
        for (zskiplistNode *x = zsl->header->level[lv].forward; x; x = x->level[lv].forward)
            counts[lv]++;
    assert_int_equal(counts[0], 20000);
    /* About a quarter of the nodes at each next level. */
    assert_true(counts[1] > 4400 && counts[1] < 5600);
    assert_true(counts[2] > 1000 && counts[2] < 1500);
    assert_true(zsl->level >= 6 && zsl->level <= 12);
    zslFree(zsl);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testScoreModel),     cmocka_unit_test(testLexModel),
        cmocka_unit_test(testLexParse),       cmocka_unit_test(testEmptyAndBounds),
        cmocka_unit_test(testLevelsDistribution),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
