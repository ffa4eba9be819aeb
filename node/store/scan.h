/* scan.h — what SCAN, HSCAN, SSCAN and ZSCAN share: the cursor, the options
 * and a bounded walk of a hashtable.
 *
 * The cursor is the hashtable's own scan cursor printed as an unsigned
 * decimal (hashtable.h explains the guarantee: an element present for the
 * whole iteration is returned at least once).  One call visits buckets
 * until COUNT candidates were collected or 10 * COUNT buckets were visited,
 * so a sparse table cannot make a call unbounded.  Compact encodings
 * (listpack, intset) are returned whole by their commands, with cursor 0. */
#ifndef TESSERA_SCAN_H
#define TESSERA_SCAN_H

#include <stddef.h>

#include "node/base/dstr.h"
#include "node/net/client.h"
#include "node/store/hashtable.h"

/* Which command parses: decides which options are accepted. */
enum { SCAN_KEYS = 0, SCAN_HASH, SCAN_SET, SCAN_ZSET };

typedef struct scanArgs {
    long long count;   /* COUNT, 10 by default */
    dstr pattern;      /* MATCH; NULL for none or "*" */
    int type;          /* TYPE (SCAN only): an OBJ_* type, -1 for any */
    int noValues;      /* NOVALUES (HSCAN) or NOSCORES (ZSCAN) */
} scanArgs;

/* An unsigned decimal, leading zeros accepted; replies "ERR invalid cursor"
 * and returns -1 otherwise. */
int scanParseCursor(client *c, const dstr arg, unsigned long long *cursor);
/* The options from argv[first] on, in Valkey's errors; -1 after replying. */
int scanParseArgs(client *c, int first, int kind, scanArgs *a);
/* 1 if s (len bytes) matches the MATCH pattern (always without one). */
int scanMatches(const scanArgs *a, const char *s, size_t len);

/* Entries collected from a table, in visiting order (may repeat). */
typedef struct scanBatch {
    void **entries;
    size_t count, cap;
} scanBatch;

/* Visits ht from cursor into b (initialised to {0}) within the COUNT
 * budget; returns the cursor for the next call, 0 when done. */
unsigned long long scanCollect(hashtable *ht, unsigned long long cursor, long long count, scanBatch *b);
void scanBatchFree(scanBatch *b);

/* The first half of every scan reply: a 2-element array and the cursor. */
void scanReplyCursor(client *c, unsigned long long cursor);

#endif
