/* modules.c — calls every part's init function, in dependency order. */
#include <stddef.h>

#include "node/server/aof_server.h"
#include "node/server/blocking.h"
#include "node/server/command.h"
#include "node/server/config.h"
#include "node/server/digest.h"
#include "node/server/dump_cmds.h"
#include "node/server/modules.h"
#include "node/server/multi.h"
#include "node/server/pubsub.h"
#include "node/server/server.h"
#include "node/store/keyspace_cmds.h"
#include "node/store/lazyfree.h"
#include "node/types/type_cmds.h"

void modulesInit(void) {
    commandCmdsInit();
    configCmdsInit();
    connectionCmdsInit();
    commandBind(stringCommands);
    commandBind(bitmapCommands);
    listTypeInit();
    hashTypeInit();
    setTypeInit();
    zsetTypeInit();
    digestTypesInit();
    commandBind(listCommands);
    commandBind(hashCommands);
    commandBind(setCommands);
    commandBind(zsetCommands);
    commandBind(hllCommands);
    commandBind(sortCommands);
    commandBind(keyspaceCommands);
    commandBind(expireCommands);
    commandBind(scanCommands);
    /* The lazyfree thread is left running at shutdown: a shutdown can be
     * refused (failed final save), and exit needs nothing from it. */
    serverRegisterResetStats(lazyfreeResetStats);
    /* Gate order: pub/sub's RESP2 context check rejects commands, so it
     * comes before CLIENT PAUSE's gate (clientCmdsInit), which must come
     * before MULTI's queueing gate. */
    pubsubInit();
    clientCmdsInit();
    multiInit();
    blockingInit();
    infoCmdsInit();
    introspectCmdsInit();
    debugCmdsInit();
    persistInit();
    dumpCmdsInit();
    /* Last: its before-sleep hook must run just before net sends replies
     * (appendfsync always writes the AOF before any reply acknowledges). */
    aofInit();
}
