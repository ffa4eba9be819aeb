/* rdb_collection.c — helpers shared by the collection savers and loaders:
 * blobs, the duplicate check, and the errors they report.
 *
 * Loading trusts nothing in the input: a blob is validated deeply before
 * any type code touches it, and every collection must hold distinct
 * members.  A compact blob is first walked by its own validator; the
 * duplicate check then walks the (now safe) listpack again: pairwise for
 * the few elements of a typical small value (no allocation), with a table
 * of the element bytes beyond that (so a hostile blob of a million
 * elements costs O(n), not the O(n^2) of a listpack search per element).
 * Loading a million small hashes does this a million times: it has to be
 * cheap. */
#include "rdb/rdb_collection.h"

#include <string.h>

#include "node/base/hash.h"
#include "node/base/util.h"

/* --- Loading --- */

dstr rdbLoadBlob(rdbReader *r) { return rdbLoadString(r); }

kvobj *rdbFailEmpty(rdbReader *r, int rdbType, const dstr key) {
    rdbReaderFail(r, "Empty %s value for key '%s' (an empty collection is not a valid key)",
                  rdbTypeName(rdbType), key);
    return NULL;
}

kvobj *rdbFailIntegrity(rdbReader *r, int rdbType, const dstr key) {
    rdbReaderFail(r, "%s integrity check failed for key '%s'", rdbTypeName(rdbType), key);
    return NULL;
}

/* --- Duplicate detection --- */

static uint64_t seenHash(const void *key) { return hashBytes(key, dstrLen((const dstr)key)); }

static int seenCompare(const void *a, const void *b) {
    size_t la = dstrLen((const dstr)a), lb = dstrLen((const dstr)b);
    return la != lb || memcmp(a, b, la) != 0;
}

static void seenFree(void *entry) { dstrFree(entry); }

static hashtableType seenType = {.hashFunction = seenHash, .keyCompare = seenCompare, .entryDestructor = seenFree};

hashtable *rdbSeenCreate(size_t hint) {
    hashtable *ht = hashtableCreate(&seenType);
    if (hint) hashtableTryExpand(ht, hint);
    return ht;
}

int rdbSeenAdd(hashtable *seen, const void *s, size_t len) {
    dstr copy = dstrNewLen(s, len);
    if (hashtableAdd(seen, copy)) return 1;
    dstrFree(copy);
    return 0;
}

const char *rdbEntryBytes(const lpEntry *e, char *buf, size_t *len) {
    if (e->sval) {
        *len = e->slen;
        return (const char *)e->sval;
    }
    *len = (size_t)ll2string(buf, LP_INTBUF_SIZE, e->lval);
    return buf;
}

int rdbSeenAddEntry(hashtable *seen, const lpEntry *e) {
    char buf[LP_INTBUF_SIZE];
    size_t len;
    const char *s = rdbEntryBytes(e, buf, &len);
    return rdbSeenAdd(seen, s, len);
}

void rdbSeenRelease(hashtable *seen) { hashtableRelease(seen); }

/* Up to this many elements are checked pairwise: for the typical small
 * hash of a few fields a table would cost more than the comparisons. */
#define DISTINCT_PAIRWISE_MAX 32

static int entriesEqual(const lpEntry *a, const lpEntry *b) {
    if (!a->sval && !b->sval) return a->lval == b->lval;
    char abuf[LP_INTBUF_SIZE], bbuf[LP_INTBUF_SIZE];
    size_t alen, blen;
    const char *as = rdbEntryBytes(a, abuf, &alen), *bs = rdbEntryBytes(b, bbuf, &blen);
    return alen == blen && memcmp(as, bs, alen) == 0;
}

int rdbListpackDistinct(unsigned char *lp, unsigned step) {
    lpEntry small[DISTINCT_PAIRWISE_MAX];
    size_t n = 0;
    hashtable *seen = NULL;
    int ok = 1;
    unsigned long i = 0;
    for (unsigned char *p = lpFirst(lp); p && ok; p = lpNext(lp, p), i++) {
        if (i % step) continue;
        lpEntry e;
        lpGetEntry(p, &e);
        if (!seen && n < DISTINCT_PAIRWISE_MAX) {
            for (size_t j = 0; j < n && ok; j++) ok = !entriesEqual(&small[j], &e);
            small[n++] = e;
            continue;
        }
        if (!seen) {
            seen = rdbSeenCreate(n * 2);
            for (size_t j = 0; j < n; j++) rdbSeenAddEntry(seen, &small[j]);
        }
        ok = rdbSeenAddEntry(seen, &e);
    }
    if (seen) rdbSeenRelease(seen);
    return ok;
}
