/* digest_types.c — how lists, hashes, sets and sorted sets feed DEBUG
 * DIGEST / DIGEST-VALUE (the scheme is in digest.h).
 *
 * Lists are ordered: each element is mixed into the key digest.  Sets are
 * unordered: each member is xor-ed in, so the encoding and the iteration
 * order don't matter.  A hash field and its value (a sorted-set member and
 * its score, as %.17g text) are first mixed into an element digest of their
 * own, which is then xor-ed in: pairs are unordered but each pair is bound
 * together.  Integer elements count as their decimal text, so a listpack
 * and a hashtable holding the same data digest the same. */
#include <stdio.h>
#include <string.h>

#include "node/server/digest.h"
#include "node/types/hash_value.h"
#include "node/types/list_value.h"
#include "node/types/set_value.h"
#include "node/types/zset_value.h"

/* Text of an element read as bytes or as an integer. */
static const char *elementText(const void *str, size_t len, long long ll, char *buf, size_t *outLen) {
    if (str) {
        *outLen = len;
        return str;
    }
    *outLen = (size_t)snprintf(buf, LP_INTBUF_SIZE, "%lld", ll);
    return buf;
}

static void digestList(unsigned char digest[DIGEST_LEN], const kvobj *kv) {
    listValue lv = listValueOf(kv);
    listIter it;
    listElement e;
    char buf[LP_INTBUF_SIZE];
    listIterInit(&it, &lv, 0, 0);
    while (listIterNext(&it, &e)) {
        size_t len;
        const char *s = elementText(e.str, e.len, e.ll, buf, &len);
        digestMix(digest, s, len);
    }
    listIterRelease(&it);
}

static void digestSet(unsigned char digest[DIGEST_LEN], const kvobj *kv) {
    setValue sv = setValueOf(kv);
    setIter it;
    setMember m;
    char buf[LP_INTBUF_SIZE];
    setIterInit(&it, &sv);
    while (setIterNext(&it, &m)) {
        size_t len;
        const char *s = elementText(m.str, m.len, m.ll, buf, &len);
        digestXor(digest, s, len);
    }
    setIterReset(&it);
}

static void digestHash(unsigned char digest[DIGEST_LEN], const kvobj *kv) {
    hashValue h = hashValueOf(kv);
    hashValueIter it;
    lpEntry field, value;
    char fbuf[LP_INTBUF_SIZE], vbuf[LP_INTBUF_SIZE];
    hashValueIterInit(&it, &h);
    while (hashValueIterNext(&it, &field, &value)) {
        unsigned char pair[DIGEST_LEN] = {0};
        size_t flen, vlen;
        const char *f = hashElementBytes(&field, fbuf, &flen);
        const char *v = hashElementBytes(&value, vbuf, &vlen);
        digestMix(pair, f, flen);
        digestMix(pair, v, vlen);
        digestXor(digest, pair, DIGEST_LEN);
    }
    hashValueIterReset(&it);
}

static void digestZset(unsigned char digest[DIGEST_LEN], const kvobj *kv) {
    zsetRef z = zsetRefOf(kv);
    zsetIter it;
    zsetElem e;
    zsetIterInit(&it, &z, 0);
    while (zsetIterNext(&it, &e)) {
        unsigned char pair[DIGEST_LEN] = {0};
        char score[64];
        int n = snprintf(score, sizeof(score), "%.17g", e.score);
        digestMix(pair, e.member, e.len);
        digestMix(pair, score, (size_t)n);
        digestXor(digest, pair, DIGEST_LEN);
    }
}

void digestTypesInit(void) {
    digestRegisterType(OBJ_LIST, digestList);
    digestRegisterType(OBJ_SET, digestSet);
    digestRegisterType(OBJ_HASH, digestHash);
    digestRegisterType(OBJ_ZSET, digestZset);
}
