/* hash.c — SipHash for the keyspace and every other hash table.
 *
 * Why SipHash: the keys come from clients, so a fixed, public hash function
 * would let anyone fill one bucket chain with colliding keys.  SipHash is a
 * keyed PRF: without the 128-bit seed (random at start-up, see hashSetSeed)
 * collisions cannot be chosen.  The 1-2 variant (one compression round per
 * word, two finalisation rounds) is what the tables use: about twice as fast
 * as 2-4 on short keys and still without known practical attacks at this
 * use.  siphash24 exists only to check the core against the published
 * reference vectors; 1-2 shares every line of it except the round counts.
 *
 * Case-insensitive hashing (command and config names) folds ASCII A-Z to
 * a-z eight bytes at a time with a branch-free SWAR trick while the words are
 * loaded, so it never copies the input: hashBytesNoCase("GeT") ==
 * hashBytes("get").
 *
 * Words are read little-endian as the specification demands, with memcpy so
 * unaligned input is fine on every target. */
#include "node/base/hash.h"

#include <string.h>

static uint8_t seedBytes[16];
static uint64_t seedK0, seedK1; /* seedBytes as the two key words */

static inline uint64_t load64le(const uint8_t *p) {
    uint64_t v;
    memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

static inline uint64_t rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

/* Sets 0x20 in every byte of w that holds an ASCII upper-case letter.  Per
 * byte: the low seven bits h are biased so that bit 7 becomes "h >= 'A'" and
 * "h > 'Z'" (neither sum can carry into the next byte); bytes >= 0x80 are left
 * alone. */
static inline uint64_t foldWord(uint64_t w) {
    const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
    uint64_t low7 = w & ~high;
    uint64_t geA = low7 + ones * (0x80 - 'A');
    uint64_t gtZ = low7 + ones * (0x80 - 'Z' - 1);
    uint64_t upper = geA & ~gtZ & ~w & high;
    return w | (upper >> 2);
}

#define SIPROUND                                                            \
    do {                                                                    \
        v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32);          \
        v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;                              \
        v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;                              \
        v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);          \
    } while (0)

/* The whole algorithm; callers pass constants for the round counts and
 * nocase, so each always-inlined use compiles to a specialised loop. */
static inline __attribute__((always_inline)) uint64_t sipHash(const uint8_t *in, size_t len,
                                                              uint64_t k0, uint64_t k1,
                                                              int cRounds, int dRounds,
                                                              int nocase) {
    uint64_t v0 = k0 ^ 0x736f6d6570736575ULL;
    uint64_t v1 = k1 ^ 0x646f72616e646f6dULL;
    uint64_t v2 = k0 ^ 0x6c7967656e657261ULL;
    uint64_t v3 = k1 ^ 0x7465646279746573ULL;
    const uint8_t *end = in + (len & ~(size_t)7);

    for (; in != end; in += 8) {
        uint64_t m = load64le(in);
        if (nocase) m = foldWord(m);
        v3 ^= m;
        for (int i = 0; i < cRounds; i++) SIPROUND;
        v0 ^= m;
    }

    /* Last block: the remaining 0..7 bytes, and the length in the top byte. */
    uint64_t tail = 0;
    for (size_t i = 0; i < (len & 7); i++) tail |= (uint64_t)in[i] << (8 * i);
    if (nocase) tail = foldWord(tail);
    uint64_t b = ((uint64_t)len << 56) | tail;
    v3 ^= b;
    for (int i = 0; i < cRounds; i++) SIPROUND;
    v0 ^= b;

    v2 ^= 0xff;
    for (int i = 0; i < dRounds; i++) SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

void hashSetSeed(const uint8_t seed[16]) {
    memcpy(seedBytes, seed, sizeof(seedBytes));
    seedK0 = load64le(seedBytes);
    seedK1 = load64le(seedBytes + 8);
}

const uint8_t *hashGetSeed(void) { return seedBytes; }

uint64_t hashBytes(const void *data, size_t len) {
    return sipHash(data, len, seedK0, seedK1, 1, 2, 0);
}

uint64_t hashBytesNoCase(const void *data, size_t len) {
    return sipHash(data, len, seedK0, seedK1, 1, 2, 1);
}

uint64_t siphash12(const uint8_t *in, size_t inlen, const uint8_t key[16]) {
    return sipHash(in, inlen, load64le(key), load64le(key + 8), 1, 2, 0);
}

uint64_t siphash24(const uint8_t *in, size_t inlen, const uint8_t key[16]) {
    return sipHash(in, inlen, load64le(key), load64le(key + 8), 2, 4, 0);
}
