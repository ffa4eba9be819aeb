# helpers shared by the collection types.
libnode_a_SOURCES += node/types/type_util.c node/types/type_util.h
