# zset: value encodings, commands and tests.
libnode_a_SOURCES += node/types/zset_value.c node/types/zset_value.h \
	node/types/zset_cmds.c node/types/zset_cmds.h node/types/zset_pop_cmds.c \
	node/types/zset_range_cmds.c node/types/zset_store_cmds.c

check_PROGRAMS += tests/unit/test_zset_value
TESTS += tests/unit/test_zset_value
tests_unit_test_zset_value_SOURCES = tests/unit/test_zset_value.c
tests_unit_test_zset_value_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_zset_value_LDADD = $(UNIT_LIBS)
