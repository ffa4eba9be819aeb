# listpack: the compact encoding of small lists, hashes, sets and sorted sets.
libnode_a_SOURCES += node/types/listpack.c node/types/listpack.h

check_PROGRAMS += tests/unit/test_listpack
TESTS += tests/unit/test_listpack
tests_unit_test_listpack_SOURCES = tests/unit/test_listpack.c
tests_unit_test_listpack_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_listpack_LDADD = $(UNIT_LIBS)
