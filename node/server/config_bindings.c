/* config_bindings.c — interim command-line handling until the config
 * module is wired in: accepts --directive value pairs for the settings the
 * core needs.  Replaced by the real binding of directives to settings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "node/base/log.h"
#include "node/net/netio.h"
#include "node/server/modules.h"
#include "node/server/server.h"

static int yesno(const char *v) { return strcasecmp(v, "yes") == 0; }

int configureFromArgs(int argc, char **argv, const char **configFile) {
    serverSettings *s = serverGetSettings();
    netSettings *ns = netGetSettings();
    int i = 1;
    if (argc > 1 && strncmp(argv[1], "--", 2) != 0) *configFile = argv[i++];
    for (; i < argc; i++) {
        const char *name = argv[i];
        if (strncmp(name, "--", 2) != 0) continue;
        name += 2;
        const char *v = (i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0) ? argv[++i] : "";
        if (!strcasecmp(name, "port")) ns->port = atoi(v);
        else if (!strcasecmp(name, "bind")) { ns->bind[0] = strdup(v); ns->bindCount = 1; }
        else if (!strcasecmp(name, "unixsocket")) ns->unixsocket = strdup(v);
        else if (!strcasecmp(name, "daemonize")) s->daemonize = yesno(v);
        else if (!strcasecmp(name, "pidfile")) s->pidfile = strdup(v);
        else if (!strcasecmp(name, "logfile")) s->logfile = strdup(v);
        else if (!strcasecmp(name, "requirepass")) { s->requirepass = strdup(v); ns->hasPassword = v[0] != 0; }
        else if (!strcasecmp(name, "databases")) s->databases = atoi(v);
        else if (!strcasecmp(name, "hz")) s->hz = atoi(v);
        else if (!strcasecmp(name, "enable-debug-command")) s->enableDebugCommand = yesno(v);
        else if (!strcasecmp(name, "protected-mode")) ns->protectedMode = yesno(v);
    }
    return 0;
}

void configReportPlaceholders(void) {}
