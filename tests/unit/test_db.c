/* test_db.c — databases: a randomized model check of add / overwrite /
 * delete / TTL changes that verifies the invariant of db.c (an entry is in
 * `expires` iff it has a TTL, and both tables hold the same pointer), lazy
 * expiry on primaries and replicas, the active expire cycle, swap, empty and
 * random keys, and the hooks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "node/base/mem.h"
#include "node/base/rand.h"
#include "node/store/db.h"
#include "node/types/listpack.h"

#define NKEYS 300

static dstr keyName(int i) { return dstrCatPrintf(dstrEmpty(), "key:%d", i); }

static int expiredHookCalls;
static void onExpired(serverDb *db, const dstr key) {
    (void)db;
    (void)key;
    expiredHookCalls++;
}

static int setup(void **state) {
    (void)state;
    static int done;
    if (!done) {
        dbSetup(4);
        static const dbHooks h = {.keyExpired = onExpired};
        dbAddHooks(&h);
        done = 1;
    }
    dbEmpty(-1, NULL);
    dbSetCommandTime(0);
    dbSetExpireDeletes(1);
    return 0;
}

/* Every entry of keys with a TTL is the same pointer in expires, and the
 * sizes agree. */
static void checkInvariant(serverDb *db) {
    hashtableIterator it;
    void *e;
    size_t withTtl = 0;
    hashtableInitIterator(&it, db->keys, 0);
    while (hashtableNext(&it, &e)) {
        kvobj *kv = e;
        void *other;
        int inExpires = hashtableFind(db->expires, kvKey(kv), &other);
        if (kvGetExpire(kv) != -1) {
            withTtl++;
            assert_true(inExpires);
            assert_ptr_equal(other, kv);
        } else {
            assert_false(inExpires);
        }
    }
    hashtableResetIterator(&it);
    assert_int_equal(withTtl, dbExpiresSize(db));
}

static void test_model(void **state) {
    (void)state;
    serverDb *db = dbByIndex(0);
    long long model[NKEYS]; /* -2 absent, -1 no TTL, else expire */
    long long values[NKEYS];
    for (int i = 0; i < NKEYS; i++) model[i] = -2;
    dbSetCommandTime(1000);
    randSeed(7);
    for (int step = 0; step < 20000; step++) {
        int i = (int)randBelow(NKEYS);
        dstr key = keyName(i);
        int op = (int)randBelow(5);
        if (op == 0 || op == 1) { /* set, keeping the TTL or not */
            long long v = (long long)randBelow(1000000);
            char buf[32];
            int n = snprintf(buf, sizeof(buf), "%lld", v);
            kvobj *kv = kvCreateString(key, dstrLen(key), buf, (size_t)n, -1, 1);
            int keep = op == 1;
            dbSet(db, kv, keep);
            values[i] = v;
            if (!(keep && model[i] >= 0)) model[i] = -1;
        } else if (op == 2) {
            assert_int_equal(dbDelete(db, key), model[i] != -2);
            model[i] = -2;
        } else if (op == 3) { /* set a TTL far in the future */
            kvobj *kv = dbFind(db, key);
            if (kv) {
                long long when = 1000000 + (long long)randBelow(1000);
                dbSetExpire(db, kv, when);
                model[i] = when;
            }
        } else {
            kvobj *kv = dbFind(db, key);
            if (kv) {
                dbRemoveExpire(db, kv);
                model[i] = -1;
            }
        }
        dstrFree(key);
        if (step % 1000 == 0) checkInvariant(db);
    }
    checkInvariant(db);
    size_t present = 0;
    for (int i = 0; i < NKEYS; i++) {
        dstr key = keyName(i);
        kvobj *kv = dbLookupRead(db, key, LOOKUP_NONE);
        if (model[i] == -2) {
            assert_null(kv);
        } else {
            present++;
            assert_non_null(kv);
            assert_int_equal(kvGetExpire(kv), model[i]);
            assert_int_equal(kvGetInt(kv), values[i]);
        }
        dstrFree(key);
    }
    assert_int_equal(dbSize(db), present);
}

static void test_lazy_expiry(void **state) {
    (void)state;
    serverDb *db = dbByIndex(1);
    dstr key = dstrNew("volatile");
    dbSetCommandTime(5000);
    kvobj *kv = kvCreateString(key, dstrLen(key), "v", 1, 6000, 1);
    dbAdd(db, kv);
    assert_non_null(dbLookupRead(db, key, LOOKUP_NONE));
    dbSetCommandTime(6000); /* expired only when now > when */
    assert_non_null(dbLookupRead(db, key, LOOKUP_NONE));
    /* A replica hides the key but keeps it. */
    dbSetCommandTime(6001);
    dbSetExpireDeletes(0);
    assert_null(dbLookupRead(db, key, LOOKUP_NONE));
    assert_int_equal(dbSize(db), 1);
    /* A primary deletes it and reports it. */
    dbSetExpireDeletes(1);
    expiredHookCalls = 0;
    long long before = dbGetStats()->expiredKeys;
    assert_null(dbLookupRead(db, key, LOOKUP_NONE));
    assert_int_equal(dbSize(db), 0);
    assert_int_equal(dbExpiresSize(db), 0);
    assert_int_equal(expiredHookCalls, 1);
    assert_int_equal(dbGetStats()->expiredKeys, before + 1);
    dstrFree(key);
}

static void test_active_expiry(void **state) {
    (void)state;
    serverDb *db = dbByIndex(2);
    dbSetCommandTime(10000);
    for (int i = 0; i < 5000; i++) {
        dstr key = keyName(i);
        long long when = (i % 2) ? 10500 : -1; /* half volatile */
        dbAdd(db, kvCreateString(key, dstrLen(key), "x", 1, when, 1));
        dstrFree(key);
    }
    assert_int_equal(dbExpiresSize(db), 2500);
    dbSetCommandTime(20000);
    /* Nobody touches the keys: cycles alone must reclaim every expired one. */
    for (int round = 0; round < 200 && dbExpiresSize(db) > 0; round++)
        dbActiveExpireCycle(0, 100000);
    assert_int_equal(dbExpiresSize(db), 0);
    assert_int_equal(dbSize(db), 2500);
    checkInvariant(db);
}

static void test_swap_empty_random(void **state) {
    (void)state;
    serverDb *a = dbByIndex(0), *b = dbByIndex(3);
    dstr k = dstrNew("only-in-a");
    dbAdd(a, kvCreateString(k, dstrLen(k), "1", 1, -1, 1));
    assert_int_equal(dbSwap(0, 3), 0);
    assert_null(dbFind(a, k));
    assert_non_null(dbFind(b, k));
    assert_ptr_equal(dbRandomKey(b), dbFind(b, k));
    assert_null(dbRandomKey(a));
    assert_int_equal(dbSwap(0, 99), -1);
    assert_int_equal(dbEmpty(3, NULL), 1);
    assert_int_equal(dbSize(b), 0);
    dstrFree(k);
}

static void test_overwrite_value_and_raw(void **state) {
    (void)state;
    serverDb *db = dbByIndex(0);
    dbSetCommandTime(1);
    dstr k = dstrNew("str");
    kvobj *kv = kvCreateString(k, dstrLen(k), "abc", 3, 100, 1);
    dbAdd(db, kv);
    kv = dbStringToRaw(db, kv);
    assert_int_equal(kv->encoding, OBJ_ENCODING_RAW);
    dstr s = kvGetPtr(kv);
    s = dstrCatLen(s, "def", 3);
    kvSetPtr(kv, s);
    checkInvariant(db);
    kvobj *found = dbLookupRead(db, k, LOOKUP_NONE);
    char buf[32];
    size_t len;
    const char *p = kvStringBytes(found, buf, &len);
    assert_int_equal(len, 6);
    assert_memory_equal(p, "abcdef", 6);
    kvobj *value = kvCreateString("", 0, "zzz", 3, -1, 1);
    kv = dbOverwriteValue(db, found, value, 1);
    assert_int_equal(kvGetExpire(kv), 100);
    checkInvariant(db);
    dstrFree(k);
}

static int storedCalls;
static void onStored(serverDb *db, const kvobj *kv) {
    (void)db;
    (void)kv;
    storedCalls++;
}

/* Open/close on an embedded listpack: the entry moves when the value
 * outgrows it, both tables follow, and the value comes back intact; a
 * value that grows past the embedding limit is held by pointer. */
static void test_value_open_close(void **state) {
    (void)state;
    static const dbHooks h = {.keyStored = onStored};
    static int registered;
    if (!registered) {
        dbAddHooks(&h);
        registered = 1;
    }
    kvRegisterValueType(OBJ_LIST, OBJ_ENCODING_LISTPACK, (kvValueFree)lpFree, NULL);
    serverDb *db = dbByIndex(0);
    dbSetCommandTime(1);
    dstr k = dstrNew("list");
    storedCalls = 0;
    kvobj *kv = kvCreatePointer(k, dstrLen(k), OBJ_LIST, OBJ_ENCODING_LISTPACK, lpNew(0), 1000);
    dbAdd(db, kv);
    assert_int_equal(storedCalls, 1);
    for (int i = 0; i < 200; i++) {
        unsigned char *lp = dbValueOpen(kv);
        lp = lpAppendInteger(lp, i);
        kv = dbValueClose(db, kv, OBJ_ENCODING_LISTPACK, lp);
        assert_ptr_equal(dbFind(db, k), kv);
        if (i == 2) assert_true(kvEmbeddedValueSize(kv) > 0);
        checkInvariant(db);
    }
    assert_int_equal(kvEmbeddedValueSize(kv), 0);
    unsigned char *lp = kvGetPtr(kv);
    assert_int_equal(lpLength(lp), 200);
    int64_t v;
    unsigned char buf[LP_INTBUF_SIZE];
    assert_null(lpGet(lpSeek(lp, 199), &v, NULL));
    (void)buf;
    assert_int_equal(v, 199);
    assert_int_equal(kvGetExpire(kv), 1000);
    lp = dbValueOpen(kv);
    lp = lpDeleteRange(lp, 1, 199);
    kv = dbValueClose(db, kv, OBJ_ENCODING_LISTPACK, lp);
    assert_true(kvEmbeddedValueSize(kv) > 0);
    assert_int_equal(lpLength(kvGetPtr(kv)), 1);
    checkInvariant(db);
    assert_true(dbDelete(db, k));
    dstrFree(k);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_model, setup),
        cmocka_unit_test_setup(test_lazy_expiry, setup),
        cmocka_unit_test_setup(test_active_expiry, setup),
        cmocka_unit_test_setup(test_swap_empty_random, setup),
        cmocka_unit_test_setup(test_overwrite_value_and_raw, setup),
        cmocka_unit_test_setup(test_value_open_close, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
