/* dispatch.h — running commands: the checks before a command runs (lookup,
 * arity, authentication, and the hooks later issues add: ACL, cluster slot,
 * OOM, MISCONF, replica read-only, loading, MULTI queueing) and call(),
 * which runs it and accounts for it (stats, slowlog, latency, propagation). */
#ifndef TESSERA_DISPATCH_H
#define TESSERA_DISPATCH_H

#include "node/net/client.h"
#include "node/server/command.h"

/* net's processCommand hook: returns 1 if the client must pause input. */
int dispatchProcessCommand(client *c);
/* Runs cmd for c with accounting (used by MULTI/EXEC, scripts, AOF load). */
void dispatchCall(client *c, serverCommand *cmd);

/* A gate runs before every command, in registration order; it returns 0 to
 * let the command run, 1 if it replied (rejected) or queued it, so the
 * command must not run now.  Later issues add theirs (ACL, cluster, OOM). */
typedef int (*dispatchGate)(client *c, serverCommand *cmd);
void dispatchAddGate(dispatchGate gate);

/* Called after a command that changed the dataset ran (propagation). */
typedef void (*dispatchAfterWrite)(client *c, serverCommand *cmd, long long dirty);
void dispatchSetAfterWrite(dispatchAfterWrite fn);
/* Called after every command with its duration (slowlog, latency). */
typedef void (*dispatchAfterCall)(client *c, serverCommand *cmd, long long durationUs);
void dispatchAddAfterCall(dispatchAfterCall fn);

/* True while a command is running for c (a reply counts as its error). */
int dispatchInCommand(void);
/* Pause / resume processing: clients whose command cannot run now. */
int dispatchIsAuthenticated(client *c);

#endif
