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
 * current one, create the next, record it in the manifest (atomically;
 * only in memory while appendonly yes waits for its first rewrite, which
 * also starts recording).  With the AOF off it only creates the directory.
 * 0, or -1 with *err set (the old file stays in use). */
int aofOpenNewIncr(dstr *err);
/* Installs a finished base file: renames tmpPath (inside the AOF dir) to
 * the next base name, marks the old base and every incremental file but
 * the newest (every one with the AOF off) as history, writes the manifest,
 * deletes the history files, ends the wait of appendonly yes.
 * 0, or -1 with *err set (nothing changed). */
int aofInstallBase(const char *tmpPath, int rdbPreamble, dstr *err);

/* State the rewrite reads. */
int aofRecording(void);       /* the stream is written to an incremental file */
int aofWaitingRewrite(void);  /* appendonly yes set at run time, first rewrite pending */
int aofUsesRdbPreamble(void);
long long aofCurrentSize(void); /* aof_current_size (0 when not recording) */
long long aofBaseSize(void);    /* aof_base_size */

/* --- BGREWRITEAOF (aof_rewrite.c) --- */

/* Binds BGREWRITEAOF and registers the cron (auto rewrite, scheduled
 * rewrite); aofInit calls it. */
void aofRewriteInit(void);
/* Starts a rewrite now: 0, or -1 with *err set (a child runs, fork or the
 * new incremental file failed). */
int aofRewriteStart(dstr *err);
/* CONFIG SET appendonly yes: starts the rewrite, or schedules it when
 * another child runs (ending a running rewrite first, as its incremental
 * file was not opened for this).  -1 only when nothing could be started or
 * scheduled. */
int aofRewriteEnable(void);
/* Ends a running rewrite (appendonly no, shutdown) and drops a schedule. */
void aofRewriteKill(void);
/* A rewrite is scheduled (aof_rewrite_scheduled / aof_pending_rewrite). */
int aofRewritePending(void);
/* INFO persistence from aof_rewrite_in_progress to
 * aof_rewrites_consecutive_failures. */
dstr aofRewriteInfoFields(dstr s);

#endif
