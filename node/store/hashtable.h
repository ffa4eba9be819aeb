/* hashtable.h — the keyspace's hash table (also used for big sets, hashes and
 * the expires index).
 *
 * An open hash table of entry pointers in cache-line sized buckets, with
 * incremental rehashing: while a resize is under way there are two tables and
 * every operation moves a few buckets from the old to the new one, so no
 * single call ever pays for a whole resize.  Entries are opaque pointers owned
 * by the caller's type; the table stores nothing but the pointer (and a hash
 * fingerprint byte), so a key and its value can live in one allocation.
 *
 * Scan guarantee: an entry present for the whole duration of a scan (cursor 0
 * back to 0) is returned at least once, across any number of resizes, using a
 * reverse-binary cursor over bucket indexes.  An entry may be returned more
 * than once.
 *
 * Safe iterators pause incremental rehashing while they live, so entries may
 * be deleted during iteration; plain iterators assert nothing changed. */
#ifndef TESSERA_HASHTABLE_H
#define TESSERA_HASHTABLE_H

#include <stddef.h>
#include <stdint.h>

typedef struct hashtable hashtable;

typedef struct hashtableType {
    /* Key of an entry; if NULL the entry is its own key. */
    const void *(*entryGetKey)(const void *entry);
    /* Required. */
    uint64_t (*hashFunction)(const void *key);
    /* 0 when equal; if NULL keys are compared as pointers. */
    int (*keyCompare)(const void *key1, const void *key2);
    /* Called on entries removed by hashtableDelete / hashtableRelease / Empty. */
    void (*entryDestructor)(void *entry);
    /* Optional: veto automatic resizes (e.g. while a fork child runs, to keep
     * copy-on-write low).  Return 0 to forbid growing beyond the hard limit. */
    int (*resizeAllowed)(size_t moreMem, double fillFactor);
    /* Optional: called when a rehash starts and finishes (metrics, hooks). */
    void (*rehashingStarted)(hashtable *ht);
    void (*rehashingCompleted)(hashtable *ht);
    /* Extra bytes of caller metadata allocated with the table. */
    size_t (*getMetadataSize)(void);
} hashtableType;

/* Iterator storage, opaque but allocatable on the stack. */
typedef struct hashtableIterator {
    uint64_t opaque[8];
} hashtableIterator;

#define HASHTABLE_ITER_SAFE (1 << 0)

/* Two-phase insert / delete positions, opaque. */
typedef struct hashtablePosition {
    uint64_t opaque[4];
} hashtablePosition;

hashtable *hashtableCreate(hashtableType *type);
void hashtableRelease(hashtable *ht);
/* Remove every entry (destructor called); the table keeps its type. */
void hashtableEmpty(hashtable *ht, void (*callback)(hashtable *));
hashtableType *hashtableGetType(hashtable *ht);
void *hashtableMetadata(hashtable *ht);

size_t hashtableSize(const hashtable *ht);
/* Number of bucket slots allocated (both tables while rehashing). */
size_t hashtableBuckets(const hashtable *ht);
/* Bytes used by the table itself, not counting the entries. */
size_t hashtableMemUsage(const hashtable *ht);
int hashtableIsRehashing(const hashtable *ht);
/* Grow so that `size` entries fit without a resize.  Returns 1 if done or
 * not needed, 0 if refused (resizeAllowed) or the size overflows. */
int hashtableExpand(hashtable *ht, size_t size);
/* Like Expand but reports allocation failure instead of aborting. */
int hashtableTryExpand(hashtable *ht, size_t size);
/* Shrink if the fill is low. */
int hashtableShrinkIfNeeded(hashtable *ht);
/* Do rehashing work for up to `us` microseconds; returns µs spent. */
uint64_t hashtableRehashMicroseconds(hashtable *ht, uint64_t us);
/* Global switch: 0 forbids automatic resizes except when nearly full,
 * 1 allows them (default).  Used while a fork child is alive. */
void hashtableSetResizePolicy(int allow);

/* --- Lookup --- */
/* Returns 1 and sets *found if present. */
int hashtableFind(hashtable *ht, const void *key, void **found);
/* Pointer to the stored entry pointer, so the caller can replace the entry
 * with a reallocated copy having the same key; NULL if absent.  Valid only
 * until the next operation on the table. */
void **hashtableFindRef(hashtable *ht, const void *key);

/* Prefetch for a lookup of a key with this hash coming soon: stage 0 the
 * bucket, stage 1 (later) the matching entries. A hint only. */
void hashtablePrefetch(hashtable *ht, uint64_t hash, int stage);

/* --- Insert --- */
/* Adds entry; returns 0 (and does nothing) if an entry with the key exists. */
int hashtableAdd(hashtable *ht, void *entry);
/* Adds entry, or returns 0 and sets *existing to the present one. */
int hashtableAddOrFind(hashtable *ht, void *entry, void **existing);
/* Two-phase insert: find the position for key without inserting.  Returns 1
 * if the key is absent (position filled), 0 if present (*existing set).  No
 * other operation may run between Find and Insert. */
int hashtableFindPositionForInsert(hashtable *ht, void *key, hashtablePosition *pos, void **existing);
void hashtableInsertAtPosition(hashtable *ht, void *entry, hashtablePosition *pos);

/* --- Delete --- */
/* Removes and destroys; returns 1 if found. */
int hashtableDelete(hashtable *ht, const void *key);
/* Removes without the destructor; returns 1 and sets *popped if found. */
int hashtablePop(hashtable *ht, const void *key, void **popped);
/* Two-phase pop: find, use the entry, then delete without a second lookup. */
int hashtableTwoPhasePopFindRef(hashtable *ht, const void *key, void ***ref, hashtablePosition *pos);
void hashtableTwoPhasePopDelete(hashtable *ht, hashtablePosition *pos);
/* Replace the pointer of an entry that was reallocated (same key, same hash).
 * Returns 1 if old_entry was found. */
int hashtableReplaceReallocatedEntry(hashtable *ht, const void *oldEntry, void *newEntry);

/* --- Scan: see the guarantee above.  Returns the next cursor (0 = done). --- */
typedef void (*hashtableScanFunction)(void *privdata, void *entry);
size_t hashtableScan(hashtable *ht, size_t cursor, hashtableScanFunction fn, void *privdata);

/* --- Iteration --- */
void hashtableInitIterator(hashtableIterator *it, hashtable *ht, int flags);
/* Returns 1 and sets *entry, or 0 at the end. */
int hashtableNext(hashtableIterator *it, void **entry);
void hashtableResetIterator(hashtableIterator *it);

/* --- Random --- */
/* Any entry, fast, slightly biased by bucket fill. Returns 0 if empty. */
int hashtableRandomEntry(hashtable *ht, void **found);
/* Fairer choice (samples several buckets). */
int hashtableFairRandomEntry(hashtable *ht, void **found);
/* Up to count entries from a random region; returns how many. */
unsigned hashtableSampleEntries(hashtable *ht, void **dst, unsigned count);

/* Human-readable statistics (for DEBUG HTSTATS). Appends to buf, returns len. */
size_t hashtableGetStats(hashtable *ht, char *buf, size_t bufsize, int full);

#endif
