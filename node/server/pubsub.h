/* pubsub.h — placeholder until it lands. */
#ifndef TESSERA_PUBSUB_H
#define TESSERA_PUBSUB_H

void pubsubInit(void);

#endif
