/* fuzz_listpack.c — libFuzzer target for the listpack validator.
 *
 * The input is taken as a listpack (copied into an allocation of exactly
 * its size, so ASan sees any read past the end).  lpValidateIntegrity with
 * deep checking must either refuse it or guarantee that everything a
 * command does with a listpack is safe.  For an accepted one the target
 * therefore walks every element forwards and backwards, reads each one as
 * an integer and as text, checks that both walks see the same elements in
 * reverse order and as many as lpLength and the validator's callback
 * report, that lpSeek agrees, and finally appends, prepends and deletes
 * elements and validates the result again.  A disagreement aborts, so the
 * fuzzer finds logic errors as well as memory errors. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/base/mem.h"
#include "node/types/listpack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Walks above this many elements are bounded to keep runs fast. */
#define MAX_ELEMENTS 100000

static void check(int ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "fuzz_listpack: %s\n", what);
        abort();
    }
}

static int countEntry(unsigned char *p, unsigned int headerCount, void *userdata) {
    (void)p;
    (void)headerCount;
    (*(unsigned long *)userdata)++;
    return 1;
}

/* Reads element p both ways and checks they agree; returns a digest. */
static uint64_t readElement(unsigned char *p) {
    lpEntry e;
    lpGetEntry(p, &e);
    unsigned char buf[LP_INTBUF_SIZE];
    int64_t v;
    unsigned char *s = lpGet(p, &v, buf);
    uint64_t h = 1469598103934665603ULL;
    if (e.sval) {
        check(s == e.sval && (uint64_t)v == e.slen, "string element read twice");
        for (uint32_t i = 0; i < e.slen; i++) h = (h ^ e.sval[i]) * 1099511628211ULL;
    } else {
        int64_t iv;
        check(lpGet(p, &iv, NULL) == NULL && iv == e.lval, "integer element read twice");
        check(s == buf && v > 0 && v < LP_INTBUF_SIZE, "integer as text");
        h ^= (uint64_t)e.lval * 0x9e3779b97f4a7c15ULL;
    }
    return h;
}

static void walk(unsigned char *lp, unsigned long expected) {
    unsigned long n = 0;
    uint64_t *forward = memAlloc(sizeof(uint64_t) * (expected ? expected : 1));
    for (unsigned char *p = lpFirst(lp); p; p = lpNext(lp, p)) {
        check(n < expected, "forward walk longer than the count");
        forward[n++] = readElement(p);
    }
    check(n == expected, "forward walk shorter than the count");
    for (unsigned char *p = lpLast(lp); p; p = lpPrev(lp, p)) {
        check(n > 0, "backward walk longer than the forward walk");
        check(readElement(p) == forward[--n], "backward walk differs");
    }
    check(n == 0, "backward walk shorter than the forward walk");
    if (expected) {
        check(lpSeek(lp, 0) == lpFirst(lp) && lpSeek(lp, -1) == lpLast(lp), "seek to the ends");
        long mid = (long)(expected / 2);
        check(readElement(lpSeek(lp, mid)) == forward[mid], "seek to the middle");
    }
    check(lpSeek(lp, (long)expected) == NULL, "seek past the end");
    memFree(forward);
}

/* Edits an accepted listpack; the result must still validate. */
static unsigned char *edit(unsigned char *lp, const uint8_t *data, size_t size) {
    size_t n = size < 16 ? size : 16;
    lp = lpAppend(lp, data, n);
    lp = lpPrependInteger(lp, (int64_t)size * 7919 - 1000);
    lp = lpDelete(lp, lpFirst(lp), NULL);
    unsigned char *last = lpLast(lp);
    lp = lpDelete(lp, last, NULL);
    check(lpValidateIntegrity(lp, lpBytes(lp), 1, NULL, NULL), "edited listpack no longer valid");
    return lp;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    unsigned char *lp = memAlloc(size ? size : 1);
    memcpy(lp, data, size);
    unsigned long seen = 0;
    int valid = lpValidateIntegrity(lp, size, 1, countEntry, &seen);
    /* A shallow check must accept whatever the deep one accepts. */
    if (valid) check(lpValidateIntegrity(lp, size, 0, NULL, NULL), "deep valid but shallow invalid");
    if (valid && seen <= MAX_ELEMENTS) {
        check(lpBytes(lp) == size, "size field");
        unsigned long len = lpLength(lp);
        check(len == seen, "length differs from the validator's count");
        walk(lp, len);
        lp = edit(lp, data, size);
    }
    memFree(lp);
    return 0;
}
