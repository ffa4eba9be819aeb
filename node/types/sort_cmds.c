/* sort_cmds.c — placeholder until these commands land. */
#include <stddef.h>

#include "node/types/type_cmds.h"

const commandBinding sortCommands[] = {{NULL, NULL}};
