/* multi.c — MULTI / EXEC / DISCARD / WATCH / UNWATCH.
 *
 * Queueing.  A dispatch gate (registered after CLIENT PAUSE's, so a paused
 * write is held before it is queued, as Valkey does) sees every command of
 * a client in MULTI once arity, auth and the earlier gates accepted it.
 * It queues an owned copy of argv and replies +QUEUED; MULTI, EXEC,
 * DISCARD, WATCH, QUIT and RESET run at once; a no-multi command is
 * refused.  A command refused before reaching the gate (unknown command,
 * arity, NOAUTH, an earlier gate) must abort the transaction too, and the
 * gate learns about it without a hook in every rejection path: each
 * command of a client bumps c->commandsProcessed once, so a gap between
 * the index of the last command the gate saw and the current one means a
 * command in between was rejected (a command CLIENT PAUSE re-runs was
 * counted when first held: its index is one less).  Fake clients (AOF
 * loading, scripts) have no such counter and are trusted: no check.
 *
 * EXEC hands each queued argv to the client (clientReplaceArgv: inner
 * commands may rewrite or replace their arguments for propagation) and runs
 * it through dispatchCall with CLIENT_EXECUTING_MULTI set, so stats,
 * slowlog and propagation see each command; blocked clients woken by the
 * transaction are served only after EXEC returns (blocking.c looks at the
 * flag).  EXEC's own argv is put back at the end for the after-call hooks.
 *
 * WATCH.  Per database, a table maps each watched key to the list of its
 * watchers; a client holds an array of its watcher records.  The db hooks
 * call in on every change: keyModified marks the watchers of that key
 * dirty; dbFlushed (FLUSHDB, FLUSHALL, SWAPDB — after the fact) walks the
 * watched keys of that database.  A dirty client stops watching at once
 * (nothing can make it clean again but EXEC, DISCARD, UNWATCH or RESET).
 *
 * Expiry follows Valkey 7: a key already logically expired when watched
 * counts as absent, so its deletion by expiry or a flush changes nothing;
 * a key that expires after WATCH makes EXEC fail even if nobody deleted it
 * yet.  Because dbFlushed runs after the database was emptied or swapped,
 * each record remembers whether its key existed when watched (any creation
 * since would have dirtied the record), which tells whether the flush or
 * swap removed something.
 *
 * Invariants: a watcher record is in its key's list exactly while it is in
 * its client's array; a table entry exists only while its list is not
 * empty; CLIENT_MULTI is set exactly while c->multiState holds a queue. */
#include "node/server/multi.h"

#include <string.h>
#include <strings.h>

#include "node/base/hash.h"
#include "node/base/mem.h"
#include "node/net/client_info.h"
#include "node/net/reply.h"
#include "node/server/client_pause.h"
#include "node/server/command.h"
#include "node/server/dispatch.h"
#include "node/server/info.h"
#include "node/server/server.h"
#include "node/store/db.h"
#include "node/store/hashtable.h"

typedef struct watchedKey watchedKey;

/* One client watching one key. */
typedef struct watcher {
    client *c;
    watchedKey *wk;
    int expired;     /* logically expired when watched (Valkey's rule) */
    int exists;      /* the key was in the table when watched */
    struct watcher *prev, *next;
} watcher;

struct watchedKey {
    dstr key;
    int dbid;
    watcher *head;
};

typedef struct queuedCommand {
    serverCommand *cmd;
    int argc;
    dstr *argv;      /* owned; NULL once handed to the client by EXEC */
} queuedCommand;

typedef struct multiState {
    queuedCommand *queue;
    int count, cap;
    uint64_t queuedFlags;  /* union of the queued commands' CMD_* flags */
    size_t queuedBytes;    /* argument bytes held (CLIENT LIST multi-mem) */
    uint64_t seq;          /* command index last seen by the gate */
    int dirtyCas;          /* a watched key changed */
    watcher **watched;
    int watchCount, watchCap;
} multiState;

static hashtable **watchTables;   /* per db, created on first WATCH */
static size_t watchedKeys;        /* entries over all tables */
static size_t watchingClients;

/* --- Per-client state --- */

static multiState *stateOf(client *c) {
    if (!c->multiState) c->multiState = memCalloc(sizeof(multiState));
    return c->multiState;
}

static void freeQueue(multiState *ms) {
    for (int i = 0; i < ms->count; i++)
        if (ms->queue[i].argv) clientFreeArgvCopy(ms->queue[i].argv, ms->queue[i].argc);
    memFree(ms->queue);
    ms->queue = NULL;
    ms->count = ms->cap = 0;
    ms->queuedFlags = 0;
    ms->queuedBytes = 0;
}

/* The index of the running command among all of c's commands. */
static uint64_t commandIndex(const client *c) {
    if (clientPauseRerunning() == c) return c->commandsProcessed - 1;
    return c->commandsProcessed;
}

/* --- Watch index --- */

static const void *watchedKeyGetKey(const void *entry) { return ((const watchedKey *)entry)->key; }
static uint64_t watchedKeyHash(const void *key) { return hashBytes(key, dstrLen((const dstr)key)); }
static int watchedKeyCompare(const void *a, const void *b) {
    size_t la = dstrLen((const dstr)a), lb = dstrLen((const dstr)b);
    return la != lb || memcmp(a, b, la) != 0;
}
static void watchedKeyFree(void *entry) {
    watchedKey *wk = entry;
    dstrFree(wk->key);
    memFree(wk);
}

static hashtableType watchedKeyType = {
    .entryGetKey = watchedKeyGetKey,
    .hashFunction = watchedKeyHash,
    .keyCompare = watchedKeyCompare,
    .entryDestructor = watchedKeyFree,
};

static hashtable *watchTable(int dbid, int create) {
    if (!watchTables) {
        if (!create) return NULL;
        watchTables = memCalloc(sizeof(hashtable *) * (size_t)dbCountDatabases());
    }
    if (!watchTables[dbid] && create) watchTables[dbid] = hashtableCreate(&watchedKeyType);
    return watchTables[dbid];
}

static int isWatching(multiState *ms, int dbid, const dstr key) {
    for (int i = 0; i < ms->watchCount; i++) {
        watchedKey *wk = ms->watched[i]->wk;
        if (wk->dbid == dbid && dstrLen(wk->key) == dstrLen(key) && !memcmp(wk->key, key, dstrLen(key)))
            return 1;
    }
    return 0;
}

static void watchKey(client *c, const dstr key) {
    multiState *ms = stateOf(c);
    int dbid = c->db->id;
    if (isWatching(ms, dbid, key)) return;
    hashtable *t = watchTable(dbid, 1);
    void *found;
    watchedKey *wk;
    if (hashtableFind(t, key, &found)) {
        wk = found;
    } else {
        wk = memCalloc(sizeof(watchedKey));
        wk->key = dstrDup(key);
        wk->dbid = dbid;
        hashtableAdd(t, wk);
        watchedKeys++;
    }
    kvobj *kv = dbFind(c->db, key);
    watcher *w = memCalloc(sizeof(watcher));
    *w = (watcher){c, wk, kv && dbIsExpired(kv), kv != NULL, NULL, wk->head};
    if (wk->head) wk->head->prev = w;
    wk->head = w;
    if (ms->watchCount == ms->watchCap) {
        ms->watchCap = ms->watchCap ? ms->watchCap * 2 : 4;
        ms->watched = memRealloc(ms->watched, sizeof(watcher *) * (size_t)ms->watchCap);
    }
    if (ms->watchCount == 0) watchingClients++;
    ms->watched[ms->watchCount++] = w;
}

static void unlinkWatcher(watcher *w) {
    watchedKey *wk = w->wk;
    if (w->prev) w->prev->next = w->next;
    else wk->head = w->next;
    if (w->next) w->next->prev = w->prev;
    if (!wk->head) {
        hashtableDelete(watchTables[wk->dbid], wk->key);
        watchedKeys--;
    }
    memFree(w);
}

static void unwatchAll(client *c) {
    multiState *ms = c->multiState;
    if (!ms || ms->watchCount == 0) return;
    for (int i = 0; i < ms->watchCount; i++) unlinkWatcher(ms->watched[i]);
    memFree(ms->watched);
    ms->watched = NULL;
    ms->watchCount = ms->watchCap = 0;
    watchingClients--;
}

/* Clients made dirty by one event, unwatched after the walk (unwatching
 * during it could free the list being walked). */
typedef struct dirtyList {
    client **v;
    size_t len, cap;
} dirtyList;

static void dirtyAdd(dirtyList *d, client *c) {
    multiState *ms = c->multiState;
    if (ms->dirtyCas) return;
    ms->dirtyCas = 1;
    if (d->len == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 8;
        d->v = memRealloc(d->v, sizeof(client *) * d->cap);
    }
    d->v[d->len++] = c;
}

static void dirtyFinish(dirtyList *d) {
    for (size_t i = 0; i < d->len; i++) unwatchAll(d->v[i]);
    memFree(d->v);
}

static void onKeyModified(serverDb *db, const dstr key) {
    if (!watchedKeys) return;
    hashtable *t = watchTable(db->id, 0);
    void *found;
    if (!t || !hashtableFind(t, key, &found)) return;
    dirtyList d = {0};
    for (watcher *w = ((watchedKey *)found)->head; w; w = w->next) {
        if (w->expired && !dbFind(db, key)) {
            /* Expired when watched and now deleted: logically no change. */
            w->expired = w->exists = 0;
            continue;
        }
        dirtyAdd(&d, w->c);
    }
    dirtyFinish(&d);
}

/* After FLUSHDB / FLUSHALL / SWAPDB of dbid: w->exists tells what the
 * database held before, dbFind what it holds now. */
static int flushTouches(watcher *w, serverDb *db) {
    kvobj *kv = dbFind(db, w->wk->key);
    int nowExpired = kv && dbIsExpired(kv);
    if (!w->exists && !kv) return 0;
    if (w->expired) {
        if (!kv) {
            w->expired = w->exists = 0;
            return 0;
        }
        return !nowExpired;
    }
    if (!w->exists && nowExpired) {
        w->expired = w->exists = 1;
        return 0;
    }
    return 1;
}

static void onDbFlushed(int dbid) {
    hashtable *t = watchTable(dbid, 0);
    if (!t || hashtableSize(t) == 0) return;
    serverDb *db = dbByIndex(dbid);
    dirtyList d = {0};
    hashtableIterator it;
    void *entry;
    hashtableInitIterator(&it, t, 0);
    while (hashtableNext(&it, &entry))
        for (watcher *w = ((watchedKey *)entry)->head; w; w = w->next)
            if (flushTouches(w, db)) dirtyAdd(&d, w->c);
    hashtableResetIterator(&it);
    dirtyFinish(&d);
}

/* EXEC fails when a key that was live when watched has expired since,
 * even if nothing deleted it yet. */
static int watchedKeyExpired(client *c) {
    multiState *ms = c->multiState;
    if (!ms) return 0;
    for (int i = 0; i < ms->watchCount; i++) {
        watcher *w = ms->watched[i];
        if (w->expired) continue;
        kvobj *kv = dbFind(dbByIndex(w->wk->dbid), w->wk->key);
        if (kv && dbIsExpired(kv)) return 1;
    }
    return 0;
}

/* --- Transactions --- */

static void discardTransaction(client *c) {
    multiState *ms = c->multiState;
    if (ms) {
        freeQueue(ms);
        ms->dirtyCas = 0;
    }
    unwatchAll(c);
    c->flags &= ~(CLIENT_MULTI | CLIENT_DIRTY_EXEC);
}

static void flagTransaction(client *c) {
    if (c->flags & CLIENT_MULTI) c->flags |= CLIENT_DIRTY_EXEC;
}

static void queueCommand(client *c, serverCommand *cmd) {
    multiState *ms = c->multiState;
    /* An aborted transaction keeps nothing (Valkey does the same). */
    if ((c->flags & CLIENT_DIRTY_EXEC) || ms->dirtyCas) return;
    if (ms->count == ms->cap) {
        ms->cap = ms->cap ? ms->cap * 2 : 4;
        ms->queue = memRealloc(ms->queue, sizeof(queuedCommand) * (size_t)ms->cap);
    }
    ms->queue[ms->count++] = (queuedCommand){cmd, c->argc, clientCopyArgv(c)};
    ms->queuedFlags |= cmd->flags;
    for (int i = 0; i < c->argc; i++) ms->queuedBytes += dstrLen(c->argv[i]);
}

/* Commands that act on the transaction itself run even inside MULTI. */
static int runsInsideMulti(const serverCommand *cmd) {
    static const char *const names[] = {"exec", "discard", "multi", "watch", "quit", "reset", NULL};
    for (int i = 0; names[i]; i++)
        if (!strcmp(cmd->fullname, names[i])) return 1;
    return 0;
}

static int multiGate(client *c, serverCommand *cmd) {
    if (!(c->flags & CLIENT_MULTI)) return 0;
    multiState *ms = c->multiState;
    uint64_t index = commandIndex(c);
    /* A gap: something was rejected in between (see the file comment). */
    if (index != ms->seq + 1 && !(c->flags & CLIENT_FAKE)) flagTransaction(c);
    ms->seq = index;
    if (runsInsideMulti(cmd)) return 0;
    if (cmd->flags & CMD_NO_MULTI) {
        replyError(c, "ERR Command not allowed inside a transaction");
        cmd->rejectedCalls++;
        flagTransaction(c);
        return 1;
    }
    queueCommand(c, cmd);
    replySimple(c, "QUEUED");
    return 1;
}

static void multiCommand(client *c) {
    if (c->flags & CLIENT_MULTI) {
        replyError(c, "ERR MULTI calls can not be nested");
        return;
    }
    multiState *ms = stateOf(c);
    ms->seq = commandIndex(c);
    c->flags |= CLIENT_MULTI;
    replyOk(c);
}

static void discardCommand(client *c) {
    if (!(c->flags & CLIENT_MULTI)) {
        replyError(c, "ERR DISCARD without MULTI");
        return;
    }
    discardTransaction(c);
    replyOk(c);
}

/* Runs the queue (see the file comment for the argv hand-over). */
static void runQueue(client *c) {
    multiState *ms = c->multiState;
    serverCommand *execCmd = c->cmd, *execReal = c->realCmd;
    const char *execName = c->cmdName;
    int execArgc = c->argc;
    dstr *execArgv = clientCopyArgv(c);
    c->flags |= CLIENT_EXECUTING_MULTI;
    replyArrayLen(c, ms->count);
    for (int i = 0; i < ms->count; i++) {
        queuedCommand *q = &ms->queue[i];
        clientReplaceArgv(c, q->argc, q->argv);
        q->argv = NULL;
        dispatchCall(c, q->cmd);
    }
    c->flags &= ~CLIENT_EXECUTING_MULTI;
    c->flags |= CLIENT_IN_COMMAND;
    clientReplaceArgv(c, execArgc, execArgv);
    c->cmd = execCmd;
    c->realCmd = execReal;
    c->cmdName = execName;
}

static void execCommand(client *c) {
    if (!(c->flags & CLIENT_MULTI)) {
        replyError(c, "ERR EXEC without MULTI");
        return;
    }
    multiState *ms = c->multiState;
    if (watchedKeyExpired(c)) ms->dirtyCas = 1;
    if (c->flags & CLIENT_DIRTY_EXEC) {
        replyError(c, "EXECABORT Transaction discarded because of previous errors.");
    } else if (ms->dirtyCas) {
        replyNullArray(c);
    } else {
        unwatchAll(c); /* writes of the transaction itself must not matter */
        runQueue(c);
    }
    discardTransaction(c);
}

static void watchCommand(client *c) {
    if (c->flags & CLIENT_MULTI) {
        replyError(c, "ERR WATCH inside MULTI is not allowed");
        return;
    }
    /* Once dirty, EXEC fails anyway: no point watching more. */
    if (!(c->multiState && ((multiState *)c->multiState)->dirtyCas))
        for (int i = 1; i < c->argc; i++) watchKey(c, c->argv[i]);
    replyOk(c);
}

static void unwatchCommand(client *c) {
    unwatchAll(c);
    if (c->multiState) ((multiState *)c->multiState)->dirtyCas = 0;
    replyOk(c);
}

/* --- Hooks --- */

static void onClientGone(client *c) {
    discardTransaction(c);
    memFree(c->multiState);
    c->multiState = NULL;
}

static void onClientReset(client *c) { discardTransaction(c); }

static uint64_t queuedFlags(const client *c) {
    const multiState *ms = c->multiState;
    return ms ? ms->queuedFlags : 0;
}

static void clientInfoFields(const client *c, clientInfoExtra *x) {
    const multiState *ms = c->multiState;
    if (!ms) return;
    if (c->flags & CLIENT_MULTI) {
        x->multi = ms->count;
        x->multiMem = ms->queuedBytes + sizeof(queuedCommand) * (size_t)ms->cap;
    }
    x->watch = ms->watchCount;
    x->dirtyCas = ms->dirtyCas;
}

size_t multiWatchingClientCount(void) { return watchingClients; }
size_t multiWatchedKeyCount(void) { return watchedKeys; }
static long long infoWatchingClients(void) { return (long long)watchingClients; }
static long long infoWatchedKeys(void) { return (long long)watchedKeys; }

void multiInit(void) {
    static const dbHooks hooks = {.keyModified = onKeyModified, .dbFlushed = onDbFlushed};
    commandBind((const commandBinding[]){{"multi", multiCommand},
                                         {"exec", execCommand},
                                         {"discard", discardCommand},
                                         {"watch", watchCommand},
                                         {"unwatch", unwatchCommand},
                                         {NULL, NULL}});
    dispatchAddGate(multiGate);
    dbAddHooks(&hooks);
    serverOnClientFreed(onClientGone);
    serverOnClientReset(onClientReset);
    clientPauseSetQueuedFlagsFn(queuedFlags);
    clientInfoAddProvider(clientInfoFields);
    infoRegisterCounter("watching_clients", infoWatchingClients);
    infoRegisterCounter("total_watched_keys", infoWatchedKeys);
}
