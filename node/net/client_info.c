/* client_info.c — the CLIENT LIST / CLIENT INFO line of one client.
 *
 * The line is Valkey 8's, field for field and in the same order, because
 * tools split it on spaces and look fields up by name (and some by
 * position):
 *
 *   id addr laddr fd name age idle flags db sub psub ssub multi watch qbuf
 *   qbuf-free argv-mem multi-mem rbs rbp obl oll omem tot-mem events cmd
 *   user redir resp lib-name lib-ver tot-net-in tot-net-out tot-cmds
 *
 * Everything net knows comes from the client struct; what other modules
 * own (selected db and last command name, subscriptions, the MULTI queue,
 * WATCH, tracking) comes from providers they register (client_info.h), so
 * net never depends on the server.  Values we cannot know print as Valkey prints them for a client
 * that does not use the feature.
 *
 * Where our buffers differ from Valkey's the fields keep their meaning as
 * closely as the structures allow: rbs is the size of the flat reply
 * buffer, rbp its current fill (we keep no peak), oll the number of 16 KB
 * reply blocks the list bytes need (reply blocks are private to reply.c),
 * tot-mem the sum of the struct, query buffer, reply buffer, reply list
 * and current arguments. */
#include "node/net/client_info.h"

#include <stdio.h>
#include <string.h>

#include "node/base/dstr.h"
#include "node/base/timeutil.h"
#include "node/net/netio.h"

#define MAX_PROVIDERS 8
#define REPLY_BLOCK_BYTES (16 * 1024)

static clientInfoProvider providers[MAX_PROVIDERS];
static int providerCount;

void clientInfoAddProvider(clientInfoProvider fn) {
    if (providerCount < MAX_PROVIDERS) providers[providerCount++] = fn;
}

/* "host:port" with the host bracketed when it is an IPv6 address, as
 * Valkey prints it. */
static const char *formatAddr(const char *addr, char *buf, size_t len) {
    const char *lastColon = strrchr(addr, ':');
    if (!lastColon || addr[0] == '[' || memchr(addr, ':', (size_t)(lastColon - addr)) == NULL) {
        snprintf(buf, len, "%s", addr);
        return buf;
    }
    snprintf(buf, len, "[%.*s]%s", (int)(lastColon - addr), addr, lastColon);
    return buf;
}

static const char *unixAddr(char *buf, size_t len) {
    const char *path = netGetSettings()->unixsocket;
    snprintf(buf, len, "%s:0", path ? path : "");
    return buf;
}

const char *clientInfoPeerId(const client *c, char *buf, size_t len) {
    if (c->flags & CLIENT_UNIX_SOCKET) return unixAddr(buf, len);
    return formatAddr(c->addr, buf, len);
}

const char *clientInfoSockName(const client *c, char *buf, size_t len) {
    if (c->flags & CLIENT_UNIX_SOCKET) return unixAddr(buf, len);
    return formatAddr(c->laddr, buf, len);
}

/* The flags field: one letter per state, in Valkey's order, "N" if none. */
static void formatFlags(const client *c, const clientInfoExtra *x, char *out) {
    char *p = out;
    uint64_t f = c->flags;
    if (f & CLIENT_MONITOR) *p++ = 'O';
    else if (f & CLIENT_REPLICA) *p++ = 'S';
    if (f & CLIENT_PRIMARY) *p++ = 'M';
    if (f & CLIENT_PUBSUB) *p++ = 'P';
    if (f & CLIENT_MULTI) *p++ = 'x';
    if (f & (CLIENT_BLOCKED | CLIENT_PAUSED)) *p++ = 'b';
    if (f & CLIENT_TRACKING) *p++ = 't';
    if (x->dirtyCas) *p++ = 'd';
    if (f & CLIENT_CLOSE_AFTER_REPLY) *p++ = 'c';
    if (f & CLIENT_CLOSE_ASAP) *p++ = 'A';
    if (f & CLIENT_UNIX_SOCKET) *p++ = 'U';
    if (f & CLIENT_READONLY) *p++ = 'r';
    if (f & CLIENT_NO_EVICT) *p++ = 'e';
    if (f & CLIENT_NO_TOUCH) *p++ = 'T';
    if (p == out) *p++ = 'N';
    *p = '\0';
}

static size_t argvBytes(const client *c) {
    size_t sum = 0;
    for (int i = 0; i < c->argc; i++) sum += dstrLen(c->argv[i]);
    return sum;
}

dstr clientInfoString(dstr s, client *c) {
    clientInfoExtra x = {.cmd = "NULL", .multi = -1, .redir = -1};
    for (int i = 0; i < providerCount; i++) providers[i](c, &x);

    char flags[24], events[3] = {0}, addr[96], laddr[96];
    formatFlags(c, &x, flags);
    int ne = 0;
    if (c->readEvent) events[ne++] = 'r';
    if (c->writeRegistered) events[ne++] = 'w';

    long long now = timeMs();
    size_t qbuf = c->querybuf ? dstrLen(c->querybuf) : 0;
    size_t qfree = c->querybuf ? dstrAvail(c->querybuf) : 0;
    size_t omem = clientOutputBytes(c);
    size_t oll = c->replyHead ? (omem + REPLY_BLOCK_BYTES - 1) / REPLY_BLOCK_BYTES : 0;
    size_t argvMem = argvBytes(c);
    size_t totMem = sizeof(client) + (c->querybuf ? dstrAllocSize(c->querybuf) : 0) + c->bufSize +
                    omem + argvMem + x.multiMem;

    s = dstrCatPrintf(s, "id=%llu addr=%s laddr=%s fd=%d name=%s age=%lld idle=%lld flags=%s db=%d",
                      (unsigned long long)c->id, clientInfoPeerId(c, addr, sizeof(addr)),
                      clientInfoSockName(c, laddr, sizeof(laddr)), c->fd, c->name ? c->name : "",
                      (now - c->ctime) / 1000, (now - c->lastInteraction) / 1000, flags,
                      x.db);
    s = dstrCatPrintf(s, " sub=%d psub=%d ssub=%d multi=%d watch=%d qbuf=%zu qbuf-free=%zu argv-mem=%zu"
                      " multi-mem=%zu rbs=%zu rbp=%zu obl=%zu oll=%zu omem=%zu tot-mem=%zu events=%s",
                      x.sub, x.psub, x.ssub, x.multi, x.watch, qbuf, qfree, argvMem, x.multiMem,
                      c->bufSize, c->bufpos, c->bufpos, oll, omem, totMem, events);
    s = dstrCatPrintf(s, " cmd=%s user=%s redir=%lld resp=%d lib-name=%s lib-ver=%s tot-net-in=%llu"
                      " tot-net-out=%llu tot-cmds=%llu",
                      x.cmd, c->user ? c->user : "default", x.redir, c->resp,
                      c->libName ? c->libName : "", c->libVer ? c->libVer : "",
                      (unsigned long long)c->netInputBytes, (unsigned long long)c->netOutputBytes,
                      (unsigned long long)c->commandsProcessed);
    return s;
}

int clientAttrIsValid(const char *s, size_t len) {
    for (size_t i = 0; i < len; i++)
        if (s[i] < '!' || s[i] > '~') return 0;
    return 1;
}
