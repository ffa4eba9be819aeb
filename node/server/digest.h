/* digest.h — a 160-bit fingerprint of the dataset (DEBUG DIGEST) and of
 * single values (DEBUG DIGEST-VALUE), for tests that compare two servers
 * (a primary and its replica, a server before and after a reload).
 *
 * The scheme is Valkey's, built on SHA-1, so that for the types both
 * implement the same data gives the same digest:
 *   xor(d, bytes):  d ^= SHA1(bytes)                  (order-independent)
 *   mix(d, bytes):  d = SHA1(d ^ SHA1(bytes))         (order-dependent)
 *   key digest:     k = mix(0, key); value digest into k: mix(k, htonl(type))
 *                   then the value; if the key has a TTL, xor(k, "!!expire!!")
 *   database j:     final = mix(final, htonl(j)) when the db has keys, then
 *                   final = xor(final, k) for each key, in any order
 * An empty dataset digests to 40 zeros.  Strings mix their bytes (integer
 * encodings as their decimal text).  Other types register how they feed
 * their elements (xor for unordered members, mix for ordered ones). */
#ifndef TESSERA_DIGEST_H
#define TESSERA_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include "node/store/kvobj.h"

#define DIGEST_LEN 20

void digestXor(unsigned char digest[DIGEST_LEN], const void *p, size_t len);
void digestMix(unsigned char digest[DIGEST_LEN], const void *p, size_t len);
/* The decimal text of v, mixed (what Valkey does for integer members). */
void digestMixLongLong(unsigned char digest[DIGEST_LEN], long long v);

/* How a value type adds itself to a key digest. */
typedef void (*digestValueFn)(unsigned char digest[DIGEST_LEN], const kvobj *kv);
void digestRegisterType(int type, digestValueFn fn);
/* Registers lists, hashes, sets and sorted sets (digest_types.c). */
void digestTypesInit(void);

/* Value digest of one entry into digest (zeroed by the caller). */
void digestValue(unsigned char digest[DIGEST_LEN], const kvobj *kv);
/* Digest of every database. */
void digestDataset(unsigned char digest[DIGEST_LEN]);
/* 40 lowercase hex characters and a NUL. */
void digestToHex(const unsigned char digest[DIGEST_LEN], char out[2 * DIGEST_LEN + 1]);

/* SHA-1 of a buffer (FIPS 180-4), exposed for the unit test. */
void digestSha1(const void *p, size_t len, unsigned char out[DIGEST_LEN]);

#endif
