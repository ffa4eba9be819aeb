# hll: HyperLogLog core in Valkey's sparse/dense string format.
libnode_a_SOURCES += node/types/hll.c node/types/hll.h

check_PROGRAMS += tests/unit/test_hll
TESTS += tests/unit/test_hll
tests_unit_test_hll_SOURCES = tests/unit/test_hll.c
tests_unit_test_hll_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_hll_LDADD = $(UNIT_LIBS)
libnode_a_SOURCES += node/types/hll_cmds.c
libnode_a_SOURCES += node/types/hll_settings.h
