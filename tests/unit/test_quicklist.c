/* test_quicklist.c — the quicklist against an array model: randomized runs
 * (pushes at both ends, inserts next to random elements, range deletes,
 * replaces, pops, indexes with negative indexes, deletes while iterating in
 * both directions, rotations) under several fill values and compression
 * depths, with small, integer, compressible, incompressible and large
 * (plain-node) elements.  After every operation the node invariants are
 * checked: counts add up, no empty node, listpacks valid and within the
 * limit, exactly the nodes deeper than the depth compressed (or marked
 * incompressible, which is verified), and the contents equal the model in
 * both directions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <lzf.h>

#include "node/base/mem.h"
#include "node/base/rand.h"
#include "node/types/listpack.h"
#include "node/types/quicklist.h"

/* --- The model --- */

typedef struct item {
    unsigned char *s;
    size_t len;
} item;

typedef struct model {
    item *items;
    size_t count;
    size_t cap;
} model;

static void modelInsert(model *m, size_t at, const unsigned char *s, size_t len) {
    if (m->count == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 64;
        m->items = memRealloc(m->items, m->cap * sizeof(item));
    }
    memmove(m->items + at + 1, m->items + at, (m->count - at) * sizeof(item));
    m->items[at].s = memDup(s, len ? len : 1);
    m->items[at].len = len;
    m->count++;
}

static void modelDelete(model *m, size_t at, size_t n) {
    for (size_t i = at; i < at + n; i++) memFree(m->items[i].s);
    memmove(m->items + at, m->items + at + n, (m->count - at - n) * sizeof(item));
    m->count -= n;
}

static void modelFree(model *m) {
    modelDelete(m, 0, m->count);
    memFree(m->items);
}

/* --- Values --- */

static unsigned char valueBuf[32768];

/* A random value in valueBuf; returns its length. */
static size_t randomValue(void) {
    uint64_t kind = randBelow(100);
    size_t len;
    if (kind < 25) {
        long long v = (long long)randNext() >> randBelow(64);
        if (randBelow(2)) v = -v;
        return (size_t)snprintf((char *)valueBuf, sizeof(valueBuf), "%lld", v);
    } else if (kind < 55) {
        len = randBelow(20);
        for (size_t i = 0; i < len; i++) valueBuf[i] = (unsigned char)('a' + randBelow(26));
    } else if (kind < 75) { /* compressible */
        len = 50 + randBelow(700);
        for (size_t i = 0; i < len; i++) valueBuf[i] = (unsigned char)('a' + (i / 7) % 3);
    } else if (kind < 95) { /* incompressible */
        len = 50 + randBelow(700);
        for (size_t i = 0; i < len; i++) valueBuf[i] = (unsigned char)randNext();
    } else { /* large: a plain node under every fill used here */
        len = 8200 + randBelow(16000);
        int random = (int)randBelow(2);
        for (size_t i = 0; i < len; i++)
            valueBuf[i] = random ? (unsigned char)randNext() : (unsigned char)('x' + (i / 100) % 2);
    }
    return len;
}

/* --- Checks --- */

static void assertEntryEquals(const quicklistEntry *e, const item *want) {
    if (e->value) {
        assert_int_equal(e->sz, want->len);
        assert_memory_equal(e->value, want->s, want->len);
    } else {
        char buf[32];
        int n = snprintf(buf, sizeof(buf), "%lld", e->longval);
        assert_int_equal((size_t)n, want->len);
        assert_memory_equal(buf, want->s, want->len);
    }
}

/* The node's container bytes (decompressed into a fresh buffer if needed). */
static unsigned char *nodeBytes(const quicklistNode *node) {
    unsigned char *raw = memAlloc(node->sz ? node->sz : 1);
    if (node->encoding == QUICKLIST_NODE_LZF) {
        const quicklistLZF *lzf = (const quicklistLZF *)node->entry;
        assert_true(lzf->compressedSize < node->sz);
        unsigned int got = lzf_decompress(lzf->data, (unsigned int)lzf->compressedSize, raw,
                                          (unsigned int)node->sz);
        assert_int_equal(got, node->sz);
    } else {
        memcpy(raw, node->entry, node->sz);
    }
    return raw;
}

/* What the checks saw, so the randomized runs can prove they reached the
 * interesting states (compressed, incompressible and plain nodes, splits). */
static unsigned long seenLzf, seenIncompressible, seenPlain, seenMaxNodes;

static void checkCompression(const quicklist *ql, const quicklistNode *node, unsigned long i) {
    unsigned long depth = (unsigned long)ql->compress;
    int shouldBeRaw = depth == 0 || i < depth || ql->len - i <= depth;
    assert_int_equal(node->recompress, 0);
    if (shouldBeRaw) {
        assert_int_equal(node->encoding, QUICKLIST_NODE_RAW);
        return;
    }
    if (node->encoding == QUICKLIST_NODE_LZF) {
        seenLzf++;
        return;
    }
    seenIncompressible++;
    /* Raw beyond the depth only when LZF would not pay off. */
    assert_int_equal(node->incompressible, 1);
    if (node->sz < 48) return;
    unsigned char *out = memAlloc(node->sz);
    unsigned int n = lzf_compress(node->entry, (unsigned int)node->sz, out, (unsigned int)node->sz);
    assert_true(n == 0 || n + 8 >= node->sz);
    memFree(out);
}

static void checkNode(const quicklist *ql, const quicklistNode *node, const model *m,
                      size_t *at) {
    assert_true(node->count > 0);
    unsigned char *raw = nodeBytes(node);
    if (node->container == QUICKLIST_NODE_PLAIN) {
        seenPlain++;
        assert_int_equal(node->count, 1);
        assert_true(quicklistIsLargeElement(ql->fill, node->sz));
        assert_int_equal(node->sz, m->items[*at].len);
        assert_memory_equal(raw, m->items[*at].s, node->sz);
        (*at)++;
    } else {
        assert_int_equal(node->container, QUICKLIST_NODE_PACKED);
        assert_int_equal(lpBytes(raw), node->sz);
        assert_int_equal(lpValidateIntegrity(raw, node->sz, 1, NULL, NULL), 1);
        assert_int_equal(lpLength(raw), node->count);
        if (ql->fill > 0) assert_true(node->count <= (unsigned)ql->fill);
        if (node->count > 1) assert_true(node->sz <= quicklistNodeLimit(ql->fill));
    }
    memFree(raw);
}

static void checkAll(quicklist *ql, const model *m) {
    assert_int_equal(quicklistCount(ql), m->count);
    unsigned long nodes = 0, sum = 0;
    size_t at = 0;
    const quicklistNode *prev = NULL;
    for (const quicklistNode *n = ql->head; n; prev = n, n = n->next, nodes++) {
        assert_ptr_equal(n->prev, prev);
        checkCompression(ql, n, nodes);
        if (n->container == QUICKLIST_NODE_PACKED) at += n->count;
        else checkNode(ql, n, m, &at);
        if (n->container == QUICKLIST_NODE_PACKED) {
            size_t dummy = 0;
            checkNode(ql, n, m, &dummy);
        }
        sum += n->count;
    }
    assert_ptr_equal(ql->tail, prev);
    assert_int_equal(nodes, ql->len);
    if (nodes > seenMaxNodes) seenMaxNodes = nodes;
    assert_int_equal(sum, m->count);
    assert_int_equal(at, m->count);
    /* Contents, both directions. */
    quicklistEntry e;
    quicklistIter *it = quicklistGetIterator(ql, QUICKLIST_ITER_FORWARD);
    size_t i = 0;
    while (quicklistNext(it, &e)) {
        assert_true(i < m->count);
        assertEntryEquals(&e, &m->items[i++]);
    }
    quicklistReleaseIterator(it);
    assert_int_equal(i, m->count);
    it = quicklistGetIterator(ql, QUICKLIST_ITER_BACKWARD);
    while (quicklistNext(it, &e)) {
        assert_true(i > 0);
        assertEntryEquals(&e, &m->items[--i]);
    }
    quicklistReleaseIterator(it);
    assert_int_equal(i, 0);
}

/* --- Randomized operations --- */

/* Index for model position at, as given or counted from the tail (positions
 * past the end map to negative indexes before the head). */
static long anyIndex(const model *m, size_t at) {
    if (randBelow(2)) return (long)at;
    if (at < m->count) return (long)at - (long)m->count;
    return -(long)m->count - 1 - (long)(at - m->count);
}

static void opPush(quicklist *ql, model *m) {
    size_t len = randomValue();
    if (randBelow(2)) {
        quicklistPushHead(ql, valueBuf, len);
        modelInsert(m, 0, valueBuf, len);
    } else {
        quicklistPushTail(ql, valueBuf, len);
        modelInsert(m, m->count, valueBuf, len);
    }
}

static void opInsert(quicklist *ql, model *m) {
    if (m->count == 0) return;
    size_t at = randBelow(m->count);
    int after = (int)randBelow(2);
    int dir = (int)randBelow(2);
    long idx = randBelow(2) ? (long)at : (long)at - (long)m->count;
    quicklistIter *it = quicklistGetIteratorAtIdx(ql, dir, idx);
    assert_non_null(it);
    quicklistEntry e;
    assert_int_equal(quicklistNext(it, &e), 1);
    assertEntryEquals(&e, &m->items[at]);
    size_t len = randomValue();
    if (after) quicklistInsertAfter(it, &e, valueBuf, len);
    else quicklistInsertBefore(it, &e, valueBuf, len);
    assert_int_equal(quicklistNext(it, &e), 0);
    quicklistReleaseIterator(it);
    modelInsert(m, at + (size_t)after, valueBuf, len);
}

static void opDelRange(quicklist *ql, model *m) {
    size_t cap = m->count + 2;
    size_t start = randBelow(cap);
    unsigned long count = randBelow(randBelow(4) == 0 ? 60 : 6);
    long idx = anyIndex(m, start);
    unsigned long want = 0;
    if (start < m->count && count > 0) {
        want = count < m->count - start ? count : m->count - start;
        modelDelete(m, start, want);
    }
    assert_int_equal(quicklistDelRange(ql, idx, count), want);
}

static void opReplace(quicklist *ql, model *m) {
    size_t at = randBelow(m->count + 1);
    long idx = anyIndex(m, at);
    size_t len = randomValue();
    int ok = quicklistReplaceAtIndex(ql, idx, valueBuf, len);
    assert_int_equal(ok, at < m->count);
    if (ok) {
        modelDelete(m, at, 1);
        modelInsert(m, at, valueBuf, len);
    }
}

static void opPop(quicklist *ql, model *m) {
    int head = (int)randBelow(2);
    unsigned char *data;
    size_t len;
    long long v;
    int ok = quicklistPop(ql, head ? QUICKLIST_HEAD : QUICKLIST_TAIL, &data, &len, &v);
    assert_int_equal(ok, m->count > 0);
    if (!ok) return;
    size_t at = head ? 0 : m->count - 1;
    quicklistEntry e = {.value = data, .sz = len, .longval = v};
    assertEntryEquals(&e, &m->items[at]);
    memFree(data);
    modelDelete(m, at, 1);
}

static void opIndex(quicklist *ql, model *m) {
    long span = (long)m->count + 3;
    long idx = (long)randBelow((uint64_t)span * 2) - span;
    quicklistEntry e;
    int ok = quicklistIndex(ql, idx, &e);
    long norm = idx < 0 ? (long)m->count + idx : idx;
    assert_int_equal(ok, norm >= 0 && norm < (long)m->count);
    if (ok) assertEntryEquals(&e, &m->items[norm]);
}

/* Deletes elements while iterating from a random start in a random
 * direction: each visited element with probability 1/k. */
static void opDelWhileIterating(quicklist *ql, model *m) {
    if (m->count == 0) return;
    int dir = (int)randBelow(2);
    size_t at = randBelow(m->count);
    uint64_t k = 1 + randBelow(4);
    size_t limit = 1 + randBelow(40);
    quicklistIter *it = quicklistGetIteratorAtIdx(ql, dir, (long)at);
    quicklistEntry e;
    long pos = (long)at;
    while (limit-- && quicklistNext(it, &e)) {
        assert_true(pos >= 0 && pos < (long)m->count);
        assertEntryEquals(&e, &m->items[pos]);
        if (randBelow(k) == 0) {
            quicklistDelEntry(it, &e);
            modelDelete(m, (size_t)pos, 1);
            if (dir == QUICKLIST_ITER_BACKWARD) pos--;
        } else {
            pos += dir == QUICKLIST_ITER_FORWARD ? 1 : -1;
        }
    }
    quicklistReleaseIterator(it);
}

static void opRotate(quicklist *ql, model *m) {
    quicklistRotate(ql);
    if (m->count <= 1) return;
    item last = m->items[m->count - 1];
    memmove(m->items + 1, m->items, (m->count - 1) * sizeof(item));
    m->items[0] = last;
}

static void runRandom(int fill, int depth, uint64_t seed, int ops) {
    randSeed(seed);
    seenLzf = seenIncompressible = seenPlain = seenMaxNodes = 0;
    quicklist *ql = quicklistNew(fill, depth);
    model m = {0};
    for (int i = 0; i < ops; i++) {
        uint64_t op = randBelow(16);
        if (op >= 13 && m.count < 200) op = 0; /* grow to many nodes first */
        switch (op) {
        case 0: case 1: case 2: case 3: case 4: case 5: opPush(ql, &m); break;
        case 6: case 7: opInsert(ql, &m); break;
        case 8: opReplace(ql, &m); break;
        case 9: opIndex(ql, &m); break;
        case 10: opRotate(ql, &m); break;
        case 11: opPop(ql, &m); break;
        case 12: opDelWhileIterating(ql, &m); break;
        default: opDelRange(ql, &m); break;
        }
        checkAll(ql, &m);
    }
    quicklist *copy = quicklistDup(ql);
    checkAll(copy, &m);
    quicklistRelease(copy);
    assert_true(seenPlain > 0);
    assert_true(seenMaxNodes > 5);
    if (depth > 0) {
        assert_true(seenLzf > 0);
        assert_true(seenIncompressible > 0);
    }
    quicklistRelease(ql);
    modelFree(&m);
}

static void testRandomFill2(void **state) {
    (void)state;
    for (int d = 0; d <= 2; d++) runRandom(2, d, 1000 + (uint64_t)d, 500);
}

static void testRandomFill5(void **state) {
    (void)state;
    for (int d = 0; d <= 2; d++) runRandom(5, d, 2000 + (uint64_t)d, 500);
}

static void testRandomFillMinus1(void **state) {
    (void)state;
    for (int d = 0; d <= 2; d++) runRandom(-1, d, 3000 + (uint64_t)d, 500);
}

static void testRandomFillMinus2(void **state) {
    (void)state;
    for (int d = 0; d <= 2; d++) runRandom(-2, d, 4000 + (uint64_t)d, 500);
}

/* --- Directed tests --- */

static void testEmptyList(void **state) {
    (void)state;
    quicklist *ql = quicklistNew(-2, 1);
    quicklistEntry e;
    unsigned char *data;
    size_t len;
    long long v;
    assert_int_equal(quicklistCount(ql), 0);
    assert_int_equal(quicklistIndex(ql, 0, &e), 0);
    assert_int_equal(quicklistIndex(ql, -1, &e), 0);
    assert_int_equal(quicklistPop(ql, QUICKLIST_HEAD, &data, &len, &v), 0);
    assert_int_equal(quicklistDelRange(ql, 0, 10), 0);
    assert_int_equal(quicklistReplaceAtIndex(ql, 0, "x", 1), 0);
    assert_null(quicklistGetIteratorAtIdx(ql, QUICKLIST_ITER_FORWARD, 0));
    quicklistIter *it = quicklistGetIterator(ql, QUICKLIST_ITER_BACKWARD);
    assert_int_equal(quicklistNext(it, &e), 0);
    quicklistReleaseIterator(it);
    quicklistRotate(ql);
    quicklistRelease(ql);
}

/* Count fill: exactly fill elements per node when pushing at one end;
 * integers come back as integers. */
static void testFillShape(void **state) {
    (void)state;
    quicklist *ql = quicklistNew(4, 0);
    char buf[16];
    for (int i = 0; i < 10; i++) {
        int n = snprintf(buf, sizeof(buf), "%d", i);
        quicklistPushTail(ql, buf, (size_t)n);
    }
    assert_int_equal(ql->len, 3);
    assert_int_equal(ql->head->count, 4);
    assert_int_equal(ql->tail->count, 2);
    quicklistEntry e;
    assert_int_equal(quicklistIndex(ql, -3, &e), 1);
    assert_null(e.value);
    assert_int_equal(e.longval, 7);
    /* Deleting across the first two nodes merges the rest back. */
    assert_int_equal(quicklistDelRange(ql, 2, 4), 4);
    assert_int_equal(ql->len, 2);
    assert_int_equal(ql->head->count, 4);
    assert_int_equal(quicklistIndex(ql, 2, &e), 1);
    assert_int_equal(e.longval, 6);
    quicklistRelease(ql);
}

/* Compressible inner nodes are stored as LZF; changing the depth applies
 * to every node; index reads compressed nodes without decompressing them. */
static void testCompressionAndOptions(void **state) {
    (void)state;
    quicklist *ql = quicklistNew(-1, 1);
    model m = {0};
    unsigned char val[500];
    for (int i = 0; i < 60; i++) {
        memset(val, 'a' + i % 26, sizeof(val));
        quicklistPushTail(ql, val, sizeof(val));
        modelInsert(&m, m.count, val, sizeof(val));
    }
    assert_true(ql->len > 4);
    assert_int_equal(ql->head->next->encoding, QUICKLIST_NODE_LZF);
    checkAll(ql, &m);
    quicklistEntry e;
    quicklistNode *mid = ql->head->next->next;
    assert_int_equal(mid->encoding, QUICKLIST_NODE_LZF);
    assert_int_equal(quicklistIndex(ql, 20, &e), 1);
    assertEntryEquals(&e, &m.items[20]);
    assert_int_equal(mid->encoding, QUICKLIST_NODE_LZF);
    quicklistSetOptions(ql, -1, 2);
    checkAll(ql, &m);
    quicklistSetOptions(ql, -1, 0);
    for (quicklistNode *n = ql->head; n; n = n->next) assert_int_equal(n->encoding, QUICKLIST_NODE_RAW);
    checkAll(ql, &m);
    quicklistSetOptions(ql, -1, 1);
    checkAll(ql, &m);
    quicklistRelease(ql);
    modelFree(&m);
}

/* An element over the node limit gets a plain node; inserting one in the
 * middle of a node splits it. */
static void testPlainNodes(void **state) {
    (void)state;
    quicklist *ql = quicklistNew(-1, 0);
    model m = {0};
    for (int i = 0; i < 5; i++) {
        quicklistPushTail(ql, "small", 5);
        modelInsert(&m, m.count, (const unsigned char *)"small", 5);
    }
    assert_int_equal(ql->len, 1);
    static unsigned char big[5000];
    memset(big, 'B', sizeof(big));
    quicklistIter *it = quicklistGetIteratorAtIdx(ql, QUICKLIST_ITER_FORWARD, 2);
    quicklistEntry e;
    assert_int_equal(quicklistNext(it, &e), 1);
    quicklistInsertAfter(it, &e, big, sizeof(big));
    quicklistReleaseIterator(it);
    modelInsert(&m, 3, big, sizeof(big));
    assert_int_equal(ql->len, 3);
    assert_int_equal(ql->head->next->container, QUICKLIST_NODE_PLAIN);
    checkAll(ql, &m);
    assert_int_equal(quicklistReplaceAtIndex(ql, 3, "tiny", 4), 1);
    modelDelete(&m, 3, 1);
    modelInsert(&m, 3, (const unsigned char *)"tiny", 4);
    checkAll(ql, &m);
    quicklistRelease(ql);
    modelFree(&m);
}

/* The RDB-loading entry points: whole listpacks and plain nodes appended
 * as nodes, then used like any other. */
static void testAppendNodes(void **state) {
    (void)state;
    quicklist *ql = quicklistNew(-1, 1);
    model m = {0};
    static unsigned char big[6000];
    for (int round = 0; round < 4; round++) {
        unsigned char *lp = lpNew(0);
        for (int i = 0; i < 30; i++) {
            char buf[40];
            int n = snprintf(buf, sizeof(buf), "elem-%d-%d-padding-padding", round, i);
            lp = lpAppend(lp, buf, (size_t)n);
            modelInsert(&m, m.count, (const unsigned char *)buf, (size_t)n);
        }
        quicklistAppendListpack(ql, lp);
        memset(big, 'a' + round, sizeof(big));
        quicklistAppendPlainNode(ql, memDup(big, sizeof(big)), sizeof(big));
        modelInsert(&m, m.count, big, sizeof(big));
    }
    quicklistAppendListpack(ql, lpNew(0));
    assert_int_equal(ql->len, 8);
    checkAll(ql, &m);
    assert_int_equal(quicklistDelRange(ql, 25, 10), 10);
    modelDelete(&m, 25, 10);
    checkAll(ql, &m);
    quicklistRelease(ql);
    modelFree(&m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testEmptyList),
        cmocka_unit_test(testFillShape),
        cmocka_unit_test(testCompressionAndOptions),
        cmocka_unit_test(testPlainNodes),
        cmocka_unit_test(testAppendNodes),
        cmocka_unit_test(testRandomFill2),
        cmocka_unit_test(testRandomFill5),
        cmocka_unit_test(testRandomFillMinus1),
        cmocka_unit_test(testRandomFillMinus2),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
