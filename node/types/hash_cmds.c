/* hash_cmds.c — the hash commands that read or change fields by name:
 * HSET HMSET HSETNX HGET HMGET HDEL HLEN HSTRLEN HEXISTS HKEYS HVALS HGETALL
 * HINCRBY HINCRBYFLOAT, and the command table of the type (HRANDFIELD and
 * HSCAN live in hash_walk_cmds.c).
 *
 * Every write follows the value write protocol of type_util.h: the value is
 * opened (dbValueOpen copies an embedded listpack out of the keyspace
 * entry), changed through hash_value.h, and closed (dbValueClose puts it
 * back, embedded again when it still fits).  A write that cannot fail once
 * started is the only thing done between open and close: checks that may
 * reply an error (not an integer, overflow) read the value in place first.
 *
 * Events and dirty counts are Valkey's: "hset" for HSET/HMSET/HSETNX with
 * one change per pair, "hdel" with one per deleted field (plus "del" when
 * the hash empties and the key goes), "hincrby" and "hincrbyfloat" with one.
 * HINCRBYFLOAT is propagated as HSET key field <result> so replicas and the
 * AOF do not redo floating-point arithmetic. */
#include <limits.h>
#include <math.h>
#include <string.h>

#include "node/base/util.h"
#include "node/net/args.h"
#include "node/net/reply.h"
#include "node/types/hash_cmds.h"
#include "node/types/hash_value.h"
#include "node/types/type_cmds.h"
#include "node/types/type_util.h"

/* Longest text ld2string may produce for a long double (as Valkey). */
#define HASH_LONG_DOUBLE_CHARS (5 * 1024)
/* Largest listpack allocation made ahead of the elements. */
#define HASH_MAX_PRESIZE 4096

/* --- Shared helpers (also used by hash_walk_cmds.c) --- */

void hashReplyElement(client *c, const lpEntry *e) {
    if (e->sval)
        replyBulk(c, e->sval, e->slen);
    else
        replyBulkLongLong(c, e->lval);
}

/* A value opened for writing: kv is NULL until a new key is stored. */
typedef struct hashWrite {
    client *c;
    kvobj *kv;
    hashValue h;
} hashWrite;

/* capacity: bytes a new listpack is likely to need (0: unknown), so the
 * first HSET of a key fills it without growing it pair by pair. */
static void writeOpen(hashWrite *w, client *c, kvobj *kv, size_t capacity) {
    w->c = c;
    w->kv = kv;
    if (kv) {
        w->h.encoding = kv->encoding;
        w->h.ptr = dbValueOpen(kv);
    } else {
        w->h.encoding = OBJ_ENCODING_LISTPACK;
        w->h.ptr = lpNew(capacity < HASH_MAX_PRESIZE ? capacity : HASH_MAX_PRESIZE);
    }
}

/* Stores the value back, or adds the new key; a hash left empty is
 * deleted.  Returns 1 when the key was deleted. */
static int writeClose(hashWrite *w) {
    serverDb *db = w->c->db;
    dstr key = w->c->argv[1];
    int empty = hashValueLength(&w->h) == 0;
    if (!w->kv) {
        if (empty) {
            hashValueRelease(&w->h);
            return 0;
        }
        w->kv = kvCreatePointer(key, dstrLen(key), OBJ_HASH, w->h.encoding, w->h.ptr, -1);
        dbAdd(db, w->kv);
        return 0;
    }
    w->kv = dbValueClose(db, w->kv, w->h.encoding, w->h.ptr);
    if (!empty) return 0;
    dbDelete(db, key);
    return 1;
}

/* Bytes of listpack the pairs argv[2..argc) take when short: header and
 * end byte, and per element its bytes plus encoding and back-length. */
static size_t listpackEstimate(client *c) {
    size_t bytes = 7;
    for (int j = 2; j < c->argc; j++) bytes += dstrLen(c->argv[j]) + 2;
    return bytes;
}

/* Converts / pre-sizes for the field-value pairs argv[2..argc). */
static void prepareForPairs(hashValue *h, client *c) {
    size_t maxLen = 0, total = 0;
    for (int j = 2; j < c->argc; j++) {
        size_t len = dstrLen(c->argv[j]);
        if (len > maxLen) maxLen = len;
        total += len;
    }
    hashValuePrepare(h, (size_t)(c->argc - 2) / 2, maxLen, total);
}

/* Looks argv[1] up for reading: replies WRONGTYPE and returns -1, or
 * sets *exists and, when the key exists, *value. */
static int lookupRead(client *c, hashValue *value, int *exists) {
    int wrong;
    kvobj *kv = typeLookupRead(c, c->argv[1], OBJ_HASH, &wrong);
    if (wrong) return -1;
    *exists = kv != NULL;
    if (kv) *value = hashValueOf(kv);
    return 0;
}

/* --- HSET / HMSET / HSETNX --- */

static void setPairs(client *c, int replyCount) {
    if (c->argc % 2 == 1) {
        replyErrorArity(c);
        return;
    }
    int wrong;
    kvobj *kv = typeLookupWrite(c, c->argv[1], OBJ_HASH, &wrong);
    if (wrong) return;
    hashWrite w;
    writeOpen(&w, c, kv, listpackEstimate(c));
    prepareForPairs(&w.h, c);
    long long created = 0;
    for (int j = 2; j < c->argc; j += 2)
        created += hashValueSet(&w.h, c->argv[j], dstrLen(c->argv[j]), c->argv[j + 1],
                                dstrLen(c->argv[j + 1]));
    writeClose(&w);
    if (replyCount)
        replyLongLong(c, created);
    else
        replyOk(c);
    dbMarkDirty((c->argc - 2) / 2 - 1);
    dbKeyWritten(c->db, c->argv[1], NOTIFY_HASH, "hset");
}

static void hsetCommand(client *c) { setPairs(c, 1); }
static void hmsetCommand(client *c) { setPairs(c, 0); }

static void hsetnxCommand(client *c) {
    int wrong;
    kvobj *kv = typeLookupWrite(c, c->argv[1], OBJ_HASH, &wrong);
    if (wrong) return;
    dstr field = c->argv[2];
    if (kv) {
        hashValue h = hashValueOf(kv);
        if (hashValueGet(&h, field, dstrLen(field), NULL)) {
            replyLongLong(c, 0);
            return;
        }
    }
    hashWrite w;
    writeOpen(&w, c, kv, listpackEstimate(c));
    prepareForPairs(&w.h, c);
    hashValueSet(&w.h, field, dstrLen(field), c->argv[3], dstrLen(c->argv[3]));
    writeClose(&w);
    replyLongLong(c, 1);
    dbKeyWritten(c->db, c->argv[1], NOTIFY_HASH, "hset");
}

/* --- Reads by field --- */

static void hgetCommand(client *c) {
    hashValue h;
    int exists;
    if (lookupRead(c, &h, &exists) != 0) return;
    lpEntry v;
    if (exists && hashValueGet(&h, c->argv[2], dstrLen(c->argv[2]), &v))
        hashReplyElement(c, &v);
    else
        replyNull(c);
}

static void hmgetCommand(client *c) {
    hashValue h;
    int exists;
    if (lookupRead(c, &h, &exists) != 0) return;
    replyArrayLen(c, c->argc - 2);
    for (int j = 2; j < c->argc; j++) {
        lpEntry v;
        if (exists && hashValueGet(&h, c->argv[j], dstrLen(c->argv[j]), &v))
            hashReplyElement(c, &v);
        else
            replyNull(c);
    }
}

static void hlenCommand(client *c) {
    hashValue h;
    int exists;
    if (lookupRead(c, &h, &exists) != 0) return;
    replyLongLong(c, exists ? (long long)hashValueLength(&h) : 0);
}

static void hstrlenCommand(client *c) {
    hashValue h;
    int exists;
    if (lookupRead(c, &h, &exists) != 0) return;
    lpEntry v;
    size_t len = 0;
    if (exists && hashValueGet(&h, c->argv[2], dstrLen(c->argv[2]), &v)) {
        char buf[LP_INTBUF_SIZE];
        hashElementBytes(&v, buf, &len);
    }
    replyLongLong(c, (long long)len);
}

static void hexistsCommand(client *c) {
    hashValue h;
    int exists;
    if (lookupRead(c, &h, &exists) != 0) return;
    replyLongLong(c, exists && hashValueGet(&h, c->argv[2], dstrLen(c->argv[2]), NULL));
}

/* --- Whole-hash reads --- */

#define WANT_FIELDS 1
#define WANT_VALUES 2

static void replyAll(client *c, int what) {
    hashValue h;
    int exists;
    if (lookupRead(c, &h, &exists) != 0) return;
    long n = exists ? (long)hashValueLength(&h) : 0;
    if (what == (WANT_FIELDS | WANT_VALUES))
        replyMapLen(c, n);
    else
        replyArrayLen(c, n);
    if (!exists) return;
    hashValueIter it;
    lpEntry f, v;
    hashValueIterInit(&it, &h);
    while (hashValueIterNext(&it, &f, &v)) {
        if (what & WANT_FIELDS) hashReplyElement(c, &f);
        if (what & WANT_VALUES) hashReplyElement(c, &v);
    }
    hashValueIterReset(&it);
}

static void hkeysCommand(client *c) { replyAll(c, WANT_FIELDS); }
static void hvalsCommand(client *c) { replyAll(c, WANT_VALUES); }
static void hgetallCommand(client *c) { replyAll(c, WANT_FIELDS | WANT_VALUES); }

/* --- HDEL --- */

static void hdelCommand(client *c) {
    int wrong;
    kvobj *kv = typeLookupWrite(c, c->argv[1], OBJ_HASH, &wrong);
    if (wrong) return;
    if (!kv) {
        replyLongLong(c, 0);
        return;
    }
    hashWrite w;
    writeOpen(&w, c, kv, 0);
    long long deleted = 0;
    for (int j = 2; j < c->argc && hashValueLength(&w.h) > 0; j++)
        deleted += hashValueDelete(&w.h, c->argv[j], dstrLen(c->argv[j]));
    int removed = writeClose(&w);
    if (deleted) {
        dbMarkDirty(deleted - 1);
        dbKeyWritten(c->db, c->argv[1], NOTIFY_HASH, "hdel");
        if (removed) dbNotify(NOTIFY_GENERIC, "del", c->argv[1], c->db->id);
    }
    replyLongLong(c, deleted);
}

/* --- HINCRBY / HINCRBYFLOAT --- */

/* Stores field = bytes in the hash of kv (created when NULL). */
static void storeField(client *c, kvobj *kv, const char *value, size_t vlen) {
    dstr field = c->argv[2];
    hashWrite w;
    writeOpen(&w, c, kv, 0);
    hashValueSet(&w.h, field, dstrLen(field), value, vlen);
    writeClose(&w);
}

/* The current value of argv[2] in kv, if any.  Returns 1 when found. */
static int currentValue(kvobj *kv, client *c, lpEntry *v) {
    if (!kv) return 0;
    hashValue h = hashValueOf(kv);
    return hashValueGet(&h, c->argv[2], dstrLen(c->argv[2]), v);
}

static void hincrbyCommand(client *c) {
    long long incr, value = 0;
    if (argLongLong(c, c->argv[3], &incr) != 0) return;
    int wrong;
    kvobj *kv = typeLookupWrite(c, c->argv[1], OBJ_HASH, &wrong);
    if (wrong) return;
    lpEntry v;
    if (currentValue(kv, c, &v)) {
        if (!v.sval) {
            value = v.lval;
        } else if (!string2ll((const char *)v.sval, v.slen, &value)) {
            replyError(c, "ERR hash value is not an integer");
            return;
        }
    }
    if ((incr < 0 && value < 0 && incr < LLONG_MIN - value) ||
        (incr > 0 && value > 0 && incr > LLONG_MAX - value)) {
        replyError(c, "ERR increment or decrement would overflow");
        return;
    }
    value += incr;
    char buf[LP_INTBUF_SIZE];
    int len = ll2string(buf, sizeof(buf), value);
    storeField(c, kv, buf, (size_t)len);
    replyLongLong(c, value);
    dbKeyWritten(c->db, c->argv[1], NOTIFY_HASH, "hincrby");
}

static void hincrbyfloatCommand(client *c) {
    long double incr, value = 0;
    if (!string2ld(c->argv[3], dstrLen(c->argv[3]), &incr)) {
        replyErrorNotFloat(c);
        return;
    }
    if (isnan(incr) || isinf(incr)) {
        replyError(c, "ERR value is NaN or Infinity");
        return;
    }
    int wrong;
    kvobj *kv = typeLookupWrite(c, c->argv[1], OBJ_HASH, &wrong);
    if (wrong) return;
    lpEntry v;
    if (currentValue(kv, c, &v)) {
        if (!v.sval) {
            value = (long double)v.lval;
        } else if (!string2ld((const char *)v.sval, v.slen, &value)) {
            replyError(c, "ERR hash value is not a float");
            return;
        }
    }
    value += incr;
    if (isnan(value) || isinf(value)) {
        replyError(c, "ERR increment would produce NaN or Infinity");
        return;
    }
    char buf[HASH_LONG_DOUBLE_CHARS];
    int len = ld2string(buf, sizeof(buf), value, 1);
    storeField(c, kv, buf, (size_t)len);
    replyBulk(c, buf, (size_t)len);
    dbKeyWritten(c->db, c->argv[1], NOTIFY_HASH, "hincrbyfloat");
    clientRewriteArg(c, 0, dstrNew("HSET"));
    clientRewriteArg(c, 3, dstrNewLen(buf, (size_t)len));
}

/* --- Table --- */

const commandBinding hashCommands[] = {
    {"hset", hsetCommand},
    {"hmset", hmsetCommand},
    {"hsetnx", hsetnxCommand},
    {"hget", hgetCommand},
    {"hmget", hmgetCommand},
    {"hdel", hdelCommand},
    {"hlen", hlenCommand},
    {"hstrlen", hstrlenCommand},
    {"hexists", hexistsCommand},
    {"hkeys", hkeysCommand},
    {"hvals", hvalsCommand},
    {"hgetall", hgetallCommand},
    {"hincrby", hincrbyCommand},
    {"hincrbyfloat", hincrbyfloatCommand},
    {"hrandfield", hashRandfieldCommand},
    {"hscan", hashScanCommand},
    {NULL, NULL},
};

void hashTypeInit(void) { hashValueRegister(); }
