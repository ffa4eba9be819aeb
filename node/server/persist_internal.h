/* persist_internal.h — state shared by persist.c (settings, SAVE, load,
 * shutdown), persist_bgsave.c (BGSAVE, save points, MISCONF) and
 * persist_loading.c (loading state, INFO persistence).  Not for other
 * modules: they use persist.h. */
#ifndef TESSERA_PERSIST_INTERNAL_H
#define TESSERA_PERSIST_INTERNAL_H

#include "node/server/config_special.h"
#include "rdb/rdb.h"

typedef struct persistState {
    /* Settings. */
    char *dbfilename;
    configSaveParams saveParams;
    int rdbCompression;
    int rdbChecksum;
    int stopWritesOnBgsaveError;
    int rdbKeySaveDelay;         /* test knobs (µs per key; < 0: ns) */
    int keyLoadDelay;
    long long loadingEventsIntervalBytes;
    /* Counters. */
    long long dirtyAtLastSave;   /* dbDirty() when the data on disk was current */
    long long saveCount;         /* rdb_saves */
    long long lastLoadKeysLoaded, lastLoadKeysExpired;
    /* BGSAVE outcome (rdb_last_bgsave_*); a successful SAVE clears an error. */
    int lastBgsaveOk;
    long long lastBgsaveTimeSec; /* -1: never */
    long long lastBgsaveTry;     /* unix seconds of the last attempt (retry delay) */
    int bgsaveScheduled;         /* BGSAVE SCHEDULE waiting for the child slot */
    long long dirtyAtFork;       /* dbDirty() when the running child forked */
} persistState;

extern persistState persist;

void persistFillSaveOptions(rdbSaveOptions *opt);
/* Records a save that completed with the data as of dirtyThen. */
void persistNoteSaved(long long dirtyThen);

void persistBgsaveInit(void);
void persistLoadingInit(void);
/* The gates go in before MULTI's (so a rejected command inside MULTI
 * flags the transaction): persistRegisterConfig, which runs early, calls it. */
void persistRegisterGates(void);
void persistRegisterLoadingGate(void);
/* Sleeps usec µs (< 0: busy-waits -usec ns): the *-delay test knobs. */
void persistDebugDelay(int usec);
/* The loader's per-key observer (progress, key-load-delay, used-mem). */
extern const rdbLoadObserver persistLoadObserver;

#endif
