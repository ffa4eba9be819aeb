# fuzz targets for the compact encodings' validators (listpack, intset).
# tools/test finds them by name (tests/fuzz/fuzz_*), seeds from
# tests/fuzz/corpus/<name>/.
if FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz_listpack tests/fuzz/fuzz_intset
tests_fuzz_fuzz_listpack_SOURCES = tests/fuzz/fuzz_listpack.c
tests_fuzz_fuzz_listpack_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_listpack_LDADD = $(NODE_LIBS)
tests_fuzz_fuzz_intset_SOURCES = tests/fuzz/fuzz_intset.c
tests_fuzz_fuzz_intset_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_intset_LDADD = $(NODE_LIBS)
endif
EXTRA_DIST += tests/fuzz/corpus/listpack tests/fuzz/corpus/intset
