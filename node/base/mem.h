/* mem.h — allocation with memory accounting.
 *
 * Every allocation of the node goes through these wrappers.  An allocation
 * failure is not survivable for an in-memory store (the dataset would be left
 * half-modified), so the wrappers log and abort instead of returning NULL;
 * code that can refuse a request gracefully checks maxmemory beforehand.
 *
 * memUsed() is the number of bytes the allocator has handed out and not taken
 * back, summed over every thread that allocates.  With jemalloc it is read from
 * jemalloc's own per-thread counters, so the hot path pays nothing for it;
 * with libc malloc (sanitizer builds) a relaxed atomic counter is kept. */
#ifndef TESSERA_MEM_H
#define TESSERA_MEM_H

#include <stddef.h>

void *memAlloc(size_t size);
void *memCalloc(size_t size);
/* Like memCalloc but returns NULL when the allocation fails: for the few
 * requests sized by a client that may be refused (e.g. pre-sizing a table). */
void *memTryCalloc(size_t size);
void *memRealloc(void *ptr, size_t size);
void memFree(void *ptr);
char *memStrdup(const char *s);
void *memDup(const void *p, size_t size);

/* Usable size of an allocation (>= the size asked for). */
size_t memUsableSize(const void *ptr);

/* Bytes in use now, across all threads that called memThreadInit(). */
size_t memUsed(void);

/* Each thread that allocates registers itself once (main does it for the
 * main thread).  Returns 0, or -1 when the fixed thread table is full. */
int memThreadInit(void);

/* Name of the allocator, for INFO mem_allocator. */
const char *memAllocatorName(void);

/* Allocator statistics (jemalloc: stats.allocated/active/resident/retained
 * after an epoch refresh).  Fields are 0 when the allocator cannot tell. */
typedef struct memAllocatorStats {
    size_t allocated;
    size_t active;
    size_t resident;
    size_t retained;
} memAllocatorStats;
void memGetAllocatorStats(memAllocatorStats *stats);

/* Resident set size of the process from /proc/self/statm (bytes, 0 on error),
 * and the anonymous part of it from /proc/self/status (RssAnon). */
size_t memProcessRss(void);
size_t memProcessRssAnon(void);

/* Let the allocator purge freed pages in the background (jemalloc's
 * background thread; `jemalloc-bg-thread`).  Returns 0, or -1 if the
 * allocator cannot. */
int memSetBackgroundPurge(int enable);

/* Install a hook called (with the size) before abort() on allocation failure. */
void memSetOomHandler(void (*handler)(size_t size));

#endif
