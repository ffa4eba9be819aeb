# compact encodings: intset and the sorted-set skiplist (pure data structures).
libnode_a_SOURCES += node/types/intset.c node/types/intset.h

check_PROGRAMS += tests/unit/test_intset
TESTS += tests/unit/test_intset
tests_unit_test_intset_SOURCES = tests/unit/test_intset.c
tests_unit_test_intset_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_intset_LDADD = $(UNIT_LIBS)

libnode_a_SOURCES += node/types/skiplist.c node/types/skiplist.h

check_PROGRAMS += tests/unit/test_skiplist
TESTS += tests/unit/test_skiplist
tests_unit_test_skiplist_SOURCES = tests/unit/test_skiplist.c
tests_unit_test_skiplist_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_skiplist_LDADD = $(UNIT_LIBS)
