/* list_value.c — the list value in its two encodings (see list_value.h).
 *
 * Every operation dispatches on the encoding: a LISTPACK is one flat
 * allocation (possibly embedded in the keyspace entry, hence the open/close
 * protocol), a QUICKLIST a linked list of listpack nodes.  The functions
 * here never convert on their own: the commands call listValueTryGrow
 * before adding and listValueTryShrink after removing, at the points
 * Valkey does, so the encoding a list ends up in is the one Valkey reports.
 *
 * The conversion limits follow Valkey's node limits: list-max-listpack-size
 * N < 0 is a byte limit of 4 KB << (-N - 1) (N clamped to -5); N >= 0 is a
 * count limit of N elements (0 means 1) with a byte safety limit of 8 KB.
 * Growing is checked against the raw argument bytes (not the encoded size),
 * shrinking against half the limit, both as Valkey does.
 *
 * Invariant: a stored list is never empty (commands delete the key). */
#include "node/types/list_value.h"

#include <assert.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "node/base/mem.h"
#include "node/base/util.h"
#include "node/store/keyspace_cmds.h"
#include "node/types/listpack.h"
#include "node/types/type_util.h"

#define SIZE_SAFETY_LIMIT 8192

/* --- Limits --- */

/* Valkey's quicklistNodeLimit: a byte limit (count unlimited) for
 * negative fills, a count limit (bytes unlimited here, the safety limit
 * applies when growing) for the others. */
static void nodeLimit(int fill, size_t *bytes, unsigned long *count) {
    *bytes = SIZE_MAX;
    *count = ULONG_MAX;
    if (fill >= 0) {
        *count = fill == 0 ? 1 : (unsigned long)fill;
    } else {
        int level = -fill - 1;
        if (level > 4) level = 4;
        *bytes = (size_t)4096 << level;
    }
}

static int exceedsLimit(int fill, size_t bytes, unsigned long count) {
    size_t byteLimit;
    unsigned long countLimit;
    nodeLimit(fill, &byteLimit, &countLimit);
    if (byteLimit != SIZE_MAX) return bytes > byteLimit;
    return bytes > SIZE_SAFETY_LIMIT || count > countLimit;
}

/* --- Values --- */

listValue listValueNew(void) {
    listValue lv = {OBJ_ENCODING_LISTPACK, lpNew(0)};
    return lv;
}

listValue listValueNewQuicklist(void) {
    typeSettings *s = typeGetSettings();
    listValue lv = {OBJ_ENCODING_QUICKLIST,
                    quicklistNew(s->listMaxListpackSize, s->listCompressDepth)};
    return lv;
}

void listValueFree(listValue *lv) {
    if (!lv->ptr) return;
    if (lv->encoding == OBJ_ENCODING_LISTPACK)
        lpFree(lv->ptr);
    else
        quicklistRelease(lv->ptr);
    lv->ptr = NULL;
}

listValue listValueOf(const kvobj *kv) {
    assert(kv->type == OBJ_LIST);
    listValue lv = {kv->encoding, kvGetPtr(kv)};
    return lv;
}

listValue listValueOpen(kvobj *kv) {
    assert(kv->type == OBJ_LIST);
    listValue lv = {kv->encoding, dbValueOpen(kv)};
    return lv;
}

kvobj *listValueClose(serverDb *db, kvobj *kv, listValue *lv) {
    kvobj *n = dbValueClose(db, kv, lv->encoding, lv->ptr);
    lv->ptr = NULL;
    return n;
}

unsigned long listValueLength(const listValue *lv) {
    if (lv->encoding == OBJ_ENCODING_LISTPACK) return lpLength(lv->ptr);
    return quicklistCount(lv->ptr);
}

/* --- Conversions --- */

void listValueTryGrow(listValue *lv, size_t addBytes, unsigned long addCount) {
    if (lv->encoding != OBJ_ENCODING_LISTPACK) return;
    typeSettings *s = typeGetSettings();
    unsigned char *lp = lv->ptr;
    if (!exceedsLimit(s->listMaxListpackSize, lpBytes(lp) + addBytes, lpLength(lp) + addCount))
        return;
    quicklist *ql = quicklistNew(s->listMaxListpackSize, s->listCompressDepth);
    quicklistAppendListpack(ql, lp); /* frees an empty one */
    lv->encoding = OBJ_ENCODING_QUICKLIST;
    lv->ptr = ql;
}

void listValueTryShrink(listValue *lv, int shrinking) {
    if (lv->encoding != OBJ_ENCODING_QUICKLIST) return;
    quicklist *ql = lv->ptr;
    if (ql->len != 1 || ql->head->container != QUICKLIST_NODE_PACKED ||
        ql->head->encoding != QUICKLIST_NODE_RAW)
        return;
    size_t byteLimit;
    unsigned long countLimit;
    nodeLimit(typeGetSettings()->listMaxListpackSize, &byteLimit, &countLimit);
    if (shrinking) {
        byteLimit /= 2;
        countLimit /= 2;
    }
    if (ql->head->sz > byteLimit || ql->count > countLimit) return;
    unsigned char *lp = ql->head->entry;
    ql->head->entry = NULL; /* the node is freed with the list, not its listpack */
    quicklistRelease(ql);
    lv->encoding = OBJ_ENCODING_LISTPACK;
    lv->ptr = lp;
}

/* --- Elements --- */

static void elementFromListpack(unsigned char *p, listElement *e) {
    int64_t v;
    unsigned char *s = lpGet(p, &v, NULL);
    e->str = s;
    e->len = s ? (size_t)v : 0;
    e->ll = s ? 0 : v;
}

static void elementFromQuicklist(const quicklistEntry *qe, listElement *e) {
    e->str = qe->value;
    e->len = qe->value ? qe->sz : 0;
    e->ll = qe->value ? 0 : qe->longval;
}

int listElementEquals(const listElement *e, const void *s, size_t len) {
    if (e->str) return e->len == len && (len == 0 || memcmp(e->str, s, len) == 0);
    int64_t v;
    return lpStringToInt64(s, len, &v) && v == e->ll;
}

dstr listElementToDstr(const listElement *e) {
    if (e->str) return dstrNewLen((const char *)e->str, e->len);
    return dstrFromLongLong(e->ll);
}

void listValuePush(listValue *lv, const void *s, size_t len, int where) {
    if (lv->encoding == OBJ_ENCODING_LISTPACK) {
        lv->ptr = where == LIST_HEAD ? lpPrepend(lv->ptr, s, len) : lpAppend(lv->ptr, s, len);
        assert(lv->ptr != NULL); /* TryGrow keeps listpacks far below 4 GB */
    } else {
        quicklistPush(lv->ptr, s, len, where == LIST_HEAD ? QUICKLIST_HEAD : QUICKLIST_TAIL);
    }
}

dstr listValuePop(listValue *lv, int where) {
    if (lv->encoding == OBJ_ENCODING_LISTPACK) {
        unsigned char *p = where == LIST_HEAD ? lpFirst(lv->ptr) : lpLast(lv->ptr);
        if (!p) return NULL;
        listElement e;
        elementFromListpack(p, &e);
        dstr out = listElementToDstr(&e);
        lv->ptr = lpDelete(lv->ptr, p, NULL);
        return out;
    }
    unsigned char *data;
    size_t len;
    long long v;
    if (!quicklistPop(lv->ptr, where == LIST_HEAD ? QUICKLIST_HEAD : QUICKLIST_TAIL, &data, &len,
                      &v))
        return NULL;
    if (!data) return dstrFromLongLong(v);
    dstr out = dstrNewLen((const char *)data, len);
    memFree(data);
    return out;
}

int listValueIndex(const listValue *lv, long index, listElement *e) {
    if (lv->encoding == OBJ_ENCODING_LISTPACK) {
        unsigned char *p = lpSeek(lv->ptr, index);
        if (!p) return 0;
        elementFromListpack(p, e);
        return 1;
    }
    quicklistEntry qe;
    if (!quicklistIndex(lv->ptr, index, &qe)) return 0;
    elementFromQuicklist(&qe, e);
    return 1;
}

int listValueReplace(listValue *lv, long index, const void *s, size_t len) {
    if (lv->encoding == OBJ_ENCODING_QUICKLIST) return quicklistReplaceAtIndex(lv->ptr, index, s, len);
    unsigned char *p = lpSeek(lv->ptr, index);
    if (!p) return 0;
    lv->ptr = lpReplace(lv->ptr, &p, s, len);
    return 1;
}

void listValueDelRange(listValue *lv, long start, unsigned long count) {
    if (count == 0) return;
    if (lv->encoding == OBJ_ENCODING_LISTPACK)
        lv->ptr = lpDeleteRange(lv->ptr, start, count);
    else
        quicklistDelRange(lv->ptr, start, count);
}

/* --- Search and change in the middle --- */

static int insertListpack(listValue *lv, const void *pivot, size_t pivotLen, const void *s,
                          size_t len, int after) {
    listElement e;
    for (unsigned char *p = lpFirst(lv->ptr); p; p = lpNext(lv->ptr, p)) {
        elementFromListpack(p, &e);
        if (!listElementEquals(&e, pivot, pivotLen)) continue;
        lv->ptr = lpInsert(lv->ptr, s, len, p, after ? LP_AFTER : LP_BEFORE, NULL);
        return 1;
    }
    return 0;
}

int listValueInsert(listValue *lv, const void *pivot, size_t pivotLen, const void *s, size_t len,
                    int after) {
    if (lv->encoding == OBJ_ENCODING_LISTPACK)
        return insertListpack(lv, pivot, pivotLen, s, len, after);
    quicklistIter *it = quicklistGetIterator(lv->ptr, QUICKLIST_ITER_FORWARD);
    quicklistEntry qe;
    listElement e;
    int found = 0;
    while (!found && quicklistNext(it, &qe)) {
        elementFromQuicklist(&qe, &e);
        if (!listElementEquals(&e, pivot, pivotLen)) continue;
        if (after)
            quicklistInsertAfter(it, &qe, s, len);
        else
            quicklistInsertBefore(it, &qe, s, len);
        found = 1;
    }
    quicklistReleaseIterator(it);
    return found;
}

static unsigned long removeListpack(listValue *lv, const void *s, size_t len, int fromTail,
                                    unsigned long limit) {
    unsigned long removed = 0;
    unsigned char *p = fromTail ? lpLast(lv->ptr) : lpFirst(lv->ptr);
    listElement e;
    while (p && (limit == 0 || removed < limit)) {
        elementFromListpack(p, &e);
        if (!listElementEquals(&e, s, len)) {
            p = fromTail ? lpPrev(lv->ptr, p) : lpNext(lv->ptr, p);
            continue;
        }
        unsigned char *next;
        /* The element before p keeps its offset when p is deleted. */
        size_t prevOffset = 0;
        unsigned char *prev = fromTail ? lpPrev(lv->ptr, p) : NULL;
        if (prev) prevOffset = (size_t)(prev - (unsigned char *)lv->ptr);
        lv->ptr = lpDelete(lv->ptr, p, &next);
        removed++;
        p = fromTail ? (prev ? (unsigned char *)lv->ptr + prevOffset : NULL) : next;
    }
    return removed;
}

unsigned long listValueRemove(listValue *lv, const void *s, size_t len, long long count) {
    int fromTail = count < 0;
    unsigned long limit = fromTail ? (unsigned long)(-(count + 1)) + 1 : (unsigned long)count;
    if (lv->encoding == OBJ_ENCODING_LISTPACK) return removeListpack(lv, s, len, fromTail, limit);
    unsigned long removed = 0;
    quicklistIter *it =
        quicklistGetIterator(lv->ptr, fromTail ? QUICKLIST_ITER_BACKWARD : QUICKLIST_ITER_FORWARD);
    quicklistEntry qe;
    listElement e;
    while ((limit == 0 || removed < limit) && quicklistNext(it, &qe)) {
        elementFromQuicklist(&qe, &e);
        if (!listElementEquals(&e, s, len)) continue;
        quicklistDelEntry(it, &qe);
        removed++;
    }
    quicklistReleaseIterator(it);
    return removed;
}

/* --- Iteration --- */

void listIterInit(listIter *it, const listValue *lv, long index, int reverse) {
    it->encoding = lv->encoding;
    it->reverse = reverse;
    it->lp = NULL;
    it->p = NULL;
    it->qi = NULL;
    if (lv->encoding == OBJ_ENCODING_LISTPACK) {
        it->lp = lv->ptr;
        it->p = lpSeek(it->lp, index);
    } else {
        it->qi = quicklistGetIteratorAtIdx(
            lv->ptr, reverse ? QUICKLIST_ITER_BACKWARD : QUICKLIST_ITER_FORWARD, index);
    }
}

int listIterNext(listIter *it, listElement *e) {
    if (it->encoding == OBJ_ENCODING_LISTPACK) {
        if (!it->p) return 0;
        elementFromListpack(it->p, e);
        it->p = it->reverse ? lpPrev(it->lp, it->p) : lpNext(it->lp, it->p);
        return 1;
    }
    quicklistEntry qe;
    if (!it->qi || !quicklistNext(it->qi, &qe)) return 0;
    elementFromQuicklist(&qe, e);
    return 1;
}

void listIterRelease(listIter *it) {
    quicklistReleaseIterator(it->qi);
    it->qi = NULL;
}

/* --- Registration with the keyspace --- */

static void freeListpack(void *ptr) { lpFree(ptr); }
static void freeQuicklist(void *ptr) { quicklistRelease(ptr); }
static size_t sizeListpack(const void *ptr) { return memUsableSize(ptr); }

/* O(nodes): MEMORY USAGE of a big list walks its nodes. */
static size_t sizeQuicklist(const void *ptr) {
    const quicklist *ql = ptr;
    size_t size = memUsableSize(ql);
    if (ql->scratch) size += memUsableSize(ql->scratch);
    for (const quicklistNode *n = ql->head; n; n = n->next)
        size += memUsableSize(n) + memUsableSize(n->entry);
    return size;
}

static void *dupListpack(const void *ptr) {
    return memDup(ptr, lpBytes((const unsigned char *)ptr));
}
static void *dupQuicklist(const void *ptr) { return quicklistDup(ptr); }

void listValueRegister(void) {
    kvRegisterValueType(OBJ_LIST, OBJ_ENCODING_LISTPACK, freeListpack, sizeListpack);
    kvRegisterValueType(OBJ_LIST, OBJ_ENCODING_QUICKLIST, freeQuicklist, sizeQuicklist);
    keyspaceRegisterValueDup(OBJ_LIST, OBJ_ENCODING_LISTPACK, dupListpack);
    keyspaceRegisterValueDup(OBJ_LIST, OBJ_ENCODING_QUICKLIST, dupQuicklist);
}
