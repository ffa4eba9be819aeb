# list: value encodings, commands and tests.
libnode_a_SOURCES += node/types/list_value.c node/types/list_value.h \
	node/types/list_cmds.c node/types/list_cmds.h node/types/list_move_cmds.c

check_PROGRAMS += tests/unit/test_list_value
TESTS += tests/unit/test_list_value
tests_unit_test_list_value_SOURCES = tests/unit/test_list_value.c
tests_unit_test_list_value_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_list_value_LDADD = $(UNIT_LIBS)
