/* set_value.c — a set in one of three encodings (see set_value.h): a
 * sorted intset while every member is an integer and the set is small, an
 * unsorted listpack while it is small, a hashtable of dstr members beyond.
 *
 * Why three: an intset is the most compact (2-8 bytes a member) and finds a
 * member by binary search; a listpack holds short strings with 2-3 bytes of
 * overhead each but finds a member by a linear scan, which stays cheap only
 * below set-max-listpack-entries; the hashtable costs a pointer plus a dstr
 * allocation per member but finds any member in O(1).
 *
 * Invariants: an INTSET holds only canonical int64 values and at most
 * min(set-max-intset-entries, 2^30) of them as of its last add; a LISTPACK
 * holds distinct members (integers stored as listpack integers, as lpAppend
 * does); a HASHTABLE holds distinct dstr members.  Conversion only goes
 * towards the hashtable, except setValueMaybeToIntset, which the STORE
 * commands call on a freshly built result.
 *
 * Lookups in the hashtable need a dstr key: a member given as bytes is
 * copied into a stack buffer with an embedded dstr header (up to 255
 * bytes), or into a heap dstr when longer. */
#include "node/types/set_value.h"

#include <assert.h>
#include <string.h>

#include "node/base/hash.h"
#include "node/base/mem.h"
#include "node/base/rand.h"
#include "node/base/util.h"
#include "node/types/intset.h"
#include "node/types/listpack.h"
#include "node/types/type_util.h"

/* --- Hashtable of dstr members --- */

static uint64_t memberHash(const void *key) { return hashBytes(key, dstrLen((const dstr)key)); }

static int memberCompare(const void *a, const void *b) {
    size_t la = dstrLen((const dstr)a), lb = dstrLen((const dstr)b);
    return la != lb || memcmp(a, b, la) != 0;
}

static void memberDestructor(void *entry) { dstrFree(entry); }

hashtableType setHashtableType = {
    .hashFunction = memberHash,
    .keyCompare = memberCompare,
    .entryDestructor = memberDestructor,
};

/* A dstr with the bytes of a member for a table lookup: in buf when short
 * enough (TMPKEY_BUF bytes), else on the heap (release with tmpKeyFree). */
#define TMPKEY_BUF 264
static dstr tmpKeyMake(char *buf, const char *str, size_t len) {
    if (len < 256) return dstrWriteEmbedded(buf, str, len);
    return dstrNewLen(str, len);
}

static void tmpKeyFree(dstr key, size_t len) {
    if (len >= 256) dstrFree(key);
}

/* --- Thresholds --- */

static unsigned long long intsetMaxEntries(void) {
    long long n = typeGetSettings()->setMaxIntsetEntries;
    if (n < 0) n = 0;
    return n >= (1LL << 30) ? (1ULL << 30) : (unsigned long long)n;
}

static unsigned long long listpackMaxEntries(void) {
    long long n = typeGetSettings()->setMaxListpackEntries;
    return n < 0 ? 0 : (unsigned long long)n;
}

static unsigned long long listpackMaxValue(void) {
    long long n = typeGetSettings()->setMaxListpackValue;
    return n < 0 ? 0 : (unsigned long long)n;
}

/* Length of the decimal form of v, sign included. */
static size_t decimalLen(long long v) {
    return v < 0 ? digits10((uint64_t)0 - (uint64_t)v) + 1 : digits10((uint64_t)v);
}

/* --- Creating and releasing --- */

static hashtable *newTable(size_t cap) {
    hashtable *ht = hashtableCreate(&setHashtableType);
    if (cap) hashtableExpand(ht, cap);
    return ht;
}

setValue setValueCreateIntset(void) { return (setValue){OBJ_ENCODING_INTSET, intsetNew()}; }

setValue setValueCreate(const char *first, size_t firstLen, size_t sizeHint) {
    long long v;
    if (first && string2ll(first, firstLen, &v) && sizeHint <= intsetMaxEntries())
        return setValueCreateIntset();
    if (sizeHint <= listpackMaxEntries()) return (setValue){OBJ_ENCODING_LISTPACK, lpNew(0)};
    return (setValue){OBJ_ENCODING_HASHTABLE, newTable(sizeHint)};
}

void setValueFree(setValue *s) {
    switch (s->encoding) {
    case OBJ_ENCODING_INTSET: intsetFree(s->ptr); break;
    case OBJ_ENCODING_LISTPACK: lpFree(s->ptr); break;
    case OBJ_ENCODING_HASHTABLE: hashtableRelease(s->ptr); break;
    default: assert(0 && "unknown set encoding");
    }
    s->ptr = NULL;
}

setValue setValueDup(const setValue *s) {
    switch (s->encoding) {
    case OBJ_ENCODING_INTSET:
        return (setValue){s->encoding, memDup(s->ptr, intsetBlobLen(s->ptr))};
    case OBJ_ENCODING_LISTPACK: return (setValue){s->encoding, memDup(s->ptr, lpBytes(s->ptr))};
    default: break;
    }
    assert(s->encoding == OBJ_ENCODING_HASHTABLE);
    hashtable *ht = newTable(hashtableSize(s->ptr));
    hashtableIterator it;
    void *entry;
    hashtableInitIterator(&it, s->ptr, 0);
    while (hashtableNext(&it, &entry)) hashtableAdd(ht, dstrDup(entry));
    hashtableResetIterator(&it);
    return (setValue){OBJ_ENCODING_HASHTABLE, ht};
}

setValue setValueOf(const kvobj *kv) { return (setValue){kv->encoding, kvGetPtr(kv)}; }

/* --- Size --- */

unsigned long setValueLen(const setValue *s) {
    switch (s->encoding) {
    case OBJ_ENCODING_INTSET: return intsetLen(s->ptr);
    case OBJ_ENCODING_LISTPACK: return lpLength(s->ptr);
    default: return hashtableSize(s->ptr);
    }
}

size_t setValueMemUsage(const setValue *s) {
    switch (s->encoding) {
    case OBJ_ENCODING_INTSET: return intsetBlobLen(s->ptr);
    case OBJ_ENCODING_LISTPACK: return lpBytes(s->ptr);
    default: break;
    }
    /* O(n): MEMORY USAGE is the only caller. */
    size_t total = hashtableMemUsage(s->ptr);
    hashtableIterator it;
    void *entry;
    hashtableInitIterator(&it, s->ptr, 0);
    while (hashtableNext(&it, &entry)) total += dstrAllocSize(entry);
    hashtableResetIterator(&it);
    return total;
}

/* --- Conversions --- */

static unsigned char *listpackFrom(const setValue *s, size_t cap) {
    unsigned char *lp = lpNew(cap * 2);
    setIter it;
    setMember m;
    setIterInit(&it, s);
    while (setIterNext(&it, &m))
        lp = m.str ? lpAppend(lp, m.str, m.len) : lpAppendInteger(lp, m.ll);
    setIterReset(&it);
    return lp;
}

static hashtable *tableFrom(const setValue *s, size_t cap) {
    hashtable *ht = newTable(cap);
    setIter it;
    setMember m;
    setIterInit(&it, s);
    while (setIterNext(&it, &m)) {
        int added = hashtableAdd(ht, setMemberToDstr(&m));
        assert(added);
        (void)added;
    }
    setIterReset(&it);
    return ht;
}

void setValueConvert(setValue *s, int encoding, size_t cap) {
    assert(s->encoding != encoding && s->encoding != OBJ_ENCODING_HASHTABLE);
    void *converted;
    if (encoding == OBJ_ENCODING_LISTPACK) {
        converted = listpackFrom(s, cap);
    } else {
        assert(encoding == OBJ_ENCODING_HASHTABLE);
        converted = tableFrom(s, cap);
    }
    setValueFree(s);
    s->encoding = encoding;
    s->ptr = converted;
}

void setValueMaybeConvert(setValue *s, size_t sizeHint) {
    if ((s->encoding == OBJ_ENCODING_LISTPACK && sizeHint > listpackMaxEntries()) ||
        (s->encoding == OBJ_ENCODING_INTSET && sizeHint > intsetMaxEntries()))
        setValueConvert(s, OBJ_ENCODING_HASHTABLE, sizeHint);
}

void setValueMaybeToIntset(setValue *s) {
    if (s->encoding == OBJ_ENCODING_INTSET || setValueLen(s) > intsetMaxEntries()) return;
    intset *is = intsetNew();
    setIter it;
    setMember m;
    setIterInit(&it, s);
    while (setIterNext(&it, &m)) {
        long long v = m.ll;
        if (m.str && !string2ll(m.str, m.len, &v)) {
            setIterReset(&it);
            intsetFree(is);
            return;
        }
        is = intsetAdd(is, v, NULL);
    }
    setIterReset(&it);
    setValueFree(s);
    s->encoding = OBJ_ENCODING_INTSET;
    s->ptr = is;
}

/* --- Adding --- */

static int tableAdd(hashtable *ht, const char *str, size_t len) {
    char buf[TMPKEY_BUF];
    dstr key = tmpKeyMake(buf, str, len);
    hashtablePosition pos;
    void *existing;
    int absent = hashtableFindPositionForInsert(ht, key, &pos, &existing);
    if (absent) hashtableInsertAtPosition(ht, dstrNewLen(str, len), &pos);
    tmpKeyFree(key, len);
    return absent;
}

static int intsetAddChecked(setValue *s, long long v) {
    int added = 0;
    s->ptr = intsetAdd(s->ptr, v, &added);
    if (added && intsetLen(s->ptr) > intsetMaxEntries())
        setValueConvert(s, OBJ_ENCODING_HASHTABLE, intsetLen(s->ptr));
    return added;
}

/* A string that is not an integer joins an intset: the set becomes a
 * listpack when everything (the widest integer included) fits its limits,
 * a hashtable otherwise. */
static int intsetAddString(setValue *s, const char *str, size_t len) {
    unsigned long n = intsetLen(s->ptr);
    size_t widest = len, estimate = len;
    if (n) {
        size_t a = decimalLen(intsetMin(s->ptr)), b = decimalLen(intsetMax(s->ptr));
        if (a > widest) widest = a;
        if (b > widest) widest = b;
        estimate += (size_t)n * 10; /* an integer entry takes at most 10 bytes */
    }
    if (n < listpackMaxEntries() && widest <= listpackMaxValue() && lpSafeToAdd(NULL, estimate)) {
        setValueConvert(s, OBJ_ENCODING_LISTPACK, n + 1);
        s->ptr = lpShrinkToFit(lpAppend(s->ptr, str, len));
    } else {
        setValueConvert(s, OBJ_ENCODING_HASHTABLE, n + 1);
        tableAdd(s->ptr, str, len);
    }
    return 1;
}

static int listpackAdd(setValue *s, const char *str, size_t len) {
    unsigned char *lp = s->ptr;
    unsigned char *p = lpFirst(lp);
    if (p && lpFind(lp, p, str, len, 0)) return 0;
    unsigned long n = lpLength(lp);
    if (n < listpackMaxEntries() && len <= listpackMaxValue() && lpSafeToAdd(lp, len + 10)) {
        s->ptr = lpAppend(lp, str, len);
    } else {
        setValueConvert(s, OBJ_ENCODING_HASHTABLE, n + 1);
        tableAdd(s->ptr, str, len);
    }
    return 1;
}

int setValueAdd(setValue *s, const char *str, size_t len) {
    long long v;
    switch (s->encoding) {
    case OBJ_ENCODING_INTSET:
        if (string2ll(str, len, &v)) return intsetAddChecked(s, v);
        return intsetAddString(s, str, len);
    case OBJ_ENCODING_LISTPACK: return listpackAdd(s, str, len);
    default: return tableAdd(s->ptr, str, len);
    }
}

int setValueAddInt(setValue *s, long long v) {
    if (s->encoding == OBJ_ENCODING_INTSET) return intsetAddChecked(s, v);
    char buf[LP_INTBUF_SIZE];
    int len = ll2string(buf, sizeof(buf), v);
    return setValueAdd(s, buf, (size_t)len);
}

int setValueAddMember(setValue *s, const setMember *m) {
    return m->str ? setValueAdd(s, m->str, m->len) : setValueAddInt(s, m->ll);
}

/* --- Removing and finding --- */

int setValueRemove(setValue *s, const char *str, size_t len) {
    long long v;
    if (s->encoding == OBJ_ENCODING_INTSET) {
        int removed = 0;
        if (string2ll(str, len, &v)) s->ptr = intsetRemove(s->ptr, v, &removed);
        return removed;
    }
    if (s->encoding == OBJ_ENCODING_LISTPACK) {
        unsigned char *lp = s->ptr;
        unsigned char *p = lpFirst(lp);
        if (p) p = lpFind(lp, p, str, len, 0);
        if (!p) return 0;
        s->ptr = lpDelete(lp, p, NULL);
        return 1;
    }
    char buf[TMPKEY_BUF];
    dstr key = tmpKeyMake(buf, str, len);
    int removed = hashtableDelete(s->ptr, key);
    tmpKeyFree(key, len);
    return removed;
}

int setValueRemoveMember(setValue *s, const setMember *m) {
    if (m->str) return setValueRemove(s, m->str, m->len);
    if (s->encoding == OBJ_ENCODING_INTSET) {
        int removed = 0;
        s->ptr = intsetRemove(s->ptr, m->ll, &removed);
        return removed;
    }
    char buf[LP_INTBUF_SIZE];
    int len = ll2string(buf, sizeof(buf), m->ll);
    return setValueRemove(s, buf, (size_t)len);
}

int setValueContains(const setValue *s, const char *str, size_t len) {
    long long v;
    if (s->encoding == OBJ_ENCODING_INTSET) return string2ll(str, len, &v) && intsetFind(s->ptr, v);
    if (s->encoding == OBJ_ENCODING_LISTPACK) {
        unsigned char *lp = s->ptr;
        unsigned char *p = lpFirst(lp);
        return p && lpFind(lp, p, str, len, 0) != NULL;
    }
    char buf[TMPKEY_BUF];
    dstr key = tmpKeyMake(buf, str, len);
    void *found;
    int present = hashtableFind(s->ptr, key, &found);
    tmpKeyFree(key, len);
    return present;
}

int setValueContainsMember(const setValue *s, const setMember *m) {
    if (m->str) return setValueContains(s, m->str, m->len);
    if (s->encoding == OBJ_ENCODING_INTSET) return intsetFind(s->ptr, m->ll);
    char buf[LP_INTBUF_SIZE];
    int len = ll2string(buf, sizeof(buf), m->ll);
    return setValueContains(s, buf, (size_t)len);
}

/* --- Random members --- */

static void memberFromListpack(unsigned char *p, setMember *m) {
    lpEntry e;
    lpGetEntry(p, &e);
    m->str = (const char *)e.sval;
    m->len = e.sval ? e.slen : 0;
    m->ll = e.lval;
}

void setValueRandom(const setValue *s, setMember *m) {
    assert(setValueLen(s) > 0);
    if (s->encoding == OBJ_ENCODING_INTSET) {
        m->str = NULL;
        m->ll = intsetRandom(s->ptr);
    } else if (s->encoding == OBJ_ENCODING_LISTPACK) {
        unsigned long n = lpLength(s->ptr);
        memberFromListpack(lpSeek(s->ptr, (long)randBelow(n)), m);
    } else {
        void *entry;
        hashtableFairRandomEntry(s->ptr, &entry);
        m->str = entry;
        m->len = dstrLen(entry);
    }
}

dstr setValuePopRandom(setValue *s) {
    setMember m;
    setValueRandom(s, &m);
    dstr member = setMemberToDstr(&m);
    if (m.str) {
        setValueRemove(s, member, dstrLen(member));
    } else {
        setValueRemoveMember(s, &m);
    }
    return member;
}

/* --- Iteration --- */

void setIterInit(setIter *it, const setValue *s) {
    it->set = *s;
    it->index = 0;
    it->lpPos = NULL;
    it->started = 0;
    if (s->encoding == OBJ_ENCODING_HASHTABLE) hashtableInitIterator(&it->hti, s->ptr, 0);
}

int setIterNext(setIter *it, setMember *m) {
    if (it->set.encoding == OBJ_ENCODING_INTSET) {
        int64_t v;
        if (!intsetGet(it->set.ptr, (uint32_t)it->index, &v)) return 0;
        it->index++;
        m->str = NULL;
        m->len = 0;
        m->ll = v;
        return 1;
    }
    if (it->set.encoding == OBJ_ENCODING_LISTPACK) {
        unsigned char *lp = it->set.ptr;
        it->lpPos = it->started ? (it->lpPos ? lpNext(lp, it->lpPos) : NULL) : lpFirst(lp);
        it->started = 1;
        if (!it->lpPos) return 0;
        memberFromListpack(it->lpPos, m);
        return 1;
    }
    void *entry;
    if (!hashtableNext(&it->hti, &entry)) return 0;
    m->str = entry;
    m->len = dstrLen(entry);
    m->ll = 0;
    return 1;
}

void setIterReset(setIter *it) {
    if (it->set.encoding == OBJ_ENCODING_HASHTABLE) hashtableResetIterator(&it->hti);
}

dstr setMemberToDstr(const setMember *m) {
    return m->str ? dstrNewLen(m->str, m->len) : dstrFromLongLong(m->ll);
}
