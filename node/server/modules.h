/* modules.h — start-up wiring of the server's parts (not loadable modules):
 * each part exposes one init function that binds its commands and
 * registers its hooks; modules.c calls them in dependency order. */
#ifndef TESSERA_MODULES_H
#define TESSERA_MODULES_H

#include <stddef.h>

void modulesInit(void);
/* Server lifecycle pieces implemented in server.c / dispatch.c. */
int serverInit(const char *exe, const char *configPath, char *err, size_t errlen);
int serverRun(void);
void serverApplyHz(void);
void dispatchInit(void);
/* Configuration from argv (config file + overrides); prints the fatal
 * error itself and returns -1 on failure. */
int configureFromArgs(int argc, char **argv, const char **configFile);
/* Logs the directives accepted but not acted on. */
void configReportPlaceholders(void);

/* Per-part init functions. */
void connectionCmdsInit(void);
void clientCmdsInit(void);
void infoCmdsInit(void);
void introspectCmdsInit(void);
void debugCmdsInit(void);
void persistInit(void);

#endif
