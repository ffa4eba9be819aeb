/* test_rand.c — seeding is deterministic, randBelow stays in range and is
 * roughly uniform (chi-square), randDouble is in [0, 1), and the secure
 * source and randHex produce what they promise. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "node/base/rand.h"

static void testSeedDeterministic(void **state) {
    (void)state;
    uint64_t a[16], b[16];
    randSeed(12345);
    for (int i = 0; i < 16; i++) a[i] = randNext();
    randSeed(12345);
    for (int i = 0; i < 16; i++) b[i] = randNext();
    assert_memory_equal(a, b, sizeof(a));
    randSeed(12346); /* a neighbouring seed gives an unrelated stream */
    int same = 0;
    for (int i = 0; i < 16; i++) same += randNext() == a[i];
    assert_int_equal(same, 0);
    /* Seed 0 is fine too (splitmix64 never yields an all-zero state). */
    randSeed(0);
    uint64_t x = randNext(), y = randNext();
    assert_true(x != 0 || y != 0);
    assert_true(x != y);
}

static void testBitsBalanced(void **state) {
    (void)state;
    enum { N = 20000 };
    int ones[64] = {0};
    randSeed(1);
    for (int i = 0; i < N; i++) {
        uint64_t v = randNext();
        for (int b = 0; b < 64; b++) ones[b] += (int)((v >> b) & 1);
    }
    for (int b = 0; b < 64; b++) assert_true(ones[b] > N / 2 - 600 && ones[b] < N / 2 + 600);
}

static void testBelowRange(void **state) {
    (void)state;
    randSeed(2);
    for (int i = 0; i < 1000; i++) assert_true(randBelow(1) == 0);
    uint64_t bounds[] = {2, 3, 7, 10, 1000, (1ULL << 32) + 1, (1ULL << 63) + 5, UINT64_MAX};
    for (size_t k = 0; k < sizeof(bounds) / sizeof(bounds[0]); k++)
        for (int i = 0; i < 2000; i++) assert_true(randBelow(bounds[k]) < bounds[k]);
    /* Large bounds reach their upper half. */
    int high = 0;
    for (int i = 0; i < 1000; i++) high += randBelow(UINT64_MAX) > UINT64_MAX / 2;
    assert_true(high > 400 && high < 600);
}

/* Chi-square over 10 buckets with 100000 draws: 9 degrees of freedom, the
 * 99.99th percentile is about 33.7; a modulo-biased or broken generator on
 * n = 10 lands far outside. */
static void testBelowUniform(void **state) {
    (void)state;
    enum { BUCKETS = 10, DRAWS = 100000 };
    int count[BUCKETS] = {0};
    randSeed(3);
    for (int i = 0; i < DRAWS; i++) count[randBelow(BUCKETS)]++;
    double expected = (double)DRAWS / BUCKETS, chi = 0;
    for (int i = 0; i < BUCKETS; i++) chi += (count[i] - expected) * (count[i] - expected) / expected;
    assert_true(chi < 33.7);
    /* A bound of 3 * 2^62: a plain modulo would make [0, 2^62) twice as
     * likely as the rest (a third of the range would get half the draws). */
    uint64_t n = 3ULL << 62;
    int low = 0;
    for (int i = 0; i < 30000; i++) low += randBelow(n) < (1ULL << 62);
    assert_true(low > 9300 && low < 10700);
}

static void testDouble(void **state) {
    (void)state;
    randSeed(4);
    double sum = 0;
    for (int i = 0; i < 100000; i++) {
        double d = randDouble();
        assert_true(d >= 0.0 && d < 1.0);
        sum += d;
    }
    assert_true(sum / 100000 > 0.49 && sum / 100000 < 0.51);
}

static void testSecureBytes(void **state) {
    (void)state;
    uint8_t a[64], b[64], zero[64] = {0};
    memset(a, 0, sizeof(a));
    memset(b, 0, sizeof(b));
    assert_int_equal(randSecureBytes(a, sizeof(a)), 0);
    assert_int_equal(randSecureBytes(b, sizeof(b)), 0);
    assert_memory_not_equal(a, zero, sizeof(a));
    assert_memory_not_equal(a, b, sizeof(a));
    assert_int_equal(randSecureBytes(a, 0), 0);
    static uint8_t big[1 << 20]; /* more than one getrandom() may return */
    assert_int_equal(randSecureBytes(big, sizeof(big)), 0);
    int zeros = 0;
    for (size_t i = 0; i < sizeof(big); i++) zeros += big[i] == 0;
    assert_true(zeros < 5000); /* ~4096 expected */
}

static void testHex(void **state) {
    (void)state;
    char a[41], b[41];
    memset(a, 'Z', sizeof(a));
    randHex(a, 40);
    randHex(b, 40);
    assert_int_equal(strlen(a), 40);
    for (int i = 0; i < 40; i++) assert_true((a[i] >= '0' && a[i] <= '9') || (a[i] >= 'a' && a[i] <= 'f'));
    assert_string_not_equal(a, b);
    char odd[8];
    memset(odd, 'Z', sizeof(odd));
    randHex(odd, 7); /* odd length: 7 characters, then the NUL */
    assert_int_equal(strlen(odd), 7);
    char big[301];
    randHex(big, 300); /* several refills of the byte buffer */
    assert_int_equal(strlen(big), 300);
    int seen[16] = {0};
    for (int i = 0; i < 300; i++) seen[big[i] <= '9' ? big[i] - '0' : big[i] - 'a' + 10]++;
    for (int i = 0; i < 16; i++) assert_true(seen[i] > 0);
    char empty[1] = {'Z'};
    randHex(empty, 0);
    assert_int_equal(empty[0], '\0');
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testSeedDeterministic),
        cmocka_unit_test(testBitsBalanced),
        cmocka_unit_test(testBelowRange),
        cmocka_unit_test(testBelowUniform),
        cmocka_unit_test(testDouble),
        cmocka_unit_test(testSecureBytes),
        cmocka_unit_test(testHex),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
