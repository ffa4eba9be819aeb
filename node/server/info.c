/* info.c — placeholder until its commands land. */
#include "node/server/modules.h"

void infoCmdsInit(void) {}
