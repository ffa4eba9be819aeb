# set: value encodings (intset, listpack, hashtable), commands and tests.
libnode_a_SOURCES += node/types/set_value.c node/types/set_value.h
libnode_a_SOURCES += node/types/set_cmds.c node/types/set_algebra_cmds.c node/types/set_cmds.h
