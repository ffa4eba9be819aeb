# quicklist: the big encoding of lists (linked listpacks, LZF-compressed inner nodes).
libnode_a_SOURCES += node/types/quicklist.c node/types/quicklist.h

check_PROGRAMS += tests/unit/test_quicklist
TESTS += tests/unit/test_quicklist
tests_unit_test_quicklist_SOURCES = tests/unit/test_quicklist.c
tests_unit_test_quicklist_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_quicklist_LDADD = $(UNIT_LIBS)
