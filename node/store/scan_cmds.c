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

#define SCAN_DEFAULT_COUNT 10
#define SCAN_BUCKETS_PER_COUNT 10

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

typedef struct scanBatch {
    kvobj **entries;
    size_t count, cap;
} scanBatch;

static void collectEntry(void *privdata, void *entry) {
    scanBatch *b = privdata;
    if (b->count == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 32;
        b->entries = memRealloc(b->entries, b->cap * sizeof(kvobj *));
    }
    b->entries[b->count++] = entry;
}

typedef struct scanOptions {
    unsigned long long cursor;
    long long count;
    dstr pattern; /* NULL: everything */
    int type;     /* OBJ_*, or -1 for any */
} scanOptions;

static int typeByName(const char *name) {
    static const int types[] = {OBJ_STRING, OBJ_LIST, OBJ_SET, OBJ_ZSET, OBJ_HASH, OBJ_STREAM};
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (!strcasecmp(name, kvTypeName(types[i]))) return types[i];
    return -1;
}

/* An unsigned decimal; leading zeros are accepted, as Valkey does. */
static int parseCursor(const dstr arg, unsigned long long *cursor) {
    size_t len = dstrLen(arg), skip = 0;
    while (skip + 1 < len && arg[skip] == '0') skip++;
    return string2ull(arg + skip, len - skip, cursor);
}

/* SCAN cursor [MATCH pattern] [COUNT n] [TYPE t].  Returns 0 on error
 * (replied). */
static int parseScanOptions(client *c, scanOptions *o) {
    if (!parseCursor(c->argv[1], &o->cursor)) {
        replyError(c, "ERR invalid cursor");
        return 0;
    }
    o->count = SCAN_DEFAULT_COUNT;
    o->pattern = NULL;
    o->type = -1;
    for (int j = 2; j < c->argc; j += 2) {
        const char *opt = c->argv[j];
        const dstr val = j + 1 < c->argc ? c->argv[j + 1] : NULL;
        if (val && !strcasecmp(opt, "count")) {
            if (!string2ll(val, dstrLen(val), &o->count)) {
                replyErrorNotInteger(c);
                return 0;
            }
            if (o->count < 1) {
                replyErrorSyntax(c);
                return 0;
            }
        } else if (val && !strcasecmp(opt, "match")) {
            o->pattern = isMatchAll(val) ? NULL : val;
        } else if (val && !strcasecmp(opt, "type")) {
            o->type = typeByName(val);
            if (o->type < 0) {
                replyErrorFormat(c, "ERR unknown type name '%.128s'", val);
                return 0;
            }
        } else {
            replyErrorSyntax(c);
            return 0;
        }
    }
    return 1;
}

/* Visits buckets from o->cursor into b; returns the next cursor. */
static unsigned long long scanBuckets(hashtable *ht, const scanOptions *o, scanBatch *b) {
    long long budget = o->count > LLONG_MAX / SCAN_BUCKETS_PER_COUNT ? LLONG_MAX
                                                                     : o->count * SCAN_BUCKETS_PER_COUNT;
    size_t cursor = (size_t)o->cursor;
    do {
        cursor = hashtableScan(ht, cursor, collectEntry, b);
    } while (cursor != 0 && --budget > 0 && b->count < (unsigned long long)o->count);
    return cursor;
}

/* Replies the candidates that pass the filters; the keys of expired ones
 * are returned (copies) for deletion once the reply is done. */
static dstr *replyCandidates(client *c, const scanOptions *o, scanBatch *b, size_t *expiredCount) {
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

static void scanCommand(client *c) {
    scanOptions o;
    if (!parseScanOptions(c, &o)) return;
    scanBatch b = {0};
    unsigned long long next = scanBuckets(c->db->keys, &o, &b);
    char buf[32];
    int len = ull2string(buf, sizeof(buf), next);
    replyArrayLen(c, 2);
    replyBulk(c, buf, (size_t)len);
    size_t nexpired;
    dstr *expired = replyCandidates(c, &o, &b, &nexpired);
    memFree(b.entries);
    if (expired) deleteExpiredKeys(c->db, expired, nexpired);
}

const commandBinding scanCommands[] = {
    {"keys", keysCommand},
    {"scan", scanCommand},
    {NULL, NULL},
};
