# list: value encodings, commands and tests.
libnode_a_SOURCES += node/types/list_cmds.c
