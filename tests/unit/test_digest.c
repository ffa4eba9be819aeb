/* test_digest.c — SHA-1 against the FIPS 180 test vectors, and the dataset
 * digest: zero when empty, independent of insertion order and of a
 * string's encoding, changed by any value, key, database or TTL change,
 * and equal to Valkey's for a known string dataset. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "node/base/mem.h"
#include "node/server/digest.h"
#include "node/store/db.h"
#include "node/store/kvobj.h"

static void hexOf(const void *p, size_t len, char out[41]) {
    unsigned char d[DIGEST_LEN];
    digestSha1(p, len, d);
    digestToHex(d, out);
}

static void test_sha1_vectors(void **state) {
    (void)state;
    char hex[41];
    hexOf("", 0, hex);
    assert_string_equal(hex, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    hexOf("abc", 3, hex);
    assert_string_equal(hex, "a9993e364706816aba3e25717850c26c9cd0d89d");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    hexOf(two, strlen(two), hex);
    assert_string_equal(hex, "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
    static char million[1000000];
    memset(million, 'a', sizeof(million));
    hexOf(million, sizeof(million), hex);
    assert_string_equal(hex, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

static void test_xor_commutes_mix_does_not(void **state) {
    (void)state;
    unsigned char a[DIGEST_LEN] = {0}, b[DIGEST_LEN] = {0};
    digestXor(a, "x", 1);
    digestXor(a, "y", 1);
    digestXor(b, "y", 1);
    digestXor(b, "x", 1);
    assert_memory_equal(a, b, DIGEST_LEN);
    memset(a, 0, DIGEST_LEN);
    memset(b, 0, DIGEST_LEN);
    digestMix(a, "x", 1);
    digestMix(a, "y", 1);
    digestMix(b, "y", 1);
    digestMix(b, "x", 1);
    assert_memory_not_equal(a, b, DIGEST_LEN);
}

static void setString(int dbid, const char *key, const char *val, int allowInt, long long expire) {
    serverDb *db = dbByIndex(dbid);
    dbSet(db, kvCreateString(key, strlen(key), val, strlen(val), expire, allowInt), 0);
}

static void datasetHex(char out[41]) {
    unsigned char d[DIGEST_LEN];
    digestDataset(d);
    digestToHex(d, out);
}

static void test_dataset_digest(void **state) {
    (void)state;
    char empty[41], first[41], second[41], other[41];
    dbEmpty(-1, NULL);
    datasetHex(empty);
    assert_string_equal(empty, "0000000000000000000000000000000000000000");

    /* Valkey 8 / Redis 7 give this digest for the same five strings. */
    setString(0, "foo", "bar", 1, -1);
    setString(0, "n", "12345", 1, -1);
    for (int i = 0; i < 3; i++) {
        char key[16];
        snprintf(key, sizeof(key), "pfx:%d", i);
        setString(0, key, "va", 1, -1);
    }
    datasetHex(first);
    assert_string_equal(first, "86c90b9d6701ff53ced4857283c0fd9150d870ca");

    /* Same data, reverse order, and "12345" stored as a raw string. */
    dbEmpty(-1, NULL);
    for (int i = 2; i >= 0; i--) {
        char key[16];
        snprintf(key, sizeof(key), "pfx:%d", i);
        setString(0, key, "va", 0, -1);
    }
    setString(0, "n", "12345", 0, -1);
    setString(0, "foo", "bar", 0, -1);
    datasetHex(second);
    assert_string_equal(first, second);

    setString(0, "foo", "baz", 0, -1);
    datasetHex(other);
    assert_string_not_equal(first, other);
    setString(0, "foo", "bar", 0, 4102444800000LL); /* same value, with a TTL */
    datasetHex(other);
    assert_string_not_equal(first, other);
    setString(0, "foo", "bar", 0, -1);
    datasetHex(other);
    assert_string_equal(first, other);

    /* The same key in another database is a different dataset. */
    dstr n = dstrNew("n");
    assert_int_equal(dbDelete(dbByIndex(0), n), 1);
    dstrFree(n);
    setString(1, "n", "12345", 0, -1);
    datasetHex(other);
    assert_string_not_equal(first, other);
    dbEmpty(-1, NULL);
}

static void test_value_digest_ignores_key(void **state) {
    (void)state;
    kvobj *a = kvCreateString("k1", 2, "v", 1, -1, 0);
    kvobj *b = kvCreateString("k2", 2, "v", 1, -1, 0);
    kvobj *c = kvCreateString("k1", 2, "w", 1, -1, 0);
    unsigned char da[DIGEST_LEN] = {0}, db[DIGEST_LEN] = {0}, dc[DIGEST_LEN] = {0};
    digestValue(da, a);
    digestValue(db, b);
    digestValue(dc, c);
    assert_memory_equal(da, db, DIGEST_LEN);
    assert_memory_not_equal(da, dc, DIGEST_LEN);
    kvFree(a);
    kvFree(b);
    kvFree(c);
}

int main(void) {
    memThreadInit();
    if (dbSetup(16) != 0) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha1_vectors),
        cmocka_unit_test(test_xor_commutes_mix_does_not),
        cmocka_unit_test(test_dataset_digest),
        cmocka_unit_test(test_value_digest_ignores_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
