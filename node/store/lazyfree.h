/* lazyfree.h — freeing keyspace values and whole databases off the main
 * thread (UNLINK, FLUSHALL ASYNC, lazy deletes of big values).
 *
 * One background thread takes jobs from a queue; the main thread hands it an
 * entry (kvobj, already detached from every table) or a pair of database
 * tables (from dbEmpty's asyncFree callback) and never touches them again.
 * Small values are cheaper to free right away than to hand over, so
 * lazyfreeFreeObject decides by an estimate of the work (about one unit per
 * allocation to free).
 *
 * Contract for the types modules: a value's free function (kvRegisterValueType)
 * may run on the lazyfree thread, so it must only free memory it owns and
 * touch no shared mutable state. */
#ifndef TESSERA_LAZYFREE_H
#define TESSERA_LAZYFREE_H

#include <stddef.h>

#include "node/store/hashtable.h"
#include "node/store/kvobj.h"

/* Values whose free effort is above this go to the thread. */
#define LAZYFREE_THRESHOLD 64

/* Effort of freeing a pointer-held value: roughly the number of allocations
 * it owns (elements of a hashtable set, nodes of a quicklist, ...).  The
 * types module registers one per (type, encoding) that can grow; without
 * one, single-allocation encodings (listpack, intset) count 1 and any other
 * pointer encoding is assumed big. */
typedef size_t (*lazyfreeEffortFn)(const void *ptr);
void lazyfreeRegisterEffort(int type, int encoding, lazyfreeEffortFn fn);
size_t lazyfreeFreeEffort(const kvobj *kv);

/* Frees a detached entry: inline when small, else on the thread. */
void lazyfreeFreeObject(kvobj *kv);
/* Always on the thread (tests, callers that know the value is big). */
void lazyfreeFreeObjectAsync(kvobj *kv);
/* dbEmpty's asyncFree callback: frees the old keys table (entries included)
 * and its expires table.  Tiny tables are freed inline. */
void lazyfreeFreeTables(hashtable *keys, hashtable *expires);

/* INFO: lazyfree_pending_objects, lazyfreed_objects. */
long long lazyfreePendingObjects(void);
long long lazyfreeFreedObjects(void);
void lazyfreeResetStats(void);

/* Waits until the queue is empty and the thread idle; 1 if so within
 * timeoutMs, 0 on timeout (tests, DEBUG). */
int lazyfreeWaitIdle(long long timeoutMs);
/* Stops the thread after the job it is running; queued jobs stay queued
 * (process exit).  Idempotent. */
void lazyfreeShutdown(void);

#endif
