# keyspace commands.
libnode_a_SOURCES += node/store/keyspace_cmds.c
