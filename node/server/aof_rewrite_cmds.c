/* aof_rewrite_cmds.c — the dataset as AOF commands, for a rewrite with
 * aof-use-rdb-preamble no (runs in the rewrite child).
 *
 * Each database with keys starts with SELECT; each key becomes the
 * commands that rebuild it, as Valkey writes them: SET for strings, RPUSH,
 * SADD, ZADD and HMSET with at most REWRITE_ITEMS_PER_CMD elements per
 * command, then PEXPIREAT for a key with a TTL.  Commands are built as RESP
 * in a buffer written out whenever it passes REWRITE_FLUSH_BYTES, so the
 * child's memory stays bounded whatever the size of a value.
 *
 * Invariant: a key's commands are complete before the next key starts (a
 * torn file loses whole keys at worst, which the loader's truncation
 * rules handle). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "node/base/dstr.h"
#include "node/server/aof_rewrite.h"
#include "node/store/db.h"
#include "node/store/hashtable.h"
#include "node/store/kvobj.h"
#include "node/types/hash_value.h"
#include "node/types/list_value.h"
#include "node/types/set_value.h"
#include "node/types/zset_value.h"

#define REWRITE_ITEMS_PER_CMD 64
#define REWRITE_FLUSH_BYTES (64 * 1024)

typedef struct out {
    int fd;
    dstr buf;
    int failed; /* errno of the first failed write, 0 if none */
} out;

static void flushOut(out *o) {
    size_t off = 0, len = dstrLen(o->buf);
    while (!o->failed && off < len) {
        ssize_t n = write(o->fd, o->buf + off, len - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) o->failed = n < 0 ? errno : EIO;
        else off += (size_t)n;
    }
    dstrClear(o->buf);
}

static void maybeFlush(out *o) {
    if (dstrLen(o->buf) >= REWRITE_FLUSH_BYTES) flushOut(o);
}

static void arrayHeader(out *o, long long argc) { o->buf = dstrCatPrintf(o->buf, "*%lld\r\n", argc); }

static void bulk(out *o, const char *s, size_t len) {
    o->buf = dstrCatPrintf(o->buf, "$%zu\r\n", len);
    o->buf = dstrCatLen(o->buf, s, len);
    o->buf = dstrCatLen(o->buf, "\r\n", 2);
}

static void bulkStr(out *o, const char *s) { bulk(o, s, strlen(s)); }

static void bulkLL(out *o, long long v) {
    char b[32];
    int n = snprintf(b, sizeof(b), "%lld", v);
    bulk(o, b, (size_t)n);
}

/* Starts a command of `items` elements of `width` arguments each, after
 * name and key. */
static void startBatch(out *o, const char *name, const dstr key, long long items, int width) {
    arrayHeader(o, 2 + items * width);
    bulkStr(o, name);
    bulk(o, key, dstrLen(key));
}

static long long batchSize(long long left) { return left > REWRITE_ITEMS_PER_CMD ? REWRITE_ITEMS_PER_CMD : left; }

static const char *elementText(const void *str, size_t len, long long ll, char *buf, size_t *outLen) {
    if (str) {
        *outLen = len;
        return str;
    }
    *outLen = (size_t)snprintf(buf, LP_INTBUF_SIZE, "%lld", ll);
    return buf;
}

static void writeString(out *o, const dstr key, const kvobj *kv) {
    char buf[32];
    size_t len;
    const char *bytes = kvStringBytes(kv, buf, &len);
    arrayHeader(o, 3);
    bulkStr(o, "SET");
    bulk(o, key, dstrLen(key));
    bulk(o, bytes, len);
}

static void writeList(out *o, const dstr key, const kvobj *kv) {
    listValue lv = listValueOf(kv);
    long long left = (long long)listValueLength(&lv), inBatch = 0;
    listIter it;
    listElement e;
    char buf[LP_INTBUF_SIZE];
    listIterInit(&it, &lv, 0, 0);
    while (listIterNext(&it, &e)) {
        if (inBatch == 0) startBatch(o, "RPUSH", key, inBatch = batchSize(left), 1);
        size_t len;
        const char *s = elementText(e.str, e.len, e.ll, buf, &len);
        bulk(o, s, len);
        inBatch--;
        left--;
        maybeFlush(o);
    }
    listIterRelease(&it);
}

static void writeSet(out *o, const dstr key, const kvobj *kv) {
    setValue sv = setValueOf(kv);
    long long left = (long long)setValueLen(&sv), inBatch = 0;
    setIter it;
    setMember m;
    char buf[LP_INTBUF_SIZE];
    setIterInit(&it, &sv);
    while (setIterNext(&it, &m)) {
        if (inBatch == 0) startBatch(o, "SADD", key, inBatch = batchSize(left), 1);
        size_t len;
        const char *s = elementText(m.str, m.len, m.ll, buf, &len);
        bulk(o, s, len);
        inBatch--;
        left--;
        maybeFlush(o);
    }
    setIterReset(&it);
}

static void writeZset(out *o, const dstr key, const kvobj *kv) {
    zsetRef z = zsetRefOf(kv);
    long long left = (long long)zsetLength(&z), inBatch = 0;
    zsetIter it;
    zsetElem e;
    zsetIterInit(&it, &z, 0);
    while (zsetIterNext(&it, &e)) {
        if (inBatch == 0) startBatch(o, "ZADD", key, inBatch = batchSize(left), 2);
        char score[64];
        int n = snprintf(score, sizeof(score), "%.17g", e.score);
        bulk(o, score, (size_t)n);
        bulk(o, e.member, e.len);
        inBatch--;
        left--;
        maybeFlush(o);
    }
}

static void writeHash(out *o, const dstr key, const kvobj *kv) {
    hashValue h = hashValueOf(kv);
    long long left = (long long)hashValueLength(&h), inBatch = 0;
    hashValueIter it;
    lpEntry field, value;
    char fbuf[LP_INTBUF_SIZE], vbuf[LP_INTBUF_SIZE];
    hashValueIterInit(&it, &h);
    while (hashValueIterNext(&it, &field, &value)) {
        if (inBatch == 0) startBatch(o, "HMSET", key, inBatch = batchSize(left), 2);
        size_t flen, vlen;
        const char *f = hashElementBytes(&field, fbuf, &flen);
        const char *v = hashElementBytes(&value, vbuf, &vlen);
        bulk(o, f, flen);
        bulk(o, v, vlen);
        inBatch--;
        left--;
        maybeFlush(o);
    }
    hashValueIterReset(&it);
}

static int writeKey(out *o, const kvobj *kv, dstr *err) {
    dstr key = kvKey(kv);
    switch (kv->type) {
    case OBJ_STRING: writeString(o, key, kv); break;
    case OBJ_LIST: writeList(o, key, kv); break;
    case OBJ_SET: writeSet(o, key, kv); break;
    case OBJ_ZSET: writeZset(o, key, kv); break;
    case OBJ_HASH: writeHash(o, key, kv); break;
    default:
        *err = dstrCatPrintf(dstrEmpty(), "Can't rewrite a key of type %s as AOF commands", kvTypeName(kv->type));
        return -1;
    }
    long long when = kvGetExpire(kv);
    if (when != -1) {
        arrayHeader(o, 3);
        bulkStr(o, "PEXPIREAT");
        bulk(o, key, dstrLen(key));
        bulkLL(o, when);
    }
    maybeFlush(o);
    return 0;
}

static int writeDb(out *o, serverDb *db, aofRewriteProgressFn progress, void *ctx, long long *keys, dstr *err) {
    arrayHeader(o, 2);
    bulkStr(o, "SELECT");
    bulkLL(o, db->id);
    hashtableIterator it;
    void *entry;
    int rc = 0;
    hashtableInitIterator(&it, db->keys, 0);
    while (rc == 0 && !o->failed && hashtableNext(&it, &entry)) {
        rc = writeKey(o, entry, err);
        ++*keys;
        if (progress) progress(ctx, *keys);
    }
    hashtableResetIterator(&it);
    return rc;
}

int aofRewriteWriteCommands(int fd, aofRewriteProgressFn progress, void *ctx, dstr *err) {
    out o = {.fd = fd, .buf = dstrEmpty()};
    long long keys = 0;
    int rc = 0;
    for (int j = 0; rc == 0 && j < dbCountDatabases(); j++) {
        serverDb *db = dbByIndex(j);
        if (dbSize(db) > 0) rc = writeDb(&o, db, progress, ctx, &keys, err);
    }
    if (rc == 0) flushOut(&o);
    dstrFree(o.buf);
    if (rc == 0 && o.failed) {
        *err = dstrCatPrintf(dstrEmpty(), "Write error writing the AOF base: %s", strerror(o.failed));
        rc = -1;
    }
    return rc;
}
