# strings and bitmaps: commands and the helpers they share.
libnode_a_SOURCES += node/types/string_value.c node/types/string_value.h \
	node/types/string_cmds.c node/types/bitmap_cmds.c node/types/type_cmds.h
