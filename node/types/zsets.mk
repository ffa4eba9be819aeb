# zset: value encodings, commands and tests.
libnode_a_SOURCES += node/types/zset_value.c node/types/zset_value.h \
	node/types/zset_cmds.c node/types/zset_cmds.h node/types/zset_pop_cmds.c \
	node/types/zset_range_cmds.c node/types/zset_store_cmds.c
