/* set_algebra_cmds.c — the commands that combine sets: SMEMBERS (the
 * trivial case), SINTER, SINTERCARD, SINTERSTORE, SUNION, SUNIONSTORE,
 * SDIFF and SDIFFSTORE.
 *
 * A missing key is an empty set; every key is type-checked before any
 * work, so WRONGTYPE wins over an early empty result, as in Valkey 7+.
 *
 * Intersection walks the smallest set and probes the others (each probe
 * O(1) in a hashtable, O(log n) in an intset, O(n) in a listpack, which is
 * bounded by set-max-listpack-entries).  Union adds everything into a
 * result set.  Difference uses Valkey's two algorithms and its cost
 * estimate to choose: probe the others for each member of the first set
 * (N*M), or copy the first set and remove the members of the others (sum
 * of the sizes).
 *
 * Results are built in the most compact encoding and grow through the
 * usual conversions, so a STORE command stores what SADD of the same
 * members would give: SINTERSTORE starts from an intset when the smallest
 * set is one, else from a listpack, and turns an all-integer result back
 * into an intset; SUNIONSTORE / SDIFFSTORE start from an intset.  A STORE
 * with an empty result deletes the destination ("del" event). */
#include <stdlib.h>
#include <strings.h>

#include "node/base/mem.h"
#include "node/base/util.h"
#include "node/net/reply.h"
#include "node/types/listpack.h"
#include "node/types/set_cmds.h"
#include "node/types/type_util.h"

/* --- Looking the keys up --- */

/* The sets of keys[0..n) (NULL for a missing key) into sets[]; -1 after
 * replying WRONGTYPE, else the number of missing keys. */
static int lookupSets(client *c, dstr *keys, int n, setValue *sets, int *present) {
    int missing = 0;
    for (int j = 0; j < n; j++) {
        int wrong;
        kvobj *kv = typeLookupRead(c, keys[j], OBJ_SET, &wrong);
        if (wrong) return -1;
        present[j] = kv != NULL;
        if (kv)
            sets[j] = setValueOf(kv);
        else
            missing++;
    }
    return missing;
}

/* Stores result at dstkey (or deletes dstkey when the result is empty) and
 * replies the cardinality. */
static void storeResult(client *c, const dstr dstkey, setValue *result, const char *event) {
    unsigned long len = setValueLen(result);
    if (len == 0) {
        setValueFree(result);
        replyLongLong(c, 0);
        if (dbDelete(c->db, dstkey)) dbKeyWritten(c->db, dstkey, NOTIFY_GENERIC, "del");
        return;
    }
    if (result->encoding == OBJ_ENCODING_LISTPACK) result->ptr = lpShrinkToFit(result->ptr);
    dbSet(c->db, kvCreatePointer(dstkey, dstrLen(dstkey), OBJ_SET, result->encoding, result->ptr, -1),
          0);
    replyLongLong(c, (long long)len);
    dbKeyWritten(c->db, dstkey, NOTIFY_SET, event);
}

static void replySetValue(client *c, const setValue *s) {
    setIter it;
    setMember m;
    replySetLen(c, (long)setValueLen(s));
    setIterInit(&it, s);
    while (setIterNext(&it, &m)) setReplyMember(c, &m);
    setIterReset(&it);
}

/* --- SMEMBERS --- */

void smembersCommand(client *c) {
    int wrong;
    kvobj *kv = typeLookupRead(c, c->argv[1], OBJ_SET, &wrong);
    if (wrong) return;
    if (!kv) {
        replySetLen(c, 0);
        return;
    }
    setValue s = setValueOf(kv);
    replySetValue(c, &s);
}

/* --- Intersection --- */

static unsigned long sizeOf(const setValue *s) { return s->ptr ? setValueLen(s) : 0; }

static int bySize(const void *a, const void *b) {
    unsigned long la = sizeOf(a), lb = sizeOf(b);
    return la < lb ? -1 : la > lb;
}

/* 1 when every set but the first holds m (a set equal to the first, i.e.
 * the same key given twice, holds it trivially). */
static int inAllOthers(const setValue *sets, int n, const setMember *m) {
    for (int j = 1; j < n; j++) {
        if (sets[j].ptr == sets[0].ptr) continue;
        if (!setValueContainsMember(&sets[j], m)) return 0;
    }
    return 1;
}

/* Adds m to the SINTERSTORE result; *onlyIntegers drops to 0 at the first
 * member that is not a canonical integer. */
static void addToIntersection(setValue *dst, const setMember *m, int *onlyIntegers) {
    long long v;
    if (m->str && *onlyIntegers) {
        if (string2ll(m->str, m->len, &v)) {
            setValueAddInt(dst, v);
            return;
        }
        *onlyIntegers = 0;
    }
    setValueAddMember(dst, m);
}

/* The intersection of keys[0..n): its cardinality only (stopping at limit
 * if not 0), as a reply, or stored at dstkey. */
static void interGeneric(client *c, dstr *keys, int n, const dstr dstkey, int cardOnly,
                         unsigned long limit) {
    setValue *sets = memAlloc(sizeof(setValue) * (size_t)n);
    int *present = memAlloc(sizeof(int) * (size_t)n);
    int missing = lookupSets(c, keys, n, sets, present);
    memFree(present);
    if (missing < 0) goto done;
    if (missing > 0) {
        if (dstkey) {
            replyLongLong(c, 0);
            if (dbDelete(c->db, dstkey)) dbKeyWritten(c->db, dstkey, NOTIFY_GENERIC, "del");
        } else if (cardOnly) {
            replyLongLong(c, 0);
        } else {
            replySetLen(c, 0);
        }
        goto done;
    }
    qsort(sets, (size_t)n, sizeof(setValue), bySize);
    setValue result = {0, NULL};
    void *lenNode = NULL;
    if (dstkey)
        result = sets[0].encoding == OBJ_ENCODING_INTSET ? setValueCreateIntset()
                                                        : (setValue){OBJ_ENCODING_LISTPACK, lpNew(0)};
    else if (!cardOnly)
        lenNode = replyDeferredLen(c);
    unsigned long card = 0;
    int onlyIntegers = 1;
    setIter it;
    setMember m;
    setIterInit(&it, &sets[0]);
    while (setIterNext(&it, &m)) {
        if (!inAllOthers(sets, n, &m)) continue;
        card++;
        if (dstkey)
            addToIntersection(&result, &m, &onlyIntegers);
        else if (!cardOnly)
            setReplyMember(c, &m);
        else if (limit && card >= limit)
            break;
    }
    setIterReset(&it);
    if (dstkey) {
        if (onlyIntegers) setValueMaybeToIntset(&result);
        storeResult(c, dstkey, &result, "sinterstore");
    } else if (cardOnly) {
        replyLongLong(c, (long long)card);
    } else {
        replySetDeferredSetLen(c, lenNode, (long)card);
    }
done:
    memFree(sets);
}

void sinterCommand(client *c) { interGeneric(c, c->argv + 1, c->argc - 1, NULL, 0, 0); }

void sinterstoreCommand(client *c) {
    interGeneric(c, c->argv + 2, c->argc - 2, c->argv[1], 0, 0);
}

/* SINTERCARD numkeys key [key ...] [LIMIT limit] */
void sintercardCommand(client *c) {
    long long numkeys, limit = 0;
    if (!string2ll(c->argv[1], dstrLen(c->argv[1]), &numkeys) || numkeys < 1) {
        replyError(c, "ERR numkeys should be greater than 0");
        return;
    }
    if (numkeys > c->argc - 2) {
        replyError(c, "ERR Number of keys can't be greater than number of args");
        return;
    }
    for (int j = 2 + (int)numkeys; j < c->argc; j++) {
        if (!strcasecmp(c->argv[j], "limit") && j + 1 < c->argc) {
            dstr v = c->argv[++j];
            if (!string2ll(v, dstrLen(v), &limit) || limit < 0) {
                replyError(c, "ERR LIMIT can't be negative");
                return;
            }
        } else {
            replyErrorSyntax(c);
            return;
        }
    }
    interGeneric(c, c->argv + 2, (int)numkeys, NULL, 1, (unsigned long)limit);
}

/* --- Union and difference --- */

enum { OP_UNION, OP_DIFF };

static void addAll(setValue *dst, const setValue *src) {
    setIter it;
    setMember m;
    setIterInit(&it, src);
    while (setIterNext(&it, &m)) setValueAddMember(dst, &m);
    setIterReset(&it);
}

/* Sorts sets[1..n) by decreasing size (missing keys, size 0, last) so the
 * probe of algorithm 1 finds a member early. */
static int bySizeDesc(const void *a, const void *b) { return -bySize(a, b); }

/* Difference, algorithm 1: members of the first set found in no other. */
static void diffByProbing(setValue *dst, const setValue *sets, int n) {
    setIter it;
    setMember m;
    setIterInit(&it, &sets[0]);
    while (setIterNext(&it, &m)) {
        int found = 0;
        for (int j = 1; j < n && !found; j++)
            found = sets[j].ptr && setValueContainsMember(&sets[j], &m);
        if (!found) setValueAddMember(dst, &m);
    }
    setIterReset(&it);
}

/* Difference, algorithm 2: the first set minus every other. */
static void diffByRemoving(setValue *dst, const setValue *sets, int n) {
    addAll(dst, &sets[0]);
    for (int j = 1; j < n && setValueLen(dst) > 0; j++) {
        if (!sets[j].ptr) continue;
        setIter it;
        setMember m;
        setIterInit(&it, &sets[j]);
        while (setIterNext(&it, &m)) setValueRemoveMember(dst, &m);
        setIterReset(&it);
    }
}

static void diff(setValue *dst, setValue *sets, int n) {
    for (int j = 1; j < n; j++)
        if (sets[j].ptr == sets[0].ptr) return; /* A - A - ... is empty */
    unsigned long long probeWork = 0, removeWork = 0;
    for (int j = 0; j < n; j++) {
        if (!sets[j].ptr) continue;
        probeWork += setValueLen(&sets[0]);
        removeWork += setValueLen(&sets[j]);
    }
    /* Probing has the better constant factor: Valkey halves its estimate. */
    if (probeWork / 2 <= removeWork) {
        if (n > 1) qsort(sets + 1, (size_t)n - 1, sizeof(setValue), bySizeDesc);
        diffByProbing(dst, sets, n);
    } else {
        diffByRemoving(dst, sets, n);
    }
}

static void unionDiffGeneric(client *c, dstr *keys, int n, const dstr dstkey, int op) {
    setValue *sets = memAlloc(sizeof(setValue) * (size_t)n);
    int *present = memAlloc(sizeof(int) * (size_t)n);
    int missing = lookupSets(c, keys, n, sets, present);
    if (missing < 0) goto done;
    for (int j = 0; j < n; j++)
        if (!present[j]) sets[j] = (setValue){0, NULL};
    setValue result = setValueCreateIntset();
    if (op == OP_UNION) {
        for (int j = 0; j < n; j++)
            if (sets[j].ptr) addAll(&result, &sets[j]);
    } else if (sets[0].ptr) {
        diff(&result, sets, n);
    }
    if (dstkey) {
        storeResult(c, dstkey, &result, op == OP_UNION ? "sunionstore" : "sdiffstore");
    } else {
        replySetValue(c, &result);
        setValueFree(&result);
    }
done:
    memFree(present);
    memFree(sets);
}

void sunionCommand(client *c) { unionDiffGeneric(c, c->argv + 1, c->argc - 1, NULL, OP_UNION); }

void sunionstoreCommand(client *c) {
    unionDiffGeneric(c, c->argv + 2, c->argc - 2, c->argv[1], OP_UNION);
}

void sdiffCommand(client *c) { unionDiffGeneric(c, c->argv + 1, c->argc - 1, NULL, OP_DIFF); }

void sdiffstoreCommand(client *c) {
    unionDiffGeneric(c, c->argv + 2, c->argc - 2, c->argv[1], OP_DIFF);
}
