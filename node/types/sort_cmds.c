/* sort_cmds.c — SORT and SORT_RO over lists, sets and sorted sets.
 *
 *   SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC]
 *        [ALPHA] [STORE destination]
 *
 * How it works (Valkey's algorithm, which fixes the observable order):
 *  1. Parse every option first; a syntax error or a bad LIMIT is reported
 *     before the key is even looked up.
 *  2. Copy the elements into a vector of items (element bytes, numeric
 *     score, comparison bytes).  With a BY pattern that has no '*' nothing
 *     is sorted ("dontsort"): lists and sorted sets then keep their own
 *     order, walked from the LIMIT offset in the asked direction, so only
 *     the requested range is copied; a set is force-sorted ALPHA when the
 *     result is stored, so a replica stores the same list.
 *  3. Fill the sort keys: the element itself, or the value found through
 *     the BY pattern ("weight_*" -> the string key with * replaced by the
 *     element; "obj_*->field" -> that field of a hash key; a missing key or
 *     field sorts as 0 / before everything in ALPHA).  Numeric keys are
 *     parsed as C doubles; one that does not parse fails the whole command
 *     with "One or more scores can't be converted into double".
 *  4. Sort (numeric ties broken by the element bytes so the result is
 *     deterministic; ALPHA compares bytes), then emit the LIMIT range: the
 *     elements, or for each one the GET patterns ("#" is the element), or
 *     store them as a list under the STORE key (an empty result deletes
 *     the key).
 *
 * Elements are copied out of the value before any pattern lookup, since a
 * lookup may expire and delete keys (even the sorted one).  The sorted
 * value is only read: unlike Valkey, a listpack sorted set is not
 * converted to a skiplist for the sort.  The cluster and ACL refusals of
 * BY/GET patterns belong to features not present here yet. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "node/base/dstr.h"
#include "node/base/mem.h"
#include "node/net/args.h"
#include "node/net/reply.h"
#include "node/store/db.h"
#include "node/types/hash_value.h"
#include "node/types/list_value.h"
#include "node/types/set_value.h"
#include "node/types/type_cmds.h"
#include "node/types/type_util.h"
#include "node/types/zset_value.h"

#define SORT_SCORE_ERR "ERR One or more scores can't be converted into double"

/* The parsed options.  Patterns point into argv (valid during the call). */
typedef struct sortOptions {
    int desc, alpha, dontsort;
    long long limitStart, limitCount;
    dstr by;    /* NULL: sort by the elements themselves */
    dstr store; /* NULL: reply */
    dstr *gets;
    int getCount;
} sortOptions;

typedef struct sortItem {
    dstr ele;
    double score;
    dstr cmp; /* ALPHA with BY: the BY value, NULL when missing */
} sortItem;

/* The comparison mode for qsort, set just before sorting. */
static struct {
    int desc, alpha, byPattern;
} sortMode;

/* --- Options --- */

static int isToken(const dstr arg, const char *token) { return !strcasecmp(arg, token); }

static int parseOptions(client *c, int readonly, sortOptions *o) {
    memset(o, 0, sizeof(*o));
    o->limitCount = -1;
    o->gets = memAlloc(sizeof(dstr) * (size_t)c->argc);
    for (int j = 2; j < c->argc; j++) {
        int left = c->argc - j - 1;
        dstr a = c->argv[j];
        if (isToken(a, "asc")) {
            o->desc = 0;
        } else if (isToken(a, "desc")) {
            o->desc = 1;
        } else if (isToken(a, "alpha")) {
            o->alpha = 1;
        } else if (isToken(a, "limit") && left >= 2) {
            if (argLongLong(c, c->argv[j + 1], &o->limitStart) != 0 ||
                argLongLong(c, c->argv[j + 2], &o->limitCount) != 0)
                return -1;
            j += 2;
        } else if (!readonly && isToken(a, "store") && left >= 1) {
            o->store = c->argv[++j];
        } else if (isToken(a, "by") && left >= 1) {
            o->by = c->argv[++j];
            o->dontsort = memchr(o->by, '*', dstrLen(o->by)) == NULL;
        } else if (isToken(a, "get") && left >= 1) {
            o->gets[o->getCount++] = c->argv[++j];
        } else {
            replyErrorSyntax(c);
            return -1;
        }
    }
    return 0;
}

/* --- Pattern lookups --- */

/* The value the pattern names for element ele: "#" is the element itself;
 * otherwise the first '*' is replaced by the element to form a key, and a
 * "->field" after it (with a non-empty field) reads that field of a hash.
 * Returns 1 with the bytes in *out / *outLen (valid until the next lookup
 * or change; buf holds digits of integers), 0 when there is no '*' or the
 * key, its type or the field does not match. */
static int lookupByPattern(client *c, dstr *keyBuf, const dstr pattern, const dstr ele, const char **out,
                           size_t *outLen, char *buf) {
    size_t plen = dstrLen(pattern);
    if (plen == 1 && pattern[0] == '#') {
        *out = ele;
        *outLen = dstrLen(ele);
        return 1;
    }
    const char *star = memchr(pattern, '*', plen);
    if (!star) return 0;
    const char *field = NULL;
    size_t fieldLen = 0;
    for (const char *f = star + 1; f + 2 < pattern + plen; f++) {
        if (f[0] == '-' && f[1] == '>') {
            field = f + 2;
            fieldLen = (size_t)(pattern + plen - field);
            break;
        }
    }
    size_t prefix = (size_t)(star - pattern);
    size_t suffix = plen - prefix - 1 - (field ? fieldLen + 2 : 0);
    dstrSetLen(*keyBuf, 0);
    *keyBuf = dstrCatLen(*keyBuf, pattern, prefix);
    *keyBuf = dstrCatLen(*keyBuf, ele, dstrLen(ele));
    *keyBuf = dstrCatLen(*keyBuf, star + 1, suffix);
    kvobj *kv = dbLookupRead(c->db, *keyBuf, typeReadFlags(c));
    if (!kv) return 0;
    if (field) {
        if (kv->type != OBJ_HASH) return 0;
        hashValue h = hashValueOf(kv);
        lpEntry v;
        if (!hashValueGet(&h, field, fieldLen, &v)) return 0;
        *out = hashElementBytes(&v, buf, outLen);
        return 1;
    }
    if (kv->type != OBJ_STRING) return 0;
    *out = kvStringBytes(kv, buf, outLen);
    return 1;
}

/* --- Loading the elements --- */

/* Counts and range after LIMIT, as Valkey clamps them: [*start, *end]
 * inclusive, empty when end < start. */
static void limitRange(const sortOptions *o, long long len, long long *start, long long *end) {
    long long s = o->limitStart < 0 ? 0 : (o->limitStart > len ? len : o->limitStart);
    long long count = o->limitCount < -1 ? -1 : (o->limitCount > len ? len : o->limitCount);
    long long e = count < 0 ? len - 1 : s + count - 1;
    if (s >= len) {
        s = len - 1;
        e = len - 2;
    }
    if (e >= len) e = len - 1;
    *start = s;
    *end = e;
}

static unsigned long valueLength(const kvobj *kv) {
    if (!kv) return 0;
    if (kv->type == OBJ_LIST) {
        listValue lv = listValueOf(kv);
        return listValueLength(&lv);
    }
    if (kv->type == OBJ_SET) {
        setValue s = setValueOf(kv);
        return setValueLen(&s);
    }
    zsetRef z = zsetRefOf(kv);
    return zsetLength(&z);
}

/* Copies up to max elements of a list from index first (towards the head
 * when reverse). */
static unsigned long loadList(const kvobj *kv, long first, int reverse, sortItem *v, unsigned long max) {
    listValue lv = listValueOf(kv);
    listIter it;
    listElement e;
    unsigned long n = 0;
    listIterInit(&it, &lv, reverse ? -first - 1 : first, reverse);
    while (n < max && listIterNext(&it, &e)) v[n++].ele = listElementToDstr(&e);
    listIterRelease(&it);
    return n;
}

static unsigned long loadSet(const kvobj *kv, sortItem *v, unsigned long max) {
    setValue s = setValueOf(kv);
    setIter it;
    setMember m;
    unsigned long n = 0;
    setIterInit(&it, &s);
    while (n < max && setIterNext(&it, &m)) v[n++].ele = setMemberToDstr(&m);
    setIterReset(&it);
    return n;
}

/* Copies up to max members of a sorted set from rank first, in score
 * order (reversed when reverse). */
static unsigned long loadZset(const kvobj *kv, unsigned long first, int reverse, sortItem *v,
                              unsigned long max) {
    zsetRef z = zsetRefOf(kv);
    zsetIter it;
    zsetElem e;
    unsigned long n = 0;
    zsetIterInitAtRank(&it, &z, reverse, first);
    while (n < max && zsetIterNext(&it, &e)) v[n++].ele = dstrNewLen(e.member, e.len);
    return n;
}

/* --- Sorting --- */

/* strtod's reading of a sort key; -1 if it is not entirely a number, out
 * of range or NaN (an empty string reads as 0, as in Valkey). */
static int parseScore(const char *p, size_t len, double *score) {
    char small[64];
    char *s = len < sizeof(small) ? small : memAlloc(len + 1);
    memcpy(s, p, len);
    s[len] = '\0';
    char *end;
    errno = 0;
    *score = strtod(s, &end);
    int ok = *end == '\0' && errno != ERANGE && !isnan(*score);
    if (s != small) memFree(s);
    return ok ? 0 : -1;
}

/* Fills the sort keys; -1 if a numeric key does not parse. */
static int loadSortKeys(client *c, const sortOptions *o, sortItem *v, unsigned long n) {
    dstr keyBuf = dstrEmpty();
    int rc = 0;
    for (unsigned long j = 0; j < n; j++) {
        const char *p = v[j].ele;
        size_t len = dstrLen(v[j].ele);
        char buf[LP_INTBUF_SIZE];
        if (o->by && !lookupByPattern(c, &keyBuf, o->by, v[j].ele, &p, &len, buf)) continue;
        if (o->alpha) {
            if (o->by) v[j].cmp = dstrNewLen(p, len);
        } else if (parseScore(p, len, &v[j].score) != 0) {
            rc = -1;
        }
    }
    dstrFree(keyBuf);
    return rc;
}

static int compareBytes(const dstr a, const dstr b) {
    size_t la = dstrLen(a), lb = dstrLen(b);
    int cmp = memcmp(a, b, la < lb ? la : lb);
    if (cmp) return cmp;
    return la < lb ? -1 : (la > lb ? 1 : 0);
}

static int compareItems(const void *pa, const void *pb) {
    const sortItem *a = pa, *b = pb;
    int cmp;
    if (!sortMode.alpha) {
        if (a->score != b->score)
            cmp = a->score > b->score ? 1 : -1;
        else
            cmp = compareBytes(a->ele, b->ele);
    } else if (sortMode.byPattern) {
        if (!a->cmp || !b->cmp)
            cmp = a->cmp == b->cmp ? 0 : (a->cmp ? 1 : -1);
        else
            cmp = compareBytes(a->cmp, b->cmp);
    } else {
        cmp = compareBytes(a->ele, b->ele);
    }
    return sortMode.desc ? -cmp : cmp;
}

/* --- Output --- */

static void replyItems(client *c, const sortOptions *o, sortItem *v, long long start, long long end) {
    long long count = end - start + 1;
    replyArrayLen(c, o->getCount ? count * o->getCount : count);
    dstr keyBuf = dstrEmpty();
    for (long long j = start; j <= end; j++) {
        if (!o->getCount) replyBulkDstr(c, v[j].ele);
        for (int g = 0; g < o->getCount; g++) {
            const char *p;
            size_t len;
            char buf[LP_INTBUF_SIZE];
            if (lookupByPattern(c, &keyBuf, o->gets[g], v[j].ele, &p, &len, buf))
                replyBulk(c, p, len);
            else
                replyNull(c);
        }
    }
    dstrFree(keyBuf);
}

/* Stores the range as a list at o->store (deleting it when empty) and
 * replies with the stored length. */
static void storeItems(client *c, const sortOptions *o, sortItem *v, long long start, long long end) {
    serverDb *db = c->db;
    long long count = (end - start + 1) * (o->getCount ? o->getCount : 1);
    if (count <= 0) {
        if (dbDelete(db, o->store)) dbKeyWritten(db, o->store, NOTIFY_GENERIC, "del");
        replyLongLong(c, 0);
        return;
    }
    listValue lv = listValueNewQuicklist();
    dstr keyBuf = dstrEmpty();
    for (long long j = start; j <= end; j++) {
        if (!o->getCount) listValuePush(&lv, v[j].ele, dstrLen(v[j].ele), LIST_TAIL);
        for (int g = 0; g < o->getCount; g++) {
            const char *p = "";
            size_t len = 0;
            char buf[LP_INTBUF_SIZE];
            lookupByPattern(c, &keyBuf, o->gets[g], v[j].ele, &p, &len, buf);
            listValuePush(&lv, p, len, LIST_TAIL);
        }
    }
    dstrFree(keyBuf);
    listValueTryShrink(&lv, 0);
    dbSet(db, kvCreatePointer(o->store, dstrLen(o->store), OBJ_LIST, lv.encoding, lv.ptr, -1), 0);
    dbSignalModifiedKey(db, o->store);
    dbNotify(NOTIFY_LIST, "sortstore", o->store, db->id);
    dbMarkDirty(count);
    replyLongLong(c, count);
}

/* --- The command --- */

/* Copies the elements to sort (only the LIMIT range when nothing is
 * sorted and the value keeps its own order) and adjusts start/end to the
 * vector.  Returns the vector; *n is its length. */
static sortItem *loadItems(const kvobj *kv, const sortOptions *o, long long *start, long long *end,
                           unsigned long *n) {
    unsigned long len = valueLength(kv);
    limitRange(o, (long long)len, start, end);
    int ordered = kv && (kv->type == OBJ_LIST || kv->type == OBJ_ZSET);
    if (!ordered || !o->dontsort) {
        sortItem *v = memCalloc(sizeof(sortItem) * (len ? len : 1));
        if (!kv)
            *n = 0;
        else if (kv->type == OBJ_LIST)
            *n = loadList(kv, 0, 0, v, len);
        else if (kv->type == OBJ_SET)
            *n = loadSet(kv, v, len);
        else
            *n = loadZset(kv, 0, 0, v, len);
        return v;
    }
    unsigned long want = *end >= *start ? (unsigned long)(*end - *start + 1) : 0;
    sortItem *v = memCalloc(sizeof(sortItem) * (want ? want : 1));
    if (want) {
        if (kv->type == OBJ_LIST)
            *n = loadList(kv, (long)*start, o->desc, v, want);
        else
            *n = loadZset(kv, (unsigned long)*start, o->desc, v, want);
        *end -= *start;
        *start = 0;
    } else {
        *n = 0;
    }
    return v;
}

static void freeItems(sortItem *v, unsigned long n) {
    for (unsigned long j = 0; j < n; j++) {
        dstrFree(v[j].ele);
        if (v[j].cmp) dstrFree(v[j].cmp);
    }
    memFree(v);
}

static void sortGeneric(client *c, int readonly) {
    sortOptions o;
    if (parseOptions(c, readonly, &o) != 0) goto done;
    kvobj *kv = dbLookupRead(c->db, c->argv[1], typeReadFlags(c));
    if (kv && kv->type != OBJ_LIST && kv->type != OBJ_SET && kv->type != OBJ_ZSET) {
        replyErrorWrongType(c);
        goto done;
    }
    /* A set has no order of its own: a stored result is sorted anyway. */
    if (o.dontsort && kv && kv->type == OBJ_SET && o.store) {
        o.dontsort = 0;
        o.alpha = 1;
        o.by = NULL;
    }
    long long start, end;
    unsigned long n;
    sortItem *v = loadItems(kv, &o, &start, &end, &n);
    int bad = 0;
    if (!o.dontsort) {
        bad = loadSortKeys(c, &o, v, n) != 0;
        sortMode.desc = o.desc;
        sortMode.alpha = o.alpha;
        sortMode.byPattern = o.by != NULL;
        if (!bad && n > 1) qsort(v, n, sizeof(sortItem), compareItems);
    }
    if (bad)
        replyError(c, SORT_SCORE_ERR);
    else if (o.store)
        storeItems(c, &o, v, start, end);
    else
        replyItems(c, &o, v, start, end);
    freeItems(v, n);
done:
    memFree(o.gets);
}

static void sortCommand(client *c) { sortGeneric(c, 0); }

static void sortRoCommand(client *c) { sortGeneric(c, 1); }

const commandBinding sortCommands[] = {
    {"sort", sortCommand},
    {"sort_ro", sortRoCommand},
    {NULL, NULL},
};
