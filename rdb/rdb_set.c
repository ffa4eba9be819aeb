/* rdb_set.c — sets in RDB files.
 *
 * Saved as Valkey 8 does:
 *   INTSET     RDB_TYPE_SET_INTSET: the intset blob (intset.h layout) as
 *              one RDB string
 *   LISTPACK   RDB_TYPE_SET_LISTPACK: the listpack bytes as one string
 *   HASHTABLE  RDB_TYPE_SET: <member count> <member>*
 *
 * Loaded: the three.  Blobs are validated deeply (intsetValidateIntegrity
 * checks strictly ascending members, so no duplicates; a set listpack is
 * walked by lpValidateIntegrity, then checked for duplicates) and
 * adopted, then converted to a HASHTABLE when they hold more members than
 * the current set-max-intset-entries / set-max-listpack-entries (or, for
 * a listpack, a member longer than set-max-listpack-value).  A member list
 * is rebuilt through setValueAdd, which picks the encoding as SADD would
 * and reports a member seen twice. */
#include "node/base/mem.h"
#include "node/base/util.h"
#include "node/types/intset.h"
#include "node/types/set_value.h"
#include "node/types/type_util.h"
#include "rdb/rdb_collection.h"
#include "rdb/rdb_internal.h"

/* --- Saving --- */

static int setRdbType(const kvobj *kv) {
    switch (kv->encoding) {
    case OBJ_ENCODING_INTSET: return RDB_TYPE_SET_INTSET;
    case OBJ_ENCODING_LISTPACK: return RDB_TYPE_SET_LISTPACK;
    default: return RDB_TYPE_SET;
    }
}

static int saveSetMembers(rdbWriter *w, const setValue *s) {
    if (rdbSaveLen(w, setValueLen(s)) != 0) return -1;
    setIter it;
    setMember m;
    int rc = 0;
    setIterInit(&it, s);
    while (rc == 0 && setIterNext(&it, &m))
        rc = m.str ? rdbSaveString(w, m.str, m.len) : rdbSaveLongLongAsString(w, m.ll);
    setIterReset(&it);
    return rc;
}

static int saveSet(rdbWriter *w, const kvobj *kv) {
    setValue s = setValueOf(kv);
    switch (s.encoding) {
    case OBJ_ENCODING_INTSET: return rdbSaveString(w, s.ptr, intsetBlobLen(s.ptr));
    case OBJ_ENCODING_LISTPACK: return rdbSaveString(w, s.ptr, lpBytes(s.ptr));
    default: return saveSetMembers(w, &s);
    }
}

/* --- Loading --- */

static kvobj *finishSet(const dstr key, long long expire, setValue *s) {
    return kvCreatePointer(key, dstrLen(key), OBJ_SET, s->encoding, s->ptr, expire);
}

/* Adds member s (NULL: the integer v) to *set, created on the first call
 * with the encoding SADD would pick for `total` members.  Returns 1, or 0
 * if it was already there. */
static int addLoadedMember(setValue *set, int *created, const dstr s, long long v, uint64_t total) {
    if (!*created) {
        char buf[LP_INTBUF_SIZE];
        int n = s ? 0 : ll2string(buf, sizeof(buf), v);
        *set = s ? setValueCreate(s, dstrLen(s), total) : setValueCreate(buf, (size_t)n, total);
        *created = 1;
    }
    return s ? setValueAdd(set, s, dstrLen(s)) : setValueAddInt(set, v);
}

/* set-hashtable: a member count, then the members. */
static kvobj *loadSetMembers(rdbReader *r, int rdbType, const dstr key, long long expire) {
    uint64_t len;
    if (rdbLoadBoundedLen(r, &len, 1) != 0) return NULL;
    if (len == 0) return rdbFailEmpty(r, rdbType, key);
    setValue set = {0, NULL};
    int created = 0;
    for (uint64_t i = 0; i < len; i++) {
        int isInt;
        long long v;
        dstr s = rdbLoadStringOrInt(r, &isInt, &v);
        if (!s && !isInt) goto fail;
        int added = addLoadedMember(&set, &created, s, v, len);
        dstrFree(s);
        if (!added) {
            rdbReaderFail(r, "Duplicate set members detected (key '%s')", key);
            goto fail;
        }
    }
    return finishSet(key, expire, &set);
fail:
    if (created) setValueFree(&set);
    return NULL;
}

static kvobj *loadSetIntset(rdbReader *r, int rdbType, const dstr key, long long expire) {
    dstr blob = rdbLoadBlob(r);
    if (!blob) return NULL;
    size_t len = dstrLen(blob);
    if (!intsetValidateIntegrity((unsigned char *)blob, len, 1)) {
        dstrFree(blob);
        return rdbFailIntegrity(r, rdbType, key);
    }
    setValue set = {OBJ_ENCODING_INTSET, intsetFromBlob((unsigned char *)blob, len)};
    dstrFree(blob);
    unsigned long n = setValueLen(&set);
    if (n > (unsigned long long)typeGetSettings()->setMaxIntsetEntries)
        setValueConvert(&set, OBJ_ENCODING_HASHTABLE, n);
    return finishSet(key, expire, &set);
}

/* Per-element step of the deep check: notes the longest member. */
static int noteLength(unsigned char *p, unsigned int headerCount, void *userdata) {
    (void)headerCount;
    size_t *maxLen = userdata;
    lpEntry e;
    lpGetEntry(p, &e);
    if (e.sval && e.slen > *maxLen) *maxLen = e.slen;
    return 1;
}

static kvobj *loadSetListpack(rdbReader *r, int rdbType, const dstr key, long long expire) {
    dstr blob = rdbLoadBlob(r);
    if (!blob) return NULL;
    size_t len = dstrLen(blob);
    size_t maxLen = 0;
    unsigned char *lp = (unsigned char *)blob;
    if (!lpValidateIntegrity(lp, len, 1, noteLength, &maxLen) || !rdbListpackDistinct(lp, 1)) {
        dstrFree(blob);
        return rdbFailIntegrity(r, rdbType, key);
    }
    setValue set = {OBJ_ENCODING_LISTPACK, memDup(blob, len)};
    dstrFree(blob);
    unsigned long n = setValueLen(&set);
    if (n == 0) {
        setValueFree(&set);
        return rdbFailEmpty(r, rdbType, key);
    }
    typeSettings *ts = typeGetSettings();
    if (n > (unsigned long long)ts->setMaxListpackEntries || maxLen > (unsigned long long)ts->setMaxListpackValue)
        setValueConvert(&set, OBJ_ENCODING_HASHTABLE, n);
    return finishSet(key, expire, &set);
}

void rdbSetRegister(void) {
    static const rdbTypeSaver saver = {setRdbType, saveSet};
    rdbRegisterSaver(OBJ_SET, &saver);
    rdbRegisterLoader(RDB_TYPE_SET, loadSetMembers);
    rdbRegisterLoader(RDB_TYPE_SET_INTSET, loadSetIntset);
    rdbRegisterLoader(RDB_TYPE_SET_LISTPACK, loadSetListpack);
}
