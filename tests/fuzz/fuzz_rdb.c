/* fuzz_rdb.c — libFuzzer target for the whole-file RDB loader.
 *
 * The input is taken as an RDB file and loaded into empty databases (the
 * checksum is not compared, so mutations reach the body rather than dying
 * at the trailer).  Whatever the bytes, the load must end in success or an
 * error message, never a crash, a leak or an over-read (run under ASan).
 * A file that loads is then saved and the saved bytes must load again:
 * every value a loader accepts must be one the savers can write and the
 * loaders read back.  The databases are emptied after every input. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "node/base/log.h"
#include "node/store/db.h"
#include "node/types/type_cmds.h"
#include "rdb/rdb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void setupOnce(void) {
    static int done;
    if (done) return;
    done = 1;
    dbSetup(16);
    listTypeInit();
    hashTypeInit();
    setTypeInit();
    zsetTypeInit();
    rdbInit();
    logSetLevel(LL_NOTHING);
}

static int load(const void *p, size_t len, rdbLoadInfo *info) {
    rdbReader r;
    rdbReaderInitMem(&r, "fuzz.rdb", p, len);
    rdbLoadOptions opt = {.verifyChecksum = 0, .skipExpired = 1};
    int rc = rdbLoadDataset(&r, &opt, info);
    if (rc != 0 && !r.err) {
        fprintf(stderr, "fuzz_rdb: load failed without an error message\n");
        abort();
    }
    rdbReaderFree(&r);
    rdbLoadInfoFree(info);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    setupOnce();
    rdbLoadInfo info;
    if (load(data, size, &info) == 0) {
        rdbWriter w;
        rdbWriterInitMem(&w, 1, 1);
        rdbSaveOptions opt = {.compress = 1, .checksum = 1};
        if (rdbSaveDataset(&w, &opt) != 0) {
            fprintf(stderr, "fuzz_rdb: a loaded dataset could not be saved\n");
            abort();
        }
        dstr saved = rdbWriterFinish(&w);
        long long loaded = info.keysLoaded;
        dbEmpty(-1, NULL);
        if (load(saved, dstrLen(saved), &info) != 0 || info.keysLoaded > loaded) {
            fprintf(stderr, "fuzz_rdb: a saved dataset did not load back\n");
            abort();
        }
        dstrFree(saved);
    }
    dbEmpty(-1, NULL);
    return 0;
}
