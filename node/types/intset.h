/* intset.h — a sorted set of integers packed in one allocation, in the
 * exact byte layout Valkey keeps in memory and writes to RDB (the payload of
 * the RDB "set as intset" encoding):
 *
 *   [encoding u32 LE][length u32 LE][length * encoding bytes, LE, ascending]
 *
 * encoding is the width of every element: 2, 4 or 8 bytes (int16/32/64).
 * The set widens itself when a value that does not fit is added; it never
 * narrows again.  Functions that may reallocate return the new pointer. */
#ifndef TESSERA_INTSET_H
#define TESSERA_INTSET_H

#include <stddef.h>
#include <stdint.h>

#define INTSET_ENC_INT16 ((uint32_t)sizeof(int16_t))
#define INTSET_ENC_INT32 ((uint32_t)sizeof(int32_t))
#define INTSET_ENC_INT64 ((uint32_t)sizeof(int64_t))

/* The layout, fields little-endian.  Use the functions, not the fields. */
typedef struct intset {
    uint32_t encoding;
    uint32_t length;
    unsigned char contents[];
} intset;

intset *intsetNew(void);
void intsetFree(intset *is);
/* Adds value; *success (may be NULL) is 1 when added, 0 when present. */
intset *intsetAdd(intset *is, int64_t value, int *success);
/* Removes value; *success (may be NULL) is 1 when removed, 0 when absent. */
intset *intsetRemove(intset *is, int64_t value, int *success);
/* 1 when value is a member (binary search, O(log n)). */
int intsetFind(const intset *is, int64_t value);
/* A uniformly chosen member (node/base/rand.h); the set must not be empty. */
int64_t intsetRandom(const intset *is);
/* Stores the element at pos (0-based, ascending) in *value; 1, or 0 when
 * pos is out of range. */
int intsetGet(const intset *is, uint32_t pos, int64_t *value);
uint32_t intsetLen(const intset *is);
/* Bytes of the whole blob (header included): what RDB stores. */
size_t intsetBlobLen(const intset *is);
/* Width of the elements: INTSET_ENC_INT16/32/64. */
uint32_t intsetEncoding(const intset *is);
/* Smallest / largest member; the set must not be empty. */
int64_t intsetMin(const intset *is);
int64_t intsetMax(const intset *is);
/* Checks untrusted bytes (e.g. from RDB) before they are used as an intset:
 * known encoding, non-empty, 8 + length * encoding == size; with deep, also
 * strictly ascending elements.  Reads nothing outside [p, p + size).
 * Returns 1 when valid, 0 otherwise. */
int intsetValidateIntegrity(const unsigned char *p, size_t size, int deep);
/* A copy of a validated blob in its own allocation. */
intset *intsetFromBlob(const unsigned char *p, size_t size);

#endif
