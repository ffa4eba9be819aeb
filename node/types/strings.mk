# strings and bitmaps: commands.
libnode_a_SOURCES += node/types/string_cmds.c node/types/bitmap_cmds.c
