/* list_cmds.h — what the list command files (list_cmds.c, list_move_cmds.c)
 * share: argument parsing, range replies, and the pop that keeps the
 * keyspace right (events, deleting an emptied list).  Internal to
 * node/types/list_*.c. */
#ifndef TESSERA_LIST_CMDS_H
#define TESSERA_LIST_CMDS_H

#include "node/base/dstr.h"
#include "node/net/client.h"
#include "node/store/kvobj.h"
#include "node/types/list_value.h"

/* LEFT / RIGHT (any case) into LIST_HEAD / LIST_TAIL; -1 after replying a
 * syntax error. */
int listParseWhere(client *c, const dstr arg, int *where);

void listReplyElement(client *c, const listElement *e);
/* Elements start..end (negative from the tail, clamped as LRANGE does),
 * tail to head when reverse; an empty range replies an empty array. */
void listReplyRange(client *c, const listValue *lv, long start, long end, int reverse);

/* Pops min(count, length) elements from `where` of the list kv (stored at
 * key, not empty) and replies them as an array, preceded by the key name
 * when withKey ([key, [elements]], LMPOP's shape); fires the pop event and
 * deletes an emptied key.  Returns how many were popped. */
long listPopRangeReply(client *c, kvobj *kv, const dstr key, int where, long count, int withKey);
/* Pops one element (the list must not be empty) and closes the value;
 * *empty tells whether the list is now empty.  The caller replies, then
 * calls listElementsRemoved (Valkey's order: reply, then events). */
dstr listPopOne(client *c, kvobj *kv, int where, int *empty);

/* The events and counts after count elements were removed from `where`
 * of the list at key (Valkey's listElementsRemoved): "lpop"/"rpop", then
 * the deletion and "del" when the list is now empty. */
void listElementsRemoved(client *c, const dstr key, int where, long count, int empty);

/* Pushes one element on the list at key (creating it when kv is NULL),
 * with the growth check, the push event and the key signalled (no dirty
 * count: LMOVE counts one change in all); for LMOVE. */
void listPushOne(client *c, kvobj *kv, const dstr key, const dstr value, int where);

/* Command procs of list_move_cmds.c. */
void lmoveCommand(client *c);
void rpoplpushCommand(client *c);
void lmpopCommand(client *c);
void blpopCommand(client *c);
void brpopCommand(client *c);
void blmoveCommand(client *c);
void brpoplpushCommand(client *c);
void blmpopCommand(client *c);

#endif
