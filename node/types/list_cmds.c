/* list_cmds.c — the list commands (placeholder until the list type lands). */
#include <stddef.h>

#include "node/types/type_cmds.h"

const commandBinding listCommands[] = {{NULL, NULL}};

void listTypeInit(void) {}
