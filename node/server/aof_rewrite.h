/* aof_rewrite.h — inside the rewrite module: the dataset written as AOF
 * commands (aof-use-rdb-preamble no), used by the rewrite child.  The
 * server-facing API of BGREWRITEAOF is in aof_server.h. */
#ifndef TESSERA_AOF_REWRITE_H
#define TESSERA_AOF_REWRITE_H

#include "node/base/dstr.h"

/* Called after every key written, with the count so far. */
typedef void (*aofRewriteProgressFn)(void *ctx, long long keys);

/* Writes every database as SELECT + the commands that rebuild each key
 * to fd (no fsync).  0, or -1 with *err set. */
int aofRewriteWriteCommands(int fd, aofRewriteProgressFn progress, void *ctx, dstr *err);

#endif
