/* string_cmds.c — the string commands: GET, SET and its variants (SETNX,
 * SETEX, PSETEX, GETSET, GETEX, GETDEL), MGET, MSET, MSETNX, APPEND, STRLEN,
 * the counters (INCR, DECR, INCRBY, DECRBY, INCRBYFLOAT), GETRANGE/SUBSTR,
 * SETRANGE and LCS, with Valkey 8's replies, errors and keyspace events.
 *
 * GET, SET, INCR, MGET and MSET are the benchmarked commands, so their
 * paths are kept short: SET without options parses nothing and builds one
 * entry (key, value and TTL in a single allocation) that replaces the old
 * one with a single table update; INCR on an INT entry changes the number
 * inside the entry without allocating.
 *
 * Every change marks the dataset dirty, signals the key as modified (WATCH,
 * tracking) and sends Valkey's keyspace event.  Commands whose effect
 * depends on the time or on the old value rewrite their argv into the
 * deterministic form that is propagated: relative expiry becomes SET ...
 * PXAT, INCRBYFLOAT becomes SET ... KEEPTTL, GETEX becomes PEXPIREAT /
 * PERSIST / DEL, GETDEL becomes DEL, GETSET becomes SET, and a write whose
 * expiry is already in the past becomes DEL. */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "node/base/mem.h"
#include "node/base/util.h"
#include "node/net/args.h"
#include "node/net/reply.h"
#include "node/types/type_cmds.h"
#include "node/store/db.h"
#include "node/types/string_value.h"

/* --- Arguments --- */

static int isToken(const dstr arg, const char *token) {
    size_t len = strlen(token);
    return dstrLen(arg) == len && strncasecmp(arg, token, len) == 0;
}


/* Options of SET (forSet) and GETEX. */
#define OPT_NX (1 << 0)
#define OPT_XX (1 << 1)
#define OPT_GET (1 << 2)
#define OPT_KEEPTTL (1 << 3)
#define OPT_PERSIST (1 << 4)
#define OPT_EX (1 << 5)
#define OPT_PX (1 << 6)
#define OPT_EXAT (1 << 7)
#define OPT_PXAT (1 << 8)
#define OPT_EXPIRE (OPT_EX | OPT_PX | OPT_EXAT | OPT_PXAT)
#define OPT_RELATIVE (OPT_EX | OPT_PX)
#define OPT_SECONDS (OPT_EX | OPT_EXAT)

static int expireToken(const dstr arg) {
    if (isToken(arg, "ex")) return OPT_EX;
    if (isToken(arg, "px")) return OPT_PX;
    if (isToken(arg, "exat")) return OPT_EXAT;
    if (isToken(arg, "pxat")) return OPT_PXAT;
    return 0;
}

/* Parses argv[first..] as SET or GETEX options.  As in Valkey, repeating
 * an option is allowed (the last expire wins) but two that conflict (NX
 * and XX, two kinds of expiry, KEEPTTL or PERSIST with an expiry) are a
 * syntax error, and so is an option of the other command. */
static int parseExpireOptions(client *c, int first, int forSet, int *flagsOut, dstr *expireArg) {
    int flags = 0;
    *expireArg = NULL;
    for (int j = first; j < c->argc; j++) {
        dstr a = c->argv[j];
        int kind = expireToken(a);
        if (forSet && isToken(a, "nx") && !(flags & OPT_XX)) {
            flags |= OPT_NX;
        } else if (forSet && isToken(a, "xx") && !(flags & OPT_NX)) {
            flags |= OPT_XX;
        } else if (forSet && isToken(a, "get")) {
            flags |= OPT_GET;
        } else if (forSet && isToken(a, "keepttl") && !(flags & (OPT_PERSIST | OPT_EXPIRE))) {
            flags |= OPT_KEEPTTL;
        } else if (!forSet && isToken(a, "persist") && !(flags & (OPT_KEEPTTL | OPT_EXPIRE))) {
            flags |= OPT_PERSIST;
        } else if (kind && j + 1 < c->argc &&
                   !(flags & (OPT_KEEPTTL | OPT_PERSIST | (OPT_EXPIRE & ~kind)))) {
            flags |= kind;
            *expireArg = c->argv[++j];
        } else {
            replyErrorSyntax(c);
            return -1;
        }
    }
    *flagsOut = flags;
    return 0;
}

/* The expire argument as an absolute time in ms.  Zero, negative and
 * overflowing times are "invalid expire time in '<cmd>' command". */
static int expireToAbsolute(client *c, const dstr arg, int flags, long long *when) {
    long long v;
    if (argLongLong(c, arg, &v) != 0) return -1;
    if (v <= 0 || ((flags & OPT_SECONDS) && v > LLONG_MAX / 1000)) goto invalid;
    if (flags & OPT_SECONDS) v *= 1000;
    if (flags & OPT_RELATIVE) {
        long long now = dbNow();
        if (v > LLONG_MAX - now) goto invalid;
        v += now;
    }
    *when = v;
    return 0;
invalid:
    replyErrorExpireTime(c);
    return -1;
}

/* A write whose expire time has already passed deletes the key instead
 * (not on a replica, which waits for its primary's DEL). */
static int alreadyExpired(long long when) { return when != -1 && when <= dbNow() && dbExpireDeletes(); }

/* Deletes key as the effect of a command, propagated as DEL. */
static void deleteAsCommand(client *c, const dstr key) {
    serverDb *db = c->db;
    dbDelete(db, key);
    dbKeyWritten(db, key, NOTIFY_GENERIC, "del");
    stringRewriteArgv(c, 2, "DEL", (size_t)3, key, dstrLen(key));
}

/* --- GET / SET --- */

static void getCommand(client *c) {
    kvobj *kv = dbLookupRead(c->db, c->argv[1], stringLookupFlags(c));
    if (!kv) {
        replyNull(c);
    } else if (kv->type != OBJ_STRING) {
        replyErrorWrongType(c);
    } else {
        stringReplyValue(c, kv);
    }
}

/* Replies like GET; returns -1 (after WRONGTYPE) if key is not a string. */
static int replyGet(client *c, const dstr key) {
    kvobj *kv = dbLookupRead(c->db, key, stringLookupFlags(c));
    if (kv && kv->type != OBJ_STRING) {
        replyErrorWrongType(c);
        return -1;
    }
    if (kv)
        stringReplyValue(c, kv);
    else
        replyNull(c);
    return 0;
}

/* Stores val at key with an absolute expire (or -1), replacing whatever was
 * there; old is the current entry of key (or NULL). */
static void storeValue(client *c, kvobj *old, const dstr key, int valIndex, long long expire,
                       int mayTake) {
    serverDb *db = c->db;
    dstr val = c->argv[valIndex];
    size_t len = dstrLen(val);
    if (mayTake && len > RESP_BIG_ARG) { /* the parser's own-allocation rule */
        /* A big value is stored as the argument itself: the parser gave it
         * its own allocation, so taking it saves a copy of the whole value.
         * Not for MSET: a later pair with the same key would free the value
         * while argv still points at it. */
        stringStore(db, old, kvCreateRaw(key, dstrLen(key), clientTakeArg(c, valIndex), expire));
    } else if (!old || expire != -1 || !stringOverwriteInPlace(old, val, len)) {
        stringStore(db, old, kvCreateString(key, dstrLen(key), val, len, expire, 1));
    }
    dbSignalModifiedKey(db, key);
    dbNotify(NOTIFY_STRING, "set", key, db->id);
}

static void storePlain(client *c, kvobj *old, const dstr key, int valIndex, long long expire) {
    storeValue(c, old, key, valIndex, expire, 1);
}

/* SET key value: the benchmarked path. */
static void setPlain(client *c) {
    dstr key = c->argv[1];
    kvobj *old = stringLookupWrite(c, key);
    storePlain(c, old, key, 2, -1);
    dbMarkDirty(1);
    replyOk(c);
}

/* Rewrites a SET that had a relative expiry or GET into "SET key value
 * [PXAT ms | KEEPTTL]": the condition (NX/XX) has been evaluated already. */
static void rewriteSet(client *c, int valueIndex, int flags, long long when) {
    dstr key = c->argv[1], val = c->argv[valueIndex];
    if (when != -1 && c->argc == 5 && valueIndex == 2) {
        /* SET key value EX n: rewrite two arguments, never copy the value. */
        clientRewriteArg(c, 3, dstrNew("PXAT"));
        clientRewriteArg(c, 4, dstrFromLongLong(when));
        return;
    }
    if (when != -1) {
        char ms[32];
        int n = ll2string(ms, sizeof(ms), when);
        stringRewriteArgv(c, 5, "SET", (size_t)3, key, dstrLen(key), val, dstrLen(val), "PXAT",
                          (size_t)4, ms, (size_t)n);
    } else if (flags & OPT_KEEPTTL) {
        stringRewriteArgv(c, 4, "SET", (size_t)3, key, dstrLen(key), val, dstrLen(val), "KEEPTTL",
                          (size_t)7);
    } else {
        stringRewriteArgv(c, 3, "SET", (size_t)3, key, dstrLen(key), val, dstrLen(val));
    }
}

/* SET with options, SETNX, SETEX, PSETEX.  nxReply: reply :1/:0 (SETNX)
 * instead of OK/null. */
static void setGeneric(client *c, int flags, int valueIndex, long long when, int nxReply) {
    serverDb *db = c->db;
    dstr key = c->argv[1];
    if ((flags & OPT_GET) && replyGet(c, key) != 0) return;
    kvobj *old = stringLookupWrite(c, key);
    if ((flags & OPT_NX && old) || (flags & OPT_XX && !old)) {
        if (flags & OPT_GET) return;
        if (nxReply)
            replyLongLong(c, 0);
        else
            replyNull(c);
        return;
    }
    if (alreadyExpired(when)) {
        if (old) deleteAsCommand(c, key);
        if (!(flags & OPT_GET)) replyOk(c);
        return;
    }
    long long expire = when;
    if (expire == -1 && (flags & OPT_KEEPTTL) && old) expire = kvGetExpire(old);
    storePlain(c, old, key, valueIndex, expire);
    if (when != -1) dbNotify(NOTIFY_GENERIC, "expire", key, db->id);
    dbMarkDirty(1);
    if (!(flags & OPT_GET)) {
        if (nxReply)
            replyLongLong(c, 1);
        else
            replyOk(c);
    }
    if ((when != -1 && !(flags & OPT_PXAT)) || (flags & OPT_GET) || valueIndex != 2)
        rewriteSet(c, valueIndex, flags, when);
}

static void setCommand(client *c) {
    if (c->argc == 3) {
        setPlain(c);
        return;
    }
    int flags;
    dstr expireArg;
    long long when = -1;
    if (parseExpireOptions(c, 3, 1, &flags, &expireArg) != 0) return;
    if (expireArg && expireToAbsolute(c, expireArg, flags, &when) != 0) return;
    setGeneric(c, flags, 2, when, 0);
}

static void setnxCommand(client *c) { setGeneric(c, OPT_NX, 2, -1, 1); }

static void setexGeneric(client *c, int unitFlag) {
    long long when;
    if (expireToAbsolute(c, c->argv[2], unitFlag, &when) != 0) return;
    setGeneric(c, unitFlag, 3, when, 0);
}

static void setexCommand(client *c) { setexGeneric(c, OPT_EX); }
static void psetexCommand(client *c) { setexGeneric(c, OPT_PX); }

/* --- GETEX / GETDEL / GETSET --- */

static void getexCommand(client *c) {
    serverDb *db = c->db;
    dstr key = c->argv[1];
    int flags;
    dstr expireArg;
    long long when = -1;
    if (parseExpireOptions(c, 2, 0, &flags, &expireArg) != 0) return;
    if (expireArg && expireToAbsolute(c, expireArg, flags, &when) != 0) return;
    kvobj *kv = dbLookupRead(db, key, stringLookupFlags(c));
    if (!kv) {
        replyNull(c);
        return;
    }
    if (kv->type != OBJ_STRING) {
        replyErrorWrongType(c);
        return;
    }
    stringReplyValue(c, kv);
    if (alreadyExpired(when)) {
        deleteAsCommand(c, key);
    } else if (when != -1) {
        dbSetExpire(db, kv, when);
        dbKeyWritten(db, key, NOTIFY_GENERIC, "expire");
        char ms[32];
        int n = ll2string(ms, sizeof(ms), when);
        stringRewriteArgv(c, 3, "PEXPIREAT", (size_t)9, key, dstrLen(key), ms, (size_t)n);
    } else if ((flags & OPT_PERSIST) && kvGetExpire(kv) != -1) {
        dbRemoveExpire(db, kv);
        dbKeyWritten(db, key, NOTIFY_GENERIC, "persist");
        stringRewriteArgv(c, 2, "PERSIST", (size_t)7, key, dstrLen(key));
    }
}

static void getdelCommand(client *c) {
    kvobj *kv = dbLookupRead(c->db, c->argv[1], stringLookupFlags(c));
    if (!kv) {
        replyNull(c);
        return;
    }
    if (kv->type != OBJ_STRING) {
        replyErrorWrongType(c);
        return;
    }
    stringReplyValue(c, kv);
    deleteAsCommand(c, c->argv[1]);
}

static void getsetCommand(client *c) {
    dstr key = c->argv[1];
    if (replyGet(c, key) != 0) return;
    storePlain(c, stringLookupWrite(c, key), key, 2, -1);
    dbMarkDirty(1);
    clientRewriteArg(c, 0, dstrNew("SET"));
}

/* --- MGET / MSET / MSETNX --- */

static void mgetCommand(client *c) {
    int flags = stringLookupFlags(c);
    replyArrayLen(c, c->argc - 1);
    for (int j = 1; j < c->argc; j++) {
        kvobj *kv = dbLookupRead(c->db, c->argv[j], flags);
        if (kv && kv->type == OBJ_STRING)
            stringReplyValue(c, kv);
        else
            replyNull(c);
    }
}

static void msetGeneric(client *c, int nx) {
    if (c->argc % 2 == 0) {
        replyErrorArity(c);
        return;
    }
    if (nx) {
        for (int j = 1; j < c->argc; j += 2) {
            if (stringLookupWrite(c, c->argv[j])) {
                replyLongLong(c, 0);
                return;
            }
        }
    }
    for (int j = 1; j < c->argc; j += 2) {
        dstr key = c->argv[j];
        storeValue(c, stringLookupWrite(c, key), key, j + 1, -1, 0);
    }
    dbMarkDirty((c->argc - 1) / 2);
    if (nx)
        replyLongLong(c, 1);
    else
        replyOk(c);
}

static void msetCommand(client *c) { msetGeneric(c, 0); }
static void msetnxCommand(client *c) { msetGeneric(c, 1); }

/* --- APPEND / STRLEN --- */

static void appendCommand(client *c) {
    serverDb *db = c->db;
    dstr key = c->argv[1], add = c->argv[2];
    size_t total;
    kvobj *kv = stringLookupWrite(c, key);
    if (!kv) {
        dbAdd(db, kvCreateString(key, dstrLen(key), add, dstrLen(add), -1, 1));
        total = dstrLen(add);
    } else {
        if (kv->type != OBJ_STRING) {
            replyErrorWrongType(c);
            return;
        }
        if (stringCheckLength(c, (long long)kvStringLen(kv), (long long)dstrLen(add)) != 0) return;
        kv = dbStringToRaw(db, kv);
        dstr s = dstrCatLen(kvGetPtr(kv), add, dstrLen(add));
        kvSetPtr(kv, s);
        total = dstrLen(s);
    }
    dbKeyWritten(db, key, NOTIFY_STRING, "append");
    replyLongLong(c, (long long)total);
}

static void strlenCommand(client *c) {
    kvobj *kv = dbLookupRead(c->db, c->argv[1], stringLookupFlags(c));
    if (!kv)
        replyLongLong(c, 0);
    else if (kv->type != OBJ_STRING)
        replyErrorWrongType(c);
    else
        replyLongLong(c, (long long)kvStringLen(kv));
}

/* --- Counters --- */

/* The integer held by a string entry; -1 if it does not hold one. */
static int entryLongLong(const kvobj *kv, long long *value) {
    if (kv->encoding == OBJ_ENCODING_INT) {
        *value = kvGetInt(kv);
        return 0;
    }
    char buf[32];
    size_t len;
    const char *p = kvStringBytes(kv, buf, &len);
    return string2ll(p, len, value) ? 0 : -1;
}

static void incrDecr(client *c, long long incr) {
    serverDb *db = c->db;
    dstr key = c->argv[1];
    long long value = 0;
    kvobj *kv = stringLookupWrite(c, key);
    if (kv) {
        if (kv->type != OBJ_STRING) {
            replyErrorWrongType(c);
            return;
        }
        if (entryLongLong(kv, &value) != 0) {
            replyErrorNotInteger(c);
            return;
        }
    }
    if ((incr < 0 && value < 0 && incr < LLONG_MIN - value) ||
        (incr > 0 && value > 0 && incr > LLONG_MAX - value)) {
        replyError(c, "ERR increment or decrement would overflow");
        return;
    }
    value += incr;
    if (kv && kv->encoding == OBJ_ENCODING_INT) {
        kvSetInt(kv, value); /* in place: no allocation */
    } else if (kv) {
        stringStore(db, kv, kvCreateInt(key, dstrLen(key), value, kvGetExpire(kv)));
    } else {
        dbAdd(db, kvCreateInt(key, dstrLen(key), value, -1));
    }
    dbKeyWritten(db, key, NOTIFY_STRING, "incrby");
    replyLongLong(c, value);
}

static void incrCommand(client *c) { incrDecr(c, 1); }
static void decrCommand(client *c) { incrDecr(c, -1); }

static void incrbyCommand(client *c) {
    long long incr;
    if (argLongLong(c, c->argv[2], &incr) == 0) incrDecr(c, incr);
}

static void decrbyCommand(client *c) {
    long long incr;
    if (argLongLong(c, c->argv[2], &incr) != 0) return;
    if (incr == LLONG_MIN) {
        replyError(c, "ERR decrement would overflow");
        return;
    }
    incrDecr(c, -incr);
}

/* Long doubles print with up to ~4950 digits (%.17Lf of LDBL_MAX); longer
 * inputs are not valid floats, as in Valkey. */
#define LONG_DOUBLE_CHARS (5 * 1024)

static int parseLongDouble(const char *p, size_t len, long double *value) {
    return len < LONG_DOUBLE_CHARS && string2ld(p, len, value);
}

static void incrbyfloatCommand(client *c) {
    serverDb *db = c->db;
    dstr key = c->argv[1];
    long double value = 0, incr;
    kvobj *kv = stringLookupWrite(c, key);
    if (kv && kv->type != OBJ_STRING) {
        replyErrorWrongType(c);
        return;
    }
    if (kv) {
        char buf[32];
        size_t len;
        const char *p = kvStringBytes(kv, buf, &len);
        if (!parseLongDouble(p, len, &value)) {
            replyErrorNotFloat(c);
            return;
        }
    }
    if (!parseLongDouble(c->argv[2], dstrLen(c->argv[2]), &incr)) {
        replyErrorNotFloat(c);
        return;
    }
    value += incr;
    char out[LONG_DOUBLE_CHARS];
    int len = isnan(value) || isinf(value) ? 0 : ld2string(out, sizeof(out), value, 1);
    if (len <= 0) {
        replyError(c, "ERR increment would produce NaN or Infinity");
        return;
    }
    long long expire = kv ? kvGetExpire(kv) : -1;
    stringStore(db, kv, kvCreateString(key, dstrLen(key), out, (size_t)len, expire, 0));
    dbKeyWritten(db, key, NOTIFY_STRING, "incrbyfloat");
    replyBulk(c, out, (size_t)len);
    stringRewriteArgv(c, 4, "SET", (size_t)3, key, dstrLen(key), out, (size_t)len, "KEEPTTL", (size_t)7);
}

/* --- GETRANGE / SETRANGE --- */

/* GETRANGE and SUBSTR: inclusive range, negative indexes count from the
 * end, out-of-range ends are clamped (Valkey's rules, quirks included: a
 * negative end before the string's start is clamped to 0). */
static void getrangeCommand(client *c) {
    long long start, end;
    if (argLongLong(c, c->argv[2], &start) != 0 || argLongLong(c, c->argv[3], &end) != 0) return;
    kvobj *kv = dbLookupRead(c->db, c->argv[1], stringLookupFlags(c));
    if (!kv) {
        replyBulk(c, "", 0);
        return;
    }
    if (kv->type != OBJ_STRING) {
        replyErrorWrongType(c);
        return;
    }
    char buf[32];
    size_t slen;
    const char *p = kvStringBytes(kv, buf, &slen);
    long long len = (long long)slen;
    if (start < 0 && end < 0 && start > end) {
        replyBulk(c, "", 0);
        return;
    }
    if (start < 0) start += len;
    if (end < 0) end += len;
    if (start < 0) start = 0;
    if (end < 0) end = 0;
    if (end >= len) end = len - 1;
    if (len == 0 || start > end)
        replyBulk(c, "", 0);
    else
        replyBulk(c, p + start, (size_t)(end - start + 1));
}

static void setrangeCommand(client *c) {
    serverDb *db = c->db;
    dstr key = c->argv[1], val = c->argv[3];
    size_t vlen = dstrLen(val);
    long offset;
    if (!string2l(c->argv[2], dstrLen(c->argv[2]), &offset)) {
        replyErrorNotInteger(c);
        return;
    }
    if (offset < 0) {
        replyError(c, "ERR offset is out of range");
        return;
    }
    kvobj *kv = stringLookupWrite(c, key);
    if (kv && kv->type != OBJ_STRING) {
        replyErrorWrongType(c);
        return;
    }
    if (vlen == 0) { /* nothing to write: the current length, no key created */
        replyLongLong(c, kv ? (long long)kvStringLen(kv) : 0);
        return;
    }
    if (stringCheckLength(c, offset, (long long)vlen) != 0) return;
    int grown;
    kv = stringLookupForInPlace(c, key, (size_t)offset + vlen, &grown);
    dstr s = kvGetPtr(kv);
    memcpy(s + offset, val, vlen);
    dbKeyWritten(db, key, NOTIFY_STRING, "setrange");
    replyLongLong(c, (long long)dstrLen(s));
}

/* --- LCS --- */

typedef struct lcsOptions {
    int len, idx, withMatchLen;
    long long minMatchLen;
} lcsOptions;

static int parseLcsOptions(client *c, lcsOptions *o) {
    memset(o, 0, sizeof(*o));
    for (int j = 3; j < c->argc; j++) {
        dstr a = c->argv[j];
        if (isToken(a, "idx")) {
            o->idx = 1;
        } else if (isToken(a, "len")) {
            o->len = 1;
        } else if (isToken(a, "withmatchlen")) {
            o->withMatchLen = 1;
        } else if (isToken(a, "minmatchlen") && j + 1 < c->argc) {
            if (argLongLong(c, c->argv[++j], &o->minMatchLen) != 0) return -1;
            if (o->minMatchLen < 0) o->minMatchLen = 0;
        } else {
            replyErrorSyntax(c);
            return -1;
        }
    }
    if (o->len && o->idx) {
        replyError(c, "ERR If you want both the length and indexes, please just use IDX.");
        return -1;
    }
    return 0;
}

/* The classic dynamic-programming table: T[i][j] is the LCS length of the
 * first i bytes of a and the first j bytes of b.  O(alen * blen) time and
 * 4 bytes per cell, which is why its size is capped by proto-max-bulk-len. */
typedef struct lcsTable {
    uint32_t *cells;
    size_t width; /* blen + 1 */
} lcsTable;

#define LCS_AT(t, i, j) ((t)->cells[(size_t)(i) * (t)->width + (j)])

static void lcsFill(lcsTable *t, const char *a, uint32_t alen, const char *b, uint32_t blen) {
    for (uint32_t j = 0; j <= blen; j++) LCS_AT(t, 0, j) = 0;
    for (uint32_t i = 1; i <= alen; i++) {
        LCS_AT(t, i, 0) = 0;
        for (uint32_t j = 1; j <= blen; j++) {
            if (a[i - 1] == b[j - 1]) {
                LCS_AT(t, i, j) = LCS_AT(t, i - 1, j - 1) + 1;
            } else {
                uint32_t up = LCS_AT(t, i - 1, j), left = LCS_AT(t, i, j - 1);
                LCS_AT(t, i, j) = up > left ? up : left;
            }
        }
    }
}

static void lcsReplyRange(client *c, const lcsOptions *o, uint32_t aStart, uint32_t aEnd,
                          uint32_t bStart, uint32_t bEnd) {
    replyArrayLen(c, 2 + (o->withMatchLen ? 1 : 0));
    replyArrayLen(c, 2);
    replyLongLong(c, aStart);
    replyLongLong(c, aEnd);
    replyArrayLen(c, 2);
    replyLongLong(c, bStart);
    replyLongLong(c, bEnd);
    if (o->withMatchLen) replyLongLong(c, (long long)(aEnd - aStart) + 1);
}

/* Walks the table back from (alen, blen), writing the common subsequence
 * into out (if not NULL) and, for IDX, replying each run of consecutive
 * matches (last run first).  On a mismatch it moves up when that keeps a
 * strictly longer LCS, else left: the order Valkey reports matches in.
 * Returns the number of ranges replied. */
static long lcsWalk(client *c, const lcsOptions *o, const lcsTable *t, const char *a, uint32_t alen,
                    const char *b, uint32_t blen, char *out) {
    uint32_t i = alen, j = blen, k = LCS_AT(t, alen, blen);
    uint32_t aStart = 0, aEnd = 0, bStart = 0, bEnd = 0;
    int open = 0;
    long ranges = 0;
    while (i > 0 && j > 0) {
        int close = 0;
        if (a[i - 1] == b[j - 1]) {
            if (out) out[k - 1] = a[i - 1];
            k--;
            if (!open) {
                aEnd = i - 1;
                bEnd = j - 1;
                open = 1;
            }
            /* A run only grows through consecutive matches: any mismatch
             * step in between closes it. */
            aStart = i - 1;
            bStart = j - 1;
            i--;
            j--;
            close = aStart == 0 || bStart == 0;
        } else {
            if (LCS_AT(t, i - 1, j) > LCS_AT(t, i, j - 1))
                i--;
            else
                j--;
            close = open;
        }
        if (close) {
            if (o->idx && (o->minMatchLen == 0 || (long long)(aEnd - aStart) + 1 >= o->minMatchLen)) {
                lcsReplyRange(c, o, aStart, aEnd, bStart, bEnd);
                ranges++;
            }
            open = 0;
        }
    }
    return ranges;
}

static void lcsCommand(client *c) {
    int flags = stringLookupFlags(c);
    kvobj *ka = dbLookupRead(c->db, c->argv[1], flags);
    kvobj *kb = dbLookupRead(c->db, c->argv[2], flags);
    if ((ka && ka->type != OBJ_STRING) || (kb && kb->type != OBJ_STRING)) {
        replyError(c, "ERR The specified keys must contain string values");
        return;
    }
    lcsOptions o;
    if (parseLcsOptions(c, &o) != 0) return;
    char bufa[32], bufb[32];
    size_t la = 0, lb = 0;
    const char *a = ka ? kvStringBytes(ka, bufa, &la) : "";
    const char *b = kb ? kvStringBytes(kb, bufb, &lb) : "";
    if (la >= UINT32_MAX - 1 || lb >= UINT32_MAX - 1) {
        replyError(c, "ERR String too long for LCS");
        return;
    }
    unsigned long long cells = (unsigned long long)(la + 1) * (lb + 1);
    if (cells > (unsigned long long)stringMaxLength() / sizeof(uint32_t)) {
        replyError(c, "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
        return;
    }
    lcsTable t = {memAlloc((size_t)cells * sizeof(uint32_t)), lb + 1};
    lcsFill(&t, a, (uint32_t)la, b, (uint32_t)lb);
    uint32_t total = LCS_AT(&t, la, lb);
    if (o.len) {
        replyLongLong(c, total);
    } else if (o.idx) {
        replyMapLen(c, 2);
        replyBulk(c, "matches", 7);
        void *deferred = replyDeferredLen(c);
        long ranges = lcsWalk(c, &o, &t, a, (uint32_t)la, b, (uint32_t)lb, NULL);
        replySetDeferredArrayLen(c, deferred, ranges);
        replyBulk(c, "len", 3);
        replyLongLong(c, total);
    } else {
        char *out = memAlloc(total ? total : 1);
        lcsWalk(c, &o, &t, a, (uint32_t)la, b, (uint32_t)lb, out);
        replyBulk(c, out, total);
        memFree(out);
    }
    memFree(t.cells);
}

const commandBinding stringCommands[] = {
    {"get", getCommand},
    {"set", setCommand},
    {"setnx", setnxCommand},
    {"setex", setexCommand},
    {"psetex", psetexCommand},
    {"getex", getexCommand},
    {"getdel", getdelCommand},
    {"getset", getsetCommand},
    {"mget", mgetCommand},
    {"mset", msetCommand},
    {"msetnx", msetnxCommand},
    {"append", appendCommand},
    {"strlen", strlenCommand},
    {"incr", incrCommand},
    {"decr", decrCommand},
    {"incrby", incrbyCommand},
    {"decrby", decrbyCommand},
    {"incrbyfloat", incrbyfloatCommand},
    {"getrange", getrangeCommand},
    {"substr", getrangeCommand},
    {"setrange", setrangeCommand},
    {"lcs", lcsCommand},
    {NULL, NULL},
};
