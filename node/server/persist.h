/* persist.h — the server's persistence glue around rdb/: the settings
 * (dir, dbfilename, save, rdbcompression, rdbchecksum), SAVE, loading at
 * start-up, DEBUG RELOAD and the save at shutdown.  INFO persistence reads
 * its numbers through counters registered by persistInit. */
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

#endif
