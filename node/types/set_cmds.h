/* set_cmds.h — what the two set command files share: the set-algebra
 * commands (set_algebra_cmds.c) that set_cmds.c lists in setCommands[], and
 * the reply of one member. */
#ifndef TESSERA_SET_CMDS_H
#define TESSERA_SET_CMDS_H

#include "node/net/client.h"
#include "node/types/set_value.h"

/* A member as a bulk string (integers in decimal). */
void setReplyMember(client *c, const setMember *m);

void smembersCommand(client *c);
void sinterCommand(client *c);
void sintercardCommand(client *c);
void sinterstoreCommand(client *c);
void sunionCommand(client *c);
void sunionstoreCommand(client *c);
void sdiffCommand(client *c);
void sdiffstoreCommand(client *c);

#endif
