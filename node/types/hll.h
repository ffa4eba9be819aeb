/* hll.h — HyperLogLog counters stored as strings in Valkey's byte format.
 *
 * An HLL value is a dstr holding a 16-byte header ("HYLL", encoding, three
 * unused bytes, cached cardinality) followed by either the sparse opcode
 * stream or the 12288-byte dense register array; see hll.c for the layout.
 * These functions are the core only: the PF* commands live elsewhere. */
#ifndef TESSERA_HLL_H
#define TESSERA_HLL_H

#include <stddef.h>
#include <stdint.h>

#include "node/base/dstr.h"

#define HLL_P 14
#define HLL_REGISTERS (1 << HLL_P) /* 16384 */
#define HLL_BITS 6
#define HLL_HDR_SIZE 16
#define HLL_DENSE_SIZE (HLL_HDR_SIZE + (HLL_REGISTERS * HLL_BITS + 7) / 8) /* 12304 */
#define HLL_ENC_DENSE 0
#define HLL_ENC_SPARSE 1
#define HLL_SPARSE_MAX_BYTES_DEFAULT 3000

/* A new empty HLL: sparse, one XZERO covering every register, cache marked
 * invalid (the bytes Valkey writes for PFADD of a new key). */
dstr hllCreate(void);

/* Adds one element.  *hll may be reallocated (and converted to dense when a
 * register exceeds 32 or the sparse form would exceed sparseMaxBytes).
 * Returns 1 if a register changed (the cache is then invalidated), 0 if not,
 * -1 if the value is not a valid HLL (left untouched). */
int hllAdd(dstr *hll, const void *ele, size_t len, size_t sparseMaxBytes);

/* Estimated cardinality.  Uses the cached value when valid, otherwise
 * computes it and stores it in the header (hence the non-const dstr).
 * On a corrupt value sets *invalid to 1 and returns 0; else *invalid = 0. */
uint64_t hllCount(dstr hll, int *invalid);

/* Raises each registers[i] to the register i of the HLL at p/len (a
 * max-merge).  Returns 0, or -1 if the bytes are not a valid HLL (registers
 * may then be partly merged). */
int hllMerge(uint8_t registers[HLL_REGISTERS], const char *p, size_t len);

/* A dense HLL holding these register values (each must be <= 63), cache
 * invalid. */
dstr hllFromRegisters(const uint8_t registers[HLL_REGISTERS]);

/* A sparse HLL holding these registers, or NULL if one exceeds 32 or the
 * encoding would exceed sparseMaxBytes. */
dstr hllSparseFromRegisters(const uint8_t registers[HLL_REGISTERS], size_t sparseMaxBytes);

/* Header-level check, what decides "not a valid HyperLogLog string": at least
 * 16 bytes, the magic, a known encoding, a dense value of the exact size. */
int hllIsHll(const char *p, size_t len);

/* Deep check of untrusted bytes: hllIsHll plus sparse opcodes covering
 * exactly 16384 registers.  Returns 0 if valid, -1 if not. */
int hllValidate(const char *p, size_t len);

/* MurmurHash64A (the element hash of the format), exposed for tests. */
uint64_t hllHash(const void *key, size_t len, uint64_t seed);

#endif
