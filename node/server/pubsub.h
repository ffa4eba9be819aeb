/* pubsub.h — publish/subscribe: SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE,
 * PUNSUBSCRIBE, PUBLISH, PUBSUB CHANNELS / NUMSUB / NUMPAT, the RESP2
 * subscribed-context restriction, and the delivery path keyspace
 * notifications (notify.c) publish through.
 *
 * A client with at least one channel or pattern subscription carries
 * CLIENT_PUBSUB (its output buffer class is then "pubsub", CLIENT LIST
 * shows 'P' and sub= / psub= counts).  Subscriptions end with UNSUBSCRIBE /
 * PUNSUBSCRIBE, RESET, or when the client is freed. */
#ifndef TESSERA_PUBSUB_H
#define TESSERA_PUBSUB_H

#include <stddef.h>

#include "node/base/dstr.h"
#include "node/net/client.h"

/* Binds the commands, registers the dispatch gate, the client hooks, the
 * CLIENT LIST and INFO fields, and keyspace notifications (notify.h). */
void pubsubInit(void);

/* Delivers msg to every client subscribed to channel, then to every client
 * whose pattern matches it; returns how many messages were queued (a client
 * subscribed to the channel and to two matching patterns counts three). */
long long pubsubPublish(const dstr channel, const char *msg, size_t msgLen);

/* Channels with at least one subscriber / distinct subscribed patterns. */
size_t pubsubChannelCount(void);
size_t pubsubPatternCount(void);

/* Channel and pattern subscriptions of one client. */
int pubsubClientChannels(const client *c);
int pubsubClientPatterns(const client *c);

#endif
