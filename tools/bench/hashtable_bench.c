/* hashtable_bench.c — micro-benchmark of node/store/hashtable.c.
 *
 * Inserts N keys, then looks every one up (hits), then N absent keys
 * (misses), then deletes them all, and prints ns/op and table bytes/entry.
 * Two key kinds: integers stored in the entry pointer itself (measures the
 * table alone) and heap strings "key:0000001" with a 64-bit string hash
 * (closer to the keyspace: every hit also reads the entry).  The string hash
 * here is a local FNV-1a + finalizer, cheaper than the server's SipHash, so
 * the figures are the table's cost, not the hash function's.
 *
 *   tools/bench/hashtable_bench [N]      (default 1000000) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "node/base/mem.h"
#include "node/store/hashtable.h"

static uint64_t nowNs(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t intHash(const void *key) { return mix64((uintptr_t)key); }
static hashtableType intType = {.hashFunction = intHash};

static uint64_t strHash(const void *key) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (const unsigned char *p = key; *p; p++) h = (h ^ *p) * 0x100000001b3ULL;
    return mix64(h);
}
static int strCompare(const void *a, const void *b) { return strcmp(a, b); }
static hashtableType strType = {.hashFunction = strHash, .keyCompare = strCompare, .entryDestructor = memFree};

static void report(const char *what, uint64_t ns, size_t n) {
    printf("  %-8s %7.1f ns/op\n", what, (double)ns / (double)n);
}

static void benchInt(size_t n) {
    hashtable *ht = hashtableCreate(&intType);
    uint64_t t0 = nowNs();
    for (size_t i = 0; i < n; i++) hashtableAdd(ht, (void *)(uintptr_t)((i + 1) * 8));
    uint64_t t1 = nowNs();
    size_t hits = 0;
    for (size_t i = 0; i < n; i++) hits += hashtableFind(ht, (void *)(uintptr_t)((i + 1) * 8), NULL);
    uint64_t t2 = nowNs();
    for (size_t i = 0; i < n; i++) hits += hashtableFind(ht, (void *)(uintptr_t)((i + n + 1) * 8), NULL);
    uint64_t t3 = nowNs();
    printf("int keys, %zu entries, %.2f table bytes/entry (%s)\n", n,
           (double)hashtableMemUsage(ht) / (double)hashtableSize(ht),
           hashtableIsRehashing(ht) ? "rehashing" : "stable");
    for (size_t i = 0; i < n; i++) hashtableDelete(ht, (void *)(uintptr_t)((i + 1) * 8));
    uint64_t t4 = nowNs();
    report("insert", t1 - t0, n);
    report("hit", t2 - t1, n);
    report("miss", t3 - t2, n);
    report("delete", t4 - t3, n);
    if (hits != n) printf("  BUG: %zu hits\n", hits);
    hashtableRelease(ht);
}

static void benchString(size_t n) {
    hashtable *ht = hashtableCreate(&strType);
    char **keys = malloc(n * sizeof(char *));
    char buf[32];
    for (size_t i = 0; i < n; i++) {
        snprintf(buf, sizeof(buf), "key:%07zu", i);
        keys[i] = memStrdup(buf);
    }
    uint64_t t0 = nowNs();
    for (size_t i = 0; i < n; i++) hashtableAdd(ht, keys[i]);
    uint64_t t1 = nowNs();
    size_t hits = 0;
    for (size_t i = 0; i < n; i++) {
        snprintf(buf, sizeof(buf), "key:%07zu", (i * 7919) % n); /* not insertion order */
        hits += hashtableFind(ht, buf, NULL);
    }
    uint64_t t2 = nowNs();
    for (size_t i = 0; i < n; i++) {
        snprintf(buf, sizeof(buf), "nokey:%07zu", i);
        hits += hashtableFind(ht, buf, NULL);
    }
    uint64_t t3 = nowNs();
    printf("string keys, %zu entries, %.2f table bytes/entry\n", n,
           (double)hashtableMemUsage(ht) / (double)hashtableSize(ht));
    report("insert", t1 - t0, n);
    report("hit*", t2 - t1, n);
    report("miss*", t3 - t2, n);
    printf("  (* includes one snprintf per lookup)\n");
    if (hits != n) printf("  BUG: %zu hits\n", hits);
    hashtableRelease(ht);
    free(keys);
}

int main(int argc, char **argv) {
    size_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
    if (n == 0) n = 1;
    benchInt(n);
    benchString(n);
    return 0;
}
