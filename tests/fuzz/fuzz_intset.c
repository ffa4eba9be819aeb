/* fuzz_intset.c — libFuzzer target for the intset validator.
 *
 * The input is taken as an intset blob (as RDB and RESTORE hand it over),
 * copied into an allocation of exactly its size.  If the deep
 * intsetValidateIntegrity accepts it, every read a command may do must be
 * safe and consistent: the target reads all elements, checks they ascend
 * strictly and are each found by intsetFind, that min/max/length/blob size
 * agree, then adds and removes a value taken from the input and validates
 * the result again.  A disagreement aborts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/base/mem.h"
#include "node/types/intset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "fuzz_intset: %s\n", what);
        abort();
    }
}

static void readAll(const intset *is, size_t size) {
    uint32_t n = intsetLen(is);
    check(intsetBlobLen(is) == size, "blob length");
    int64_t prev = 0, v;
    for (uint32_t i = 0; i < n; i++) {
        check(intsetGet(is, i, &v), "element in range");
        check(i == 0 || v > prev, "elements ascend strictly");
        check(intsetFind(is, v), "element found");
        prev = v;
    }
    check(!intsetGet(is, n, &v), "element past the end");
    if (n) {
        intsetGet(is, 0, &v);
        check(intsetMin(is) == v && intsetMax(is) == prev, "min and max");
        int64_t r = intsetRandom(is);
        check(intsetFind(is, r), "random member");
    }
}

/* A value from the input's last bytes, to add and remove again. */
static int64_t probeValue(const uint8_t *data, size_t size) {
    uint64_t v = 0;
    for (size_t i = size > 8 ? size - 8 : 0; i < size; i++) v = (v << 8) | data[i];
    return (int64_t)v;
}

static void edit(intset *is, int64_t value) {
    int wasMember = intsetFind(is, value), ok;
    is = intsetAdd(is, value, &ok);
    check(ok == !wasMember && intsetFind(is, value), "add");
    check(intsetValidateIntegrity((unsigned char *)is, intsetBlobLen(is), 1), "valid after add");
    is = intsetRemove(is, value, &ok);
    check(ok && !intsetFind(is, value), "remove");
    if (intsetLen(is)) check(intsetValidateIntegrity((unsigned char *)is, intsetBlobLen(is), 1), "valid after remove");
    intsetFree(is);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    unsigned char *p = memAlloc(size ? size : 1);
    memcpy(p, data, size);
    if (intsetValidateIntegrity(p, size, 1)) {
        check(intsetValidateIntegrity(p, size, 0), "deep valid but shallow invalid");
        readAll((const intset *)p, size);
        intset *copy = intsetFromBlob(p, size);
        check(memcmp(copy, p, size) == 0, "copy of the blob");
        edit(copy, probeValue(data, size));
    }
    memFree(p);
    return 0;
}
