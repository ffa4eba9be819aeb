/* zset_cmds.h — what the sorted set command files (zset_cmds.c,
 * zset_pop_cmds.c, zset_range_cmds.c, zset_store_cmds.c) share: argument
 * helpers, the write/notify steps every changing command takes, reply
 * shapes, and the command procedures the table in zset_cmds.c binds.
 * Internal to node/types/zset_*. */
#ifndef TESSERA_ZSET_CMDS_H
#define TESSERA_ZSET_CMDS_H

#include "node/net/client.h"
#include "node/store/db.h"
#include "node/types/zset_value.h"

/* Case-insensitive match of an argument against an option name. */
int zsetIsToken(const dstr arg, const char *token);
/* Parses a ZRANGEBYSCORE interval ("(" makes a bound exclusive, "inf" and
 * "-inf" allowed, NaN refused).  Returns 0, or -1 after replying
 * "ERR min or max is not a float". */
int zsetParseScoreRange(client *c, const dstr min, const dstr max, zrangespec *spec);
/* The same for lex intervals ("ERR min or max not valid string range
 * item"); free spec with zslFreeLexRange. */
int zsetParseLexRange(client *c, const dstr min, const dstr max, zlexrangespec *spec);

/* The value of kv, opened for a change (db.h dbValueOpen). */
zsetRef zsetOpen(kvobj *kv);
/* Closes a value opened with zsetOpen after elements were removed:
 * stores it back, or deletes the key when it became empty.  Returns 1 if
 * the key was deleted. */
int zsetCloseAfterRemove(client *c, kvobj *kv, const dstr key, zsetRef *z);
/* After a change of `changes` elements: dirty count, WATCH signal and the
 * keyspace event; with removed also the "del" event. */
void zsetNotify(client *c, const dstr key, const char *event, long long changes, int removed);
/* Stores a new value at key, replacing any value there (TTL dropped), or
 * deletes key when z is empty (z is then released).  Sends `event` or
 * "del" as Valkey's *STORE commands do and replies the new length. */
void zsetStoreResult(client *c, const dstr key, zsetRef *z, const char *event);

/* One element of a member list reply: member, then the score when
 * withScores; with nested (RESP3 WITHSCORES) the pair is an array. */
void zsetReplyElem(client *c, const zsetElem *e, int withScores, int nested);
/* Array header of n elements in that shape. */
void zsetReplyElemsLen(client *c, long n, int withScores, int nested);

/* Command procedures, by file. */
void zpopminCommand(client *c);
void zpopmaxCommand(client *c);
void zmpopCommand(client *c);
void bzpopminCommand(client *c);
void bzpopmaxCommand(client *c);
void bzmpopCommand(client *c);

void zrangeCommand(client *c);
void zrangestoreCommand(client *c);
void zrevrangeCommand(client *c);
void zrangebyscoreCommand(client *c);
void zrevrangebyscoreCommand(client *c);
void zrangebylexCommand(client *c);
void zrevrangebylexCommand(client *c);
void zremrangebyrankCommand(client *c);
void zremrangebyscoreCommand(client *c);
void zremrangebylexCommand(client *c);
void zcountCommand(client *c);
void zlexcountCommand(client *c);

void zunionCommand(client *c);
void zinterCommand(client *c);
void zdiffCommand(client *c);
void zunionstoreCommand(client *c);
void zinterstoreCommand(client *c);
void zdiffstoreCommand(client *c);
void zintercardCommand(client *c);

#endif
