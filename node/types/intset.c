/* intset.c — sorted integer set in one flat allocation.
 *
 * Layout (the same bytes live in memory and in an RDB file, so a set is
 * saved and loaded with one memcpy):
 *
 *   +----------------+----------------+----------------------------------+
 *   | encoding u32LE | length u32LE   | length elements, each `encoding` |
 *   |  2, 4 or 8     |                | bytes, signed, LE, ascending     |
 *   +----------------+----------------+----------------------------------+
 *
 * Why this structure: small sets of integers are the common case for SADD of
 * ids; a flat array costs 8 bytes of header plus 2-8 bytes per member,
 * against ~50 bytes per member in a hash table, and a binary search over a
 * few hundred contiguous elements is as fast as hashing.  Inserts and
 * removals are O(n) memmoves, which is why the owner converts to a hash
 * table past a configured size.
 *
 * Invariants: elements strictly ascending (no duplicates); every element
 * fits the encoding; the encoding only grows.  Widening ("upgrade") happens
 * when a value outside the current width is added: such a value is either
 * smaller than every element or larger than every element, so after
 * re-encoding it goes at one end without a search.
 *
 * All multi-byte fields are converted explicitly so the blob is
 * little-endian on any host. */
#include "node/types/intset.h"

#include <assert.h>
#include <string.h>

#include "node/base/mem.h"
#include "node/base/rand.h"

/* --- Byte order --- */

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define LE16(x) __builtin_bswap16(x)
#define LE32(x) __builtin_bswap32(x)
#define LE64(x) __builtin_bswap64(x)
#else
#define LE16(x) (x)
#define LE32(x) (x)
#define LE64(x) (x)
#endif

static uint32_t encodingOf(const intset *is) { return LE32(is->encoding); }
static void setEncoding(intset *is, uint32_t enc) { is->encoding = LE32(enc); }
static void setLength(intset *is, uint32_t len) { is->length = LE32(len); }

/* Smallest encoding that holds value. */
static uint32_t encodingFor(int64_t value) {
    if (value < INT32_MIN || value > INT32_MAX) return INTSET_ENC_INT64;
    if (value < INT16_MIN || value > INT16_MAX) return INTSET_ENC_INT32;
    return INTSET_ENC_INT16;
}

/* Element pos of raw contents of width enc.  memcpy: contents is not
 * aligned for the element type. */
static int64_t readAt(const unsigned char *contents, uint32_t enc, uint32_t pos) {
    if (enc == INTSET_ENC_INT64) {
        uint64_t v;
        memcpy(&v, contents + (size_t)pos * 8, 8);
        return (int64_t)LE64(v);
    }
    if (enc == INTSET_ENC_INT32) {
        uint32_t v;
        memcpy(&v, contents + (size_t)pos * 4, 4);
        return (int32_t)LE32(v);
    }
    uint16_t v;
    memcpy(&v, contents + (size_t)pos * 2, 2);
    return (int16_t)LE16(v);
}

static void writeAt(unsigned char *contents, uint32_t enc, uint32_t pos, int64_t value) {
    if (enc == INTSET_ENC_INT64) {
        uint64_t v = LE64((uint64_t)value);
        memcpy(contents + (size_t)pos * 8, &v, 8);
    } else if (enc == INTSET_ENC_INT32) {
        uint32_t v = LE32((uint32_t)(int32_t)value);
        memcpy(contents + (size_t)pos * 4, &v, 4);
    } else {
        uint16_t v = LE16((uint16_t)(int16_t)value);
        memcpy(contents + (size_t)pos * 2, &v, 2);
    }
}

static int64_t getAt(const intset *is, uint32_t pos) {
    return readAt(is->contents, encodingOf(is), pos);
}

/* --- Search and resizing --- */

/* Binary search: 1 and *pos = index when found, else 0 and *pos = the index
 * where value would be inserted to keep the order. */
static int search(const intset *is, int64_t value, uint32_t *pos) {
    uint32_t lo = 0, hi = intsetLen(is); /* answer in [lo, hi] */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int64_t cur = getAt(is, mid);
        if (cur == value) {
            *pos = mid;
            return 1;
        }
        if (cur < value) lo = mid + 1;
        else hi = mid;
    }
    *pos = lo;
    return 0;
}

static intset *resize(intset *is, uint32_t len) {
    size_t bytes = sizeof(intset) + (size_t)len * encodingOf(is);
    return memRealloc(is, bytes);
}

/* Moves elements [from, len) to start at index `to` (one slot either way). */
static void moveTail(intset *is, uint32_t from, uint32_t to) {
    uint32_t enc = encodingOf(is);
    size_t count = intsetLen(is) - from;
    memmove(is->contents + (size_t)to * enc, is->contents + (size_t)from * enc, count * enc);
}

/* Widens every element to the encoding of value and adds value at the end
 * it belongs to (it is out of the old range, so it is the new min or max).
 * Walks from the back so no element is overwritten before it is read. */
static intset *upgradeAndAdd(intset *is, int64_t value) {
    uint32_t oldEnc = encodingOf(is), len = intsetLen(is);
    int prepend = value < 0;
    setEncoding(is, encodingFor(value));
    is = resize(is, len + 1);
    uint32_t newEnc = encodingOf(is);
    for (uint32_t i = len; i-- > 0;)
        writeAt(is->contents, newEnc, i + (uint32_t)prepend, readAt(is->contents, oldEnc, i));
    writeAt(is->contents, newEnc, prepend ? 0 : len, value);
    setLength(is, len + 1);
    return is;
}

/* --- Public API --- */

intset *intsetNew(void) {
    intset *is = memAlloc(sizeof(intset));
    setEncoding(is, INTSET_ENC_INT16);
    setLength(is, 0);
    return is;
}

void intsetFree(intset *is) { memFree(is); }

intset *intsetAdd(intset *is, int64_t value, int *success) {
    if (success) *success = 1;
    if (encodingFor(value) > encodingOf(is)) return upgradeAndAdd(is, value);
    uint32_t pos;
    if (search(is, value, &pos)) {
        if (success) *success = 0;
        return is;
    }
    uint32_t len = intsetLen(is);
    is = resize(is, len + 1);
    if (pos < len) moveTail(is, pos, pos + 1);
    writeAt(is->contents, encodingOf(is), pos, value);
    setLength(is, len + 1);
    return is;
}

intset *intsetRemove(intset *is, int64_t value, int *success) {
    uint32_t pos;
    if (success) *success = 0;
    /* A value wider than the encoding cannot be a member. */
    if (encodingFor(value) > encodingOf(is) || !search(is, value, &pos)) return is;
    uint32_t len = intsetLen(is);
    if (pos < len - 1) moveTail(is, pos + 1, pos);
    setLength(is, len - 1);
    if (success) *success = 1;
    return resize(is, len - 1);
}

int intsetFind(const intset *is, int64_t value) {
    uint32_t pos;
    return encodingFor(value) <= encodingOf(is) && search(is, value, &pos);
}

int64_t intsetRandom(const intset *is) {
    uint32_t len = intsetLen(is);
    assert(len > 0);
    return getAt(is, (uint32_t)randBelow(len));
}

int intsetGet(const intset *is, uint32_t pos, int64_t *value) {
    if (pos >= intsetLen(is)) return 0;
    *value = getAt(is, pos);
    return 1;
}

uint32_t intsetLen(const intset *is) { return LE32(is->length); }

size_t intsetBlobLen(const intset *is) {
    return sizeof(intset) + (size_t)intsetLen(is) * encodingOf(is);
}

uint32_t intsetEncoding(const intset *is) { return encodingOf(is); }

int64_t intsetMin(const intset *is) {
    assert(intsetLen(is) > 0);
    return getAt(is, 0);
}

int64_t intsetMax(const intset *is) {
    assert(intsetLen(is) > 0);
    return getAt(is, intsetLen(is) - 1);
}

/* --- Untrusted input --- */

int intsetValidateIntegrity(const unsigned char *p, size_t size, int deep) {
    uint32_t enc, len;
    if (size < sizeof(intset)) return 0;
    memcpy(&enc, p, 4);
    memcpy(&len, p + 4, 4);
    enc = LE32(enc);
    len = LE32(len);
    if (enc != INTSET_ENC_INT16 && enc != INTSET_ENC_INT32 && enc != INTSET_ENC_INT64) return 0;
    /* len * enc cannot overflow 64 bits (u32 * 8). */
    if ((uint64_t)sizeof(intset) + (uint64_t)len * enc != (uint64_t)size) return 0;
    if (len == 0) return 0; /* an empty set is never stored */
    if (!deep) return 1;
    const unsigned char *contents = p + sizeof(intset);
    int64_t prev = readAt(contents, enc, 0);
    for (uint32_t i = 1; i < len; i++) {
        int64_t cur = readAt(contents, enc, i);
        if (cur <= prev) return 0;
        prev = cur;
    }
    return 1;
}

intset *intsetFromBlob(const unsigned char *p, size_t size) {
    assert(size >= sizeof(intset));
    return memDup(p, size);
}
