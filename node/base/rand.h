/* rand.h — fast non-cryptographic randomness (xoshiro256**) for sampling,
 * eviction and random keys, and a cryptographic source (getrandom) for seeds,
 * run ids and passwords. */
#ifndef TESSERA_RAND_H
#define TESSERA_RAND_H

#include <stddef.h>
#include <stdint.h>

void randSeed(uint64_t seed);
uint64_t randNext(void);
/* Uniform in [0, n) without modulo bias; n > 0. */
uint64_t randBelow(uint64_t n);
/* Uniform double in [0, 1). */
double randDouble(void);
/* Fills buf with cryptographically secure bytes; returns 0 or -1. */
int randSecureBytes(void *buf, size_t len);
/* Writes len lowercase hex characters (plus NUL) from the secure source. */
void randHex(char *out, size_t len);

#endif
