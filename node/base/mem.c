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
 * A registered thread that exits folds its final balance into exitedBalance
 * (a pthread key destructor does it) and frees its slot, so a thread that
 * comes and goes neither leaves a dangling counter pointer behind nor uses up
 * the fixed table.  Allocations of threads that never registered (library
 * threads) are not counted.
 *
 * Without jemalloc (ASan builds) a relaxed atomic counter of
 * malloc_usable_size() is maintained instead.
 *
 * Invariant (jemalloc): a slot is in use iff its allocated pointer is
 * non-NULL; the deallocated pointer is published before it and cleared after
 * it, so a reader that sees the first non-NULL normally sees the second too
 * (and skips the slot otherwise). */
#include "node/base/mem.h"

#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
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
static uint64_t *_Atomic slotAllocated[MEM_MAX_THREADS];
static uint64_t *_Atomic slotDeallocated[MEM_MAX_THREADS];
/* Net bytes left behind by registered threads that have exited. */
static _Atomic int64_t exitedBalance;
static pthread_mutex_t slotLock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t keyOnce = PTHREAD_ONCE_INIT;
static pthread_key_t exitKey;
static _Thread_local int threadSlot = -1;

static int64_t slotBalance(uint64_t *a, uint64_t *d) {
    return (int64_t)(*(volatile uint64_t *)a - *(volatile uint64_t *)d);
}

/* pthread key destructor: the thread is exiting (its TLS, where jemalloc
 * keeps the counters, is still mapped while destructors run). */
static void threadExit(void *value) {
    int slot = (int)(intptr_t)value - 1;
    pthread_mutex_lock(&slotLock);
    uint64_t *a = atomic_load(&slotAllocated[slot]);
    uint64_t *d = atomic_load(&slotDeallocated[slot]);
    atomic_store(&slotAllocated[slot], NULL);
    atomic_fetch_add(&exitedBalance, slotBalance(a, d));
    atomic_store(&slotDeallocated[slot], NULL);
    pthread_mutex_unlock(&slotLock);
    threadSlot = -1;
}

static void createExitKey(void) { pthread_key_create(&exitKey, threadExit); }

static int claimSlot(uint64_t *a, uint64_t *d) {
    int slot = -1;
    pthread_mutex_lock(&slotLock);
    for (int i = 0; i < MEM_MAX_THREADS && slot < 0; i++)
        if (atomic_load(&slotAllocated[i]) == NULL) slot = i;
    if (slot >= 0) {
        atomic_store(&slotDeallocated[slot], d);
        atomic_store(&slotAllocated[slot], a);
    }
    pthread_mutex_unlock(&slotLock);
    return slot;
}

int memThreadInit(void) {
    if (threadSlot >= 0) return 0;
    uint64_t *a, *d;
    size_t sz = sizeof(a);
    if (mallctl("thread.allocatedp", &a, &sz, NULL, 0) != 0) return -1;
    sz = sizeof(d);
    if (mallctl("thread.deallocatedp", &d, &sz, NULL, 0) != 0) return -1;
    pthread_once(&keyOnce, createExitKey);
    int slot = claimSlot(a, d);
    if (slot < 0) return -1;
    threadSlot = slot;
    pthread_setspecific(exitKey, (void *)(intptr_t)(slot + 1));
    return 0;
}

size_t memUsed(void) {
    int64_t total = atomic_load(&exitedBalance);
    for (int i = 0; i < MEM_MAX_THREADS; i++) {
        uint64_t *a = atomic_load(&slotAllocated[i]);
        uint64_t *d = atomic_load(&slotDeallocated[i]);
        if (a && d) total += slotBalance(a, d);
    }
    return total > 0 ? (size_t)total : 0;
}

size_t memUsableSize(const void *ptr) { return ptr ? malloc_usable_size((void *)ptr) : 0; }

static char allocatorName[64] = "jemalloc";
static pthread_once_t nameOnce = PTHREAD_ONCE_INIT;

/* "jemalloc-5.3.0" from jemalloc's "5.3.0-0-g<hash>" version string. */
static void buildAllocatorName(void) {
    const char *version = NULL;
    size_t sz = sizeof(version);
    if (mallctl("version", &version, &sz, NULL, 0) != 0 || !version) return;
    size_t n = strcspn(version, "-");
    snprintf(allocatorName, sizeof(allocatorName), "jemalloc-%.*s", (int)n, version);
}

const char *memAllocatorName(void) {
    pthread_once(&nameOnce, buildAllocatorName);
    return allocatorName;
}

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

/* jemalloc returns freed pages to the OS as they decay, but decay only
 * advances when the process allocates: an idle server would keep its dirty
 * pages forever.  jemalloc's background thread advances it on a timer. */
int memSetBackgroundPurge(int enable) {
    bool on = enable != 0;
    return mallctl("background_thread", NULL, NULL, &on, sizeof(on)) == 0 ? 0 : -1;
}

#define ACCOUNT_ALLOC(p) ((void)(p))
#define ACCOUNT_FREE(p) ((void)(p))
#else
int memSetBackgroundPurge(int enable) {
    (void)enable;
    return -1;
}
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

void *memTryCalloc(size_t size) {
    /* No machine we run on has a terabyte to give: refuse outright rather
     * than ask (sanitizer allocators abort on absurd requests). */
    if (size > ((size_t)1 << 40)) return NULL;
    void *p = calloc(1, size ? size : 1);
    if (p) ACCOUNT_ALLOC(p);
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
