/* propagate.c — the propagation stream (see propagate.h for what enters it).
 *
 * Design: commands are encoded once, as RESP, into one pending "unit"
 * buffer (the bytes of each command plus its db id in a small op table).
 * The unit ends when a command outside EXEC, or EXEC itself, returns from
 * its proc (dispatch's afterWrite; afterCall for a command that only
 * expired keys) or, outside any command, at once.  Ending a unit renders
 * it for each sink: SELECT where that sink's current db differs from the
 * op's, MULTI/EXEC around the unit when it holds more than one op.  SELECT
 * before MULTI comes from the first op's db, so the transaction's header is
 * what Valkey writes ("SELECT n, MULTI, ..."); a SELECT run inside EXEC
 * gives a SELECT inside the transaction.
 *
 * Why one buffer per unit and a render per sink: the common case is one
 * sink (the AOF) or several that agree on the db, for which the render is
 * one append of the encoded bytes; a sink that fell behind on the db (a new
 * AOF file, a new replica link) gets its SELECT without disturbing others.
 *
 * Invariants: the op table and the buffer are empty between units; a sink's
 * db is the db of the last command it received (-1: none, next gets SELECT).
 * Nothing is recorded while suspended (loading) or when no sink exists. */
#include "node/server/propagate.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "node/base/mem.h"
#include "node/base/util.h"
#include "node/server/command.h"
#include "node/server/dispatch.h"
#include "node/store/db.h"

struct propagateSink {
    propagateSinkFn fn;
    void *ctx;
    int db;
    propagateSink *next;
};

typedef struct unitOp {
    int db;
    size_t offset, len; /* in unitBytes */
} unitOp;

static propagateSink *sinks;
static int suspended;

static dstr unitBytes;         /* RESP of the pending ops, back to back */
static unitOp *unitOps;
static int unitCount, unitCap;
static dstr renderBuf;         /* scratch for one sink's rendering */

static long long commandsPropagated, transactionsPropagated;

long long propagateCommandCount(void) { return commandsPropagated; }
long long propagateTransactionCount(void) { return transactionsPropagated; }

/* --- Sinks --- */

propagateSink *propagateAddSink(propagateSinkFn fn, void *ctx) {
    propagateSink *s = memCalloc(sizeof(*s));
    s->fn = fn;
    s->ctx = ctx;
    s->db = -1;
    propagateSink **tail = &sinks;
    while (*tail) tail = &(*tail)->next;
    *tail = s;
    return s;
}

void propagateRemoveSink(propagateSink *sink) {
    for (propagateSink **p = &sinks; *p; p = &(*p)->next) {
        if (*p == sink) {
            *p = sink->next;
            memFree(sink);
            return;
        }
    }
}

void propagateSinkReselect(propagateSink *sink) { sink->db = -1; }
int propagateSinkDb(const propagateSink *sink) { return sink->db; }

void propagateSuspend(void) { suspended++; }
void propagateResume(void) {
    if (suspended > 0) suspended--;
}
int propagateSuspended(void) { return suspended > 0; }

static int recording(void) { return sinks && !suspended; }

/* --- Encoding --- */

/* "*N\r\n" or "$N\r\n": on every propagated write, so no printf. */
static dstr catBulkHeader(dstr s, char type, size_t n) {
    char hdr[32];
    hdr[0] = type;
    int len = 1 + ull2string(hdr + 1, sizeof(hdr) - 3, n);
    hdr[len++] = '\r';
    hdr[len++] = '\n';
    return dstrCatLen(s, hdr, (size_t)len);
}

static dstr catBulk(dstr s, const char *p, size_t len) {
    s = catBulkHeader(s, '$', len);
    s = dstrCatLen(s, p, len);
    return dstrCatLen(s, "\r\n", 2);
}

static dstr catSelect(dstr s, int db) {
    char num[16];
    int n = snprintf(num, sizeof(num), "%d", db);
    s = dstrCatLen(s, "*2\r\n$6\r\nSELECT\r\n", 16);
    return catBulk(s, num, (size_t)n);
}

static void addOp(int db, size_t offset) {
    if (unitCount == unitCap) {
        unitCap = unitCap ? unitCap * 2 : 8;
        unitOps = memRealloc(unitOps, sizeof(*unitOps) * (size_t)unitCap);
    }
    unitOps[unitCount++] = (unitOp){.db = db, .offset = offset, .len = dstrLen(unitBytes) - offset};
}

/* --- Rendering a unit for the sinks --- */

static int needsSelect(const propagateSink *s) {
    for (int i = 0; i < unitCount; i++)
        if (unitOps[i].db != s->db) return 1;
    return 0;
}

static void renderForSink(propagateSink *s, int wrap) {
    /* The common case: the sink is on the unit's db already; the encoded
     * bytes go out as they are. */
    if (!wrap && !needsSelect(s)) {
        s->fn(s->ctx, unitBytes, dstrLen(unitBytes));
        return;
    }
    dstrClear(renderBuf);
    if (wrap) {
        if (s->db != unitOps[0].db) {
            renderBuf = catSelect(renderBuf, unitOps[0].db);
            s->db = unitOps[0].db;
        }
        renderBuf = dstrCatLen(renderBuf, "*1\r\n$5\r\nMULTI\r\n", 15);
    }
    for (int i = 0; i < unitCount; i++) {
        if (s->db != unitOps[i].db) {
            renderBuf = catSelect(renderBuf, unitOps[i].db);
            s->db = unitOps[i].db;
        }
        renderBuf = dstrCatLen(renderBuf, unitBytes + unitOps[i].offset, unitOps[i].len);
    }
    if (wrap) renderBuf = dstrCatLen(renderBuf, "*1\r\n$4\r\nEXEC\r\n", 14);
    s->fn(s->ctx, renderBuf, dstrLen(renderBuf));
}

void propagateFlushUnit(int allowTransaction) {
    if (unitCount == 0) return;
    int wrap = allowTransaction && unitCount > 1;
    if (!renderBuf) renderBuf = dstrEmpty();
    /* A sink may remove itself from its callback (a failed link). */
    for (propagateSink *s = sinks, *next; s; s = next) {
        next = s->next;
        renderForSink(s, wrap);
    }
    commandsPropagated += unitCount;
    if (wrap) transactionsPropagated++;
    unitCount = 0;
    dstrClear(unitBytes);
    /* Don't keep a huge buffer around after one big command. */
    if (dstrAllocSize(unitBytes) > 1024 * 1024) {
        dstrFree(unitBytes);
        unitBytes = dstrEmpty();
    }
    if (dstrAllocSize(renderBuf) > 1024 * 1024) {
        dstrFree(renderBuf);
        renderBuf = dstrEmpty();
    }
}

/* --- Adding commands --- */

static void beginOp(size_t *offset, int argc) {
    if (!unitBytes) unitBytes = dstrEmpty();
    *offset = dstrLen(unitBytes);
    unitBytes = catBulkHeader(unitBytes, '*', (size_t)argc);
}

/* Outside a command an op is a unit of its own (active expiry, cron). */
static void endOp(int db, size_t offset) {
    addOp(db, offset);
    if (!dispatchInCommand()) propagateFlushUnit(0);
}

void propagateCommand(int dbid, int argc, const dstr *argv) {
    if (!recording()) return;
    size_t offset;
    beginOp(&offset, argc);
    for (int i = 0; i < argc; i++) unitBytes = catBulk(unitBytes, argv[i], dstrLen(argv[i]));
    endOp(dbid, offset);
}

void propagateCommandArgs(int dbid, int argc, const char *const *argv, const size_t *lens) {
    if (!recording()) return;
    size_t offset;
    beginOp(&offset, argc);
    for (int i = 0; i < argc; i++) unitBytes = catBulk(unitBytes, argv[i], lens[i]);
    endOp(dbid, offset);
}

/* --- Hooks --- */

static int isExec(const serverCommand *cmd) { return cmd->fullname && !strcmp(cmd->fullname, "exec"); }

/* Valkey's rule: a command that may touch arbitrary keys is not wrapped
 * (its effects need no atomicity on the replayer). */
static int mayWrap(const serverCommand *cmd) { return !(cmd->flags & CMD_TOUCHES_ARBITRARY_KEYS) || isExec(cmd); }

/* The unit of a command ends as soon as its proc returned (here, before
 * any afterCall hook): blocked clients served from an afterCall hook then
 * run as units of their own, as in Valkey, and not inside this one. */
void propagateAfterWrite(client *c, serverCommand *cmd, long long dirty) {
    (void)dirty;
    if (!recording() || !c->db) return;
    /* EXEC's own dirty count is the sum of its commands, which were
     * recorded one by one as they ran: EXEC only ends the unit. */
    if (isExec(cmd)) {
        propagateFlushUnit(1);
        return;
    }
    size_t offset;
    beginOp(&offset, c->argc);
    for (int i = 0; i < c->argc; i++) unitBytes = catBulk(unitBytes, c->argv[i], dstrLen(c->argv[i]));
    addOp(c->db->id, offset);
    if (!(c->flags & CLIENT_EXECUTING_MULTI)) propagateFlushUnit(mayWrap(cmd));
}

/* Ends a unit that holds only DELs (a read command that expired keys). */
void propagateAfterCall(client *c, serverCommand *cmd, long long durationUs) {
    (void)durationUs;
    /* Inside EXEC: the transaction is one unit, ended by EXEC itself. */
    if (c->flags & CLIENT_EXECUTING_MULTI) return;
    propagateFlushUnit(mayWrap(cmd));
}

void propagateKeyExpired(serverDb *db, const dstr key) {
    if (!recording()) return;
    size_t offset;
    beginOp(&offset, 2);
    unitBytes = dstrCatLen(unitBytes, "$3\r\nDEL\r\n", 9);
    unitBytes = catBulk(unitBytes, key, dstrLen(key));
    endOp(db->id, offset);
}

static const dbHooks propagateDbHooks = {.keyExpired = propagateKeyExpired};

void propagateInit(void) {
    static int done;
    if (done) return;
    done = 1;
    dispatchSetAfterWrite(propagateAfterWrite);
    dispatchAddAfterCall(propagateAfterCall);
    dbAddHooks(&propagateDbHooks);
}
