/* zset_cmds.c — the zset commands (placeholder until the zset type lands). */
#include <stddef.h>

#include "node/types/type_cmds.h"
#include "node/types/zset_value.h"

const commandBinding zsetCommands[] = {{NULL, NULL}};

void zsetTypeInit(void) { zsetRegisterValueType(); }
