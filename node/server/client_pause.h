/* client_pause.h — CLIENT PAUSE / CLIENT UNPAUSE: holding back the commands
 * of normal clients (all of them, or only those that may write) until a
 * deadline or an UNPAUSE, then running them in the order they arrived.
 *
 * Other modules ask whether writes are paused (active expiry and eviction
 * must not delete keys then: the dataset stays static, as Valkey
 * documents), and MULTI/EXEC tells whether a queued transaction writes, so
 * that EXEC waits under PAUSE WRITE only when it must. */
#ifndef TESSERA_CLIENT_PAUSE_H
#define TESSERA_CLIENT_PAUSE_H

#include <stdint.h>

#include "node/net/client.h"

/* Registers the pause gate, its before-sleep release and its timer.  Must
 * be registered before any gate that queues commands (MULTI), after the
 * gates that reject them (ACL, cluster, OOM) — see client_cmds.c. */
void clientPauseInit(void);

/* Start or extend a pause until endMs (unix ms).  A pause already running
 * keeps the later deadline and the more restrictive mode; endMs 0 starts
 * nothing (CLIENT PAUSE 0). */
void clientPauseStart(long long endMs, int all);
/* End the pause now; held commands run before the loop sleeps. */
void clientPauseEnd(void);

/* 1 while a pause holds back writes (WRITE or ALL mode). */
int clientPauseWritesPaused(void);
/* The client whose held command is running again right now, or NULL.
 * Net counted that command (commandsProcessed) when it was first held. */
const client *clientPauseRerunning(void);
/* Number of clients whose command is being held. */
size_t clientPauseHeldCount(void);

/* MULTI/EXEC registers a function returning the CMD_* flags of c's queued
 * commands (their union); without it EXEC is treated as a write. */
void clientPauseSetQueuedFlagsFn(uint64_t (*fn)(const client *c));

#endif
