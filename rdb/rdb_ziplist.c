/* rdb_ziplist.c — readers for the two compact formats older files hold:
 * ziplists (RDB types list-ziplist, zset-ziplist, hash-ziplist and the
 * nodes of list-quicklist, written by Redis 2.6 to 6.2) and zipmaps
 * (hash-zipmap, Redis before 2.6).  tessera never writes either: each blob
 * is checked and turned into a listpack on the spot, and the rest of the
 * loading path only knows listpacks.
 *
 * Ziplist layout (all integers little endian unless said otherwise):
 *
 *   <zlbytes u32> <zltail u32> <zllen u16> <entry> ... <0xFF>
 *   entry: <prevlen> <encoding> <data>
 *     prevlen   1 byte (< 254), or 0xFE + u32: the previous entry's size
 *     encoding  00llllll                     string, 6-bit length
 *               01llllll llllllll            string, 14-bit length (big endian)
 *               10000000 + u32 big endian    string, 32-bit length
 *               11000000 int16 | 11010000 int32 | 11100000 int64
 *               11110000 int24 | 11111110 int8
 *               1111xxxx (xxxx 0001..1101)   the integer xxxx - 1 (0..12)
 *
 *   zlbytes is the blob size, zltail the offset of the last entry (the
 *   header size when there is none), zllen the count unless it is 65535
 *   ("count by walking").
 *
 * Zipmap layout:
 *
 *   <zmlen u8> (<len> key <len> <free u8> value <free bytes>)* <0xFF>
 *     len       1 byte (< 254), or 0xFE + u32 (little endian)
 *     zmlen     the pair count when below 254
 *
 * The validation is the whole safety argument: every length is checked
 * against the bytes left before it is used (in 64-bit arithmetic, so a
 * forged 32-bit length cannot wrap), every prevlen must equal the real
 * size of the previous entry, and the walk must end exactly on the end
 * byte at the last position. */
#include <stdint.h>
#include <string.h>

#include "node/base/mem.h"
#include "node/types/listpack.h"
#include "rdb/rdb_collection.h"

#define ZL_HEADER_SIZE 10
#define ZL_END 0xFF
#define ZL_BIG_PREVLEN 254
#define ZL_COUNT_UNKNOWN 65535

static uint32_t le32(const unsigned char *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* One decoded entry: a string (str != NULL) or an integer. */
typedef struct zlEntry {
    const unsigned char *str;
    uint64_t slen;
    int64_t ival;
    uint64_t size; /* bytes of the whole entry */
} zlEntry;

/* Integer data width of an integer encoding byte, -1 if b is none. */
static int intWidth(unsigned char b) {
    switch (b) {
    case 0xC0: return 2;
    case 0xD0: return 4;
    case 0xE0: return 8;
    case 0xF0: return 3;
    case 0xFE: return 1;
    default: return (b >= 0xF1 && b <= 0xFD) ? 0 : -1;
    }
}

static int64_t readInt(const unsigned char *p, int width, unsigned char enc) {
    if (width == 0) return (int64_t)(enc & 0x0F) - 1;
    uint64_t v = 0;
    for (int i = width - 1; i >= 0; i--) v = (v << 8) | p[i];
    /* Sign-extend from width bytes. */
    int shift = 64 - 8 * width;
    return shift ? (int64_t)(v << shift) >> shift : (int64_t)v;
}

/* Decodes the entry at off (end is the offset of the end byte); returns 0
 * if it does not fit or is malformed.  *prevlen receives its prevlen. */
static int decodeEntry(const unsigned char *zl, uint64_t off, uint64_t end, uint64_t *prevlen, zlEntry *e) {
    uint64_t p = off;
    if (p >= end) return 0;
    if (zl[p] < ZL_BIG_PREVLEN) {
        *prevlen = zl[p++];
    } else if (zl[p] == ZL_BIG_PREVLEN) {
        if (end - p < 5) return 0;
        *prevlen = le32(zl + p + 1);
        p += 5;
    } else {
        return 0;
    }
    if (p >= end) return 0;
    unsigned char enc = zl[p];
    uint64_t hdr, datalen;
    int width = -1;
    switch (enc >> 6) {
    case 0: hdr = 1; datalen = enc & 0x3F; break;
    case 1:
        if (end - p < 2) return 0;
        hdr = 2;
        datalen = ((uint64_t)(enc & 0x3F) << 8) | zl[p + 1];
        break;
    case 2:
        if (enc != 0x80 || end - p < 5) return 0;
        hdr = 5;
        datalen = ((uint64_t)zl[p + 1] << 24) | ((uint64_t)zl[p + 2] << 16) | ((uint64_t)zl[p + 3] << 8) | zl[p + 4];
        break;
    default:
        width = intWidth(enc);
        if (width < 0) return 0;
        hdr = 1;
        datalen = (uint64_t)width;
        break;
    }
    if (end - p < hdr || end - p - hdr < datalen) return 0;
    if (width < 0) {
        e->str = zl + p + hdr;
        e->slen = datalen;
    } else {
        e->str = NULL;
        e->ival = readInt(zl + p + hdr, width, enc);
    }
    e->size = p + hdr + datalen - off;
    return 1;
}

static unsigned char *lpAdd(unsigned char *lp, const zlEntry *e) {
    if (!e->str) return lpAppendInteger(lp, e->ival);
    return lpAppend(lp, e->str, (size_t)e->slen);
}

unsigned char *rdbZiplistToListpack(const unsigned char *zl, size_t size) {
    if (size < ZL_HEADER_SIZE + 1 || le32(zl) != size || zl[size - 1] != ZL_END) return NULL;
    uint64_t tail = le32(zl + 4), declared = (uint64_t)zl[8] | ((uint64_t)zl[9] << 8);
    uint64_t end = size - 1, off = ZL_HEADER_SIZE, last = ZL_HEADER_SIZE, prevSize = 0, count = 0;
    unsigned char *lp = lpNew(size);
    while (off < end) {
        uint64_t prevlen;
        zlEntry e;
        if (!decodeEntry(zl, off, end, &prevlen, &e) || prevlen != prevSize) goto bad;
        unsigned char *grown = lpAdd(lp, &e);
        if (!grown) goto bad;
        lp = grown;
        last = off;
        prevSize = e.size;
        off += e.size;
        count++;
    }
    if (tail != last || (declared != ZL_COUNT_UNKNOWN && declared != count)) goto bad;
    return lpShrinkToFit(lp);
bad:
    lpFree(lp);
    return NULL;
}

/* A zipmap length at *off; 0 if it does not fit or is the end marker. */
static int zipmapLen(const unsigned char *zm, uint64_t *off, uint64_t end, uint64_t *len) {
    if (*off >= end) return 0;
    unsigned char b = zm[*off];
    if (b < ZL_BIG_PREVLEN) {
        *len = b;
        *off += 1;
        return 1;
    }
    if (b != ZL_BIG_PREVLEN || end - *off < 5) return 0;
    *len = le32(zm + *off + 1);
    *off += 5;
    return 1;
}

unsigned char *rdbZipmapToListpack(const unsigned char *zm, size_t size) {
    if (size < 2 || zm[size - 1] != ZL_END) return NULL;
    uint64_t end = size - 1, off = 1, pairs = 0, declared = zm[0];
    unsigned char *lp = lpNew(size);
    while (off < end) {
        uint64_t klen, vlen;
        if (!zipmapLen(zm, &off, end, &klen) || end - off < klen) goto bad;
        const unsigned char *key = zm + off;
        off += klen;
        if (!zipmapLen(zm, &off, end, &vlen) || off >= end) goto bad;
        uint64_t freeBytes = zm[off++];
        if (end - off < vlen || end - off - vlen < freeBytes) goto bad;
        unsigned char *grown = lpAppend(lp, key, (size_t)klen);
        if (!grown) goto bad;
        lp = grown;
        grown = lpAppend(lp, zm + off, (size_t)vlen);
        if (!grown) goto bad;
        lp = grown;
        off += vlen + freeBytes;
        pairs++;
    }
    if (declared < ZL_BIG_PREVLEN && declared != pairs) goto bad;
    return lpShrinkToFit(lp);
bad:
    lpFree(lp);
    return NULL;
}
