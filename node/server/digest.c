/* digest.c — dataset and value digests (see digest.h for the scheme).
 *
 * SHA-1 is implemented here (FIPS 180-4, section 6.1) rather than taken
 * from OpenSSL: it is 60 lines, the digest only needs to be a good
 * fingerprint, and it keeps node/server free of a crypto dependency for a
 * debugging command.  Nothing here is security sensitive.
 *
 * Types other than strings live in node/types and register a digestValueFn
 * (digestRegisterType); an entry of a type nobody registered contributes
 * only its type number (mixed first for every value, as in Valkey), so the
 * digest still tells "same keys, same types". */
#include "node/server/digest.h"

#include <arpa/inet.h>
#include <string.h>

#include "node/base/util.h"
#include "node/store/db.h"
#include "node/store/hashtable.h"

/* --- SHA-1 --- */

typedef struct sha1Ctx {
    uint32_t h[5];
    uint64_t bytes;
    unsigned char block[64];
    size_t used;
} sha1Ctx;

static uint32_t rol(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

static void sha1Block(sha1Ctx *ctx, const unsigned char *p) {
    uint32_t w[80];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 |
               (uint32_t)p[4 * i + 3];
    for (int i = 16; i < 80; i++) w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    uint32_t a = ctx->h[0], b = ctx->h[1], c = ctx->h[2], d = ctx->h[3], e = ctx->h[4];
    for (int i = 0; i < 80; i++) {
        uint32_t f, k;
        if (i < 20) {
            f = (b & c) | (~b & d);
            k = 0x5A827999;
        } else if (i < 40) {
            f = b ^ c ^ d;
            k = 0x6ED9EBA1;
        } else if (i < 60) {
            f = (b & c) | (b & d) | (c & d);
            k = 0x8F1BBCDC;
        } else {
            f = b ^ c ^ d;
            k = 0xCA62C1D6;
        }
        uint32_t t = rol(a, 5) + f + e + k + w[i];
        e = d;
        d = c;
        c = rol(b, 30);
        b = a;
        a = t;
    }
    ctx->h[0] += a;
    ctx->h[1] += b;
    ctx->h[2] += c;
    ctx->h[3] += d;
    ctx->h[4] += e;
}

static void sha1Init(sha1Ctx *ctx) {
    static const uint32_t init[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
    memcpy(ctx->h, init, sizeof(init));
    ctx->bytes = 0;
    ctx->used = 0;
}

static void sha1Update(sha1Ctx *ctx, const void *data, size_t len) {
    const unsigned char *p = data;
    ctx->bytes += len;
    while (len) {
        size_t n = 64 - ctx->used < len ? 64 - ctx->used : len;
        memcpy(ctx->block + ctx->used, p, n);
        ctx->used += n;
        p += n;
        len -= n;
        if (ctx->used == 64) {
            sha1Block(ctx, ctx->block);
            ctx->used = 0;
        }
    }
}

static void sha1Final(sha1Ctx *ctx, unsigned char out[DIGEST_LEN]) {
    uint64_t bits = ctx->bytes * 8;
    unsigned char pad = 0x80, zero = 0, len[8];
    sha1Update(ctx, &pad, 1);
    while (ctx->used != 56) sha1Update(ctx, &zero, 1);
    for (int i = 0; i < 8; i++) len[i] = (unsigned char)(bits >> (56 - 8 * i));
    sha1Update(ctx, len, 8);
    for (int i = 0; i < 5; i++) {
        out[4 * i] = (unsigned char)(ctx->h[i] >> 24);
        out[4 * i + 1] = (unsigned char)(ctx->h[i] >> 16);
        out[4 * i + 2] = (unsigned char)(ctx->h[i] >> 8);
        out[4 * i + 3] = (unsigned char)ctx->h[i];
    }
}

void digestSha1(const void *p, size_t len, unsigned char out[DIGEST_LEN]) {
    sha1Ctx ctx;
    sha1Init(&ctx);
    sha1Update(&ctx, p, len);
    sha1Final(&ctx, out);
}

/* --- Mixing --- */

void digestXor(unsigned char digest[DIGEST_LEN], const void *p, size_t len) {
    unsigned char hash[DIGEST_LEN];
    digestSha1(p, len, hash);
    for (int i = 0; i < DIGEST_LEN; i++) digest[i] ^= hash[i];
}

void digestMix(unsigned char digest[DIGEST_LEN], const void *p, size_t len) {
    digestXor(digest, p, len);
    unsigned char copy[DIGEST_LEN];
    memcpy(copy, digest, DIGEST_LEN);
    digestSha1(copy, DIGEST_LEN, digest);
}

void digestMixLongLong(unsigned char digest[DIGEST_LEN], long long v) {
    char buf[24];
    int len = ll2string(buf, sizeof(buf), v);
    digestMix(digest, buf, (size_t)len);
}

void digestToHex(const unsigned char digest[DIGEST_LEN], char out[2 * DIGEST_LEN + 1]) {
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < DIGEST_LEN; i++) {
        out[2 * i] = hex[digest[i] >> 4];
        out[2 * i + 1] = hex[digest[i] & 15];
    }
    out[2 * DIGEST_LEN] = '\0';
}

/* --- Values and the dataset --- */

#define MAX_TYPES 16
static digestValueFn typeFns[MAX_TYPES];

void digestRegisterType(int type, digestValueFn fn) {
    if (type >= 0 && type < MAX_TYPES) typeFns[type] = fn;
}

void digestValue(unsigned char digest[DIGEST_LEN], const kvobj *kv) {
    uint32_t type = htonl((uint32_t)kv->type);
    digestMix(digest, &type, sizeof(type));
    if (kv->type == OBJ_STRING) {
        char buf[32];
        size_t len;
        const char *bytes = kvStringBytes(kv, buf, &len);
        digestMix(digest, bytes, len);
    } else if (typeFns[kv->type]) {
        typeFns[kv->type](digest, kv);
    }
    if (kvGetExpire(kv) != -1) digestXor(digest, "!!expire!!", 10);
}

static void digestDatabase(unsigned char final[DIGEST_LEN], serverDb *db) {
    uint32_t id = htonl((uint32_t)db->id);
    digestMix(final, &id, sizeof(id));
    hashtableIterator it;
    void *entry;
    hashtableInitIterator(&it, db->keys, 0);
    while (hashtableNext(&it, &entry)) {
        const kvobj *kv = entry;
        unsigned char keyDigest[DIGEST_LEN] = {0};
        dstr key = kvKey(kv);
        digestMix(keyDigest, key, dstrLen(key));
        digestValue(keyDigest, kv);
        digestXor(final, keyDigest, DIGEST_LEN);
    }
    hashtableResetIterator(&it);
}

void digestDataset(unsigned char digest[DIGEST_LEN]) {
    memset(digest, 0, DIGEST_LEN);
    for (int j = 0; j < dbCountDatabases(); j++) {
        serverDb *db = dbByIndex(j);
        if (dbSize(db) > 0) digestDatabase(digest, db);
    }
}
