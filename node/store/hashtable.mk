# hashtable: owned by the hashtable module.
libnode_a_SOURCES += node/store/hashtable.c node/store/hashtable.h

check_PROGRAMS += tests/unit/test_hashtable
TESTS += tests/unit/test_hashtable
tests_unit_test_hashtable_SOURCES = tests/unit/test_hashtable.c
tests_unit_test_hashtable_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_hashtable_LDADD = $(UNIT_LIBS)

noinst_PROGRAMS += tools/bench/hashtable_bench
tools_bench_hashtable_bench_SOURCES = tools/bench/hashtable_bench.c
tools_bench_hashtable_bench_LDADD = $(NODE_LIBS)
