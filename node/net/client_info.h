/* client_info.h — the one-line description of a client that CLIENT LIST,
 * CLIENT INFO and log messages print (clientInfoString, declared in
 * client.h), and the hook through which modules that own per-client state
 * net cannot see (pub/sub subscriptions, MULTI queue, WATCH, tracking)
 * contribute their fields.
 *
 * A provider fills only the fields it owns; the others keep their neutral
 * values (0, or -1 for multi and redir), which is what Valkey prints for a
 * client that never used the feature.  The server's own provider (in
 * client_cmds.c) fills db and cmd, which net cannot name without depending
 * on the server. */
#ifndef TESSERA_CLIENT_INFO_H
#define TESSERA_CLIENT_INFO_H

#include <stddef.h>

#include "node/net/client.h"

typedef struct clientInfoExtra {
    int db;                /* selected database (net does not know dbs) */
    const char *cmd;       /* full name of the last command, "NULL" if none */
    int sub, psub, ssub;   /* channel, pattern and shard-channel subscriptions */
    int multi;             /* commands queued in MULTI, -1 outside MULTI */
    int watch;             /* keys watched */
    size_t multiMem;       /* bytes of queued command arguments */
    long long redir;       /* tracking redirection client id, -1 none */
    int dirtyCas;          /* a watched key changed: the 'd' flag */
} clientInfoExtra;

typedef void (*clientInfoProvider)(const client *c, clientInfoExtra *extra);
/* Providers run in registration order for every line built (at most 8). */
void clientInfoAddProvider(clientInfoProvider fn);

/* The peer address as CLIENT LIST and CLIENT KILL ADDR spell it:
 * "ip:port", "[ip6]:port" as net formats it, or "<unixsocket>:0" for a
 * unix socket client. */
const char *clientInfoPeerId(const client *c, char *buf, size_t len);
/* The local address (LADDR), same conventions. */
const char *clientInfoSockName(const client *c, char *buf, size_t len);

#endif
