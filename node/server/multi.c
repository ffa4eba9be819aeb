/* multi.c — placeholder until it lands. */
#include "node/server/multi.h"

void multiInit(void) {}
