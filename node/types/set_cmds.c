/* set_cmds.c — the set commands (placeholder until the set type lands). */
#include <stddef.h>

#include "node/types/type_cmds.h"

const commandBinding setCommands[] = {{NULL, NULL}};

void setTypeInit(void) {}
