/* reply.c — reply encoding and the client output buffer.
 *
 * Output goes to a per-client flat buffer (allocated on the first reply)
 * and, once that is full, to a list of blocks.  The buffer is always sent
 * before the list, so once the list is non-empty every new byte goes to its
 * tail.  A deferred length (a reply whose element count is known only at the
 * end) is a small sealed block in the list: later bytes go to fresh blocks
 * after it, and the header is written into it when the count is known.
 *
 * Encoding writes straight into the buffer where it can (headers like
 * "$5\r\n" are formatted into a small stack array and appended once with the
 * payload) so a typical bulk reply costs two memcpy and no allocation. */
#include "node/net/reply.h"

#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>
#include <errno.h>
#include <limits.h>

#include "node/base/mem.h"
#include "node/base/util.h"
#include "node/net/client.h"
#include "node/net/client_internal.h"
#include "node/net/netio.h"

#define BLOCK_MIN (16 * 1024)
#define DEFERRED_CAP 24

struct replyBlock {
    replyBlock *next;
    size_t size;   /* capacity */
    size_t used;
    int sealed;    /* deferred-length placeholder: nothing appended after the header */
    char buf[];
};

static void (*errorHook)(client *c, const char *err, size_t len);

void replySetErrorHook(void (*hook)(client *c, const char *err, size_t len)) { errorHook = hook; }

static int replyDisabled(client *c) {
    return (c->flags & (CLIENT_REPLY_OFF | CLIENT_REPLY_SKIP | CLIENT_CLOSE_ASAP)) != 0;
}

static replyBlock *newBlock(size_t atLeast) {
    size_t size = atLeast < BLOCK_MIN ? BLOCK_MIN : atLeast;
    replyBlock *b = memAlloc(sizeof(replyBlock) + size);
    b->next = NULL;
    b->size = memUsableSize(b) - sizeof(replyBlock);
    b->used = 0;
    b->sealed = 0;
    return b;
}

static void linkBlock(client *c, replyBlock *b) {
    if (c->replyTail)
        c->replyTail->next = b;
    else
        c->replyHead = b;
    c->replyTail = b;
}

static void appendToList(client *c, const char *s, size_t len) {
    replyBlock *tail = c->replyTail;
    if (tail && !tail->sealed) {
        size_t room = tail->size - tail->used;
        size_t n = len < room ? len : room;
        memcpy(tail->buf + tail->used, s, n);
        tail->used += n;
        c->replyBytes += n;
        s += n;
        len -= n;
    }
    if (len) {
        replyBlock *b = newBlock(len);
        memcpy(b->buf, s, len);
        b->used = len;
        c->replyBytes += len;
        linkBlock(c, b);
    }
    /* Checked on every growth of the list, not only from cron: one read of
     * pipelined GETs can queue hundreds of megabytes before the next tick.
     * Past the limit the client is closed and appends stop (replyDisabled). */
    netCheckOutputLimits(c);
}

static void appendBytes(client *c, const char *s, size_t len) {
    if (replyDisabled(c)) return;
    if (!c->replyHead) {
        if (!c->buf) {
            c->buf = memAlloc(CLIENT_STATIC_REPLY_BYTES);
            c->bufSize = memUsableSize(c->buf);
        }
        size_t room = c->bufSize - c->bufpos;
        size_t n = len < room ? len : room;
        memcpy(c->buf + c->bufpos, s, n);
        c->bufpos += n;
        s += n;
        len -= n;
    }
    if (len) appendToList(c, s, len);
    netClientHasOutput(c);
}

/* Two pieces appended back to back (header + payload). */
static void append2(client *c, const char *a, size_t alen, const char *b, size_t blen) {
    if (replyDisabled(c)) return;
    appendBytes(c, a, alen);
    appendBytes(c, b, blen);
}

void replyProto(client *c, const char *s, size_t len) { appendBytes(c, s, len); }

void replyOk(client *c) { appendBytes(c, "+OK\r\n", 5); }

void replySimple(client *c, const char *status) {
    size_t len = strlen(status);
    char small[128];
    if (len + 3 <= sizeof(small)) {
        small[0] = '+';
        memcpy(small + 1, status, len);
        memcpy(small + 1 + len, "\r\n", 2);
        appendBytes(c, small, len + 3);
        return;
    }
    append2(c, "+", 1, status, len);
    appendBytes(c, "\r\n", 2);
}

/* Writes an error line, replacing CR/LF so it cannot break framing. */
void replyErrorLen(client *c, const char *err, size_t len) {
    if (errorHook) errorHook(c, err, len);
    if (replyDisabled(c)) return;
    char stackbuf[512];
    char *line = len + 3 <= sizeof(stackbuf) ? stackbuf : memAlloc(len + 3);
    line[0] = '-';
    for (size_t i = 0; i < len; i++) line[i + 1] = (err[i] == '\r' || err[i] == '\n') ? ' ' : err[i];
    memcpy(line + 1 + len, "\r\n", 2);
    appendBytes(c, line, len + 3);
    if (line != stackbuf) memFree(line);
}

void replyError(client *c, const char *err) { replyErrorLen(c, err, strlen(err)); }

void replyErrorFormat(client *c, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    dstr s = dstrCatVPrintf(dstrEmpty(), fmt, ap);
    va_end(ap);
    replyErrorLen(c, s, dstrLen(s));
    dstrFree(s);
}

void replyErrorArity(client *c) {
    replyErrorFormat(c, "ERR wrong number of arguments for '%s' command",
                     c->cmdName ? c->cmdName : (c->argc ? c->argv[0] : ""));
}

void replyErrorSyntax(client *c) { replyError(c, "ERR syntax error"); }

void replyErrorWrongType(client *c) {
    replyError(c, "WRONGTYPE Operation against a key holding the wrong kind of value");
}

void replyErrorNotInteger(client *c) { replyError(c, "ERR value is not an integer or out of range"); }
void replyErrorNotFloat(client *c) { replyError(c, "ERR value is not a valid float"); }

void replyErrorExpireTime(client *c) {
    replyErrorFormat(c, "ERR invalid expire time in '%s' command",
                     c->cmdName ? c->cmdName : (c->argc ? c->argv[0] : ""));
}

void replySubcommandSyntaxError(client *c) {
    dstr cmd = dstrNew(c->argc ? c->argv[0] : "");
    dstrToUpper(cmd);
    replyErrorFormat(c, "ERR unknown subcommand or wrong number of arguments for '%.128s'. Try %s HELP.",
                     c->argc > 1 ? c->argv[1] : "", cmd);
    dstrFree(cmd);
}

/* "<prefix><n>\r\n" */
static void appendHeader(client *c, char prefix, long long n) {
    char buf[32];
    buf[0] = prefix;
    int len = ll2string(buf + 1, sizeof(buf) - 3, n);
    buf[len + 1] = '\r';
    buf[len + 2] = '\n';
    appendBytes(c, buf, (size_t)len + 3);
}

void replyLongLong(client *c, long long v) {
    if (v == 0) {
        appendBytes(c, ":0\r\n", 4);
    } else if (v == 1) {
        appendBytes(c, ":1\r\n", 4);
    } else {
        appendHeader(c, ':', v);
    }
}

void replyBulk(client *c, const void *p, size_t len) {
    if (replyDisabled(c)) return;
    /* Small bulks: header, payload and CRLF in one append. */
    if (len <= 256) {
        char buf[300];
        buf[0] = '$';
        int hl = ll2string(buf + 1, 24, (long long)len);
        size_t off = (size_t)hl + 1;
        buf[off++] = '\r';
        buf[off++] = '\n';
        memcpy(buf + off, p, len);
        off += len;
        buf[off++] = '\r';
        buf[off++] = '\n';
        appendBytes(c, buf, off);
        return;
    }
    appendHeader(c, '$', (long long)len);
    appendBytes(c, p, len);
    appendBytes(c, "\r\n", 2);
}

void replyBulkCString(client *c, const char *s) {
    if (!s)
        replyNull(c);
    else
        replyBulk(c, s, strlen(s));
}

void replyBulkDstr(client *c, const dstr s) { replyBulk(c, s, dstrLen(s)); }

void replyBulkLongLong(client *c, long long v) {
    char buf[32];
    int len = ll2string(buf, sizeof(buf), v);
    replyBulk(c, buf, (size_t)len);
}

void replyDouble(client *c, double d) {
    char buf[64];
    int len;
    if (isinf(d))
        len = snprintf(buf, sizeof(buf), "%s", d > 0 ? "inf" : "-inf");
    else if (isnan(d))
        len = snprintf(buf, sizeof(buf), "nan");
    else
        len = d2string(buf, sizeof(buf), d);
    if (c->resp >= 3) {
        char line[80];
        line[0] = ',';
        memcpy(line + 1, buf, (size_t)len);
        memcpy(line + 1 + len, "\r\n", 2);
        appendBytes(c, line, (size_t)len + 3);
    } else {
        replyBulk(c, buf, (size_t)len);
    }
}

void replyHumanLongDouble(client *c, long double d) {
    char buf[5 * 1024];
    int len = ld2string(buf, sizeof(buf), d, 1);
    replyBulk(c, buf, (size_t)len);
}

void replyVerbatim(client *c, const char *s, size_t len, const char *ext) {
    if (c->resp < 3) {
        replyBulk(c, s, len);
        return;
    }
    appendHeader(c, '=', (long long)len + 4);
    appendBytes(c, ext, 3);
    appendBytes(c, ":", 1);
    appendBytes(c, s, len);
    appendBytes(c, "\r\n", 2);
}

void replyBigNumber(client *c, const char *num, size_t len) {
    if (c->resp < 3) {
        replyBulk(c, num, len);
        return;
    }
    appendBytes(c, "(", 1);
    appendBytes(c, num, len);
    appendBytes(c, "\r\n", 2);
}

void replyBool(client *c, int b) {
    if (c->resp >= 3)
        appendBytes(c, b ? "#t\r\n" : "#f\r\n", 4);
    else
        appendBytes(c, b ? ":1\r\n" : ":0\r\n", 4);
}

void replyNull(client *c) {
    if (c->resp >= 3)
        appendBytes(c, "_\r\n", 3);
    else
        appendBytes(c, "$-1\r\n", 5);
}

void replyNullArray(client *c) {
    if (c->resp >= 3)
        appendBytes(c, "_\r\n", 3);
    else
        appendBytes(c, "*-1\r\n", 5);
}

void replyArrayLen(client *c, long n) { appendHeader(c, '*', n); }

void replyMapLen(client *c, long n) {
    if (c->resp >= 3)
        appendHeader(c, '%', n);
    else
        appendHeader(c, '*', n * 2);
}

void replySetLen(client *c, long n) { appendHeader(c, c->resp >= 3 ? '~' : '*', n); }
void replyAttributeLen(client *c, long n) { appendHeader(c, '|', n); }
void replyPushLen(client *c, long n) { appendHeader(c, c->resp >= 3 ? '>' : '*', n); }
void replyEmptyArray(client *c) { appendBytes(c, "*0\r\n", 4); }

void *replyDeferredLen(client *c) {
    if (replyDisabled(c)) return NULL;
    replyBlock *b = memAlloc(sizeof(replyBlock) + DEFERRED_CAP);
    b->next = NULL;
    b->size = DEFERRED_CAP;
    b->used = 0;
    b->sealed = 1;
    linkBlock(c, b);
    netClientHasOutput(c);
    return b;
}

static void setDeferred(client *c, void *node, char prefix, long n) {
    if (!node) return;
    replyBlock *b = node;
    char buf[32];
    buf[0] = prefix;
    int len = ll2string(buf + 1, sizeof(buf) - 3, n);
    buf[len + 1] = '\r';
    buf[len + 2] = '\n';
    assert((size_t)len + 3 <= b->size);
    memcpy(b->buf, buf, (size_t)len + 3);
    b->used = (size_t)len + 3;
    c->replyBytes += b->used;
}

void replySetDeferredArrayLen(client *c, void *node, long n) { setDeferred(c, node, '*', n); }

void replySetDeferredMapLen(client *c, void *node, long n) {
    if (c->resp >= 3)
        setDeferred(c, node, '%', n);
    else
        setDeferred(c, node, '*', n * 2);
}

void replySetDeferredSetLen(client *c, void *node, long n) {
    setDeferred(c, node, c->resp >= 3 ? '~' : '*', n);
}

void replyHelp(client *c, const char **lines) {
    dstr cmd = dstrNew(c->argc ? c->argv[0] : "");
    dstrToUpper(cmd);
    long n = 0;
    while (lines[n]) n++;
    replyArrayLen(c, n + 3);
    dstr head = dstrCatPrintf(dstrEmpty(), "%s <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", cmd);
    replySimple(c, head);
    for (long i = 0; i < n; i++) replySimple(c, lines[i]);
    replySimple(c, "HELP");
    replySimple(c, "    Prints this help.");
    dstrFree(head);
    dstrFree(cmd);
}

/* --- Output buffer access for net --- */

size_t clientOutputBytes(const client *c) { return c->replyBytes; }

int clientHasPendingReplies(const client *c) {
    return c->bufpos > c->sentlen || c->replyHead != NULL;
}

void replyFreeAll(client *c) {
    replyBlock *b = c->replyHead;
    while (b) {
        replyBlock *next = b->next;
        memFree(b);
        b = next;
    }
    c->replyHead = c->replyTail = NULL;
    c->replyBytes = 0;
    memFree(c->buf);
    c->buf = NULL;
    c->bufSize = c->bufpos = c->sentlen = 0;
}

/* Writes as much pending output as the socket takes with one writev.
 * Returns bytes written, 0 if the socket would block, -1 on error. */
ssize_t replyWriteOnce(client *c) {
    struct iovec iov[IOV_MAX > 64 ? 64 : IOV_MAX];
    int cnt = 0;
    size_t total = 0;
    if (c->bufpos > c->sentlen) {
        iov[cnt].iov_base = c->buf + c->sentlen;
        iov[cnt].iov_len = c->bufpos - c->sentlen;
        total += iov[cnt++].iov_len;
    }
    size_t headSent = c->bufpos > c->sentlen ? 0 : c->sentlen;
    for (replyBlock *b = c->replyHead; b && cnt < (int)(sizeof(iov) / sizeof(iov[0])); b = b->next) {
        if (b->sealed && b->used == 0) break; /* unresolved deferred length: stop here */
        size_t skip = (b == c->replyHead) ? headSent : 0;
        if (b->used <= skip) continue;
        iov[cnt].iov_base = b->buf + skip;
        iov[cnt].iov_len = b->used - skip;
        total += iov[cnt++].iov_len;
        if (total > 1024 * 1024) break;
    }
    if (cnt == 0) return 0;
    /* One buffer (the common case) goes through write(): the kernel's
     * writev path copies and checks an iovec array first. */
    ssize_t n = cnt == 1 ? write(c->fd, iov[0].iov_base, iov[0].iov_len) : writev(c->fd, iov, cnt);
    if (n < 0) return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? 0 : -1;
    /* Account what was written: the flat buffer first, then blocks. */
    size_t left = (size_t)n;
    if (c->bufpos > c->sentlen) {
        size_t chunk = c->bufpos - c->sentlen;
        if (left >= chunk) {
            left -= chunk;
            c->bufpos = c->sentlen = 0;
        } else {
            c->sentlen += left;
            left = 0;
        }
        if (c->bufpos == 0) c->sentlen = 0;
        if (left == 0) return n;
        c->sentlen = 0; /* from now on sentlen counts bytes of the head block */
    }
    while (left && c->replyHead) {
        replyBlock *b = c->replyHead;
        size_t avail = b->used - c->sentlen;
        if (left >= avail) {
            left -= avail;
            c->replyHead = b->next;
            if (!c->replyHead) c->replyTail = NULL;
            c->replyBytes -= b->used;
            c->sentlen = 0;
            memFree(b);
        } else {
            c->sentlen += left;
            left = 0;
        }
    }
    return n;
}
