/* dump_cmds.h — DUMP, RESTORE and RESTORE-ASKING (node/server/dump_cmds.c). */
#ifndef TESSERA_DUMP_CMDS_H
#define TESSERA_DUMP_CMDS_H

/* Binds the commands (called from node/server/modules.c). */
void dumpCmdsInit(void);

#endif
