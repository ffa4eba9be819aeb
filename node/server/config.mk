# config: the registry, file loading, CONFIG GET/SET/REWRITE and the catalog
# of Valkey 8 directives (node/server/config*.c).
libnode_a_SOURCES += node/server/config.h node/server/config_internal.h node/server/config_special.h \
                     node/server/config.c node/server/config_types.c node/server/config_special.c \
                     node/server/config_catalog.c node/server/config_parse.c node/server/config_rewrite.c \
                     node/server/config_cmds.c
dist_sysconf_DATA += tessera.conf

check_PROGRAMS += tests/unit/test_config
TESTS += tests/unit/test_config
tests_unit_test_config_SOURCES = tests/unit/test_config.c
tests_unit_test_config_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_config_LDADD = $(UNIT_LIBS)
EXTRA_DIST += tests/unit/data/valkey8-defaults.conf
tests_unit_test_config_CPPFLAGS = $(AM_CPPFLAGS) -DCONFIG_TEST_SRCDIR='"$(abs_top_srcdir)"'
