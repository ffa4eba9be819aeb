/* multi.h — transactions: MULTI / EXEC / DISCARD and optimistic locking
 * with WATCH / UNWATCH.
 *
 * Between MULTI and EXEC a client's commands are checked (arity, auth and
 * every dispatch gate) and queued instead of run; a command rejected while
 * queueing makes EXEC fail with EXECABORT.  EXEC runs the queue with
 * CLIENT_EXECUTING_MULTI set, nothing interleaving, and replies with an
 * array of their replies — or a null array when a watched key changed
 * (any write, expiry included, FLUSHDB/FLUSHALL, SWAPDB) since WATCH.
 *
 * Everything is wired by multiInit (called once from node/server/modules.c
 * after the pause gate): the commands, the queueing gate, the db hooks that
 * invalidate watches, the per-client cleanup, INFO and CLIENT LIST fields. */
#ifndef TESSERA_MULTI_H
#define TESSERA_MULTI_H

#include <stddef.h>

#include "node/net/client.h"

void multiInit(void);

/* Number of clients watching at least one key (INFO watching_clients) and
 * of distinct (db, key) pairs watched (INFO total_watched_keys). */
size_t multiWatchingClientCount(void);
size_t multiWatchedKeyCount(void);

#endif
