# introspection commands: CLIENT, INFO, TIME/MEMORY/SLOWLOG/LATENCY/MONITOR, DEBUG.
libnode_a_SOURCES += node/server/client_cmds.c node/server/info.c node/server/introspect_cmds.c \
                     node/server/debug_cmds.c
# CLIENT family helpers: the CLIENT LIST line, CLIENT PAUSE, MONITOR.
libnode_a_SOURCES += node/net/client_info.c node/net/client_info.h node/server/client_pause.c \
                     node/server/client_pause.h node/server/monitor.c node/server/monitor.h
