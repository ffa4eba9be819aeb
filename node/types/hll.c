/* hll.c — HyperLogLog in Valkey's string byte format.
 *
 * A HyperLogLog estimates the number of distinct elements seen using 16384
 * six-bit registers: each element is hashed (MurmurHash64A, seed
 * 0xadc83b19); the low 14 bits pick a register, and the position of the
 * first 1 bit in the remaining 50 bits (1-based, at most 51) is stored in
 * that register if larger than what it holds.  The standard error is
 * 1.04/sqrt(16384) = 0.81%.
 *
 * Layout (the same bytes are the string value, the RDB payload and what
 * GET returns, so values travel between us and Valkey unchanged):
 *
 *   +------+-----+-------+----------------------+------------------------+
 *   | HYLL | enc | 0 0 0 | card u64 LE          | registers              |
 *   +------+-----+-------+----------------------+------------------------+
 *     4      1     3       8 (bit 7 of byte 15    dense (enc 0): 12288
 *                          set = cache invalid)   bytes; sparse (enc 1):
 *                                                 opcode stream
 *
 * Dense: register i occupies bits [6i, 6i+6) of the array, counting bits
 * from the least significant bit of each byte upward, so a register may
 * straddle two bytes (low bits in the first).
 *
 * Sparse: run-length opcodes covering the registers in order, exactly 16384
 * in total:
 *   ZERO  00xxxxxx           xxxxxx+1 (1-64) zero registers
 *   XZERO 01xxxxxx yyyyyyyy  (x<<8|y)+1 (1-16384) zero registers
 *   VAL   1vvvvvxx           xx+1 (1-4) registers of value vvvvv+1 (1-32)
 * A new HLL is one XZERO (0x7f 0xff).  Sparse values cost a few hundred
 * bytes while few registers are set; the value is converted to dense once a
 * register needs more than 32 or the sparse string would grow past
 * sparseMaxBytes (hll-sparse-max-bytes), since each update is O(size).
 *
 * Cardinality uses Otmar Ertl's improved raw estimator (histogram of
 * register values, sigma/tau corrections; no empirical bias tables), the
 * one Valkey uses; the result is cached in the header until a register
 * changes.
 *
 * Untrusted bytes (RESTORE, RDB, SETRANGE on the key) may be anything, so
 * every sparse walk is bounds-checked and fails instead of reading past
 * the end or writing past register 16383. */
#include "node/types/hll.h"

#include <assert.h>
#include <math.h>
#include <string.h>

#include "node/base/mem.h"

#define HLL_Q (64 - HLL_P) /* hash bits left for the run count: 50 */
#define HLL_REGISTER_MAX 63
#define HLL_DENSE_BYTES (HLL_DENSE_SIZE - HLL_HDR_SIZE)
#define HLL_SEED 0xadc83b19ULL
#define HLL_ALPHA_INF 0.721347520444481703680 /* 1 / (2 ln 2) */

#define SPARSE_VAL_MAX 32
#define SPARSE_VAL_LEN_MAX 4
#define SPARSE_ZERO_MAX 64
#define SPARSE_XZERO_MAX 16384

/* --- Header --- */

static const char hllMagic[4] = {'H', 'Y', 'L', 'L'};

static void hllInvalidateCache(char *p) { p[15] = (char)((uint8_t)p[15] | 0x80); }

static int hllCacheValid(const char *p) { return ((uint8_t)p[15] & 0x80) == 0; }

static uint64_t hllCacheGet(const char *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | (uint8_t)p[8 + i];
    return v;
}

static void hllCacheSet(char *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[8 + i] = (char)((v >> (8 * i)) & 0xff);
}

static void hllWriteHeader(char *p, int encoding) {
    memcpy(p, hllMagic, 4);
    p[4] = (char)encoding;
    memset(p + 5, 0, 11);
    hllInvalidateCache(p);
}

int hllIsHll(const char *p, size_t len) {
    if (len < HLL_HDR_SIZE || memcmp(p, hllMagic, 4) != 0) return 0;
    if (p[4] == HLL_ENC_DENSE) return len == HLL_DENSE_SIZE;
    return p[4] == HLL_ENC_SPARSE;
}

/* --- Hashing --- */

uint64_t hllHash(const void *key, size_t len, uint64_t seed) {
    const uint64_t m = 0xc6a4a7935bd1e995ULL;
    const int r = 47;
    const uint8_t *data = key;
    const uint8_t *end = data + (len & ~(size_t)7);
    uint64_t h = seed ^ (len * m);

    for (; data != end; data += 8) {
        uint64_t k = 0;
        for (int i = 7; i >= 0; i--) k = (k << 8) | data[i]; /* little-endian */
        k *= m;
        k ^= k >> r;
        k *= m;
        h ^= k;
        h *= m;
    }
    size_t tail = len & 7;
    if (tail) {
        for (size_t i = tail; i-- > 0;) h ^= (uint64_t)data[i] << (8 * i);
        h *= m;
    }
    h ^= h >> r;
    h *= m;
    h ^= h >> r;
    return h;
}

/* Register index and run count (1..HLL_Q+1) for an element. */
static int hllPatLen(const void *ele, size_t len, long *index) {
    uint64_t hash = hllHash(ele, len, HLL_SEED);
    *index = (long)(hash & (HLL_REGISTERS - 1));
    hash >>= HLL_P;
    hash |= 1ULL << HLL_Q; /* guarantees the loop ends at HLL_Q+1 */
    int count = 1;
    while ((hash & 1) == 0) {
        count++;
        hash >>= 1;
    }
    return count;
}

/* --- Dense registers --- */

static int denseGet(const uint8_t *regs, long i) {
    size_t bit = (size_t)i * HLL_BITS;
    size_t byte = bit / 8;
    unsigned fb = bit & 7;
    unsigned v = regs[byte] >> fb;
    if (fb > 8 - HLL_BITS) v |= (unsigned)regs[byte + 1] << (8 - fb);
    return (int)(v & HLL_REGISTER_MAX);
}

static void denseSet(uint8_t *regs, long i, int val) {
    size_t bit = (size_t)i * HLL_BITS;
    size_t byte = bit / 8;
    unsigned fb = bit & 7;
    unsigned v = (unsigned)val & HLL_REGISTER_MAX;
    regs[byte] = (uint8_t)((regs[byte] & ~(HLL_REGISTER_MAX << fb)) | (v << fb));
    if (fb > 8 - HLL_BITS) {
        unsigned hi = 8 - fb;
        regs[byte + 1] = (uint8_t)((regs[byte + 1] & ~(HLL_REGISTER_MAX >> hi)) | (v >> hi));
    }
}

/* --- Sparse opcodes --- */

typedef struct sparseOp {
    int value;    /* 0 for ZERO/XZERO runs */
    uint32_t run; /* registers covered */
    int size;     /* bytes of the opcode */
} sparseOp;

/* Decodes the opcode at p; -1 if it is cut off by end. */
static int sparseDecode(const uint8_t *p, const uint8_t *end, sparseOp *op) {
    if (p >= end) return -1;
    uint8_t b = *p;
    if (b & 0x80) {
        op->value = ((b >> 2) & 0x1f) + 1;
        op->run = (b & 3) + 1;
        op->size = 1;
    } else if (b & 0x40) {
        if (p + 1 >= end) return -1;
        op->value = 0;
        op->run = (((uint32_t)b & 0x3f) << 8 | p[1]) + 1;
        op->size = 2;
    } else {
        op->value = 0;
        op->run = (b & 0x3f) + 1;
        op->size = 1;
    }
    return 0;
}

/* Appends the opcode(s) for `run` registers of `value` at out; returns the
 * bytes written.  run must fit one opcode (<= 4 for values). */
static int sparseEncodeRun(uint8_t *out, int value, uint32_t run) {
    if (value) {
        assert(run >= 1 && run <= SPARSE_VAL_LEN_MAX && value <= SPARSE_VAL_MAX);
        out[0] = (uint8_t)(0x80 | (value - 1) << 2 | (run - 1));
        return 1;
    }
    assert(run >= 1 && run <= SPARSE_XZERO_MAX);
    if (run <= SPARSE_ZERO_MAX) {
        out[0] = (uint8_t)(run - 1);
        return 1;
    }
    out[0] = (uint8_t)(0x40 | (run - 1) >> 8);
    out[1] = (uint8_t)((run - 1) & 0xff);
    return 2;
}

/* Calls fn(value, run, ctx) for every run; -1 if the stream is cut off or
 * does not cover exactly HLL_REGISTERS registers. */
typedef void sparseRunFn(int value, uint32_t first, uint32_t run, void *ctx);

static int sparseWalk(const uint8_t *p, const uint8_t *end, sparseRunFn *fn, void *ctx) {
    uint32_t idx = 0;
    sparseOp op;
    while (p < end) {
        if (sparseDecode(p, end, &op) != 0) return -1;
        if (op.run > HLL_REGISTERS - idx) return -1;
        if (fn) fn(op.value, idx, op.run, ctx);
        idx += op.run;
        p += op.size;
    }
    return idx == HLL_REGISTERS ? 0 : -1;
}

int hllValidate(const char *p, size_t len) {
    if (!hllIsHll(p, len)) return -1;
    if (p[4] == HLL_ENC_DENSE) return 0;
    const uint8_t *s = (const uint8_t *)p;
    return sparseWalk(s + HLL_HDR_SIZE, s + len, NULL, NULL);
}

/* --- Creation and conversion --- */

dstr hllCreate(void) {
    uint8_t buf[HLL_HDR_SIZE + 2];
    hllWriteHeader((char *)buf, HLL_ENC_SPARSE);
    sparseEncodeRun(buf + HLL_HDR_SIZE, 0, HLL_REGISTERS);
    return dstrNewLen(buf, sizeof(buf));
}

dstr hllFromRegisters(const uint8_t registers[HLL_REGISTERS]) {
    dstr d = dstrNewLen(NULL, HLL_DENSE_SIZE);
    hllWriteHeader(d, HLL_ENC_DENSE);
    uint8_t *regs = (uint8_t *)d + HLL_HDR_SIZE;
    for (long i = 0; i < HLL_REGISTERS; i++) {
        assert(registers[i] <= HLL_REGISTER_MAX);
        if (registers[i]) denseSet(regs, i, registers[i]);
    }
    return d;
}

dstr hllSparseFromRegisters(const uint8_t registers[HLL_REGISTERS], size_t sparseMaxBytes) {
    /* Worst case is one byte per register. */
    uint8_t *buf = memAlloc(HLL_HDR_SIZE + HLL_REGISTERS);
    size_t n = HLL_HDR_SIZE;
    hllWriteHeader((char *)buf, HLL_ENC_SPARSE);
    for (uint32_t i = 0; i < HLL_REGISTERS;) {
        int v = registers[i];
        if (v > SPARSE_VAL_MAX) goto fail;
        uint32_t max = v ? SPARSE_VAL_LEN_MAX : SPARSE_XZERO_MAX;
        uint32_t run = 1;
        while (i + run < HLL_REGISTERS && run < max && registers[i + run] == v) run++;
        n += (size_t)sparseEncodeRun(buf + n, v, run);
        i += run;
    }
    if (n > sparseMaxBytes) goto fail;
    dstr d = dstrNewLen(buf, n);
    memFree(buf);
    return d;
fail:
    memFree(buf);
    return NULL;
}

static void runToDense(int value, uint32_t first, uint32_t run, void *ctx) {
    if (value == 0) return;
    for (uint32_t i = 0; i < run; i++) denseSet(ctx, first + i, value);
}

/* Replaces a sparse *hll with its dense form; -1 if the sparse is corrupt. */
static int hllSparseToDense(dstr *hll) {
    dstr d = dstrNewLen(NULL, HLL_DENSE_SIZE);
    const uint8_t *s = (const uint8_t *)*hll;
    if (sparseWalk(s + HLL_HDR_SIZE, s + dstrLen(*hll), runToDense, d + HLL_HDR_SIZE) != 0) {
        dstrFree(d);
        return -1;
    }
    memcpy(d, *hll, HLL_HDR_SIZE); /* keeps the cached cardinality */
    d[4] = HLL_ENC_DENSE;
    dstrFree(*hll);
    *hll = d;
    return 0;
}

/* --- Adding --- */

static int hllDenseAdd(dstr hll, long index, int count) {
    uint8_t *regs = (uint8_t *)hll + HLL_HDR_SIZE;
    if (denseGet(regs, index) >= count) return 0;
    denseSet(regs, index, count);
    hllInvalidateCache(hll);
    return 1;
}

/* Merges adjacent VAL opcodes of the same value while the run fits one
 * opcode, in place over the whole stream; returns the new stream length.
 * O(size), like the search that precedes it. */
static size_t sparseMergeVals(uint8_t *p, size_t len) {
    size_t r = 0, w = 0;
    sparseOp op, last = {0, 0, 0};
    while (r < len) {
        int ok = sparseDecode(p + r, p + len, &op);
        assert(ok == 0);
        (void)ok;
        if (op.value && w > 0 && last.value == op.value && last.size == 1 &&
            last.run + op.run <= SPARSE_VAL_LEN_MAX) {
            last.run += op.run;
            sparseEncodeRun(p + w - 1, last.value, last.run);
        } else {
            memmove(p + w, p + r, (size_t)op.size);
            w += (size_t)op.size;
            last = op;
        }
        r += (size_t)op.size;
    }
    return w;
}

/* Sets register index to count in a sparse value when larger.  Returns 1/0
 * like hllAdd, 2 if the value must be converted to dense first, -1 if
 * corrupt. */
static int hllSparseAdd(dstr *hll, long index, int count, size_t sparseMaxBytes) {
    uint8_t *s = (uint8_t *)*hll;
    size_t len = dstrLen(*hll);
    size_t pos = HLL_HDR_SIZE;
    uint32_t first = 0;
    sparseOp op;
    /* Checked whole first: the merge pass below walks to the end. */
    if (sparseWalk(s + pos, s + len, NULL, NULL) != 0) return -1;
    for (;;) {
        int ok = sparseDecode(s + pos, s + len, &op);
        assert(ok == 0);
        (void)ok;
        if ((long)(first + op.run) > index) break;
        first += op.run;
        pos += (size_t)op.size;
    }
    if (op.value >= count) return 0;
    if (count > SPARSE_VAL_MAX) return 2;

    uint8_t seq[5];
    int n = 0;
    uint32_t left = (uint32_t)index - first, right = first + op.run - 1 - (uint32_t)index;
    if (left) n += sparseEncodeRun(seq + n, op.value, left);
    n += sparseEncodeRun(seq + n, count, 1);
    if (right) n += sparseEncodeRun(seq + n, op.value, right);
    if (n > op.size && len + (size_t)(n - op.size) > sparseMaxBytes) return 2;

    if (n > op.size) {
        *hll = dstrMakeRoomFor(*hll, (size_t)(n - op.size));
        s = (uint8_t *)*hll;
    }
    memmove(s + pos + n, s + pos + op.size, len - pos - (size_t)op.size);
    memcpy(s + pos, seq, (size_t)n);
    len = len - (size_t)op.size + (size_t)n;
    len = HLL_HDR_SIZE + sparseMergeVals(s + HLL_HDR_SIZE, len - HLL_HDR_SIZE);
    dstrSetLen(*hll, len);
    hllInvalidateCache(*hll);
    return 1;
}

int hllAdd(dstr *hll, const void *ele, size_t len, size_t sparseMaxBytes) {
    if (!hllIsHll(*hll, dstrLen(*hll))) return -1;
    long index;
    int count = hllPatLen(ele, len, &index);
    if ((*hll)[4] == HLL_ENC_SPARSE) {
        int r = hllSparseAdd(hll, index, count, sparseMaxBytes);
        if (r != 2) return r;
        if (hllSparseToDense(hll) != 0) return -1;
    }
    return hllDenseAdd(*hll, index, count);
}

/* --- Merging --- */

static void runToMax(int value, uint32_t first, uint32_t run, void *ctx) {
    uint8_t *regs = ctx;
    for (uint32_t i = 0; i < run; i++)
        if (regs[first + i] < value) regs[first + i] = (uint8_t)value;
}

int hllMerge(uint8_t registers[HLL_REGISTERS], const char *p, size_t len) {
    if (!hllIsHll(p, len)) return -1;
    const uint8_t *s = (const uint8_t *)p;
    if (p[4] == HLL_ENC_SPARSE) return sparseWalk(s + HLL_HDR_SIZE, s + len, runToMax, registers);
    for (long i = 0; i < HLL_REGISTERS; i++) {
        int v = denseGet(s + HLL_HDR_SIZE, i);
        if (registers[i] < v) registers[i] = (uint8_t)v;
    }
    return 0;
}

/* --- Estimation --- */

/* Ertl's sigma(x) = x + sum_{k>=1} x^(2^k) 2^(k-1), for the zero registers. */
static double hllSigma(double x) {
    if (x == 1.0) return INFINITY;
    double y = 1.0, z = x, prev;
    do {
        x *= x;
        prev = z;
        z += x * y;
        y += y;
    } while (z != prev);
    return z;
}

/* Ertl's tau(x) = (1 - x - sum_{k>=1} (1 - x^(2^-k))^2 2^-k) / 3, for the
 * saturated registers. */
static double hllTau(double x) {
    if (x == 0.0 || x == 1.0) return 0.0;
    double y = 1.0, z = 1.0 - x, prev;
    do {
        x = sqrt(x);
        prev = z;
        y *= 0.5;
        z -= (1.0 - x) * (1.0 - x) * y;
    } while (z != prev);
    return z / 3.0;
}

static void runToHisto(int value, uint32_t first, uint32_t run, void *ctx) {
    (void)first;
    ((uint32_t *)ctx)[value] += run;
}

/* Histogram of register values (indices 0..63); -1 if corrupt. */
static int hllHistogram(const char *p, size_t len, uint32_t histo[64]) {
    memset(histo, 0, 64 * sizeof(uint32_t));
    const uint8_t *s = (const uint8_t *)p;
    if (p[4] == HLL_ENC_SPARSE) return sparseWalk(s + HLL_HDR_SIZE, s + len, runToHisto, histo);
    for (long i = 0; i < HLL_REGISTERS; i++) histo[denseGet(s + HLL_HDR_SIZE, i)]++;
    return 0;
}

static uint64_t hllEstimate(const uint32_t histo[64]) {
    const double m = HLL_REGISTERS;
    double z = m * hllTau((m - histo[HLL_Q + 1]) / m);
    for (int j = HLL_Q; j >= 1; j--) {
        z += histo[j];
        z *= 0.5;
    }
    z += m * hllSigma(histo[0] / m);
    return (uint64_t)llround(HLL_ALPHA_INF * m * m / z);
}

uint64_t hllCount(dstr hll, int *invalid) {
    size_t len = dstrLen(hll);
    *invalid = 0;
    if (!hllIsHll(hll, len)) goto corrupt;
    if (hllCacheValid(hll)) return hllCacheGet(hll);
    uint32_t histo[64];
    if (hllHistogram(hll, len, histo) != 0) goto corrupt;
    uint64_t card = hllEstimate(histo);
    hllCacheSet(hll, card);
    return card;
corrupt:
    *invalid = 1;
    return 0;
}
