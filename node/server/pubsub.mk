# pubsub: see node/server/pubsub.h and node/server/notify.h.
libnode_a_SOURCES += node/server/pubsub.c node/server/pubsub.h node/server/notify.c node/server/notify.h
