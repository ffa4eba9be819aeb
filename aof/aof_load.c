/* aof_load.c — replaying the AOF file set (see aof_load.h).
 *
 * Each file is read by one aofStream.  A file that starts with "REDIS"
 * holds an RDB preamble: rdb/ loads it (expired keys included — the
 * commands after it may still refer to them, and expiry will propagate
 * their DELs), and the stream goes on at the byte after the RDB trailer.
 *
 * Transactions: MULTI starts collecting commands (owned copies) and EXEC
 * hands them to the caller in order; the offsets "after the last complete
 * command" and "before the open MULTI" are what a truncation cuts back to.
 *
 * Only the last file of the set may be cut: a torn command in the middle
 * of the history means the files do not belong together. */
#include "aof/aof_load.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "node/base/log.h"
#include "node/base/mem.h"
#include "rdb/rdb.h"

#define PROGRESS_EVERY (1024 * 1024)

typedef struct loadState {
    const aofLoadOptions *opt;
    const aofLoadHooks *hooks;
    aofLoadStats *stats;
    long long baseOffset;     /* bytes of earlier files, for progress */
    long long lastProgress;
    aofCommand *queue;        /* MULTI ... collected */
    int queued, queueCap;
    int inMulti;
} loadState;

long long aofLoadTotalBytes(const char *dir, const aofManifest *am) {
    long long n = aofManifestTotalSize(am, dir);
    return n < 0 ? 0 : n;
}

static void progress(loadState *ls, long long fileOffset) {
    long long pos = ls->baseOffset + fileOffset;
    if (pos - ls->lastProgress < PROGRESS_EVERY) return;
    ls->lastProgress = pos;
    if (ls->hooks->progress) ls->hooks->progress(ls->hooks->ctx, pos);
}

static void clearQueue(loadState *ls) {
    for (int i = 0; i < ls->queued; i++) aofCommandFree(&ls->queue[i]);
    ls->queued = 0;
    ls->inMulti = 0;
}

static int runOne(loadState *ls, aofCommand *cmd, dstr *err) {
    ls->stats->commands++;
    return ls->hooks->exec(ls->hooks->ctx, cmd, err);
}

/* A complete command: run it, or collect it inside MULTI. */
static int handleCommand(loadState *ls, aofCommand *cmd, dstr *err) {
    if (aofCommandIs(cmd, "multi")) {
        if (ls->inMulti) return *err = dstrNew("MULTI calls can not be nested"), -1;
        ls->inMulti = 1;
        return 0;
    }
    if (aofCommandIs(cmd, "exec")) {
        if (!ls->inMulti) return *err = dstrNew("EXEC without MULTI"), -1;
        int rc = 0;
        for (int i = 0; i < ls->queued && rc == 0; i++) rc = runOne(ls, &ls->queue[i], err);
        clearQueue(ls);
        return rc;
    }
    if (!ls->inMulti) return runOne(ls, cmd, err);
    if (ls->queued == ls->queueCap) {
        ls->queueCap = ls->queueCap ? ls->queueCap * 2 : 16;
        ls->queue = memRealloc(ls->queue, sizeof(*ls->queue) * (size_t)ls->queueCap);
    }
    /* Move the command into the queue; the stream gets a fresh one. */
    ls->queue[ls->queued++] = *cmd;
    memset(cmd, 0, sizeof(*cmd));
    return 0;
}

/* Cuts path back to `at` (aof-load-truncated).  0 or -1. */
static int truncateTail(const char *path, const char *name, long long at, int fd, dstr *err) {
    serverLog(LL_WARNING, "!!! Warning: short read while loading the AOF file %s!!!", name);
    serverLog(LL_WARNING, "!!! Truncating the AOF %s at offset %lld !!!", name, at);
    if (ftruncate(fd, at) == -1) {
        *err = dstrCatPrintf(dstrEmpty(), "Error truncating the AOF file %s: %s", name, strerror(errno));
        return -1;
    }
    (void)path;
    fsync(fd);
    serverLog(LL_WARNING, "AOF %s loaded anyway because aof-load-truncated is enabled", name);
    return 0;
}

static void preambleKey(void *ctx, uint64_t offset, int dbid, int rdbType, const kvobj *kv, int skipped) {
    (void)dbid;
    (void)rdbType;
    (void)kv;
    (void)skipped;
    progress(ctx, (long long)offset);
}

/* Loads the RDB preamble at the start of fd; *after is where it ends. */
static int loadPreamble(loadState *ls, int fd, const char *name, long long size, long long *after, dstr *err) {
    rdbReader r;
    rdbReaderInitFd(&r, name, fd, (uint64_t)size);
    rdbLoadObserver observer = {.ctx = ls, .key = preambleKey};
    rdbLoadOptions ro = {.verifyChecksum = ls->opt->verifyChecksum, .skipExpired = 0, .allowTrailing = 1,
                         .observer = &observer};
    rdbLoadInfo info;
    memset(&info, 0, sizeof(info));
    int rc = rdbLoadDataset(&r, &ro, &info);
    if (rc != 0) {
        *err = dstrCatPrintf(dstrEmpty(), "Bad RDB preamble in the AOF file %s: %s", name,
                             r.err ? r.err : "unknown error");
    } else {
        *after = (long long)r.offset;
        ls->stats->keysFromPreamble += info.keysLoaded;
        serverLog(LL_NOTICE, "Reading RDB base file on AOF loading...");
    }
    rdbLoadInfoFree(&info);
    rdbReaderFree(&r);
    if (rc == 0 && lseek(fd, *after, SEEK_SET) == -1) {
        *err = dstrCatPrintf(dstrEmpty(), "Can't seek in the AOF file %s: %s", name, strerror(errno));
        return -1;
    }
    return rc;
}

static int hasPreamble(int fd, long long size) {
    char magic[5];
    if (size < 5 || pread(fd, magic, 5, 0) != 5) return 0;
    return memcmp(magic, "REDIS", 5) == 0;
}

/* The command stream of one open file from `start`. */
static int replayStream(loadState *ls, int fd, const char *path, const char *name, long long start, int last,
                        dstr *err) {
    aofStream s;
    aofStreamInit(&s, fd, name, start);
    aofCommand cmd = {0};
    long long at = start, validUpTo = start, beforeMulti = start;
    const char *why = NULL;
    int rc;
    while ((rc = aofStreamNext(&s, &cmd, &at, &why)) == AOF_STREAM_CMD) {
        if (aofCommandIs(&cmd, "multi")) beforeMulti = at;
        if (handleCommand(ls, &cmd, err) != 0) {
            dstr inner = *err;
            *err = dstrCatPrintf(dstrEmpty(), "Error replaying the AOF file %s at offset %lld: %s", name, at,
                                 inner);
            dstrFree(inner);
            rc = AOF_STREAM_INVALID;
            why = NULL;
            break;
        }
        validUpTo = s.offset;
        progress(ls, s.offset);
    }
    int result = 0;
    if (rc == AOF_STREAM_END && ls->inMulti) {
        serverLog(LL_WARNING, "Revert incomplete MULTI/EXEC transaction in AOF file %s", name);
        validUpTo = beforeMulti;
        rc = AOF_STREAM_TRUNCATED;
    } else if (rc == AOF_STREAM_TRUNCATED && ls->inMulti) {
        validUpTo = beforeMulti;
    }
    if (rc == AOF_STREAM_TRUNCATED) {
        clearQueue(ls);
        if (ls->opt->truncatedOk && last) {
            if (truncateTail(path, name, validUpTo, fd, err) != 0) result = -1;
            else ls->stats->truncatedAt = validUpTo;
        } else {
            *err = dstrCatPrintf(dstrEmpty(),
                                 "Unexpected end of file reading the append only file %s (a command is cut at "
                                 "offset %lld%s). You can: 1) Make a backup of your AOF file, then use "
                                 "tessera-check-aof --fix <filename.manifest>. 2) Alternatively you can set the "
                                 "'aof-load-truncated' configuration option to yes and restart the server.",
                                 name, validUpTo, last ? "" : "; it is not the last file of the set");
            result = -1;
        }
    } else if (rc == AOF_STREAM_INVALID && why) {
        *err = dstrCatPrintf(dstrEmpty(), "Bad file format reading the append only file %s at offset %lld (%s): "
                             "make a backup of your AOF file, then use tessera-check-aof --fix "
                             "<filename.manifest>", name, at, why);
        result = -1;
    } else if (rc == AOF_STREAM_INVALID) {
        result = -1; /* *err set by the command */
    } else if (rc == AOF_STREAM_IOERR) {
        *err = dstrCatPrintf(dstrEmpty(), "Error reading the AOF file %s at offset %lld: %s", name, at, why);
        result = -1;
    }
    if (result == 0) ls->stats->bytes += validUpTo - start;
    aofCommandFree(&cmd);
    aofStreamFree(&s);
    return result;
}

static int loadFile(loadState *ls, const char *path, const char *name, int last, dstr *err) {
    int fd = open(path, O_RDWR);
    if (fd == -1 && errno == EACCES) fd = open(path, O_RDONLY);
    if (fd == -1) {
        if (errno == ENOENT) *err = dstrCatPrintf(dstrEmpty(), "The AOF file %s doesn't exist", name);
        else *err = dstrCatPrintf(dstrEmpty(), "Fatal error: can't open the append log file %s for reading: %s",
                                  name, strerror(errno));
        return AOF_LOAD_FAILED;
    }
    struct stat st;
    if (fstat(fd, &st) == -1) {
        *err = dstrCatPrintf(dstrEmpty(), "Unable to stat the AOF file %s: %s", name, strerror(errno));
        close(fd);
        return AOF_LOAD_FAILED;
    }
    if (st.st_size == 0) {
        close(fd);
        return AOF_LOAD_EMPTY;
    }
    long long start = 0;
    int rc = 0;
    if (hasPreamble(fd, st.st_size)) rc = loadPreamble(ls, fd, name, st.st_size, &start, err);
    if (rc == 0) rc = replayStream(ls, fd, path, name, start, last, err);
    close(fd);
    ls->baseOffset += st.st_size;
    return rc == 0 ? AOF_LOAD_OK : AOF_LOAD_FAILED;
}

static void initState(loadState *ls, const aofLoadOptions *opt, const aofLoadHooks *hooks, aofLoadStats *stats,
                      long long baseOffset) {
    memset(ls, 0, sizeof(*ls));
    ls->opt = opt;
    ls->hooks = hooks;
    ls->stats = stats;
    ls->baseOffset = baseOffset;
    memset(stats, 0, sizeof(*stats));
    stats->truncatedAt = -1;
}

static void freeState(loadState *ls) {
    clearQueue(ls);
    memFree(ls->queue);
}

int aofLoadOneFile(const char *path, const char *displayName, int last, const aofLoadOptions *opt,
                   const aofLoadHooks *hooks, aofLoadStats *stats, long long baseOffset, dstr *err) {
    loadState ls;
    initState(&ls, opt, hooks, stats, baseOffset);
    int rc = loadFile(&ls, path, displayName, last, err);
    freeState(&ls);
    return rc;
}

int aofLoadFiles(const char *dir, const aofManifest *am, const aofLoadOptions *opt, const aofLoadHooks *hooks,
                 aofLoadStats *stats, dstr *err) {
    loadState ls;
    initState(&ls, opt, hooks, stats, 0);
    int total = (am->base ? 1 : 0) + am->incrCount;
    if (total == 0) {
        freeState(&ls);
        return AOF_LOAD_NOT_EXIST;
    }
    int loaded = 0, rc = AOF_LOAD_OK;
    for (int i = 0; i < total && rc != AOF_LOAD_FAILED; i++) {
        const aofFileInfo *fi = am->base ? (i == 0 ? am->base : &am->incr[i - 1]) : &am->incr[i];
        dstr path = aofPath(dir, fi->name);
        int r = loadFile(&ls, path, fi->name, i == total - 1, err);
        dstrFree(path);
        if (r == AOF_LOAD_FAILED) rc = AOF_LOAD_FAILED;
        else if (r == AOF_LOAD_OK) loaded++;
    }
    freeState(&ls);
    if (rc == AOF_LOAD_FAILED) return rc;
    return loaded ? AOF_LOAD_OK : AOF_LOAD_EMPTY;
}
