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
 * Not here yet (issue 4): BGSAVE by fork and the `save` points acting in
 * cron — the points are parsed and stored, and a shutdown saves when any is
 * configured, as Valkey does. */
#include "node/server/persist.h"

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
#include "node/server/info.h"
#include "node/server/server.h"
#include "node/store/db.h"
#include "rdb/rdb.h"

/* --- Settings --- */

static char *dbfilename;
static configSaveParams saveParams;
static int rdbCompression;
static int rdbChecksum;

static long long dirtyAtLastSave;
static long long saveCount;
static long long lastLoadKeysLoaded, lastLoadKeysExpired;

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
    CONFIG_SAVE_DEF(saveParams),
    {.name = "dbfilename", .flags = CONFIG_PROTECTED, .type = CONFIG_STRING, .storage = &dbfilename,
     .defaultValue = "dump.rdb", .check = checkDbfilename},
    CONFIG_BOOL_DEF("rdbcompression", NULL, CONFIG_MODIFIABLE, rdbCompression, "yes"),
    CONFIG_BOOL_DEF("rdbchecksum", NULL, CONFIG_IMMUTABLE, rdbChecksum, "yes"),
};

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
    memFree(saveParams.points);
    saveParams = cv->save;
    memFree(dbfilename);
    dbfilename = cv->dbfilename;
    rdbCompression = cv->compression;
    rdbChecksum = cv->checksum;
}

void persistRegisterConfig(void) {
    static int done;
    if (done) return;
    done = 1;
    carriedValues cv = {0};
    carryFromPlaceholders(&cv);
    configRegister(persistConfigs, sizeof(persistConfigs) / sizeof(persistConfigs[0]));
    applyCarried(&cv);
}

/* --- Saving --- */

static void fillSaveOptions(rdbSaveOptions *opt) {
    memset(opt, 0, sizeof(*opt));
    opt->producerVersion = TESSERA_VERSION;
    opt->compress = rdbCompression;
    opt->checksum = rdbChecksum;
}

int persistSave(dstr *err) {
    rdbSaveOptions opt;
    fillSaveOptions(&opt);
    if (rdbSaveFile(dbfilename, &opt, err) != 0) {
        serverLog(LL_WARNING, "%s", *err);
        return -1;
    }
    serverLog(LL_NOTICE, "DB saved on disk");
    dirtyAtLastSave = dbDirty();
    serverGetStats()->lastSaveTime = (long long)time(NULL);
    saveCount++;
    return 0;
}

long long persistChangesSinceLastSave(void) { return dbDirty() - dirtyAtLastSave; }

static long long rdbSavesCounter(void) { return saveCount; }
static long long lastLoadLoadedCounter(void) { return lastLoadKeysLoaded; }
static long long lastLoadExpiredCounter(void) { return lastLoadKeysExpired; }

static void saveCommand(client *c) {
    dstr err = NULL;
    if (persistSave(&err) == 0) replyOk(c);
    else replyError(c, "ERR");
    dstrFree(err);
}

/* --- Loading --- */

/* Loads dbfilename into the databases.  Returns 0 (also when there is no
 * file: *missing is then 1), or -1 with *err set. */
static int loadFile(int *missing, dstr *err) {
    rdbLoadOptions opt = {.verifyChecksum = rdbChecksum, .skipExpired = 1};
    rdbLoadInfo info;
    long long start = timeUs();
    int rc = rdbLoadFile(dbfilename, &opt, &info, err);
    *missing = rc == 1;
    if (rc == 0) {
        serverLog(LL_NOTICE, "Done loading RDB, keys loaded: %lld, keys expired: %lld.", info.keysLoaded,
                  info.keysExpired);
        serverLog(LL_NOTICE, "DB loaded from disk: %.3f seconds", (double)(timeUs() - start) / 1e6);
        lastLoadKeysLoaded = info.keysLoaded;
        lastLoadKeysExpired = info.keysExpired;
    }
    rdbLoadInfoFree(&info);
    dirtyAtLastSave = dbDirty();
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
    if (flags & SHUTDOWN_NOSAVE) return 0;
    if (!(flags & SHUTDOWN_SAVE) && saveParams.count == 0) return 0;
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
    commandBind((const commandBinding[]){{"save", saveCommand}, {NULL, NULL}});
    infoRegisterCounter("rdb_changes_since_last_save", persistChangesSinceLastSave);
    infoRegisterCounter("rdb_saves", rdbSavesCounter);
    infoRegisterCounter("rdb_last_load_keys_loaded", lastLoadLoadedCounter);
    infoRegisterCounter("rdb_last_load_keys_expired", lastLoadExpiredCounter);
    serverRegisterShutdownHandler(saveOnShutdown);
}
