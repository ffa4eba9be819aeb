/* aof_server.h — the append-only file as the server runs it: settings
 * (appendonly, appendfilename, appenddirname, appendfsync,
 * aof-use-rdb-preamble, aof-load-truncated, no-appendfsync-on-rewrite,
 * aof-timestamp-enabled), loading at start-up, the propagation sink that
 * feeds the open incremental file, the before-sleep write/fsync, the
 * MISCONF gate on write errors, INFO persistence's aof_* lines and
 * DEBUG LOADAOF.  The file formats and policies are aof/'s.
 *
 * Wiring (main/modules): aofRegisterConfig() before the configuration is
 * read (or anywhere: it carries over placeholder values), aofInit() after
 * persistInit() — its before-sleep hook must run after every other hook
 * that runs commands and before net's flush — and at start-up
 * `aofEnabled() ? aofLoadAtStartup() : persistLoadAtStartup()`. */
#ifndef TESSERA_AOF_SERVER_H
#define TESSERA_AOF_SERVER_H

#include "node/base/dstr.h"
#include "node/net/client.h"

void aofRegisterConfig(void);
void aofInit(void);

/* appendonly yes (the AOF is written / will be loaded). */
int aofEnabled(void);
/* Loads the AOF set (or an old single-file AOF) and opens it for
 * appending, creating base, incremental file and manifest on a first
 * start.  0, or -1 (logged) when the start must stop. */
int aofLoadAtStartup(void);

/* DEBUG LOADAOF: flush, empty, reload from the files; replies itself. */
void aofDebugLoadAof(client *c);

/* --- File set, for BGREWRITEAOF ---
 * The directory is appenddirname (relative to `dir`, the working
 * directory); names come from appendfilename. */

/* The AOF directory and the name a new base file would get (nothing is
 * created). */
const char *aofDirName(void);
/* Switches the stream to a new incremental file: flush and fsync the
 * current one, create the next, record it in the manifest (atomically).
 * 0, or -1 with *err set (the old file stays in use). */
int aofOpenNewIncr(dstr *err);
/* Installs a finished base file: renames tmpPath (inside the AOF dir) to
 * the next base name, marks the old base and every incremental file but
 * the newest as history, writes the manifest, deletes the history files.
 * 0, or -1 with *err set (nothing changed). */
int aofInstallBase(const char *tmpPath, int rdbPreamble, dstr *err);

#endif
