/* propagate.h — the propagation stream: every change to the dataset, in
 * deterministic form, as RESP commands for the consumers that must replay
 * it (the AOF now, the replication backlog and replica links in issue 5).
 *
 * What goes in (DESIGN.md "Persistence and replication in one picture"):
 *   - each command that changed data (dirty), with the argv it left behind
 *     (commands rewrite it: EXPIRE -> PEXPIREAT, SPOP -> SREM, ...);
 *   - a DEL for each key a primary expired, lazily during a command or
 *     actively from cron;
 *   - SELECT, per consumer, whenever the next command's db is not the one
 *     that consumer last saw.
 * One "execution unit" (a command with the DELs its lookups caused, or all
 * the writes of one EXEC) that holds more than one command is wrapped in
 * MULTI / EXEC, so a replayer applies it atomically; a single command is
 * sent bare.  DELs of active expiry outside a command go alone.
 *
 * Consumers are sinks: a callback receiving bytes, each with its own idea
 * of the selected db.  A sink that starts a new file or a new link calls
 * propagateSinkReselect so its next bytes begin with SELECT. */
#ifndef TESSERA_PROPAGATE_H
#define TESSERA_PROPAGATE_H

#include <stddef.h>

#include "node/base/dstr.h"
#include "node/net/client.h"

typedef struct propagateSink propagateSink;
/* Receives a chunk of the stream (complete commands only). */
typedef void (*propagateSinkFn)(void *ctx, const char *bytes, size_t len);

/* Registers the dispatch and keyspace hooks (call once at start-up). */
void propagateInit(void);

/* Sinks.  A new sink starts with no selected db (its first command is
 * preceded by SELECT). */
propagateSink *propagateAddSink(propagateSinkFn fn, void *ctx);
void propagateRemoveSink(propagateSink *sink);
void propagateSinkReselect(propagateSink *sink);
/* The db the sink's stream has selected, -1 if none yet. */
int propagateSinkDb(const propagateSink *sink);

/* Adds a command to the stream: to the running execution unit when a
 * command is running, or at once as a unit of its own otherwise. */
void propagateCommand(int dbid, int argc, const dstr *argv);
void propagateCommandArgs(int dbid, int argc, const char *const *argv, const size_t *lens);

/* Suspends the stream (nesting count): nothing is recorded while loading a
 * dataset from disk, whose commands were propagated when first run. */
void propagateSuspend(void);
void propagateResume(void);
int propagateSuspended(void);

/* The hooks propagateInit registers, exposed for unit tests that drive
 * the stream without a server. */
void propagateAfterWrite(client *c, serverCommand *cmd, long long dirty);
void propagateAfterCall(client *c, serverCommand *cmd, long long durationUs);
void propagateKeyExpired(serverDb *db, const dstr key);
/* Ends the running unit now (what afterCall does outside EXEC). */
void propagateFlushUnit(int allowTransaction);

/* Commands propagated, units wrapped in MULTI/EXEC (for tests and INFO). */
long long propagateCommandCount(void);
long long propagateTransactionCount(void);

#endif
