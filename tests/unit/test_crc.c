/* test_crc.c — CRC-16/XMODEM and CRC-64/Jones against their check values,
 * the cluster slot of known keys, crc64's incremental property, and the
 * slicing-by-8 path against a bit-at-a-time reference at every alignment. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "node/base/crc.h"
#include "node/base/rand.h"

static uint64_t reflect(uint64_t v, int bits) {
    uint64_t r = 0;
    for (int i = 0; i < bits; i++) r |= ((v >> i) & 1) << (bits - 1 - i);
    return r;
}

/* The definition, one bit at a time, written in the non-reflected form with
 * the published polynomial and explicit reflections: slow, and derived
 * independently of the reflected table code under test. */
static uint64_t crc64Reference(uint64_t crc, const uint8_t *p, size_t len) {
    const uint64_t poly = 0xad93d23594c935a9ULL;
    uint64_t r = reflect(crc, 64);
    for (size_t i = 0; i < len; i++) {
        r ^= reflect(p[i], 8) << 56;
        for (int bit = 0; bit < 8; bit++) r = (r >> 63) ? (r << 1) ^ poly : r << 1;
    }
    return reflect(r, 64);
}

static uint16_t crc16Reference(const uint8_t *p, size_t len) {
    uint16_t crc = 0;
    for (size_t i = 0; i < len; i++) {
        crc ^= (uint16_t)(p[i] << 8);
        for (int bit = 0; bit < 8; bit++)
            crc = (uint16_t)((crc & 0x8000) ? (crc << 1) ^ 0x1021 : crc << 1);
    }
    return crc;
}

static void testCrc16CheckValue(void **state) {
    (void)state;
    assert_int_equal(crc16("123456789", 9), 0x31C3);
    assert_int_equal(crc16("", 0), 0);
}

static void testCrc16Slots(void **state) {
    (void)state;
    /* Slots documented by the cluster specification and seen in clients. */
    assert_int_equal(crc16("foo", 3) % 16384, 12182);
    assert_int_equal(crc16("bar", 3) % 16384, 5061);
    assert_int_equal(crc16("hello", 5) % 16384, 866);
}

static void testCrc16MatchesReference(void **state) {
    (void)state;
    uint8_t buf[300];
    randSeed(16);
    for (size_t i = 0; i < sizeof(buf); i++) buf[i] = (uint8_t)randNext();
    for (size_t len = 0; len < sizeof(buf); len += 7)
        assert_int_equal(crc16(buf, len), crc16Reference(buf, len));
}

static void testCrc64CheckValue(void **state) {
    (void)state;
    assert_true(crc64(0, "123456789", 9) == 0xe9c6d914c4b8d9caULL);
    assert_true(crc64(0, "", 0) == 0);
    assert_true(crc64(0x1234, "", 0) == 0x1234);
}

static void testCrc64Incremental(void **state) {
    (void)state;
    const char *s = "123456789";
    for (size_t cut = 0; cut <= 9; cut++) {
        uint64_t c = crc64(crc64(0, s, cut), s + cut, 9 - cut);
        assert_true(c == 0xe9c6d914c4b8d9caULL);
    }
    uint8_t buf[4096];
    randSeed(64);
    for (size_t i = 0; i < sizeof(buf); i++) buf[i] = (uint8_t)randNext();
    uint64_t whole = crc64(0, buf, sizeof(buf));
    for (int trial = 0; trial < 50; trial++) {
        size_t a = randBelow(sizeof(buf) + 1), b = randBelow(sizeof(buf) + 1);
        if (a > b) { size_t t = a; a = b; b = t; }
        uint64_t c = crc64(0, buf, a);
        c = crc64(c, buf + a, b - a);
        c = crc64(c, buf + b, sizeof(buf) - b);
        assert_true(c == whole);
    }
}

/* Every alignment and tail length, so the byte prologue, the 8-byte loop and
 * the epilogue are all compared against the bitwise definition. */
static void testCrc64MatchesReference(void **state) {
    (void)state;
    uint8_t buf[256 + 8];
    randSeed(99);
    for (size_t i = 0; i < sizeof(buf); i++) buf[i] = (uint8_t)randNext();
    for (size_t off = 0; off < 8; off++)
        for (size_t len = 0; len <= 256; len += (len < 40 ? 1 : 13)) {
            uint64_t seed = len * 0x9e3779b97f4a7c15ULL;
            assert_true(crc64(seed, buf + off, len) == crc64Reference(seed, buf + off, len));
        }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testCrc16CheckValue),
        cmocka_unit_test(testCrc16Slots),
        cmocka_unit_test(testCrc16MatchesReference),
        cmocka_unit_test(testCrc64CheckValue),
        cmocka_unit_test(testCrc64Incremental),
        cmocka_unit_test(testCrc64MatchesReference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
