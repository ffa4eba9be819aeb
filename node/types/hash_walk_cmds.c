/* hash_walk_cmds.c — the hash commands that sample or walk the whole value
 * rather than address fields by name: HRANDFIELD and HSCAN.
 *
 * HRANDFIELD follows Valkey's four cases, which decide both the cost and
 * the reply order:
 *   1. negative count (or count 1): picks with repetition, |count| of them;
 *      a listpack draws them in batches (lpRandomPairs: one walk per batch
 *      instead of a seek per pick);
 *   2. count >= size: the whole hash, in its own order;
 *   3. a listpack, or count above a third of a table: a single pass that
 *      keeps each pair with probability needed/remaining (selection
 *      sampling), or a partial shuffle of the table's entries;
 *   4. a small count from a big table: random picks de-duplicated through a
 *      temporary set of entry pointers, O(count) rather than O(size).
 * With WITHVALUES, RESP2 gets a flat array and RESP3 an array of
 * [field, value] pairs.
 *
 * HSCAN walks a HASHTABLE with the table's reverse-binary cursor (every
 * field present for the whole scan is returned at least once); a LISTPACK
 * is returned whole with cursor 0, as Valkey does.  The cursor and option
 * parsing mirrors node/store/scan_cmds.c (whose helpers are static there):
 * MATCH filters fields, COUNT bounds the work of one call (visiting at most
 * ten buckets per requested element), NOVALUES drops the values. */
#include <limits.h>
#include <stdint.h>
#include <strings.h>

#include "node/base/mem.h"
#include "node/base/rand.h"
#include "node/base/util.h"
#include "node/net/args.h"
#include "node/net/reply.h"
#include "node/store/scan.h"
#include "node/types/hash_cmds.h"
#include "node/types/hash_value.h"
#include "node/types/type_util.h"

static int isToken(const dstr arg, const char *token) { return !strcasecmp(arg, token); }

/* --- HRANDFIELD --- */

/* Picks drawn from a listpack at once (bounds the temporary arrays). */
#define RANDOM_BATCH 1000

static void replyPair(client *c, const lpEntry *f, const lpEntry *v) {
    if (v && c->resp > 2) replyArrayLen(c, 2);
    hashReplyElement(c, f);
    if (v) hashReplyElement(c, v);
}

static void replyPickCount(client *c, unsigned long n, int withValues) {
    replyArrayLen(c, (long)(withValues && c->resp == 2 ? n * 2 : n));
}

/* Case 1: n picks with repetition. */
static void randomWithRepetition(client *c, const hashValue *h, unsigned long n, int withValues) {
    replyPickCount(c, n, withValues);
    if (h->encoding == OBJ_ENCODING_HASHTABLE) {
        for (unsigned long i = 0; i < n; i++) {
            void *e;
            hashtableFairRandomEntry(h->ptr, &e);
            lpEntry f, v;
            hashEntryPair(e, &f, &v);
            replyPair(c, &f, withValues ? &v : NULL);
        }
        return;
    }
    unsigned int batch = n < RANDOM_BATCH ? (unsigned int)n : RANDOM_BATCH;
    lpEntry *fields = memAlloc(sizeof(lpEntry) * batch), *values = memAlloc(sizeof(lpEntry) * batch);
    while (n > 0) {
        unsigned int now = n < batch ? (unsigned int)n : batch;
        lpRandomPairs(h->ptr, now, fields, withValues ? values : NULL);
        for (unsigned int i = 0; i < now; i++) replyPair(c, &fields[i], withValues ? &values[i] : NULL);
        n -= now;
    }
    memFree(fields);
    memFree(values);
}

/* Case 2: everything. */
static void randomAll(client *c, const hashValue *h, unsigned long size, int withValues) {
    replyPickCount(c, size, withValues);
    hashValueIter it;
    lpEntry f, v;
    hashValueIterInit(&it, h);
    while (hashValueIterNext(&it, &f, &v)) replyPair(c, &f, withValues ? &v : NULL);
    hashValueIterReset(&it);
}

/* Case 3 for a listpack: selection sampling in one pass. */
static void randomUniqueListpack(client *c, const hashValue *h, unsigned long size, unsigned long n,
                                 int withValues) {
    replyPickCount(c, n, withValues);
    unsigned long needed = n, left = size;
    hashValueIter it;
    lpEntry f, v;
    hashValueIterInit(&it, h);
    while (needed > 0 && hashValueIterNext(&it, &f, &v)) {
        if (randBelow(left--) < needed) {
            replyPair(c, &f, withValues ? &v : NULL);
            needed--;
        }
    }
    hashValueIterReset(&it);
}

static void replyEntry(client *c, const void *entry, int withValues) {
    lpEntry f, v;
    hashEntryPair(entry, &f, &v);
    replyPair(c, &f, withValues ? &v : NULL);
}

/* Case 3 for a table: a partial Fisher-Yates shuffle of all entries. */
static void randomUniqueShuffle(client *c, hashtable *ht, unsigned long size, unsigned long n,
                                int withValues) {
    void **all = memAlloc(sizeof(void *) * size);
    unsigned long k = 0;
    hashtableIterator it;
    void *e;
    hashtableInitIterator(&it, ht, 0);
    while (hashtableNext(&it, &e)) all[k++] = e;
    hashtableResetIterator(&it);
    replyPickCount(c, n, withValues);
    for (unsigned long i = 0; i < n; i++) {
        unsigned long j = i + (unsigned long)randBelow(size - i);
        void *t = all[i];
        all[i] = all[j];
        all[j] = t;
        replyEntry(c, all[i], withValues);
    }
    memFree(all);
}

static uint64_t pointerHash(const void *key) {
    uint64_t x = (uint64_t)(uintptr_t)key;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    return x ^ (x >> 33);
}

/* A set of entry pointers (the entry is its own key, compared by address). */
static hashtableType pickedSetType = {.hashFunction = pointerHash};

/* Case 4: random picks until n distinct ones. */
static void randomUniquePicks(client *c, hashtable *ht, unsigned long n, int withValues) {
    hashtable *picked = hashtableCreate(&pickedSetType);
    hashtableExpand(picked, n);
    while (hashtableSize(picked) < n) {
        void *e;
        hashtableFairRandomEntry(ht, &e);
        hashtableAdd(picked, e);
    }
    replyPickCount(c, n, withValues);
    hashtableIterator it;
    void *e;
    hashtableInitIterator(&it, picked, 0);
    while (hashtableNext(&it, &e)) replyEntry(c, e, withValues);
    hashtableResetIterator(&it);
    hashtableRelease(picked);
}

static void randomWithCount(client *c, long long count, int withValues) {
    int wrong;
    kvobj *kv = typeLookupRead(c, c->argv[1], OBJ_HASH, &wrong);
    if (wrong) return;
    if (!kv || count == 0) {
        replyEmptyArray(c);
        return;
    }
    hashValue h = hashValueOf(kv);
    unsigned long size = hashValueLength(&h);
    if (count < 0 || count == 1) {
        randomWithRepetition(c, &h, count < 0 ? (unsigned long)-count : 1, withValues);
    } else if ((unsigned long long)count >= size) {
        randomAll(c, &h, size, withValues);
    } else if (h.encoding == OBJ_ENCODING_LISTPACK) {
        randomUniqueListpack(c, &h, size, (unsigned long)count, withValues);
    } else if ((unsigned long)count * 3 > size) {
        randomUniqueShuffle(c, h.ptr, size, (unsigned long)count, withValues);
    } else {
        randomUniquePicks(c, h.ptr, (unsigned long)count, withValues);
    }
}

/* HRANDFIELD key [count [WITHVALUES]] */
void hashRandfieldCommand(client *c) {
    if (c->argc >= 3) {
        long long count;
        if (argLongLong(c, c->argv[2], &count) != 0) return;
        if (count < -LONG_MAX) {
            replyErrorFormat(c, "ERR value is out of range, value must between %ld and %ld", -LONG_MAX,
                             LONG_MAX);
            return;
        }
        if (c->argc > 4 || (c->argc == 4 && !isToken(c->argv[3], "withvalues"))) {
            replyErrorSyntax(c);
            return;
        }
        int withValues = c->argc == 4;
        if (withValues && (count < -LONG_MAX / 2 || count > LONG_MAX / 2)) {
            replyError(c, "ERR value is out of range");
            return;
        }
        randomWithCount(c, count, withValues);
        return;
    }
    int wrong;
    kvobj *kv = typeLookupRead(c, c->argv[1], OBJ_HASH, &wrong);
    if (wrong) return;
    if (!kv) {
        replyNull(c);
        return;
    }
    hashValue h = hashValueOf(kv);
    lpEntry f;
    if (h.encoding == OBJ_ENCODING_HASHTABLE) {
        void *e;
        hashtableFairRandomEntry(h.ptr, &e);
        hashEntryPair(e, &f, NULL);
    } else {
        lpRandomPair(h.ptr, lpLength(h.ptr), &f, NULL);
    }
    hashReplyElement(c, &f);
}

/* --- HSCAN --- */

static int fieldMatches(const scanArgs *o, const lpEntry *f) {
    char buf[LP_INTBUF_SIZE];
    size_t len;
    const char *bytes = hashElementBytes(f, buf, &len);
    return scanMatches(o, bytes, len);
}

/* Replies one scanned pair if it matches; returns the elements replied. */
static long replyScannedPair(client *c, const scanArgs *o, const lpEntry *f, const lpEntry *v) {
    if (!fieldMatches(o, f)) return 0;
    hashReplyElement(c, f);
    if (o->noValues) return 1;
    hashReplyElement(c, v);
    return 2;
}

/* The elements of a whole listpack (b NULL) or of the collected entries. */
static void replyScanned(client *c, const scanArgs *o, const hashValue *h, const scanBatch *b) {
    void *lenNode = replyDeferredLen(c);
    long n = 0;
    lpEntry f, v;
    if (b) {
        for (size_t i = 0; i < b->count; i++) {
            hashEntryPair(b->entries[i], &f, &v);
            n += replyScannedPair(c, o, &f, &v);
        }
    } else {
        hashValueIter it;
        hashValueIterInit(&it, h);
        while (hashValueIterNext(&it, &f, &v)) n += replyScannedPair(c, o, &f, &v);
        hashValueIterReset(&it);
    }
    replySetDeferredArrayLen(c, lenNode, n);
}

/* HSCAN key cursor [MATCH pattern] [COUNT count] [NOVALUES] */
void hashScanCommand(client *c) {
    unsigned long long cursor;
    scanArgs o;
    kvobj *kv = typeScanBegin(c, OBJ_HASH, SCAN_HASH, &cursor, &o);
    if (!kv) return;
    hashValue h = hashValueOf(kv);
    if (h.encoding == OBJ_ENCODING_LISTPACK) {
        scanReplyCursor(c, 0);
        replyScanned(c, &o, &h, NULL);
        return;
    }
    scanBatch b = {0};
    unsigned long long next = scanCollect(h.ptr, cursor, o.count, &b);
    scanReplyCursor(c, next);
    replyScanned(c, &o, &h, &b);
    scanBatchFree(&b);
}
