# command table: metadata generated at build time from the command facts and
# our summaries (tools/gen_command_table.py), lookup and key extraction
# (command.c), the COMMAND command (command_cmds.c).  The generated C lands in
# the build directory, never in the source tree of an out-of-tree build.
COMMAND_TABLE_INPUTS = $(srcdir)/node/server/command_facts.json \
                       $(srcdir)/node/server/command_facts_extra.json \
                       $(srcdir)/node/server/command_summaries.txt \
                       $(srcdir)/tools/gen_command_table.py
libnode_a_SOURCES += node/server/command.c node/server/command_cmds.c
nodist_libnode_a_SOURCES = node/server/command_table.c
BUILT_SOURCES += node/server/command_table.c tests/unit/test_command_expect.inc
CLEANFILES += node/server/command_table.c tests/unit/test_command_expect.inc
EXTRA_DIST += $(COMMAND_TABLE_INPUTS) tools/dump_command_facts.py

node/server/command_table.c: $(COMMAND_TABLE_INPUTS)
	$(AM_V_GEN)$(MKDIR_P) node/server && \
	$(PYTHON3) $(srcdir)/tools/gen_command_table.py --srcdir $(srcdir) --output $@

tests/unit/test_command_expect.inc: $(COMMAND_TABLE_INPUTS)
	$(AM_V_GEN)$(MKDIR_P) tests/unit && \
	$(PYTHON3) $(srcdir)/tools/gen_command_table.py --srcdir $(srcdir) --expect $@

check_PROGRAMS += tests/unit/test_command
TESTS += tests/unit/test_command
tests_unit_test_command_SOURCES = tests/unit/test_command.c
tests_unit_test_command_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_command_LDADD = $(UNIT_LIBS)
# The expectations are #included: make must generate them before the first
# compile, when no dependency file exists yet.
tests/unit/test_command-test_command.$(OBJEXT): tests/unit/test_command_expect.inc
