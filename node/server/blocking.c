/* blocking.c — clients blocked on keys: the queues, the wake-ups, the
 * deadlines and CLIENT UNBLOCK (the contract is in blocking.h).
 *
 * Structures.  Per database a table maps each awaited key to a FIFO of
 * nodes, one per blocked client; a blocked client's state (c->blockState)
 * holds one node per distinct key, the saved argv, its deadline and its
 * place in a min-heap of deadlines.  One libevent timer is armed for the
 * heap's top, so a 0.1 s timeout fires after 0.1 s whatever hz says.
 *
 *      db table:  "k1" -> [A] <-> [B] <-> [C]        (FIFO, oldest first)
 *                 "k2" -> [B]
 *      B's state: nodes {k1, k2}, argv "BLPOP k1 k2 5", deadline, heap slot
 *
 * Waking.  The keyStored db hook (a value was stored under a key) puts an
 * awaited key on the ready list, once; dbFlushed (SWAPDB, FLUSH*) checks
 * every awaited key of that database.  Nothing is served in the middle of
 * a command: the ready list is drained after a top-level command returns
 * (a dispatch after-call hook that ignores the inner commands of EXEC,
 * flagged CLIENT_EXECUTING_MULTI) and, as a safety net, before the loop
 * sleeps.  Draining visits the clients queued on the key when it is taken
 * from the list, oldest first, while the key holds a live value: those
 * waiting for that type get their command run again from the saved argv
 * (netRunSavedCommand, so every dispatch check runs as for a new
 * command).  A command that stores again (BLMOVE) appends to the ready
 * list and the drain goes on until the list is empty.  A re-run command
 * that blocks again calls blockForKeys with the same keys: its nodes, and
 * so its places in the queues, and its deadline are kept.
 *
 * Disconnects.  Net keeps reading a blocked client (without running what
 * it sends), so a peer that hangs up is closed at once and the client-freed
 * hook removes it from the queues.  A hang-up that arrived in this loop
 * iteration but was not read yet is caught by peeking at the socket just
 * before serving, so no popped value is sent into a closed socket.
 *
 * Invariants: a node is in its key's FIFO exactly while it is in its
 * client's state; a table entry exists only while its FIFO is not empty;
 * CLIENT_BLOCKED is set on a client with blockState except while its
 * command is being re-run; the heap holds exactly the states with a
 * deadline. */
#include "node/server/blocking.h"

#include <errno.h>
#include <event2/event.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "node/base/hash.h"
#include "node/base/mem.h"
#include "node/base/timeutil.h"
#include "node/base/util.h"
#include "node/net/args.h"
#include "node/net/netio.h"
#include "node/net/reply.h"
#include "node/server/command.h"
#include "node/server/dispatch.h"
#include "node/server/info.h"
#include "node/server/server.h"
#include "node/store/db.h"
#include "node/store/hashtable.h"

typedef struct blockedKey blockedKey;

typedef struct blockNode {
    client *c;
    blockedKey *bk;
    struct blockNode *prev, *next;
} blockNode;

struct blockedKey {
    dstr key;
    int dbid;
    int ready;             /* on the ready list */
    blockNode *head, *tail;
    size_t count;
};

typedef struct blockState {
    client *c;
    int type;              /* OBJ_LIST, OBJ_ZSET */
    int dbid;
    int numkeys;
    blockNode **nodes;     /* one per distinct key */
    long long deadlineMs;  /* unix ms, 0 = none */
    size_t heapIndex;      /* SIZE_MAX when not in the heap */
    int argc;
    dstr *argv;            /* owned; NULL while being re-run */
} blockState;

typedef struct readyKey {
    int dbid;
    dstr key;
} readyKey;

static hashtable **blockTables;  /* per db, created on first block */
static size_t blockedClients, blockedKeys;

static struct {
    readyKey *v;
    size_t len, cap;
} ready;
static int serving;              /* draining the ready list */

static struct {
    blockState **v;
    size_t len, cap;
    struct event *timer;
} heap;

/* The client whose command is being re-run, and what its re-run did. */
static client *rerunClient;
enum { RERUN_DONE = 0, RERUN_KEPT, RERUN_REPLACED };
static int rerunOutcome;

/* --- Timeout argument --- */

int blockParseTimeout(client *c, int argi, long long *deadlineMs) {
    long double seconds;
    const dstr arg = c->argv[argi];
    if (!string2ld(arg, dstrLen(arg), &seconds)) {
        replyError(c, "ERR timeout is not a float or out of range");
        return -1;
    }
    long double ms = seconds * 1000.0L;
    if (ms > (long double)LLONG_MAX) {
        replyError(c, "ERR timeout is out of range");
        return -1;
    }
    if (ms < 0) {
        replyError(c, "ERR timeout is negative");
        return -1;
    }
    long long tval = (long long)ceill(ms);
    if (tval > 0) {
        long long now = dbNow();
        if (tval > LLONG_MAX - now) {
            replyError(c, "ERR timeout is out of range");
            return -1;
        }
        tval += now;
    }
    *deadlineMs = tval;
    return 0;
}

int blockAllowed(const client *c) {
    return !(c->flags & (CLIENT_MULTI | CLIENT_EXECUTING_MULTI | CLIENT_FAKE | CLIENT_PRIMARY));
}

/* --- Key tables --- */

static const void *blockedKeyGetKey(const void *entry) { return ((const blockedKey *)entry)->key; }
static uint64_t blockedKeyHash(const void *key) { return hashBytes(key, dstrLen((const dstr)key)); }
static int keyCompare(const void *a, const void *b) {
    size_t la = dstrLen((const dstr)a), lb = dstrLen((const dstr)b);
    return la != lb || memcmp(a, b, la) != 0;
}
static void blockedKeyFree(void *entry) {
    blockedKey *bk = entry;
    dstrFree(bk->key);
    memFree(bk);
}

static hashtableType blockedKeyType = {
    .entryGetKey = blockedKeyGetKey,
    .hashFunction = blockedKeyHash,
    .keyCompare = keyCompare,
    .entryDestructor = blockedKeyFree,
};

static hashtable *blockTable(int dbid, int create) {
    if (!blockTables) {
        if (!create) return NULL;
        blockTables = memCalloc(sizeof(hashtable *) * (size_t)dbCountDatabases());
    }
    if (!blockTables[dbid] && create) blockTables[dbid] = hashtableCreate(&blockedKeyType);
    return blockTables[dbid];
}

static blockedKey *findBlockedKey(int dbid, const dstr key) {
    hashtable *t = blockTable(dbid, 0);
    void *found;
    return t && hashtableFind(t, key, &found) ? found : NULL;
}

static blockNode *enqueue(client *c, int dbid, const dstr key) {
    blockedKey *bk = findBlockedKey(dbid, key);
    if (!bk) {
        bk = memCalloc(sizeof(blockedKey));
        bk->key = dstrDup(key);
        bk->dbid = dbid;
        hashtableAdd(blockTable(dbid, 1), bk);
        blockedKeys++;
    }
    blockNode *n = memCalloc(sizeof(blockNode));
    *n = (blockNode){c, bk, bk->tail, NULL};
    if (bk->tail) bk->tail->next = n;
    else bk->head = n;
    bk->tail = n;
    bk->count++;
    return n;
}

static void dequeue(blockNode *n) {
    blockedKey *bk = n->bk;
    if (n->prev) n->prev->next = n->next;
    else bk->head = n->next;
    if (n->next) n->next->prev = n->prev;
    else bk->tail = n->prev;
    memFree(n);
    if (--bk->count == 0) {
        hashtableDelete(blockTables[bk->dbid], bk->key);
        blockedKeys--;
    }
}

/* --- Deadline heap --- */

static int heapLess(size_t a, size_t b) { return heap.v[a]->deadlineMs < heap.v[b]->deadlineMs; }

static void heapSwap(size_t a, size_t b) {
    blockState *t = heap.v[a];
    heap.v[a] = heap.v[b];
    heap.v[b] = t;
    heap.v[a]->heapIndex = a;
    heap.v[b]->heapIndex = b;
}

static void heapUp(size_t i) {
    while (i > 0 && heapLess(i, (i - 1) / 2)) {
        heapSwap(i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static void heapDown(size_t i) {
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < heap.len && heapLess(l, m)) m = l;
        if (r < heap.len && heapLess(r, m)) m = r;
        if (m == i) return;
        heapSwap(i, m);
        i = m;
    }
}

static void onTimer(evutil_socket_t fd, short what, void *arg);

/* Arms the timer for the earliest deadline (or disarms it). */
static void armTimer(void) {
    if (!heap.timer) heap.timer = evtimer_new(serverEventBase(), onTimer, NULL);
    if (heap.len == 0) {
        evtimer_del(heap.timer);
        return;
    }
    long long ms = heap.v[0]->deadlineMs - timeMs();
    if (ms < 0) ms = 0;
    struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)((ms % 1000) * 1000)};
    evtimer_add(heap.timer, &tv);
}

static void heapInsert(blockState *bs) {
    if (heap.len == heap.cap) {
        heap.cap = heap.cap ? heap.cap * 2 : 16;
        heap.v = memRealloc(heap.v, sizeof(blockState *) * heap.cap);
    }
    bs->heapIndex = heap.len;
    heap.v[heap.len++] = bs;
    heapUp(bs->heapIndex);
    if (heap.v[0] == bs) armTimer();
}

static void heapRemove(blockState *bs) {
    size_t i = bs->heapIndex;
    if (i == SIZE_MAX) return;
    int wasTop = i == 0;
    heapSwap(i, heap.len - 1);
    heap.len--;
    bs->heapIndex = SIZE_MAX;
    if (i < heap.len) {
        /* If it moves up, what comes down to i is already in order. */
        heapUp(i);
        heapDown(i);
    }
    if (wasTop) armTimer();
}

/* --- Blocking and unblocking --- */

/* 1 when the peer has hung up (or the socket failed). */
static int peerGone(const client *c) {
    if (c->fd < 0) return 0;
    char byte;
    ssize_t n = recv(c->fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0) return 1;
    return n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
}

static int alreadyListed(blockNode **nodes, int n, const dstr key) {
    for (int i = 0; i < n; i++)
        if (!keyCompare(nodes[i]->bk->key, key)) return 1;
    return 0;
}

/* Whether a re-run blocks on the same db, type and set of keys. */
static int sameWait(const blockState *bs, int dbid, int type, dstr *keys, int numkeys) {
    if (bs->dbid != dbid || bs->type != type) return 0;
    int distinct = 0;
    for (int i = 0; i < numkeys; i++) {
        int seen = 0;
        for (int j = 0; j < i && !seen; j++) seen = !keyCompare(keys[j], keys[i]);
        if (seen) continue;
        if (!alreadyListed(bs->nodes, bs->numkeys, keys[i])) return 0;
        distinct++;
    }
    return distinct == bs->numkeys;
}

/* Takes c out of every queue and frees its state; the flags are the
 * caller's business. */
static void removeState(client *c) {
    blockState *bs = c->blockState;
    if (!bs) return;
    for (int i = 0; i < bs->numkeys; i++) dequeue(bs->nodes[i]);
    heapRemove(bs);
    if (bs->argv) clientFreeArgvCopy(bs->argv, bs->argc);
    memFree(bs->nodes);
    memFree(bs);
    c->blockState = NULL;
    blockedClients--;
}

static void createState(client *c, int type, dstr *keys, int numkeys, long long deadlineMs) {
    blockState *bs = memCalloc(sizeof(blockState));
    bs->c = c;
    bs->type = type;
    bs->dbid = c->db->id;
    bs->deadlineMs = deadlineMs;
    bs->heapIndex = SIZE_MAX;
    bs->argc = c->argc;
    bs->argv = clientCopyArgv(c);
    bs->nodes = memAlloc(sizeof(blockNode *) * (size_t)(numkeys ? numkeys : 1));
    for (int i = 0; i < numkeys; i++)
        if (!alreadyListed(bs->nodes, bs->numkeys, keys[i]))
            bs->nodes[bs->numkeys++] = enqueue(c, bs->dbid, keys[i]);
    c->blockState = bs;
    blockedClients++;
    if (deadlineMs) heapInsert(bs);
}

void blockForKeys(client *c, int type, dstr *keys, int numkeys, long long deadlineMs) {
    if (!blockAllowed(c)) {
        replyNullArray(c);
        return;
    }
    blockState *bs = c->blockState;
    if (bs && c == rerunClient) {
        if (sameWait(bs, c->db->id, type, keys, numkeys)) {
            /* Same wait again: keep the places in the queues and the
             * original deadline; only the argv is saved anew. */
            bs->argc = c->argc;
            bs->argv = clientCopyArgv(c);
            rerunOutcome = RERUN_KEPT;
            c->flags |= CLIENT_BLOCKED;
            return;
        }
        removeState(c);
        rerunOutcome = RERUN_REPLACED;
    }
    createState(c, type, keys, numkeys, deadlineMs);
    c->flags |= CLIENT_BLOCKED;
}

/* Ends c's wait without running its command: the timeout reply (null
 * array) or an error, then lets net resume its input. */
static void unblockWithReply(client *c, const char *error) {
    removeState(c);
    c->flags &= ~CLIENT_BLOCKED;
    if (error) replyError(c, error);
    else replyNullArray(c);
    netUnblockClient(c);
}

/* --- Timeouts --- */

static void expireDeadlines(void) {
    long long now = timeMs();
    while (heap.len && heap.v[0]->deadlineMs <= now) unblockWithReply(heap.v[0]->c, NULL);
}

static void onTimer(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    (void)arg;
    expireDeadlines();
    armTimer();
}

/* --- Serving ready keys --- */

static void markReady(blockedKey *bk) {
    if (bk->ready) return;
    bk->ready = 1;
    if (ready.len == ready.cap) {
        ready.cap = ready.cap ? ready.cap * 2 : 16;
        ready.v = memRealloc(ready.v, sizeof(readyKey) * ready.cap);
    }
    ready.v[ready.len++] = (readyKey){bk->dbid, dstrDup(bk->key)};
}

static void onKeyStored(serverDb *db, const kvobj *kv) {
    if (!blockedClients) return;
    dstr key = kvKey(kv);
    blockedKey *bk = findBlockedKey(db->id, key);
    if (bk) markReady(bk);
}

static void onDbFlushed(int dbid) {
    hashtable *t = blockTable(dbid, 0);
    if (!t || hashtableSize(t) == 0) return;
    serverDb *db = dbByIndex(dbid);
    hashtableIterator it;
    void *entry;
    hashtableInitIterator(&it, t, 0);
    while (hashtableNext(&it, &entry))
        if (dbFind(db, ((blockedKey *)entry)->key)) markReady(entry);
    hashtableResetIterator(&it);
}

static int waitsOn(const blockState *bs, int dbid, const dstr key) {
    return bs && bs->dbid == dbid && alreadyListed(bs->nodes, bs->numkeys, key);
}

/* Expired by the wall clock, not the command clock: a transaction that
 * slept (DEBUG SLEEP) past a TTL it set must not feed a waiter from a key
 * that is gone by now. */
static int expiredNow(const kvobj *kv) {
    long long when = kvGetExpire(kv);
    return when != -1 && timeMs() > when;
}

/* Runs c's saved command again; drops c's state unless it blocked again. */
static void rerun(client *c) {
    blockState *bs = c->blockState;
    int argc = bs->argc;
    dstr *argv = bs->argv;
    bs->argv = NULL;
    c->flags &= ~CLIENT_BLOCKED;
    rerunClient = c;
    rerunOutcome = RERUN_DONE;
    netRunSavedCommand(c, argc, argv); /* c owns argv now */
    rerunClient = NULL;
    if (rerunOutcome == RERUN_DONE) removeState(c);
}

/* Serves the clients that were waiting on one key when it was taken from
 * the ready list, oldest first, while the key holds a live value. */
static void serveKey(int dbid, const dstr key) {
    blockedKey *bk = findBlockedKey(dbid, key);
    if (!bk) return;
    bk->ready = 0;
    serverDb *db = dbByIndex(dbid);
    size_t n = bk->count, i = 0;
    client **waiters = memAlloc(sizeof(client *) * n);
    for (blockNode *node = bk->head; node; node = node->next) waiters[i++] = node->c;
    /* Clients are freed only in before-sleep, never during this loop, so
     * the pointers stay valid; each is checked to still wait on the key. */
    for (i = 0; i < n; i++) {
        client *c = waiters[i];
        blockState *bs = c->blockState;
        if (!waitsOn(bs, dbid, key)) continue;
        if (c->flags & (CLIENT_CLOSE_ASAP | CLIENT_CLOSE_AFTER_REPLY)) continue;
        kvobj *kv = dbFind(db, key);
        if (!kv || expiredNow(kv)) break;
        if (kv->type != (unsigned)bs->type) continue;
        if (peerGone(c)) {
            clientCloseAsap(c);
            continue;
        }
        rerun(c);
    }
    memFree(waiters);
}

static void serveReadyKeys(void) {
    if (serving || ready.len == 0) return;
    serving = 1;
    while (ready.len) {
        readyKey *batch = ready.v;
        size_t n = ready.len;
        ready.v = NULL;
        ready.len = ready.cap = 0;
        for (size_t i = 0; i < n; i++) {
            serveKey(batch[i].dbid, batch[i].key);
            dstrFree(batch[i].key);
        }
        memFree(batch);
    }
    serving = 0;
}

static void afterCall(client *c, serverCommand *cmd, long long durationUs) {
    (void)cmd;
    (void)durationUs;
    if (c->flags & CLIENT_EXECUTING_MULTI) return; /* after the whole EXEC */
    serveReadyKeys();
}

static void beforeSleep(void) {
    if (heap.len) expireDeadlines();
    serveReadyKeys();
}

/* --- CLIENT UNBLOCK --- */

static void clientUnblockCommand(client *c) {
    if (c->argc > 4) {
        replySubcommandSyntaxError(c);
        return;
    }
    const char *error = NULL;
    if (c->argc == 4) {
        if (!strcasecmp(c->argv[3], "error")) {
            error = "UNBLOCKED client unblocked via CLIENT UNBLOCK";
        } else if (strcasecmp(c->argv[3], "timeout") != 0) {
            replyError(c, "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
            return;
        }
    }
    long long id;
    if (argLongLong(c, c->argv[2], &id) != 0) return;
    client *target = clientById((uint64_t)id);
    /* Only clients blocked on keys: a command held by CLIENT PAUSE is not
     * ours to end. */
    if (!target || !target->blockState || !(target->flags & CLIENT_BLOCKED) || target == rerunClient) {
        replyLongLong(c, 0);
        return;
    }
    unblockWithReply(target, error);
    replyLongLong(c, 1);
}

/* --- Lifecycle --- */

static void onClientFreed(client *c) {
    if (c->blockState) removeState(c);
}

size_t blockedClientCount(void) { return blockedClients; }
size_t blockedKeyCount(void) { return blockedKeys; }
static long long infoBlockedClients(void) { return (long long)blockedClients; }
static long long infoBlockingKeys(void) { return (long long)blockedKeys; }

void blockingInit(void) {
    static const dbHooks hooks = {.keyStored = onKeyStored, .dbFlushed = onDbFlushed};
    commandBind((const commandBinding[]){{"client|unblock", clientUnblockCommand}, {NULL, NULL}});
    dbAddHooks(&hooks);
    dispatchAddAfterCall(afterCall);
    serverRegisterBeforeSleep(beforeSleep);
    serverOnClientFreed(onClientFreed);
    infoRegisterCounter("blocked_clients", infoBlockedClients);
    infoRegisterCounter("total_blocking_keys", infoBlockingKeys);
}
