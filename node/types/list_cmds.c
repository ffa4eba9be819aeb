/* list_cmds.c — the list commands (being written; the value type is
 * registered already). */
#include <stddef.h>

#include "node/types/list_value.h"
#include "node/types/type_cmds.h"

const commandBinding listCommands[] = {{NULL, NULL}};

void listTypeInit(void) { listValueRegister(); }
