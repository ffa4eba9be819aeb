/* hll_cmds.c — the HyperLogLog commands: PFADD, PFCOUNT, PFMERGE, PFDEBUG
 * and PFSELFTEST, over the core in hll.c.
 *
 * An HLL is an ordinary string value (so GET, SET, DUMP, RDB and APPEND all
 * see its bytes); these commands accept a string only when its header says
 * HLL (hllIsHll) and answer "WRONGTYPE Key is not a valid HyperLogLog
 * string value." otherwise.  A header that looks right over a corrupt body
 * is found by the core while it walks the registers and answered with
 * "INVALIDOBJ Corrupted HLL object detected", leaving the value as it was.
 *
 * Writers change the value in place: the entry is made RAW (its dstr may
 * then grow or be replaced) and the core edits the dstr.  PFCOUNT on one
 * key is a read in the command table but stores the cardinality it computes
 * in the header, as Valkey does; that change counts as dirty (so the value
 * with its cache reaches replicas and the AOF) and touches WATCH.
 *
 * PFMERGE collects the max of every register of its sources (destination
 * included) in a plain array and writes the result back in one go: dense if
 * any source was dense or the sparse form would exceed
 * hll-sparse-max-bytes, else the sparse form of those registers.  The
 * header (cached-count bytes) of the destination is kept, with the cache
 * marked invalid, which gives Valkey's bytes when the destination is new or
 * dense; over an existing sparse destination Valkey's byte layout of equal
 * runs may differ (it edits the old opcode stream), the registers do not. */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "node/base/dstr.h"
#include "node/base/mem.h"
#include "node/base/rand.h"
#include "node/net/reply.h"
#include "node/store/db.h"
#include "node/types/hll.h"
#include "node/types/hll_settings.h"
#include "node/types/string_value.h"
#include "node/types/type_cmds.h"

#define HLL_INVALID_ERR "INVALIDOBJ Corrupted HLL object detected"
#define HLL_WRONGTYPE_ERR "WRONGTYPE Key is not a valid HyperLogLog string value."

static size_t sparseMaxBytes = HLL_SPARSE_MAX_BYTES_DEFAULT;

size_t *hllSparseMaxBytesSetting(void) { return &sparseMaxBytes; }

/* --- Values --- */

/* The bytes of a string entry (INT values are written into buf). */
static const char *valueBytes(const kvobj *kv, char buf[32], size_t *len) { return kvStringBytes(kv, buf, len); }

/* 0 when kv holds an HLL string; otherwise replies WRONGTYPE (the standard
 * text for another type, the HLL text for a string that is not one). */
static int checkHll(client *c, const kvobj *kv) {
    if (kv->type != OBJ_STRING) {
        replyErrorWrongType(c);
        return -1;
    }
    char buf[32];
    size_t len;
    const char *p = valueBytes(kv, buf, &len);
    if (kv->encoding == OBJ_ENCODING_INT || !hllIsHll(p, len)) {
        replyError(c, HLL_WRONGTYPE_ERR);
        return -1;
    }
    return 0;
}

static int cacheIsValid(const char *hll) { return ((uint8_t)hll[15] & 0x80) == 0; }

/* A dense value of these registers carrying the header bytes (unused bytes
 * and cached count) of `header`, as a conversion in place keeps them. */
static dstr denseWithHeader(const uint8_t regs[HLL_REGISTERS], const char *header) {
    dstr d = hllFromRegisters(regs);
    memcpy(d + 5, header + 5, HLL_HDR_SIZE - 5);
    return d;
}

/* Replaces the dstr of a RAW entry. */
static void replaceValue(kvobj *kv, dstr value) {
    dstrFree(kvGetPtr(kv));
    kvSetPtr(kv, value);
}

/* Merges the HLL at kv into regs; -1 after replying if it is corrupt. */
static int mergeEntry(client *c, const kvobj *kv, uint8_t regs[HLL_REGISTERS], int *dense) {
    char buf[32];
    size_t len;
    const char *p = valueBytes(kv, buf, &len);
    if (p[4] == HLL_ENC_DENSE) *dense = 1;
    if (hllMerge(regs, p, len) != 0) {
        replyError(c, HLL_INVALID_ERR);
        return -1;
    }
    return 0;
}

/* --- PFADD --- */

static void pfaddCommand(client *c) {
    serverDb *db = c->db;
    dstr key = c->argv[1];
    kvobj *kv = stringLookupWrite(c, key);
    long long updated = 0;
    if (!kv) {
        kv = kvCreateRaw(key, dstrLen(key), hllCreate(), -1);
        dbAdd(db, kv);
        updated++;
    } else {
        if (checkHll(c, kv) != 0) return;
        kv = dbStringToRaw(db, kv);
    }
    dstr s = kvGetPtr(kv);
    for (int j = 2; j < c->argc; j++) {
        int r = hllAdd(&s, c->argv[j], dstrLen(c->argv[j]), sparseMaxBytes);
        kvSetPtr(kv, s);
        if (r < 0) {
            replyError(c, HLL_INVALID_ERR);
            return;
        }
        updated += r;
    }
    if (updated) {
        /* The core invalidated the cached count (hllCreate starts invalid). */
        dbSignalModifiedKey(db, key);
        dbNotify(NOTIFY_STRING, "pfadd", key, db->id);
        dbMarkDirty(updated);
    }
    replyLongLong(c, updated ? 1 : 0);
}

/* --- PFCOUNT --- */

/* The cardinality of the union of several HLLs; nothing is cached. */
static void pfcountUnion(client *c) {
    uint8_t *regs = memCalloc(HLL_REGISTERS);
    int dense = 0;
    for (int j = 1; j < c->argc; j++) {
        kvobj *kv = dbLookupRead(c->db, c->argv[j], stringLookupFlags(c));
        if (!kv) continue;
        if (checkHll(c, kv) != 0 || mergeEntry(c, kv, regs, &dense) != 0) goto done;
    }
    dstr merged = hllFromRegisters(regs);
    int invalid;
    replyLongLong(c, (long long)hllCount(merged, &invalid));
    dstrFree(merged);
done:
    memFree(regs);
}

static void pfcountCommand(client *c) {
    if (c->argc > 2) {
        pfcountUnion(c);
        return;
    }
    serverDb *db = c->db;
    kvobj *kv = dbLookupRead(db, c->argv[1], stringLookupFlags(c));
    if (!kv) {
        replyLongLong(c, 0);
        return;
    }
    if (checkHll(c, kv) != 0) return;
    kv = dbStringToRaw(db, kv);
    dstr s = kvGetPtr(kv);
    int wasCached = cacheIsValid(s), invalid;
    uint64_t card = hllCount(s, &invalid);
    if (invalid) {
        replyError(c, HLL_INVALID_ERR);
        return;
    }
    if (!wasCached) {
        /* The value changed (its cache): replicate it and fire WATCH. */
        dbSignalModifiedKey(db, c->argv[1]);
        dbMarkDirty(1);
    }
    replyLongLong(c, (long long)card);
}

/* --- PFMERGE --- */

/* The destination's new value: the merged registers, dense or sparse as
 * described at the top, with the old header's cached-count bytes. */
static dstr mergedValue(const uint8_t regs[HLL_REGISTERS], const char *header, int dense) {
    dstr d = dense ? NULL : hllSparseFromRegisters(regs, sparseMaxBytes);
    if (d)
        memcpy(d + 5, header + 5, HLL_HDR_SIZE - 5);
    else
        d = denseWithHeader(regs, header);
    d[15] = (char)((uint8_t)d[15] | 0x80);
    return d;
}

static void pfmergeCommand(client *c) {
    serverDb *db = c->db;
    dstr key = c->argv[1];
    uint8_t *regs = memCalloc(HLL_REGISTERS);
    int dense = 0;
    for (int j = 1; j < c->argc; j++) {
        kvobj *kv = dbLookupRead(db, c->argv[j], stringLookupFlags(c));
        if (!kv) continue;
        if (checkHll(c, kv) != 0 || mergeEntry(c, kv, regs, &dense) != 0) goto done;
    }
    /* The destination, when it exists, was checked above as a source. */
    kvobj *kv = stringLookupWrite(c, key);
    if (!kv) {
        kv = kvCreateRaw(key, dstrLen(key), hllCreate(), -1);
        dbAdd(db, kv);
    } else {
        kv = dbStringToRaw(db, kv);
    }
    replaceValue(kv, mergedValue(regs, kvGetPtr(kv), dense));
    /* Valkey reports a merge as a mass PFADD. */
    dbKeyWritten(db, key, NOTIFY_STRING, "pfadd");
    replyOk(c);
done:
    memFree(regs);
}

/* --- PFDEBUG --- */

/* Registers of a valid HLL value, or -1 after replying if corrupt. */
static int registersOf(client *c, dstr s, uint8_t regs[HLL_REGISTERS]) {
    memset(regs, 0, HLL_REGISTERS);
    if (hllMerge(regs, s, dstrLen(s)) == 0) return 0;
    replyError(c, HLL_INVALID_ERR);
    return -1;
}

/* Converts a sparse value to dense in place (header kept, cache
 * untouched); 1 if converted, 0 if already dense, -1 after replying. */
static int toDense(client *c, kvobj *kv, uint8_t regs[HLL_REGISTERS]) {
    dstr s = kvGetPtr(kv);
    if (registersOf(c, s, regs) != 0) return -1;
    if (s[4] == HLL_ENC_DENSE) return 0;
    replaceValue(kv, denseWithHeader(regs, s));
    dbMarkDirty(1); /* propagate the new encoding */
    return 1;
}

/* "z:3 Z:100 v:2,1" — the opcodes of a sparse value. */
static void pfdebugDecode(client *c, dstr s) {
    if (s[4] != HLL_ENC_SPARSE) {
        replyError(c, "ERR HLL encoding is not sparse");
        return;
    }
    const uint8_t *p = (const uint8_t *)s + HLL_HDR_SIZE, *end = (const uint8_t *)s + dstrLen(s);
    dstr out = dstrEmpty();
    for (; p < end; p++) {
        if (dstrLen(out)) out = dstrCatLen(out, " ", 1);
        if ((*p & 0xc0) == 0) {
            out = dstrCatPrintf(out, "z:%d", (*p & 0x3f) + 1);
        } else if ((*p & 0xc0) == 0x40) {
            if (p + 1 >= end) break; /* cut off: show what can be read */
            out = dstrCatPrintf(out, "Z:%d", ((p[0] & 0x3f) << 8 | p[1]) + 1);
            p++;
        } else {
            out = dstrCatPrintf(out, "v:%d,%d", ((*p >> 2) & 0x1f) + 1, (*p & 3) + 1);
        }
    }
    replyBulk(c, out, dstrLen(out));
    dstrFree(out);
}

static void pfdebugCommand(client *c) {
    const char *sub = c->argv[1];
    kvobj *kv = stringLookupWrite(c, c->argv[2]);
    if (!kv) {
        replyError(c, "ERR The specified key does not exist");
        return;
    }
    if (checkHll(c, kv) != 0) return;
    kv = dbStringToRaw(c->db, kv);
    uint8_t regs[HLL_REGISTERS];
    if (!strcasecmp(sub, "getreg")) {
        if (toDense(c, kv, regs) < 0) return;
        replyArrayLen(c, HLL_REGISTERS);
        for (int j = 0; j < HLL_REGISTERS; j++) replyLongLong(c, regs[j]);
    } else if (!strcasecmp(sub, "decode")) {
        pfdebugDecode(c, kvGetPtr(kv));
    } else if (!strcasecmp(sub, "encoding")) {
        dstr s = kvGetPtr(kv);
        replySimple(c, s[4] == HLL_ENC_DENSE ? "dense" : "sparse");
    } else if (!strcasecmp(sub, "todense")) {
        int r = toDense(c, kv, regs);
        if (r >= 0) replyLongLong(c, r);
    } else {
        replyErrorFormat(c, "ERR Unknown PFDEBUG subcommand '%s'", sub);
    }
}

/* --- PFSELFTEST --- */

/* Register round trips: random registers written as dense and as sparse
 * read back equal, and both forms give the same estimate. */
static const char *selftestRegisters(uint8_t *regs, uint8_t *back) {
    for (int round = 0; round < 64; round++) {
        int sparse = round & 1;
        for (int i = 0; i < HLL_REGISTERS; i++)
            regs[i] = sparse ? (randBelow(8) ? 0 : (uint8_t)(1 + randBelow(32))) : (uint8_t)randBelow(64);
        dstr d = hllFromRegisters(regs);
        dstr s = sparse ? hllSparseFromRegisters(regs, SIZE_MAX) : NULL;
        const char *err = NULL;
        memset(back, 0, HLL_REGISTERS);
        if (hllMerge(back, d, dstrLen(d)) != 0 || memcmp(regs, back, HLL_REGISTERS) != 0)
            err = "TESTFAILED Register error (dense)";
        memset(back, 0, HLL_REGISTERS);
        if (!err && s && (hllMerge(back, s, dstrLen(s)) != 0 || memcmp(regs, back, HLL_REGISTERS) != 0))
            err = "TESTFAILED Register error (sparse)";
        int inv1, inv2;
        if (!err && s && hllCount(d, &inv1) != hllCount(s, &inv2)) err = "TESTFAILED dense/sparse disagree";
        dstrFree(d);
        if (s) dstrFree(s);
        if (err) return err;
    }
    return NULL;
}

/* Adds 1..1e6 distinct elements to a sparse and a dense HLL; at each power
 * of ten both agree, the sparse one is still sparse while small, and the
 * error stays within 6 standard errors. */
static const char *selftestEstimate(client *c) {
    uint8_t zero[HLL_REGISTERS] = {0};
    dstr dense = hllFromRegisters(zero), sparse = hllCreate();
    uint64_t seed = randNext(), checkpoint = 1;
    const double relerr = 1.04 / sqrt(HLL_REGISTERS);
    const char *err = NULL;
    for (uint64_t j = 1; j <= 1000000 && !err; j++) {
        uint64_t ele = j ^ seed;
        hllAdd(&dense, &ele, sizeof(ele), sparseMaxBytes);
        hllAdd(&sparse, &ele, sizeof(ele), sparseMaxBytes);
        if (j != checkpoint) continue;
        int inv;
        uint64_t card = hllCount(dense, &inv);
        if (j < sparseMaxBytes / 2 && sparse[4] != HLL_ENC_SPARSE) err = "TESTFAILED sparse encoding not used";
        if (!err && card != hllCount(sparse, &inv)) err = "TESTFAILED dense/sparse disagree";
        uint64_t abserr = card > j ? card - j : j - card;
        uint64_t maxerr = j == 10 ? 1 : (uint64_t)ceil(relerr * 6 * (double)j);
        if (!err && abserr > maxerr) {
            replyErrorFormat(c, "TESTFAILED Too big error. card:%llu abserr:%llu", (unsigned long long)j,
                             (unsigned long long)abserr);
            err = "";
        }
        checkpoint *= 10;
    }
    dstrFree(dense);
    dstrFree(sparse);
    return err;
}

static void pfselftestCommand(client *c) {
    uint8_t *regs = memAlloc(HLL_REGISTERS), *back = memAlloc(HLL_REGISTERS);
    const char *err = selftestRegisters(regs, back);
    if (!err) err = selftestEstimate(c);
    memFree(regs);
    memFree(back);
    if (!err)
        replyOk(c);
    else if (err[0])
        replyError(c, err);
}

const commandBinding hllCommands[] = {
    {"pfadd", pfaddCommand},
    {"pfcount", pfcountCommand},
    {"pfmerge", pfmergeCommand},
    {"pfdebug", pfdebugCommand},
    {"pfselftest", pfselftestCommand},
    {NULL, NULL},
};
