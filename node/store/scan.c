/* scan.c — the cursor, options and bounded table walk shared by the SCAN
 * family (see scan.h). */
#include "node/store/scan.h"

#include <limits.h>
#include <strings.h>

#include "node/base/mem.h"
#include "node/base/util.h"
#include "node/net/args.h"
#include "node/net/reply.h"
#include "node/store/kvobj.h"

#define SCAN_DEFAULT_COUNT 10
#define SCAN_BUCKETS_PER_COUNT 10

int scanParseCursor(client *c, const dstr arg, unsigned long long *cursor) {
    size_t len = dstrLen(arg), skip = 0;
    while (skip + 1 < len && arg[skip] == '0') skip++;
    if (string2ull(arg + skip, len - skip, cursor)) return 0;
    replyError(c, "ERR invalid cursor");
    return -1;
}

/* NOVALUES / NOSCORES: accepted by the one command they belong to, and
 * refused with Valkey's message by the others. */
static int parseFlag(client *c, const char *opt, int kind, scanArgs *a) {
    if (!strcasecmp(opt, "novalues")) {
        if (kind != SCAN_HASH) {
            replyError(c, "ERR NOVALUES option can only be used in HSCAN");
            return -1;
        }
    } else if (kind != SCAN_ZSET) {
        replyError(c, "ERR NOSCORES option can only be used in ZSCAN");
        return -1;
    }
    a->noValues = 1;
    return 0;
}

static int typeByName(const char *name) {
    static const int types[] = {OBJ_STRING, OBJ_LIST, OBJ_SET, OBJ_ZSET, OBJ_HASH, OBJ_STREAM};
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (!strcasecmp(name, kvTypeName(types[i]))) return types[i];
    return -1;
}

int scanParseArgs(client *c, int first, int kind, scanArgs *a) {
    *a = (scanArgs){.count = SCAN_DEFAULT_COUNT, .type = -1};
    for (int j = first; j < c->argc;) {
        const char *opt = c->argv[j];
        const dstr val = j + 1 < c->argc ? c->argv[j + 1] : NULL;
        if (val && !strcasecmp(opt, "count")) {
            if (argLongLong(c, val, &a->count) != 0) return -1;
            if (a->count < 1) {
                replyErrorSyntax(c);
                return -1;
            }
            j += 2;
        } else if (val && !strcasecmp(opt, "match")) {
            a->pattern = dstrLen(val) == 1 && val[0] == '*' ? NULL : val;
            j += 2;
        } else if (val && kind == SCAN_KEYS && !strcasecmp(opt, "type")) {
            if ((a->type = typeByName(val)) < 0) {
                replyErrorFormat(c, "ERR unknown type name '%.128s'", val);
                return -1;
            }
            j += 2;
        } else if (!strcasecmp(opt, "novalues") || !strcasecmp(opt, "noscores")) {
            if (parseFlag(c, opt, kind, a) != 0) return -1;
            j++;
        } else {
            replyErrorSyntax(c);
            return -1;
        }
    }
    return 0;
}

int scanMatches(const scanArgs *a, const char *s, size_t len) {
    return !a->pattern || globMatch(a->pattern, dstrLen(a->pattern), s, len, 0);
}

static void collectEntry(void *privdata, void *entry) {
    scanBatch *b = privdata;
    if (b->count == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 32;
        b->entries = memRealloc(b->entries, b->cap * sizeof(void *));
    }
    b->entries[b->count++] = entry;
}

unsigned long long scanCollect(hashtable *ht, unsigned long long cursor, long long count, scanBatch *b) {
    long long budget =
        count > LLONG_MAX / SCAN_BUCKETS_PER_COUNT ? LLONG_MAX : count * SCAN_BUCKETS_PER_COUNT;
    size_t next = (size_t)cursor;
    do {
        next = hashtableScan(ht, next, collectEntry, b);
    } while (next != 0 && --budget > 0 && b->count < (unsigned long long)count);
    return next;
}

void scanBatchFree(scanBatch *b) {
    memFree(b->entries);
    *b = (scanBatch){0};
}

void scanReplyCursor(client *c, unsigned long long cursor) {
    char buf[32];
    int len = ull2string(buf, sizeof(buf), cursor);
    replyArrayLen(c, 2);
    replyBulk(c, buf, (size_t)len);
}
