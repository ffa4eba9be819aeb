/* test_hash.c — SipHash-2-4 against the 64 reference vectors of the SipHash
 * paper / reference implementation (key 00..0f, message 00..len-1), and the
 * properties the tables rely on for SipHash-1-2: determinism, key
 * dependence, the seed API, and case folding without allocation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "node/base/hash.h"
#include "node/base/rand.h"

/* vectors_sip64 of the reference implementation, read little-endian. */
static const uint64_t sip24Vectors[64] = {
    0x726fdb47dd0e0e31ULL, 0x74f839c593dc67fdULL, 0x0d6c8009d9a94f5aULL,
    0x85676696d7fb7e2dULL, 0xcf2794e0277187b7ULL, 0x18765564cd99a68dULL,
    0xcbc9466e58fee3ceULL, 0xab0200f58b01d137ULL, 0x93f5f5799a932462ULL,
    0x9e0082df0ba9e4b0ULL, 0x7a5dbbc594ddb9f3ULL, 0xf4b32f46226bada7ULL,
    0x751e8fbc860ee5fbULL, 0x14ea5627c0843d90ULL, 0xf723ca908e7af2eeULL,
    0xa129ca6149be45e5ULL, 0x3f2acc7f57c29bdbULL, 0x699ae9f52cbe4794ULL,
    0x4bc1b3f0968dd39cULL, 0xbb6dc91da77961bdULL, 0xbed65cf21aa2ee98ULL,
    0xd0f2cbb02e3b67c7ULL, 0x93536795e3a33e88ULL, 0xa80c038ccd5ccec8ULL,
    0xb8ad50c6f649af94ULL, 0xbce192de8a85b8eaULL, 0x17d835b85bbb15f3ULL,
    0x2f2e6163076bcfadULL, 0xde4daaaca71dc9a5ULL, 0xa6a2506687956571ULL,
    0xad87a3535c49ef28ULL, 0x32d892fad841c342ULL, 0x7127512f72f27cceULL,
    0xa7f32346f95978e3ULL, 0x12e0b01abb051238ULL, 0x15e034d40fa197aeULL,
    0x314dffbe0815a3b4ULL, 0x027990f029623981ULL, 0xcadcd4e59ef40c4dULL,
    0x9abfd8766a33735cULL, 0x0e3ea96b5304a7d0ULL, 0xad0c42d6fc585992ULL,
    0x187306c89bc215a9ULL, 0xd4a60abcf3792b95ULL, 0xf935451de4f21df2ULL,
    0xa9538f0419755787ULL, 0xdb9acddff56ca510ULL, 0xd06c98cd5c0975ebULL,
    0xe612a3cb9ecba951ULL, 0xc766e62cfcadaf96ULL, 0xee64435a9752fe72ULL,
    0xa192d576b245165aULL, 0x0a8787bf8ecb74b2ULL, 0x81b3e73d20b49b6fULL,
    0x7fa8220ba3b2eceaULL, 0x245731c13ca42499ULL, 0xb78dbfaf3a8d83bdULL,
    0xea1ad565322a1a0bULL, 0x60e61c23a3795013ULL, 0x6606d7e446282b93ULL,
    0x6ca4ecb15c5f91e1ULL, 0x9f626da15c9625f3ULL, 0xe51b38608ef25f57ULL,
    0x958a324ceb064572ULL,
};

static void referenceKeyAndInput(uint8_t key[16], uint8_t in[64]) {
    for (int i = 0; i < 16; i++) key[i] = (uint8_t)i;
    for (int i = 0; i < 64; i++) in[i] = (uint8_t)i;
}

static void testSiphash24Vectors(void **state) {
    (void)state;
    uint8_t key[16], in[64];
    referenceKeyAndInput(key, in);
    for (size_t len = 0; len < 64; len++) assert_true(siphash24(in, len, key) == sip24Vectors[len]);
    /* The worked example of the paper's appendix: 15 bytes. */
    assert_true(siphash24(in, 15, key) == 0xa129ca6149be45e5ULL);
}

/* Unaligned input gives the same result (memcpy loads). */
static void testUnalignedInput(void **state) {
    (void)state;
    uint8_t key[16], in[64], shifted[72];
    referenceKeyAndInput(key, in);
    for (int off = 1; off < 8; off++) {
        memcpy(shifted + off, in, 63);
        assert_true(siphash24(shifted + off, 63, key) == sip24Vectors[63]);
        assert_true(siphash12(shifted + off, 63, key) == siphash12(in, 63, key));
    }
}

static void testSiphash12Properties(void **state) {
    (void)state;
    uint8_t key[16], in[64], key2[16];
    referenceKeyAndInput(key, in);
    memcpy(key2, key, 16);
    key2[15] ^= 1;
    for (size_t len = 0; len < 64; len++) {
        uint64_t h = siphash12(in, len, key);
        assert_true(h == siphash12(in, len, key));    /* deterministic */
        assert_true(h != siphash12(in, len, key2));   /* one key bit changes it */
        assert_true(h != siphash24(in, len, key));    /* really a different round count */
        if (len) {
            uint8_t flipped[64];
            memcpy(flipped, in, len);
            flipped[len - 1] ^= 0x80;
            assert_true(h != siphash12(flipped, len, key));
        }
    }
    /* The length is part of the hash: "" vs "\0" vs "\0\0". */
    uint8_t zeros[8] = {0};
    assert_true(siphash12(zeros, 0, key) != siphash12(zeros, 1, key));
    assert_true(siphash12(zeros, 1, key) != siphash12(zeros, 2, key));
}

static void testSeed(void **state) {
    (void)state;
    uint8_t zero[16] = {0}, seed[16];
    /* Default seed is all zero until set. */
    assert_memory_equal(hashGetSeed(), zero, 16);
    assert_true(hashBytes("abc", 3) == siphash12((const uint8_t *)"abc", 3, zero));

    for (int i = 0; i < 16; i++) seed[i] = (uint8_t)(0xa0 + i);
    uint64_t before = hashBytes("abc", 3);
    hashSetSeed(seed);
    assert_memory_equal(hashGetSeed(), seed, 16);
    assert_true(hashBytes("abc", 3) == siphash12((const uint8_t *)"abc", 3, seed));
    assert_true(hashBytes("abc", 3) != before);
    hashSetSeed(zero);
    assert_true(hashBytes("abc", 3) == before);
}

static void testNoCase(void **state) {
    (void)state;
    uint8_t seed[16];
    for (int i = 0; i < 16; i++) seed[i] = (uint8_t)(i * 7);
    hashSetSeed(seed);
    assert_true(hashBytesNoCase("AbC", 3) == hashBytesNoCase("abc", 3));
    assert_true(hashBytesNoCase("abc", 3) == hashBytes("abc", 3));
    assert_true(hashBytesNoCase("ABC", 3) != hashBytes("ABC", 3));
    /* Long enough to use the 8-byte blocks and a tail. */
    const char *upper = "CLIENT-OUTPUT-BUFFER-LIMIT", *lower = "client-output-buffer-limit";
    size_t n = strlen(upper);
    assert_true(hashBytesNoCase(upper, n) == hashBytes(lower, n));
    assert_true(hashBytesNoCase(lower, n) == hashBytes(lower, n));
}

/* Every byte value: only A-Z fold, and exactly onto a-z.  Bytes around the
 * letters ('@', '[', '`', '{') and non-ASCII bytes (0xC1 = 0x41|0x80) must
 * not be touched, in every position of a word and of the tail. */
static void testNoCaseEveryByte(void **state) {
    (void)state;
    uint8_t buf[13], folded[13];
    for (int c = 0; c < 256; c++) {
        for (size_t pos = 0; pos < sizeof(buf); pos++) {
            memset(buf, 'x', sizeof(buf));
            buf[pos] = (uint8_t)c;
            memcpy(folded, buf, sizeof(buf));
            if (c >= 'A' && c <= 'Z') folded[pos] = (uint8_t)(c + 32);
            assert_true(hashBytesNoCase(buf, sizeof(buf)) == hashBytes(folded, sizeof(buf)));
        }
    }
}

static int compareU64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Random strings: nocase(s) == hash(lower(s)), and keys that differ give
 * different hashes (a collision among 20000 64-bit values would be a bug). */
static void testRandomStrings(void **state) {
    (void)state;
    enum { N = 20000 };
    static uint64_t seen[N];
    randSeed(7);
    for (int i = 0; i < N; i++) {
        char s[40], lower[40];
        size_t len = 1 + randBelow(sizeof(s) - 1);
        for (size_t j = 0; j < len; j++) {
            s[j] = (char)(32 + randBelow(95));
            lower[j] = (s[j] >= 'A' && s[j] <= 'Z') ? (char)(s[j] + 32) : s[j];
        }
        assert_true(hashBytesNoCase(s, len) == hashBytes(lower, len));
        char key[32];
        int klen = snprintf(key, sizeof(key), "key:%d", i);
        seen[i] = hashBytes(key, (size_t)klen);
    }
    qsort(seen, N, sizeof(seen[0]), compareU64);
    for (int i = 1; i < N; i++) assert_true(seen[i - 1] != seen[i]);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testSiphash24Vectors),
        cmocka_unit_test(testUnalignedInput),
        cmocka_unit_test(testSiphash12Properties),
        cmocka_unit_test(testSeed),
        cmocka_unit_test(testNoCase),
        cmocka_unit_test(testNoCaseEveryByte),
        cmocka_unit_test(testRandomStrings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
