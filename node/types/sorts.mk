# sort: value encodings, commands and tests.
libnode_a_SOURCES += node/types/sort_cmds.c
