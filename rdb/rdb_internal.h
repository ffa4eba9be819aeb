/* rdb_internal.h — what the files of rdb/ share and nobody else needs. */
#ifndef TESSERA_RDB_INTERNAL_H
#define TESSERA_RDB_INTERNAL_H

/* Each type file's registration, called once from rdbInit. */
void rdbStringRegister(void);
void rdbListRegister(void);
void rdbHashRegister(void);
void rdbSetRegister(void);
void rdbZsetRegister(void);
/* 1 for numbers that name a value type (known to the format), 0 for
 * opcodes and unknown bytes. */
int rdbIsValueType(int type);

#endif
