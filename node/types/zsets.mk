# zset: value encodings, commands and tests.
libnode_a_SOURCES += node/types/zset_value.c node/types/zset_value.h \
	node/types/zset_cmds.c
