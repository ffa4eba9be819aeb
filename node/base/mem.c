/* mem.c — allocation wrappers and the used-memory figure.
 *
 * Design: with jemalloc, each registered thread contributes the two counters
 * jemalloc already keeps for it (thread.allocatedp / thread.deallocatedp,
 * monotonic byte totals).  memUsed() sums allocated - deallocated over the
 * registered threads.  Memory freed by a thread other than the one that
 * allocated it shows up as a negative balance on the freeing thread and is
 * still counted correctly in the sum.  This costs nothing per allocation,
 * unlike a shared atomic counter that would bounce a cache line between the
 * main thread and the background threads.
 *
 * Without jemalloc (ASan builds) a relaxed atomic counter of
 * malloc_usable_size() is maintained instead. */
#include "node/base/mem.h"

#include <malloc.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef USE_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

#define MEM_MAX_THREADS 64

static void (*oomHandler)(size_t size);

static void memOom(size_t size) {
    if (oomHandler) oomHandler(size);
    fprintf(stderr, "tessera: out of memory allocating %zu bytes\n", size);
    abort();
}

void memSetOomHandler(void (*handler)(size_t size)) { oomHandler = handler; }

#ifdef USE_JEMALLOC
/* Registered threads' counter pointers.  Slots are only ever appended; the
 * count is published with release ordering after the slot is filled. */
static uint64_t *threadAllocated[MEM_MAX_THREADS];
static uint64_t *threadDeallocated[MEM_MAX_THREADS];
static _Atomic int threadCount;
static _Thread_local int threadRegistered;

int memThreadInit(void) {
    if (threadRegistered) return 0;
    uint64_t *a, *d;
    size_t sz = sizeof(a);
    if (mallctl("thread.allocatedp", &a, &sz, NULL, 0) != 0) return -1;
    sz = sizeof(d);
    if (mallctl("thread.deallocatedp", &d, &sz, NULL, 0) != 0) return -1;
    int slot = atomic_fetch_add(&threadCount, 1);
    if (slot >= MEM_MAX_THREADS) {
        atomic_fetch_sub(&threadCount, 1);
        return -1;
    }
    threadAllocated[slot] = a;
    threadDeallocated[slot] = d;
    threadRegistered = 1;
    return 0;
}

size_t memUsed(void) {
    int n = atomic_load_explicit(&threadCount, memory_order_acquire);
    int64_t total = 0;
    for (int i = 0; i < n; i++) {
        if (!threadAllocated[i]) continue;
        total += (int64_t)(*(volatile uint64_t *)threadAllocated[i] -
                           *(volatile uint64_t *)threadDeallocated[i]);
    }
    return total > 0 ? (size_t)total : 0;
}

size_t memUsableSize(const void *ptr) { return ptr ? malloc_usable_size((void *)ptr) : 0; }
const char *memAllocatorName(void) { return "jemalloc-5.3.0"; }

void memGetAllocatorStats(memAllocatorStats *s) {
    uint64_t epoch = 1;
    size_t sz = sizeof(epoch);
    mallctl("epoch", &epoch, &sz, &epoch, sz);
    memset(s, 0, sizeof(*s));
    sz = sizeof(size_t);
    mallctl("stats.allocated", &s->allocated, &sz, NULL, 0);
    sz = sizeof(size_t);
    mallctl("stats.active", &s->active, &sz, NULL, 0);
    sz = sizeof(size_t);
    mallctl("stats.resident", &s->resident, &sz, NULL, 0);
    sz = sizeof(size_t);
    mallctl("stats.retained", &s->retained, &sz, NULL, 0);
}

#define ACCOUNT_ALLOC(p) ((void)(p))
#define ACCOUNT_FREE(p) ((void)(p))
#else
static _Atomic size_t usedBytes;

int memThreadInit(void) { return 0; }
size_t memUsed(void) { return atomic_load_explicit(&usedBytes, memory_order_relaxed); }
size_t memUsableSize(const void *ptr) { return ptr ? malloc_usable_size((void *)ptr) : 0; }
const char *memAllocatorName(void) { return "libc"; }
void memGetAllocatorStats(memAllocatorStats *s) {
    memset(s, 0, sizeof(*s));
    s->allocated = memUsed();
}
#define ACCOUNT_ALLOC(p) \
    atomic_fetch_add_explicit(&usedBytes, malloc_usable_size(p), memory_order_relaxed)
#define ACCOUNT_FREE(p) \
    atomic_fetch_sub_explicit(&usedBytes, malloc_usable_size(p), memory_order_relaxed)
#endif

void *memAlloc(size_t size) {
    void *p = malloc(size ? size : 1);
    if (!p) memOom(size);
    ACCOUNT_ALLOC(p);
    return p;
}

void *memCalloc(size_t size) {
    void *p = calloc(1, size ? size : 1);
    if (!p) memOom(size);
    ACCOUNT_ALLOC(p);
    return p;
}

void *memRealloc(void *ptr, size_t size) {
    if (!ptr) return memAlloc(size);
    if (size == 0) size = 1;
    ACCOUNT_FREE(ptr);
    void *p = realloc(ptr, size);
    if (!p) memOom(size);
    ACCOUNT_ALLOC(p);
    return p;
}

void memFree(void *ptr) {
    if (!ptr) return;
    ACCOUNT_FREE(ptr);
    free(ptr);
}

char *memStrdup(const char *s) { return memDup(s, strlen(s) + 1); }

void *memDup(const void *src, size_t size) {
    void *p = memAlloc(size);
    memcpy(p, src, size);
    return p;
}

size_t memProcessRss(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f) return 0;
    unsigned long size, resident;
    int ok = fscanf(f, "%lu %lu", &size, &resident) == 2;
    fclose(f);
    return ok ? (size_t)resident * (size_t)sysconf(_SC_PAGESIZE) : 0;
}

size_t memProcessRssAnon(void) {
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return 0;
    char line[256];
    size_t kb = 0;
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, "RssAnon:", 8) == 0) {
            kb = strtoul(line + 8, NULL, 10);
            break;
        }
    }
    fclose(f);
    return kb * 1024;
}
