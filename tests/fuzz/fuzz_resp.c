/* fuzz_resp.c — libFuzzer target for the RESP codec.
 *
 * Input: two control bytes, then the data.  The control bytes pick small or
 * default limits and two split points.  The data goes
 *   - to the request parser, whole, in three chunks and (when short) byte by
 *     byte, looping over pipelined commands with buffer compaction; the three
 *     transcripts must be identical, and every parsed command, re-encoded
 *     with respEncodeCommand and parsed again, must come back unchanged;
 *   - to the reply reader, whole and in three chunks; the replies (printed)
 *     must be identical.
 * Any difference aborts, so the fuzzer also finds logic errors, not only
 * memory errors (ASan/UBSan are on in fuzzer builds). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/base/dstr.h"
#include "node/base/mem.h"
#include "node/net/resp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "fuzz_resp: %s\n", what);
        abort();
    }
}

/* Parses the command in r again after encoding it (default limits: an
 * inline command is not bound by the multibulk limits); it must come back
 * identical. */
static void checkReencode(const respRequest *r) {
    if (r->argc == 0) return;
    size_t *lens = memAlloc(sizeof(size_t) * (size_t)r->argc);
    for (int i = 0; i < r->argc; i++) lens[i] = dstrLen(r->argv[i]);
    dstr enc = respEncodeCommand(NULL, r->argc, (const char **)r->argv, lens);
    respRequest again;
    respRequestInit(&again);
    size_t next;
    const char *err;
    int rc = respParseRequest(&again, enc, dstrLen(enc), 0, NULL, &next, &err);
    check(rc == RESP_PARSE_DONE && next == dstrLen(enc) && again.argc == r->argc, "re-encoded command");
    for (int i = 0; i < r->argc; i++)
        check(dstrLen(again.argv[i]) == lens[i] && memcmp(again.argv[i], r->argv[i], lens[i]) == 0,
              "re-encoded argument");
    respRequestFree(&again);
    dstrFree(enc);
    memFree(lens);
}

static dstr appendCommand(dstr t, const respRequest *r) {
    t = dstrCatPrintf(t, "[%d]", r->argc);
    for (int i = 0; i < r->argc; i++) {
        size_t len = dstrLen(r->argv[i]);
        check(r->argv[i][len] == '\0', "argument NUL");
        t = dstrCatPrintf(t, " %zu:", len);
        t = dstrCatLen(t, r->argv[i], len);
    }
    return dstrCat(t, "\n");
}

/* Feeds data in pieces (cuts: sorted end offsets, the last one == size) the
 * way a client's read loop would, compacting the buffer after each piece. */
static dstr runParser(const uint8_t *data, size_t size, const size_t *cuts, size_t ncuts,
                      const respLimits *limits, int reencode) {
    respRequest r;
    respRequestInit(&r);
    char *qb = memAlloc(size + 1);
    size_t qlen = 0, pos = 0, fed = 0;
    dstr t = dstrEmpty();
    for (size_t c = 0; c < ncuts; c++) {
        memcpy(qb + qlen, data + fed, cuts[c] - fed);
        qlen += cuts[c] - fed;
        fed = cuts[c];
        for (;;) {
            size_t next = 0;
            const char *err = NULL;
            int rc = respParseRequest(&r, qb, qlen, pos, limits, &next, &err);
            if (rc == RESP_PARSE_ERROR) {
                t = dstrCatPrintf(t, "ERR %s\n", err);
                goto out;
            }
            if (rc == RESP_PARSE_MORE) {
                size_t want = respRequestBytesWanted(&r);
                check(want == 0 || r.kind == RESP_REQ_MULTIBULK, "bytes wanted");
                break;
            }
            check(next > pos && next <= qlen, "next offset");
            t = appendCommand(t, &r);
            if (reencode) checkReencode(&r);
            respRequestReset(&r);
            pos = next;
        }
        memmove(qb, qb + pos, qlen - pos);
        qlen -= pos;
        respRequestShift(&r, pos);
        pos = 0;
    }
    if (qlen > 0) t = dstrCat(t, "MORE\n");
out:
    respRequestFree(&r);
    memFree(qb);
    return t;
}

static dstr showValue(dstr s, const respValue *v) {
    s = dstrCatPrintf(s, "<%d:", v->type);
    switch (v->type) {
    case RESP_T_INTEGER: case RESP_T_BOOL: return dstrCatPrintf(s, "%lld>", v->integer);
    case RESP_T_NIL: return dstrCat(s, ">");
    case RESP_T_VERB: s = dstrCat(s, v->verbFormat); /* fall through */
    case RESP_T_STRING: case RESP_T_STATUS: case RESP_T_ERROR: case RESP_T_DOUBLE:
    case RESP_T_BIGNUM: case RESP_T_BLOBERROR:
        check(v->str[v->len] == '\0', "reply NUL");
        s = dstrCatLen(s, v->str, v->len);
        return dstrCat(s, ">");
    default: break;
    }
    for (size_t i = 0; i < v->elements; i++) s = showValue(s, v->element[i]);
    return dstrCat(s, ">");
}

static dstr runReader(const uint8_t *data, const size_t *cuts, size_t ncuts) {
    respReader *r = respReaderCreate();
    dstr t = dstrEmpty();
    size_t fed = 0;
    for (size_t c = 0; c < ncuts; c++) {
        respReaderFeed(r, (const char *)data + fed, cuts[c] - fed);
        fed = cuts[c];
        respValue *v;
        int rc;
        while ((rc = respReaderGet(r, &v)) == 1) {
            t = showValue(t, v);
            respValueFree(v);
        }
        if (rc < 0) {
            t = dstrCatPrintf(t, "ERR %s", respReaderError(r));
            break;
        }
    }
    respReaderFree(r);
    return t;
}

/* Peeking walks the pipeline like the client's prefetch does: every
 * argument it reports lies inside the buffer, and each step moves forward. */
static void checkPeek(const char *buf, size_t len) {
    size_t pos = 0;
    for (int steps = 0; steps < 64 && pos < len; steps++) {
        const char *arg;
        size_t arglen, end;
        if (!respPeekArg(buf, len, pos, 1, &arg, &arglen, &end)) return;
        check(arg >= buf && arg + arglen <= buf + len, "peeked argument outside the buffer");
        check(end > pos && end <= len, "peek did not move forward");
        pos = end;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 2) return 0;
    uint8_t c0 = data[0], c1 = data[1];
    data += 2;
    size -= 2;
    checkPeek((const char *)data, size);
    respLimits small = {.maxBulkLen = 40, .maxMultibulk = 6};
    respLimits big = {.maxBulkLen = 512LL * 1024 * 1024, .maxMultibulk = 1024 * 1024};
    const respLimits *limits = c0 & 1 ? &small : &big;

    size_t a = c1 % (size + 1), b = a + (size_t)(c0 >> 1) % (size - a + 1);
    size_t whole[1] = {size}, three[3] = {a, b, size};

    dstr t1 = runParser(data, size, whole, 1, limits, 1);
    /* The limits on unterminated lines depend on how much was buffered, so
     * splitting may legitimately change the outcome beyond them. */
    if (size <= RESP_INLINE_MAX) {
        dstr t2 = runParser(data, size, three, 3, limits, 0);
        check(dstrLen(t1) == dstrLen(t2) && memcmp(t1, t2, dstrLen(t1)) == 0, "chunked parse differs");
        dstrFree(t2);
        if (size <= 512) {
            size_t *ones = memAlloc(sizeof(size_t) * (size + 1));
            for (size_t i = 0; i <= size; i++) ones[i] = i;
            dstr t3 = runParser(data, size, ones, size + 1, limits, 0);
            check(dstrLen(t1) == dstrLen(t3) && memcmp(t1, t3, dstrLen(t1)) == 0,
                  "byte-by-byte parse differs");
            dstrFree(t3);
            memFree(ones);
        }
    }
    dstrFree(t1);

    dstr r1 = runReader(data, whole, 1), r2 = runReader(data, three, 3);
    check(dstrLen(r1) == dstrLen(r2) && memcmp(r1, r2, dstrLen(r1)) == 0, "chunked replies differ");
    dstrFree(r1);
    dstrFree(r2);
    return 0;
}
