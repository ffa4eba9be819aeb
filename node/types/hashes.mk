# hash: value encodings, commands and tests.
libnode_a_SOURCES += node/types/hash_value.c node/types/hash_value.h
libnode_a_SOURCES += node/types/hash_cmds.c node/types/hash_cmds.h node/types/hash_walk_cmds.c

check_PROGRAMS += tests/unit/test_hash_value
TESTS += tests/unit/test_hash_value
tests_unit_test_hash_value_SOURCES = tests/unit/test_hash_value.c
tests_unit_test_hash_value_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_hash_value_LDADD = $(UNIT_LIBS)
