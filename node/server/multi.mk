# multi: see node/server/multi.h.
libnode_a_SOURCES += node/server/multi.c node/server/multi.h
