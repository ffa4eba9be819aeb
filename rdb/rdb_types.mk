# rdb collections: the RDB forms of lists, hashes, sets and sorted sets
# (savers and loaders registered from rdbInit), the legacy ziplist/zipmap
# readers, and their unit test.
libnode_a_SOURCES += rdb/rdb_collection.h rdb/rdb_collection.c rdb/rdb_ziplist.c rdb/rdb_list.c \
                     rdb/rdb_hash.c rdb/rdb_set.c rdb/rdb_zset.c

check_PROGRAMS += tests/unit/test_rdb_types
TESTS += tests/unit/test_rdb_types
tests_unit_test_rdb_types_SOURCES = tests/unit/test_rdb_types.c
tests_unit_test_rdb_types_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_rdb_types_LDADD = $(UNIT_LIBS)
