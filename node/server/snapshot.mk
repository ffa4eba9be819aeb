# snapshots: the forked child (childproc), BGSAVE and the save points, the
# loading state and INFO persistence (persist.c itself is listed by rdb/).
libnode_a_SOURCES += node/server/childproc.c node/server/childproc.h node/server/persist_internal.h \
                     node/server/persist_bgsave.c node/server/persist_loading.c

check_PROGRAMS += tests/unit/test_childproc
TESTS += tests/unit/test_childproc
tests_unit_test_childproc_SOURCES = tests/unit/test_childproc.c
tests_unit_test_childproc_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_childproc_LDADD = $(UNIT_LIBS)
