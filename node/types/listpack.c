/* listpack.c — the listpack: small lists, hashes, sets and sorted sets kept as
 * one flat buffer instead of a node per element.
 *
 * Layout (the listpack specification; all multi-byte numbers little endian):
 *
 *   +-------------+-----------+---------+-----+---------+------+
 *   | total bytes | count     | entry 0 | ... | entry n | 0xFF |
 *   | uint32      | uint16    |         |     |         | end  |
 *   +-------------+-----------+---------+-----+---------+------+
 *
 *   entry = encoding+data | backlen
 *
 * The encoding's first byte says the type and (part of) the length:
 *
 *   0xxxxxxx                    7-bit unsigned integer
 *   10xxxxxx <data>             string of up to 63 bytes
 *   110xxxxx yyyyyyyy           13-bit signed integer (two's complement)
 *   1110xxxx yyyyyyyy <data>    string of up to 4095 bytes (12-bit length)
 *   11110000 <uint32 len> <data> string up to 4 GB
 *   0xF1/0xF2/0xF3/0xF4 <n>     16/24/32/64-bit signed integer
 *   0xFF                        end of listpack
 *
 * backlen is the size of encoding+data, in 1 to 5 bytes of 7 bits each, laid
 * out to be read right to left from the byte before the next entry: the
 * rightmost byte holds the lowest 7 bits, and every byte but the leftmost
 * has its high bit set ("more to the left").  That is what makes lpPrev O(1).
 *
 * Invariants: total bytes == allocation content; the last byte is 0xFF and no
 * entry starts with 0xFF; count is the element count, or 65535 when the count
 * reached 65535 (then lpLength walks).  Writing is canonical — a string that
 * is a canonical int64 becomes an integer in its smallest encoding, strings
 * use their smallest length form, backlen sizes follow Valkey's thresholds —
 * so the bytes equal what Valkey writes for the same operations.
 *
 * Every mutation goes through one routine (lpSplice) that replaces the bytes
 * of zero or one entry with zero or one new entry, moving the tail once.
 * Cost: insert/delete are O(size) for the memmove, like any array; listpacks
 * are kept small by the callers (the *-max-listpack-* settings). */
#include "node/types/listpack.h"

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/base/mem.h"
#include "node/base/rand.h"

#define LP_HDR_SIZE 6
#define LP_EOF 0xFF
#define LP_MAX_ENTRY_HEADER 5    /* 0xF0 + uint32 length */
#define LP_MAX_BACKLEN 5

/* --- Header access --- */

static uint32_t readU32(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void writeU32(unsigned char *p, uint32_t v) {
    p[0] = v & 0xFF;
    p[1] = (v >> 8) & 0xFF;
    p[2] = (v >> 16) & 0xFF;
    p[3] = (v >> 24) & 0xFF;
}

static unsigned headerCount(const unsigned char *lp) {
    return (unsigned)lp[4] | (unsigned)lp[5] << 8;
}

static void setHeaderCount(unsigned char *lp, unsigned count) {
    if (count > LP_COUNT_UNKNOWN) count = LP_COUNT_UNKNOWN;
    lp[4] = count & 0xFF;
    lp[5] = (count >> 8) & 0xFF;
}

size_t lpBytes(const unsigned char *lp) {
    return readU32(lp);
}

int lpSafeToAdd(const unsigned char *lp, size_t add) {
    size_t size = lp ? lpBytes(lp) : 0;
    return add <= LP_MAX_SAFETY_SIZE && size + add <= LP_MAX_SAFETY_SIZE;
}

/* --- Encoding --- */

/* Bytes a backlen of value len occupies (Valkey's thresholds, kept exactly
 * for byte compatibility even where one byte fewer would fit). */
static size_t backlenSize(uint64_t len) {
    if (len <= 127) return 1;
    if (len < 16383) return 2;
    if (len < 2097151) return 3;
    if (len < 268435455) return 4;
    return 5;
}

/* Writes the backlen of len at buf (left to right in memory). */
static size_t encodeBacklen(unsigned char *buf, uint64_t len) {
    size_t n = backlenSize(len);
    for (size_t i = 0; i < n; i++) {
        unsigned char b = (len >> (7 * (n - 1 - i))) & 127;
        buf[i] = (i == 0) ? b : (b | 128);
    }
    return n;
}

/* Reads a backlen right to left from its last byte p, looking at no more than
 * max bytes (p - max + 1 must be readable).  Returns the value and sets *used,
 * or returns UINT64_MAX if it does not end within max bytes. */
static uint64_t decodeBacklen(const unsigned char *p, size_t max, size_t *used) {
    uint64_t v = 0;
    for (size_t i = 0; i < max && i < LP_MAX_BACKLEN; i++) {
        v |= (uint64_t)(p[-(long)i] & 127) << (7 * i);
        if (!(p[-(long)i] & 128)) {
            *used = i + 1;
            return v;
        }
    }
    return UINT64_MAX;
}

/* Encodes integer v into buf (up to 9 bytes); returns the length. */
static size_t encodeInteger(unsigned char *buf, int64_t v) {
    if (v >= 0 && v <= 127) {
        buf[0] = (unsigned char)v;
        return 1;
    }
    if (v >= -4096 && v <= 4095) {
        uint64_t u = (uint64_t)v & 0x1FFF;
        buf[0] = 0xC0 | (unsigned char)(u >> 8);
        buf[1] = u & 0xFF;
        return 2;
    }
    int bytes;
    if (v >= INT16_MIN && v <= INT16_MAX) {
        buf[0] = 0xF1, bytes = 2;
    } else if (v >= -8388608 && v <= 8388607) {
        buf[0] = 0xF2, bytes = 3;
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
        buf[0] = 0xF3, bytes = 4;
    } else {
        buf[0] = 0xF4, bytes = 8;
    }
    uint64_t u = (uint64_t)v;
    for (int i = 0; i < bytes; i++) buf[1 + i] = (u >> (8 * i)) & 0xFF;
    return 1 + (size_t)bytes;
}

/* Writes the header of a string of len bytes; returns its length. */
static size_t encodeStringHeader(unsigned char *buf, size_t len) {
    if (len < 64) {
        buf[0] = 0x80 | (unsigned char)len;
        return 1;
    }
    if (len < 4096) {
        buf[0] = 0xE0 | (unsigned char)(len >> 8);
        buf[1] = len & 0xFF;
        return 2;
    }
    buf[0] = 0xF0;
    writeU32(buf + 1, (uint32_t)len);
    return 5;
}

/* Size of the header of the entry starting with byte b (bytes needed before
 * the length is known), 0 for an invalid first byte. */
static size_t entryHeaderSize(unsigned char b) {
    if (b < 0x80) return 1;
    if ((b & 0xC0) == 0x80) return 1;
    if ((b & 0xE0) == 0xC0) return 2;
    if ((b & 0xF0) == 0xE0) return 2;
    if (b == 0xF0) return 5;
    if (b >= 0xF1 && b <= 0xF4) return 1;
    return 0;
}

/* Size of encoding+data of the entry at p; its header must be readable.
 * Returns 0 for an invalid encoding byte (0xF5..0xFF). */
static uint64_t entryEncodedSize(const unsigned char *p) {
    unsigned char b = p[0];
    if (b < 0x80) return 1;
    if ((b & 0xC0) == 0x80) return 1 + (uint64_t)(b & 0x3F);
    if ((b & 0xE0) == 0xC0) return 2;
    if ((b & 0xF0) == 0xE0) return 2 + ((uint64_t)(b & 0x0F) << 8 | p[1]);
    switch (b) {
    case 0xF0: return 5 + (uint64_t)readU32(p + 1);
    case 0xF1: return 3;
    case 0xF2: return 4;
    case 0xF3: return 5;
    case 0xF4: return 9;
    default: return 0;
    }
}

/* Whole size of the (valid) entry at p, backlen included. */
static size_t entrySize(const unsigned char *p) {
    uint64_t enc = entryEncodedSize(p);
    assert(enc != 0);
    return (size_t)(enc + backlenSize(enc));
}

/* --- Creation and navigation --- */

unsigned char *lpNew(size_t capacity) {
    unsigned char *lp = memAlloc(capacity > LP_HDR_SIZE + 1 ? capacity : LP_HDR_SIZE + 1);
    writeU32(lp, LP_HDR_SIZE + 1);
    setHeaderCount(lp, 0);
    lp[LP_HDR_SIZE] = LP_EOF;
    return lp;
}

void lpFree(unsigned char *lp) {
    memFree(lp);
}

unsigned char *lpShrinkToFit(unsigned char *lp) {
    size_t size = lpBytes(lp);
    if (memUsableSize(lp) > size) lp = memRealloc(lp, size);
    return lp;
}

unsigned char *lpFirst(unsigned char *lp) {
    unsigned char *p = lp + LP_HDR_SIZE;
    return p[0] == LP_EOF ? NULL : p;
}

unsigned char *lpNext(unsigned char *lp, unsigned char *p) {
    assert(p[0] != LP_EOF);
    p += entrySize(p);
    assert(p < lp + lpBytes(lp));
    return p[0] == LP_EOF ? NULL : p;
}

/* The entry before p, where p is an entry or the end byte. */
static unsigned char *entryBefore(unsigned char *lp, unsigned char *p) {
    if (p == lp + LP_HDR_SIZE) return NULL;
    size_t used;
    uint64_t enc = decodeBacklen(p - 1, LP_MAX_BACKLEN, &used);
    assert(enc != UINT64_MAX);
    p -= enc + used;
    assert(p >= lp + LP_HDR_SIZE);
    return p;
}

unsigned char *lpPrev(unsigned char *lp, unsigned char *p) {
    return entryBefore(lp, p);
}

unsigned char *lpLast(unsigned char *lp) {
    return entryBefore(lp, lp + lpBytes(lp) - 1);
}

unsigned long lpLength(unsigned char *lp) {
    unsigned count = headerCount(lp);
    if (count != LP_COUNT_UNKNOWN) return count;
    unsigned long n = 0;
    for (unsigned char *p = lpFirst(lp); p; p = lpNext(lp, p)) n++;
    if (n < LP_COUNT_UNKNOWN) setHeaderCount(lp, (unsigned)n);
    return n;
}

/* O(n), walking from the nearer end when the count is known. */
unsigned char *lpSeek(unsigned char *lp, long index) {
    unsigned long n = lpLength(lp);
    if (index < 0) index += (long)n;
    if (index < 0 || (unsigned long)index >= n) return NULL;
    unsigned char *p;
    if ((unsigned long)index <= n / 2) {
        p = lpFirst(lp);
        for (long i = 0; i < index; i++) p = lpNext(lp, p);
    } else {
        p = lpLast(lp);
        for (unsigned long i = n - 1; i > (unsigned long)index; i--) p = lpPrev(lp, p);
    }
    return p;
}

/* --- Reading --- */

static int64_t signExtend(uint64_t u, int bits) {
    uint64_t sign = (uint64_t)1 << (bits - 1);
    if (bits < 64 && (u & sign)) u |= ~(uint64_t)0 << bits;
    return (int64_t)u;
}

void lpGetEntry(unsigned char *p, lpEntry *e) {
    unsigned char b = p[0];
    e->sval = NULL;
    e->slen = 0;
    e->lval = 0;
    if (b < 0x80) {
        e->lval = b;
    } else if ((b & 0xC0) == 0x80) {
        e->sval = p + 1, e->slen = b & 0x3F;
    } else if ((b & 0xE0) == 0xC0) {
        e->lval = signExtend((uint64_t)(b & 0x1F) << 8 | p[1], 13);
    } else if ((b & 0xF0) == 0xE0) {
        e->sval = p + 2, e->slen = (uint32_t)(b & 0x0F) << 8 | p[1];
    } else if (b == 0xF0) {
        e->sval = p + 5, e->slen = readU32(p + 1);
    } else {
        assert(b >= 0xF1 && b <= 0xF4);
        int bytes = b == 0xF1 ? 2 : b == 0xF2 ? 3 : b == 0xF3 ? 4 : 8;
        uint64_t u = 0;
        for (int i = 0; i < bytes; i++) u |= (uint64_t)p[1 + i] << (8 * i);
        e->lval = signExtend(u, bytes * 8);
    }
}

unsigned char *lpGet(unsigned char *p, int64_t *value, unsigned char *buf) {
    lpEntry e;
    lpGetEntry(p, &e);
    if (e.sval) {
        *value = e.slen;
        return (unsigned char *)e.sval;
    }
    if (!buf) {
        *value = e.lval;
        return NULL;
    }
    *value = snprintf((char *)buf, LP_INTBUF_SIZE, "%lld", (long long)e.lval);
    return buf;
}

int lpStringToInt64(const void *s, size_t len, int64_t *value) {
    const unsigned char *c = s;
    if (len == 0 || len > 20) return 0;
    if (len == 1 && c[0] == '0') {
        *value = 0;
        return 1;
    }
    size_t i = 0;
    int negative = c[0] == '-';
    if (negative) i++;
    if (i >= len || c[i] < '1' || c[i] > '9') return 0;
    uint64_t v = 0;
    for (; i < len; i++) {
        if (c[i] < '0' || c[i] > '9') return 0;
        unsigned d = c[i] - '0';
        if (v > (UINT64_MAX - d) / 10) return 0;
        v = v * 10 + d;
    }
    if (negative) {
        if (v > (uint64_t)INT64_MAX + 1) return 0;
        *value = (int64_t)(0 - v);
    } else {
        if (v > (uint64_t)INT64_MAX) return 0;
        *value = (int64_t)v;
    }
    return 1;
}

/* --- Mutation --- */

/* Replaces the entry at p (or nothing, when removeOld is 0) with the encoded
 * entry enc[0..enclen) + data[0..datalen) + backlen (or nothing, when enclen
 * is 0).  p may be the end byte when removeOld is 0.  Returns the new
 * listpack with *newp at the inserted entry (or, on a pure delete, at what
 * followed the deleted one, NULL at the end); NULL if the result would not
 * fit in the 32-bit size. */
static unsigned char *lpSplice(unsigned char *lp, unsigned char *p, int removeOld,
                               const unsigned char *enc, size_t enclen, const void *data,
                               size_t datalen, unsigned char **newp) {
    size_t oldTotal = lpBytes(lp);
    size_t offset = (size_t)(p - lp);
    size_t oldSize = removeOld ? entrySize(p) : 0;
    unsigned char backlen[LP_MAX_BACKLEN];
    size_t blen = enclen ? encodeBacklen(backlen, enclen + datalen) : 0;
    uint64_t newSize = enclen ? (uint64_t)enclen + datalen + blen : 0;
    uint64_t newTotal = (uint64_t)oldTotal - oldSize + newSize;
    if (newTotal > UINT32_MAX) return NULL;

    if (newTotal > oldTotal && newTotal > memUsableSize(lp)) lp = memRealloc(lp, (size_t)newTotal);
    p = lp + offset;
    memmove(p + newSize, p + oldSize, oldTotal - offset - oldSize);
    if (enclen) {
        memcpy(p, enc, enclen);
        if (datalen) memcpy(p + enclen, data, datalen);
        memcpy(p + enclen + datalen, backlen, blen);
    }
    if (newTotal < oldTotal) lp = memRealloc(lp, (size_t)newTotal);
    writeU32(lp, (uint32_t)newTotal);

    unsigned count = headerCount(lp);
    if (count != LP_COUNT_UNKNOWN && (removeOld != (enclen != 0)))
        setHeaderCount(lp, enclen ? count + 1 : count - 1);
    if (newp) {
        *newp = lp + offset;
        if (!enclen && (*newp)[0] == LP_EOF) *newp = NULL;
    }
    return lp;
}

/* Where a new element goes for (p, where): its address before the splice. */
static unsigned char *insertPoint(unsigned char *lp, unsigned char *p, int where) {
    (void)lp;
    if (where == LP_AFTER && p[0] != LP_EOF) p += entrySize(p);
    return p;
}

static unsigned char *spliceString(unsigned char *lp, unsigned char *p, int removeOld,
                                   const void *s, size_t len, unsigned char **newp) {
    unsigned char enc[9];
    int64_t v;
    if (lpStringToInt64(s, len, &v)) return lpSplice(lp, p, removeOld, enc, encodeInteger(enc, v), NULL, 0, newp);
    if (len > UINT32_MAX) return NULL;
    return lpSplice(lp, p, removeOld, enc, encodeStringHeader(enc, len), s, len, newp);
}

static unsigned char *spliceInteger(unsigned char *lp, unsigned char *p, int removeOld, int64_t v,
                                    unsigned char **newp) {
    unsigned char enc[9];
    return lpSplice(lp, p, removeOld, enc, encodeInteger(enc, v), NULL, 0, newp);
}

unsigned char *lpInsert(unsigned char *lp, const void *s, size_t len, unsigned char *p, int where,
                        unsigned char **newp) {
    return spliceString(lp, insertPoint(lp, p, where), 0, s, len, newp);
}

unsigned char *lpInsertInteger(unsigned char *lp, int64_t v, unsigned char *p, int where,
                               unsigned char **newp) {
    return spliceInteger(lp, insertPoint(lp, p, where), 0, v, newp);
}

unsigned char *lpAppend(unsigned char *lp, const void *s, size_t len) {
    return spliceString(lp, lp + lpBytes(lp) - 1, 0, s, len, NULL);
}

unsigned char *lpPrepend(unsigned char *lp, const void *s, size_t len) {
    return spliceString(lp, lp + LP_HDR_SIZE, 0, s, len, NULL);
}

unsigned char *lpAppendInteger(unsigned char *lp, int64_t v) {
    return spliceInteger(lp, lp + lpBytes(lp) - 1, 0, v, NULL);
}

unsigned char *lpPrependInteger(unsigned char *lp, int64_t v) {
    return spliceInteger(lp, lp + LP_HDR_SIZE, 0, v, NULL);
}

unsigned char *lpReplace(unsigned char *lp, unsigned char **p, const void *s, size_t len) {
    return spliceString(lp, *p, 1, s, len, p);
}

unsigned char *lpReplaceInteger(unsigned char *lp, unsigned char **p, int64_t v) {
    return spliceInteger(lp, *p, 1, v, p);
}

unsigned char *lpDelete(unsigned char *lp, unsigned char *p, unsigned char **newp) {
    return lpSplice(lp, p, 1, NULL, 0, NULL, 0, newp);
}

/* Removes the bytes [from, to) holding `removed` elements in one move. */
static unsigned char *removeSpan(unsigned char *lp, unsigned char *from, unsigned char *to,
                                 unsigned long removed) {
    size_t total = lpBytes(lp);
    size_t span = (size_t)(to - from);
    memmove(from, to, total - (size_t)(to - lp));
    lp = memRealloc(lp, total - span);
    writeU32(lp, (uint32_t)(total - span));
    unsigned count = headerCount(lp);
    if (count != LP_COUNT_UNKNOWN) setHeaderCount(lp, (unsigned)(count - removed));
    return lp;
}

unsigned char *lpDeleteRangeWithEntry(unsigned char *lp, unsigned char **p, unsigned long count) {
    unsigned char *end = *p;
    unsigned long removed = 0;
    while (removed < count && end[0] != LP_EOF) {
        end += entrySize(end);
        removed++;
    }
    size_t offset = (size_t)(*p - lp);
    lp = removeSpan(lp, *p, end, removed);
    *p = lp + offset;
    if ((*p)[0] == LP_EOF) *p = NULL;
    return lp;
}

unsigned char *lpDeleteRange(unsigned char *lp, long index, unsigned long count) {
    unsigned char *p = lpSeek(lp, index);
    if (!p || count == 0) return lp;
    return lpDeleteRangeWithEntry(lp, &p, count);
}

unsigned char *lpBatchDelete(unsigned char *lp, unsigned char **ps, size_t count) {
    if (count == 0) return lp;
    size_t total = lpBytes(lp);
    unsigned char *dst = ps[0];
    for (size_t i = 0; i < count; i++) {
        unsigned char *keep = ps[i] + entrySize(ps[i]);
        unsigned char *keepEnd = i + 1 < count ? ps[i + 1] : lp + total;
        assert(keepEnd >= keep);
        memmove(dst, keep, (size_t)(keepEnd - keep));
        dst += keepEnd - keep;
    }
    size_t newTotal = (size_t)(dst - lp);
    writeU32(lp, (uint32_t)newTotal);
    unsigned n = headerCount(lp);
    if (n != LP_COUNT_UNKNOWN) setHeaderCount(lp, (unsigned)(n - count));
    return memRealloc(lp, newTotal);
}

/* --- Comparison and search --- */

/* Compares element p with s; *sint caches whether s is an integer (-1 not
 * known yet, 0 no, 1 yes with *sval). */
static int compareCached(unsigned char *p, const void *s, size_t len, int *sint, int64_t *sval) {
    lpEntry e;
    lpGetEntry(p, &e);
    if (e.sval) return e.slen == len && (len == 0 || memcmp(e.sval, s, len) == 0);
    if (*sint < 0) *sint = lpStringToInt64(s, len, sval);
    return *sint && *sval == e.lval;
}

int lpCompare(unsigned char *p, const void *s, size_t len) {
    int sint = -1;
    int64_t sval = 0;
    return compareCached(p, s, len, &sint, &sval);
}

unsigned char *lpFind(unsigned char *lp, unsigned char *p, const void *s, size_t len,
                      unsigned int skip) {
    int sint = -1;
    int64_t sval = 0;
    unsigned int toSkip = 0;
    while (p) {
        if (toSkip == 0) {
            if (compareCached(p, s, len, &sint, &sval)) return p;
            toSkip = skip;
        } else {
            toSkip--;
        }
        p = lpNext(lp, p);
    }
    return NULL;
}

/* --- Validation of untrusted bytes --- */

/* Checks the entry at lp[offset] lies within [offset, end) with consistent
 * lengths; returns its full size, or 0 if it is corrupt. */
static size_t validateEntry(const unsigned char *lp, size_t offset, size_t end) {
    const unsigned char *p = lp + offset;
    size_t hdr = entryHeaderSize(p[0]);
    if (hdr == 0 || hdr > end - offset) return 0;
    uint64_t enc = entryEncodedSize(p);
    if (enc == 0 || enc > end - offset) return 0;
    size_t blen = backlenSize(enc);
    if (blen > end - offset - enc) return 0;
    size_t used = 0;
    uint64_t back = decodeBacklen(p + enc + blen - 1, blen, &used);
    if (back != enc || used != blen) return 0;
    return (size_t)(enc + blen);
}

int lpValidateIntegrity(unsigned char *lp, size_t size, int deep, lpValidateEntryFn *fn,
                        void *userdata) {
    if (size < LP_HDR_SIZE + 1) return 0;
    if (lpBytes(lp) != size) return 0;
    if (lp[size - 1] != LP_EOF) return 0;
    if (!deep) return 1;

    unsigned header = headerCount(lp);
    size_t end = size - 1;
    size_t offset = LP_HDR_SIZE;
    unsigned long count = 0;
    while (offset < end) {
        size_t n = validateEntry(lp, offset, end);
        if (n == 0) return 0;
        if (fn && !fn(lp + offset, header, userdata)) return 0;
        offset += n;
        count++;
    }
    if (header != LP_COUNT_UNKNOWN && count != header) return 0;
    return 1;
}

/* --- Random sampling (HRANDFIELD and friends) --- */

void lpRandomPair(unsigned char *lp, unsigned long total, lpEntry *key, lpEntry *val) {
    assert(total > 0 && total % 2 == 0);
    long index = (long)randBelow(total / 2) * 2;
    unsigned char *p = lpSeek(lp, index);
    assert(p);
    lpGetEntry(p, key);
    if (val) lpGetEntry(lpNext(lp, p), val);
}

/* Draws the indexes first, sorts them, then reads all of them in one walk:
 * O(size + count log count) rather than a seek per pick. */
typedef struct pickedIndex {
    unsigned long pair;
    unsigned int slot;
} pickedIndex;

static int comparePicked(const void *a, const void *b) {
    const pickedIndex *x = a, *y = b;
    return x->pair < y->pair ? -1 : x->pair > y->pair;
}

void lpRandomPairs(unsigned char *lp, unsigned int count, lpEntry *keys, lpEntry *vals) {
    unsigned long pairs = lpLength(lp) / 2;
    if (count == 0) return;
    assert(pairs > 0);
    pickedIndex *picks = memAlloc(sizeof(*picks) * count);
    for (unsigned int i = 0; i < count; i++) {
        picks[i].pair = (unsigned long)randBelow(pairs);
        picks[i].slot = i;
    }
    qsort(picks, count, sizeof(*picks), comparePicked);
    unsigned char *p = lpFirst(lp);
    unsigned long at = 0;
    for (unsigned int i = 0; i < count; i++) {
        while (at < picks[i].pair) {
            p = lpNext(lp, lpNext(lp, p));
            at++;
        }
        lpGetEntry(p, &keys[picks[i].slot]);
        if (vals) lpGetEntry(lpNext(lp, p), &vals[picks[i].slot]);
    }
    memFree(picks);
}
