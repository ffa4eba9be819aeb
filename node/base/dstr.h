/* dstr.h — dynamic, binary-safe strings.
 *
 * A dstr is a `char *` pointing at the string bytes, always followed by a
 * NUL so it can be handed to C functions that stop at one.  A small header
 * sits just before the bytes; its last byte (s[-1]) holds the header kind in
 * its low 3 bits.  The header grows with the length so a short key costs one
 * or three bytes of bookkeeping rather than sixteen:
 *
 *   DSTR_T5   [flags: len<<3 | 0]                      len < 32, no spare room
 *   DSTR_T8   [len u8][alloc u8][flags]                len < 256
 *   DSTR_T16  [len u16][alloc u16][flags]
 *   DSTR_T32  [len u32][alloc u32][flags]
 *   DSTR_T64  [len u64][alloc u64][flags]
 *
 * T5 strings are exact-size and are converted to a larger kind the first time
 * they grow.  The T5/T8 forms are also used by the keyspace to embed a key
 * inside one allocation with its value (see dstrWriteEmbedded).
 *
 * Functions that may reallocate return the new pointer; the old one must not
 * be used afterwards (s = dstrCat(s, ...)). */
#ifndef TESSERA_DSTR_H
#define TESSERA_DSTR_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef char *dstr;

#define DSTR_T5 0
#define DSTR_T8 1
#define DSTR_T16 2
#define DSTR_T32 3
#define DSTR_T64 4
#define DSTR_TYPE_MASK 7

struct __attribute__((__packed__)) dstrHdr8 { uint8_t len, alloc; unsigned char flags; };
struct __attribute__((__packed__)) dstrHdr16 { uint16_t len, alloc; unsigned char flags; };
struct __attribute__((__packed__)) dstrHdr32 { uint32_t len, alloc; unsigned char flags; };
struct __attribute__((__packed__)) dstrHdr64 { uint64_t len, alloc; unsigned char flags; };

#define DSTR_HDR(T, s) ((struct dstrHdr##T *)((s) - sizeof(struct dstrHdr##T)))

static inline size_t dstrLen(const dstr s) {
    unsigned char flags = (unsigned char)s[-1];
    switch (flags & DSTR_TYPE_MASK) {
    case DSTR_T5: return flags >> 3;
    case DSTR_T8: return DSTR_HDR(8, s)->len;
    case DSTR_T16: return DSTR_HDR(16, s)->len;
    case DSTR_T32: return DSTR_HDR(32, s)->len;
    default: return DSTR_HDR(64, s)->len;
    }
}

/* Spare bytes after the string (not counting the NUL). */
size_t dstrAvail(const dstr s);

dstr dstrNewLen(const void *init, size_t len); /* init may be NULL: zeroed */
dstr dstrNew(const char *cstr);
dstr dstrEmpty(void);
dstr dstrDup(const dstr s);
dstr dstrFromLongLong(long long value);
void dstrFree(dstr s);

dstr dstrCatLen(dstr s, const void *t, size_t len);
dstr dstrCat(dstr s, const char *t);
dstr dstrCatDstr(dstr s, const dstr t);
dstr dstrCatPrintf(dstr s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
dstr dstrCatVPrintf(dstr s, const char *fmt, va_list ap);
/* Appends t quoted and escaped the way the protocol shows strings ("a\x01"). */
dstr dstrCatRepr(dstr s, const char *t, size_t len);
dstr dstrCpyLen(dstr s, const void *t, size_t len);
dstr dstrCpy(dstr s, const char *t);

/* Ensure room for addlen more bytes (greedy growth, doubling below 1 MB). */
dstr dstrMakeRoomFor(dstr s, size_t addlen);
/* Like dstrMakeRoomFor but allocates exactly what is asked. */
dstr dstrMakeRoomForExact(dstr s, size_t addlen);
/* Adjust the length after writing into the spare room (incr may be < 0). */
void dstrIncrLen(dstr s, ssize_t incr);
void dstrSetLen(dstr s, size_t len);
/* Grow to len bytes, zero-filling the new part. */
dstr dstrGrowZero(dstr s, size_t len);
/* Drop spare room. */
dstr dstrRemoveFreeSpace(dstr s);
/* Bytes the allocation really uses (header + room + NUL, allocator rounding). */
size_t dstrAllocSize(const dstr s);
/* Keep bytes [start, end] (inclusive, negative counts from the end). */
void dstrRange(dstr s, ssize_t start, ssize_t end);
/* Remove from both ends any byte found in cset. */
void dstrTrim(dstr s, const char *cset);
void dstrClear(dstr s);
void dstrToLower(dstr s);
void dstrToUpper(dstr s);
int dstrCmp(const dstr a, const dstr b);

/* Split a line into arguments the way valkey.conf and inline commands do:
 * whitespace separated, "double quotes" with \n \r \t \b \a \\ \" \xHH escapes,
 * 'single quotes' with only \' escaped.  A closing quote must be followed by
 * whitespace or the end.  Returns NULL on unbalanced quotes; *argc receives
 * the count.  Free with dstrFreeSplit. */
dstr *dstrSplitArgs(const char *line, int *argc);
void dstrFreeSplit(dstr *argv, int argc);

/* Split by a separator string (not a set).  Returns NULL on bad input
 * (seplen < 1, len < 0); an empty input gives zero tokens (a non-NULL array,
 * *count = 0).  Free with dstrFreeSplit. */
dstr *dstrSplitLen(const char *s, ssize_t len, const char *sep, int seplen, int *count);

/* --- Embedded strings ---
 * Writes a read-only dstr (the smallest header for its length, no spare
 * room, NUL) at dst and returns the dstr pointer inside dst; for strings
 * kept inside another allocation (keys in entries, members in nodes).
 * dstrEmbeddedSize tells how many bytes to reserve.  Below 256 bytes the
 * header is T5 or T8, then T16, T32, T64. */
size_t dstrEmbeddedSize(size_t len);
dstr dstrWriteEmbedded(void *dst, const void *bytes, size_t len);
/* Bytes of header before the string for an embedded string of this length. */
size_t dstrEmbeddedHeaderSize(size_t len);

#endif
