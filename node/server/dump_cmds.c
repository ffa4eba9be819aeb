/* dump_cmds.c — DUMP and RESTORE: a key's value out as a self-checking
 * payload, and back in under any key (rdb/rdb_dump.c holds the format).
 *
 * RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME s] [FREQ f] checks in
 * Valkey's order, so the same bad call gets the same error: options, then
 * the target key (BUSYKEY without REPLACE), then the TTL, then the payload's
 * footer ("DUMP payload version or checksum are wrong"), then the value
 * itself ("Bad data format").  Nothing in the keyspace changes until the
 * value has loaded completely.
 *
 * TTL: 0 is none, otherwise milliseconds from now, or an absolute Unix time
 * in ms with ABSTTL.  A time already past on a primary does not create the
 * key; with REPLACE the old key is deleted all the same and the command is
 * propagated as DEL (UNLINK when lazyfree-lazy-server-del is on).  A replica
 * stores what its primary sent, past or not.
 *
 * Propagation: a relative TTL becomes absolute (argv[2] rewritten and
 * ABSTTL appended), so the AOF and replicas restore the same deadline
 * whenever they replay it.  IDLETIME / FREQ go through unchanged; they set
 * the entry's access bits the way the current maxmemory-policy reads them
 * (rdb.h: rdbApplyKeyAccess), and the other one is ignored, as in Valkey.
 *
 * RESTORE-ASKING is the same command with the ASKING flag in the command
 * table (cluster migration, issue 7); it shares the implementation. */
#include "node/server/dump_cmds.h"

#include <limits.h>
#include <strings.h>

#include "node/base/mem.h"
#include "node/base/util.h"
#include "node/net/args.h"
#include "node/net/reply.h"
#include "node/server/command.h"
#include "node/server/config.h"
#include "node/store/db.h"
#include "node/store/keyspace_cmds.h"
#include "rdb/rdb.h"

/* rdbcompression decides LZF in DUMP payloads as in files; the setting is
 * persist.c's, read through the config system's storage for it. */
static int dumpCompression(void) {
    const configDef *def = configLookup("rdbcompression");
    return def && def->storage ? *(const int *)def->storage : 1;
}

/* --- DUMP --- */

static void dumpCommand(client *c) {
    kvobj *kv = dbLookupRead(c->db, c->argv[1], keyspaceReadFlags(c));
    if (!kv) {
        replyNull(c);
        return;
    }
    dstr payload = rdbDumpCreate(kv, dumpCompression());
    if (!payload) {
        replyErrorFormat(c, "ERR DUMP is not supported for values of type '%s'", kvTypeName(kv->type));
        return;
    }
    replyBulkDstr(c, payload);
    dstrFree(payload);
}

/* --- RESTORE --- */

typedef struct restoreArgs {
    int replace, absttl;
    long long idle; /* IDLETIME seconds, -1 if not given */
    int freq;       /* FREQ, -1 if not given */
    long long ttl;
} restoreArgs;

/* The options after the payload.  Returns 0 on error (replied).  IDLETIME
 * and FREQ exclude each other: the second one is a syntax error. */
static int parseRestoreOptions(client *c, restoreArgs *a) {
    for (int j = 4; j < c->argc; j++) {
        const char *opt = c->argv[j];
        int more = c->argc - j - 1;
        long long v;
        if (!strcasecmp(opt, "replace")) {
            a->replace = 1;
        } else if (!strcasecmp(opt, "absttl")) {
            a->absttl = 1;
        } else if (!strcasecmp(opt, "idletime") && more >= 1 && a->freq == -1) {
            if (argLongLong(c, c->argv[++j], &v) != 0) return 0;
            if (v < 0) {
                replyError(c, "ERR Invalid IDLETIME value, must be >= 0");
                return 0;
            }
            a->idle = v;
        } else if (!strcasecmp(opt, "freq") && more >= 1 && a->idle == -1) {
            if (argLongLong(c, c->argv[++j], &v) != 0) return 0;
            if (v < 0 || v > 255) {
                replyError(c, "ERR Invalid FREQ value, must be >= 0 and <= 255");
                return 0;
            }
            a->freq = (int)v;
        } else {
            replyErrorSyntax(c);
            return 0;
        }
    }
    return 1;
}

/* Everything RESTORE checks before it touches the keyspace.  Returns the
 * loaded value, or NULL after replying. */
static kvobj *restoreCheck(client *c, restoreArgs *a) {
    if (!parseRestoreOptions(c, a)) return NULL;
    if (!a->replace && dbLookupWrite(c->db, c->argv[1])) {
        replyError(c, "BUSYKEY Target key name already exists.");
        return NULL;
    }
    if (argLongLong(c, c->argv[2], &a->ttl) != 0) return NULL;
    if (a->ttl < 0) {
        replyError(c, "ERR Invalid TTL value, must be >= 0");
        return NULL;
    }
    if (a->ttl && !a->absttl) {
        long long now = dbNow();
        if (a->ttl > LLONG_MAX - now) {
            replyErrorExpireTime(c);
            return NULL;
        }
        a->ttl += now;
    }
    const dstr payload = c->argv[3];
    if (rdbDumpVerify(payload, dstrLen(payload), NULL) != 0) {
        replyError(c, "ERR DUMP payload version or checksum are wrong");
        return NULL;
    }
    dstr err = NULL;
    kvobj *kv = rdbDumpLoad(payload, dstrLen(payload), c->argv[1], a->ttl ? a->ttl : -1, &err);
    dstrFree(err);
    if (!kv) replyError(c, "ERR Bad data format");
    return kv;
}

/* Deletes the key being replaced; returns 1 if there was one. */
static int deleteReplaced(client *c) {
    kvobj *old = dbUnlink(c->db, c->argv[1]);
    if (!old) return 0;
    keyspaceFreeDetached(old, LAZY_SERVER_DEL);
    return 1;
}

/* A key replaced by a value that is already expired: only the delete
 * happened, and that is what replicas and the AOF get. */
static void propagateAsDelete(client *c) {
    dstr key = dstrDup(c->argv[1]);
    dbKeyWritten(c->db, key, NOTIFY_GENERIC, "del");
    dstr *argv = memAlloc(sizeof(dstr) * 2);
    argv[0] = dstrNew(keyspaceLazySetting(LAZY_SERVER_DEL) ? "UNLINK" : "DEL");
    argv[1] = key;
    clientReplaceArgv(c, 2, argv);
}

/* RESTORE key <absolute ms> payload [options...] ABSTTL.  The payload is
 * taken over rather than copied (it may be large). */
static void propagateWithAbsoluteTtl(client *c, long long when) {
    int argc = c->argc + 1;
    dstr *argv = memAlloc(sizeof(dstr) * (size_t)argc);
    for (int i = 0; i < c->argc; i++) argv[i] = i == 3 ? clientTakeArg(c, 3) : dstrDup(c->argv[i]);
    char buf[32];
    int len = ll2string(buf, sizeof(buf), when);
    dstrFree(argv[2]);
    argv[2] = dstrNewLen(buf, (size_t)len);
    argv[argc - 1] = dstrNew("ABSTTL");
    clientReplaceArgv(c, argc, argv);
}

static void restoreCommand(client *c) {
    restoreArgs a = {.idle = -1, .freq = -1};
    kvobj *kv = restoreCheck(c, &a);
    if (!kv) return;
    int deleted = a.replace && deleteReplaced(c);
    if (a.ttl && a.ttl <= dbNow() && dbExpireDeletes()) {
        kvFree(kv);
        if (deleted) propagateAsDelete(c);
        replyOk(c);
        return;
    }
    dbAdd(c->db, kv);
    rdbApplyKeyAccess(kv, a.idle, a.freq);
    dbKeyWritten(c->db, c->argv[1], NOTIFY_GENERIC, "restore");
    replyOk(c);
    if (a.ttl && !a.absttl) propagateWithAbsoluteTtl(c, a.ttl);
}

void dumpCmdsInit(void) {
    commandBind((const commandBinding[]){
        {"dump", dumpCommand},
        {"restore", restoreCommand},
        {"restore-asking", restoreCommand},
        {NULL, NULL},
    });
}
