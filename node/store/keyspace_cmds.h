/* keyspace_cmds.h — what other modules may tell the generic keyspace
 * commands (keyspace_cmds.c, expire_cmds.c, scan_cmds.c), and the few
 * helpers those three files share.
 *
 * COPY needs a deep copy of a value.  Strings are copied here; every types
 * module whose values are held by pointer registers one copy function per
 * (type, encoding).  A value with no registered copy function cannot be
 * copied (COPY replies an error rather than share it). */
#ifndef TESSERA_KEYSPACE_CMDS_H
#define TESSERA_KEYSPACE_CMDS_H

#include "node/net/client.h"
#include "node/store/kvobj.h"

/* Returns a new, independent value equal to ptr. */
typedef void *(*keyspaceValueDupFn)(const void *ptr);
void keyspaceRegisterValueDup(int type, int encoding, keyspaceValueDupFn fn);

/* --- Shared by the keyspace command files --- */

/* Command tables the server binds (node/server/modules.c). */
extern const commandBinding keyspaceCommands[];
extern const commandBinding expireCommands[];
extern const commandBinding scanCommands[];

/* The lazyfree-lazy-* directives that decide who frees a deleted value. */
enum { LAZY_USER_DEL = 0, LAZY_USER_FLUSH, LAZY_SERVER_DEL, LAZY_EXPIRE, LAZY_SETTING_COUNT };
int keyspaceLazySetting(int which);
/* The settings array, indexed by LAZY_*, for the config bindings. */
int *keyspaceLazySettings(void);
/* Frees an entry already detached from its tables: through the lazyfree
 * thread when the setting is on (small values are still freed inline). */
void keyspaceFreeDetached(kvobj *kv, int which);
/* Lookup flags for a read by this client (CLIENT NO-TOUCH). */
int keyspaceReadFlags(const client *c);

#endif
