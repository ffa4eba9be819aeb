/* dstr.c — dynamic strings (see dstr.h for the layout).
 *
 * Growth policy: below 1 MB a growing string doubles its room, above it adds
 * 1 MB at a time.  That keeps appends amortised O(1) without wasting half of a
 * huge value.  The header kind is chosen from the room needed, and a string
 * moves to a bigger header when it outgrows its own. */
#include "node/base/dstr.h"
#include "node/base/mem.h"
#include "node/base/util.h"

#include <assert.h>
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#define DSTR_MAX_PREALLOC (1024 * 1024)
#define LONG_LONG_DIGITS_MAX 21 /* "-9223372036854775808" and its NUL */

static size_t hdrSize(int type) {
    switch (type) {
    case DSTR_T5: return 1;
    case DSTR_T8: return sizeof(struct dstrHdr8);
    case DSTR_T16: return sizeof(struct dstrHdr16);
    case DSTR_T32: return sizeof(struct dstrHdr32);
    default: return sizeof(struct dstrHdr64);
    }
}

/* Smallest header kind able to describe a string with this much room. */
static int typeFor(size_t room) {
    if (room < 256) return DSTR_T8;
    if (room < 65536) return DSTR_T16;
    if (room <= UINT32_MAX) return DSTR_T32;
    return DSTR_T64;
}

static size_t maxRoom(int type) {
    switch (type) {
    case DSTR_T8: return UINT8_MAX;
    case DSTR_T16: return UINT16_MAX;
    case DSTR_T32: return UINT32_MAX;
    default: return SIZE_MAX;
    }
}

static size_t dstrAlloc(const dstr s) {
    unsigned char flags = (unsigned char)s[-1];
    switch (flags & DSTR_TYPE_MASK) {
    case DSTR_T5: return flags >> 3;
    case DSTR_T8: return DSTR_HDR(8, s)->alloc;
    case DSTR_T16: return DSTR_HDR(16, s)->alloc;
    case DSTR_T32: return DSTR_HDR(32, s)->alloc;
    default: return DSTR_HDR(64, s)->alloc;
    }
}

static void setHeader(char *s, int type, size_t len, size_t alloc) {
    switch (type) {
    case DSTR_T5: s[-1] = (char)((len << 3) | DSTR_T5); break;
    case DSTR_T8: DSTR_HDR(8, s)->len = len; DSTR_HDR(8, s)->alloc = alloc; break;
    case DSTR_T16: DSTR_HDR(16, s)->len = len; DSTR_HDR(16, s)->alloc = alloc; break;
    case DSTR_T32: DSTR_HDR(32, s)->len = len; DSTR_HDR(32, s)->alloc = alloc; break;
    default: DSTR_HDR(64, s)->len = len; DSTR_HDR(64, s)->alloc = alloc; break;
    }
    s[-1] = (char)((type == DSTR_T5 ? (len << 3) : 0) | type);
}

void dstrSetLen(dstr s, size_t len) {
    int type = s[-1] & DSTR_TYPE_MASK;
    switch (type) {
    case DSTR_T5: s[-1] = (char)((len << 3) | DSTR_T5); break;
    case DSTR_T8: DSTR_HDR(8, s)->len = len; break;
    case DSTR_T16: DSTR_HDR(16, s)->len = len; break;
    case DSTR_T32: DSTR_HDR(32, s)->len = len; break;
    default: DSTR_HDR(64, s)->len = len; break;
    }
    s[len] = '\0';
}

size_t dstrAvail(const dstr s) { return dstrAlloc(s) - dstrLen(s); }

/* Allocate a string of len bytes with room for `room` bytes in total. */
static dstr newWithRoom(const void *init, size_t len, size_t room) {
    int type = typeFor(room);
    size_t hdr = hdrSize(type);
    char *mem = memAlloc(hdr + room + 1);
    /* The allocator may have given more; use it, within the header's range. */
    size_t usable = memUsableSize(mem) - hdr - 1;
    if (usable > maxRoom(type)) usable = maxRoom(type);
    char *s = mem + hdr;
    setHeader(s, type, len, usable);
    if (init && len)
        memcpy(s, init, len);
    else if (len)
        memset(s, 0, len);
    s[len] = '\0';
    return s;
}

dstr dstrNewLen(const void *init, size_t len) { return newWithRoom(init, len, len); }
dstr dstrNew(const char *cstr) { return dstrNewLen(cstr, cstr ? strlen(cstr) : 0); }
dstr dstrEmpty(void) { return dstrNewLen("", 0); }
dstr dstrDup(const dstr s) { return dstrNewLen(s, dstrLen(s)); }

dstr dstrFromLongLong(long long value) {
    char buf[LONG_LONG_DIGITS_MAX];
    int n = ll2string(buf, sizeof(buf), value);
    return dstrNewLen(buf, (size_t)n);
}

void dstrFree(dstr s) {
    if (!s) return;
    memFree(s - hdrSize(s[-1] & DSTR_TYPE_MASK));
}

static dstr makeRoom(dstr s, size_t addlen, int greedy) {
    size_t len = dstrLen(s), avail = dstrAvail(s);
    if (avail >= addlen) return s;
    assert(len + addlen >= len); /* overflow is a caller bug: limits are checked upstream */
    size_t want = len + addlen;
    if (greedy) want = want < DSTR_MAX_PREALLOC ? want * 2 : want + DSTR_MAX_PREALLOC;
    int oldType = s[-1] & DSTR_TYPE_MASK;
    int newType = typeFor(want);
    if (oldType == newType) {
        size_t hdr = hdrSize(oldType);
        char *mem = memRealloc(s - hdr, hdr + want + 1);
        size_t usable = memUsableSize(mem) - hdr - 1;
        if (usable > maxRoom(newType)) usable = maxRoom(newType);
        s = mem + hdr;
        setHeader(s, newType, len, usable);
        return s;
    }
    dstr n = newWithRoom(s, len, want);
    dstrFree(s);
    return n;
}

dstr dstrMakeRoomFor(dstr s, size_t addlen) { return makeRoom(s, addlen, 1); }
dstr dstrMakeRoomForExact(dstr s, size_t addlen) { return makeRoom(s, addlen, 0); }

void dstrIncrLen(dstr s, ssize_t incr) {
    size_t len = dstrLen(s);
    assert(incr >= 0 ? dstrAvail(s) >= (size_t)incr : len >= (size_t)-incr);
    dstrSetLen(s, len + incr);
}

dstr dstrGrowZero(dstr s, size_t len) {
    size_t cur = dstrLen(s);
    if (len <= cur) return s;
    s = dstrMakeRoomFor(s, len - cur);
    memset(s + cur, 0, len - cur + 1);
    dstrSetLen(s, len);
    return s;
}

/* True when t points into s's bytes (s may move when it grows, so an
 * append of a part of s must be re-pointed after the growth). */
static int pointsInto(const dstr s, const void *t, size_t len) {
    uintptr_t b = (uintptr_t)s, p = (uintptr_t)t;
    return p >= b && p < b + len;
}

dstr dstrCatLen(dstr s, const void *t, size_t len) {
    if (len == 0) return s;
    size_t cur = dstrLen(s);
    if (pointsInto(s, t, cur)) {
        size_t off = (size_t)((const char *)t - s);
        s = dstrMakeRoomFor(s, len);
        t = s + off;
    } else {
        s = dstrMakeRoomFor(s, len);
    }
    memmove(s + cur, t, len);
    dstrSetLen(s, cur + len);
    return s;
}

dstr dstrCat(dstr s, const char *t) { return dstrCatLen(s, t, strlen(t)); }
dstr dstrCatDstr(dstr s, const dstr t) { return dstrCatLen(s, t, dstrLen(t)); }

dstr dstrCatVPrintf(dstr s, const char *fmt, va_list ap) {
    char small[256];
    va_list cpy;
    va_copy(cpy, ap);
    int n = vsnprintf(small, sizeof(small), fmt, cpy);
    va_end(cpy);
    if (n < 0) return s;
    if ((size_t)n < sizeof(small)) return dstrCatLen(s, small, (size_t)n);
    size_t cur = dstrLen(s);
    s = dstrMakeRoomFor(s, (size_t)n);
    va_copy(cpy, ap);
    vsnprintf(s + cur, (size_t)n + 1, fmt, cpy);
    va_end(cpy);
    dstrSetLen(s, cur + (size_t)n);
    return s;
}

dstr dstrCatPrintf(dstr s, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    s = dstrCatVPrintf(s, fmt, ap);
    va_end(ap);
    return s;
}

dstr dstrCatRepr(dstr s, const char *p, size_t len) {
    s = dstrCatLen(s, "\"", 1);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)p[i];
        switch (c) {
        case '\\': case '"': s = dstrCatPrintf(s, "\\%c", c); break;
        case '\n': s = dstrCatLen(s, "\\n", 2); break;
        case '\r': s = dstrCatLen(s, "\\r", 2); break;
        case '\t': s = dstrCatLen(s, "\\t", 2); break;
        case '\a': s = dstrCatLen(s, "\\a", 2); break;
        case '\b': s = dstrCatLen(s, "\\b", 2); break;
        default:
            if (isprint(c))
                s = dstrCatLen(s, &p[i], 1);
            else
                s = dstrCatPrintf(s, "\\x%02x", c);
        }
    }
    return dstrCatLen(s, "\"", 1);
}

dstr dstrCpyLen(dstr s, const void *t, size_t len) {
    if (pointsInto(s, t, dstrLen(s))) {
        /* Copying a part of s onto itself: it fits, no growth needed. */
        memmove(s, t, len);
        dstrSetLen(s, len);
        return s;
    }
    dstrSetLen(s, 0);
    s = dstrMakeRoomForExact(s, len);
    if (len) memcpy(s, t, len);
    dstrSetLen(s, len);
    return s;
}

dstr dstrCpy(dstr s, const char *t) { return dstrCpyLen(s, t, strlen(t)); }

/* Shrinks the allocation to the length.  The allocator may round the new
 * size up to its size class; that slack is kept as room (it costs nothing),
 * so dstrAvail() can still be a little above zero afterwards. */
dstr dstrRemoveFreeSpace(dstr s) {
    if (dstrAvail(s) == 0) return s;
    size_t len = dstrLen(s);
    int type = s[-1] & DSTR_TYPE_MASK;
    if (type == DSTR_T5 || typeFor(len) != type) {
        dstr n = dstrNewLen(s, len);
        dstrFree(s);
        return n;
    }
    /* Same header kind: shrink in place (jemalloc keeps the block when the
     * size class does not change). */
    size_t hdr = hdrSize(type);
    char *mem = memRealloc(s - hdr, hdr + len + 1);
    size_t usable = memUsableSize(mem) - hdr - 1;
    if (usable > maxRoom(type)) usable = maxRoom(type);
    s = mem + hdr;
    setHeader(s, type, len, usable);
    return s;
}

size_t dstrAllocSize(const dstr s) {
    return memUsableSize(s - hdrSize(s[-1] & DSTR_TYPE_MASK));
}

void dstrRange(dstr s, ssize_t start, ssize_t end) {
    ssize_t len = (ssize_t)dstrLen(s);
    if (len == 0) return;
    if (start < 0) start = len + start < 0 ? 0 : len + start;
    if (end < 0) end = len + end < 0 ? 0 : len + end;
    ssize_t newlen = (start > end) ? 0 : end - start + 1;
    if (start >= len) newlen = 0;
    if (newlen != 0 && end >= len) newlen = len - start;
    if (newlen && start) memmove(s, s + start, (size_t)newlen);
    dstrSetLen(s, (size_t)newlen);
}

/* memchr, not strchr: strchr finds the terminator for a NUL byte, which would
 * make every NUL of a binary string look like a member of cset. */
static int inSet(const char *cset, size_t setlen, char c) { return memchr(cset, c, setlen) != NULL; }

void dstrTrim(dstr s, const char *cset) {
    size_t len = dstrLen(s), start = 0, end = len, setlen = strlen(cset);
    while (start < end && inSet(cset, setlen, s[start])) start++;
    while (end > start && inSet(cset, setlen, s[end - 1])) end--;
    if (start) memmove(s, s + start, end - start);
    dstrSetLen(s, end - start);
}

void dstrClear(dstr s) { dstrSetLen(s, 0); }

void dstrToLower(dstr s) {
    size_t len = dstrLen(s);
    for (size_t i = 0; i < len; i++) s[i] = (char)tolower((unsigned char)s[i]);
}

void dstrToUpper(dstr s) {
    size_t len = dstrLen(s);
    for (size_t i = 0; i < len; i++) s[i] = (char)toupper((unsigned char)s[i]);
}

int dstrCmp(const dstr a, const dstr b) {
    size_t la = dstrLen(a), lb = dstrLen(b);
    int c = memcmp(a, b, la < lb ? la : lb);
    if (c) return c;
    return la < lb ? -1 : (la > lb ? 1 : 0);
}

static int hexValue(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    c = tolower(c);
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

void dstrFreeSplit(dstr *argv, int argc) {
    if (!argv) return;
    for (int i = 0; i < argc; i++) dstrFree(argv[i]);
    memFree(argv);
}

/* Parses one quoted or bare token starting at *pp; returns NULL on error. */
static dstr splitToken(const char **pp) {
    const char *p = *pp;
    dstr cur = dstrEmpty();
    int inDq = 0, inSq = 0;
    for (;;) {
        if (inDq) {
            if (!*p) goto err;
            if (p[0] == '\\' && p[1] == 'x' && hexValue(p[2]) >= 0 && hexValue(p[3]) >= 0) {
                char byte = (char)(hexValue(p[2]) * 16 + hexValue(p[3]));
                cur = dstrCatLen(cur, &byte, 1);
                p += 3;
            } else if (p[0] == '\\' && p[1]) {
                char c;
                p++;
                switch (*p) {
                case 'n': c = '\n'; break;
                case 'r': c = '\r'; break;
                case 't': c = '\t'; break;
                case 'b': c = '\b'; break;
                case 'a': c = '\a'; break;
                default: c = *p; break;
                }
                cur = dstrCatLen(cur, &c, 1);
            } else if (*p == '"') {
                if (p[1] && !isspace((unsigned char)p[1])) goto err;
                inDq = 0;
                p++;
                break;
            } else {
                cur = dstrCatLen(cur, p, 1);
            }
        } else if (inSq) {
            if (!*p) goto err;
            if (p[0] == '\\' && p[1] == '\'') {
                p++;
                cur = dstrCatLen(cur, "'", 1);
            } else if (*p == '\'') {
                if (p[1] && !isspace((unsigned char)p[1])) goto err;
                inSq = 0;
                p++;
                break;
            } else {
                cur = dstrCatLen(cur, p, 1);
            }
        } else {
            if (!*p || isspace((unsigned char)*p)) break;
            if (*p == '"') inDq = 1;
            else if (*p == '\'') inSq = 1;
            else cur = dstrCatLen(cur, p, 1);
        }
        if (*p) p++;
    }
    *pp = p;
    return cur;
err:
    dstrFree(cur);
    return NULL;
}

dstr *dstrSplitArgs(const char *line, int *argc) {
    const char *p = line;
    dstr *vector = NULL;
    int n = 0;
    *argc = 0;
    for (;;) {
        while (*p && isspace((unsigned char)*p)) p++;
        if (!*p) break;
        dstr tok = splitToken(&p);
        if (!tok) {
            dstrFreeSplit(vector, n);
            return NULL;
        }
        vector = memRealloc(vector, sizeof(dstr) * (size_t)(n + 1));
        vector[n++] = tok;
    }
    *argc = n;
    return vector ? vector : memCalloc(sizeof(dstr));
}

dstr *dstrSplitLen(const char *s, ssize_t len, const char *sep, int seplen, int *count) {
    *count = 0;
    if (seplen < 1 || len < 0) return NULL;
    if (len == 0) return memCalloc(sizeof(dstr)); /* no tokens, like an empty line */
    dstr *tokens = NULL;
    int n = 0;
    ssize_t start = 0;
    for (ssize_t j = 0; j <= len - seplen; j++) {
        if (s[j] == sep[0] && memcmp(s + j, sep, (size_t)seplen) == 0) {
            tokens = memRealloc(tokens, sizeof(dstr) * (size_t)(n + 1));
            tokens[n++] = dstrNewLen(s + start, (size_t)(j - start));
            start = j + seplen;
            j = j + seplen - 1;
        }
    }
    tokens = memRealloc(tokens, sizeof(dstr) * (size_t)(n + 1));
    tokens[n++] = dstrNewLen(s + start, (size_t)(len - start));
    *count = n;
    return tokens;
}

/* The smallest header that holds len: T5 below 32 bytes, then T8, T16,
 * T32 and T64. */
static int embeddedType(size_t len) {
    if (len < 32) return DSTR_T5;
    if (len < 256) return DSTR_T8;
    if (len < 65536) return DSTR_T16;
    return (uint64_t)len < (1ULL << 32) ? DSTR_T32 : DSTR_T64;
}

size_t dstrEmbeddedHeaderSize(size_t len) {
    switch (embeddedType(len)) {
    case DSTR_T5: return 1;
    case DSTR_T8: return sizeof(struct dstrHdr8);
    case DSTR_T16: return sizeof(struct dstrHdr16);
    case DSTR_T32: return sizeof(struct dstrHdr32);
    default: return sizeof(struct dstrHdr64);
    }
}

size_t dstrEmbeddedSize(size_t len) { return dstrEmbeddedHeaderSize(len) + len + 1; }

dstr dstrWriteEmbedded(void *dst, const void *bytes, size_t len) {
    char *s = (char *)dst + dstrEmbeddedHeaderSize(len);
    setHeader(s, embeddedType(len), len, len);
    memcpy(s, bytes, len);
    s[len] = '\0';
    return s;
}
