# set: value encodings (intset, listpack, hashtable), commands and tests.
libnode_a_SOURCES += node/types/set_value.c node/types/set_value.h
libnode_a_SOURCES += node/types/set_cmds.c node/types/set_algebra_cmds.c node/types/set_cmds.h

check_PROGRAMS += tests/unit/test_set_value
TESTS += tests/unit/test_set_value
tests_unit_test_set_value_SOURCES = tests/unit/test_set_value.c
tests_unit_test_set_value_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_set_value_LDADD = $(UNIT_LIBS)
