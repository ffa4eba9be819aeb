/* pubsub.c — placeholder until it lands. */
#include "node/server/pubsub.h"

void pubsubInit(void) {}
