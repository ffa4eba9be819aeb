/* tessera-check-rdb — validates an RDB file and describes what it holds.
 *
 *   tessera-check-rdb FILE
 *
 * The file is read by the server's own loaders (rdb/) with every check they
 * make at start-up, so a file this tool accepts is one tessera loads, and
 * one it refuses is refused with the same message.  Values are loaded one
 * at a time and freed (rdbLoadOptions.discardKeys): memory stays at the size
 * of the largest value, not of the dataset, and no keyspace is needed.
 *
 * Output follows valkey-check-rdb where it has a line for the thing
 * ("[offset N] AUX FIELD name = 'value'", "Selecting DB ID n", "Checksum
 * OK", "\o/ RDB looks OK! \o/", "--- RDB ERROR DETECTED ---", the [info]
 * counts), then adds what Valkey's tool does not print: the RDB version,
 * keys per database, and keys per type with the RDB encodings they were
 * stored in and the in-memory encodings they load as.
 *
 * Exit status: 0 when the file is valid, 1 when it is not (or cannot be
 * read).  Why this tool links the rdb/store/types libraries although
 * tools/ normally link only base and RESP: a validator with loaders of its
 * own would accept what the server refuses, or the other way round. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "node/base/log.h"
#include "node/base/timeutil.h"
#include "node/types/type_cmds.h"
#include "rdb/rdb.h"

/* kvobj's type and encoding are 4-bit fields. */
#define MAX_OBJ_TYPES 16
#define MAX_ENCODINGS 16
#define MAX_LISTED_DBS 1024

typedef struct checkStats {
    long long keys, expires, expired;
    long long perRdbType[RDB_TYPE_MAX];
    long long perObj[MAX_OBJ_TYPES];
    long long perEncoding[MAX_OBJ_TYPES][MAX_ENCODINGS];
    long long perDb[MAX_LISTED_DBS], expiresPerDb[MAX_LISTED_DBS];
    int highDbs; /* keys in databases beyond MAX_LISTED_DBS */
    dstr lastKey;
    int lastDb;
} checkStats;

/* --- Observer: one line per AUX field and SELECTDB, counts per key --- */

static void onAux(void *ctx, uint64_t offset, const dstr name, const dstr value) {
    (void)ctx;
    printf("[offset %llu] AUX FIELD %s = '%s'\n", (unsigned long long)offset, name, value);
}

static void onSelectDb(void *ctx, uint64_t offset, int dbid) {
    (void)ctx;
    printf("[offset %llu] Selecting DB ID %d\n", (unsigned long long)offset, dbid);
}

static void onKey(void *ctx, uint64_t offset, int dbid, int rdbType, const kvobj *kv, int skipped) {
    (void)offset;
    checkStats *s = ctx;
    int hasTtl = kvGetExpire(kv) != -1;
    s->keys++;
    s->expires += hasTtl;
    s->expired += skipped;
    if (rdbType >= 0 && rdbType < RDB_TYPE_MAX) s->perRdbType[rdbType]++;
    s->perObj[kv->type]++;
    s->perEncoding[kv->type][kv->encoding]++;
    if (dbid < MAX_LISTED_DBS) {
        s->perDb[dbid]++;
        s->expiresPerDb[dbid] += hasTtl;
    } else {
        s->highDbs = 1;
    }
    dstr key = kvKey(kv);
    s->lastKey = dstrCpyLen(s->lastKey, key, dstrLen(key));
    s->lastDb = dbid;
}

/* --- Report --- */

static const char *checksumText(int status) {
    switch (status) {
    case RDB_CHECKSUM_OK: return "OK";
    case RDB_CHECKSUM_DISABLED: return "disabled (saved with rdbchecksum no: not verified)";
    case RDB_CHECKSUM_UNCHECKED: return "not verified";
    default: return "absent (RDB version before 5)";
    }
}

/* Object type of an RDB type number, by the type's Valkey name. */
static void printTypes(const checkStats *s) {
    for (int t = 0; t < MAX_OBJ_TYPES; t++) {
        if (!s->perObj[t]) continue;
        printf("[info] %lld keys of type %s:", s->perObj[t], kvTypeName(t));
        for (int e = 0; e < MAX_ENCODINGS; e++)
            if (s->perEncoding[t][e]) printf(" %lld %s", s->perEncoding[t][e], kvEncodingName(e));
        printf(" (in memory)\n");
    }
    for (int t = 0; t < RDB_TYPE_MAX; t++)
        if (s->perRdbType[t]) printf("[info] %lld keys stored as %s (RDB type %d)\n", s->perRdbType[t], rdbTypeName(t), t);
}

static void printCounts(const checkStats *s, const rdbLoadInfo *info) {
    printf("[info] %lld keys read\n", s->keys);
    printf("[info] %lld expires\n", s->expires);
    printf("[info] %lld already expired\n", s->expired);
    if (info->version) printf("[info] RDB version %d\n", info->version);
    for (int db = 0; db < MAX_LISTED_DBS; db++)
        if (s->perDb[db]) printf("[info] db %d: %lld keys, %lld expires\n", db, s->perDb[db], s->expiresPerDb[db]);
    if (s->highDbs) printf("[info] more keys in databases numbered %d and above\n", MAX_LISTED_DBS);
    printTypes(s);
}

/* "<name> at offset N: what" -> "what" (the offset has its own column). */
static const char *stripPrefix(const char *err) {
    const char *at = strstr(err, " at offset ");
    const char *colon = at ? strstr(at, ": ") : NULL;
    return colon ? colon + 2 : err;
}

/* --- Main --- */

static void setupTypes(void) {
    listTypeInit();
    hashTypeInit();
    setTypeInit();
    zsetTypeInit();
    rdbInit();
    logSetLevel(LL_NOTHING);
}

static int check(const char *path) {
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd == -1 || fstat(fd, &st) != 0) {
        printf("Cannot open RDB file '%s': %s\n", path, strerror(errno));
        if (fd != -1) close(fd);
        return 1;
    }
    printf("[offset 0] Checking RDB file %s\n", path);
    checkStats stats;
    memset(&stats, 0, sizeof(stats));
    stats.lastKey = dstrEmpty();
    rdbLoadObserver obs = {.ctx = &stats, .aux = onAux, .selectDb = onSelectDb, .key = onKey};
    rdbLoadOptions opt = {.verifyChecksum = 1, .skipExpired = 1, .nowMs = timeMs(), .discardKeys = 1,
                          .observer = &obs};
    rdbLoadInfo info;
    rdbReader r;
    rdbReaderInitFd(&r, path, fd, (uint64_t)st.st_size);
    int rc = rdbLoadDataset(&r, &opt, &info);
    if (rc == 0) {
        printf("[offset %llu] Checksum %s\n", (unsigned long long)r.offset, checksumText(info.checksum));
        printf("[offset %llu] \\o/ RDB looks OK! \\o/\n", (unsigned long long)r.offset);
    } else {
        printf("--- RDB ERROR DETECTED ---\n");
        printf("[offset %llu] %s\n", (unsigned long long)r.offset, stripPrefix(r.err));
        printf("[additional info] %s\n", r.err);
        if (stats.keys)
            printf("[additional info] Last key read without error: '%s' (db %d)\n", stats.lastKey, stats.lastDb);
        else
            printf("[additional info] No key read without error before this point\n");
    }
    printCounts(&stats, &info);
    rdbReaderFree(&r);
    rdbLoadInfoFree(&info);
    dstrFree(stats.lastKey);
    close(fd);
    return rc == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
    if (argc != 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        fprintf(stderr, "Usage: %s <rdb-file-name>\n", argv[0]);
        return 1;
    }
    setupTypes();
    return check(argv[1]);
}
