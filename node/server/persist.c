/* persist.c — persistence as the server sees it: the settings, the SAVE
 * command, the load at start-up, DEBUG RELOAD and the save at shutdown.
 * The file format itself is rdb/'s; this file decides when and where.
 *
 * Files live in the working directory: the `dir` directive chdirs there
 * (config_special), so dbfilename is always a bare name relative to it.
 *
 * The counters INFO shows: changes since the last save are dbDirty() minus
 * its value at the last successful save (or at the end of the load), and
 * the last save time is the server's lastSaveTime (LASTSAVE reads it).
 *
 * BGSAVE, the save points and MISCONF are persist_bgsave.c's; the loading
 * state and INFO persistence are persist_loading.c's; all three share
 * persistState (persist_internal.h). */
#include "node/server/persist.h"

#include <sys/stat.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "node/base/log.h"
#include "node/base/mem.h"
#include "node/base/timeutil.h"
#include "node/net/reply.h"
#include "node/server/command.h"
#include "node/server/config.h"
#include "node/server/config_special.h"
#include "node/server/childproc.h"
#include "node/server/info.h"
#include "node/server/persist_internal.h"
#include "node/server/server.h"
#include "node/store/db.h"
#include "rdb/rdb.h"

/* --- Settings --- */

persistState persist = {.lastBgsaveOk = 1, .lastBgsaveTimeSec = -1};

static int checkDbfilename(const configDef *def, const void *value, const char **err) {
    (void)def;
    const char *v = *(const char *const *)value;
    if (!v || !*v) {
        *err = "dbfilename can't be empty";
        return 0;
    }
    if (strchr(v, '/') || strchr(v, '\\')) {
        *err = "dbfilename can't be a path, just a filename";
        return 0;
    }
    return 1;
}

static const configDef persistConfigs[] = {
    CONFIG_SAVE_DEF(persist.saveParams),
    {.name = "dbfilename", .flags = CONFIG_PROTECTED, .type = CONFIG_STRING, .storage = &persist.dbfilename,
     .defaultValue = "dump.rdb", .check = checkDbfilename},
    CONFIG_BOOL_DEF("rdbcompression", NULL, CONFIG_MODIFIABLE, persist.rdbCompression, "yes"),
    CONFIG_BOOL_DEF("rdbchecksum", NULL, CONFIG_IMMUTABLE, persist.rdbChecksum, "yes"),
    CONFIG_BOOL_DEF("stop-writes-on-bgsave-error", NULL, CONFIG_MODIFIABLE, persist.stopWritesOnBgsaveError,
                    "yes"),
    /* Test knobs, as Valkey's: a delay per key saved / loaded (µs; < 0:
     * that many ns, busy-waiting), and how often a load serves clients. */
    CONFIG_INT_DEF("rdb-key-save-delay", NULL, CONFIG_MODIFIABLE | CONFIG_HIDDEN, persist.rdbKeySaveDelay,
                   INT_MIN, INT_MAX, "0"),
    CONFIG_INT_DEF("key-load-delay", NULL, CONFIG_MODIFIABLE | CONFIG_HIDDEN, persist.keyLoadDelay, INT_MIN,
                   INT_MAX, "0"),
    CONFIG_LONGLONG_DEF("loading-process-events-interval-bytes", NULL, CONFIG_MODIFIABLE | CONFIG_HIDDEN,
                        persist.loadingEventsIntervalBytes, 1024, INT_MAX, "2097152"),
};

/* Plain numeric settings a placeholder may have received already. */
typedef struct carriedNumber {
    const char *name;
    void *storage;
    int isLongLong;
    long long value;
    int valid;
} carriedNumber;

static carriedNumber carriedNumbers[] = {
    {"stop-writes-on-bgsave-error", &persist.stopWritesOnBgsaveError, 0, 0, 0},
    {"rdb-key-save-delay", &persist.rdbKeySaveDelay, 0, 0, 0},
    {"key-load-delay", &persist.keyLoadDelay, 0, 0, 0},
    {"loading-process-events-interval-bytes", &persist.loadingEventsIntervalBytes, 1, 0, 0},
};

static void carryNumbers(void) {
    for (size_t i = 0; i < sizeof(carriedNumbers) / sizeof(carriedNumbers[0]); i++) {
        carriedNumber *n = &carriedNumbers[i];
        const configDef *def = configLookup(n->name);
        if (!def || !(def->flags & CONFIG_PLACEHOLDER) || !def->storage) continue;
        n->value = n->isLongLong ? *(const long long *)def->storage : *(const int *)def->storage;
        n->valid = 1;
    }
}

static void applyNumbers(void) {
    for (size_t i = 0; i < sizeof(carriedNumbers) / sizeof(carriedNumbers[0]); i++) {
        const carriedNumber *n = &carriedNumbers[i];
        if (!n->valid) continue;
        if (n->isLongLong) *(long long *)n->storage = n->value;
        else *(int *)n->storage = (int)n->value;
    }
}

/* What a placeholder held (from a file read before we registered). */
typedef struct carriedValues {
    configSaveParams save;
    char *dbfilename;
    int compression, checksum;
    int valid;
} carriedValues;

static void carryFromPlaceholders(carriedValues *cv) {
    const configDef *save = configLookup("save");
    const configDef *file = configLookup("dbfilename");
    const configDef *comp = configLookup("rdbcompression");
    const configDef *sum = configLookup("rdbchecksum");
    if (!save || !file || !comp || !sum || !(save->flags & CONFIG_PLACEHOLDER)) return;
    const configSaveParams *sp = save->storage;
    cv->save.count = sp->count;
    cv->save.points = sp->count ? memDup(sp->points, sizeof(*sp->points) * (size_t)sp->count) : NULL;
    const char *name = *(char *const *)file->storage;
    cv->dbfilename = memStrdup(name ? name : "dump.rdb");
    cv->compression = *(const int *)comp->storage;
    cv->checksum = *(const int *)sum->storage;
    cv->valid = 1;
}

static void applyCarried(carriedValues *cv) {
    if (!cv->valid) return;
    memFree(persist.saveParams.points);
    persist.saveParams = cv->save;
    memFree(persist.dbfilename);
    persist.dbfilename = cv->dbfilename;
    persist.rdbCompression = cv->compression;
    persist.rdbChecksum = cv->checksum;
}

void persistRegisterConfig(void) {
    static int done;
    if (done) return;
    done = 1;
    carriedValues cv = {0};
    carryFromPlaceholders(&cv);
    carryNumbers();
    configRegister(persistConfigs, sizeof(persistConfigs) / sizeof(persistConfigs[0]));
    applyCarried(&cv);
    applyNumbers();
    persistRegisterGates();
}

/* --- Saving --- */

void persistFillSaveOptions(rdbSaveOptions *opt) {
    memset(opt, 0, sizeof(*opt));
    opt->producerVersion = TESSERA_VERSION;
    opt->compress = persist.rdbCompression;
    opt->checksum = persist.rdbChecksum;
}

void persistNoteSaved(long long dirtyThen) {
    persist.dirtyAtLastSave = dirtyThen;
    serverGetStats()->lastSaveTime = (long long)time(NULL);
    persist.saveCount++;
}

/* A successful foreground save also clears a BGSAVE error (so SAVE lifts
 * MISCONF), as Valkey's does. */
int persistSave(dstr *err) {
    rdbSaveOptions opt;
    persistFillSaveOptions(&opt);
    if (rdbSaveFile(persist.dbfilename, &opt, err) != 0) {
        serverLog(LL_WARNING, "%s", *err);
        return -1;
    }
    serverLog(LL_NOTICE, "DB saved on disk");
    persistNoteSaved(dbDirty());
    persist.lastBgsaveOk = 1;
    return 0;
}

long long persistChangesSinceLastSave(void) { return dbDirty() - persist.dirtyAtLastSave; }

static void saveCommand(client *c) {
    if (childActiveKind() == CHILD_RDB) {
        replyError(c, "ERR Background save already in progress");
        return;
    }
    dstr err = NULL;
    if (persistSave(&err) == 0) replyOk(c);
    else replyError(c, "ERR");
    dstrFree(err);
}

/* --- Loading --- */

static long long fileSize(const char *name) {
    struct stat st;
    return stat(name, &st) == 0 ? (long long)st.st_size : 0;
}

/* Loads dbfilename into the databases.  Returns 0 (also when there is no
 * file: *missing is then 1), or -1 with *err set. */
static int loadFile(int *missing, dstr *err) {
    rdbLoadOptions opt = {.verifyChecksum = persist.rdbChecksum, .skipExpired = 1,
                          .observer = &persistLoadObserver};
    rdbLoadInfo info;
    long long start = timeUs();
    persistLoadingBegin(fileSize(persist.dbfilename));
    int rc = rdbLoadFile(persist.dbfilename, &opt, &info, err);
    persistLoadingEnd();
    *missing = rc == 1;
    if (rc == 0) {
        serverLog(LL_NOTICE, "Done loading RDB, keys loaded: %lld, keys expired: %lld.", info.keysLoaded,
                  info.keysExpired);
        serverLog(LL_NOTICE, "DB loaded from disk: %.3f seconds", (double)(timeUs() - start) / 1e6);
        persist.lastLoadKeysLoaded = info.keysLoaded;
        persist.lastLoadKeysExpired = info.keysExpired;
    }
    rdbLoadInfoFree(&info);
    persist.dirtyAtLastSave = dbDirty();
    return rc == -1 ? -1 : 0;
}

int persistLoadAtStartup(void) {
    int missing;
    dstr err = NULL;
    if (loadFile(&missing, &err) == 0) return 0;
    serverLog(LL_WARNING, "Bad RDB file: %s", err);
    serverLog(LL_WARNING, "Fatal error loading the DB, check server logs. Exiting.");
    dstrFree(err);
    /* Start-up cannot go on with part of the data; free it so leak
     * checkers see a clean exit when main stops the process. */
    dbEmpty(-1, NULL);
    return -1;
}

void persistDebugReload(client *c) {
    int save = 1, flush = 1;
    for (int i = 2; i < c->argc; i++) {
        if (!strcasecmp(c->argv[i], "nosave")) save = 0;
        else if (!strcasecmp(c->argv[i], "noflush")) flush = 0;
        else {
            replyError(c, "ERR DEBUG RELOAD only supports the NOSAVE and NOFLUSH options.");
            return;
        }
    }
    dstr err = NULL;
    if (save && persistSave(&err) != 0) {
        dstrFree(err);
        replyError(c, "ERR Error trying to save the DB");
        return;
    }
    if (flush) dbEmpty(-1, NULL);
    int missing;
    if (loadFile(&missing, &err) != 0 || missing) {
        if (err) serverLog(LL_WARNING, "Bad RDB file: %s", err);
        dstrFree(err);
        replyError(c, "ERR Error trying to load the RDB dump, check server logs.");
        return;
    }
    serverLog(LL_NOTICE, "DB reloaded by DEBUG RELOAD");
    replyOk(c);
}

/* --- Shutdown --- */

static int saveOnShutdown(int flags, dstr *err) {
    /* A child would go on writing after we left: end it first (its temp
     * file goes with it), then save in the foreground. */
    childKill();
    /* Half a dataset must not replace the file it comes from. */
    if ((flags & SHUTDOWN_NOSAVE) || persistIsLoading()) return 0;
    if (!(flags & SHUTDOWN_SAVE) && persist.saveParams.count == 0) return 0;
    serverLog(LL_NOTICE, "Saving the final RDB snapshot before exiting.");
    dstr why = NULL;
    if (persistSave(&why) == 0) return 0;
    dstrFree(why);
    serverLog(LL_WARNING, "Error trying to save the DB, can't exit.");
    if (err) *err = dstrNew("ERR Errors trying to SHUTDOWN. Check logs.");
    return -1;
}

/* --- Init --- */

void persistInit(void) {
    persistRegisterConfig();
    rdbInit();
    childInit();
    commandBind((const commandBinding[]){{"save", saveCommand}, {NULL, NULL}});
    persistBgsaveInit();
    persistLoadingInit();
    serverRegisterShutdownHandler(saveOnShutdown);
}
