# resp codec.
libresp_a_SOURCES += node/net/resp.c node/net/resp.h

check_PROGRAMS += tests/unit/test_resp
TESTS += tests/unit/test_resp
tests_unit_test_resp_SOURCES = tests/unit/test_resp.c
tests_unit_test_resp_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_resp_LDADD = $(BASE_LIBS) $(CMOCKA_LIBS)

if FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz_resp
tests_fuzz_fuzz_resp_SOURCES = tests/fuzz/fuzz_resp.c
tests_fuzz_fuzz_resp_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_resp_LDADD = $(BASE_LIBS)
endif
