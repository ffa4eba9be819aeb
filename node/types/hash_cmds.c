/* hash_cmds.c — the hash commands (placeholder until the hash type lands). */
#include <stddef.h>

#include "node/types/type_cmds.h"

const commandBinding hashCommands[] = {{NULL, NULL}};

void hashTypeInit(void) {}
