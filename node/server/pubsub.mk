# pubsub: see node/server/pubsub.h.
libnode_a_SOURCES += node/server/pubsub.c node/server/pubsub.h
