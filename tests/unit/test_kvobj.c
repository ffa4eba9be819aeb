/* test_kvobj.c — keyspace entries: encodings chosen, keys and values read
 * back for every header kind, TTL added/removed without losing anything,
 * conversions to RAW, and memory sizes of the common small-key case. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "node/base/mem.h"
#include "node/store/kvobj.h"
#include "node/types/listpack.h"

static void assertKey(const kvobj *kv, const char *key, size_t keylen) {
    dstr k = kvKey(kv);
    assert_int_equal(dstrLen(k), keylen);
    assert_memory_equal(k, key, keylen);
    assert_int_equal(k[keylen], '\0');
}

static void assertValue(const kvobj *kv, const char *val, size_t vallen) {
    char buf[32];
    size_t len;
    const char *p = kvStringBytes(kv, buf, &len);
    assert_int_equal(len, vallen);
    assert_memory_equal(p, val, vallen);
    assert_int_equal(kvStringLen(kv), vallen);
}

static void test_encodings(void **state) {
    (void)state;
    kvobj *kv = kvCreateString("k", 1, "12345", 5, -1, 1);
    assert_int_equal(kv->encoding, OBJ_ENCODING_INT);
    assert_int_equal(kvGetInt(kv), 12345);
    assertValue(kv, "12345", 5);
    kvFree(kv);

    kv = kvCreateString("k", 1, "012", 3, -1, 1); /* not canonical: stays a string */
    assert_int_equal(kv->encoding, OBJ_ENCODING_EMBSTR);
    assertValue(kv, "012", 3);
    kvFree(kv);

    kv = kvCreateString("k", 1, "12345", 5, -1, 0); /* ints not allowed */
    assert_int_equal(kv->encoding, OBJ_ENCODING_EMBSTR);
    kvFree(kv);

    char big[200];
    memset(big, 'x', sizeof(big));
    kv = kvCreateString("k", 1, big, sizeof(big), -1, 1);
    assert_int_equal(kv->encoding, OBJ_ENCODING_RAW);
    assertValue(kv, big, sizeof(big));
    kvFree(kv);

    kv = kvCreateString("k", 1, "-9223372036854775808", 20, -1, 1);
    assert_int_equal(kv->encoding, OBJ_ENCODING_INT);
    assertValue(kv, "-9223372036854775808", 20);
    kvFree(kv);
}

/* Keys and values of every length class round-trip, with and without TTL. */
static void test_key_lengths(void **state) {
    (void)state;
    size_t lens[] = {0, 1, 31, 32, 33, 255, 256, 257, 65535, 65536, 70000};
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        size_t n = lens[i];
        char *key = memAlloc(n + 1);
        for (size_t j = 0; j < n; j++) key[j] = (char)('a' + (j * 7 + n) % 26);
        for (int ttl = 0; ttl < 2; ttl++) {
            long long when = ttl ? 1700000000123LL : -1;
            for (size_t vl = 0; vl < 50; vl += 7) {
                char val[64];
                for (size_t j = 0; j < vl; j++) val[j] = (char)('A' + j % 26);
                kvobj *kv = kvCreateString(key, n, val, vl, when, 1);
                assertKey(kv, key, n);
                assertValue(kv, val, vl);
                assert_int_equal(kvGetExpire(kv), when);
                kvFree(kv);
            }
        }
        memFree(key);
    }
}

static void test_expire_add_remove(void **state) {
    (void)state;
    kvobj *kv = kvCreateString("mykey", 5, "hello world", 11, -1, 1);
    kvobj *withTtl = kvWithExpire(kv, 1234567890123LL);
    assert_ptr_not_equal(withTtl, kv); /* layout changed: a new entry */
    kvFreeShell(kv);
    assertKey(withTtl, "mykey", 5);
    assertValue(withTtl, "hello world", 11);
    assert_int_equal(kvGetExpire(withTtl), 1234567890123LL);

    kvobj *same = kvWithExpire(withTtl, 42); /* in place */
    assert_ptr_equal(same, withTtl);
    assert_int_equal(kvGetExpire(same), 42);

    kvobj *noTtl = kvWithExpire(same, -1);
    assert_ptr_not_equal(noTtl, same);
    kvFreeShell(same);
    assert_int_equal(kvGetExpire(noTtl), -1);
    assertKey(noTtl, "mykey", 5);
    assertValue(noTtl, "hello world", 11);
    kvFree(noTtl);

    /* RAW values move by pointer, not duplicated: freeing the shell must not
     * free the value. */
    char big[300];
    memset(big, 'z', sizeof(big));
    kv = kvCreateString("r", 1, big, sizeof(big), -1, 1);
    kvobj *n = kvWithExpire(kv, 99);
    kvFreeShell(kv);
    assertValue(n, big, sizeof(big));
    kvFree(n);
}

static void test_to_raw(void **state) {
    (void)state;
    kvobj *kv = kvCreateString("counter", 7, "77", 2, 5000, 1);
    kvobj *raw = kvStringToRaw(kv);
    assert_ptr_not_equal(raw, kv);
    kvFreeShell(kv);
    assert_int_equal(raw->encoding, OBJ_ENCODING_RAW);
    assertKey(raw, "counter", 7);
    assertValue(raw, "77", 2);
    assert_int_equal(kvGetExpire(raw), 5000);
    dstr s = kvGetPtr(raw);
    s = dstrCatLen(s, "88", 2);
    kvSetPtr(raw, s);
    assertValue(raw, "7788", 4);
    assert_ptr_equal(kvStringToRaw(raw), raw);
    kvFree(raw);
}

static void test_with_key_of(void **state) {
    (void)state;
    kvobj *old = kvCreateString("thekey", 6, "old", 3, 777, 1);
    kvobj *value = kvCreateString("", 0, "a new value that is embedded", 28, -1, 1);
    kvobj *n = kvWithKeyOf(old, value, 1);
    kvFreeShell(value);
    assertKey(n, "thekey", 6);
    assertValue(n, "a new value that is embedded", 28);
    assert_int_equal(kvGetExpire(n), 777);
    kvobj *n2 = kvWithKeyOf(old, n, 0);
    assert_int_equal(kvGetExpire(n2), -1);
    kvFree(n2);
    kvFree(n);
    kvFree(old);
}

/* The footprint target depends on this: an 11-byte key with a 10-byte value
 * must fit one 32-byte allocator slot. */
static void test_small_entry_size(void **state) {
    (void)state;
    kvobj *kv = kvCreateString("key:0000001", 11, "0123456789", 10, -1, 1);
    assert_true(memUsableSize(kv) <= 32);
    assert_int_equal(kv->encoding, OBJ_ENCODING_EMBSTR);
    assert_true(kvMemUsage(kv) <= 32);
    kvFree(kv);
}

static int freedCount;
static void countingFree(void *p) {
    freedCount++;
    memFree(p);
}
static size_t fixedSize(const void *p) {
    (void)p;
    return 100;
}

static void test_pointer_values(void **state) {
    (void)state;
    kvRegisterValueType(OBJ_LIST, OBJ_ENCODING_QUICKLIST, countingFree, fixedSize);
    void *payload = memAlloc(16);
    kvobj *kv = kvCreatePointer("list", 4, OBJ_LIST, OBJ_ENCODING_QUICKLIST, payload, -1);
    assert_ptr_equal(kvGetPtr(kv), payload);
    assert_string_equal(kvTypeName(kv->type), "list");
    assert_string_equal(kvEncodingName(kv->encoding), "quicklist");
    assert_true(kvMemUsage(kv) >= 100);
    freedCount = 0;
    kvFree(kv);
    assert_int_equal(freedCount, 1);
}

static unsigned char *fiveFieldHash(void) {
    unsigned char *lp = lpNew(0);
    char f[8], v[8];
    for (int i = 1; i <= 5; i++) {
        snprintf(f, sizeof(f), "f%d", i);
        snprintf(v, sizeof(v), "val-%d", i);
        lp = lpAppend(lp, f, strlen(f));
        lp = lpAppend(lp, v, strlen(v));
    }
    return lp;
}

/* A small listpack is copied into the entry: one allocation, same bytes. */
static void test_listpack_embedded(void **state) {
    (void)state;
    unsigned char *lp = fiveFieldHash();
    size_t bytes = lpBytes(lp);
    unsigned char copy[128];
    memcpy(copy, lp, bytes);
    kvobj *kv = kvCreatePointer("key:0000001", 11, OBJ_HASH, OBJ_ENCODING_LISTPACK, lp, -1);
    assert_int_equal(kvEmbeddedValueSize(kv), bytes);
    assert_memory_equal(kvGetPtr(kv), copy, bytes);
    assert_true((char *)kvGetPtr(kv) > (char *)kv && (char *)kvGetPtr(kv) < (char *)kv + 128);
    assert_true(kvMemUsage(kv) <= 80); /* the footprint target's arithmetic */
    assertKey(kv, "key:0000001", 11);
    /* A TTL keeps the value embedded and intact. */
    kvobj *t = kvWithExpire(kv, 12345);
    if (t != kv) kvFreeShell(kv);
    kv = t;
    assert_int_equal(kvGetExpire(kv), 12345);
    assert_memory_equal(kvGetPtr(kv), copy, bytes);
    kvFree(kv);
}

/* kvWithValue: embedded -> bigger embedded -> pointer -> embedded again. */
static void test_listpack_with_value(void **state) {
    (void)state;
    kvobj *kv = kvCreatePointer("k", 1, OBJ_SET, OBJ_ENCODING_LISTPACK, lpAppend(lpNew(0), "a", 1), -1);
    assert_true(kvEmbeddedValueSize(kv) > 0);
    unsigned char *lp = lpNew(0);
    for (int i = 0; i < 3; i++) lp = lpAppend(lp, "abcdefgh", 8);
    kvobj *n = kvWithValue(kv, OBJ_ENCODING_LISTPACK, lp);
    if (n != kv) kvFreeShell(kv);
    kv = n;
    assert_int_equal(kvEmbeddedValueSize(kv), lpBytes(kvGetPtr(kv)));
    assert_int_equal(lpLength(kvGetPtr(kv)), 3);
    /* Too big to embed: held by pointer. */
    lp = lpNew(0);
    for (int i = 0; i < 40; i++) lp = lpAppend(lp, "abcdefgh", 8);
    n = kvWithValue(kv, OBJ_ENCODING_LISTPACK, lp);
    if (n != kv) kvFreeShell(kv);
    kv = n;
    assert_int_equal(kvEmbeddedValueSize(kv), 0);
    assert_ptr_equal(kvGetPtr(kv), lp);
    assert_int_equal(lpLength(kvGetPtr(kv)), 40);
    /* Shrinks back inside the entry (the pointer value was taken over). */
    lp = lpDeleteRange(lp, 0, 39);
    n = kvWithValue(kv, OBJ_ENCODING_LISTPACK, lp);
    if (n != kv) kvFreeShell(kv);
    kv = n;
    assert_true(kvEmbeddedValueSize(kv) > 0);
    assert_int_equal(lpLength(kvGetPtr(kv)), 1);
    assertKey(kv, "k", 1);
    kvRegisterValueType(OBJ_SET, OBJ_ENCODING_LISTPACK, (kvValueFree)lpFree, NULL);
    kvFree(kv);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encodings),        cmocka_unit_test(test_key_lengths),
        cmocka_unit_test(test_expire_add_remove), cmocka_unit_test(test_to_raw),
        cmocka_unit_test(test_with_key_of),      cmocka_unit_test(test_small_entry_size),
        cmocka_unit_test(test_pointer_values),   cmocka_unit_test(test_listpack_embedded),
        cmocka_unit_test(test_listpack_with_value),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
