/* test_rdb.c — the RDB format: length and string encodings byte for byte,
 * dataset round trips (int / raw / LZF strings, TTLs, several databases),
 * expired keys skipped at load, AUX and version handling, and corruption:
 * every truncation of a small file and every single-bit flip must end in an
 * error naming the offset, never a crash or a silent success. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "node/base/crc.h"
#include "node/base/log.h"
#include "node/base/mem.h"
#include "node/base/rand.h"
#include "node/base/timeutil.h"
#include "node/store/db.h"
#include "rdb/rdb.h"

#define NDBS 4

static int setup(void **state) {
    (void)state;
    static int done;
    if (!done) {
        dbSetup(NDBS);
        rdbInit();
        logSetLevel(LL_WARNING);
        done = 1;
    }
    dbEmpty(-1, NULL);
    dbSetCommandTime(0);
    return 0;
}

/* --- Helpers --- */

static dstr saveDataset(int compress, int checksum) {
    rdbWriter w;
    rdbWriterInitMem(&w, checksum, compress);
    rdbSaveOptions opt = {.compress = compress, .checksum = checksum};
    assert_int_equal(rdbSaveDataset(&w, &opt), 0);
    return rdbWriterFinish(&w);
}

/* Loads buf into emptied databases; returns the rc and keeps the error. */
static int loadDataset(const void *buf, size_t len, long long nowMs, rdbLoadInfo *info, dstr *err) {
    dbEmpty(-1, NULL);
    rdbReader r;
    rdbReaderInitMem(&r, "test.rdb", buf, len);
    rdbLoadOptions opt = {.verifyChecksum = 1, .skipExpired = 1, .nowMs = nowMs};
    int rc = rdbLoadDataset(&r, &opt, info);
    if (err) {
        *err = r.err;
        r.err = NULL;
    }
    rdbReaderFree(&r);
    rdbLoadInfoFree(info);
    return rc;
}

static void addString(int dbid, const char *key, const char *val, size_t vallen, long long expire) {
    dbAdd(dbByIndex(dbid), kvCreateString(key, strlen(key), val, vallen, expire, 1));
}

static void assertString(int dbid, const char *key, const char *val, size_t vallen, long long expire) {
    dstr k = dstrNew(key);
    kvobj *kv = dbFind(dbByIndex(dbid), k);
    dstrFree(k);
    assert_non_null(kv);
    assert_int_equal(kv->type, OBJ_STRING);
    char buf[32];
    size_t len;
    const char *bytes = kvStringBytes(kv, buf, &len);
    assert_int_equal(len, vallen);
    assert_memory_equal(bytes, val, vallen);
    assert_int_equal(kvGetExpire(kv), expire);
}

/* Bytes written for one string. */
static dstr encodeString(const char *s, size_t len, int compress) {
    rdbWriter w;
    rdbWriterInitMem(&w, 0, compress);
    assert_int_equal(rdbSaveString(&w, s, len), 0);
    return rdbWriterFinish(&w);
}

static void assertStringEncoding(const char *s, const unsigned char *expect, size_t n) {
    dstr out = encodeString(s, strlen(s), 1);
    assert_int_equal(dstrLen(out), n);
    assert_memory_equal(out, expect, n);
    rdbReader r;
    rdbReaderInitMem(&r, "mem", out, dstrLen(out));
    dstr back = rdbLoadString(&r);
    assert_non_null(back);
    assert_int_equal(dstrLen(back), strlen(s));
    assert_memory_equal(back, s, strlen(s));
    assert_int_equal(r.offset, n);
    dstrFree(back);
    rdbReaderFree(&r);
    dstrFree(out);
}

/* --- Encodings --- */

static void test_length_encoding(void **state) {
    (void)state;
    static const struct {
        uint64_t len;
        size_t bytes;
        unsigned char first;
    } cases[] = {
        {0, 1, 0x00},          {63, 1, 0x3f},           {64, 2, 0x40},
        {16383, 2, 0x7f},      {16384, 5, 0x80},        {UINT32_MAX, 5, 0x80},
        {(uint64_t)UINT32_MAX + 1, 9, 0x81}, {UINT64_MAX, 9, 0x81},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        rdbWriter w;
        rdbWriterInitMem(&w, 0, 0);
        assert_int_equal(rdbSaveLen(&w, cases[i].len), 0);
        dstr out = rdbWriterFinish(&w);
        assert_int_equal(dstrLen(out), cases[i].bytes);
        assert_int_equal((unsigned char)out[0], cases[i].first);
        rdbReader r;
        rdbReaderInitMem(&r, "mem", out, dstrLen(out));
        uint64_t len;
        int enc;
        assert_int_equal(rdbLoadLen(&r, &len, &enc), 0);
        assert_int_equal(enc, 0);
        assert_true(len == cases[i].len);
        rdbReaderFree(&r);
        dstrFree(out);
    }
}

static void test_string_encodings(void **state) {
    (void)state;
    assertStringEncoding("12", (const unsigned char *)"\xc0\x0c", 2);
    assertStringEncoding("-128", (const unsigned char *)"\xc0\x80", 2);
    assertStringEncoding("-1000", (const unsigned char *)"\xc1\x18\xfc", 3);
    assertStringEncoding("100000", (const unsigned char *)"\xc2\xa0\x86\x01\x00", 5);
    assertStringEncoding("-2147483648", (const unsigned char *)"\xc2\x00\x00\x00\x80", 5);
    /* Not canonical or beyond 32 bits: stays text. */
    assertStringEncoding("012", (const unsigned char *)"\x03" "012", 4);
    assertStringEncoding("+1", (const unsigned char *)"\x02+1", 3);
    assertStringEncoding("2147483648", (const unsigned char *)"\x0a" "2147483648", 11);
    assertStringEncoding("", (const unsigned char *)"\x00", 1);
    assertStringEncoding("hello", (const unsigned char *)"\x05hello", 6);
}

static void test_lzf_strings(void **state) {
    (void)state;
    char big[1000];
    memset(big, 'a', sizeof(big));
    dstr out = encodeString(big, sizeof(big), 1);
    assert_int_equal((unsigned char)out[0], 0xc3);
    assert_true(dstrLen(out) < 100);
    rdbReader r;
    rdbReaderInitMem(&r, "mem", out, dstrLen(out));
    dstr back = rdbLoadString(&r);
    assert_non_null(back);
    assert_int_equal(dstrLen(back), sizeof(big));
    assert_memory_equal(back, big, sizeof(big));
    dstrFree(back);
    rdbReaderFree(&r);
    dstrFree(out);
    /* Compression off, or a string of 20 bytes: raw. */
    out = encodeString(big, sizeof(big), 0);
    assert_int_equal((unsigned char)out[0], 0x40 | (1000 >> 8));
    assert_int_equal(dstrLen(out), 2 + sizeof(big));
    dstrFree(out);
    out = encodeString(big, 20, 1);
    assert_int_equal(dstrLen(out), 21);
    dstrFree(out);
    /* Incompressible bytes: raw even with compression on. */
    char noise[300];
    randSeed(7);
    for (size_t i = 0; i < sizeof(noise); i++) noise[i] = (char)randNext();
    out = encodeString(noise, sizeof(noise), 1);
    assert_int_not_equal((unsigned char)out[0], 0xc3);
    dstrFree(out);
}

/* --- Round trips --- */

static void fillSample(long long now) {
    char big[2000], noise[500];
    memset(big, 'x', sizeof(big));
    for (size_t i = 0; i < sizeof(noise); i++) noise[i] = (char)randNext();
    addString(0, "int8", "7", 1, -1);
    addString(0, "int16", "-1000", 5, -1);
    addString(0, "int32", "100000", 6, now + 100000);
    addString(0, "int64", "12345678901234", 14, -1);
    addString(0, "notint", "0123", 4, -1);
    addString(0, "empty", "", 0, -1);
    addString(0, "binary", "a\0b\r\n", 5, now + 5000);
    addString(0, "big", big, sizeof(big), now + 999999);
    addString(0, "noise", noise, sizeof(noise), -1);
    addString(2, "db2key", "v2", 2, -1);
    addString(3, "db3key", big, 64, now + 1);
}

static void assertSample(long long now, const char *noise) {
    char big[2000];
    memset(big, 'x', sizeof(big));
    assertString(0, "int8", "7", 1, -1);
    assertString(0, "int16", "-1000", 5, -1);
    assertString(0, "int32", "100000", 6, now + 100000);
    assertString(0, "int64", "12345678901234", 14, -1);
    assertString(0, "notint", "0123", 4, -1);
    assertString(0, "empty", "", 0, -1);
    assertString(0, "binary", "a\0b\r\n", 5, now + 5000);
    assertString(0, "big", big, sizeof(big), now + 999999);
    assertString(0, "noise", noise, 500, -1);
    assertString(2, "db2key", "v2", 2, -1);
    assertString(3, "db3key", big, 64, now + 1);
    assert_int_equal(dbSize(dbByIndex(0)), 9);
    assert_int_equal(dbSize(dbByIndex(1)), 0);
    assert_int_equal(dbSize(dbByIndex(2)), 1);
    assert_int_equal(dbSize(dbByIndex(3)), 1);
    assert_int_equal(dbExpiresSize(dbByIndex(0)), 3);
}

static void roundTrip(int compress, int checksum) {
    long long now = timeMs() + 60000;
    randSeed(42);
    fillSample(now);
    char noise[500];
    randSeed(42);
    for (size_t i = 0; i < sizeof(noise); i++) noise[i] = (char)randNext();
    dstr file = saveDataset(compress, checksum);
    assert_memory_equal(file, "REDIS0011", 9);
    assert_int_equal((unsigned char)file[dstrLen(file) - 9], RDB_OPCODE_EOF);
    uint64_t crc = crc64(0, file, dstrLen(file) - 8), stored = 0;
    for (int i = 7; i >= 0; i--) stored = (stored << 8) | (unsigned char)file[dstrLen(file) - 8 + i];
    assert_true(stored == (checksum ? crc : 0));
    rdbLoadInfo info;
    dstr err = NULL;
    assert_int_equal(loadDataset(file, dstrLen(file), 0, &info, &err), 0);
    assert_null(err);
    assert_int_equal(info.keysLoaded, 11);
    assert_int_equal(info.keysExpired, 0);
    assert_int_equal(info.version, 11);
    assertSample(now, noise);
    dstrFree(file);
}

static void test_roundtrip_compressed(void **state) {
    (void)state;
    roundTrip(1, 1);
}

static void test_roundtrip_plain_no_checksum(void **state) {
    (void)state;
    roundTrip(0, 0);
}

static void test_encodings_after_load(void **state) {
    (void)state;
    addString(0, "n", "42", 2, -1);
    addString(0, "s", "short", 5, -1);
    dstr file = saveDataset(1, 1);
    rdbLoadInfo info;
    assert_int_equal(loadDataset(file, dstrLen(file), 0, &info, NULL), 0);
    dstr k = dstrNew("n");
    assert_int_equal(dbFind(dbByIndex(0), k)->encoding, OBJ_ENCODING_INT);
    dstrFree(k);
    k = dstrNew("s");
    assert_int_equal(dbFind(dbByIndex(0), k)->encoding, OBJ_ENCODING_EMBSTR);
    dstrFree(k);
    dstrFree(file);
}

static void test_expired_keys_skipped(void **state) {
    (void)state;
    long long now = timeMs();
    addString(0, "soon", "v", 1, now + 10000);
    addString(0, "later", "v", 1, now + 100000);
    addString(0, "never", "v", 1, -1);
    dstr file = saveDataset(1, 1);
    rdbLoadInfo info;
    /* Loaded 20 s later: "soon" has expired. */
    assert_int_equal(loadDataset(file, dstrLen(file), now + 20000, &info, NULL), 0);
    assert_int_equal(info.keysLoaded, 2);
    assert_int_equal(info.keysExpired, 1);
    dstr k = dstrNew("soon");
    assert_null(dbFind(dbByIndex(0), k));
    dstrFree(k);
    dstrFree(file);
}

static void test_expired_keys_not_saved(void **state) {
    (void)state;
    dbSetActiveExpireEnabled(0);
    addString(0, "gone", "v", 1, timeMs() - 1000);
    addString(0, "kept", "v", 1, -1);
    dstr file = saveDataset(1, 1);
    rdbLoadInfo info;
    assert_int_equal(loadDataset(file, dstrLen(file), 0, &info, NULL), 0);
    assert_int_equal(info.keysLoaded, 1);
    assert_int_equal(info.keysExpired, 0);
    dstrFree(file);
    dbSetActiveExpireEnabled(1);
}

/* --- Hand-built files --- */

typedef struct builder {
    rdbWriter w;
} builder;

static void buildStart(builder *b, const char *magic) {
    rdbWriterInitMem(&b->w, 1, 0);
    rdbWriteRaw(&b->w, magic, 9);
}

static dstr buildEnd(builder *b) {
    rdbSaveType(&b->w, RDB_OPCODE_EOF);
    rdbSaveMillis(&b->w, (long long)b->w.crc);
    return rdbWriterFinish(&b->w);
}

static void buildKey(builder *b, int type, const char *key, const char *val) {
    rdbSaveType(&b->w, (unsigned char)type);
    rdbSaveString(&b->w, key, strlen(key));
    rdbSaveString(&b->w, val, strlen(val));
}

static void test_aux_and_old_opcodes(void **state) {
    (void)state;
    builder b;
    buildStart(&b, "REDIS0009");
    rdbSaveType(&b.w, RDB_OPCODE_AUX);
    rdbSaveString(&b.w, "some-future-field", 17);
    rdbSaveString(&b.w, "whatever", 8);
    rdbSaveType(&b.w, RDB_OPCODE_SELECTDB);
    rdbSaveLen(&b.w, 1);
    rdbSaveType(&b.w, RDB_OPCODE_RESIZEDB);
    rdbSaveLen(&b.w, 1000000000); /* a lying hint must not allocate */
    rdbSaveLen(&b.w, 0);
    rdbSaveType(&b.w, RDB_OPCODE_IDLE);
    rdbSaveLen(&b.w, 100);
    rdbSaveType(&b.w, RDB_OPCODE_EXPIRETIME);
    unsigned char secs[4] = {0xff, 0xff, 0xff, 0x7f}; /* year 2038 */
    rdbWriteRaw(&b.w, secs, 4);
    buildKey(&b, RDB_TYPE_STRING, "k", "v");
    rdbSaveType(&b.w, RDB_OPCODE_FREQ);
    rdbSaveType(&b.w, 5);
    buildKey(&b, RDB_TYPE_STRING, "k2", "v2");
    dstr file = buildEnd(&b);
    rdbLoadInfo info;
    dstr err = NULL;
    assert_int_equal(loadDataset(file, dstrLen(file), 0, &info, &err), 0);
    assert_int_equal(info.version, 9);
    assertString(1, "k", "v", 1, 0x7fffffffLL * 1000);
    assertString(1, "k2", "v2", 2, -1);
    dstrFree(file);
}

static void expectError(const dstr file, const char *needle) {
    rdbLoadInfo info;
    dstr err = NULL;
    assert_int_equal(loadDataset(file, dstrLen(file), 0, &info, &err), -1);
    assert_non_null(err);
    if (!strstr(err, needle)) fail_msg("error '%s' lacks '%s'", err, needle);
    dstrFree(err);
}

static void test_version_too_new(void **state) {
    (void)state;
    builder b;
    buildStart(&b, "REDIS0012");
    dstr file = buildEnd(&b);
    expectError(file, "Can't handle RDB format version 12");
    dstrFree(file);
    buildStart(&b, "RUBBISH!!");
    file = buildEnd(&b);
    expectError(file, "Wrong signature");
    dstrFree(file);
}

static void test_unsupported_type(void **state) {
    (void)state;
    builder b;
    buildStart(&b, "REDIS0011");
    buildKey(&b, RDB_TYPE_STREAM_LISTPACKS_3, "mystream", "x");
    dstr file = buildEnd(&b);
    expectError(file, "RDB type 21 (stream-v3) is not supported");
    dstrFree(file);
    buildStart(&b, "REDIS0011");
    buildKey(&b, 100, "k", "x");
    file = buildEnd(&b);
    expectError(file, "Unknown RDB opcode 100");
    dstrFree(file);
}

static void test_duplicate_key(void **state) {
    (void)state;
    builder b;
    buildStart(&b, "REDIS0011");
    buildKey(&b, RDB_TYPE_STRING, "k", "1");
    buildKey(&b, RDB_TYPE_STRING, "k", "2");
    dstr file = buildEnd(&b);
    expectError(file, "Duplicate key 'k'");
    dstrFree(file);
}

static void test_huge_lengths(void **state) {
    (void)state;
    builder b;
    /* A raw string claiming 2^40 bytes. */
    buildStart(&b, "REDIS0011");
    rdbSaveType(&b.w, RDB_TYPE_STRING);
    rdbSaveLen(&b.w, 1ULL << 40);
    rdbWriteRaw(&b.w, "abc", 3);
    dstr file = buildEnd(&b);
    expectError(file, "beyond the end");
    dstrFree(file);
    /* An LZF string whose original length LZF could never produce. */
    buildStart(&b, "REDIS0011");
    rdbSaveType(&b.w, RDB_TYPE_STRING);
    rdbSaveString(&b.w, "k", 1);
    rdbSaveType(&b.w, 0xc3);
    rdbSaveLen(&b.w, 4);
    rdbSaveLen(&b.w, 1ULL << 33);
    rdbWriteRaw(&b.w, "abcd", 4);
    file = buildEnd(&b);
    expectError(file, "Invalid LZF");
    dstrFree(file);
    /* A valid LZF header over garbage. */
    buildStart(&b, "REDIS0011");
    rdbSaveType(&b.w, RDB_TYPE_STRING);
    rdbSaveString(&b.w, "k", 1);
    rdbSaveType(&b.w, 0xc3);
    rdbSaveLen(&b.w, 4);
    rdbSaveLen(&b.w, 100);
    rdbWriteRaw(&b.w, "\xff\xff\xff\xff", 4);
    file = buildEnd(&b);
    expectError(file, "Invalid LZF");
    dstrFree(file);
}

/* --- Corruption --- */

static dstr smallFile(void) {
    long long now = timeMs() + 100000;
    char big[200];
    memset(big, 'q', sizeof(big));
    addString(0, "a", "1", 1, -1);
    addString(0, "bb", "hello", 5, now);
    addString(1, "c", big, sizeof(big), -1);
    addString(1, "d", "70000", 5, now);
    dstr file = saveDataset(1, 1);
    dbEmpty(-1, NULL);
    return file;
}

static void test_every_truncation_fails(void **state) {
    (void)state;
    dstr file = smallFile();
    for (size_t cut = 0; cut < dstrLen(file); cut++) {
        rdbLoadInfo info;
        dstr err = NULL;
        int rc = loadDataset(file, cut, 0, &info, &err);
        if (rc != -1 || !err) fail_msg("truncation at %zu bytes loaded", cut);
        if (!strstr(err, "test.rdb at offset ")) fail_msg("error without offset: %s", err);
        dstrFree(err);
    }
    rdbLoadInfo info;
    assert_int_equal(loadDataset(file, dstrLen(file), 0, &info, NULL), 0);
    dstrFree(file);
}

static void test_every_bit_flip_fails(void **state) {
    (void)state;
    dstr file = smallFile();
    dstr copy = dstrDup(file);
    for (size_t i = 0; i < dstrLen(file); i++) {
        for (int bit = 0; bit < 8; bit++) {
            copy[i] = (char)(file[i] ^ (1 << bit));
            rdbLoadInfo info;
            dstr err = NULL;
            int rc = loadDataset(copy, dstrLen(copy), 0, &info, &err);
            if (rc != -1 || !err) fail_msg("flip of bit %d at byte %zu loaded", bit, i);
            dstrFree(err);
            copy[i] = file[i];
        }
    }
    dstrFree(copy);
    dstrFree(file);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_length_encoding, setup),
        cmocka_unit_test_setup(test_string_encodings, setup),
        cmocka_unit_test_setup(test_lzf_strings, setup),
        cmocka_unit_test_setup(test_roundtrip_compressed, setup),
        cmocka_unit_test_setup(test_roundtrip_plain_no_checksum, setup),
        cmocka_unit_test_setup(test_encodings_after_load, setup),
        cmocka_unit_test_setup(test_expired_keys_skipped, setup),
        cmocka_unit_test_setup(test_expired_keys_not_saved, setup),
        cmocka_unit_test_setup(test_aux_and_old_opcodes, setup),
        cmocka_unit_test_setup(test_version_too_new, setup),
        cmocka_unit_test_setup(test_unsupported_type, setup),
        cmocka_unit_test_setup(test_duplicate_key, setup),
        cmocka_unit_test_setup(test_huge_lengths, setup),
        cmocka_unit_test_setup(test_every_truncation_fails, setup),
        cmocka_unit_test_setup(test_every_bit_flip_fails, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
