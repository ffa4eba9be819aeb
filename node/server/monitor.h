/* monitor.h — MONITOR: clients that receive a line for every command the
 * server runs.
 *
 * A line is a status reply
 *     +<unix seconds>.<microseconds> [<db> <origin>] "arg0" "arg1" ...
 * where origin is the client's ip:port, "unix:<socket path>", or "lua" for
 * commands run by a script; arguments are quoted and escaped (dstrCatRepr)
 * and AUTH / HELLO AUTH / MIGRATE AUTH|AUTH2 secrets print "(redacted)".
 *
 * The dispatcher feeds every command that ran (after it ran, so a monitor
 * sees commands that failed at run time but not those rejected before
 * running), except admin and skip_monitor ones and those of fake clients.
 * Scripting feeds EVAL/FCALL itself (they are skip_monitor) and the
 * commands a script runs, through monitorFeed with fromScript set. */
#ifndef TESSERA_MONITOR_H
#define TESSERA_MONITOR_H

#include "node/base/dstr.h"
#include "node/net/client.h"

/* Binds MONITOR and registers its gate and feed (from clientCmdsInit). */
void monitorInit(void);

/* Sends one command line to every monitor. */
void monitorFeed(client *c, int dbid, dstr *argv, int argc, int fromScript);

/* Leaves monitor mode (RESET does this; the after-call hook handles RESET
 * until connection_cmds.c calls it directly). */
void monitorDetach(client *c);

#endif
