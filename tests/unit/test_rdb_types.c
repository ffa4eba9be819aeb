/* test_rdb_types.c — the RDB forms of lists, hashes, sets and sorted sets:
 * round trips of every encoding (values compared element by element, the
 * RDB type byte and the encoding after load checked), the current
 * thresholds applied at load, the legacy forms (linked list, set, zset-v1,
 * hash pairs, ziplists, zipmap) built byte by byte here, corrupt blobs and
 * values rejected with a message (duplicates, NaN, bad containers, empty
 * collections, broken ziplists), a randomized round trip over random
 * values and thresholds, and a sweep of truncations and byte changes over
 * a dataset holding every type (errors or consistent values, never a
 * crash: run it under ASan). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/base/log.h"
#include "node/base/mem.h"
#include "node/base/rand.h"
#include "node/base/util.h"
#include "node/store/db.h"
#include "node/types/hash_value.h"
#include "node/types/intset.h"
#include "node/types/list_value.h"
#include "node/types/quicklist.h"
#include "node/types/set_value.h"
#include "node/types/type_cmds.h"
#include "node/types/type_util.h"
#include "node/types/zset_value.h"
#include "rdb/rdb.h"

static typeSettings defaults;

static int setup(void **state) {
    (void)state;
    static int done;
    if (!done) {
        dbSetup(2);
        listTypeInit();
        hashTypeInit();
        setTypeInit();
        zsetTypeInit();
        rdbInit();
        logSetLevel(LL_WARNING);
        defaults = *typeGetSettings();
        done = 1;
    }
    *typeGetSettings() = defaults;
    dbEmpty(-1, NULL);
    return 0;
}

/* Entries keep value pointers at unaligned offsets, which LeakSanitizer
 * does not scan: empty the databases before the process exits. */
static int teardown(void **state) {
    (void)state;
    dbEmpty(-1, NULL);
    return 0;
}

/* --- Building values --- */

static const char *KEY = "key";
/* Key and expire of the values the builders below make. */
static const char *curKey = "key";
static long long curExpire = -1;

static kvobj *newList(const char *const *elems, size_t n) {
    listValue lv = listValueNewQuicklist();
    for (size_t i = 0; i < n; i++) listValuePush(&lv, elems[i], strlen(elems[i]), LIST_TAIL);
    listValueTryShrink(&lv, 0);
    return kvCreatePointer(curKey, strlen(curKey), OBJ_LIST, lv.encoding, lv.ptr, curExpire);
}

static kvobj *newHash(const char *const *pairs, size_t n) {
    hashValue h;
    hashValueInit(&h);
    for (size_t i = 0; i + 1 < n; i += 2) hashValueSet(&h, pairs[i], strlen(pairs[i]), pairs[i + 1], strlen(pairs[i + 1]));
    return kvCreatePointer(curKey, strlen(curKey), OBJ_HASH, h.encoding, h.ptr, curExpire);
}

static kvobj *newSet(const char *const *members, size_t n) {
    setValue s = setValueCreateIntset();
    for (size_t i = 0; i < n; i++) setValueAdd(&s, members[i], strlen(members[i]));
    return kvCreatePointer(curKey, strlen(curKey), OBJ_SET, s.encoding, s.ptr, curExpire);
}

static kvobj *newZset(const char *const *members, const double *scores, size_t n) {
    zsetRef z = zsetCreate(0, 0);
    int out;
    for (size_t i = 0; i < n; i++) zsetAdd(&z, scores[i], members[i], strlen(members[i]), 0, &out, NULL);
    return kvCreatePointer(curKey, strlen(curKey), OBJ_ZSET, z.encoding, z.ptr, curExpire);
}

/* --- A canonical text of a value, to compare two of them --- */

static int cmpDstrPtr(const void *a, const void *b) { return dstrCmp(*(const dstr *)a, *(const dstr *)b); }

static dstr joinSorted(dstr *items, size_t n) {
    qsort(items, n, sizeof(dstr), cmpDstrPtr);
    dstr out = dstrEmpty();
    for (size_t i = 0; i < n; i++) {
        out = dstrCatPrintf(out, "%zu:", dstrLen(items[i]));
        out = dstrCatDstr(out, items[i]);
        dstrFree(items[i]);
    }
    memFree(items);
    return out;
}

static dstr listText(const kvobj *kv) {
    listValue lv = listValueOf(kv);
    listIter it;
    listElement e;
    dstr out = dstrEmpty();
    listIterInit(&it, &lv, 0, 0);
    while (listIterNext(&it, &e)) {
        dstr s = listElementToDstr(&e);
        out = dstrCatPrintf(out, "%zu:", dstrLen(s));
        out = dstrCatDstr(out, s);
        dstrFree(s);
    }
    listIterRelease(&it);
    return out;
}

static dstr hashText(const kvobj *kv) {
    hashValue h = hashValueOf(kv);
    size_t n = hashValueLength(&h), i = 0;
    dstr *items = memAlloc(sizeof(dstr) * (n + 1));
    hashValueIter it;
    lpEntry f, v;
    hashValueIterInit(&it, &h);
    while (hashValueIterNext(&it, &f, &v)) {
        char fb[LP_INTBUF_SIZE], vb[LP_INTBUF_SIZE];
        size_t fl, vl;
        const char *fs = hashElementBytes(&f, fb, &fl), *vs = hashElementBytes(&v, vb, &vl);
        assert_true(i < n);
        items[i] = dstrCatPrintf(dstrNewLen(fs, fl), "=%zu:", vl);
        items[i] = dstrCatLen(items[i], vs, vl);
        i++;
    }
    hashValueIterReset(&it);
    assert_int_equal(i, n);
    return joinSorted(items, n);
}

static dstr setText(const kvobj *kv) {
    setValue s = setValueOf(kv);
    size_t n = setValueLen(&s), i = 0;
    dstr *items = memAlloc(sizeof(dstr) * (n + 1));
    setIter it;
    setMember m;
    setIterInit(&it, &s);
    while (setIterNext(&it, &m)) {
        assert_true(i < n);
        items[i++] = setMemberToDstr(&m);
    }
    setIterReset(&it);
    assert_int_equal(i, n);
    return joinSorted(items, n);
}

static dstr zsetText(const kvobj *kv) {
    zsetRef z = zsetRefOf(kv);
    zsetIter it;
    zsetElem e;
    dstr out = dstrEmpty();
    unsigned long n = 0;
    zsetIterInit(&it, &z, 0);
    while (zsetIterNext(&it, &e)) {
        out = dstrCatPrintf(out, "%zu:", e.len);
        out = dstrCatLen(out, e.member, e.len);
        out = dstrCatPrintf(out, "=%.17g;", e.score);
        n++;
    }
    assert_int_equal(n, zsetLength(&z));
    return out;
}

static dstr valueText(const kvobj *kv) {
    switch (kv->type) {
    case OBJ_LIST: return listText(kv);
    case OBJ_HASH: return hashText(kv);
    case OBJ_SET: return setText(kv);
    case OBJ_ZSET: return zsetText(kv);
    default: fail_msg("unexpected type %d", kv->type);
    }
    return NULL;
}

/* --- Saving and loading one value --- */

static dstr saveValue(const kvobj *kv, int compress) {
    rdbWriter w;
    rdbWriterInitMem(&w, 0, compress);
    assert_int_equal(rdbSaveObjectType(&w, kv), 0);
    assert_int_equal(rdbSaveObject(&w, kv), 0);
    return rdbWriterFinish(&w);
}

/* Loads type + value from buf; NULL with *err (caller frees) on failure.
 * The whole input must be consumed on success. */
static kvobj *loadValue(const void *buf, size_t len, dstr *err) {
    rdbReader r;
    rdbReaderInitMem(&r, "test", buf, len);
    int type;
    kvobj *kv = NULL;
    dstr key = dstrNew(KEY);
    if (rdbLoadType(&r, &type) == 0) kv = rdbLoadObject(&r, type, key, -1);
    dstrFree(key);
    if (kv) assert_int_equal(rdbReaderRemaining(&r), 0);
    if (!kv) assert_non_null(r.err);
    if (err) {
        *err = r.err;
        r.err = NULL;
    }
    rdbReaderFree(&r);
    return kv;
}

/* Round trip: same contents; returns the loaded entry (caller frees). */
static kvobj *roundTrip(const kvobj *kv, int expectRdbType, int compress) {
    dstr bytes = saveValue(kv, compress);
    if (expectRdbType >= 0) assert_int_equal((unsigned char)bytes[0], expectRdbType);
    dstr err = NULL;
    kvobj *back = loadValue(bytes, dstrLen(bytes), &err);
    if (!back) fail_msg("load failed: %s", err);
    dstr a = valueText(kv), b = valueText(back);
    assert_int_equal(back->type, kv->type);
    assert_int_equal(dstrLen(a), dstrLen(b));
    assert_memory_equal(a, b, dstrLen(a));
    dstrFree(a);
    dstrFree(b);
    dstrFree(bytes);
    return back;
}

static void expectLoadError(const void *buf, size_t len, const char *needle) {
    dstr err = NULL;
    kvobj *kv = loadValue(buf, len, &err);
    if (kv) fail_msg("loaded, expected an error with '%s'", needle);
    if (!strstr(err, needle)) fail_msg("error '%s' does not name '%s'", err, needle);
    dstrFree(err);
}

static void checkRoundTrip(kvobj *kv, int encoding, int rdbType, int loadedEncoding) {
    assert_int_equal(kv->encoding, encoding);
    for (int compress = 0; compress <= 1; compress++) {
        kvobj *back = roundTrip(kv, rdbType, compress);
        assert_int_equal(back->encoding, loadedEncoding);
        kvFree(back);
    }
    kvFree(kv);
}

/* Many generated elements: i-th is an integer, short or long text. */
static char **genElements(size_t n, int kinds, const char *prefix) {
    char **v = memAlloc(sizeof(char *) * n);
    for (size_t i = 0; i < n; i++) {
        char buf[400];
        int kind = (int)(i % (size_t)kinds);
        if (kind == 0) snprintf(buf, sizeof(buf), "%lld", (long long)i * 7919 - 5000);
        else if (kind == 1) snprintf(buf, sizeof(buf), "%s-%zu", prefix, i);
        else snprintf(buf, sizeof(buf), "%s-%zu-%0200d", prefix, i, 7);
        v[i] = memStrdup(buf);
    }
    return v;
}

static void freeElements(char **v, size_t n) {
    for (size_t i = 0; i < n; i++) memFree(v[i]);
    memFree(v);
}

/* --- Round trips of every encoding --- */

static void test_list_encodings(void **state) {
    (void)state;
    const char *small[] = {"a", "12", "-5", "hello world", ""};
    checkRoundTrip(newList(small, 5), OBJ_ENCODING_LISTPACK, RDB_TYPE_LIST_QUICKLIST_2, OBJ_ENCODING_LISTPACK);
    char **many = genElements(3000, 3, "elem");
    checkRoundTrip(newList((const char *const *)many, 3000), OBJ_ENCODING_QUICKLIST, RDB_TYPE_LIST_QUICKLIST_2,
                   OBJ_ENCODING_QUICKLIST);
    /* Compressed inner nodes are saved as LZF strings and load back. */
    typeGetSettings()->listCompressDepth = 1;
    checkRoundTrip(newList((const char *const *)many, 3000), OBJ_ENCODING_QUICKLIST, RDB_TYPE_LIST_QUICKLIST_2,
                   OBJ_ENCODING_QUICKLIST);
    freeElements(many, 3000);
    /* Plain nodes: elements bigger than a node. */
    typeGetSettings()->listCompressDepth = 0;
    size_t bigLen = quicklistNodeLimit(typeGetSettings()->listMaxListpackSize) + 100;
    char *big = memAlloc(bigLen + 1);
    memset(big, 'x', bigLen);
    big[bigLen] = '\0';
    const char *withBig[] = {"a", big, "b", big, "c"};
    checkRoundTrip(newList(withBig, 5), OBJ_ENCODING_QUICKLIST, RDB_TYPE_LIST_QUICKLIST_2, OBJ_ENCODING_QUICKLIST);
    typeGetSettings()->listCompressDepth = 1;
    checkRoundTrip(newList(withBig, 5), OBJ_ENCODING_QUICKLIST, RDB_TYPE_LIST_QUICKLIST_2, OBJ_ENCODING_QUICKLIST);
    memFree(big);
}

static void test_hash_encodings(void **state) {
    (void)state;
    const char *small[] = {"f1", "v1", "n", "123", "-7", "", "long field name", "x"};
    checkRoundTrip(newHash(small, 8), OBJ_ENCODING_LISTPACK, RDB_TYPE_HASH_LISTPACK, OBJ_ENCODING_LISTPACK);
    char **many = genElements(2000, 3, "h");
    checkRoundTrip(newHash((const char *const *)many, 2000), OBJ_ENCODING_HASHTABLE, RDB_TYPE_HASH,
                   OBJ_ENCODING_HASHTABLE);
    freeElements(many, 2000);
    const char *longValue[] = {"f", "v", "g", "0123456789012345678901234567890123456789012345678901234567890123456789"};
    checkRoundTrip(newHash(longValue, 4), OBJ_ENCODING_HASHTABLE, RDB_TYPE_HASH, OBJ_ENCODING_HASHTABLE);
}

static void test_set_encodings(void **state) {
    (void)state;
    const char *ints[] = {"1", "-2", "70000", "9223372036854775807", "-9223372036854775808"};
    checkRoundTrip(newSet(ints, 5), OBJ_ENCODING_INTSET, RDB_TYPE_SET_INTSET, OBJ_ENCODING_INTSET);
    const char *mixed[] = {"a", "1", "bb", "", "-3"};
    checkRoundTrip(newSet(mixed, 5), OBJ_ENCODING_LISTPACK, RDB_TYPE_SET_LISTPACK, OBJ_ENCODING_LISTPACK);
    char **many = genElements(1000, 2, "m");
    checkRoundTrip(newSet((const char *const *)many, 1000), OBJ_ENCODING_HASHTABLE, RDB_TYPE_SET,
                   OBJ_ENCODING_HASHTABLE);
    freeElements(many, 1000);
    char **bigInts = genElements(400, 1, "");
    checkRoundTrip(newSet((const char *const *)bigInts, 400), OBJ_ENCODING_INTSET, RDB_TYPE_SET_INTSET,
                   OBJ_ENCODING_INTSET);
    freeElements(bigInts, 400);
}

static void test_zset_encodings(void **state) {
    (void)state;
    const char *m[] = {"a", "b", "12", "c", "d", "e", ""};
    double s[] = {1.5, -2, 3, INFINITY, -INFINITY, 0.1, 1e300};
    checkRoundTrip(newZset(m, s, 7), OBJ_ENCODING_LISTPACK, RDB_TYPE_ZSET_LISTPACK, OBJ_ENCODING_LISTPACK);
    char **many = genElements(1000, 3, "z");
    double *scores = memAlloc(sizeof(double) * 1000);
    for (int i = 0; i < 1000; i++) scores[i] = i % 5 == 0 ? (double)(i % 17) : i * 0.37 - 100;
    checkRoundTrip(newZset((const char *const *)many, scores, 1000), OBJ_ENCODING_SKIPLIST, RDB_TYPE_ZSET_2,
                   OBJ_ENCODING_SKIPLIST);
    memFree(scores);
    freeElements(many, 1000);
    const char *longMember[] = {"x", "0123456789012345678901234567890123456789012345678901234567890123456789"};
    double s2[] = {1, 2};
    checkRoundTrip(newZset(longMember, s2, 2), OBJ_ENCODING_SKIPLIST, RDB_TYPE_ZSET_2, OBJ_ENCODING_SKIPLIST);
}

/* Embedded listpacks (inside the keyspace entry) save like any other. */
static void test_embedded_values(void **state) {
    (void)state;
    const char *pairs[] = {"a", "1"};
    kvobj *kv = newHash(pairs, 2);
    assert_true(kv->flags & KV_FLAG_VALUE_EMBEDDED);
    checkRoundTrip(kv, OBJ_ENCODING_LISTPACK, RDB_TYPE_HASH_LISTPACK, OBJ_ENCODING_LISTPACK);
    const char *one[] = {"x"};
    kv = newList(one, 1);
    assert_true(kv->flags & KV_FLAG_VALUE_EMBEDDED);
    checkRoundTrip(kv, OBJ_ENCODING_LISTPACK, RDB_TYPE_LIST_QUICKLIST_2, OBJ_ENCODING_LISTPACK);
}

/* --- Thresholds at load time --- */

static void test_thresholds_applied_at_load(void **state) {
    (void)state;
    const char *pairs[] = {"a", "1", "b", "2", "c", "3"};
    kvobj *h = newHash(pairs, 6);
    const char *ints[] = {"1", "2", "3"};
    kvobj *s = newSet(ints, 3);
    const char *words[] = {"x", "y", "z"};
    kvobj *sl = newSet(words, 3);
    double sc[] = {1, 2, 3};
    kvobj *z = newZset(words, sc, 3);
    typeGetSettings()->hashMaxListpackEntries = 2;
    typeGetSettings()->setMaxIntsetEntries = 2;
    typeGetSettings()->setMaxListpackEntries = 2;
    typeGetSettings()->zsetMaxListpackEntries = 2;
    kvobj *objs[] = {h, s, sl, z};
    int big[] = {OBJ_ENCODING_HASHTABLE, OBJ_ENCODING_HASHTABLE, OBJ_ENCODING_HASHTABLE, OBJ_ENCODING_SKIPLIST};
    for (int i = 0; i < 4; i++) {
        kvobj *back = roundTrip(objs[i], -1, 0);
        assert_int_equal(back->encoding, big[i]);
        kvFree(back);
    }
    /* Value-length thresholds too. */
    *typeGetSettings() = defaults;
    typeGetSettings()->hashMaxListpackValue = 0;
    typeGetSettings()->setMaxListpackValue = 0;
    typeGetSettings()->zsetMaxListpackValue = 0;
    for (int i = 0; i < 4; i++) {
        if (i == 1) continue; /* intsets have no value limit */
        kvobj *back = roundTrip(objs[i], -1, 0);
        assert_int_equal(back->encoding, big[i]);
        kvFree(back);
        kvFree(objs[i]);
    }
    kvFree(s);
    /* A quicklist saved under a small node size loads as a listpack when
     * it fits one node of the current size, and the other way round. */
    *typeGetSettings() = defaults;
    typeGetSettings()->listMaxListpackSize = 2;
    const char *five[] = {"1", "2", "3", "4", "5"};
    kvobj *l = newList(five, 5);
    assert_int_equal(l->encoding, OBJ_ENCODING_QUICKLIST);
    typeGetSettings()->listMaxListpackSize = -2;
    kvobj *back = roundTrip(l, RDB_TYPE_LIST_QUICKLIST_2, 0);
    assert_int_equal(back->encoding, OBJ_ENCODING_QUICKLIST); /* 3 nodes stay nodes */
    kvFree(back);
    kvFree(l);
}

/* --- Legacy forms, built byte by byte --- */

typedef struct bytes {
    unsigned char *p;
    size_t len;
} bytes;

static void put(bytes *b, const void *p, size_t n) {
    b->p = memRealloc(b->p, b->len + n + 1);
    memcpy(b->p + b->len, p, n);
    b->len += n;
}

static void put8(bytes *b, unsigned v) {
    unsigned char c = (unsigned char)v;
    put(b, &c, 1);
}

static void putLe(bytes *b, uint64_t v, int n) {
    for (int i = 0; i < n; i++) put8(b, (unsigned)(v >> (8 * i)) & 0xff);
}

/* A ziplist entry holding s (NULL: the integer v with encoding enc). */
static size_t zlEntry(bytes *b, size_t prevlen, const char *s, long long v, unsigned enc) {
    size_t start = b->len;
    if (prevlen < 254) put8(b, (unsigned)prevlen);
    else {
        put8(b, 254);
        putLe(b, prevlen, 4);
    }
    if (s) {
        size_t n = strlen(s);
        if (n < 64) put8(b, (unsigned)n);
        else if (n < 16384) {
            put8(b, 0x40 | (unsigned)(n >> 8));
            put8(b, n & 0xff);
        } else {
            put8(b, 0x80);
            for (int i = 3; i >= 0; i--) put8(b, (unsigned)(n >> (8 * i)) & 0xff);
        }
        put(b, s, n);
    } else {
        put8(b, enc);
        int width = enc == 0xC0 ? 2 : enc == 0xD0 ? 4 : enc == 0xE0 ? 8 : enc == 0xF0 ? 3 : enc == 0xFE ? 1 : 0;
        putLe(b, (uint64_t)v, width);
    }
    return b->len - start;
}

/* Ziplist of items: "i:<enc>:<value>" for an integer, else a string. */
static bytes ziplist(const char *const *items, size_t n) {
    bytes b = {NULL, 0};
    for (int i = 0; i < 10; i++) put8(&b, 0); /* header, filled in below */
    size_t prev = 0, tail = 10;
    for (size_t i = 0; i < n; i++) {
        tail = b.len;
        if (!strncmp(items[i], "i:", 2)) {
            unsigned enc = (unsigned)strtoul(items[i] + 2, NULL, 16);
            long long v = strtoll(strchr(items[i] + 2, ':') + 1, NULL, 10);
            prev = zlEntry(&b, prev, NULL, v, enc);
        } else {
            prev = zlEntry(&b, prev, items[i], 0, 0);
        }
    }
    put8(&b, 0xFF);
    for (int i = 0; i < 4; i++) b.p[i] = (unsigned char)(b.len >> (8 * i));
    for (int i = 0; i < 4; i++) b.p[4 + i] = (unsigned char)(tail >> (8 * i));
    b.p[8] = (unsigned char)(n & 0xff);
    b.p[9] = (unsigned char)(n >> 8);
    return b;
}

static bytes zipmap(const char *const *pairs, size_t n) {
    bytes b = {NULL, 0};
    put8(&b, (unsigned)(n / 2));
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(pairs[i]);
        if (len < 254) put8(&b, (unsigned)len);
        else {
            put8(&b, 254);
            putLe(&b, len, 4);
        }
        if (i % 2) put8(&b, 2); /* free bytes after the value */
        put(&b, pairs[i], len);
        if (i % 2) put(&b, "..", 2);
    }
    put8(&b, 0xFF);
    return b;
}

/* An RDB value: type byte then the blob as a raw string. */
static dstr blobValue(int type, const bytes *blob) {
    rdbWriter w;
    rdbWriterInitMem(&w, 0, 0);
    rdbSaveType(&w, (unsigned char)type);
    rdbSaveLen(&w, blob->len);
    rdbWriteRaw(&w, blob->p, blob->len);
    return rdbWriterFinish(&w);
}

static void assertText(const kvobj *kv, const char *expect) {
    dstr t = valueText(kv);
    if (strcmp(t, expect)) fail_msg("got '%s' expected '%s'", t, expect);
    dstrFree(t);
}

static void loadBlobExpect(int type, bytes *blob, int objType, const char *expect) {
    dstr v = blobValue(type, blob);
    dstr err = NULL;
    kvobj *kv = loadValue(v, dstrLen(v), &err);
    if (!kv) fail_msg("type %d failed: %s", type, err);
    assert_int_equal(kv->type, objType);
    assertText(kv, expect);
    kvFree(kv);
    dstrFree(v);
    memFree(blob->p);
    blob->p = NULL;
    blob->len = 0;
}

static void test_ziplist_forms(void **state) {
    (void)state;
    const char *items[] = {"a", "i:FE:-100", "i:C0:30000", "i:F0:-8000000", "i:D0:2000000000",
                           "i:E0:-9000000000000", "i:F1:0", "i:FD:12", "bb"};
    bytes zl = ziplist(items, 9);
    loadBlobExpect(RDB_TYPE_LIST_ZIPLIST, &zl, OBJ_LIST,
                   "1:a4:-1005:300008:-800000010:200000000014:-90000000000001:02:122:bb");
    /* A 300-byte string (14-bit length, 5-byte prevlen after it). */
    char big[301];
    memset(big, 'q', 300);
    big[300] = '\0';
    const char *withBig[] = {"x", big, "y"};
    zl = ziplist(withBig, 3);
    dstr expect = dstrCatPrintf(dstrEmpty(), "1:x300:%s1:y", big);
    loadBlobExpect(RDB_TYPE_LIST_ZIPLIST, &zl, OBJ_LIST, expect);
    dstrFree(expect);
    /* list-quicklist: two ziplist nodes. */
    const char *n1[] = {"a", "b"}, *n2[] = {"i:FE:7"};
    bytes z1 = ziplist(n1, 2), z2 = ziplist(n2, 1);
    rdbWriter w;
    rdbWriterInitMem(&w, 0, 0);
    rdbSaveType(&w, RDB_TYPE_LIST_QUICKLIST);
    rdbSaveLen(&w, 2);
    rdbSaveString(&w, (char *)z1.p, z1.len);
    rdbSaveString(&w, (char *)z2.p, z2.len);
    dstr v = rdbWriterFinish(&w);
    kvobj *kv = loadValue(v, dstrLen(v), NULL);
    assert_non_null(kv);
    assertText(kv, "1:a1:b1:7");
    assert_int_equal(kv->encoding, OBJ_ENCODING_QUICKLIST); /* two nodes stay nodes, as in Valkey */
    kvFree(kv);
    dstrFree(v);
    memFree(z1.p);
    memFree(z2.p);
    /* zset-ziplist, deliberately out of order: rebuilt in order. */
    const char *zi[] = {"b", "i:FE:2", "a", "1.5", "i:F2:1", "-inf"};
    zl = ziplist(zi, 6);
    loadBlobExpect(RDB_TYPE_ZSET_ZIPLIST, &zl, OBJ_ZSET, "1:1=-inf;1:a=1.5;1:b=2;");
    /* hash-ziplist. */
    const char *hz[] = {"f", "v", "i:FE:5", "i:C0:1000"};
    zl = ziplist(hz, 4);
    loadBlobExpect(RDB_TYPE_HASH_ZIPLIST, &zl, OBJ_HASH, "8:5=4:10005:f=1:v");
    /* hash-zipmap. */
    const char *zm[] = {"name", "tessera", "n", "1"};
    bytes m = zipmap(zm, 4);
    loadBlobExpect(RDB_TYPE_HASH_ZIPMAP, &m, OBJ_HASH, "5:n=1:114:name=7:tessera");
}

static void test_ziplist_corruption(void **state) {
    (void)state;
    const char *items[] = {"abc", "i:FE:1", "defg"};
    bytes good = ziplist(items, 3);
    /* Every single-byte change either fails cleanly or (for string data
     * bytes) loads: never a crash or an out-of-bounds read (ASan). */
    for (size_t i = 0; i < good.len; i++) {
        for (unsigned x = 1; x < 256; x <<= 1) {
            bytes bad = {memDup(good.p, good.len), good.len};
            bad.p[i] ^= (unsigned char)x;
            dstr v = blobValue(RDB_TYPE_LIST_ZIPLIST, &bad);
            dstr err = NULL;
            kvobj *kv = loadValue(v, dstrLen(v), &err);
            if (kv) {
                dstr t = valueText(kv);
                dstrFree(t);
                kvFree(kv);
            } else {
                assert_non_null(strstr(err, "list-ziplist integrity check failed"));
            }
            dstrFree(err);
            dstrFree(v);
            memFree(bad.p);
        }
    }
    /* Every truncation of the blob fails. */
    for (size_t cut = 0; cut < good.len; cut++) {
        bytes bad = {good.p, cut};
        dstr v = blobValue(RDB_TYPE_LIST_ZIPLIST, &bad);
        expectLoadError(v, dstrLen(v), "integrity check failed");
        dstrFree(v);
    }
    memFree(good.p);
    /* Wrong prevlen, wrong tail, wrong count. */
    bytes b = ziplist(items, 3);
    b.p[4]++;
    dstr v = blobValue(RDB_TYPE_LIST_ZIPLIST, &b);
    expectLoadError(v, dstrLen(v), "integrity check failed");
    dstrFree(v);
    b.p[4]--;
    b.p[8]++;
    v = blobValue(RDB_TYPE_LIST_ZIPLIST, &b);
    expectLoadError(v, dstrLen(v), "integrity check failed");
    dstrFree(v);
    memFree(b.p);
    /* A zipmap whose value runs past the end, and a duplicate field. */
    const char *zm[] = {"a", "1", "a", "2"};
    bytes m = zipmap(zm, 4);
    v = blobValue(RDB_TYPE_HASH_ZIPMAP, &m);
    expectLoadError(v, dstrLen(v), "integrity check failed");
    dstrFree(v);
    m.p[m.len - 4] = 200; /* the last value's length */
    v = blobValue(RDB_TYPE_HASH_ZIPMAP, &m);
    expectLoadError(v, dstrLen(v), "integrity check failed");
    dstrFree(v);
    memFree(m.p);
}

/* Old element-by-element forms. */
static void test_legacy_list(void **state) {
    (void)state;
    rdbWriter w;
    rdbWriterInitMem(&w, 0, 0);
    rdbSaveType(&w, RDB_TYPE_LIST);
    rdbSaveLen(&w, 3);
    rdbSaveString(&w, "a", 1);
    rdbSaveString(&w, "100", 3);
    rdbSaveString(&w, "c", 1);
    dstr v = rdbWriterFinish(&w);
    kvobj *kv = loadValue(v, dstrLen(v), NULL);
    assertText(kv, "1:a3:1001:c");
    assert_int_equal(kv->encoding, OBJ_ENCODING_LISTPACK);
    kvFree(kv);
    dstrFree(v);
}

static void test_zset_v1(void **state) {
    (void)state;
    rdbWriter w;
    rdbWriterInitMem(&w, 0, 0);
    rdbSaveType(&w, RDB_TYPE_ZSET);
    rdbSaveLen(&w, 3);
    rdbSaveString(&w, "a", 1);
    rdbWriteRaw(&w, "\x03" "2.5", 4);
    rdbSaveString(&w, "b", 1);
    rdbWriteRaw(&w, "\xfe", 1);
    rdbSaveString(&w, "c", 1);
    rdbWriteRaw(&w, "\xff", 1);
    dstr v = rdbWriterFinish(&w);
    kvobj *kv = loadValue(v, dstrLen(v), NULL);
    assert_non_null(kv);
    assertText(kv, "1:c=-inf;1:a=2.5;1:b=inf;");
    kvFree(kv);
    dstrFree(v);
    /* NaN (253) and unparsable text are errors. */
    rdbWriterInitMem(&w, 0, 0);
    rdbSaveType(&w, RDB_TYPE_ZSET);
    rdbSaveLen(&w, 1);
    rdbSaveString(&w, "a", 1);
    rdbWriteRaw(&w, "\xfd", 1);
    v = rdbWriterFinish(&w);
    expectLoadError(v, dstrLen(v), "NAN score");
    dstrFree(v);
    rdbWriterInitMem(&w, 0, 0);
    rdbSaveType(&w, RDB_TYPE_ZSET);
    rdbSaveLen(&w, 1);
    rdbSaveString(&w, "a", 1);
    rdbWriteRaw(&w, "\x03" "1x2", 4);
    v = rdbWriterFinish(&w);
    expectLoadError(v, dstrLen(v), "Invalid zset score");
    dstrFree(v);
}

static void test_legacy_set_and_hash(void **state) {
    (void)state;
    rdbWriter w;
    rdbWriterInitMem(&w, 0, 0);
    rdbSaveType(&w, RDB_TYPE_SET);
    rdbSaveLen(&w, 3);
    rdbSaveString(&w, "5", 1);
    rdbSaveString(&w, "x", 1);
    rdbSaveString(&w, "-1", 2);
    dstr v = rdbWriterFinish(&w);
    kvobj *kv = loadValue(v, dstrLen(v), NULL);
    assertText(kv, "2:-11:51:x");
    assert_int_equal(kv->encoding, OBJ_ENCODING_LISTPACK);
    kvFree(kv);
    dstrFree(v);
    /* All integers: an intset, as SADD would make it. */
    rdbWriterInitMem(&w, 0, 0);
    rdbSaveType(&w, RDB_TYPE_SET);
    rdbSaveLen(&w, 2);
    rdbSaveString(&w, "5", 1);
    rdbSaveString(&w, "7", 1);
    v = rdbWriterFinish(&w);
    kv = loadValue(v, dstrLen(v), NULL);
    assert_int_equal(kv->encoding, OBJ_ENCODING_INTSET);
    kvFree(kv);
    dstrFree(v);
    /* Hash pairs, small: a listpack. */
    rdbWriterInitMem(&w, 0, 0);
    rdbSaveType(&w, RDB_TYPE_HASH);
    rdbSaveLen(&w, 2);
    rdbSaveString(&w, "f", 1);
    rdbSaveString(&w, "1", 1);
    rdbSaveString(&w, "g", 1);
    rdbSaveString(&w, "2", 1);
    v = rdbWriterFinish(&w);
    kv = loadValue(v, dstrLen(v), NULL);
    assertText(kv, "5:f=1:15:g=1:2");
    assert_int_equal(kv->encoding, OBJ_ENCODING_LISTPACK);
    kvFree(kv);
    dstrFree(v);
}

/* --- Corrupt values --- */

static dstr listpackValue(int type, const char *const *elems, size_t n) {
    unsigned char *lp = lpNew(0);
    for (size_t i = 0; i < n; i++) lp = lpAppend(lp, elems[i], strlen(elems[i]));
    bytes b = {lp, lpBytes(lp)};
    dstr v = blobValue(type, &b);
    lpFree(lp);
    return v;
}

static void test_corrupt_values(void **state) {
    (void)state;
    struct {
        int type;
        const char *elems[6];
        size_t n;
        const char *needle;
    } cases[] = {
        {RDB_TYPE_SET_LISTPACK, {"a", "b", "a"}, 3, "set-listpack integrity"},
        {RDB_TYPE_SET_LISTPACK, {"12", "x", "12"}, 3, "set-listpack integrity"},
        {RDB_TYPE_SET_LISTPACK, {NULL}, 0, "Empty set-listpack"},
        {RDB_TYPE_HASH_LISTPACK, {"f", "1", "f", "2"}, 4, "hash-listpack integrity"},
        {RDB_TYPE_HASH_LISTPACK, {"f", "1", "g"}, 3, "hash-listpack integrity"},
        {RDB_TYPE_HASH_LISTPACK, {NULL}, 0, "hash-listpack integrity"},
        {RDB_TYPE_ZSET_LISTPACK, {"a", "1", "a", "2"}, 4, "zset-listpack integrity"},
        {RDB_TYPE_ZSET_LISTPACK, {"a", "nan"}, 2, "zset-listpack integrity"},
        {RDB_TYPE_ZSET_LISTPACK, {"a", "1.5x"}, 2, "zset-listpack integrity"},
        {RDB_TYPE_ZSET_LISTPACK, {"a", "1", "b"}, 3, "zset-listpack integrity"},
        {RDB_TYPE_ZSET_LISTPACK, {NULL}, 0, "Empty zset-listpack"},
    };
    dstr v;
    kvobj *kv;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        v = listpackValue(cases[i].type, cases[i].elems, cases[i].n);
        expectLoadError(v, dstrLen(v), cases[i].needle);
        dstrFree(v);
    }
    /* Duplicates far apart in big listpacks (the table path of the check),
     * and the same big ones without the duplicate load. */
    for (int dup = 1; dup >= 0; dup--) {
        const char *elems[201];
        char names[201][16];
        for (int i = 0; i < 200; i++) {
            snprintf(names[i], sizeof(names[i]), i % 2 ? "m%d" : "%d", i);
            elems[i] = names[i];
        }
        elems[199] = dup ? "0" : "last";
        int types[] = {RDB_TYPE_SET_LISTPACK, RDB_TYPE_HASH_LISTPACK, RDB_TYPE_ZSET_LISTPACK};
        for (int t = 0; t < 3; t++) {
            /* hash: fields at even positions (a duplicate field "0");
             * zset: members at even positions, scores "1", "m3"... must parse. */
            const char *zs[200];
            for (int i = 0; i < 200; i++) zs[i] = i % 2 ? "1" : elems[i];
            if (t == 2) zs[198] = dup ? "0" : "zzz";
            if (t == 1) elems[198] = dup ? "0" : "198";
            v = listpackValue(types[t], t == 2 ? zs : elems, 200);
            if (dup) {
                expectLoadError(v, dstrLen(v), "integrity check failed");
            } else {
                kv = loadValue(v, dstrLen(v), NULL);
                assert_non_null(kv);
                kvFree(kv);
            }
            dstrFree(v);
        }
    }
    /* An out-of-order zset listpack is not an error: it is rebuilt. */
    const char *unordered[] = {"b", "2", "a", "1", "c", "1"};
    v = listpackValue(RDB_TYPE_ZSET_LISTPACK, unordered, 6);
    kv = loadValue(v, dstrLen(v), NULL);
    assertText(kv, "1:a=1;1:c=1;1:b=2;");
    kvFree(kv);
    dstrFree(v);
    /* Intsets: unsorted, duplicate, empty, bad encoding. */
    unsigned char is[] = {2, 0, 0, 0, 2, 0, 0, 0, 5, 0, 3, 0};
    bytes b = {is, sizeof(is)};
    v = blobValue(RDB_TYPE_SET_INTSET, &b);
    expectLoadError(v, dstrLen(v), "set-intset integrity");
    dstrFree(v);
    is[8] = 3;
    v = blobValue(RDB_TYPE_SET_INTSET, &b);
    expectLoadError(v, dstrLen(v), "set-intset integrity");
    dstrFree(v);
    is[0] = 3;
    is[8] = 1;
    v = blobValue(RDB_TYPE_SET_INTSET, &b);
    expectLoadError(v, dstrLen(v), "set-intset integrity");
    dstrFree(v);
    unsigned char emptyIs[] = {2, 0, 0, 0, 0, 0, 0, 0};
    b = (bytes){emptyIs, sizeof(emptyIs)};
    v = blobValue(RDB_TYPE_SET_INTSET, &b);
    expectLoadError(v, dstrLen(v), "set-intset");
    dstrFree(v);
}

static void test_corrupt_element_forms(void **state) {
    (void)state;
    rdbWriter w;
    dstr v;
#define EXPECT(needle)                               \
    do {                                             \
        v = rdbWriterFinish(&w);                     \
        expectLoadError(v, dstrLen(v), needle);      \
        dstrFree(v);                                 \
    } while (0)
    /* Duplicates. */
    rdbWriterInitMem(&w, 0, 0);
    rdbSaveType(&w, RDB_TYPE_SET);
    rdbSaveLen(&w, 2);
    rdbSaveString(&w, "x", 1);
    rdbSaveString(&w, "x", 1);
    EXPECT("Duplicate set members");
    rdbWriterInitMem(&w, 0, 0);
    rdbSaveType(&w, RDB_TYPE_SET);
    rdbSaveLen(&w, 2);
    rdbSaveString(&w, "7", 1);
    rdbSaveLongLongAsString(&w, 7);
    EXPECT("Duplicate set members");
    rdbWriterInitMem(&w, 0, 0);
    rdbSaveType(&w, RDB_TYPE_HASH);
    rdbSaveLen(&w, 2);
    for (int i = 0; i < 2; i++) {
        rdbSaveString(&w, "f", 1);
        rdbSaveString(&w, "v", 1);
    }
    EXPECT("Duplicate hash fields");
    rdbWriterInitMem(&w, 0, 0);
    rdbSaveType(&w, RDB_TYPE_ZSET_2);
    rdbSaveLen(&w, 2);
    for (int i = 0; i < 2; i++) {
        rdbSaveString(&w, "m", 1);
        rdbWriteRaw(&w, "\0\0\0\0\0\0\xf0\x3f", 8); /* 1.0 */
    }
    EXPECT("Duplicate zset fields");
    rdbWriterInitMem(&w, 0, 0);
    rdbSaveType(&w, RDB_TYPE_ZSET_2);
    rdbSaveLen(&w, 1);
    rdbSaveString(&w, "m", 1);
    rdbWriteRaw(&w, "\0\0\0\0\0\0\xf8\x7f", 8); /* NaN */
    EXPECT("NAN score");
    /* Empty collections. */
    int emptyTypes[] = {RDB_TYPE_LIST, RDB_TYPE_SET, RDB_TYPE_HASH, RDB_TYPE_ZSET_2, RDB_TYPE_LIST_QUICKLIST_2};
    for (int i = 0; i < 5; i++) {
        rdbWriterInitMem(&w, 0, 0);
        rdbSaveType(&w, (unsigned char)emptyTypes[i]);
        rdbSaveLen(&w, 0);
        EXPECT("Empty");
    }
    /* Quicklist: unknown container, bad listpack, only empty nodes. */
    rdbWriterInitMem(&w, 0, 0);
    rdbSaveType(&w, RDB_TYPE_LIST_QUICKLIST_2);
    rdbSaveLen(&w, 1);
    rdbSaveLen(&w, 3);
    rdbSaveString(&w, "abc", 3);
    EXPECT("unknown node container");
    rdbWriterInitMem(&w, 0, 0);
    rdbSaveType(&w, RDB_TYPE_LIST_QUICKLIST_2);
    rdbSaveLen(&w, 1);
    rdbSaveLen(&w, QUICKLIST_NODE_PACKED);
    rdbSaveString(&w, "abcdefgh", 8);
    EXPECT("list-quicklist-v2 integrity check failed");
    unsigned char *lp = lpNew(0);
    rdbWriterInitMem(&w, 0, 0);
    rdbSaveType(&w, RDB_TYPE_LIST_QUICKLIST_2);
    rdbSaveLen(&w, 2);
    rdbSaveLen(&w, QUICKLIST_NODE_PACKED);
    rdbSaveString(&w, (char *)lp, lpBytes(lp));
    rdbSaveLen(&w, QUICKLIST_NODE_PACKED);
    rdbSaveString(&w, (char *)lp, lpBytes(lp));
    EXPECT("Empty list-quicklist-v2");
    lpFree(lp);
    /* Counts beyond the input. */
    int countTypes[] = {RDB_TYPE_LIST, RDB_TYPE_SET, RDB_TYPE_HASH, RDB_TYPE_ZSET_2, RDB_TYPE_LIST_QUICKLIST_2};
    for (int i = 0; i < 5; i++) {
        rdbWriterInitMem(&w, 0, 0);
        rdbSaveType(&w, (unsigned char)countTypes[i]);
        rdbSaveLen(&w, 1ULL << 40);
        rdbSaveString(&w, "x", 1);
        EXPECT("beyond the end");
    }
#undef EXPECT
}

/* --- Randomized round trips --- */

static kvobj *randomValue(int type, size_t n, int longOnes) {
    char **e = memAlloc(sizeof(char *) * (n * 2 + 1));
    double *sc = memAlloc(sizeof(double) * (n + 1));
    for (size_t i = 0; i < n * 2; i++) {
        char buf[300];
        int kind = (int)randBelow(longOnes ? 4 : 3);
        if (kind == 0) snprintf(buf, sizeof(buf), "%lld", (long long)randBelow(1000000) - 500000);
        else if (kind == 1) snprintf(buf, sizeof(buf), "s%llu", (unsigned long long)randBelow(100000));
        else if (kind == 2) snprintf(buf, sizeof(buf), "%llu", (unsigned long long)randBelow(100));
        else snprintf(buf, sizeof(buf), "long-%llu-%0150d", (unsigned long long)randBelow(100000), 1);
        e[i] = memStrdup(buf);
    }
    for (size_t i = 0; i < n; i++)
        sc[i] = randBelow(3) == 0 ? (double)randBelow(10) : (double)randBelow(1000000) / 7.0 - 50000;
    kvobj *kv = NULL;
    switch (type) {
    case OBJ_LIST: kv = newList((const char *const *)e, n); break;
    case OBJ_HASH: kv = newHash((const char *const *)e, n * 2); break;
    case OBJ_SET: kv = newSet((const char *const *)e, n); break;
    default: kv = newZset((const char *const *)e, sc, n); break;
    }
    freeElements(e, n * 2);
    memFree(sc);
    return kv;
}

static void test_random_round_trips(void **state) {
    (void)state;
    randSeed(12345);
    static const int types[] = {OBJ_LIST, OBJ_HASH, OBJ_SET, OBJ_ZSET};
    static const int fills[] = {-2, -1, 3, 16, 128};
    for (int iter = 0; iter < 300; iter++) {
        *typeGetSettings() = defaults;
        typeSettings *ts = typeGetSettings();
        ts->listMaxListpackSize = fills[randBelow(5)];
        ts->listCompressDepth = (int)randBelow(3);
        ts->hashMaxListpackEntries = ts->setMaxListpackEntries = ts->zsetMaxListpackEntries =
            (long long)randBelow(2) ? 128 : 8;
        ts->setMaxIntsetEntries = (long long)randBelow(2) ? 512 : 8;
        int type = types[randBelow(4)];
        size_t n = 1 + randBelow(randBelow(4) == 0 ? 1500 : 40);
        kvobj *kv = randomValue(type, n, (int)randBelow(3) == 0);
        /* Sometimes the thresholds change between save and load. */
        if (randBelow(3) == 0) {
            ts->hashMaxListpackEntries = ts->setMaxListpackEntries = ts->zsetMaxListpackEntries =
                (long long)randBelow(200);
            ts->listMaxListpackSize = fills[randBelow(5)];
        }
        kvobj *back = roundTrip(kv, -1, (int)randBelow(2));
        if (type != OBJ_LIST && back->encoding == OBJ_ENCODING_LISTPACK) {
            unsigned long len = type == OBJ_HASH   ? hashValueLength(&(hashValue){back->encoding, kvGetPtr(back)})
                                : type == OBJ_SET ? setValueLen(&(setValue){back->encoding, kvGetPtr(back)})
                                                  : zsetLength(&(zsetRef){back->encoding, kvGetPtr(back)});
            long long limit = type == OBJ_HASH  ? ts->hashMaxListpackEntries
                              : type == OBJ_SET ? ts->setMaxListpackEntries
                                                : ts->zsetMaxListpackEntries;
            assert_true((long long)len <= limit);
        }
        kvFree(back);
        kvFree(kv);
    }
}

/* --- Whole datasets with every type --- */

#define NKEYS 8
static const char *const dsKeys[NKEYS] = {"l", "h", "s", "z", "bl", "bh", "bs", "bz"};

static void fillDataset(void) {
    serverDb *db = dbByIndex(0);
    const char *w[] = {"a", "b", "c", "12"};
    double sc[] = {1, 2, 3, 4};
    char **many = genElements(100, 3, "e");
    double *manySc = memAlloc(sizeof(double) * 100);
    for (int i = 0; i < 100; i++) manySc[i] = i * 1.25;
    typeSettings *ts = typeGetSettings();
    ts->listMaxListpackSize = 16;
    ts->listCompressDepth = 1;
    ts->hashMaxListpackEntries = ts->setMaxListpackEntries = ts->zsetMaxListpackEntries = 16;
    for (int i = 0; i < NKEYS; i++) {
        curKey = dsKeys[i];
        curExpire = i % 2 ? -1 : 4102444800000LL + i; /* year 2100 */
        kvobj *kv;
        switch (i) {
        case 0: kv = newList(w, 4); break;
        case 1: kv = newHash(w, 4); break;
        case 2: kv = newSet(w, 4); break;
        case 3: kv = newZset(w, sc, 4); break;
        case 4: kv = newList((const char *const *)many, 100); break;
        case 5: kv = newHash((const char *const *)many, 100); break;
        case 6: kv = newSet((const char *const *)many, 100); break;
        default: kv = newZset((const char *const *)many, manySc, 100); break;
        }
        dbAdd(db, kv);
    }
    curKey = KEY;
    curExpire = -1;
    freeElements(many, 100);
    memFree(manySc);
}

static dstr datasetText(void) {
    dstr out = dstrEmpty();
    serverDb *db = dbByIndex(0);
    for (int i = 0; i < NKEYS; i++) {
        dstr k = dstrNew(dsKeys[i]);
        kvobj *kv = dbFind(db, k);
        dstrFree(k);
        if (!kv) continue;
        dstr t = valueText(kv);
        out = dstrCatPrintf(out, "%s/%d/%lld=", dsKeys[i], kv->encoding, kvGetExpire(kv));
        out = dstrCatDstr(out, t);
        out = dstrCat(out, "\n");
        dstrFree(t);
    }
    return out;
}

static int loadBytes(const void *p, size_t len, dstr *err) {
    dbEmpty(-1, NULL);
    rdbReader r;
    rdbReaderInitMem(&r, "test.rdb", p, len);
    rdbLoadOptions opt = {.verifyChecksum = 0, .skipExpired = 1};
    rdbLoadInfo info;
    int rc = rdbLoadDataset(&r, &opt, &info);
    rdbLoadInfoFree(&info);
    if (err) {
        *err = r.err;
        r.err = NULL;
    }
    rdbReaderFree(&r);
    return rc;
}

static dstr saveDataset(void) {
    rdbWriter w;
    rdbWriterInitMem(&w, 0, 1);
    rdbSaveOptions opt = {.compress = 1, .checksum = 0};
    assert_int_equal(rdbSaveDataset(&w, &opt), 0);
    return rdbWriterFinish(&w);
}

static void test_dataset_round_trip(void **state) {
    (void)state;
    fillDataset();
    static const int encodings[NKEYS] = {OBJ_ENCODING_LISTPACK, OBJ_ENCODING_LISTPACK, OBJ_ENCODING_LISTPACK,
                                         OBJ_ENCODING_LISTPACK, OBJ_ENCODING_QUICKLIST, OBJ_ENCODING_HASHTABLE,
                                         OBJ_ENCODING_HASHTABLE, OBJ_ENCODING_SKIPLIST};
    for (int i = 0; i < NKEYS; i++) {
        dstr k = dstrNew(dsKeys[i]);
        kvobj *kv = dbFind(dbByIndex(0), k);
        dstrFree(k);
        assert_non_null(kv);
        assert_int_equal(kv->encoding, encodings[i]);
    }
    dstr before = datasetText();
    dstr file = saveDataset();
    dstr err = NULL;
    if (loadBytes(file, dstrLen(file), &err) != 0) fail_msg("load failed: %s", err);
    dstr after = datasetText();
    assert_string_equal(before, after);
    assert_int_equal(dbSize(dbByIndex(0)), NKEYS);
    dstrFree(before);
    dstrFree(after);
    dstrFree(file);
}

/* Every truncation fails with a message; every byte changed (checksum
 * off, so the value decoders see it) either fails or loads values that
 * can be walked completely: never a crash, leak or bad read (ASan). */
static void test_dataset_corruption(void **state) {
    (void)state;
    fillDataset();
    dstr file = saveDataset();
    for (size_t cut = 0; cut < dstrLen(file); cut++) {
        dstr err = NULL;
        if (loadBytes(file, cut, &err) != -1 || !err) fail_msg("truncation at %zu loaded", cut);
        dstrFree(err);
    }
    dstr copy = dstrDup(file);
    size_t loaded = 0, failed = 0;
    for (size_t i = 9; i < dstrLen(file); i++) {
        static const unsigned char flips[] = {0x01, 0x80, 0xff};
        for (int f = 0; f < 3; f++) {
            copy[i] = (char)(file[i] ^ flips[f]);
            dstr err = NULL;
            if (loadBytes(copy, dstrLen(copy), &err) == 0) {
                dstr t = datasetText();
                dstrFree(t);
                loaded++;
            } else {
                assert_non_null(err);
                failed++;
            }
            dstrFree(err);
            copy[i] = file[i];
        }
    }
    assert_true(failed > 0 && loaded > 0);
    dstrFree(copy);
    dstrFree(file);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_list_encodings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hash_encodings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_encodings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zset_encodings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_embedded_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_thresholds_applied_at_load, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ziplist_forms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ziplist_corruption, setup, teardown),
        cmocka_unit_test_setup_teardown(test_legacy_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zset_v1, setup, teardown),
        cmocka_unit_test_setup_teardown(test_legacy_set_and_hash, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_element_forms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_round_trips, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dataset_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dataset_corruption, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
