# hash: value encodings, commands and tests.
libnode_a_SOURCES += node/types/hash_cmds.c
