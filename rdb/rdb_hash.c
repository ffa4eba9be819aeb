/* rdb_hash.c — hashes in RDB files.
 *
 * Saved as Valkey 8 does:
 *   LISTPACK   RDB_TYPE_HASH_LISTPACK: the listpack bytes as one RDB string
 *              (DESIGN.md: the in-memory listpack is the file's, so saving
 *              a small hash is a copy)
 *   HASHTABLE  RDB_TYPE_HASH: <pair count> ( <field> <value> )*
 *
 * Loaded: both, and the legacy hash-ziplist and hash-zipmap blobs, which
 * rdb_ziplist.c turns into listpacks first.  A listpack blob is adopted as
 * the value once it passed the deep listpack check, has a non-zero even
 * element count and no field twice, then converted if
 * it breaks the current hash-max-listpack-* thresholds.  A HASH pair list
 * is rebuilt through hashValueSet, which applies the thresholds as HSET
 * would and reports a field seen twice. */
#include "node/base/mem.h"
#include "node/types/hash_value.h"
#include "rdb/rdb_collection.h"
#include "rdb/rdb_internal.h"

/* --- Saving --- */

static int hashRdbType(const kvobj *kv) {
    return kv->encoding == OBJ_ENCODING_LISTPACK ? RDB_TYPE_HASH_LISTPACK : RDB_TYPE_HASH;
}

static int saveHashPairs(rdbWriter *w, const hashValue *h) {
    if (rdbSaveLen(w, hashValueLength(h)) != 0) return -1;
    hashValueIter it;
    lpEntry field, value;
    int rc = 0;
    hashValueIterInit(&it, h);
    while (rc == 0 && hashValueIterNext(&it, &field, &value)) {
        char fbuf[LP_INTBUF_SIZE], vbuf[LP_INTBUF_SIZE];
        size_t flen, vlen;
        const char *f = hashElementBytes(&field, fbuf, &flen);
        const char *v = hashElementBytes(&value, vbuf, &vlen);
        rc = rdbSaveString(w, f, flen);
        if (rc == 0) rc = rdbSaveString(w, v, vlen);
    }
    hashValueIterReset(&it);
    return rc;
}

static int saveHash(rdbWriter *w, const kvobj *kv) {
    hashValue h = hashValueOf(kv);
    if (h.encoding == OBJ_ENCODING_LISTPACK) return rdbSaveString(w, h.ptr, lpBytes(h.ptr));
    return saveHashPairs(w, &h);
}

/* --- Loading --- */

static kvobj *finishHash(const dstr key, long long expire, hashValue *h) {
    return kvCreatePointer(key, dstrLen(key), OBJ_HASH, h->encoding, h->ptr, expire);
}

/* hash-hashtable: a pair count, then field and value strings. */
static kvobj *loadHashPairs(rdbReader *r, int rdbType, const dstr key, long long expire) {
    uint64_t pairs;
    if (rdbLoadBoundedLen(r, &pairs, 2) != 0) return NULL;
    if (pairs == 0) return rdbFailEmpty(r, rdbType, key);
    hashValue h;
    hashValueInit(&h);
    hashValuePrepare(&h, pairs, 0, 0);
    for (uint64_t i = 0; i < pairs; i++) {
        dstr field = rdbLoadString(r);
        dstr value = field ? rdbLoadString(r) : NULL;
        int added = value ? hashValueSet(&h, field, dstrLen(field), value, dstrLen(value)) : -1;
        if (added == 0) rdbReaderFail(r, "Duplicate hash fields detected (field '%s' of key '%s')", field, key);
        dstrFree(field);
        dstrFree(value);
        if (added != 1) {
            hashValueRelease(&h);
            return NULL;
        }
    }
    return finishHash(key, expire, &h);
}

/* The check of hashValueListpackIsValid (deep listpack check, a non-zero
 * even element count, no field twice) without its per-call table: loading
 * a million small hashes runs it a million times. */
static int listpackIsValid(unsigned char *lp, size_t size) {
    if (!lpValidateIntegrity(lp, size, 1, NULL, NULL)) return 0;
    unsigned long n = lpLength(lp);
    return n > 0 && n % 2 == 0 && rdbListpackDistinct(lp, 2);
}

/* A listpack built from a blob (taken over): validated, adopted,
 * converted when over the thresholds. */
static kvobj *adoptListpack(rdbReader *r, int rdbType, const dstr key, long long expire, unsigned char *lp) {
    if (!listpackIsValid(lp, lpBytes(lp))) {
        lpFree(lp);
        return rdbFailIntegrity(r, rdbType, key);
    }
    hashValue h = {OBJ_ENCODING_LISTPACK, lp};
    hashValueConvertIfNeeded(&h);
    return finishHash(key, expire, &h);
}

static kvobj *loadHashListpack(rdbReader *r, int rdbType, const dstr key, long long expire) {
    dstr blob = rdbLoadBlob(r);
    if (!blob) return NULL;
    size_t len = dstrLen(blob);
    /* The header check first: lpBytes of the copy must be safe to read. */
    if (!lpValidateIntegrity((unsigned char *)blob, len, 0, NULL, NULL)) {
        dstrFree(blob);
        return rdbFailIntegrity(r, rdbType, key);
    }
    unsigned char *lp = memDup(blob, len);
    dstrFree(blob);
    return adoptListpack(r, rdbType, key, expire, lp);
}

/* hash-ziplist and hash-zipmap: converted to a listpack, then as above. */
static kvobj *loadHashLegacy(rdbReader *r, int rdbType, const dstr key, long long expire) {
    dstr blob = rdbLoadBlob(r);
    if (!blob) return NULL;
    const unsigned char *p = (const unsigned char *)blob;
    unsigned char *lp = rdbType == RDB_TYPE_HASH_ZIPMAP ? rdbZipmapToListpack(p, dstrLen(blob))
                                                        : rdbZiplistToListpack(p, dstrLen(blob));
    dstrFree(blob);
    if (!lp) return rdbFailIntegrity(r, rdbType, key);
    return adoptListpack(r, rdbType, key, expire, lp);
}

void rdbHashRegister(void) {
    static const rdbTypeSaver saver = {hashRdbType, saveHash};
    rdbRegisterSaver(OBJ_HASH, &saver);
    rdbRegisterLoader(RDB_TYPE_HASH, loadHashPairs);
    rdbRegisterLoader(RDB_TYPE_HASH_LISTPACK, loadHashListpack);
    rdbRegisterLoader(RDB_TYPE_HASH_ZIPLIST, loadHashLegacy);
    rdbRegisterLoader(RDB_TYPE_HASH_ZIPMAP, loadHashLegacy);
}
