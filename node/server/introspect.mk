# introspection commands: CLIENT, INFO, TIME/MEMORY/SLOWLOG/LATENCY/MONITOR, DEBUG.
libnode_a_SOURCES += node/server/client_cmds.c node/server/info.c node/server/introspect_cmds.c \
                     node/server/debug_cmds.c
