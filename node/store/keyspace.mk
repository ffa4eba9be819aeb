# keyspace commands (generic key and database commands, TTLs, KEYS/SCAN) and
# the lazy-free thread.
libnode_a_SOURCES += node/store/keyspace_cmds.c node/store/keyspace_cmds.h \
                     node/store/expire_cmds.c node/store/scan_cmds.c node/store/scan.c node/store/scan.h \
                     node/store/lazyfree.c node/store/lazyfree.h

check_PROGRAMS += tests/unit/test_lazyfree
TESTS += tests/unit/test_lazyfree
tests_unit_test_lazyfree_SOURCES = tests/unit/test_lazyfree.c
tests_unit_test_lazyfree_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_lazyfree_LDADD = $(UNIT_LIBS)
