/* kvobj.c — keyspace entries (layout in kvobj.h).
 *
 * An entry is sized exactly for what it holds: the TTL field exists only
 * when KV_FLAG_TTL is set, the key is an embedded read-only dstr, and the
 * value is either embedded (EMBSTR, INT) or a pointer.  Offsets are computed
 * from the flags and the key's dstr header on every access; that is a few
 * instructions and buys 8-16 bytes per key over a fixed layout. */
#include "node/store/kvobj.h"

#include <assert.h>
#include <string.h>

#include "node/base/mem.h"
#include "node/base/util.h"

#define KV_HDR_SIZE (offsetof(kvobj, data))
#define KV_MAX_TYPE 16
#define KV_MAX_ENCODING 16

static struct {
    kvValueFree freeFn;
    kvValueSize sizeFn;
} valueTypes[KV_MAX_TYPE][KV_MAX_ENCODING];

void kvRegisterValueType(int type, int encoding, kvValueFree freeFn, kvValueSize sizeFn) {
    assert(type < KV_MAX_TYPE && encoding < KV_MAX_ENCODING);
    valueTypes[type][encoding].freeFn = freeFn;
    valueTypes[type][encoding].sizeFn = sizeFn;
}

/* The key is an embedded dstr: a 1 or 3 byte header below 256 bytes, T16 or
 * T32 beyond (keys can be up to 512 MB). */
static size_t keyFieldSize(size_t keylen) { return dstrEmbeddedSize(keylen); }

static dstr writeKey(char *dst, const char *key, size_t keylen) { return dstrWriteEmbedded(dst, key, keylen); }

static size_t ttlSize(const kvobj *kv) { return (kv->flags & KV_FLAG_TTL) ? sizeof(long long) : 0; }

/* Header size of the embedded key, by the kind stored in the flags. */
static const uint8_t keyHeaderBytes[4] = {1, sizeof(struct dstrHdr8), sizeof(struct dstrHdr16),
                                          sizeof(struct dstrHdr32)};

static int keyHeaderKind(size_t keylen) {
    if (keylen < 32) return 0;
    if (keylen < 256) return 1;
    return keylen < 65536 ? 2 : 3;
}

dstr kvKey(const kvobj *kv) {
    int kind = (kv->flags >> KV_KEYHDR_SHIFT) & 3;
    return (dstr)(kv->data + ttlSize(kv) + keyHeaderBytes[kind]);
}

/* Where the value starts: right after the key's NUL. */
static char *valuePtr(const kvobj *kv) {
    dstr key = kvKey(kv);
    return key + dstrLen(key) + 1;
}

static kvobj *allocEntry(const char *key, size_t keylen, long long expire, size_t valueSize,
                         int type, int encoding) {
    int hasTtl = expire != -1;
    size_t size = KV_HDR_SIZE + (hasTtl ? sizeof(long long) : 0) + keyFieldSize(keylen) + valueSize;
    kvobj *kv = memAlloc(size);
    kv->type = type;
    kv->encoding = encoding;
    kv->lru = 0;
    kv->flags = (uint8_t)((hasTtl ? KV_FLAG_TTL : 0) | (keyHeaderKind(keylen) << KV_KEYHDR_SHIFT));
    if (hasTtl) memcpy(kv->data, &expire, sizeof(expire));
    writeKey(kv->data + (hasTtl ? sizeof(long long) : 0), key, keylen);
    return kv;
}

kvobj *kvCreateInt(const char *key, size_t keylen, long long value, long long expire) {
    kvobj *kv = allocEntry(key, keylen, expire, sizeof(long long), OBJ_STRING, OBJ_ENCODING_INT);
    memcpy(valuePtr(kv), &value, sizeof(value));
    return kv;
}

/* The total-bytes field that opens every listpack (little endian). */
static size_t listpackBytes(const void *lp) {
    const unsigned char *p = lp;
    return (size_t)p[0] | (size_t)p[1] << 8 | (size_t)p[2] << 16 | (size_t)p[3] << 24;
}

static size_t fixedSize(size_t keylen, int hasTtl) {
    return KV_HDR_SIZE + (hasTtl ? sizeof(long long) : 0) + keyFieldSize(keylen);
}

static int embeddable(size_t fixed, int encoding, const void *ptr) {
    return encoding == OBJ_ENCODING_LISTPACK && fixed + listpackBytes(ptr) <= KV_EMBED_LISTPACK_LIMIT;
}

kvobj *kvCreatePointer(const char *key, size_t keylen, int type, int encoding, void *ptr,
                       long long expire) {
    if (embeddable(fixedSize(keylen, expire != -1), encoding, ptr)) {
        size_t n = listpackBytes(ptr);
        kvobj *kv = allocEntry(key, keylen, expire, n, type, encoding);
        kv->flags |= KV_FLAG_VALUE_EMBEDDED;
        memcpy(valuePtr(kv), ptr, n);
        memFree(ptr);
        return kv;
    }
    kvobj *kv = allocEntry(key, keylen, expire, sizeof(void *), type, encoding);
    memcpy(valuePtr(kv), &ptr, sizeof(ptr));
    return kv;
}

kvobj *kvCreateRaw(const char *key, size_t keylen, dstr value, long long expire) {
    return kvCreatePointer(key, keylen, OBJ_STRING, OBJ_ENCODING_RAW, value, expire);
}

kvobj *kvCreateString(const char *key, size_t keylen, const char *val, size_t vallen,
                      long long expire, int allowInt) {
    long long iv;
    if (allowInt && vallen <= 20 && string2ll(val, vallen, &iv))
        return kvCreateInt(key, keylen, iv, expire);
    size_t fixed = KV_HDR_SIZE + (expire != -1 ? sizeof(long long) : 0) + keyFieldSize(keylen);
    if (vallen < 256 && fixed + dstrEmbeddedSize(vallen) <= KV_EMBED_LIMIT) {
        kvobj *kv = allocEntry(key, keylen, expire, dstrEmbeddedSize(vallen), OBJ_STRING,
                               OBJ_ENCODING_EMBSTR);
        if (vallen >= 32) kv->flags |= KV_FLAG_VALUE_T8;
        dstrWriteEmbedded(valuePtr(kv), val, vallen);
        return kv;
    }
    return kvCreateRaw(key, keylen, dstrNewLen(val, vallen), expire);
}

/* Size of the value part of an entry. */
static size_t valueFieldSize(const kvobj *kv) {
    if (kv->flags & KV_FLAG_VALUE_EMBEDDED) return listpackBytes(valuePtr(kv));
    switch (kv->encoding) {
    case OBJ_ENCODING_INT: return sizeof(long long);
    case OBJ_ENCODING_EMBSTR: return dstrEmbeddedSize(dstrLen(kvGetEmbedded(kv)));
    default: return sizeof(void *);
    }
}

kvobj *kvWithKeyOf(const kvobj *keySource, kvobj *value, int keepTtl) {
    dstr key = kvKey(keySource);
    long long expire = keepTtl ? kvGetExpire(keySource) : -1;
    size_t vsize = valueFieldSize(value);
    kvobj *kv = allocEntry(key, dstrLen(key), expire, vsize, value->type, value->encoding);
    kv->lru = value->lru;
    kv->flags |= value->flags & (KV_FLAG_VALUE_T8 | KV_FLAG_VALUE_EMBEDDED);
    memcpy(valuePtr(kv), valuePtr(value), vsize);
    return kv;
}

size_t kvEmbeddedValueSize(const kvobj *kv) {
    return (kv->flags & KV_FLAG_VALUE_EMBEDDED) ? listpackBytes(valuePtr(kv)) : 0;
}

/* Writes the new value into an entry with room for it (fixed bytes of
 * header, TTL and key already in place). */
static void storeValue(kvobj *kv, int encoding, void *ptr, int embed) {
    kv->encoding = encoding;
    if (embed) {
        kv->flags |= KV_FLAG_VALUE_EMBEDDED;
        memcpy(valuePtr(kv), ptr, listpackBytes(ptr));
        memFree(ptr);
    } else {
        kv->flags &= ~KV_FLAG_VALUE_EMBEDDED;
        memcpy(valuePtr(kv), &ptr, sizeof(ptr));
    }
}

kvobj *kvWithValue(kvobj *kv, int encoding, void *ptr) {
    size_t fixed = (size_t)(valuePtr(kv) - (char *)kv);
    int embed = embeddable(fixed, encoding, ptr);
    size_t need = fixed + (embed ? listpackBytes(ptr) : sizeof(void *));
    /* In place when the allocation has room and is not oversized by a
     * whole size class (16 bytes at these sizes): the common case of a
     * listpack that changed a few bytes.  A value that shrank a lot moves
     * to a smaller allocation, so a hash that grew and shrank back costs
     * what a new one would. */
    size_t usable = memUsableSize(kv);
    if (need <= usable && usable - need < 16) {
        storeValue(kv, encoding, ptr, embed);
        return kv;
    }
    kvobj *n = memAlloc(need);
    memcpy(n, kv, fixed);
    storeValue(n, encoding, ptr, embed);
    return n;
}

long long kvGetExpire(const kvobj *kv) {
    if (!(kv->flags & KV_FLAG_TTL)) return -1;
    long long when;
    memcpy(&when, kv->data, sizeof(when));
    return when;
}

kvobj *kvWithExpire(kvobj *kv, long long when) {
    int had = (kv->flags & KV_FLAG_TTL) != 0;
    if (had && when != -1) {
        memcpy(kv->data, &when, sizeof(when));
        return kv;
    }
    if (!had && when == -1) return kv;
    /* Adding or removing the 8-byte field: copy everything after it into a
     * new entry of the right size. */
    size_t rest = keyFieldSize(dstrLen(kvKey(kv))) + valueFieldSize(kv);
    const char *src = kv->data + (had ? sizeof(long long) : 0);
    kvobj *n = memAlloc(KV_HDR_SIZE + (had ? 0 : sizeof(long long)) + rest);
    memcpy(n, kv, KV_HDR_SIZE);
    if (had) {
        n->flags &= ~KV_FLAG_TTL;
        memcpy(n->data, src, rest);
    } else {
        n->flags |= KV_FLAG_TTL;
        memcpy(n->data, &when, sizeof(when));
        memcpy(n->data + sizeof(long long), src, rest);
    }
    return n;
}

void kvFreeShell(kvobj *kv) { memFree(kv); }

void *kvGetPtr(const kvobj *kv) {
    if (kv->flags & KV_FLAG_VALUE_EMBEDDED) return valuePtr(kv);
    void *p;
    memcpy(&p, valuePtr(kv), sizeof(p));
    return p;
}

void kvSetPtr(kvobj *kv, void *ptr) {
    assert(!(kv->flags & KV_FLAG_VALUE_EMBEDDED));
    memcpy(valuePtr(kv), &ptr, sizeof(ptr));
}

long long kvGetInt(const kvobj *kv) {
    long long v;
    memcpy(&v, valuePtr(kv), sizeof(v));
    return v;
}

void kvSetInt(kvobj *kv, long long v) {
    assert(kv->encoding == OBJ_ENCODING_INT);
    memcpy(valuePtr(kv), &v, sizeof(v));
}

dstr kvGetEmbedded(const kvobj *kv) {
    const char *p = valuePtr(kv);
    return (dstr)(p + ((kv->flags & KV_FLAG_VALUE_T8) ? sizeof(struct dstrHdr8) : 1));
}

const char *kvStringBytes(const kvobj *kv, char *buf, size_t *len) {
    switch (kv->encoding) {
    case OBJ_ENCODING_INT: *len = (size_t)ll2string(buf, 21, kvGetInt(kv)); return buf;
    case OBJ_ENCODING_EMBSTR: {
        dstr s = kvGetEmbedded(kv);
        *len = dstrLen(s);
        return s;
    }
    default: {
        dstr s = kvGetPtr(kv);
        *len = dstrLen(s);
        return s;
    }
    }
}

size_t kvStringLen(const kvobj *kv) {
    if (kv->encoding == OBJ_ENCODING_INT) {
        long long v = kvGetInt(kv);
        unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
        return digits10(u) + (v < 0);
    }
    if (kv->encoding == OBJ_ENCODING_EMBSTR) return dstrLen(kvGetEmbedded(kv));
    return dstrLen((dstr)kvGetPtr(kv));
}

kvobj *kvStringToRaw(kvobj *kv) {
    assert(kv->type == OBJ_STRING);
    if (kv->encoding == OBJ_ENCODING_RAW) return kv;
    char buf[32];
    size_t len;
    const char *bytes = kvStringBytes(kv, buf, &len);
    dstr value = dstrNewLen(bytes, len);
    dstr key = kvKey(kv);
    kvobj *raw = kvCreateRaw(key, dstrLen(key), value, kvGetExpire(kv));
    raw->lru = kv->lru;
    return raw;
}

void kvFree(kvobj *kv) {
    if (!kv) return;
    if (kv->encoding == OBJ_ENCODING_RAW) {
        dstrFree(kvGetPtr(kv));
    } else if (kv->encoding != OBJ_ENCODING_INT && kv->encoding != OBJ_ENCODING_EMBSTR &&
               !(kv->flags & KV_FLAG_VALUE_EMBEDDED)) {
        kvValueFree fn = valueTypes[kv->type][kv->encoding].freeFn;
        assert(fn != NULL);
        fn(kvGetPtr(kv));
    }
    memFree(kv);
}

size_t kvMemUsage(const kvobj *kv) {
    size_t size = memUsableSize(kv);
    if (kv->encoding == OBJ_ENCODING_RAW) {
        size += dstrAllocSize(kvGetPtr(kv));
    } else if (kv->encoding != OBJ_ENCODING_INT && kv->encoding != OBJ_ENCODING_EMBSTR &&
               !(kv->flags & KV_FLAG_VALUE_EMBEDDED)) {
        kvValueSize fn = valueTypes[kv->type][kv->encoding].sizeFn;
        if (fn) size += fn(kvGetPtr(kv));
    }
    return size;
}

const char *kvEncodingName(int encoding) {
    switch (encoding) {
    case OBJ_ENCODING_RAW: return "raw";
    case OBJ_ENCODING_INT: return "int";
    case OBJ_ENCODING_HASHTABLE: return "hashtable";
    case OBJ_ENCODING_INTSET: return "intset";
    case OBJ_ENCODING_SKIPLIST: return "skiplist";
    case OBJ_ENCODING_EMBSTR: return "embstr";
    case OBJ_ENCODING_QUICKLIST: return "quicklist";
    case OBJ_ENCODING_STREAM: return "stream";
    case OBJ_ENCODING_LISTPACK: return "listpack";
    default: return "unknown";
    }
}

const char *kvTypeName(int type) {
    switch (type) {
    case OBJ_STRING: return "string";
    case OBJ_LIST: return "list";
    case OBJ_SET: return "set";
    case OBJ_ZSET: return "zset";
    case OBJ_HASH: return "hash";
    case OBJ_STREAM: return "stream";
    default: return "unknown";
    }
}
