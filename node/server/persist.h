/* persist.h — the server's persistence glue around rdb/: the settings
 * (dir, dbfilename, save, rdbcompression, rdbchecksum,
 * stop-writes-on-bgsave-error), SAVE, BGSAVE, the save points, loading at
 * start-up (with the loading state clients see), DEBUG RELOAD and the save
 * at shutdown.  INFO persistence is generated here (the AOF module adds its
 * lines through persistSetAofInfo). */
#ifndef TESSERA_PERSIST_H
#define TESSERA_PERSIST_H

#include "node/base/dstr.h"
#include "node/net/client.h"

/* Registers the settings, commands, INFO counters and shutdown handler,
 * then loads dir/dbfilename if it exists.  A file that cannot be loaded
 * stops the start (the process exits with 1 after logging why). */
void persistInit(void);
/* Loads dir/dbfilename if it exists; 0, or -1 (logged) when the file is
 * unusable and the start must stop. */
int persistLoadAtStartup(void);

/* Registers the persistence directives (idempotent).  Meant to run before
 * the configuration is read; persistInit calls it too, carrying over what
 * the file set while the directives were placeholders. */
void persistRegisterConfig(void);

/* Foreground save of the whole dataset to dbfilename.  Returns 0, or -1
 * with *err set (logged already). */
int persistSave(dstr *err);

/* Changes since the last successful save (rdb_changes_since_last_save). */
long long persistChangesSinceLastSave(void);

/* DEBUG RELOAD [NOSAVE] [NOFLUSH]: save, empty, load; replies itself. */
void persistDebugReload(client *c);

/* --- Loading state (INFO loading:1, loading_* fields, -LOADING) ---
 *
 * Any loader of a whole dataset (the RDB at start-up, the AOF) brackets its
 * work with Begin/End and reports the bytes consumed.  Between them clients
 * whose commands lack the `loading` flag get "-LOADING Valkey is loading the
 * dataset in memory".  When the load runs outside a command (start-up),
 * Progress also serves the event loop every 2 MB or 100 ms of loading, so
 * clients connected during a long load get their replies. */
void persistLoadingBegin(long long totalBytes);
/* bytesLoaded: absolute position in the input (of all files so far). */
void persistLoadingProgress(long long bytesLoaded);
void persistLoadingEnd(void);
int persistIsLoading(void);

/* --- BGSAVE --- */

/* Starts a background save unless a child runs.  Returns 0, or -1 with
 * *err set (the reply text, without the leading '-'). */
int persistBgsave(dstr *err);
/* Kills a running BGSAVE child and removes its temp file (FLUSHALL,
 * SHUTDOWN); no-op otherwise. */
void persistKillBgsave(void);

/* --- INFO persistence --- */

/* The AOF module's part of INFO persistence: `fields` appends aof_enabled ..
 * aof_last_cow_size (Valkey's order, between rdb_last_load_keys_loaded and
 * module_fork_in_progress); `enabledFields` appends aof_current_size ..
 * aof_delayed_fsync (printed by Valkey when AOF is on) or nothing.  Either
 * may be NULL; until set, the idle values are printed. */
typedef dstr (*persistInfoFn)(dstr s);
void persistSetAofInfo(persistInfoFn fields, persistInfoFn enabledFields);

#endif
