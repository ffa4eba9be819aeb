/* aof_server.c — the append-only file in the running server (see
 * aof_server.h): settings, start-up load and file-set creation, the
 * propagation sink, write/fsync from before-sleep and cron, the MISCONF
 * gate, INFO and DEBUG LOADAOF.
 *
 * State: `aofOn` says whether the stream is being recorded; the manifest
 * in memory always equals the one on disk once an operation returns; the
 * writer holds the newest incremental file open for appending.  Files live
 * in appenddirname under the working directory (`dir`).
 *
 * Why the write happens in before-sleep: commands only append to a buffer
 * (one write per loop iteration however many commands ran), and the hook
 * runs before net flushes replies, so under appendfsync always no reply of
 * a write leaves before its bytes are fsynced.  It is registered last among
 * the before-sleep hooks (aofInit runs after the modules that serve blocked
 * clients), so writes made by those hooks are covered too.
 *
 * CONFIG SET appendonly yes at run time starts a background rewrite
 * (aof_rewrite.c) and the AOF waits for it (`waitRewrite`): the rewrite
 * opens a new incremental file that records the writes made after its
 * fork, but the manifest on disk changes only when the base is installed,
 * so a crash in between leaves the old set (or none) as it was. */
#include "node/server/aof_server.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "aof/aof_fsync.h"
#include "aof/aof_load.h"
#include "aof/aof_manifest.h"
#include "aof/aof_writer.h"
#include "node/base/log.h"
#include "node/base/mem.h"
#include "node/base/timeutil.h"
#include "node/net/netio.h"
#include "node/net/reply.h"
#include "node/server/childproc.h"
#include "node/server/command.h"
#include "node/server/config.h"
#include "node/server/dispatch.h"
#include "node/server/persist.h"
#include "node/server/propagate.h"
#include "node/server/server.h"
#include "node/store/db.h"
#include "rdb/rdb.h"

/* --- Settings --- */

static int appendonly;
static char *appendfilename;
static char *appenddirname;
static int appendfsync = AOF_FSYNC_EVERYSEC;
static int noFsyncOnRewrite;
static int loadTruncated = 1;
static int useRdbPreamble = 1;
static int timestampEnabled;

static const configEnumItem fsyncItems[] = {
    {"everysec", AOF_FSYNC_EVERYSEC}, {"always", AOF_FSYNC_ALWAYS}, {"no", AOF_FSYNC_NO}, {NULL, 0}};

static int checkName(const configDef *def, const void *value, const char **err) {
    const char *v = *(const char *const *)value;
    int dirName = !strcmp(def->name, "appenddirname");
    if (!v || !*v) {
        *err = dirName ? "appenddirname can't be empty" : "appendfilename can't be empty";
        return 0;
    }
    if (strchr(v, '/') || strchr(v, '\\')) {
        *err = dirName ? "appenddirname can't be a path, just a dirname" : "appendfilename can't be a path, just a filename";
        return 0;
    }
    return 1;
}

static int applyAppendonly(const configDef *def, const char **err);

static const configDef aofConfigs[] = {
    {.name = "appendonly", .flags = CONFIG_MODIFIABLE | CONFIG_DENY_LOADING, .type = CONFIG_BOOL,
     .storage = &appendonly, .defaultValue = "no", .apply = applyAppendonly},
    {.name = "appendfilename", .flags = CONFIG_IMMUTABLE, .type = CONFIG_STRING, .storage = &appendfilename,
     .defaultValue = "appendonly.aof", .check = checkName},
    {.name = "appenddirname", .flags = CONFIG_IMMUTABLE, .type = CONFIG_STRING, .storage = &appenddirname,
     .defaultValue = "appendonlydir", .check = checkName},
    CONFIG_ENUM_DEF("appendfsync", NULL, CONFIG_MODIFIABLE, appendfsync, fsyncItems, "everysec"),
    CONFIG_BOOL_DEF("no-appendfsync-on-rewrite", NULL, CONFIG_MODIFIABLE, noFsyncOnRewrite, "no"),
    CONFIG_BOOL_DEF("aof-load-truncated", NULL, CONFIG_MODIFIABLE, loadTruncated, "yes"),
    CONFIG_BOOL_DEF("aof-use-rdb-preamble", NULL, CONFIG_MODIFIABLE, useRdbPreamble, "yes"),
    CONFIG_BOOL_DEF("aof-timestamp-enabled", NULL, CONFIG_MODIFIABLE, timestampEnabled, "no"),
};
#define AOF_CONFIG_COUNT (sizeof(aofConfigs) / sizeof(aofConfigs[0]))

/* Values a config file gave the catalog's placeholders before we
 * registered: ints (bool, enum) and strings by type. */
typedef struct carried {
    int ints[AOF_CONFIG_COUNT];
    char *strs[AOF_CONFIG_COUNT];
    int valid[AOF_CONFIG_COUNT];
} carried;

static void carryFromPlaceholders(carried *cv) {
    for (size_t i = 0; i < AOF_CONFIG_COUNT; i++) {
        const configDef *ph = configLookup(aofConfigs[i].name);
        if (!ph || !(ph->flags & CONFIG_PLACEHOLDER) || !ph->storage) continue;
        if (ph->type == CONFIG_STRING) {
            const char *v = *(char *const *)ph->storage;
            cv->strs[i] = v ? memStrdup(v) : NULL;
            cv->valid[i] = v != NULL;
        } else if (ph->type == CONFIG_BOOL || ph->type == CONFIG_ENUM) {
            cv->ints[i] = *(const int *)ph->storage;
            cv->valid[i] = 1;
        }
    }
}

static void applyCarried(carried *cv) {
    for (size_t i = 0; i < AOF_CONFIG_COUNT; i++) {
        if (!cv->valid[i]) continue;
        if (aofConfigs[i].type == CONFIG_STRING) {
            char **slot = aofConfigs[i].storage;
            memFree(*slot);
            *slot = cv->strs[i];
        } else {
            *(int *)aofConfigs[i].storage = cv->ints[i];
        }
    }
}

/* Valkey's rule: while `appendonly yes` set at run time waits for its first
 * rewrite, there is no AOF on disk yet that holds the dataset, so a
 * shutdown (other than FORCE) is refused.  Registered with the config,
 * before persistence registers the final save, which would kill the
 * rewrite child first. */
static int refuseDuringInitialRewrite(int flags, dstr *err) {
    if (!aofWaitingRewrite() || (flags & SHUTDOWN_FORCE)) return 0;
    serverLog(LL_WARNING, "Writing initial AOF, can't exit.");
    *err = dstrNew("ERR Errors trying to SHUTDOWN. Check logs.");
    return -1;
}

void aofRegisterConfig(void) {
    static int done;
    if (done) return;
    done = 1;
    serverRegisterShutdownHandler(refuseDuringInitialRewrite);
    carried cv;
    memset(&cv, 0, sizeof(cv));
    carryFromPlaceholders(&cv);
    configRegister(aofConfigs, AOF_CONFIG_COUNT);
    applyCarried(&cv);
}

/* --- State --- */

static int aofOn;                 /* recording the stream to the open file */
static int waitRewrite;           /* appendonly yes set at run time, first rewrite pending */
static aofManifest *manifest;     /* NULL until loaded or created */
static aofWriter writer;
static propagateSink *sink;
static long long lastTimestamp;   /* aof-timestamp-enabled: last #TS written */
/* INFO sizes, as Valkey counts them: aof_current_size is the set's size
 * when it was loaded (0 for a set created at this start) plus what was
 * appended since; aof_base_size the base file's size when loaded or
 * created at run time. */
static long long baseSize;
static long long sizeOffset;      /* aof_current_size = sizeOffset + writer.fileSize */

int aofEnabled(void) { return appendonly; }
const char *aofDirName(void) { return appenddirname; }
int aofRecording(void) { return aofOn; }
int aofWaitingRewrite(void) { return waitRewrite; }
int aofUsesRdbPreamble(void) { return useRdbPreamble; }
long long aofCurrentSize(void) { return aofOn ? sizeOffset + writer.fileSize : 0; }
long long aofBaseSize(void) { return baseSize; }

static void sinkWrite(void *ctx, const char *bytes, size_t len) {
    (void)ctx;
    if (timestampEnabled) {
        long long now = (long long)time(NULL);
        if (now != lastTimestamp) {
            char ts[32];
            int n = snprintf(ts, sizeof(ts), "#TS:%lld\r\n", now);
            aofWriterAppend(&writer, ts, (size_t)n);
            lastTimestamp = now;
        }
    }
    aofWriterAppend(&writer, bytes, len);
}

static void startRecording(void);

/* --- Files --- */

static int ensureDir(dstr *err) {
    if (mkdir(appenddirname, 0755) == 0 || errno == EEXIST) {
        struct stat st;
        if (stat(appenddirname, &st) == 0 && S_ISDIR(st.st_mode)) return 0;
        errno = ENOTDIR;
    }
    *err = dstrCatPrintf(dstrEmpty(), "Can't open or create append-only dir %s: %s", appenddirname, strerror(errno));
    return -1;
}

/* Writes the dataset as a new base file of m (RDB preamble).  The name is
 * recorded in m; the manifest is not written. */
static int writeBase(aofManifest *m, dstr *err) {
    const aofFileInfo *base = aofManifestSetBase(m, appendfilename, 1);
    dstr path = aofPath(appenddirname, base->name);
    rdbSaveOptions opt = {.producerVersion = TESSERA_VERSION, .compress = 1, .checksum = 1, .aofBase = 1};
    int rc = rdbSaveFile(path, &opt, err);
    if (rc == 0 && aofFsyncDir(appenddirname) != 0) {
        *err = dstrCatPrintf(dstrEmpty(), "Can't fsync the AOF directory: %s", strerror(errno));
        rc = -1;
    }
    dstrFree(path);
    return rc;
}

/* Opens (creating if asked) an incremental file for appending. */
static int openIncr(const char *name, int create, long long *size, dstr *err) {
    dstr path = aofPath(appenddirname, name);
    int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC | (create ? O_CREAT : 0), 0644);
    if (fd == -1) {
        *err = dstrCatPrintf(dstrEmpty(), "Can't open the append-only file %s: %s", name, strerror(errno));
        dstrFree(path);
        return -1;
    }
    struct stat st;
    *size = fstat(fd, &st) == 0 ? (long long)st.st_size : 0;
    dstrFree(path);
    return fd;
}

static void deleteHistory(aofManifest *m) {
    for (int i = 0; i < m->historyCount; i++) {
        dstr path = aofPath(appenddirname, m->history[i].name);
        if (unlink(path) == 0) serverLog(LL_NOTICE, "Removing the history file %s", m->history[i].name);
        dstrFree(path);
    }
    aofManifestClearHistory(m);
}

/* Points the writer (and the stream) at fd. */
static void attachFile(int fd, long long size) {
    int old = aofWriterDetach(&writer, NULL);
    if (old != -1) aofFsyncSubmitClose(old);
    aofWriterAttach(&writer, fd, size);
    if (sink) propagateSinkReselect(sink);
}

static int writeManifest(const aofManifest *m, dstr *err) {
    dstr name = dstrCatPrintf(dstrEmpty(), "%s.manifest", appendfilename);
    int rc = aofManifestWrite(m, appenddirname, name, err);
    dstrFree(name);
    return rc;
}

/* Makes m the manifest in use (on disk first, then in memory). */
static int switchManifest(aofManifest *m, dstr *err) {
    if (writeManifest(m, err) != 0) return -1;
    aofManifestFree(manifest);
    manifest = m;
    return 0;
}

static int loadManifestFromDisk(aofManifest **out, dstr *err);

/* The manifest in memory, loaded from disk or created empty (a rewrite
 * started while the AOF is off or waiting). */
static void ensureManifest(void) {
    if (manifest) return;
    aofManifest *loaded = NULL;
    if (loadManifestFromDisk(&loaded, NULL) == 0) manifest = loaded;
    else manifest = aofManifestCreate();
}

int aofOpenNewIncr(dstr *err) {
    /* With the AOF off a rewrite only writes a new base (into the
     * directory, which must exist before the fork). */
    if (!aofOn && !waitRewrite) return ensureDir(err);
    ensureManifest();
    if (ensureDir(err) != 0) return -1;
    aofManifest *m = aofManifestDup(manifest);
    const aofFileInfo *fi = aofManifestAddIncr(m, appendfilename);
    long long size;
    int fd = openIncr(fi->name, 1, &size, err);
    if (fd == -1) {
        aofManifestFree(m);
        return -1;
    }
    /* Everything buffered so far belongs to the old file. */
    if (aofOn) aofWriterFlush(&writer, appendfsync, 1, timeMs());
    /* Waiting for the first rewrite: the disk keeps the old manifest until
     * the base is installed. */
    if (waitRewrite) {
        aofManifestFree(manifest);
        manifest = m;
    } else if (switchManifest(m, err) != 0) {
        dstr path = aofPath(appenddirname, fi->name);
        close(fd);
        unlink(path);
        dstrFree(path);
        aofManifestFree(m);
        return -1;
    }
    serverLog(LL_NOTICE, "Creating AOF incr file %s on background rewrite", fi->name);
    sizeOffset += writer.fileSize - size; /* aof_current_size goes on counting */
    attachFile(fd, size);
    if (!aofOn) startRecording();
    return 0;
}

int aofInstallBase(const char *tmpPath, int rdbPreamble, dstr *err) {
    ensureManifest();
    if (ensureDir(err) != 0) return -1;
    aofManifest *m = aofManifestDup(manifest);
    const aofFileInfo *base = aofManifestSetBase(m, appendfilename, rdbPreamble);
    /* The newest incremental file holds the writes since the fork; with
     * the AOF off there is none (every old one is older than the base). */
    aofManifestRetireIncr(m, aofOn ? 1 : 0);
    dstr path = aofPath(appenddirname, base->name);
    int rc = rename(tmpPath, path);
    if (rc != 0) *err = dstrCatPrintf(dstrEmpty(), "Error trying to rename the temporary AOF base file %s into %s: %s",
                                      tmpPath, base->name, strerror(errno));
    dstrFree(path);
    if (rc == 0 && switchManifest(m, err) == 0) {
        deleteHistory(manifest);
        writeManifest(manifest, err);
        baseSize = aofManifestBaseSize(manifest, appenddirname);
        sizeOffset = baseSize;
        if (waitRewrite) serverLog(LL_NOTICE, "Background AOF rewrite finished: the append only file is on");
        waitRewrite = 0;
        return 0;
    }
    aofManifestFree(m);
    return -1;
}

/* --- Turning recording on and off --- */

static void startRecording(void) {
    /* The fsync thread exists only once an AOF is written. */
    if (aofFsyncStart() != 0) serverLog(LL_WARNING, "Can't start the AOF fsync thread: %s", strerror(errno));
    if (!sink) sink = propagateAddSink(sinkWrite, NULL);
    propagateSinkReselect(sink);
    lastTimestamp = 0;
    aofOn = 1;
}

static void stopRecording(void) {
    dstr err = NULL;
    int fd = aofWriterDetach(&writer, &err);
    if (err) serverLog(LL_WARNING, "%s", err);
    dstrFree(err);
    if (fd != -1) close(fd);
    if (sink) propagateRemoveSink(sink);
    sink = NULL;
    aofOn = 0;
}

/* Opens the newest incremental file of the manifest, creating base, incr
 * and manifest as needed (first start, upgrade, run-time enable). */
static int openFileSet(int createBase, dstr *err) {
    if (ensureDir(err) != 0) return -1;
    aofManifest *m = manifest ? aofManifestDup(manifest) : aofManifestCreate();
    int changed = 0;
    if (createBase) {
        if (writeBase(m, err) != 0) goto fail;
        serverLog(LL_NOTICE, "Creating AOF base file %s on server start", m->base->name);
        aofManifestRetireIncr(m, 0);
        changed = 1;
    }
    const aofFileInfo *incr = aofManifestLastIncr(m);
    int create = 0;
    if (!incr) {
        incr = aofManifestAddIncr(m, appendfilename);
        serverLog(LL_NOTICE, "Creating AOF incr file %s on server start", incr->name);
        create = changed = 1;
    }
    long long size;
    int fd = openIncr(incr->name, create, &size, err);
    if (fd == -1) goto fail;
    if (changed && switchManifest(m, err) != 0) {
        close(fd);
        goto fail;
    }
    if (!changed) aofManifestFree(m);
    /* History left by an interrupted switch: delete, then record it. */
    if (manifest->historyCount) {
        deleteHistory(manifest);
        dstr ignored = NULL;
        if (writeManifest(manifest, &ignored) != 0) serverLog(LL_WARNING, "%s", ignored);
        dstrFree(ignored);
    }
    attachFile(fd, size);
    return 0;
fail:
    aofManifestFree(m);
    return -1;
}

/* CONFIG SET appendonly yes|no: yes starts (or schedules) a rewrite and
 * the AOF is on once it finished; no ends a running rewrite. */
static int applyAppendonly(const configDef *def, const char **err) {
    (void)def;
    if (appendonly && !aofOn && !waitRewrite) {
        waitRewrite = 1;
        if (aofRewriteEnable() != 0) {
            waitRewrite = 0;
            /* The incremental file may have opened before the fork failed. */
            if (aofOn) stopRecording();
            *err = "Can't turn on the append-only file (see the log)";
            return 0;
        }
    } else if (!appendonly && (aofOn || waitRewrite)) {
        aofRewriteKill();
        waitRewrite = 0;
        if (aofOn) {
            serverLog(LL_NOTICE, "Killing the AOF writing and closing the file (appendonly no)");
            stopRecording();
        }
    }
    return 1;
}

/* --- Loading --- */

typedef struct replayCtx {
    client *fake;
} replayCtx;

static int replayCommand(void *ctx, aofCommand *cmd, dstr *err) {
    replayCtx *rc = ctx;
    client *c = rc->fake;
    serverCommand *sc = commandLookup(cmd->argv, cmd->argc);
    if (!sc || (sc->subcommands && !sc->proc) || !sc->proc) {
        *err = dstrCatPrintf(dstrEmpty(), "Unknown command '%.64s' reading the append only file", cmd->argv[0]);
        return -1;
    }
    if (!commandCheckArity(sc, cmd->argc)) {
        *err = dstrCatPrintf(dstrEmpty(), "Wrong number of arguments for '%.64s' reading the append only file",
                             cmd->argv[0]);
        return -1;
    }
    clientReplaceArgv(c, cmd->argc, cmd->argv);
    cmd->argv = NULL;
    cmd->argc = cmd->cap = 0;
    dispatchCall(c, sc);
    /* Replies of a replay go nowhere. */
    if (c->replyHead || c->bufpos > 16 * 1024) replyFreeAll(c);
    else c->bufpos = c->sentlen = 0;
    return 0;
}

static void replayProgress(void *ctx, long long bytes) {
    (void)ctx;
    persistLoadingProgress(bytes);
}

/* Loads the set in the manifest (or an old single file); *loadedAny. */
static int loadSet(aofManifest *m, const char *legacyFile, dstr *err) {
    client *fake = clientCreateFake();
    replayCtx ctx = {.fake = fake};
    aofLoadHooks hooks = {.exec = replayCommand, .progress = replayProgress, .ctx = &ctx};
    aofLoadOptions opt = {.truncatedOk = loadTruncated, .verifyChecksum = 1};
    aofLoadStats stats;
    long long total = m ? aofLoadTotalBytes(appenddirname, m) : 0;
    struct stat st;
    if (legacyFile && stat(legacyFile, &st) == 0) total = st.st_size;
    int expireDeletes = dbExpireDeletes();
    /* Replay as a replica applies a stream: keys are not expired under the
     * commands (they ran when the keys were alive). */
    dbSetExpireDeletes(0);
    propagateSuspend();
    persistLoadingBegin(total);
    long long start = timeUs();
    int rc = legacyFile ? aofLoadOneFile(legacyFile, legacyFile, 1, &opt, &hooks, &stats, 0, err)
                        : aofLoadFiles(appenddirname, m, &opt, &hooks, &stats, err);
    persistLoadingEnd();
    propagateResume();
    dbSetExpireDeletes(expireDeletes);
    clientFree(fake);
    if (rc == AOF_LOAD_OK)
        serverLog(LL_NOTICE, "DB loaded from append only file: %.3f seconds", (double)(timeUs() - start) / 1e6);
    return rc;
}

static int loadManifestFromDisk(aofManifest **out, dstr *err) {
    dstr mname = dstrCatPrintf(dstrEmpty(), "%s.manifest", appendfilename);
    int rc = aofManifestLoad(out, appenddirname, mname, err);
    dstrFree(mname);
    return rc;
}

/* Old-style single AOF in the working directory, no manifest: Valkey 7's
 * upgrade moves it into the directory as the base of a new set. */
static int upgradeLegacy(dstr *err) {
    if (ensureDir(err) != 0) return -1;
    dstr target = aofPath(appenddirname, appendfilename);
    if (rename(appendfilename, target) != 0) {
        *err = dstrCatPrintf(dstrEmpty(), "Error moving the old AOF %s into %s: %s", appendfilename, appenddirname,
                             strerror(errno));
        dstrFree(target);
        return -1;
    }
    dstrFree(target);
    aofManifest *m = aofManifestCreate();
    m->base = memCalloc(sizeof(*m->base));
    *m->base = (aofFileInfo){.name = dstrNew(appendfilename), .seq = 1, .type = AOF_FILE_BASE};
    m->currBaseSeq = 1;
    if (switchManifest(m, err) != 0) {
        aofManifestFree(m);
        return -1;
    }
    serverLog(LL_NOTICE, "Successfully migrated an old-style AOF into the AOF directory %s", appenddirname);
    return 0;
}

int aofLoadAtStartup(void) {
    dstr err = NULL;
    aofManifest *m = NULL;
    int rc = loadManifestFromDisk(&m, &err);
    int legacy = 0;
    if (rc == -1) goto fatal;
    if (rc == 1) {
        struct stat st;
        legacy = stat(appendfilename, &st) == 0 && S_ISREG(st.st_mode);
    }
    if (rc == 0 || legacy) {
        int lr = loadSet(m, legacy ? appendfilename : NULL, &err);
        if (lr == AOF_LOAD_FAILED) goto fatal;
        if (legacy && upgradeLegacy(&err) != 0) goto fatal;
    }
    if (m) {
        aofManifestFree(manifest);
        manifest = m;
        m = NULL;
    }
    long long loadedSize = manifest ? aofManifestTotalSize(manifest, appenddirname) : 0;
    baseSize = manifest ? aofManifestBaseSize(manifest, appenddirname) : 0;
    int fresh = !manifest || !manifest->base;
    if (openFileSet(fresh, &err) != 0) goto fatal;
    if (fresh) baseSize = loadedSize = 0;
    sizeOffset = (loadedSize < 0 ? 0 : loadedSize) - writer.fileSize;
    startRecording();
    return 0;
fatal:
    serverLog(LL_WARNING, "%s", err ? err : "Fatal error loading the AOF");
    serverLog(LL_WARNING, "Fatal error loading the DB from the append only file, check server logs. Exiting.");
    dstrFree(err);
    aofManifestFree(m);
    dbEmpty(-1, NULL);
    return -1;
}

void aofDebugLoadAof(client *c) {
    if (aofOn) aofWriterFlush(&writer, appendfsync, 1, timeMs());
    long long dirtyBefore = dbDirty();
    dbEmpty(-1, NULL);
    aofManifest *m = NULL;
    dstr err = NULL;
    int rc = loadManifestFromDisk(&m, &err);
    if (rc == 0) {
        rc = loadSet(m, NULL, &err) == AOF_LOAD_FAILED ? -1 : 0;
        aofManifestFree(manifest);
        manifest = m;
    }
    if (rc == -1) {
        serverLog(LL_WARNING, "%s", err ? err : "Error loading the AOF");
        serverLog(LL_WARNING, "Fatal error loading the AOF by DEBUG LOADAOF. Exiting.");
        exit(1);
    }
    dstrFree(err);
    /* The replayed commands are not changes to propagate: DEBUG LOADAOF
     * itself must not land in the AOF (Valkey zeroes dirty here). */
    dbMarkDirty(dirtyBefore - dbDirty());
    serverLog(LL_NOTICE, "Append Only File loaded by DEBUG LOADAOF");
    replyOk(c);
}

/* --- Writing --- */

static void handleAlwaysFailure(void) {
    serverLog(LL_WARNING, "Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...");
    exit(1);
}

static int effectivePolicy(void) {
    /* no-appendfsync-on-rewrite: no fsync while a child writes. */
    if (noFsyncOnRewrite && childActive()) return AOF_FSYNC_NO;
    return appendfsync;
}

static void beforeSleep(void) {
    if (!aofOn) return;
    if (aofWriterFlush(&writer, effectivePolicy(), 0, timeMs()) != 0 && appendfsync == AOF_FSYNC_ALWAYS)
        handleAlwaysFailure();
}

static void cron(void) {
    if (!aofOn) return;
    aofWriterMaybeFsync(&writer, effectivePolicy(), timeMs());
}

static int flushOnShutdown(int flags, dstr *err) {
    (void)flags;
    (void)err;
    if (!aofOn) return 0;
    serverLog(LL_NOTICE, "Calling fsync() on the AOF file.");
    aofWriterFlush(&writer, AOF_FSYNC_NO, 1, timeMs());
    aofFsyncWaitIdle(5000);
    if (writer.fd != -1) fdatasync(writer.fd);
    return 0;
}

/* --- MISCONF gate --- */

static serverCommand *pingCmd;

static int misconfGate(client *c, serverCommand *cmd) {
    if (!aofOn || (c->flags & (CLIENT_FAKE | CLIENT_PRIMARY))) return 0;
    int e = aofWriterErrno(&writer);
    if (!e) return 0;
    if (!pingCmd) pingCmd = commandLookupTop("ping", 4);
    if (!(cmd->flags & CMD_WRITE) && cmd != pingCmd) return 0;
    replyErrorFormat(c, "MISCONF Errors writing to the AOF file: %s", strerror(e));
    cmd->rejectedCalls++;
    return 1;
}

/* --- INFO --- */

static dstr addField(dstr s, const char *name, long long v) { return dstrCatPrintf(s, "%s:%lld\r\n", name, v); }

static dstr infoFields(dstr s) {
    s = addField(s, "aof_enabled", appendonly ? 1 : 0);
    s = aofRewriteInfoFields(s);
    s = dstrCatPrintf(s, "aof_last_write_status:%s\r\n", aofOn && aofWriterErrno(&writer) ? "err" : "ok");
    return addField(s, "aof_last_cow_size", (long long)childLastCowSize(CHILD_AOF));
}

static dstr infoEnabledFields(dstr s) {
    if (!aofOn) return s;
    s = addField(s, "aof_current_size", sizeOffset + writer.fileSize);
    s = addField(s, "aof_base_size", baseSize);
    s = addField(s, "aof_pending_rewrite", aofRewritePending());
    s = addField(s, "aof_buffer_length", (long long)dstrLen(writer.buf));
    s = addField(s, "aof_pending_bio_fsync", aofFsyncPending());
    return addField(s, "aof_delayed_fsync", writer.delayedFsyncs);
}

/* --- Init --- */

void aofInit(void) {
    aofRegisterConfig();
    propagateInit();
    aofWriterInit(&writer);
    dispatchAddGate(misconfGate);
    serverRegisterBeforeSleep(beforeSleep);
    serverRegisterCron(cron);
    serverRegisterShutdownHandler(flushOnShutdown);
    persistSetAofInfo(infoFields, infoEnabledFields);
    aofRewriteInit();
}
