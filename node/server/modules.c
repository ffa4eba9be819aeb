/* modules.c — calls every part's init function, in dependency order. */
#include <stddef.h>

#include "node/server/command.h"
#include "node/server/config.h"
#include "node/server/modules.h"

void modulesInit(void) {
    commandCmdsInit();
    configCmdsInit();
    connectionCmdsInit();
    stringCmdsInit();
    bitmapCmdsInit();
    keyspaceCmdsInit();
    clientCmdsInit();
    infoCmdsInit();
    introspectCmdsInit();
    debugCmdsInit();
    persistInit();
}
