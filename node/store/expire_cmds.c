/* expire_cmds.c — the TTL commands: EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT
 * (with NX / XX / GT / LT), TTL, PTTL, EXPIRETIME, PEXPIRETIME, PERSIST.
 *
 * All four setters reduce to one absolute time in milliseconds, checked for
 * overflow at each step of the conversion (seconds to ms, then adding the
 * base time) because the argument may be any int64.  A key without a TTL
 * counts as an infinite TTL for GT and LT: GT never applies to it, LT always
 * does.
 *
 * Determinism for the AOF and replicas: a TTL that is set is propagated as
 * PEXPIREAT with the absolute time (the argv is rewritten), and a time
 * already in the past deletes the key on a primary and is propagated as DEL
 * (or UNLINK when the delete is lazy).  A replica never deletes on its own:
 * it stores the past TTL and hides the key until the primary's DEL. */
#include <limits.h>
#include <strings.h>

#include "node/base/mem.h"
#include "node/base/util.h"
#include "node/net/reply.h"
#include "node/store/db.h"
#include "node/store/keyspace_cmds.h"

#define EXPIRE_NX (1 << 0)
#define EXPIRE_XX (1 << 1)
#define EXPIRE_GT (1 << 2)
#define EXPIRE_LT (1 << 3)

enum { UNIT_SECONDS, UNIT_MILLISECONDS };

/* Options after EXPIRE key time.  Returns 0 on error (replied). */
static int parseExpireFlags(client *c, int *flags) {
    for (int j = 3; j < c->argc; j++) {
        const char *opt = c->argv[j];
        if (!strcasecmp(opt, "nx"))
            *flags |= EXPIRE_NX;
        else if (!strcasecmp(opt, "xx"))
            *flags |= EXPIRE_XX;
        else if (!strcasecmp(opt, "gt"))
            *flags |= EXPIRE_GT;
        else if (!strcasecmp(opt, "lt"))
            *flags |= EXPIRE_LT;
        else {
            replyErrorFormat(c, "ERR Unsupported option %.128s", opt);
            return 0;
        }
    }
    if ((*flags & EXPIRE_NX) && (*flags & (EXPIRE_XX | EXPIRE_GT | EXPIRE_LT))) {
        replyError(c, "ERR NX and XX, GT or LT options at the same time are not compatible");
        return 0;
    }
    if ((*flags & EXPIRE_GT) && (*flags & EXPIRE_LT)) {
        replyError(c, "ERR GT and LT options at the same time are not compatible");
        return 0;
    }
    return 1;
}

/* Whether the flags let `when` replace the current TTL (-1: none). */
static int flagsAllow(int flags, long long current, long long when) {
    if ((flags & EXPIRE_NX) && current != -1) return 0;
    if ((flags & EXPIRE_XX) && current == -1) return 0;
    if ((flags & EXPIRE_GT) && (current == -1 || when <= current)) return 0;
    if ((flags & EXPIRE_LT) && current != -1 && when >= current) return 0;
    return 1;
}

/* The argument as an absolute ms time.  Returns 0 on error (replied). */
static int absoluteWhen(client *c, long long basetime, int unit, long long *when) {
    const dstr arg = c->argv[2];
    long long v;
    if (!string2ll(arg, dstrLen(arg), &v)) {
        replyErrorNotInteger(c);
        return 0;
    }
    if (unit == UNIT_SECONDS) {
        if (v > LLONG_MAX / 1000 || v < LLONG_MIN / 1000) {
            replyErrorExpireTime(c);
            return 0;
        }
        v *= 1000;
    }
    if (v > LLONG_MAX - basetime) {
        replyErrorExpireTime(c);
        return 0;
    }
    *when = v + basetime;
    return 1;
}

/* A TTL in the past on a primary: the key goes now, as an explicit delete. */
static void deleteAlreadyExpired(client *c, const dstr key) {
    int lazy = keyspaceLazySetting(LAZY_EXPIRE);
    kvobj *kv = dbUnlink(c->db, key);
    keyspaceFreeDetached(kv, LAZY_EXPIRE);
    dbGetStats()->expiredKeys++;
    dbKeyWritten(c->db, key, NOTIFY_GENERIC, "del");
    dstr *argv = memAlloc(sizeof(dstr) * 2);
    argv[0] = dstrNew(lazy ? "UNLINK" : "DEL");
    argv[1] = dstrDup(key);
    clientReplaceArgv(c, 2, argv); /* key is not used after this */
}

static void propagateAsPexpireat(client *c, long long when, int rewriteTime) {
    if (strcasecmp(c->argv[0], "pexpireat") != 0) clientRewriteArg(c, 0, dstrNew("PEXPIREAT"));
    if (rewriteTime) {
        char buf[32];
        int len = ll2string(buf, sizeof(buf), when);
        clientRewriteArg(c, 2, dstrNewLen(buf, (size_t)len));
    }
}

static void expireGeneric(client *c, long long basetime, int unit) {
    const dstr key = c->argv[1];
    int flags = 0;
    long long when;
    if (!parseExpireFlags(c, &flags)) return;
    if (!absoluteWhen(c, basetime, unit, &when)) return;
    kvobj *kv = dbLookupWrite(c->db, key);
    if (!kv || (flags && !flagsAllow(flags, kvGetExpire(kv), when))) {
        replyLongLong(c, 0);
        return;
    }
    if (when <= dbNow() && dbExpireDeletes()) {
        replyLongLong(c, 1);
        deleteAlreadyExpired(c, key);
        return;
    }
    dbSetExpire(c->db, kv, when);
    dbKeyWritten(c->db, key, NOTIFY_GENERIC, "expire");
    replyLongLong(c, 1);
    propagateAsPexpireat(c, when, basetime != 0 || unit == UNIT_SECONDS);
}

static void expireCommand(client *c) { expireGeneric(c, dbNow(), UNIT_SECONDS); }
static void pexpireCommand(client *c) { expireGeneric(c, dbNow(), UNIT_MILLISECONDS); }
static void expireatCommand(client *c) { expireGeneric(c, 0, UNIT_SECONDS); }
static void pexpireatCommand(client *c) { expireGeneric(c, 0, UNIT_MILLISECONDS); }

/* --- Reading TTLs --- */

/* -2: no key, -1: no TTL; else the remaining (or absolute) time, in ms or
 * rounded to the nearest second. */
static void ttlGeneric(client *c, int inMs, int absolute) {
    kvobj *kv = dbLookupRead(c->db, c->argv[1], LOOKUP_NOTOUCH);
    if (!kv) {
        replyLongLong(c, -2);
        return;
    }
    long long expire = kvGetExpire(kv);
    if (expire == -1) {
        replyLongLong(c, -1);
        return;
    }
    long long t = absolute ? expire : expire - dbNow();
    if (t < 0) t = 0;
    if (!inMs) t = t > LLONG_MAX - 500 ? t / 1000 : (t + 500) / 1000;
    replyLongLong(c, t);
}

static void ttlCommand(client *c) { ttlGeneric(c, 0, 0); }
static void pttlCommand(client *c) { ttlGeneric(c, 1, 0); }
static void expiretimeCommand(client *c) { ttlGeneric(c, 0, 1); }
static void pexpiretimeCommand(client *c) { ttlGeneric(c, 1, 1); }

static void persistCommand(client *c) {
    const dstr key = c->argv[1];
    kvobj *kv = dbLookupWrite(c->db, key);
    if (!kv || kvGetExpire(kv) == -1) {
        replyLongLong(c, 0);
        return;
    }
    dbRemoveExpire(c->db, kv);
    dbKeyWritten(c->db, key, NOTIFY_GENERIC, "persist");
    replyLongLong(c, 1);
}

const commandBinding expireCommands[] = {
    {"expire", expireCommand},
    {"pexpire", pexpireCommand},
    {"expireat", expireatCommand},
    {"pexpireat", pexpireatCommand},
    {"ttl", ttlCommand},
    {"pttl", pttlCommand},
    {"expiretime", expiretimeCommand},
    {"pexpiretime", pexpiretimeCommand},
    {"persist", persistCommand},
    {NULL, NULL},
};
