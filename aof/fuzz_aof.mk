# fuzz target for the AOF command-stream parser (tests/fuzz/fuzz_aof.c),
# seeded from tests/fuzz/corpus/aof/.
if FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz_aof
tests_fuzz_fuzz_aof_SOURCES = tests/fuzz/fuzz_aof.c
tests_fuzz_fuzz_aof_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_aof_LDADD = $(NODE_LIBS)
endif
EXTRA_DIST += tests/fuzz/corpus/aof
