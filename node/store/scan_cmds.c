/* scan_cmds.c — walking the keyspace: KEYS (all at once) and SCAN
 * (incrementally, with a cursor the client keeps).
 *
 * SCAN's cursor is the hashtable's own scan cursor printed as an unsigned
 * decimal, so the guarantee is the table's: a key present from the first
 * call to the last is returned at least once whatever resizes happen in
 * between (it may be returned more than once).  One call visits buckets
 * until it has COUNT candidate entries or has visited 10 * COUNT buckets, so
 * a sparse table cannot make a call unbounded.
 *
 * Filters apply in Valkey's order: TYPE, MATCH, then expiry.  A candidate
 * that is logically expired is not returned and, on a primary, is deleted
 * (only those that passed the other filters, as Valkey).  The deletions
 * happen after the reply is built, by key, because the scan may hand the
 * same entry back twice and an entry freed on the first sighting must not be
 * read on the second. */
#include <limits.h>
#include <strings.h>

#include "node/base/mem.h"
#include "node/base/util.h"
#include "node/net/reply.h"
#include "node/store/db.h"
#include "node/store/keyspace_cmds.h"
#include "node/store/scan.h"

static int isMatchAll(const dstr pattern) { return dstrLen(pattern) == 1 && pattern[0] == '*'; }

static int keyMatches(const dstr pattern, const dstr key) {
    return !pattern || globMatch(pattern, dstrLen(pattern), key, dstrLen(key), 0);
}

/* --- KEYS --- */

static void keysCommand(client *c) {
    const dstr pattern = isMatchAll(c->argv[1]) ? NULL : c->argv[1];
    hashtableIterator it;
    void *entry;
    long n = 0;
    void *lenNode = replyDeferredLen(c);
    hashtableInitIterator(&it, c->db->keys, 0);
    while (hashtableNext(&it, &entry)) {
        kvobj *kv = entry;
        if (!keyMatches(pattern, kvKey(kv)) || dbIsExpired(kv)) continue;
        replyBulkDstr(c, kvKey(kv));
        n++;
    }
    hashtableResetIterator(&it);
    replySetDeferredArrayLen(c, lenNode, n);
}

/* --- SCAN --- */

/* Replies the candidates that pass the filters; the keys of expired ones
 * are returned (copies) for deletion once the reply is done. */
static dstr *replyCandidates(client *c, const scanArgs *o, scanBatch *b, size_t *expiredCount) {
    dstr *expired = NULL;
    size_t nexpired = 0;
    long n = 0;
    void *lenNode = replyDeferredLen(c);
    for (size_t i = 0; i < b->count; i++) {
        kvobj *kv = b->entries[i];
        if (o->type >= 0 && (int)kv->type != o->type) continue;
        if (!keyMatches(o->pattern, kvKey(kv))) continue;
        if (dbIsExpired(kv)) {
            if (!expired) expired = memAlloc(sizeof(dstr) * b->count);
            expired[nexpired++] = dstrDup(kvKey(kv));
            continue;
        }
        replyBulkDstr(c, kvKey(kv));
        n++;
    }
    replySetDeferredArrayLen(c, lenNode, n);
    *expiredCount = nexpired;
    return expired;
}

static void deleteExpiredKeys(serverDb *db, dstr *keys, size_t n) {
    for (size_t i = 0; i < n; i++) {
        kvobj *kv = dbFind(db, keys[i]); /* NULL when listed twice */
        if (kv) dbExpireIfNeeded(db, kv, 0);
        dstrFree(keys[i]);
    }
    memFree(keys);
}

/* SCAN cursor [MATCH pattern] [COUNT n] [TYPE t] */
static void scanCommand(client *c) {
    unsigned long long cursor;
    scanArgs o;
    if (scanParseCursor(c, c->argv[1], &cursor) != 0 || scanParseArgs(c, 2, SCAN_KEYS, &o) != 0) return;
    scanBatch b = {0};
    unsigned long long next = scanCollect(c->db->keys, cursor, o.count, &b);
    scanReplyCursor(c, next);
    size_t nexpired;
    dstr *expired = replyCandidates(c, &o, &b, &nexpired);
    scanBatchFree(&b);
    if (expired) deleteExpiredKeys(c->db, expired, nexpired);
}

const commandBinding scanCommands[] = {
    {"keys", keysCommand},
    {"scan", scanCommand},
    {NULL, NULL},
};
