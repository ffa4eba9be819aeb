/* keyspace_cmds.c — placeholder until its commands land. */
#include "node/server/modules.h"

void keyspaceCmdsInit(void) {}
