/* blocking.h — clients blocked on keys (BLPOP, BLMOVE, BZPOPMIN, ...): the
 * contract between the blocking commands of the types and the server.
 *
 * A blocking command that finds nothing to serve calls blockForKeys and
 * returns without replying; the client stops processing input.  When a
 * command (or a whole EXEC) ends after an entry of the awaited type was
 * stored under one of those keys (db.h keyStored: a push that created the
 * list, ZADD, RENAME, SORT ... STORE, SWAPDB, ...), the clients blocked on
 * that key are visited first-come first-served and each blocked command is
 * run again from its saved argv as if it had just arrived: a command that
 * can serve now replies (and may store values that wake others in turn); one
 * that still finds nothing calls blockForKeys again and keeps its place.  A
 * key that was deleted or holds another type wakes nobody.
 *
 * At the deadline the client gets a null array (RESP2 "*-1", RESP3 "_");
 * CLIENT UNBLOCK id [TIMEOUT|ERROR] ends the wait early with the timeout
 * reply or "-UNBLOCKED client unblocked via CLIENT UNBLOCK". */
#ifndef TESSERA_BLOCKING_H
#define TESSERA_BLOCKING_H

#include "node/base/dstr.h"
#include "node/net/client.h"

/* Parses the timeout argument argv[argi] (seconds, decimals allowed) into an
 * absolute deadline in unix ms, 0 meaning "wait forever".  On a bad value
 * replies Valkey's error ("ERR timeout is not a float or out of range",
 * "ERR timeout is negative", "ERR timeout is out of range") and returns -1. */
int blockParseTimeout(client *c, int argi, long long *deadlineMs);

/* 1 when c may block now; 0 inside MULTI/EXEC (and, later, scripts), where a
 * blocking command that finds nothing replies as if its timeout expired at
 * once. */
int blockAllowed(const client *c);

/* Blocks c on keys of c->db (copied) until one of them holds a value of
 * `type` (OBJ_LIST, OBJ_ZSET), deadlineMs passes (0: never) or CLIENT
 * UNBLOCK.  The caller returns without replying. */
void blockForKeys(client *c, int type, dstr *keys, int numkeys, long long deadlineMs);

/* The server side (blocking.c): hooks, timers, CLIENT UNBLOCK.  Called once
 * from node/server/modules.c. */
void blockingInit(void);
/* Number of clients blocked (INFO blocked_clients) and of keys they wait on. */
size_t blockedClientCount(void);
size_t blockedKeyCount(void);

#endif
