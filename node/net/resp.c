/* resp.c — the RESP codec: request parser (server), reply reader and command
 * encoder (clients).
 *
 * --- Request parser ---
 *
 * The parser never copies while a command is still arriving.  It walks the
 * client's query buffer and records, per completed argument, an offset and a
 * length (argOff/argLen).  Only when the last argument is in does it copy
 * them, all at once, into the request's arena:
 *
 *   arena: [hdr|bytes|\0][hdr|bytes|\0][hdr|bytes|\0] ...
 *           ^argv[0]      ^argv[1]      ^argv[2]
 *
 * Each entry is an exact-size dstr (T5 below 32 bytes, T8 below 256, T16
 * below 64 KB, T32 above: len == alloc) so commands get real dstrs without
 * an allocation per argument.  They are read-only views: nobody frees or
 * grows them; the arena is rewritten by the next command.  Arguments longer
 * than RESP_BIG_ARG get their own allocation (bigArgs) so one huge SET does
 * not leave every later command with a huge arena.  The argv array, the
 * arena and the offset arrays survive from command to command; reset shrinks
 * them only when one grew past a size a normal client never needs.
 *
 * Incremental parsing: the state (kind, multibulkLen, bulkLen, scanPos,
 * lineScan, the completed offsets) says exactly where the scan stopped, so a
 * call after more bytes arrived resumes there.  lineScan is where the search
 * for the '\r' of the current line resumes, so a line fed one byte at a time
 * is still scanned once; a bulk whose bytes are arriving costs one length
 * comparison per call.  All offsets are relative to the buffer start, which
 * is why a caller compacting its buffer must call respRequestShift.
 *
 * Compatibility: the error texts, the 64 KB limits on lines without their
 * terminator, counts <= 0 meaning an empty command, and not checking the two
 * bytes that end a line or a bulk are Valkey's observable behaviour.  One
 * deliberate difference: a NUL byte before the '\r' of a count line makes the
 * count invalid here, where Valkey keeps waiting for more input.
 *
 * Invariants between calls, for a command in progress:
 *   cmdStart <= scanPos <= lineScan <= seenLen
 *   multibulk: every argOff[i] + argLen[i] + 2 <= scanPos
 *   bulkLen >= 0 only while reading the bytes of a bulk (scanPos at them).
 *
 * --- Reply reader ---
 *
 * Replies are built without recursion: a stack of open aggregates (at most
 * READER_MAX_DEPTH deep) receives each value as it is read, so hostile
 * nesting yields an error instead of exhausting the C stack.  An aggregate's
 * element array grows as elements arrive rather than being sized from the
 * announced count, so "*4000000000" costs nothing until the elements come;
 * v->elements counts the elements actually present, which keeps a partial
 * tree freeable at any moment.  A value is read only when it is whole in the
 * buffer; the aggregates stay on the stack between calls, so a long array
 * arriving in pieces is not re-parsed. */
#include "node/net/resp.h"
#include "node/base/mem.h"

#include <assert.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_KEEP (64 * 1024)   /* arena bytes kept across commands */
#define ARGS_KEEP 1024           /* argv / offset entries kept across commands */
#define ARGS_PREALLOC_MAX 1024   /* trust an announced count only this far */

#define READER_MAX_DEPTH 64
#define READER_MAX_BULK (512LL * 1024 * 1024)
#define READER_MAX_ELEMENTS 4294967295LL
#define READER_COMPACT (64 * 1024)
#define READER_KEEP (1024 * 1024)

static const respLimits defaultLimits = {512LL * 1024 * 1024, INT_MAX};

/* --- Numbers --- */

/* Strict decimal: optional '-', no leading zeros, no '+', no spaces, must
 * fit a long long.  Returns 1 and *out, or 0. */
static int parseStrictLL(const char *p, size_t n, long long *out) {
    if (n == 1 && p[0] == '0') {
        *out = 0;
        return 1;
    }
    int neg = n > 0 && p[0] == '-';
    if (neg) p++, n--;
    if (n == 0 || n > 19 || p[0] < '1' || p[0] > '9') return 0;
    unsigned long long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') return 0;
        v = v * 10 + (unsigned)(p[i] - '0'); /* 19 digits cannot overflow 64 bits */
    }
    if (neg) {
        if (v > (unsigned long long)LLONG_MAX + 1) return 0;
        *out = v == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN : -(long long)v;
    } else {
        if (v > (unsigned long long)LLONG_MAX) return 0;
        *out = (long long)v;
    }
    return 1;
}

/* Writes the decimal form of v at p, returns the digits written. */
static size_t writeULL(char *p, unsigned long long v) {
    char tmp[20];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++) p[i] = tmp[n - 1 - i];
    return n;
}

/* --- Request parser: memory --- */

void respRequestInit(respRequest *r) {
    memset(r, 0, sizeof(*r));
    r->bulkLen = -1;
}

static void freeBigArgs(respRequest *r) {
    for (int i = 0; i < r->bigCount; i++) dstrFree(r->bigArgs[i]);
    r->bigCount = 0;
}

void respRequestFree(respRequest *r) {
    freeBigArgs(r);
    memFree(r->bigArgs);
    memFree(r->argOff);
    memFree(r->argLen);
    memFree(r->argv);
    memFree(r->arena);
    respRequestInit(r);
}

/* Progress of the command being parsed (not its result). */
static void resetProgress(respRequest *r) {
    r->kind = RESP_REQ_UNKNOWN;
    r->multibulkLen = 0;
    r->bulkLen = -1;
    r->argCount = 0;
    r->scanPos = r->cmdStart = r->lineScan = 0;
}

void respRequestReset(respRequest *r) {
    freeBigArgs(r);
    r->argc = 0;
    if (r->arenaCap > ARENA_KEEP) {
        memFree(r->arena);
        r->arena = NULL;
        r->arenaCap = 0;
    }
    if (r->argvCap > ARGS_KEEP) {
        memFree(r->argv);
        r->argv = NULL;
        r->argvCap = 0;
    }
    if (r->argCap > ARGS_KEEP) {
        memFree(r->argOff);
        memFree(r->argLen);
        r->argOff = r->argLen = NULL;
        r->argCap = 0;
    }
    if (r->bigCap > ARGS_KEEP) {
        memFree(r->bigArgs);
        r->bigArgs = NULL;
        r->bigCap = 0;
    }
    resetProgress(r);
}

void respRequestShift(respRequest *r, size_t shift) {
    if (r->kind == RESP_REQ_UNKNOWN) return;
    /* The current command must stay in the buffer: its arguments are offsets. */
    assert(shift <= r->cmdStart);
    r->cmdStart -= shift;
    r->scanPos -= shift;
    r->lineScan -= shift;
    r->seenLen -= shift;
    for (int i = 0; i < r->argCount; i++) r->argOff[i] -= shift;
}

size_t respRequestBytesWanted(const respRequest *r) {
    if (r->kind != RESP_REQ_MULTIBULK || r->bulkLen < 0) return 0;
    size_t need = (size_t)r->bulkLen + 2, have = r->seenLen - r->scanPos;
    return have >= need ? 0 : need - have;
}

dstr respRequestTakeArg(respRequest *r, int i) {
    assert(i >= 0 && i < r->argc);
    for (int j = 0; j < r->bigCount; j++) {
        if (r->bigArgs[j] != r->argv[i]) continue;
        r->bigArgs[j] = r->bigArgs[--r->bigCount];
        return r->argv[i];
    }
    return dstrDup(r->argv[i]);
}

/* Room for `want` completed-argument offsets, keeping those recorded. */
static void reserveArgs(respRequest *r, long long want) {
    if (want <= r->argCap) return;
    long long cap = r->argCap ? (long long)r->argCap * 2 : 8;
    if (cap < want) cap = want;
    if (cap > INT_MAX) cap = INT_MAX; /* want <= INT_MAX: counts are capped there */
    r->argOff = memRealloc(r->argOff, sizeof(size_t) * (size_t)cap);
    r->argLen = memRealloc(r->argLen, sizeof(size_t) * (size_t)cap);
    r->argCap = (int)cap;
}

static void pushArg(respRequest *r, size_t off, size_t len) {
    if (r->argCount == r->argCap) reserveArgs(r, (long long)r->argCount + 1);
    r->argOff[r->argCount] = off;
    r->argLen[r->argCount] = len;
    r->argCount++;
}

/* Buffers whose old content is not needed: free and allocate, no copy. */
static void *regrow(void *p, size_t *cap, size_t want, size_t unit, size_t minimum) {
    if (want <= *cap) return p;
    size_t n = *cap * 2;
    if (n < want) n = want;
    if (n < minimum) n = minimum;
    memFree(p);
    *cap = n;
    return memAlloc(n * unit);
}

/* --- Request parser: building argv --- */

static size_t arenaHeaderSize(size_t len) {
    if (len < 32) return 1;
    if (len < 256) return sizeof(struct dstrHdr8);
    if (len < 65536) return sizeof(struct dstrHdr16);
    return sizeof(struct dstrHdr32);
}

/* Writes an exact-size dstr header at p for a string of len bytes and
 * returns the string pointer; the caller fills the bytes and the NUL. */
static dstr writeArenaHeader(char *p, size_t len) {
    dstr s = p + arenaHeaderSize(len);
    if (len < 32) {
        s[-1] = (char)((len << 3) | DSTR_T5);
    } else if (len < 256) {
        DSTR_HDR(8, s)->len = DSTR_HDR(8, s)->alloc = (uint8_t)len;
        s[-1] = DSTR_T8;
    } else if (len < 65536) {
        DSTR_HDR(16, s)->len = DSTR_HDR(16, s)->alloc = (uint16_t)len;
        s[-1] = DSTR_T16;
    } else {
        DSTR_HDR(32, s)->len = DSTR_HDR(32, s)->alloc = (uint32_t)len;
        s[-1] = DSTR_T32;
    }
    return s;
}

static size_t decodeToken(const char *p, const char *end, char *out, size_t *outLen);

/* Copies the completed arguments into the arena (or their own dstrs when
 * big) and points argv at them.  lineEnd is NULL for a multibulk command;
 * for an inline one the arguments are tokens to decode, ending by lineEnd. */
static void buildArgv(respRequest *r, const char *buf, const char *lineEnd) {
    size_t arenaNeed = 0, bigs = 0;
    for (int i = 0; i < r->argCount; i++) {
        size_t len = r->argLen[i];
        if (len > RESP_BIG_ARG) bigs++;
        else arenaNeed += arenaHeaderSize(len) + len + 1;
    }
    r->arena = regrow(r->arena, &r->arenaCap, arenaNeed, 1, 256);
    size_t cap = (size_t)r->argvCap;
    r->argv = regrow(r->argv, &cap, (size_t)r->argCount, sizeof(dstr), 8);
    r->argvCap = (int)cap;
    if (bigs) {
        cap = (size_t)r->bigCap;
        r->bigArgs = regrow(r->bigArgs, &cap, bigs, sizeof(dstr), 4);
        r->bigCap = (int)cap;
    }
    char *p = r->arena;
    for (int i = 0; i < r->argCount; i++) {
        size_t len = r->argLen[i], got;
        const char *src = buf + r->argOff[i];
        dstr s;
        if (len > RESP_BIG_ARG) {
            s = dstrNewLen(lineEnd ? NULL : src, len);
            r->bigArgs[r->bigCount++] = s;
        } else {
            s = writeArenaHeader(p, len);
            p = s + len + 1;
            if (!lineEnd) memcpy(s, src, len);
        }
        if (lineEnd) {
            decodeToken(src, lineEnd, s, &got);
            assert(got == len);
        }
        s[len] = '\0';
        r->argv[i] = s;
    }
    r->argc = r->argCount;
}

/* --- Request parser: inline commands --- */

static int isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static int hexDigit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Reads one token of an inline line starting at p (not a space, p < end),
 * quoted the way valkey.conf lines are.  Writes the decoded bytes to out
 * unless out is NULL, stores their count in *outLen, and returns the number
 * of input bytes consumed, or 0 on unbalanced quotes (a token is never empty
 * in the input). */
static size_t decodeToken(const char *start, const char *end, char *out, size_t *outLen) {
    const char *p = start;
    size_t n = 0;
    char quote = 0;
    for (;;) {
        if (quote == 0) {
            if (p == end || isSpace(*p)) break;
            if (*p == '"' || *p == '\'') quote = *p;
            else if (out) out[n++] = *p;
            else n++;
            p++;
            continue;
        }
        if (p == end) return 0;
        char c = *p;
        size_t step = 1;
        if (c == quote) {
            if (p + 1 < end && !isSpace(p[1])) return 0;
            quote = 0;
            p++;
            break;
        }
        if (quote == '"' && c == '\\' && end - p >= 4 && p[1] == 'x' && hexDigit(p[2]) >= 0 &&
            hexDigit(p[3]) >= 0) {
            c = (char)(hexDigit(p[2]) * 16 + hexDigit(p[3]));
            step = 4;
        } else if (quote == '"' && c == '\\' && p + 1 < end) {
            switch (p[1]) {
            case 'n': c = '\n'; break;
            case 'r': c = '\r'; break;
            case 't': c = '\t'; break;
            case 'b': c = '\b'; break;
            case 'a': c = '\a'; break;
            default: c = p[1]; break;
            }
            step = 2;
        } else if (quote == '\'' && c == '\\' && p + 1 < end && p[1] == '\'') {
            c = '\'';
            step = 2;
        }
        if (out) out[n] = c;
        n++;
        p += step;
    }
    *outLen = n;
    return (size_t)(p - start);
}

/* Splits the line [from, to) into argument tokens recorded as (input offset,
 * decoded length).  Like the configuration-file splitter, a NUL byte ends
 * the line.  Returns -1 on unbalanced quotes. */
static int splitInline(respRequest *r, const char *buf, size_t from, size_t to, const char **lineEnd) {
    const char *p = buf + from, *end = buf + to;
    const char *nul = memchr(p, '\0', to - from);
    if (nul) end = nul;
    *lineEnd = end;
    for (;;) {
        while (p < end && isSpace(*p)) p++;
        if (p == end) return 0;
        size_t len, used = decodeToken(p, end, NULL, &len);
        if (used == 0) return -1;
        pushArg(r, (size_t)(p - buf), len);
        p += used;
    }
}

static int fail(const char **err, const char *msg) {
    *err = msg;
    return RESP_PARSE_ERROR;
}

static int parseInline(respRequest *r, const char *buf, size_t len, size_t *next, const char **err) {
    const char *nl = memchr(buf + r->lineScan, '\n', len - r->lineScan);
    if (!nl) {
        r->lineScan = len;
        if (len - r->cmdStart > RESP_INLINE_MAX)
            return fail(err, "Protocol error: too big inline request");
        return RESP_PARSE_MORE;
    }
    size_t end = (size_t)(nl - buf), lineTo = end;
    if (lineTo > r->cmdStart && buf[lineTo - 1] == '\r') lineTo--;
    const char *lineEnd;
    if (splitInline(r, buf, r->cmdStart, lineTo, &lineEnd) < 0) {
        r->argCount = 0;
        return fail(err, "Protocol error: unbalanced quotes in request");
    }
    buildArgv(r, buf, lineEnd);
    *next = end + 1;
    resetProgress(r);
    return RESP_PARSE_DONE;
}

/* --- Request parser: multibulk commands --- */

/* Finds the '\r' ending the line that starts at `start`, resuming the search
 * at lineScan.  Returns 1 with *cr set once the byte after the '\r' is in
 * the buffer too (like Valkey, that byte is not checked), 0 if more input is
 * needed.  After a 0, lineScan == len means no '\r' was seen at all. */
static int findLineEnd(respRequest *r, const char *buf, size_t len, size_t start, size_t *cr) {
    if (r->lineScan < start) r->lineScan = start;
    if (r->lineScan >= len) return 0;
    const char *p = memchr(buf + r->lineScan, '\r', len - r->lineScan);
    if (!p) {
        r->lineScan = len;
        return 0;
    }
    r->lineScan = (size_t)(p - buf);
    if (r->lineScan + 1 >= len) return 0;
    *cr = r->lineScan;
    return 1;
}

/* The common header, "*3\r\n" or "$5\r\n", read in one pass: up to 18
 * digits without a leading zero (or a lone "0") and the '\r' right after,
 * with the byte after it in the buffer.  Returns 1 with the value and the
 * '\r' offset; 0 sends the line to the general path (memchr + strict
 * parse), which handles the rest and every error. */
static int quickNumberLine(const char *buf, size_t len, size_t start, long long *out, size_t *cr) {
    size_t p = start + 1, limit = len - 1;
    if (p >= limit || buf[p] < '0' || buf[p] > '9' || (buf[p] == '0' && buf[p + 1] != '\r')) return 0;
    long long v = 0;
    for (int digits = 0; p < limit && digits < 18; p++, digits++) {
        char ch = buf[p];
        if (ch == '\r') {
            *out = v;
            *cr = p;
            return 1;
        }
        if (ch < '0' || ch > '9') return 0;
        v = v * 10 + (ch - '0');
    }
    return 0;
}

static int parseCount(respRequest *r, const char *buf, size_t len, const respLimits *limits,
                      const char **err) {
    size_t cr;
    long long quick;
    if (quickNumberLine(buf, len, r->cmdStart, &quick, &cr) && quick <= INT_MAX && quick <= limits->maxMultibulk &&
        !(limits->unauthenticated && quick > RESP_UNAUTH_MAX_ARGS)) {
        r->scanPos = r->lineScan = cr + 2;
        r->multibulkLen = quick;
        if (quick > 0) reserveArgs(r, quick < ARGS_PREALLOC_MAX ? quick : ARGS_PREALLOC_MAX);
        return RESP_PARSE_DONE;
    }
    if (!findLineEnd(r, buf, len, r->cmdStart, &cr)) {
        if (r->lineScan == len && len - r->cmdStart > RESP_INLINE_MAX)
            return fail(err, "Protocol error: too big mbulk count string");
        return RESP_PARSE_MORE;
    }
    long long n;
    if (!parseStrictLL(buf + r->cmdStart + 1, cr - r->cmdStart - 1, &n) || n > INT_MAX ||
        n > limits->maxMultibulk)
        return fail(err, "Protocol error: invalid multibulk length");
    if (limits->unauthenticated && n > RESP_UNAUTH_MAX_ARGS)
        return fail(err, "Protocol error: unauthenticated multibulk length");
    r->scanPos = r->lineScan = cr + 2;
    r->multibulkLen = n > 0 ? n : 0;
    if (n > 0) reserveArgs(r, n < ARGS_PREALLOC_MAX ? n : ARGS_PREALLOC_MAX);
    return RESP_PARSE_DONE;
}

static int parseBulkHeader(respRequest *r, const char *buf, size_t len, const respLimits *limits,
                           const char **err) {
    size_t cr;
    long long quick;
    if (r->scanPos < len && buf[r->scanPos] == '$' && quickNumberLine(buf, len, r->scanPos, &quick, &cr) &&
        quick <= limits->maxBulkLen && !(limits->unauthenticated && quick > RESP_UNAUTH_MAX_BULK)) {
        r->bulkLen = quick;
        r->scanPos = r->lineScan = cr + 2;
        return RESP_PARSE_DONE;
    }
    if (!findLineEnd(r, buf, len, r->scanPos, &cr)) {
        if (r->lineScan == len && len - r->scanPos > RESP_INLINE_MAX)
            return fail(err, "Protocol error: too big bulk count string");
        return RESP_PARSE_MORE;
    }
    if (buf[r->scanPos] != '$') {
        snprintf(r->errBuf, sizeof(r->errBuf), "Protocol error: expected '$', got '%c'", buf[r->scanPos]);
        /* An error reply is one line: show a CR or LF as a space, as Valkey does. */
        for (char *p = r->errBuf; *p; p++)
            if (*p == '\r' || *p == '\n') *p = ' ';
        return fail(err, r->errBuf);
    }
    long long n;
    if (!parseStrictLL(buf + r->scanPos + 1, cr - r->scanPos - 1, &n) || n < 0 ||
        n > limits->maxBulkLen)
        return fail(err, "Protocol error: invalid bulk length");
    if (limits->unauthenticated && n > RESP_UNAUTH_MAX_BULK)
        return fail(err, "Protocol error: unauthenticated bulk length");
    r->bulkLen = n;
    r->scanPos = r->lineScan = cr + 2;
    return RESP_PARSE_DONE;
}

static int parseMultibulk(respRequest *r, const char *buf, size_t len, const respLimits *limits,
                          size_t *next, const char **err) {
    int rc;
    if (r->multibulkLen == 0) {
        /* multibulkLen is 0 only before the count is read: a command whose
         * count reached 0 has already been returned. */
        if ((rc = parseCount(r, buf, len, limits, err)) != RESP_PARSE_DONE) return rc;
    }
    while (r->multibulkLen > 0) {
        if (r->bulkLen < 0 && (rc = parseBulkHeader(r, buf, len, limits, err)) != RESP_PARSE_DONE)
            return rc;
        size_t avail = len - r->scanPos;
        if (avail < 2 || avail - 2 < (unsigned long long)r->bulkLen) return RESP_PARSE_MORE;
        pushArg(r, r->scanPos, (size_t)r->bulkLen);
        r->scanPos += (size_t)r->bulkLen + 2;
        r->lineScan = r->scanPos;
        r->bulkLen = -1;
        r->multibulkLen--;
    }
    buildArgv(r, buf, NULL);
    *next = r->scanPos;
    resetProgress(r);
    return RESP_PARSE_DONE;
}

int respParseRequest(respRequest *r, const char *buf, size_t len, size_t pos,
                     const respLimits *limits, size_t *next, const char **err) {
    if (!limits) limits = &defaultLimits;
    if (r->kind == RESP_REQ_UNKNOWN) {
        if (r->argc || r->bigCount) { /* the previous command was not reset */
            freeBigArgs(r);
            r->argc = 0;
        }
        if (pos >= len) return RESP_PARSE_MORE;
        r->cmdStart = r->scanPos = r->lineScan = pos;
        r->kind = buf[pos] == '*' ? RESP_REQ_MULTIBULK : RESP_REQ_INLINE;
    }
    r->seenLen = len;
    if (r->kind == RESP_REQ_MULTIBULK) return parseMultibulk(r, buf, len, limits, next, err);
    return parseInline(r, buf, len, next, err);
}

/* --- Reply reader --- */

typedef struct readerFrame {
    respValue *v;
    size_t want;  /* elements the aggregate announced */
    size_t cap;   /* room in v->element */
} readerFrame;

struct respReader {
    char *buf;
    size_t len, cap, pos;   /* unread input is buf[pos..len) */
    size_t lineScan;        /* where the search for "\r\n" resumes */
    readerFrame stack[READER_MAX_DEPTH];
    int depth;
    respValue *root;        /* reply being assembled, NULL between replies */
    int failed;
    char err[128];
};

respReader *respReaderCreate(void) { return memCalloc(sizeof(respReader)); }

void respValueFree(respValue *v) {
    if (!v) return;
    for (size_t i = 0; i < v->elements; i++) respValueFree(v->element[i]);
    memFree(v->element);
    memFree(v->str);
    memFree(v);
}

void respReaderFree(respReader *r) {
    if (!r) return;
    respValueFree(r->root);
    memFree(r->buf);
    memFree(r);
}

const char *respReaderError(const respReader *r) { return r->failed ? r->err : NULL; }

void respReaderFeed(respReader *r, const char *buf, size_t len) {
    if (r->pos == r->len) {
        r->pos = r->len = r->lineScan = 0;
        if (r->cap > READER_KEEP) { /* a big reply is gone: give its room back */
            memFree(r->buf);
            r->buf = NULL;
            r->cap = 0;
        }
    } else if (r->pos >= READER_COMPACT && r->pos > r->len / 2) {
        memmove(r->buf, r->buf + r->pos, r->len - r->pos);
        r->len -= r->pos;
        r->lineScan -= r->pos;
        r->pos = 0;
    }
    if (len == 0) return;
    if (r->cap - r->len < len) {
        size_t cap = r->cap ? r->cap * 2 : 1024;
        while (cap - r->len < len) cap *= 2;
        r->buf = memRealloc(r->buf, cap);
        r->cap = cap;
    }
    memcpy(r->buf + r->len, buf, len);
    r->len += len;
}

static int readerFail(respReader *r, const char *fmt, int c) {
    snprintf(r->err, sizeof(r->err), fmt, c);
    r->failed = 1;
    respValueFree(r->root);
    r->root = NULL;
    r->depth = 0;
    return -1;
}

/* Finds the "\r\n" ending the line at pos.  1 and *cr when found, 0 when
 * more input is needed, -1 when the line is hopelessly long. */
static int readerLine(respReader *r, size_t *cr) {
    size_t i = r->lineScan > r->pos ? r->lineScan : r->pos + 1;
    for (;;) {
        const char *p = i < r->len ? memchr(r->buf + i, '\r', r->len - i) : NULL;
        if (!p) {
            r->lineScan = r->len;
            if (r->len - r->pos > (size_t)READER_MAX_BULK)
                return readerFail(r, "Protocol error: line too long", 0);
            return 0;
        }
        i = (size_t)(p - r->buf);
        if (i + 1 >= r->len) {
            r->lineScan = i;
            return 0;
        }
        if (r->buf[i + 1] == '\n') {
            *cr = i;
            return 1;
        }
        i++;
    }
}

static respValue *newValue(int type) {
    respValue *v = memCalloc(sizeof(respValue));
    v->type = type;
    return v;
}

static void setString(respValue *v, const char *p, size_t n) {
    v->str = memAlloc(n + 1);
    memcpy(v->str, p, n);
    v->str[n] = '\0';
    v->len = n;
}

static int typeOf(char c) {
    switch (c) {
    case '$': return RESP_T_STRING;
    case '*': return RESP_T_ARRAY;
    case ':': return RESP_T_INTEGER;
    case '_': return RESP_T_NIL;
    case '+': return RESP_T_STATUS;
    case '-': return RESP_T_ERROR;
    case ',': return RESP_T_DOUBLE;
    case '#': return RESP_T_BOOL;
    case '%': return RESP_T_MAP;
    case '~': return RESP_T_SET;
    case '|': return RESP_T_ATTR;
    case '>': return RESP_T_PUSH;
    case '(': return RESP_T_BIGNUM;
    case '=': return RESP_T_VERB;
    case '!': return RESP_T_BLOBERROR;
    default: return 0;
    }
}

static int isBignum(const char *p, size_t n) {
    if (n > 0 && p[0] == '-') p++, n--;
    if (n == 0) return 0;
    for (size_t i = 0; i < n; i++)
        if (p[i] < '0' || p[i] > '9') return 0;
    return 1;
}

/* Builds a value from a one-line item (p, n: the text after the type byte). */
static int readLineValue(respReader *r, int type, const char *p, size_t n, respValue **out) {
    long long ll = 0;
    switch (type) {
    case RESP_T_INTEGER:
        if (!parseStrictLL(p, n, &ll)) return readerFail(r, "Protocol error: bad integer", 0);
        break;
    case RESP_T_BOOL:
        if (n != 1 || (p[0] != 't' && p[0] != 'f')) return readerFail(r, "Protocol error: bad bool", 0);
        ll = p[0] == 't';
        break;
    case RESP_T_NIL:
        if (n != 0) return readerFail(r, "Protocol error: bad null", 0);
        break;
    case RESP_T_BIGNUM:
        if (!isBignum(p, n)) return readerFail(r, "Protocol error: bad big number", 0);
        break;
    default: break;
    }
    respValue *v = newValue(type);
    v->integer = ll;
    if (type == RESP_T_STATUS || type == RESP_T_ERROR || type == RESP_T_BIGNUM || type == RESP_T_DOUBLE)
        setString(v, p, n);
    if (type == RESP_T_DOUBLE) {
        char *end;
        v->dval = n ? strtod(v->str, &end) : 0;
        if (n == 0 || isSpace(v->str[0]) || end != v->str + n) {
            respValueFree(v);
            return readerFail(r, "Protocol error: bad double", 0);
        }
    }
    *out = v;
    return 1;
}

/* Builds a value from a length-prefixed item; 0 when its bytes are not all
 * in yet.  `after` is the offset just past the length line. */
static int readBulkValue(respReader *r, int type, long long n, size_t after, respValue **out) {
    if (n == -1 && type == RESP_T_STRING) {
        *out = newValue(RESP_T_NIL);
        return 1;
    }
    if (n < 0 || n > READER_MAX_BULK) return readerFail(r, "Protocol error: bad bulk length", 0);
    if (r->len - after < (size_t)n + 2) return 0;
    const char *p = r->buf + after;
    if (p[n] != '\r' || p[n + 1] != '\n') return readerFail(r, "Protocol error: bad bulk terminator", 0);
    if (type == RESP_T_VERB && (n < 4 || p[3] != ':'))
        return readerFail(r, "Protocol error: bad verbatim string", 0);
    respValue *v = newValue(type);
    if (type == RESP_T_VERB) {
        memcpy(v->verbFormat, p, 3);
        v->verbFormat[3] = '\0';
        setString(v, p + 4, (size_t)n - 4);
    } else {
        setString(v, p, (size_t)n);
    }
    *out = v;
    return 1;
}

/* An aggregate header: the value is returned empty, *want tells how many
 * elements will follow (v->elements counts those that have arrived). */
static int readAggregate(respReader *r, int type, long long n, respValue **out, size_t *want) {
    if (n == -1 && type == RESP_T_ARRAY) {
        *out = newValue(RESP_T_NIL);
        return 1;
    }
    if (n < 0 || n > READER_MAX_ELEMENTS) return readerFail(r, "Protocol error: bad aggregate length", 0);
    *out = newValue(type);
    *want = (size_t)n * (type == RESP_T_MAP || type == RESP_T_ATTR ? 2 : 1);
    return 1;
}

/* Reads one item at pos.  1 with *out (and *want > 0 for an aggregate whose
 * elements follow), 0 if incomplete, -1 on error. */
static int readItem(respReader *r, respValue **out, size_t *want) {
    if (r->pos >= r->len) return 0;
    int type = typeOf(r->buf[r->pos]);
    if (!type) return readerFail(r, "Protocol error, got '%c' as reply type byte", (unsigned char)r->buf[r->pos]);
    size_t cr;
    int rc = readerLine(r, &cr);
    if (rc <= 0) return rc;
    const char *p = r->buf + r->pos + 1;
    size_t n = cr - r->pos - 1, after = cr + 2;
    long long count;
    switch (type) {
    case RESP_T_STRING: case RESP_T_VERB: case RESP_T_BLOBERROR:
        if (!parseStrictLL(p, n, &count)) return readerFail(r, "Protocol error: bad bulk length", 0);
        rc = readBulkValue(r, type, count, after, out);
        if (rc == 1 && (*out)->type != RESP_T_NIL) after += (size_t)count + 2;
        break;
    case RESP_T_ARRAY: case RESP_T_MAP: case RESP_T_SET: case RESP_T_PUSH: case RESP_T_ATTR:
        if (!parseStrictLL(p, n, &count)) return readerFail(r, "Protocol error: bad aggregate length", 0);
        rc = readAggregate(r, type, count, out, want);
        break;
    default:
        rc = readLineValue(r, type, p, n, out);
        break;
    }
    if (rc == 1) r->pos = r->lineScan = after;
    return rc;
}

/* Appends v to the innermost open aggregate. */
static void attach(respReader *r, respValue *v) {
    readerFrame *f = &r->stack[r->depth - 1];
    if (f->v->elements == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : (f->want < 16 ? f->want : 16);
        if (cap > f->want) cap = f->want;
        f->v->element = memRealloc(f->v->element, sizeof(respValue *) * cap);
        f->cap = cap;
    }
    f->v->element[f->v->elements++] = v;
}

int respReaderGet(respReader *r, respValue **out) {
    *out = NULL;
    if (r->failed) return -1;
    for (;;) {
        respValue *v;
        size_t want = 0;
        int rc = readItem(r, &v, &want);
        if (rc <= 0) return rc;
        if (r->depth == 0) r->root = v;
        else attach(r, v);
        if (want > 0) {
            if (r->depth == READER_MAX_DEPTH)
                return readerFail(r, "Protocol error: aggregates nested deeper than %d", READER_MAX_DEPTH);
            r->stack[r->depth++] = (readerFrame){v, want, 0};
            continue;
        }
        while (r->depth > 0 && r->stack[r->depth - 1].v->elements == r->stack[r->depth - 1].want)
            r->depth--;
        if (r->depth == 0) {
            *out = r->root;
            r->root = NULL;
            return 1;
        }
    }
}

/* --- Command encoder --- */

dstr respEncodeCommand(dstr s, int argc, const char **argv, const size_t *argvlen) {
    if (!s) s = dstrEmpty();
    size_t total = 1 + 20 + 2;
    for (int i = 0; i < argc; i++) {
        size_t len = argvlen ? argvlen[i] : strlen(argv[i]);
        total += 1 + 20 + 2 + len + 2;
    }
    s = dstrMakeRoomFor(s, total);
    char *start = s + dstrLen(s), *p = start;
    *p++ = '*';
    p += writeULL(p, (unsigned long long)argc);
    *p++ = '\r', *p++ = '\n';
    for (int i = 0; i < argc; i++) {
        size_t len = argvlen ? argvlen[i] : strlen(argv[i]);
        *p++ = '$';
        p += writeULL(p, len);
        *p++ = '\r', *p++ = '\n';
        memcpy(p, argv[i], len);
        p += len;
        *p++ = '\r', *p++ = '\n';
    }
    dstrIncrLen(s, p - start);
    return s;
}

/* --- Peeking ahead (prefetch) --- */

/* Reads "<prefix><digits>\r\n" at *pos within len; advances *pos. */
static int peekNumberLine(const char *buf, size_t len, size_t *pos, char prefix, long long *out) {
    size_t p = *pos;
    if (p >= len || buf[p] != prefix) return 0;
    const char *cr = memchr(buf + p + 1, '\r', len - p - 1 < 24 ? len - p - 1 : 24);
    if (!cr || (size_t)(cr - buf) + 1 >= len) return 0;
    if (!parseStrictLL(buf + p + 1, (size_t)(cr - (buf + p + 1)), out)) return 0;
    *pos = (size_t)(cr - buf) + 2;
    return 1;
}

int respPeekArg(const char *buf, size_t len, size_t pos, int index, const char **arg, size_t *arglen,
                size_t *cmdEnd) {
    long long argc;
    if (!peekNumberLine(buf, len, &pos, '*', &argc) || argc <= index || argc > RESP_PEEK_MAX_ARGS)
        return 0;
    for (long long i = 0; i < argc; i++) {
        long long blen;
        if (!peekNumberLine(buf, len, &pos, '$', &blen) || blen < 0) return 0;
        if ((size_t)blen + 2 > len - pos) return 0; /* not all here yet */
        if (i == index) {
            *arg = buf + pos;
            *arglen = (size_t)blen;
        }
        pos += (size_t)blen + 2;
    }
    *cmdEnd = pos;
    return 1;
}
