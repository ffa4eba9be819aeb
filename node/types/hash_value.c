/* hash_value.c — a hash's value in its two encodings (see hash_value.h).
 *
 * LISTPACK keeps field, value, field, value ... in order of insertion; a
 * lookup is a linear scan of the fields (lpFind skipping values), which for
 * at most hash-max-listpack-entries short elements stays within a few cache
 * lines.  An update replaces the value in place; a new field is appended.
 *
 * HASHTABLE uses the keyspace's table (node/store/hashtable.h), whose slots
 * hold one pointer per entry.  Each entry is ONE allocation with the field
 * and the value, and the pointer the table stores is the field itself, a
 * read-only dstr, so the table hashes and compares it without a key
 * accessor:
 *
 *   +------------------+--------------+-----+---------------+-------------+
 *   | dstr header      | field bytes  | NUL | value length  | value bytes |
 *   | 1/3/5/9/17 B     |              |     | varint 1-10 B |             |
 *   +------------------+--------------+-----+---------------+-------------+
 *                      ^ the entry pointer (field dstr)
 *
 * "f1" -> "val-1" takes 1+2+1+1+5 = 10 bytes, one 16-byte allocator slot,
 * where a field dstr, a value dstr and a pair struct would take three
 * allocations and about 64 bytes.  The value length is a little-endian
 * base-128 varint (7 bits a byte, high bit = more).  Changing a value
 * rewrites it in place when the allocation has room (and would not waste
 * more than it holds), otherwise a new entry replaces the old one in the
 * table (hashtableReplaceReallocatedEntry).
 *
 * Invariants: a LISTPACK has an even element count and distinct fields; a
 * HASHTABLE holds distinct fields (the table's own guarantee); neither is
 * ever empty while stored in the keyspace (the commands delete the key). */
#include "node/types/hash_value.h"

#include <assert.h>
#include <string.h>

#include "node/base/hash.h"
#include "node/base/mem.h"
#include "node/base/util.h"
#include "node/store/keyspace_cmds.h"
#include "node/types/type_util.h"

/* --- Table entries --- */

/* Header bytes before a dstr of each kind (DSTR_T5 .. DSTR_T64). */
static const unsigned char dstrHeaderBytes[] = {1, 3, 5, 9, 17};

static int fieldKind(size_t len) {
    if (len < 32) return DSTR_T5;
    if (len < 256) return DSTR_T8;
    if (len < 65536) return DSTR_T16;
    if (len <= UINT32_MAX) return DSTR_T32;
    return DSTR_T64;
}

static size_t varintSize(uint64_t v) {
    size_t n = 1;
    while (v >= 128) {
        v >>= 7;
        n++;
    }
    return n;
}

static unsigned char *varintWrite(unsigned char *p, uint64_t v) {
    while (v >= 128) {
        *p++ = (unsigned char)((v & 127) | 128);
        v >>= 7;
    }
    *p++ = (unsigned char)v;
    return p;
}

static const unsigned char *varintRead(const unsigned char *p, uint64_t *v) {
    uint64_t r = 0;
    unsigned shift = 0;
    while (*p & 128) {
        r |= (uint64_t)(*p++ & 127) << shift;
        shift += 7;
    }
    *v = r | (uint64_t)*p++ << shift;
    return p;
}

/* Writes a read-only dstr (no spare room) at dst; returns the dstr. */
static dstr writeField(char *dst, const char *f, size_t flen) {
    int kind = fieldKind(flen);
    if (kind <= DSTR_T8) return dstrWriteEmbedded(dst, f, flen);
    char *s = dst + dstrHeaderBytes[kind];
    if (kind == DSTR_T16) {
        DSTR_HDR(16, s)->len = DSTR_HDR(16, s)->alloc = (uint16_t)flen;
    } else if (kind == DSTR_T32) {
        DSTR_HDR(32, s)->len = DSTR_HDR(32, s)->alloc = (uint32_t)flen;
    } else {
        DSTR_HDR(64, s)->len = DSTR_HDR(64, s)->alloc = flen;
    }
    s[-1] = (char)kind;
    memcpy(s, f, flen);
    s[flen] = '\0';
    return s;
}

static char *entryAlloc(const void *entry) {
    const char *s = entry;
    return (char *)s - dstrHeaderBytes[s[-1] & DSTR_TYPE_MASK];
}

/* Where the value length starts. */
static unsigned char *entryValueStart(const void *entry) {
    return (unsigned char *)entry + dstrLen((const dstr)entry) + 1;
}

static size_t entryBytes(size_t flen, size_t vlen) {
    return dstrHeaderBytes[fieldKind(flen)] + flen + 1 + varintSize(vlen) + vlen;
}

static void *entryCreate(const char *f, size_t flen, const char *v, size_t vlen) {
    char *mem = memAlloc(entryBytes(flen, vlen));
    dstr field = writeField(mem, f, flen);
    unsigned char *p = varintWrite(entryValueStart(field), vlen);
    if (vlen) memcpy(p, v, vlen);
    return field;
}

static void entryFree(void *entry) { memFree(entryAlloc(entry)); }

static size_t entryUsedBytes(const void *entry) {
    size_t vlen;
    hashEntryValue(entry, &vlen);
    return entryBytes(dstrLen((const dstr)entry), vlen);
}

/* Rewrites the value inside the entry's allocation if it fits without
 * leaving more slack than it uses; returns 1 if done. */
static int entrySetValueInPlace(void *entry, const char *v, size_t vlen) {
    char *mem = entryAlloc(entry);
    unsigned char *p = entryValueStart(entry);
    size_t need = (size_t)((char *)p - mem) + varintSize(vlen) + vlen;
    size_t usable = memUsableSize(mem);
    if (need > usable || usable - need > need) return 0;
    p = varintWrite(p, vlen);
    if (vlen) memmove(p, v, vlen);
    return 1;
}

dstr hashEntryField(const void *entry) { return (dstr)entry; }

const char *hashEntryValue(const void *entry, size_t *len) {
    uint64_t n;
    const unsigned char *p = varintRead(entryValueStart(entry), &n);
    *len = (size_t)n;
    return (const char *)p;
}

void hashEntryPair(const void *entry, lpEntry *field, lpEntry *value) {
    field->sval = (const unsigned char *)entry;
    field->slen = (uint32_t)dstrLen((const dstr)entry);
    if (value) {
        size_t vlen;
        value->sval = (const unsigned char *)hashEntryValue(entry, &vlen);
        value->slen = (uint32_t)vlen;
    }
}

const char *hashElementBytes(const lpEntry *e, char *buf, size_t *len) {
    if (e->sval) {
        *len = e->slen;
        return (const char *)e->sval;
    }
    *len = (size_t)ll2string(buf, LP_INTBUF_SIZE, e->lval);
    return buf;
}

/* --- The field table --- */

static uint64_t fieldHash(const void *key) { return hashBytes(key, dstrLen((const dstr)key)); }

static int fieldCompare(const void *a, const void *b) {
    size_t la = dstrLen((const dstr)a), lb = dstrLen((const dstr)b);
    return la != lb || memcmp(a, b, la) != 0;
}

static hashtableType fieldTableType = {
    .hashFunction = fieldHash,
    .keyCompare = fieldCompare,
    .entryDestructor = entryFree,
};

/* A lookup key: the table compares dstrs, so raw bytes are given a dstr
 * header, on the stack when short. */
typedef struct lookupKey {
    char buf[256 + 3];
    dstr heap;
    dstr key;
} lookupKey;

static dstr keyMake(lookupKey *k, const char *f, size_t flen) {
    k->heap = NULL;
    if (flen < 256) {
        k->key = dstrWriteEmbedded(k->buf, f, flen);
    } else {
        k->key = k->heap = dstrNewLen(f, flen);
    }
    return k->key;
}

static void keyDone(lookupKey *k) {
    if (k->heap) dstrFree(k->heap);
}

static int tableGet(hashtable *ht, const char *f, size_t flen, lpEntry *value) {
    lookupKey k;
    void *entry;
    int found = hashtableFind(ht, keyMake(&k, f, flen), &entry);
    keyDone(&k);
    if (found && value) hashEntryPair(entry, &(lpEntry){0}, value);
    return found;
}

static int tableSet(hashtable *ht, const char *f, size_t flen, const char *v, size_t vlen) {
    lookupKey k;
    hashtablePosition pos;
    void *existing;
    int added = hashtableFindPositionForInsert(ht, keyMake(&k, f, flen), &pos, &existing);
    keyDone(&k);
    if (added) {
        hashtableInsertAtPosition(ht, entryCreate(f, flen, v, vlen), &pos);
        return 1;
    }
    if (!entrySetValueInPlace(existing, v, vlen)) {
        void *fresh = entryCreate(f, flen, v, vlen);
        int replaced = hashtableReplaceReallocatedEntry(ht, existing, fresh);
        assert(replaced);
        (void)replaced;
        entryFree(existing);
    }
    return 0;
}

static int tableDelete(hashtable *ht, const char *f, size_t flen) {
    lookupKey k;
    int deleted = hashtableDelete(ht, keyMake(&k, f, flen));
    keyDone(&k);
    return deleted;
}

static size_t tableMemUsage(hashtable *ht) {
    enum { SAMPLES = 64 };
    size_t size = hashtableMemUsage(ht), n = hashtableSize(ht), seen = 0, bytes = 0;
    hashtableIterator it;
    void *e;
    hashtableInitIterator(&it, ht, 0);
    while (seen < SAMPLES && hashtableNext(&it, &e)) {
        bytes += memUsableSize(entryAlloc(e));
        seen++;
    }
    hashtableResetIterator(&it);
    if (seen) size += bytes * n / seen;
    return size;
}

static hashtable *tableDup(hashtable *src) {
    hashtable *ht = hashtableCreate(&fieldTableType);
    hashtableExpand(ht, hashtableSize(src));
    hashtableIterator it;
    void *e;
    hashtableInitIterator(&it, src, 0);
    while (hashtableNext(&it, &e)) {
        size_t hdr = dstrHeaderBytes[((const char *)e)[-1] & DSTR_TYPE_MASK];
        char *copy = memDup(entryAlloc(e), entryUsedBytes(e));
        hashtableAdd(ht, copy + hdr);
    }
    hashtableResetIterator(&it);
    return ht;
}

/* --- Listpack --- */

static unsigned char *lpFindField(unsigned char *lp, const char *f, size_t flen) {
    unsigned char *p = lpFirst(lp);
    return p ? lpFind(lp, p, f, flen, 1) : NULL;
}

/* Any write checks the entry limit, an update too: a limit lowered by
 * CONFIG SET converts on the next write (as Valkey). */
static int listpackSet(hashValue *h, const char *f, size_t flen, const char *v, size_t vlen) {
    unsigned char *lp = h->ptr, *fp = lpFindField(lp, f, flen);
    int added = fp == NULL;
    if (fp) {
        unsigned char *vp = lpNext(lp, fp);
        lp = lpReplace(lp, &vp, v, vlen);
    } else {
        lp = lpAppend(lp, f, flen);
        if (lp) lp = lpAppend(lp, v, vlen);
    }
    assert(lp != NULL); /* lpSafeToAdd was checked */
    h->ptr = lp;
    if (lpLength(lp) / 2 > (unsigned long long)typeGetSettings()->hashMaxListpackEntries)
        hashValueConvert(h);
    return added;
}

static int listpackDelete(hashValue *h, const char *f, size_t flen) {
    unsigned char *lp = h->ptr, *fp = lpFindField(lp, f, flen);
    if (!fp) return 0;
    h->ptr = lpDeleteRangeWithEntry(lp, &fp, 2);
    return 1;
}

/* --- The value API --- */

hashValue hashValueOf(const kvobj *kv) {
    hashValue h = {kv->encoding, kvGetPtr(kv)};
    return h;
}

void hashValueInit(hashValue *h) {
    h->encoding = OBJ_ENCODING_LISTPACK;
    h->ptr = lpNew(0);
}

void hashValueRelease(hashValue *h) {
    if (h->encoding == OBJ_ENCODING_LISTPACK)
        lpFree(h->ptr);
    else
        hashtableRelease(h->ptr);
    h->ptr = NULL;
}

unsigned long hashValueLength(const hashValue *h) {
    if (h->encoding == OBJ_ENCODING_LISTPACK) return lpLength(h->ptr) / 2;
    return (unsigned long)hashtableSize(h->ptr);
}

size_t hashValueMemUsage(const hashValue *h) {
    if (h->encoding == OBJ_ENCODING_LISTPACK) return memUsableSize(h->ptr);
    return tableMemUsage(h->ptr);
}

hashValue hashValueDup(const hashValue *h) {
    hashValue d = {h->encoding, NULL};
    if (h->encoding == OBJ_ENCODING_LISTPACK)
        d.ptr = memDup(h->ptr, lpBytes(h->ptr));
    else
        d.ptr = tableDup(h->ptr);
    return d;
}

int hashValueGet(const hashValue *h, const char *field, size_t flen, lpEntry *value) {
    if (h->encoding == OBJ_ENCODING_HASHTABLE) return tableGet(h->ptr, field, flen, value);
    unsigned char *lp = h->ptr, *fp = lpFindField(lp, field, flen);
    if (!fp) return 0;
    if (value) lpGetEntry(lpNext(lp, fp), value);
    return 1;
}

int hashValueSet(hashValue *h, const char *field, size_t flen, const char *value, size_t vlen) {
    if (h->encoding == OBJ_ENCODING_LISTPACK) {
        size_t max = (size_t)typeGetSettings()->hashMaxListpackValue;
        if (flen <= max && vlen <= max && lpSafeToAdd(h->ptr, flen + vlen))
            return listpackSet(h, field, flen, value, vlen);
        hashValueConvert(h);
    }
    return tableSet(h->ptr, field, flen, value, vlen);
}

int hashValueDelete(hashValue *h, const char *field, size_t flen) {
    if (h->encoding == OBJ_ENCODING_LISTPACK) return listpackDelete(h, field, flen);
    return tableDelete(h->ptr, field, flen);
}

void hashValuePrepare(hashValue *h, size_t pairs, size_t maxLen, size_t totalLen) {
    typeSettings *s = typeGetSettings();
    if (h->encoding == OBJ_ENCODING_LISTPACK) {
        if (pairs <= (size_t)s->hashMaxListpackEntries && maxLen <= (size_t)s->hashMaxListpackValue &&
            lpSafeToAdd(h->ptr, totalLen))
            return;
        hashValueConvert(h);
    }
    hashtableExpand(h->ptr, hashtableSize(h->ptr) + pairs);
}

void hashValueConvert(hashValue *h) {
    if (h->encoding != OBJ_ENCODING_LISTPACK) return;
    hashtable *ht = hashtableCreate(&fieldTableType);
    hashtableExpand(ht, hashValueLength(h));
    hashValueIter it;
    lpEntry f, v;
    hashValueIterInit(&it, h);
    while (hashValueIterNext(&it, &f, &v)) {
        char fbuf[LP_INTBUF_SIZE], vbuf[LP_INTBUF_SIZE];
        size_t flen, vlen;
        const char *fb = hashElementBytes(&f, fbuf, &flen), *vb = hashElementBytes(&v, vbuf, &vlen);
        void *entry = entryCreate(fb, flen, vb, vlen);
        /* Fields are distinct (loaders check: hashValueListpackIsValid). */
        int added = hashtableAdd(ht, entry);
        assert(added);
        (void)added;
    }
    hashValueIterReset(&it);
    lpFree(h->ptr);
    h->ptr = ht;
    h->encoding = OBJ_ENCODING_HASHTABLE;
}

void hashValueConvertIfNeeded(hashValue *h) {
    if (h->encoding != OBJ_ENCODING_LISTPACK) return;
    typeSettings *s = typeGetSettings();
    if (hashValueLength(h) > (unsigned long long)s->hashMaxListpackEntries) {
        hashValueConvert(h);
        return;
    }
    unsigned char *lp = h->ptr;
    for (unsigned char *p = lpFirst(lp); p; p = lpNext(lp, p)) {
        lpEntry e;
        lpGetEntry(p, &e);
        if (e.sval && e.slen > (unsigned long long)s->hashMaxListpackValue) {
            hashValueConvert(h);
            return;
        }
    }
}

/* Deep check of one element, collecting fields (even positions) into a
 * set to find duplicates. */
typedef struct validateState {
    hashtable *fields;
    unsigned long index;
} validateState;

static int validateElement(unsigned char *p, unsigned int headerCount, void *userdata) {
    (void)headerCount;
    validateState *st = userdata;
    if (st->index++ % 2) return 1;
    lpEntry e;
    char buf[LP_INTBUF_SIZE];
    size_t len;
    lpGetEntry(p, &e);
    const char *bytes = hashElementBytes(&e, buf, &len);
    void *entry = entryCreate(bytes, len, NULL, 0);
    if (hashtableAdd(st->fields, entry)) return 1;
    entryFree(entry);
    return 0;
}

int hashValueListpackIsValid(unsigned char *lp, size_t size) {
    validateState st = {hashtableCreate(&fieldTableType), 0};
    int ok = lpValidateIntegrity(lp, size, 1, validateElement, &st) && st.index % 2 == 0 &&
             st.index > 0;
    hashtableRelease(st.fields);
    return ok;
}

/* --- Iteration --- */

void hashValueIterInit(hashValueIter *it, const hashValue *h) {
    it->h = *h;
    if (h->encoding == OBJ_ENCODING_LISTPACK)
        it->p = lpFirst(h->ptr);
    else
        hashtableInitIterator(&it->ht, h->ptr, 0);
}

int hashValueIterNext(hashValueIter *it, lpEntry *field, lpEntry *value) {
    if (it->h.encoding == OBJ_ENCODING_HASHTABLE) {
        void *e;
        if (!hashtableNext(&it->ht, &e)) return 0;
        hashEntryPair(e, field, value);
        return 1;
    }
    if (!it->p) return 0;
    unsigned char *lp = it->h.ptr, *vp = lpNext(lp, it->p);
    lpGetEntry(it->p, field);
    if (value) lpGetEntry(vp, value);
    it->p = lpNext(lp, vp);
    return 1;
}

void hashValueIterReset(hashValueIter *it) {
    if (it->h.encoding == OBJ_ENCODING_HASHTABLE) hashtableResetIterator(&it->ht);
}

/* --- Registration with kvobj and the keyspace --- */

static void freeListpack(void *ptr) { lpFree(ptr); }
static void freeTable(void *ptr) { hashtableRelease(ptr); }
static size_t sizeListpack(const void *ptr) { return memUsableSize(ptr); }
static size_t sizeTable(const void *ptr) { return tableMemUsage((hashtable *)ptr); }
static void *dupListpack(const void *ptr) { return memDup(ptr, lpBytes(ptr)); }
static void *dupTable(const void *ptr) { return tableDup((hashtable *)ptr); }

void hashValueRegister(void) {
    kvRegisterValueType(OBJ_HASH, OBJ_ENCODING_LISTPACK, freeListpack, sizeListpack);
    kvRegisterValueType(OBJ_HASH, OBJ_ENCODING_HASHTABLE, freeTable, sizeTable);
    keyspaceRegisterValueDup(OBJ_HASH, OBJ_ENCODING_LISTPACK, dupListpack);
    keyspaceRegisterValueDup(OBJ_HASH, OBJ_ENCODING_HASHTABLE, dupTable);
}
