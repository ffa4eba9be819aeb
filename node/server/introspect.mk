# introspection commands: CLIENT, INFO, TIME/MEMORY/SLOWLOG/LATENCY/MONITOR, DEBUG.
libnode_a_SOURCES += node/server/client_cmds.c node/server/info.c node/server/introspect_cmds.c \
                     node/server/debug_cmds.c
# CLIENT family helpers: the CLIENT LIST line, CLIENT PAUSE, MONITOR.
libnode_a_SOURCES += node/net/client_info.c node/net/client_info.h node/server/client_pause.c \
                     node/server/client_pause.h node/server/monitor.c node/server/monitor.h
check_PROGRAMS += tests/unit/test_client_info
TESTS += tests/unit/test_client_info
tests_unit_test_client_info_SOURCES = tests/unit/test_client_info.c
tests_unit_test_client_info_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_client_info_LDADD = $(UNIT_LIBS)
# INFO, SLOWLOG, LATENCY, MEMORY, DEBUG: their data and the crash report.  The
# crash report resolves the server's own function names with dladdr, which
# needs the executable's symbols exported (-rdynamic, as Valkey links).
libnode_a_SOURCES += node/server/info.h node/server/slowlog.c node/server/slowlog.h \
                     node/server/latency.c node/server/latency.h node/server/digest.c node/server/digest_types.c \
                     node/server/digest.h node/server/crash.c node/server/crash.h
tessera_server_LDFLAGS = $(AM_LDFLAGS) -rdynamic
check_PROGRAMS += tests/unit/test_slowlog tests/unit/test_latency tests/unit/test_digest
TESTS += tests/unit/test_slowlog tests/unit/test_latency tests/unit/test_digest
tests_unit_test_slowlog_SOURCES = tests/unit/test_slowlog.c
tests_unit_test_slowlog_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_slowlog_LDADD = $(UNIT_LIBS)
tests_unit_test_latency_SOURCES = tests/unit/test_latency.c
tests_unit_test_latency_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_latency_LDADD = $(UNIT_LIBS)
tests_unit_test_digest_SOURCES = tests/unit/test_digest.c
tests_unit_test_digest_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_digest_LDADD = $(UNIT_LIBS)
