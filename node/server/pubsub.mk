# pubsub: see node/server/pubsub.h and node/server/notify.h.
libnode_a_SOURCES += node/server/pubsub.c node/server/pubsub.h node/server/notify.c node/server/notify.h
check_PROGRAMS += tests/unit/test_pubsub
TESTS += tests/unit/test_pubsub
tests_unit_test_pubsub_SOURCES = tests/unit/test_pubsub.c
tests_unit_test_pubsub_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_pubsub_LDADD = $(UNIT_LIBS)
