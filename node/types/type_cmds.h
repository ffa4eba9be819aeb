/* type_cmds.h — the command tables of the data types, which the server
 * binds at start-up (node/server/modules.c), and each type's init function
 * (registers value destructors/sizes with kvobj and COPY functions with
 * the keyspace).  One table per type. */
#ifndef TESSERA_TYPE_CMDS_H
#define TESSERA_TYPE_CMDS_H

#include "node/net/client.h"

extern const commandBinding stringCommands[];
extern const commandBinding bitmapCommands[];
extern const commandBinding listCommands[];
extern const commandBinding hashCommands[];
extern const commandBinding setCommands[];
extern const commandBinding zsetCommands[];
extern const commandBinding hllCommands[];
extern const commandBinding sortCommands[];

void listTypeInit(void);
void hashTypeInit(void);
void setTypeInit(void);
void zsetTypeInit(void);

#endif
