/* rdb_zset.c — sorted sets in RDB files.
 *
 * Saved as Valkey 8 does:
 *   LISTPACK   RDB_TYPE_ZSET_LISTPACK: the listpack bytes as one string
 *   SKIPLIST   RDB_TYPE_ZSET_2: <count> ( <member> <score: IEEE 754
 *              double, 8 bytes little endian> )*, from the highest element
 *              to the lowest, so a loader inserting them meets each new
 *              element at the head of its skiplist (O(1) per level)
 *
 * Loaded: those, zset-v1 (scores as text: a length byte, 253 = nan,
 * 254 = +inf, 255 = -inf) and zset-ziplist (converted by rdb_ziplist.c).
 * A NaN score or a member twice is an error.  A listpack blob is walked
 * once by lpValidateIntegrity with a check per element (scores that parse
 * completely as non-NaN doubles, pairs in (score, member) order), then
 * checked for a member twice.  A blob that passes and fits the current
 * zset-max-listpack-* thresholds is adopted as is; one out of order or
 * over the thresholds is rebuilt through zsetAdd, so what is stored
 * always satisfies zset_value.c's ordering invariant. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "node/base/mem.h"
#include "node/types/type_util.h"
#include "node/types/zset_value.h"
#include "rdb/rdb_collection.h"
#include "rdb/rdb_internal.h"

#define SCORE_NAN_LEN 253
#define SCORE_PINF_LEN 254
#define SCORE_NINF_LEN 255

/* --- Saving --- */

static int zsetRdbType(const kvobj *kv) {
    return kv->encoding == OBJ_ENCODING_LISTPACK ? RDB_TYPE_ZSET_LISTPACK : RDB_TYPE_ZSET_2;
}

static int saveBinaryDouble(rdbWriter *w, double d) {
    uint64_t bits;
    unsigned char b[8];
    memcpy(&bits, &d, sizeof(bits));
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)(bits >> (8 * i));
    return rdbWriteRaw(w, b, sizeof(b));
}

static int saveSkiplist(rdbWriter *w, const zset *zs) {
    if (rdbSaveLen(w, zs->zsl->length) != 0) return -1;
    for (const zskiplistNode *n = zs->zsl->tail; n; n = n->backward) {
        if (rdbSaveString(w, n->member, dstrLen(n->member)) != 0) return -1;
        if (saveBinaryDouble(w, n->score) != 0) return -1;
    }
    return 0;
}

static int saveZset(rdbWriter *w, const kvobj *kv) {
    zsetRef z = zsetRefOf(kv);
    if (z.encoding == OBJ_ENCODING_LISTPACK) return rdbSaveString(w, z.ptr, lpBytes(z.ptr));
    return saveSkiplist(w, z.ptr);
}

/* --- Loading scores --- */

/* Text to a double: the whole text must parse.  Returns 1 if it did. */
static int parseScore(const char *s, size_t len, double *out) {
    char buf[128];
    if (len == 0 || len >= sizeof(buf)) return 0;
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *end;
    *out = strtod(buf, &end);
    return end == buf + len;
}

static int loadBinaryScore(rdbReader *r, double *score) {
    unsigned char b[8];
    if (rdbReadRaw(r, b, sizeof(b)) != 0) return -1;
    uint64_t bits = 0;
    for (int i = 7; i >= 0; i--) bits = (bits << 8) | b[i];
    memcpy(score, &bits, sizeof(*score));
    return 0;
}

/* zset-v1's score: a length byte and that much text, or a special value. */
static int loadTextScore(rdbReader *r, double *score) {
    unsigned char len;
    char text[256];
    if (rdbReadRaw(r, &len, 1) != 0) return -1;
    switch (len) {
    case SCORE_NAN_LEN: *score = NAN; return 0;
    case SCORE_PINF_LEN: *score = INFINITY; return 0;
    case SCORE_NINF_LEN: *score = -INFINITY; return 0;
    default: break;
    }
    if (rdbReadRaw(r, text, len) != 0) return -1;
    if (!parseScore(text, len, score)) return rdbReaderFail(r, "Invalid zset score '%.*s'", (int)len, text);
    return 0;
}

/* --- Loading whole values --- */

static kvobj *finishZset(const dstr key, long long expire, zsetRef *z) {
    return kvCreatePointer(key, dstrLen(key), OBJ_ZSET, z->encoding, z->ptr, expire);
}

/* One member and its score added to z; 0, or -1 with the error set. */
static int loadPair(rdbReader *r, int rdbType, const dstr key, zsetRef *z) {
    dstr member = rdbLoadString(r);
    if (!member) return -1;
    double score;
    int rc = rdbType == RDB_TYPE_ZSET_2 ? loadBinaryScore(r, &score) : loadTextScore(r, &score);
    if (rc == 0 && isnan(score)) rc = rdbReaderFail(r, "Zset with NAN score detected (key '%s')", key);
    if (rc == 0) {
        int out = 0;
        zsetAdd(z, score, member, dstrLen(member), ZADD_IN_NX, &out, NULL);
        if (!(out & ZADD_OUT_ADDED)) rc = rdbReaderFail(r, "Duplicate zset fields detected (key '%s')", key);
    }
    dstrFree(member);
    return rc;
}

/* zset-v1 and zset-v2: a count, then member and score pairs. */
static kvobj *loadZsetPairs(rdbReader *r, int rdbType, const dstr key, long long expire) {
    uint64_t len;
    if (rdbLoadBoundedLen(r, &len, rdbType == RDB_TYPE_ZSET_2 ? 9 : 2) != 0) return NULL;
    if (len == 0) return rdbFailEmpty(r, rdbType, key);
    zsetRef z = zsetCreate(len, 0);
    for (uint64_t i = 0; i < len; i++) {
        if (loadPair(r, rdbType, key, &z) != 0) {
            zsetRelease(&z);
            return NULL;
        }
    }
    return finishZset(key, expire, &z);
}

/* What the walk over a zset listpack learns; see checkElement. */
typedef struct listpackCheck {
    unsigned long index;
    dstr member, prevMember; /* current and previous pair's member */
    double prevScore;
    size_t maxLen;
    int sorted;
} listpackCheck;

static int bytesCmp(const char *a, size_t alen, const char *b, size_t blen) {
    int c = memcmp(a, b, alen < blen ? alen : blen);
    return c ? c : (alen > blen) - (alen < blen);
}

static int checkElement(unsigned char *p, unsigned int headerCount, void *userdata) {
    (void)headerCount;
    listpackCheck *st = userdata;
    lpEntry e;
    char buf[LP_INTBUF_SIZE];
    size_t len;
    lpGetEntry(p, &e);
    const char *s = rdbEntryBytes(&e, buf, &len);
    if (st->index++ % 2 == 0) {
        if (len > st->maxLen) st->maxLen = len;
        st->member = dstrCpyLen(st->member, s, len);
        return 1;
    }
    double score;
    if (!e.sval) score = (double)e.lval;
    else if (!parseScore(s, len, &score)) return 0;
    if (isnan(score)) return 0;
    if (st->index > 2 && (score < st->prevScore ||
                          (score == st->prevScore && bytesCmp(st->prevMember, dstrLen(st->prevMember), st->member,
                                                              dstrLen(st->member)) > 0)))
        st->sorted = 0;
    st->prevScore = score;
    dstr t = st->prevMember;
    st->prevMember = st->member;
    st->member = t;
    return 1;
}

/* Rebuilds a validated listpack through zsetAdd (order, thresholds). */
static zsetRef rebuild(unsigned char *lp, unsigned long pairs, size_t maxLen) {
    zsetRef z = zsetCreate(pairs, maxLen);
    for (unsigned char *p = lpFirst(lp); p; p = lpNext(lp, lpNext(lp, p))) {
        lpEntry m, sc;
        char buf[LP_INTBUF_SIZE], sbuf[LP_INTBUF_SIZE];
        size_t len, slen;
        lpGetEntry(p, &m);
        lpGetEntry(lpNext(lp, p), &sc);
        const char *member = rdbEntryBytes(&m, buf, &len);
        const char *stext = rdbEntryBytes(&sc, sbuf, &slen);
        double score = (double)sc.lval;
        if (sc.sval) parseScore(stext, slen, &score); /* checked by the walk */
        int out = 0;
        zsetAdd(&z, score, member, len, ZADD_IN_NX, &out, NULL);
    }
    return z;
}

/* A listpack (taken over) validated, then adopted or rebuilt. */
static kvobj *adoptListpack(rdbReader *r, int rdbType, const dstr key, long long expire, unsigned char *lp,
                            size_t size) {
    listpackCheck st = {0, dstrEmpty(), dstrEmpty(), 0, 0, 1};
    int ok = lpValidateIntegrity(lp, size, 1, checkElement, &st) && st.index % 2 == 0 &&
             rdbListpackDistinct(lp, 2);
    dstrFree(st.member);
    dstrFree(st.prevMember);
    if (!ok || st.index == 0) {
        lpFree(lp);
        return ok ? rdbFailEmpty(r, rdbType, key) : rdbFailIntegrity(r, rdbType, key);
    }
    typeSettings *ts = typeGetSettings();
    unsigned long pairs = st.index / 2;
    zsetRef z = {OBJ_ENCODING_LISTPACK, lp};
    if (!st.sorted || pairs > (unsigned long long)ts->zsetMaxListpackEntries ||
        st.maxLen > (unsigned long long)ts->zsetMaxListpackValue) {
        z = rebuild(lp, pairs, st.maxLen);
        lpFree(lp);
    }
    return finishZset(key, expire, &z);
}

static kvobj *loadZsetListpack(rdbReader *r, int rdbType, const dstr key, long long expire) {
    dstr blob = rdbLoadBlob(r);
    if (!blob) return NULL;
    size_t len = dstrLen(blob);
    unsigned char *lp;
    if (rdbType == RDB_TYPE_ZSET_ZIPLIST) {
        lp = rdbZiplistToListpack((unsigned char *)blob, len);
        len = lp ? lpBytes(lp) : 0;
    } else {
        lp = memDup(blob, len ? len : 1);
    }
    dstrFree(blob);
    if (!lp) return rdbFailIntegrity(r, rdbType, key);
    return adoptListpack(r, rdbType, key, expire, lp, len);
}

void rdbZsetRegister(void) {
    static const rdbTypeSaver saver = {zsetRdbType, saveZset};
    rdbRegisterSaver(OBJ_ZSET, &saver);
    rdbRegisterLoader(RDB_TYPE_ZSET, loadZsetPairs);
    rdbRegisterLoader(RDB_TYPE_ZSET_2, loadZsetPairs);
    rdbRegisterLoader(RDB_TYPE_ZSET_LISTPACK, loadZsetListpack);
    rdbRegisterLoader(RDB_TYPE_ZSET_ZIPLIST, loadZsetListpack);
}
