# set: value encodings, commands and tests.
libnode_a_SOURCES += node/types/set_cmds.c
