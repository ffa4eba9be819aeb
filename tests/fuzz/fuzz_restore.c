/* fuzz_restore.c — libFuzzer target for RESTORE payloads.
 *
 * The input is a DUMP payload.  First its footer is checked as it stands
 * (version and CRC64: random bytes must be refused without a crash).  Then
 * the CRC is recomputed over a copy, so mutations of the type byte, the
 * value and the version reach the value loaders as a forged payload would.
 * A payload that loads must dump again, and that dump must load again (a
 * value accepted is one the savers can write); both entries are freed. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/base/crc.h"
#include "node/base/log.h"
#include "node/base/mem.h"
#include "node/types/type_cmds.h"
#include "rdb/rdb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void setupOnce(void) {
    static int done;
    if (done) return;
    done = 1;
    listTypeInit();
    hashTypeInit();
    setTypeInit();
    zsetTypeInit();
    rdbInit();
    logSetLevel(LL_NOTHING);
}

static void fail(const char *what) {
    fprintf(stderr, "fuzz_restore: %s\n", what);
    abort();
}

/* Loads a payload; a refusal must come with a message. */
static kvobj *load(const void *p, size_t len, const dstr key) {
    dstr err = NULL;
    kvobj *kv = rdbDumpLoad(p, len, key, -1, &err);
    if (!kv && !err) fail("refused without an error message");
    dstrFree(err);
    return kv;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    setupOnce();
    rdbDumpVerify(data, size, NULL);
    if (size < RDB_DUMP_FOOTER_LEN + 1) return 0;
    unsigned char *copy = memAlloc(size);
    memcpy(copy, data, size);
    uint64_t crc = crc64(0, copy, size - 8);
    for (int i = 0; i < 8; i++) copy[size - 8 + i] = (unsigned char)(crc >> (8 * i));
    int version = 0;
    int verified = rdbDumpVerify(copy, size, &version) == 0;
    if (verified != (version <= RDB_VERSION)) fail("footer with a fresh CRC judged wrongly");
    dstr key = dstrNew("k");
    kvobj *kv = load(copy, size, key);
    if (kv) {
        dstr again = rdbDumpCreate(kv, 1);
        if (!again) fail("a loaded value could not be dumped");
        kvobj *kv2 = load(again, dstrLen(again), key);
        if (!kv2) fail("a dumped value did not load back");
        if (kv2->type != kv->type) fail("type changed through DUMP");
        kvFree(kv2);
        dstrFree(again);
        kvFree(kv);
    }
    dstrFree(key);
    memFree(copy);
    return 0;
}
