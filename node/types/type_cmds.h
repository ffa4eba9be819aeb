/* type_cmds.h — the command tables of the data types, which the server
 * binds at start-up (node/server/modules.c).  One table per type. */
#ifndef TESSERA_TYPE_CMDS_H
#define TESSERA_TYPE_CMDS_H

#include "node/net/client.h"

extern const commandBinding stringCommands[];
extern const commandBinding bitmapCommands[];

#endif
