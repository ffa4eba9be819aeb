/* hash.h — keyed, DoS-resistant hashing (SipHash-1-2 with a random 128-bit
 * seed chosen at start-up) plus an ASCII case-insensitive variant used for
 * command and config names. */
#ifndef TESSERA_HASH_H
#define TESSERA_HASH_H

#include <stddef.h>
#include <stdint.h>

void hashSetSeed(const uint8_t seed[16]);
const uint8_t *hashGetSeed(void);
uint64_t hashBytes(const void *data, size_t len);
uint64_t hashBytesNoCase(const void *data, size_t len);
/* SipHash-1-2 with an explicit key (for tests against reference vectors). */
uint64_t siphash12(const uint8_t *in, size_t inlen, const uint8_t key[16]);
/* SipHash-2-4, for the published test vectors. */
uint64_t siphash24(const uint8_t *in, size_t inlen, const uint8_t key[16]);

#endif
