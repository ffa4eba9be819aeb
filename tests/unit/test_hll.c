/* test_hll.c — the HyperLogLog core: exact bytes against values produced by
 * redis-server 7 (empty value, a few elements, a 300-element sparse value
 * and a 5000-element dense value, with their cached counts), register
 * updates against a model computed independently from the hash, the
 * estimate's error over 1e3..1e6 distinct elements, sparse->dense
 * conversion, merging, and validation of corrupted values (truncations,
 * bad headers, wrong opcode coverage, random mutations) that must be
 * refused without reading out of bounds. */
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
#include "node/types/hll.h"

/* --- Helpers --- */

static dstr fromHex(const char *hex) {
    size_t n = strlen(hex) / 2;
    dstr d = dstrNewLen(NULL, n);
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        d[i] = (char)v;
    }
    return d;
}

static void assertBytes(dstr got, const char *hex) {
    dstr want = fromHex(hex);
    assert_int_equal(dstrLen(got), dstrLen(want));
    assert_memory_equal(got, want, dstrLen(want));
    dstrFree(want);
}

static uint64_t fnv1a(const char *p, size_t len) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; i++) h = (h ^ (uint8_t)p[i]) * 0x100000001b3ULL;
    return h;
}

static int addNum(dstr *h, long i, size_t sparseMax) {
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%ld", i);
    return hllAdd(h, buf, (size_t)n, sparseMax);
}

static void registersOf(dstr h, uint8_t regs[HLL_REGISTERS]) {
    memset(regs, 0, HLL_REGISTERS);
    assert_int_equal(hllMerge(regs, h, dstrLen(h)), 0);
}

static uint64_t countOf(dstr h) {
    int invalid = 1;
    uint64_t c = hllCount(h, &invalid);
    assert_int_equal(invalid, 0);
    return c;
}

/* --- Byte vectors from redis-server --- */

static void testEmptyLayout(void **state) {
    (void)state;
    dstr h = hllCreate();
    assertBytes(h, "48594c4c0100000000000000000000807fff");
    assert_int_equal(hllValidate(h, dstrLen(h)), 0);
    assert_true(hllIsHll(h, dstrLen(h)));
    assert_int_equal(countOf(h), 0);
    /* The count is now cached, valid. */
    assertBytes(h, "48594c4c0100000000000000000000007fff");
    dstrFree(h);
}

static void testFewElements(void **state) {
    (void)state;
    dstr h = hllCreate();
    /* "hello" hashes to register 9216 with count 1: XZERO 9216, VAL 1x1, XZERO 7167. */
    assert_int_equal(hllAdd(&h, "hello", 5, 3000), 1);
    assertBytes(h, "48594c4c01000000000000000000008063ff805bfe");
    assert_int_equal(hllAdd(&h, "hello", 5, 3000), 0);
    dstrFree(h);

    h = hllCreate();
    assert_int_equal(hllAdd(&h, "a", 1, 3000), 1);
    assert_int_equal(hllAdd(&h, "b", 1, 3000), 1);
    assert_int_equal(hllAdd(&h, "c", 1, 3000), 1);
    assertBytes(h, "48594c4c01000000000000000000008060f38050b1844bfb80425a");
    assert_int_equal(countOf(h), 3);
    dstrFree(h);
}

static const char sparse300[] =
    "48594c4c010000002e010000000000004073884046901c8006840e8c37802884208c2a8c"
    "404a841c803380404790018440c680407e80038811803b802b801c8c4041884091843b80"
    "16881084404d800780368010848041418c128038840798406a8404840880318840498040"
    "778820840780405984208007802a80408e80388041838009804080881780118009804040"
    "842b80178440778006942e8040988010800a8040ad80018c378833800c80188c404e8040"
    "46804052803180405f802c840580404a8001884054904072840f80048c404e84800d8840"
    "7a804062844056840d8005802280108c1e84407e8c10840d980f80405880409480378024"
    "801680338001802384098040f180318032841580408c9440bd8040a88403942384801d90"
    "406580407990028c407e804057801d8005804040803b84079003804067940c80188440b1"
    "881a840c8004801f84098c25804067840b84406580048c0f844056844067840180129440"
    "bb8c2580108c09880c84138c4047880d8021882f8002844045843980940b8c3a80407780"
    "318c28801f980c803c80178003802680018031943f802e8840b280405480408c802a802d"
    "a41c88404b801a808840af84409e804052883b840180138028844056800d841d80288814"
    "884046802c84404e84198800881588408d8040448040958410841b800e90338003843680"
    "2384404284404a80378437880f8010841580408e80406d8437843a844052801084406384"
    "29801e883984008c2580405680078c108409802e8409801d800680406b88028400a0407b"
    "84198040b284388c15884054802e8435842780008017801a840f880e8c01800884138821"
    "843e802f80168c0b801b844099802880404880404a942c801180258c12841c8021881790"
    "40768840a680358c0e84038c2f84882a9431802780158418883a803d84409a94408a8021"
    "8c405880404e8012804041804041";

static void testSparseVector(void **state) {
    (void)state;
    dstr h = hllCreate();
    for (long i = 0; i < 300; i++) assert_true(addNum(&h, i, 3000) >= 0);
    assert_int_equal(h[4], HLL_ENC_SPARSE);
    assert_int_equal(countOf(h), 302);
    assertBytes(h, sparse300);
    dstrFree(h);
}

static void testDenseVector(void **state) {
    (void)state;
    dstr h = hllCreate();
    for (long i = 0; i < 5000; i++) assert_true(addNum(&h, i, 3000) >= 0);
    assert_int_equal(h[4], HLL_ENC_DENSE);
    assert_int_equal(dstrLen(h), HLL_DENSE_SIZE);
    assert_int_equal(countOf(h), 4985);
    assert_int_equal(fnv1a(h, dstrLen(h)), 0x06aa245946333ae4ULL);
    assert_int_equal(hllValidate(h, dstrLen(h)), 0);
    dstrFree(h);
}

/* --- Model: registers computed from the hash, independently --- */

static void modelAdd(uint8_t *regs, const void *ele, size_t len, int *changed) {
    uint64_t h = hllHash(ele, len, 0xadc83b19ULL);
    unsigned idx = (unsigned)(h & (HLL_REGISTERS - 1));
    int count = 1;
    for (int b = HLL_P; b < 64 && !((h >> b) & 1); b++) count++;
    *changed = regs[idx] < count;
    if (*changed) regs[idx] = (uint8_t)count;
}

static void testModel(void **state) {
    (void)state;
    static const size_t maxes[] = {0, 100, 3000, 20000};
    randSeed(7);
    for (size_t m = 0; m < sizeof(maxes) / sizeof(maxes[0]); m++) {
        uint8_t model[HLL_REGISTERS] = {0}, got[HLL_REGISTERS];
        dstr h = hllCreate();
        for (int i = 0; i < 4000; i++) {
            uint64_t v = randBelow(6000);
            size_t len = 1 + (size_t)randBelow(8);
            char ele[8];
            memcpy(ele, &v, len < 8 ? len : 8);
            int changed;
            modelAdd(model, ele, len, &changed);
            assert_int_equal(hllAdd(&h, ele, len, maxes[m]), changed);
            if (i % 500 == 0) {
                registersOf(h, got);
                assert_memory_equal(got, model, HLL_REGISTERS);
                assert_int_equal(hllValidate(h, dstrLen(h)), 0);
            }
        }
        registersOf(h, got);
        assert_memory_equal(got, model, HLL_REGISTERS);
        if (h[4] == HLL_ENC_SPARSE) assert_true(dstrLen(h) <= maxes[m]);
        /* The rebuilt forms hold the same registers and give the same count. */
        dstr d = hllFromRegisters(model);
        assert_int_equal(countOf(d), countOf(h));
        dstrFree(d);
        dstrFree(h);
    }
}

/* Register values survive both encodings, including the last register
 * (which ends exactly on the last byte) and values beyond the sparse limit. */
static void testRegisterRoundTrip(void **state) {
    (void)state;
    uint8_t regs[HLL_REGISTERS], got[HLL_REGISTERS];
    randSeed(3);
    for (int i = 0; i < HLL_REGISTERS; i++) regs[i] = (uint8_t)randBelow(64);
    regs[HLL_REGISTERS - 1] = 63;
    dstr d = hllFromRegisters(regs);
    assert_int_equal(dstrLen(d), HLL_DENSE_SIZE);
    assert_int_equal((uint8_t)d[HLL_DENSE_SIZE - 1] >> 2, 63);
    registersOf(d, got);
    assert_memory_equal(got, regs, HLL_REGISTERS);
    assert_null(hllSparseFromRegisters(regs, 1000000)); /* values > 32 */
    dstrFree(d);

    memset(regs, 0, sizeof(regs));
    for (int i = 0; i < 3000; i++) regs[randBelow(HLL_REGISTERS)] = (uint8_t)(1 + randBelow(32));
    for (int i = 100; i < 110; i++) regs[i] = 5; /* a run longer than one VAL */
    dstr s = hllSparseFromRegisters(regs, 1000000);
    assert_non_null(s);
    assert_int_equal(hllValidate(s, dstrLen(s)), 0);
    registersOf(s, got);
    assert_memory_equal(got, regs, HLL_REGISTERS);
    regs[HLL_REGISTERS - 1] = 33;
    assert_null(hllSparseFromRegisters(regs, 1000000));
    dstrFree(s);
}

/* --- Accuracy --- */

static void testStandardError(void **state) {
    (void)state;
    static const long ns[] = {1000, 10000, 100000, 1000000};
    dstr h = hllCreate();
    long added = 0;
    assert_int_equal(countOf(h), 0);
    for (size_t k = 0; k < sizeof(ns) / sizeof(ns[0]); k++) {
        for (; added < ns[k]; added++) assert_true(addNum(&h, added, 3000) >= 0);
        double est = (double)countOf(h);
        double err = (est - (double)ns[k]) / (double)ns[k];
        if (err < 0) err = -err;
        assert_true(err < 5 * 0.0081);
    }
    dstrFree(h);
}

static void testSparseToDenseKeepsCount(void **state) {
    (void)state;
    dstr sparse = hllCreate(), dense = hllCreate();
    for (long i = 0; i < 2500; i++) {
        assert_true(addNum(&sparse, i, 1000000) >= 0);
        assert_true(addNum(&dense, i, 3000) >= 0);
    }
    assert_int_equal(sparse[4], HLL_ENC_SPARSE);
    assert_int_equal(dense[4], HLL_ENC_DENSE);
    uint8_t a[HLL_REGISTERS], b[HLL_REGISTERS];
    registersOf(sparse, a);
    registersOf(dense, b);
    assert_memory_equal(a, b, HLL_REGISTERS);
    assert_int_equal(countOf(sparse), countOf(dense));
    /* Sparse re-encoding from registers gives the same bytes as the
     * incremental updates (modulo the cache). */
    dstr re = hllSparseFromRegisters(a, 1000000);
    assert_non_null(re);
    countOf(re);
    assert_int_equal(dstrLen(re), dstrLen(sparse));
    assert_memory_equal(re, sparse, dstrLen(re));
    assert_null(hllSparseFromRegisters(a, 100));
    dstrFree(re);
    dstrFree(sparse);
    dstrFree(dense);
}

static void testMergeUnion(void **state) {
    (void)state;
    dstr x = hllCreate(), y = hllCreate(), small = hllCreate();
    for (long i = 0; i < 60000; i++) assert_true(addNum(&x, i, 3000) >= 0);
    for (long i = 30000; i < 90000; i++) assert_true(addNum(&y, i, 3000) >= 0);
    for (long i = 85000; i < 85100; i++) assert_true(addNum(&small, i, 3000) >= 0);
    assert_int_equal(small[4], HLL_ENC_SPARSE);
    uint8_t regs[HLL_REGISTERS] = {0};
    assert_int_equal(hllMerge(regs, x, dstrLen(x)), 0);
    assert_int_equal(hllMerge(regs, y, dstrLen(y)), 0);
    assert_int_equal(hllMerge(regs, small, dstrLen(small)), 0);
    dstr u = hllFromRegisters(regs);
    assert_int_equal(hllValidate(u, dstrLen(u)), 0);
    double est = (double)countOf(u);
    assert_true(est > 90000 * (1 - 5 * 0.0081) && est < 90000 * (1 + 5 * 0.0081));
    dstrFree(u);
    dstrFree(x);
    dstrFree(y);
    dstrFree(small);
}

/* --- Validation --- */

static void expectInvalid(const char *hex) {
    dstr h = fromHex(hex);
    uint8_t regs[HLL_REGISTERS] = {0};
    int invalid = 0;
    assert_int_equal(hllValidate(h, dstrLen(h)), -1);
    assert_int_equal(hllMerge(regs, h, dstrLen(h)), -1);
    hllCount(h, &invalid);
    assert_int_equal(invalid, 1);
    assert_int_equal(hllAdd(&h, "x", 1, 3000), -1);
    dstrFree(h);
}

static void testValidateCases(void **state) {
    (void)state;
    expectInvalid("");
    expectInvalid("48594c4c");
    expectInvalid("48594c4d0100000000000000000000807fff");     /* magic */
    expectInvalid("48594c4c0200000000000000000000807fff");     /* encoding */
    expectInvalid("48594c4c0100000000000000000000807f");       /* cut XZERO */
    expectInvalid("48594c4c0100000000000000000000807ffe");     /* 16383 */
    expectInvalid("48594c4c0100000000000000000000807fff00");   /* 16385 */
    expectInvalid("48594c4c0100000000000000000000807fff7fff"); /* 32768 */
    expectInvalid("48594c4c010000000000000000000080");         /* no opcodes */
    expectInvalid("48594c4c0000000000000000000000807fff");     /* dense, short */
    /* Dense lengths around the exact size. */
    dstr d = dstrNewLen(NULL, HLL_DENSE_SIZE + 1);
    memcpy(d, "HYLL", 4);
    assert_false(hllIsHll(d, HLL_DENSE_SIZE + 1));
    assert_true(hllIsHll(d, HLL_DENSE_SIZE));
    assert_false(hllIsHll(d, HLL_DENSE_SIZE - 1));
    assert_int_equal(hllValidate(d, HLL_DENSE_SIZE), 0);
    dstrFree(d);
    /* Sparse header with valid opcodes but a huge run before them. */
    dstr ok = fromHex("48594c4c0100000000000000000000807ffe80");
    assert_int_equal(hllValidate(ok, dstrLen(ok)), 0);
    dstrFree(ok);
}

/* Every truncation and thousands of random mutations of valid values: no
 * crash, no out-of-bounds read (checked by ASan), and all entry points agree
 * with hllValidate. */
static void checkConsistent(const char *p, size_t len) {
    dstr h = dstrNewLen(p, len);
    int valid = hllValidate(h, len) == 0;
    uint8_t regs[HLL_REGISTERS] = {0};
    int invalid = 0;
    assert_int_equal(hllMerge(regs, h, len) == 0, valid);
    /* A valid cached count is trusted without a walk (as Valkey does), so
     * only a header-level failure or an uncached walk must report. */
    int cached = len >= HLL_HDR_SIZE && !((uint8_t)h[15] & 0x80);
    hllCount(h, &invalid);
    if (valid || !cached || !hllIsHll(h, len)) assert_int_equal(!invalid, valid);
    int r = hllAdd(&h, "mutant", 6, 3000);
    assert_int_equal(r >= 0, valid);
    if (valid) assert_int_equal(hllValidate(h, dstrLen(h)), 0);
    dstrFree(h);
}

static void testMutations(void **state) {
    (void)state;
    dstr sparse = hllCreate(), dense = hllCreate();
    for (long i = 0; i < 200; i++) assert_true(addNum(&sparse, i, 3000) >= 0);
    for (long i = 0; i < 3000; i++) assert_true(addNum(&dense, i, 3000) >= 0);
    for (size_t n = 0; n < dstrLen(sparse); n++) {
        char *cut = memDup(sparse, n ? n : 1); /* exact-size buffer for ASan */
        assert_int_equal(hllValidate(cut, n), -1);
        memFree(cut);
        checkConsistent(sparse, n);
    }
    for (size_t n = 0; n < HLL_DENSE_SIZE; n += 97) checkConsistent(dense, n);
    randSeed(42);
    for (int iter = 0; iter < 3000; iter++) {
        dstr src = iter & 1 ? dense : sparse;
        size_t len = dstrLen(src);
        char *buf = memDup(src, len);
        int flips = 1 + (int)randBelow(4);
        for (int f = 0; f < flips; f++) {
            size_t at = iter % 3 == 0 ? (size_t)randBelow(HLL_HDR_SIZE + 2) : (size_t)randBelow(len);
            buf[at] = (char)randBelow(256);
        }
        size_t cutLen = len - (iter % 5 == 0 ? (size_t)randBelow(4) : 0);
        if (iter & 1 && iter % 4 == 1) checkConsistent(buf, cutLen);
        else if (!(iter & 1)) checkConsistent(buf, cutLen);
        memFree(buf);
    }
    dstrFree(sparse);
    dstrFree(dense);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testEmptyLayout),
        cmocka_unit_test(testFewElements),
        cmocka_unit_test(testSparseVector),
        cmocka_unit_test(testDenseVector),
        cmocka_unit_test(testModel),
        cmocka_unit_test(testRegisterRoundTrip),
        cmocka_unit_test(testStandardError),
        cmocka_unit_test(testSparseToDenseKeepsCount),
        cmocka_unit_test(testMergeUnion),
        cmocka_unit_test(testValidateCases),
        cmocka_unit_test(testMutations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
