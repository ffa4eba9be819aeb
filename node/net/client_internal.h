/* client_internal.h — client fields and functions private to net/. */
#ifndef TESSERA_CLIENT_INTERNAL_H
#define TESSERA_CLIENT_INTERNAL_H

#include "node/net/client.h"

struct event;
struct event_base;

client *clientCreateForSocket(int fd, int isUnix);
void clientProcessInput(client *c);
void clientReleaseArgs(client *c);
int netCheckOutputLimits(client *c);
struct event_base *netEventBase(void);

#endif
