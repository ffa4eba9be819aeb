# zset: value encodings, commands and tests.
libnode_a_SOURCES += node/types/zset_cmds.c
