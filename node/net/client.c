/* client.c — connected clients: creation, the read → parse → run cycle,
 * output flushing and freeing.
 *
 * The cycle: a readable socket is read into the query buffer (16 KB, or the
 * exact remainder of a big bulk) and every complete command in it is run
 * before returning to the loop, so a pipeline of N commands costs one read.
 * Replies accumulate in the client's output buffer; the client joins the
 * pending-write list, and netBeforeSleep() writes to every pending client
 * directly with writev.  A write event is registered only for a socket that
 * would block.  So a request/response round trip costs one read and one
 * write syscall and no event-loop registration.
 *
 * Clients are never freed in the middle of running a command: closing marks
 * CLIENT_CLOSE_ASAP and the client is freed in before-sleep, so code up the
 * stack can keep using the pointer until the command returns. */
#include "node/net/netio.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "node/base/log.h"
#include "node/base/mem.h"
#include "node/base/timeutil.h"
#include "node/net/client_internal.h"
#include "node/net/reply.h"

#define IOBUF_LEN (16 * 1024)
#define MAX_WRITE_PER_CLIENT (1024 * 1024)
#define QUERYBUF_COMPACT_AT (32 * 1024)

static netSettings settings = {
    .port = 6379,
    .tcpBacklog = 511,
    .tcpKeepalive = 300,
    .maxclients = 10000,
    .clientQueryBufferLimit = 1024LL * 1024 * 1024,
    .protoMaxBulkLen = 512LL * 1024 * 1024,
    .obufLimits = {{0, 0, 0}, {256ULL << 20, 64ULL << 20, 60}, {32ULL << 20, 8ULL << 20, 60}},
    .protectedMode = 1,
    .unixsocketperm = 0,
};
static netStats stats;
static netHooks hooks;
static struct event_base *eventBase;

static client *clientsHead;
static size_t clientsCount;
static uint64_t nextClientId = 1;
static client *pendingHead;          /* clients with output to flush */
static client **unblocked;           /* clients whose input must be resumed */
static size_t unblockedCount, unblockedCap;

netSettings *netGetSettings(void) { return &settings; }
netStats *netGetStats(void) { return &stats; }
void netSetHooks(const netHooks *h) { hooks = *h; }
struct event_base *netEventBase(void) { return eventBase; }

/* Wall-clock ms as of this event-loop iteration: libevent reads the clock
 * once when the poll returns, so per-read and per-command timestamps cost
 * no system call. */
long long netNowMs(void) {
    struct timeval tv;
    if (!eventBase || event_base_gettimeofday_cached(eventBase, &tv) != 0) return timeMs();
    return (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

int netInit(struct event_base *base) {
    eventBase = base;
    return 0;
}

/* --- Client list --- */

client *clientListFirst(void) { return clientsHead; }
client *clientListNextOf(const client *c) { return c->next; }
size_t clientCount(void) { return clientsCount; }

client *clientById(uint64_t id) {
    for (client *c = clientsHead; c; c = c->next)
        if (c->id == id) return c;
    return NULL;
}

static void listLink(client *c) {
    c->prev = NULL;
    c->next = clientsHead;
    if (clientsHead) clientsHead->prev = c;
    clientsHead = c;
    clientsCount++;
}

static void listUnlink(client *c) {
    if (c->prev)
        c->prev->next = c->next;
    else
        clientsHead = c->next;
    if (c->next) c->next->prev = c->prev;
    clientsCount--;
}

/* --- Creation --- */

static client *clientAlloc(void) {
    client *c = memCalloc(sizeof(client));
    c->id = nextClientId++;
    c->resp = 2;
    c->fd = -1;
    c->slot = -1;
    c->querybuf = dstrEmpty();
    c->ctime = c->lastInteraction = timeMs();
    respRequestInit(&c->req);
    return c;
}

client *clientCreateFake(void) {
    client *c = clientAlloc();
    c->flags |= CLIENT_FAKE;
    c->id = UINT64_MAX; /* Valkey shows fake clients with id -1 semantics */
    if (hooks.clientCreated) hooks.clientCreated(c);
    return c;
}

static void formatPeer(int fd, char *out, size_t outlen, int local) {
    struct sockaddr_storage sa;
    socklen_t salen = sizeof(sa);
    int rc = local ? getsockname(fd, (struct sockaddr *)&sa, &salen)
                   : getpeername(fd, (struct sockaddr *)&sa, &salen);
    if (rc == -1) {
        snprintf(out, outlen, "?:0");
        return;
    }
    char ip[INET6_ADDRSTRLEN];
    if (sa.ss_family == AF_INET) {
        struct sockaddr_in *s = (struct sockaddr_in *)&sa;
        inet_ntop(AF_INET, &s->sin_addr, ip, sizeof(ip));
        snprintf(out, outlen, "%s:%d", ip, ntohs(s->sin_port));
    } else if (sa.ss_family == AF_INET6) {
        struct sockaddr_in6 *s = (struct sockaddr_in6 *)&sa;
        inet_ntop(AF_INET6, &s->sin6_addr, ip, sizeof(ip));
        snprintf(out, outlen, "%s:%d", ip, ntohs(s->sin6_port));
    } else {
        snprintf(out, outlen, "%s:0", local && settings.unixsocket ? settings.unixsocket : "");
    }
}

static void readHandler(evutil_socket_t fd, short what, void *arg);
static void writeHandler(evutil_socket_t fd, short what, void *arg);

client *clientCreateForSocket(int fd, int isUnix) {
    client *c = clientAlloc();
    c->fd = fd;
    if (isUnix) c->flags |= CLIENT_UNIX_SOCKET;
    formatPeer(fd, c->addr, sizeof(c->addr), 0);
    formatPeer(fd, c->laddr, sizeof(c->laddr), 1);
    c->readEvent = event_new(eventBase, fd, EV_READ | EV_PERSIST, readHandler, c);
    c->writeEvent = event_new(eventBase, fd, EV_WRITE | EV_PERSIST, writeHandler, c);
    event_add(c->readEvent, NULL);
    listLink(c);
    stats.totalConnections++;
    if (hooks.clientCreated) hooks.clientCreated(c);
    return c;
}

/* --- Freeing --- */

static void pendingUnlink(client *c) {
    if (!c->inPendingList) return;
    client **pp = &pendingHead;
    while (*pp && *pp != c) pp = &(*pp)->pendingNext;
    if (*pp) *pp = c->pendingNext;
    c->inPendingList = 0;
    c->pendingNext = NULL;
}

static void unblockedUnlink(client *c) {
    for (size_t i = 0; i < unblockedCount; i++)
        if (unblocked[i] == c) unblocked[i] = NULL;
}

void clientFree(client *c) {
    if (hooks.clientFreed) hooks.clientFreed(c);
    if (c->fd != -1) {
        event_free(c->readEvent);
        event_free(c->writeEvent);
        close(c->fd);
        listUnlink(c);
    }
    pendingUnlink(c);
    unblockedUnlink(c);
    clientReleaseArgs(c);
    memFree(c->ownedArgs);
    respRequestFree(&c->req);
    replyFreeAll(c);
    dstrFree(c->querybuf);
    dstrFree(c->name);
    dstrFree(c->libName);
    dstrFree(c->libVer);
    dstrFree(c->user);
    memFree(c);
}

void clientCloseAfterReply(client *c) { c->flags |= CLIENT_CLOSE_AFTER_REPLY; }

void clientCloseAsap(client *c) {
    if (c->flags & CLIENT_CLOSE_ASAP) return;
    c->flags |= CLIENT_CLOSE_ASAP;
    /* Freed by the before-sleep pass over the pending list. */
    netClientHasOutput(c);
}

/* --- Arguments --- */

void clientReleaseArgs(client *c) {
    for (int i = 0; i < c->ownedCount; i++) dstrFree(c->ownedArgs[i]);
    c->ownedCount = 0;
    if (c->argvOwned) {
        memFree(c->argv);
        c->argvOwned = 0;
    }
    c->argc = 0;
    c->argv = NULL;
}

static void ownArg(client *c, dstr s) {
    if (c->ownedCount == c->ownedCap) {
        c->ownedCap = c->ownedCap ? c->ownedCap * 2 : 4;
        c->ownedArgs = memRealloc(c->ownedArgs, sizeof(dstr) * (size_t)c->ownedCap);
    }
    c->ownedArgs[c->ownedCount++] = s;
}

void clientRewriteArg(client *c, int i, dstr value) {
    /* argv may be the parser's array: copy it so we can change it. */
    if (!c->argvOwned) {
        dstr *copy = memAlloc(sizeof(dstr) * (size_t)(c->argc ? c->argc : 1));
        memcpy(copy, c->argv, sizeof(dstr) * (size_t)c->argc);
        c->argv = copy;
        c->argvOwned = 1;
    }
    c->argv[i] = value;
    ownArg(c, value);
}

void clientReplaceArgv(client *c, int argc, dstr *argv) {
    clientReleaseArgs(c);
    c->argc = argc;
    c->argv = argv;
    c->argvOwned = 1;
    for (int i = 0; i < argc; i++) ownArg(c, argv[i]);
}

dstr clientTakeArg(client *c, int i) {
    if (!c->argvOwned && c->argv == c->req.argv) return respRequestTakeArg(&c->req, i);
    return dstrDup(c->argv[i]);
}

dstr *clientCopyArgv(client *c) {
    dstr *copy = memAlloc(sizeof(dstr) * (size_t)(c->argc ? c->argc : 1));
    for (int i = 0; i < c->argc; i++) copy[i] = dstrDup(c->argv[i]);
    return copy;
}

void clientFreeArgvCopy(dstr *argv, int argc) {
    for (int i = 0; i < argc; i++) dstrFree(argv[i]);
    memFree(argv);
}

/* --- Input --- */

static void protocolError(client *c, const char *err) {
    dstr msg = dstrCatPrintf(dstrEmpty(), "ERR %s", err);
    replyError(c, msg);
    if (hooks.clientError) hooks.clientError(c, err);
    dstrFree(msg);
    c->flags |= CLIENT_CLOSE_AFTER_REPLY;
}

/* Drops consumed bytes from the front of the query buffer. */
static void compactQuerybuf(client *c) {
    size_t len = dstrLen(c->querybuf);
    if (c->qbPos == 0) return;
    if (c->qbPos >= len) {
        dstrClear(c->querybuf);
        respRequestShift(&c->req, c->qbPos);
        c->qbPos = 0;
        return;
    }
    memmove(c->querybuf, c->querybuf + c->qbPos, len - c->qbPos);
    dstrSetLen(c->querybuf, len - c->qbPos);
    respRequestShift(&c->req, c->qbPos);
    c->qbPos = 0;
}

/* A command further down the pipeline whose key was peeked. */
typedef struct peekedKey {
    const char *buf;   /* the query buffer it was peeked in */
    size_t start, end; /* the command's bytes in that buffer */
    const char *key;
    size_t keylen;
    int valid;
} peekedKey;

static int peekKey(const client *c, size_t start, peekedKey *pk) {
    size_t len = dstrLen(c->querybuf);
    pk->buf = c->querybuf;
    pk->start = start;
    pk->valid = start < len && respPeekArg(c->querybuf, len, start, 1, &pk->key, &pk->keylen, &pk->end);
    return pk->valid;
}

/* 1 when the peeked key is the running command's key: its bucket and entry
 * are in cache already (a pipeline on one hot key), nothing to fetch. */
static int sameAsRunning(const client *c, const peekedKey *pk) {
    return c->argc > 1 && dstrLen(c->argv[1]) == pk->keylen && memcmp(c->argv[1], pk->key, pk->keylen) == 0;
}

/* While this command runs, let the memory system fetch what the next ones
 * will touch: the key of the command after next gets its bucket fetched
 * (stage 0), the next command's key, whose bucket was asked for one
 * command ago, gets its entries fetched (stage 1).  Peeking is a cheap
 * scan of RESP headers already in cache, and each command is peeked once:
 * the "after next" of one round is the "next" of the following one (the
 * query buffer does not move while its commands run).  Inline commands are
 * not peeked. */
static void prefetchAhead(client *c, size_t next, peekedKey *ahead) {
    peekedKey cur = *ahead;
    int cached = cur.valid && cur.start == next && cur.buf == c->querybuf;
    if (!cached && !peekKey(c, next, &cur)) {
        ahead->valid = 0;
        return;
    }
    if (!sameAsRunning(c, &cur)) hooks.prefetchKey(c, cur.key, cur.keylen, 1);
    if (peekKey(c, cur.end, ahead) && !sameAsRunning(c, ahead))
        hooks.prefetchKey(c, ahead->key, ahead->keylen, 0);
}

/* Runs every complete command in the query buffer. */
void clientProcessInput(client *c) {
    respLimits limits = {.maxBulkLen = settings.protoMaxBulkLen,
                         .maxMultibulk = INT32_MAX,
                         .unauthenticated = 0};
    peekedKey ahead = {.valid = 0};
    while (c->qbPos < dstrLen(c->querybuf)) {
        if (c->flags & (CLIENT_CLOSE_AFTER_REPLY | CLIENT_CLOSE_ASAP)) break;
        /* AUTH may be earlier in the same pipeline: re-evaluate each time. */
        limits.unauthenticated = settings.hasPassword && !(c->flags & CLIENT_AUTHENTICATED);
        if (c->blockedRead) break;
        size_t next;
        const char *err;
        int rc = respParseRequest(&c->req, c->querybuf, dstrLen(c->querybuf), c->qbPos, &limits,
                                  &next, &err);
        if (rc == RESP_PARSE_MORE) break;
        if (rc == RESP_PARSE_ERROR) {
            protocolError(c, err);
            break;
        }
        c->qbPos = next;
        if (c->req.argc == 0) {
            respRequestReset(&c->req);
            continue;
        }
        c->argc = c->req.argc;
        c->argv = c->req.argv;
        if (hooks.prefetchKey) prefetchAhead(c, next, &ahead);
        int stop = hooks.processCommand(c);
        clientReleaseArgs(c);
        respRequestReset(&c->req);
        c->commandsProcessed++;
        if (hooks.afterCommand) hooks.afterCommand(c);
        if (stop) {
            c->blockedRead = 1;
            break;
        }
    }
    if (c->qbPos >= dstrLen(c->querybuf) || c->qbPos > QUERYBUF_COMPACT_AT) compactQuerybuf(c);
}

static void readFromClient(client *c) {
    size_t readlen = IOBUF_LEN;
    size_t wanted = respRequestBytesWanted(&c->req);
    if (wanted > readlen) readlen = wanted;
    c->querybuf = dstrMakeRoomFor(c->querybuf, readlen);
    size_t avail = dstrAvail(c->querybuf);
    if (avail < readlen) readlen = avail;
    size_t cur = dstrLen(c->querybuf);
    ssize_t n = read(c->fd, c->querybuf + cur, readlen);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
        serverLog(LL_VERBOSE, "Reading from client: %s", strerror(errno));
        clientCloseAsap(c);
        return;
    }
    if (n == 0) {
        serverLog(LL_VERBOSE, "Client closed connection id=%llu addr=%s", (unsigned long long)c->id,
                  c->addr);
        clientCloseAsap(c);
        return;
    }
    dstrIncrLen(c->querybuf, n);
    c->netInputBytes += (uint64_t)n;
    stats.netInputBytes += n;
    c->lastInteraction = netNowMs();
    size_t qlen = dstrLen(c->querybuf) - c->qbPos;
    if (qlen > c->querybufPeak) c->querybufPeak = qlen;
    if (settings.clientQueryBufferLimit && (long long)qlen > settings.clientQueryBufferLimit) {
        /* The first bytes tell the operator what the client was sending. */
        dstr head = dstrCatRepr(dstrEmpty(), c->querybuf + c->qbPos, qlen < 64 ? qlen : 64);
        serverLog(LL_WARNING, "Closing client that reached max query buffer length: id=%llu addr=%s "
                  "(qbuf initial bytes: %s)", (unsigned long long)c->id, c->addr, head);
        dstrFree(head);
        stats.clientQbufLimitDisconnections++;
        clientCloseAsap(c);
        return;
    }
    clientProcessInput(c);
}

static void readHandler(evutil_socket_t fd, short what, void *arg) {
    client *c = arg;
    (void)fd;
    (void)what;
    if (c->flags & CLIENT_CLOSE_ASAP) return;
    /* A blocked or paused client is still read (its commands wait in the
     * query buffer, bounded by client-query-buffer-limit), so a peer that
     * hangs up meanwhile is closed at once, as Valkey does. */
    readFromClient(c);
}

void netRunSavedCommand(client *c, int argc, dstr *argv) {
    clientReplaceArgv(c, argc, argv);
    c->lastInteraction = netNowMs();
    int stop = hooks.processCommand(c);
    clientReleaseArgs(c); /* counted when it was first parsed */
    if (hooks.afterCommand) hooks.afterCommand(c);
    if (!stop) netUnblockClient(c);
}

void netUnblockClient(client *c) {
    if (!c->blockedRead) return;
    c->blockedRead = 0;
    if (unblockedCount == unblockedCap) {
        unblockedCap = unblockedCap ? unblockedCap * 2 : 16;
        unblocked = memRealloc(unblocked, sizeof(client *) * unblockedCap);
    }
    unblocked[unblockedCount++] = c;
}

/* --- Output --- */

void netClientHasOutput(client *c) {
    if (c->inPendingList || c->fd == -1) return;
    c->inPendingList = 1;
    c->pendingNext = pendingHead;
    pendingHead = c;
}

/* Writes pending output; returns -1 if the client was found broken. */
static int flushClient(client *c) {
    size_t written = 0;
    while (clientHasPendingReplies(c) && written < MAX_WRITE_PER_CLIENT) {
        ssize_t n = replyWriteOnce(c);
        if (n < 0) {
            serverLog(LL_VERBOSE, "Error writing to client: %s", strerror(errno));
            return -1;
        }
        if (n == 0) break;
        written += (size_t)n;
    }
    c->netOutputBytes += written;
    stats.netOutputBytes += (long long)written;
    if (written) c->lastInteraction = netNowMs();
    return 0;
}

static void writeHandler(evutil_socket_t fd, short what, void *arg) {
    client *c = arg;
    (void)fd;
    (void)what;
    /* Write barrier: a client in the pending list got replies in this loop
     * iteration, whose writes may not be in the AOF yet (appendfsync
     * always writes it before sleeping).  Those go out from before-sleep,
     * after the AOF, like every other reply. */
    if (c->inPendingList) return;
    if (flushClient(c) == -1) {
        clientCloseAsap(c);
        return;
    }
    if (!clientHasPendingReplies(c)) {
        event_del(c->writeEvent);
        c->writeRegistered = 0;
        if (c->flags & CLIENT_CLOSE_AFTER_REPLY) clientCloseAsap(c);
    }
}

/* Flushes one pending client; frees it if it is to be closed. */
static void handlePending(client *c) {
    /* Also when a write event is registered: the barrier above left this
     * iteration's output to us, and a client fed every iteration must
     * still drain. */
    if (!(c->flags & CLIENT_CLOSE_ASAP)) {
        if (flushClient(c) == -1) c->flags |= CLIENT_CLOSE_ASAP;
    }
    if (c->flags & CLIENT_CLOSE_ASAP) {
        clientFree(c);
        return;
    }
    if (clientHasPendingReplies(c)) {
        if (!c->writeRegistered) {
            event_add(c->writeEvent, NULL);
            c->writeRegistered = 1;
        }
    } else if (c->flags & CLIENT_CLOSE_AFTER_REPLY) {
        clientFree(c);
    }
}

int netResumeUnblocked(void) {
    size_t n = unblockedCount;
    /* Resume clients that were unblocked: run what is already buffered.
     * Running them may unblock more (appended past n): those wait for the
     * caller's next round. */
    for (size_t i = 0; i < n; i++) {
        client *c = unblocked[i];
        if (!c) continue;
        unblocked[i] = NULL;
        clientProcessInput(c);
    }
    if (unblockedCount > n) {
        memmove(unblocked, unblocked + n, (unblockedCount - n) * sizeof(client *));
        unblockedCount -= n;
    } else {
        unblockedCount = 0;
    }
    return unblockedCount > 0;
}

int netHasUnblocked(void) { return unblockedCount > 0; }

void netBeforeSleep(void) {
    while (pendingHead) {
        client *c = pendingHead;
        pendingHead = c->pendingNext;
        c->pendingNext = NULL;
        c->inPendingList = 0;
        handlePending(c);
    }
}

int clientClassOf(const client *c) {
    if (c->flags & CLIENT_REPLICA) return CLIENT_CLASS_REPLICA;
    if (c->flags & CLIENT_PUBSUB) return CLIENT_CLASS_PUBSUB;
    return CLIENT_CLASS_NORMAL;
}

/* Returns 1 (and schedules the close) if c passed its output buffer limit. */
int netCheckOutputLimits(client *c) {
    if (c->fd == -1 || (c->flags & CLIENT_CLOSE_ASAP)) return 0;
    const obufLimit *l = &settings.obufLimits[clientClassOf(c)];
    size_t used = clientOutputBytes(c);
    int hard = l->hard && used >= l->hard;
    int soft = l->soft && used >= l->soft;
    if (soft && !hard) {
        long long now = timeMs();
        if (!c->obufSoftLimitReachedTime) c->obufSoftLimitReachedTime = now;
        else if ((now - c->obufSoftLimitReachedTime) / 1000 >= l->softSeconds) hard = 1;
    } else if (!soft) {
        c->obufSoftLimitReachedTime = 0;
    }
    if (!hard) return 0;
    serverLog(LL_WARNING, "Client id=%llu addr=%s scheduled to be closed ASAP for overcoming of "
              "output buffer limits.", (unsigned long long)c->id, c->addr);
    stats.clientObufLimitDisconnections++;
    clientCloseAsap(c);
    return 1;
}

void netClientsCron(void) {
    long long now = timeMs();
    long long maxIn = 0, maxOut = 0;
    for (client *c = clientsHead; c; c = c->next) {
        long long in = (long long)dstrAllocSize(c->querybuf);
        long long out = (long long)clientOutputBytes(c);
        if (in > maxIn) maxIn = in;
        if (out > maxOut) maxOut = out;
        /* Clients that only listen (replicas, monitors, subscribers) or wait
         * (blocked) are never idle in this sense. */
        if (settings.timeout &&
            !(c->flags & (CLIENT_REPLICA | CLIENT_PRIMARY | CLIENT_MONITOR | CLIENT_BLOCKED | CLIENT_PUBSUB)) &&
            (now - c->lastInteraction) / 1000 > settings.timeout) {
            serverLog(LL_VERBOSE, "Closing idle client");
            clientCloseAsap(c);
            continue;
        }
        /* Give back a big idle query buffer. */
        if (c->qbPos == 0 && dstrLen(c->querybuf) == 0 && dstrAllocSize(c->querybuf) > 64 * 1024) {
            dstrFree(c->querybuf);
            c->querybuf = dstrEmpty();
        }
        netCheckOutputLimits(c);
    }
    stats.maxInputBuffer = maxIn;
    stats.maxOutputBuffer = maxOut;
}

void netFreeAllClients(void) {
    while (clientsHead) clientFree(clientsHead);
}

/* Best effort at shutdown: write what the sockets accept until every client
 * is flushed or timeoutMs has passed.  Sockets stay non-blocking and the
 * wait is a poll() on those with output left: a blocking write to a client
 * that stopped reading would hold the exit forever. */
void netFlushAll(int timeoutMs) {
    long long deadline = timeMs() + timeoutMs;
    struct pollfd *fds = memAlloc(sizeof(struct pollfd) * (clientsCount ? clientsCount : 1));
    for (;;) {
        nfds_t waiting = 0;
        for (client *c = clientsHead; c; c = c->next) {
            if ((c->flags & CLIENT_CLOSE_ASAP) || !clientHasPendingReplies(c)) continue;
            if (flushClient(c) == -1) {
                c->flags |= CLIENT_CLOSE_ASAP;
                continue;
            }
            if (clientHasPendingReplies(c)) fds[waiting++] = (struct pollfd){.fd = c->fd, .events = POLLOUT};
        }
        long long left = deadline - timeMs();
        if (waiting == 0 || left <= 0) break;
        if (poll(fds, waiting, (int)left) == -1 && errno != EINTR) break;
    }
    memFree(fds);
}
