# blocking: see node/server/blocking.h.
libnode_a_SOURCES += node/server/blocking.c node/server/blocking.h
