/* zset_cmds.c — the zset commands (placeholder until the zset type lands). */
#include <stddef.h>

#include "node/types/type_cmds.h"

const commandBinding zsetCommands[] = {{NULL, NULL}};

void zsetTypeInit(void) {}
