/* string_value.c — what the string and bitmap commands share (see
 * string_value.h).
 *
 * A string value lives in a keyspace entry in one of three encodings: INT
 * (an int64 inside the entry), EMBSTR (a read-only dstr inside the entry) or
 * RAW (an owned dstr the entry points to).  Readers take the bytes whatever
 * the encoding; writers that change bytes in place (APPEND, SETRANGE,
 * SETBIT, BITFIELD) first turn the entry RAW, because only a RAW value can
 * grow without moving the entry; writers that replace the value build a new
 * entry and swap it in (stringStore), which keeps the common SET to one
 * allocation, or none when the new value fits the old entry exactly
 * (stringOverwriteInPlace: a number over a number, or as many bytes over
 * an embedded value).
 *
 * Invariant kept by stringStore: the entry passed as `old` is the one the
 * table holds for the key at the time of the call. */
#include "node/types/string_value.h"

#include <stdarg.h>
#include <string.h>

#include "node/base/mem.h"
#include "node/base/util.h"
#include "node/net/reply.h"

void stringReplyValue(client *c, const kvobj *kv) {
    switch (kv->encoding) {
    case OBJ_ENCODING_EMBSTR: replyBulkDstr(c, kvGetEmbedded(kv)); break;
    case OBJ_ENCODING_INT: replyBulkLongLong(c, kvGetInt(kv)); break;
    default: replyBulkDstr(c, kvGetPtr(kv)); break;
    }
}

/* proto-max-bulk-len, pushed in by the server's config bindings. */
static long long maxLength = 512LL * 1024 * 1024;

void stringSetMaxLength(long long max) { maxLength = max; }
long long stringMaxLength(void) { return maxLength; }

int stringCheckLength(client *c, long long size, long long append) {
    if (c->flags & CLIENT_PRIMARY) return 0;
    /* Unsigned sum: two huge operands must not wrap into a small total. */
    unsigned long long total = (unsigned long long)size + (unsigned long long)append;
    if (size < 0 || append < 0 || total > (unsigned long long)stringMaxLength()) {
        replyError(c, "ERR string exceeds maximum allowed size (proto-max-bulk-len)");
        return -1;
    }
    return 0;
}

kvobj *stringLookupWrite(client *c, const dstr key) {
    kvobj *kv = dbLookupWrite(c->db, key);
    if (kv || dbExpireDeletes()) return kv;
    /* Replica: the lookup hid an expired entry that is still in the table. */
    kvobj *stale = dbFind(c->db, key);
    if (!stale) return NULL;
    if (c->flags & CLIENT_PRIMARY) return stale;
    dbDelete(c->db, key);
    return NULL;
}

kvobj *stringStore(serverDb *db, kvobj *old, kvobj *kv) {
    if (!old) {
        dbAdd(db, kv);
        return kv;
    }
    kv->lru = dbLruClock();
    dbReplaceEntry(db, old, kv);
    kvFree(old);
    return kv;
}

int stringOverwriteInPlace(kvobj *kv, const char *val, size_t len) {
    if (kv->type != OBJ_STRING || (kv->flags & KV_FLAG_TTL)) return 0;
    long long v;
    if (len <= 20 && string2ll(val, len, &v)) {
        if (kv->encoding != OBJ_ENCODING_INT) return 0;
        kvSetInt(kv, v);
    } else {
        if (kv->encoding != OBJ_ENCODING_EMBSTR) return 0;
        dstr s = kvGetEmbedded(kv);
        if (dstrLen(s) != len) return 0;
        memcpy(s, val, len); /* same length: the header and the NUL stay */
    }
    kv->lru = dbLruClock();
    return 1;
}

kvobj *stringLookupForInPlace(client *c, const dstr key, size_t minLen, int *changed) {
    serverDb *db = c->db;
    kvobj *kv = stringLookupWrite(c, key);
    *changed = 0;
    if (!kv) {
        kv = kvCreateRaw(key, dstrLen(key), dstrNewLen(NULL, minLen), -1);
        dbAdd(db, kv);
        *changed = 1;
        return kv;
    }
    if (kv->type != OBJ_STRING) {
        replyErrorWrongType(c);
        return NULL;
    }
    kv = dbStringToRaw(db, kv);
    dstr s = kvGetPtr(kv);
    if (dstrLen(s) < minLen) {
        kvSetPtr(kv, dstrGrowZero(s, minLen));
        *changed = 1;
    }
    return kv;
}

void stringRewriteArgv(client *c, int argc, ...) {
    dstr *argv = memAlloc(sizeof(dstr) * (size_t)argc);
    va_list ap;
    va_start(ap, argc);
    for (int i = 0; i < argc; i++) {
        const char *p = va_arg(ap, const char *);
        size_t len = va_arg(ap, size_t);
        argv[i] = dstrNewLen(p, len);
    }
    va_end(ap);
    clientReplaceArgv(c, argc, argv);
}
