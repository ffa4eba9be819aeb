# fuzz targets for the RDB loader (whole files) and for RESTORE payloads.
# tools/test finds them by name (tests/fuzz/fuzz_*), seeds from
# tests/fuzz/corpus/rdb and tests/fuzz/corpus/restore.
if FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz_rdb tests/fuzz/fuzz_restore
tests_fuzz_fuzz_rdb_SOURCES = tests/fuzz/fuzz_rdb.c
tests_fuzz_fuzz_rdb_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_rdb_LDADD = $(NODE_LIBS)
tests_fuzz_fuzz_restore_SOURCES = tests/fuzz/fuzz_restore.c
tests_fuzz_fuzz_restore_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_restore_LDADD = $(NODE_LIBS)
endif
EXTRA_DIST += tests/fuzz/corpus/rdb tests/fuzz/corpus/restore
