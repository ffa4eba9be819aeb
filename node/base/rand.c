/* rand.c — two sources of randomness.
 *
 * Fast: xoshiro256** (Blackman & Vigna), 256 bits of state, a handful of
 * instructions per 64-bit output, passes the usual statistical batteries.
 * It drives sampling (eviction pools, RANDOMKEY, SRANDMEMBER, active expiry)
 * where speed matters and predictability does not.  The state is per thread
 * (no locking, no shared cache line); a thread that never called randSeed()
 * seeds itself from the secure source on first use.  randSeed() expands a
 * 64-bit seed with splitmix64 as the xoshiro authors recommend, so nearby
 * seeds give unrelated streams and the state is never all zero.
 *
 * Secure: getrandom(2) (the kernel CSPRNG, never blocks once the pool is
 * initialised), falling back to /dev/urandom on kernels without it.  Used
 * for the hash seed, run ids, cluster node ids and generated passwords. */
#include "node/base/rand.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

static _Thread_local uint64_t state[4];
static _Thread_local int seeded;

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void randSeed(uint64_t seed) {
    for (int i = 0; i < 4; i++) state[i] = splitmix64(&seed);
    seeded = 1;
}

static void seedFromSecureSource(void) {
    uint64_t seed;
    if (randSecureBytes(&seed, sizeof(seed)) != 0)
        seed = (uint64_t)getpid() * 0x9e3779b97f4a7c15ULL ^ (uint64_t)(uintptr_t)&seed;
    randSeed(seed);
}

uint64_t randNext(void) {
    if (__builtin_expect(!seeded, 0)) seedFromSecureSource();
    uint64_t result = rotl(state[1] * 5, 7) * 9;
    uint64_t t = state[1] << 17;
    state[2] ^= state[0];
    state[3] ^= state[1];
    state[1] ^= state[2];
    state[0] ^= state[3];
    state[2] ^= t;
    state[3] = rotl(state[3], 45);
    return result;
}

/* Lemire's multiply-and-reject: the high half of x*n is uniform in [0, n)
 * once the low half is outside the short biased zone [0, 2^64 mod n); the
 * modulo is computed only when a draw lands near it (rarely, for small n). */
uint64_t randBelow(uint64_t n) {
    unsigned __int128 m = (unsigned __int128)randNext() * n;
    uint64_t low = (uint64_t)m;
    if (low < n) {
        uint64_t threshold = -n % n;
        while (low < threshold) {
            m = (unsigned __int128)randNext() * n;
            low = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

double randDouble(void) { return (double)(randNext() >> 11) * 0x1.0p-53; }

static int readUrandom(unsigned char *p, size_t len) {
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    while (len) {
        ssize_t n = read(fd, p, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            close(fd);
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    close(fd);
    return 0;
}

int randSecureBytes(void *buf, size_t len) {
    unsigned char *p = buf;
    while (len) {
        ssize_t n = getrandom(p, len, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return readUrandom(p, len);
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

void randHex(char *out, size_t len) {
    static const char digits[] = "0123456789abcdef";
    unsigned char bytes[64];
    size_t done = 0;
    while (done < len) {
        size_t want = (len - done + 1) / 2;
        if (want > sizeof(bytes)) want = sizeof(bytes);
        if (randSecureBytes(bytes, want) != 0) {
            /* No kernel randomness at all: better a fast-PRNG id than none. */
            for (size_t i = 0; i < want; i++) bytes[i] = (unsigned char)randNext();
        }
        for (size_t i = 0; i < want * 2 && done < len; i++)
            out[done++] = digits[(bytes[i / 2] >> (i % 2 ? 0 : 4)) & 0xf];
    }
    out[len] = '\0';
}
