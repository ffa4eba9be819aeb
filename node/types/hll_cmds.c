/* hll_cmds.c — placeholder until these commands land. */
#include <stddef.h>

#include "node/types/type_cmds.h"

const commandBinding hllCommands[] = {{NULL, NULL}};
