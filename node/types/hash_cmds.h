/* hash_cmds.h — what the hash command files share (not a public API):
 * hash_cmds.c holds the table and binds the commands of hash_walk_cmds.c. */
#ifndef TESSERA_HASH_CMDS_H
#define TESSERA_HASH_CMDS_H

#include "node/net/client.h"
#include "node/types/listpack.h"

/* Replies an element as a bulk string (integers as their digits). */
void hashReplyElement(client *c, const lpEntry *e);

void hashRandfieldCommand(client *c);
void hashScanCommand(client *c);

#endif
