/* quicklist.c — lists too big for one listpack.
 *
 * A doubly linked list of nodes; each node holds a listpack of up to `fill`
 * elements (fill > 0) or up to 4/8/16/32/64 KB (fill -1..-5).  The linked
 * list keeps pushes and pops at either end O(1); the listpacks keep the
 * per-element overhead at a few bytes instead of a node per element.
 *
 *   head                                                        tail
 *   [lp raw] <-> [lp raw] <-> [LZF] <-> ... <-> [LZF] <-> [lp raw]
 *   |<- depth ->|                                |<- depth ->|
 *
 * An element larger than the node limit gets a node of its own holding its
 * raw bytes ("plain" container) so it is never copied into a listpack.  With
 * count-based fill the limit is a safety size of 8 KB.
 *
 * Compression (list-compress-depth N > 0): the N nodes nearest each end are
 * raw (they are where pushes and pops happen), every other node is stored
 * LZF-compressed, unless compressing did not pay off (marked incompressible,
 * retried after the node changes).  Access to a compressed node decompresses
 * it, the operation is done, and qlCompressAround() puts the node back into
 * the right state for its position.  Only the nodes near the ends change
 * position class when a node is added or removed, so qlCompressAround costs
 * O(N), not O(len).  quicklistIndex reads a compressed node into a scratch
 * buffer instead, so read-only access leaves the list untouched.
 *
 * Invariants (outside an iterator's decompressed node): no node is empty;
 * ql->count is the sum of node counts and ql->len the number of nodes; a
 * plain node holds exactly one element; node->sz is the uncompressed size;
 * the compression state is as above.  Nodes are split when an insert in the
 * middle overflows one, and neighbours are merged after range deletes when
 * the result fits the limit. */
#include "node/types/quicklist.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include <lzf.h>

#include "node/base/mem.h"
#include "node/types/listpack.h"

/* Byte cap of a node under count-based fill (so huge elements do not make
 * huge listpacks), and the size under which compression is not tried. */
#define SIZE_SAFETY_LIMIT 8192
#define MIN_COMPRESS_BYTES 48
#define MIN_COMPRESS_IMPROVE 8
/* Listpack header (6) plus end byte (1). */
#define LP_OVERHEAD 7

static const size_t negativeFillLimits[] = {4096, 8192, 16384, 32768, 65536};

size_t quicklistNodeLimit(int fill) {
    if (fill >= 0) return SIZE_SAFETY_LIMIT;
    return negativeFillLimits[-fill - 1];
}

int quicklistIsLargeElement(int fill, size_t len) {
    return len > quicklistNodeLimit(fill);
}

static int clampFill(int fill) {
    if (fill < QUICKLIST_FILL_MIN) return QUICKLIST_FILL_MIN;
    if (fill == 0) return 1;
    if (fill > QUICKLIST_FILL_MAX) return QUICKLIST_FILL_MAX;
    return fill;
}

static int clampCompress(int depth) {
    if (depth < 0) return 0;
    if (depth > QUICKLIST_COMPRESS_MAX) return QUICKLIST_COMPRESS_MAX;
    return depth;
}

/* --- Nodes --- */

static quicklistNode *nodeNew(int container) {
    quicklistNode *node = memCalloc(sizeof(*node));
    node->container = (unsigned char)container;
    node->encoding = QUICKLIST_NODE_RAW;
    if (container == QUICKLIST_NODE_PACKED) {
        node->entry = lpNew(0);
        node->sz = lpBytes(node->entry);
    }
    return node;
}

static quicklistNode *nodeNewPlain(const void *value, size_t len) {
    quicklistNode *node = nodeNew(QUICKLIST_NODE_PLAIN);
    node->entry = memDup(value, len ? len : 1);
    node->sz = len;
    node->count = 1;
    return node;
}

static void nodeFree(quicklistNode *node) {
    memFree(node->entry);
    memFree(node);
}

/* Compresses a raw node in place if that saves enough. */
static void nodeCompress(quicklistNode *node) {
    if (node->encoding == QUICKLIST_NODE_LZF || node->incompressible) return;
    node->recompress = 0;
    if (node->sz < MIN_COMPRESS_BYTES) {
        node->incompressible = 1;
        return;
    }
    quicklistLZF *lzf = memAlloc(sizeof(*lzf) + node->sz);
    unsigned int out = lzf_compress(node->entry, (unsigned int)node->sz, lzf->data,
                                    (unsigned int)node->sz);
    if (out == 0 || out + MIN_COMPRESS_IMPROVE >= node->sz) {
        memFree(lzf);
        node->incompressible = 1;
        return;
    }
    lzf->compressedSize = out;
    lzf = memRealloc(lzf, sizeof(*lzf) + out);
    memFree(node->entry);
    node->entry = (unsigned char *)lzf;
    node->encoding = QUICKLIST_NODE_LZF;
}

/* Decompresses into out (node->sz bytes).  A failure means corrupt memory. */
static void lzfInflate(const quicklistNode *node, unsigned char *out) {
    const quicklistLZF *lzf = (const quicklistLZF *)node->entry;
    unsigned int got = lzf_decompress(lzf->data, (unsigned int)lzf->compressedSize, out,
                                      (unsigned int)node->sz);
    assert(got == node->sz);
    (void)got;
}

static void nodeDecompress(quicklistNode *node) {
    if (node->encoding != QUICKLIST_NODE_LZF) return;
    unsigned char *raw = memAlloc(node->sz ? node->sz : 1);
    lzfInflate(node, raw);
    memFree(node->entry);
    node->entry = raw;
    node->encoding = QUICKLIST_NODE_RAW;
}

/* The node's contents changed: refresh size, allow a new compression try. */
static void nodeUpdated(quicklistNode *node) {
    if (node->container == QUICKLIST_NODE_PACKED) node->sz = lpBytes(node->entry);
    node->incompressible = 0;
}

/* Upper bound of the bytes a listpack entry of len bytes takes. */
static size_t entryEstimate(size_t len) {
    size_t header = len < 64 ? 1 : len < 4096 ? 2 : 5;
    size_t body = header + len;
    size_t back = body < 128 ? 1 : body < 16384 ? 2 : body < 2097152 ? 3 : 5;
    return body + back;
}

static int fitsLimits(const quicklist *ql, size_t bytes, unsigned long count) {
    if (bytes > quicklistNodeLimit(ql->fill)) return 0;
    if (ql->fill > 0) return count <= (unsigned long)ql->fill;
    return count < LP_COUNT_UNKNOWN;
}

static int nodeAllowsInsert(const quicklist *ql, const quicklistNode *node, size_t len) {
    if (!node || node->container != QUICKLIST_NODE_PACKED) return 0;
    return fitsLimits(ql, node->sz + entryEstimate(len), node->count + 1UL);
}

static int nodesAllowMerge(const quicklist *ql, const quicklistNode *a, const quicklistNode *b) {
    if (!a || !b) return 0;
    if (a->container != QUICKLIST_NODE_PACKED || b->container != QUICKLIST_NODE_PACKED) return 0;
    return fitsLimits(ql, a->sz + b->sz - LP_OVERHEAD, (unsigned long)a->count + b->count);
}

/* --- Linking and compression placement --- */

static void linkAfter(quicklist *ql, quicklistNode *old, quicklistNode *node) {
    node->prev = old;
    node->next = old ? old->next : ql->head;
    if (node->next) node->next->prev = node;
    else ql->tail = node;
    if (old) old->next = node;
    else ql->head = node;
    ql->len++;
    ql->count += node->count;
}

static void linkBefore(quicklist *ql, quicklistNode *old, quicklistNode *node) {
    linkAfter(ql, old ? old->prev : ql->tail, node);
}

static void unlinkNode(quicklist *ql, quicklistNode *node) {
    if (node->prev) node->prev->next = node->next;
    else ql->head = node->next;
    if (node->next) node->next->prev = node->prev;
    else ql->tail = node->prev;
    ql->len--;
    ql->count -= node->count;
}

/* Puts the end nodes, the node at depth from each end, and `node` (may be
 * NULL) into the state their positions call for.  O(depth). */
static void qlCompressAround(quicklist *ql, quicklistNode *node) {
    if (node) node->recompress = 0;
    if (ql->compress == 0) return;
    quicklistNode *forward = ql->head, *backward = ql->tail;
    int nodeNearEnd = 0;
    for (int i = 0; i < ql->compress && forward; i++) {
        nodeDecompress(forward);
        if (forward == node) nodeNearEnd = 1;
        forward = forward->next;
    }
    for (int i = 0; i < ql->compress && backward; i++) {
        nodeDecompress(backward);
        if (backward == node) nodeNearEnd = 1;
        backward = backward->prev;
    }
    if (ql->len <= 2UL * (unsigned long)ql->compress) return;
    nodeCompress(forward);
    nodeCompress(backward);
    if (node && !nodeNearEnd) nodeCompress(node);
}

/* Applies the compression rule to every node (after a depth change). */
static void qlCompressAll(quicklist *ql) {
    unsigned long i = 0;
    unsigned long depth = (unsigned long)ql->compress;
    for (quicklistNode *n = ql->head; n; n = n->next, i++) {
        n->recompress = 0;
        if (depth == 0 || i < depth || ql->len - i <= depth) nodeDecompress(n);
        else nodeCompress(n);
    }
}

static void removeNode(quicklist *ql, quicklistNode *node) {
    unlinkNode(ql, node);
    nodeFree(node);
    qlCompressAround(ql, NULL);
}

/* --- Creation and pushes --- */

quicklist *quicklistNew(int fill, int compressDepth) {
    quicklist *ql = memCalloc(sizeof(*ql));
    ql->fill = clampFill(fill);
    ql->compress = clampCompress(compressDepth);
    return ql;
}

void quicklistSetOptions(quicklist *ql, int fill, int compressDepth) {
    ql->fill = clampFill(fill);
    int depth = clampCompress(compressDepth);
    if (depth != ql->compress) {
        ql->compress = depth;
        qlCompressAll(ql);
    }
}

void quicklistRelease(quicklist *ql) {
    quicklistNode *node = ql->head;
    while (node) {
        quicklistNode *next = node->next;
        nodeFree(node);
        node = next;
    }
    memFree(ql->scratch);
    memFree(ql);
}

unsigned long quicklistCount(const quicklist *ql) {
    return ql->count;
}

void quicklistPush(quicklist *ql, const void *value, size_t len, int where) {
    int atHead = where == QUICKLIST_HEAD;
    quicklistNode *end = atHead ? ql->head : ql->tail;
    quicklistNode *node;
    if (quicklistIsLargeElement(ql->fill, len)) {
        node = nodeNewPlain(value, len);
    } else if (nodeAllowsInsert(ql, end, len)) {
        nodeDecompress(end);
        end->entry = atHead ? lpPrepend(end->entry, value, len) : lpAppend(end->entry, value, len);
        end->count++;
        ql->count++;
        nodeUpdated(end);
        qlCompressAround(ql, end);
        return;
    } else {
        node = nodeNew(QUICKLIST_NODE_PACKED);
        node->entry = lpAppend(node->entry, value, len);
        node->count = 1;
        nodeUpdated(node);
    }
    if (atHead) linkBefore(ql, ql->head, node);
    else linkAfter(ql, ql->tail, node);
    qlCompressAround(ql, node);
}

void quicklistPushHead(quicklist *ql, const void *value, size_t len) {
    quicklistPush(ql, value, len, QUICKLIST_HEAD);
}

void quicklistPushTail(quicklist *ql, const void *value, size_t len) {
    quicklistPush(ql, value, len, QUICKLIST_TAIL);
}

void quicklistAppendListpack(quicklist *ql, unsigned char *lp) {
    unsigned long count = lpLength(lp);
    if (count == 0) {
        lpFree(lp);
        return;
    }
    quicklistNode *node = nodeNew(QUICKLIST_NODE_PACKED);
    lpFree(node->entry);
    node->entry = lp;
    node->count = (unsigned int)count;
    nodeUpdated(node);
    linkAfter(ql, ql->tail, node);
    qlCompressAround(ql, node);
}

void quicklistAppendPlainNode(quicklist *ql, unsigned char *data, size_t len) {
    quicklistNode *node = nodeNew(QUICKLIST_NODE_PLAIN);
    node->entry = data;
    node->sz = len;
    node->count = 1;
    linkAfter(ql, ql->tail, node);
    qlCompressAround(ql, node);
}

quicklist *quicklistDup(const quicklist *ql) {
    quicklist *copy = quicklistNew(ql->fill, ql->compress);
    for (const quicklistNode *n = ql->head; n; n = n->next) {
        quicklistNode *node = memAlloc(sizeof(*node));
        *node = *n;
        size_t bytes = n->sz;
        if (n->encoding == QUICKLIST_NODE_LZF)
            bytes = sizeof(quicklistLZF) + ((const quicklistLZF *)n->entry)->compressedSize;
        node->entry = memDup(n->entry, bytes ? bytes : 1);
        node->recompress = 0;
        linkAfter(copy, copy->tail, node);
    }
    return copy;
}

/* --- Locating and reading --- */

/* Node and offset of element idx (negative from the tail); 0 if out of
 * range.  Walks from the nearer end: O(nodes). */
static int locate(const quicklist *ql, long idx, quicklistNode **nodeOut, long *offsetOut) {
    unsigned long index;
    int fromTail = idx < 0;
    if (fromTail) {
        if ((unsigned long)(-(idx + 1)) >= ql->count) return 0;
        index = (unsigned long)(-(idx + 1));
    } else {
        if ((unsigned long)idx >= ql->count) return 0;
        index = (unsigned long)idx;
    }
    if (!fromTail && index > ql->count / 2) {
        fromTail = 1;
        index = ql->count - 1 - index;
    } else if (fromTail && index > ql->count / 2) {
        fromTail = 0;
        index = ql->count - 1 - index;
    }
    quicklistNode *node = fromTail ? ql->tail : ql->head;
    while (index >= node->count) {
        index -= node->count;
        node = fromTail ? node->prev : node->next;
    }
    *nodeOut = node;
    *offsetOut = fromTail ? (long)(node->count - 1 - index) : (long)index;
    return 1;
}

/* Fills entry's value from element zi of a listpack or a plain node's bytes. */
static void readElement(quicklistEntry *entry, const quicklistNode *node, unsigned char *bytes,
                        unsigned char *zi) {
    if (node->container == QUICKLIST_NODE_PLAIN) {
        entry->value = bytes;
        entry->sz = node->sz;
        entry->longval = 0;
        return;
    }
    int64_t v;
    unsigned char *s = lpGet(zi, &v, NULL);
    if (s) {
        entry->value = s;
        entry->sz = (size_t)v;
        entry->longval = 0;
    } else {
        entry->value = NULL;
        entry->sz = 0;
        entry->longval = v;
    }
}

int quicklistIndex(quicklist *ql, long idx, quicklistEntry *entry) {
    quicklistNode *node;
    long offset;
    if (!locate(ql, idx, &node, &offset)) return 0;
    unsigned char *bytes = node->entry;
    if (node->encoding == QUICKLIST_NODE_LZF) {
        if (ql->scratchSize < node->sz) {
            ql->scratch = memRealloc(ql->scratch, node->sz);
            ql->scratchSize = node->sz;
        }
        lzfInflate(node, ql->scratch);
        bytes = ql->scratch;
    }
    unsigned char *zi = node->container == QUICKLIST_NODE_PACKED ? lpSeek(bytes, offset) : NULL;
    entry->node = node;
    entry->offset = offset;
    entry->zi = NULL; /* may point into scratch: not for the caller */
    readElement(entry, node, bytes, zi);
    return 1;
}

/* --- Deletion --- */

/* Deletes element offset of node (decompressing it); returns 1 if
 * the node became empty and was removed.  *next gets the element that
 * followed (NULL at the node's end) when the node survives. */
static int deleteAt(quicklist *ql, quicklistNode *node, long offset, unsigned char **next) {
    if (node->count == 1) {
        removeNode(ql, node);
        return 1;
    }
    nodeDecompress(node);
    unsigned char *p = lpSeek(node->entry, offset);
    node->entry = lpDelete(node->entry, p, next);
    node->count--;
    ql->count--;
    nodeUpdated(node);
    return 0;
}

/* Merges b = a->next into a (both packed, raw-able); frees b. */
static void mergeInto(quicklist *ql, quicklistNode *a, quicklistNode *b) {
    nodeDecompress(a);
    nodeDecompress(b);
    lpEntry e;
    for (unsigned char *p = lpFirst(b->entry); p; p = lpNext(b->entry, p)) {
        lpGetEntry(p, &e);
        if (e.sval) a->entry = lpAppend(a->entry, e.sval, e.slen);
        else a->entry = lpAppendInteger(a->entry, e.lval);
    }
    unsigned int moved = b->count;
    unlinkNode(ql, b);
    nodeFree(b);
    a->count += moved;
    ql->count += moved;
    nodeUpdated(a);
}

/* Merges node with its neighbours where the result fits; returns the node
 * that now holds node's elements. */
static quicklistNode *mergeAround(quicklist *ql, quicklistNode *node) {
    if (nodesAllowMerge(ql, node->prev, node)) {
        node = node->prev;
        mergeInto(ql, node, node->next);
    }
    if (nodesAllowMerge(ql, node, node->next)) mergeInto(ql, node, node->next);
    qlCompressAround(ql, node);
    return node;
}

unsigned long quicklistDelRange(quicklist *ql, long start, unsigned long count) {
    quicklistNode *node;
    long offset;
    if (count == 0 || !locate(ql, start, &node, &offset)) return 0;
    unsigned long deleted = 0;
    quicklistNode *before = offset == 0 ? node->prev : node;
    while (node && deleted < count) {
        quicklistNode *next = node->next;
        unsigned long avail = node->count - (unsigned long)offset;
        unsigned long take = count - deleted < avail ? count - deleted : avail;
        if (take == node->count) {
            unlinkNode(ql, node);
            nodeFree(node);
        } else {
            nodeDecompress(node);
            node->entry = lpDeleteRange(node->entry, offset, take);
            node->count -= (unsigned int)take;
            ql->count -= take;
            nodeUpdated(node);
        }
        deleted += take;
        offset = 0;
        node = next;
    }
    qlCompressAround(ql, NULL);
    if (before) before = mergeAround(ql, before);
    else if (ql->head) mergeAround(ql, ql->head);
    if (before && before->next) mergeAround(ql, before->next);
    return deleted;
}

int quicklistPop(quicklist *ql, int where, unsigned char **data, size_t *len, long long *intval) {
    if (ql->count == 0) return 0;
    quicklistNode *node = where == QUICKLIST_HEAD ? ql->head : ql->tail;
    long offset = where == QUICKLIST_HEAD ? 0 : (long)node->count - 1;
    nodeDecompress(node);
    quicklistEntry entry;
    unsigned char *zi = node->container == QUICKLIST_NODE_PACKED ? lpSeek(node->entry, offset)
                                                                  : NULL;
    readElement(&entry, node, node->entry, zi);
    if (entry.value) {
        *data = memDup(entry.value, entry.sz ? entry.sz : 1);
        *len = entry.sz;
        *intval = 0;
    } else {
        *data = NULL;
        *len = 0;
        *intval = entry.longval;
    }
    if (!deleteAt(ql, node, offset, NULL)) qlCompressAround(ql, node);
    return 1;
}

/* --- Insertion in the middle --- */

/* Splits node before element at: node keeps [0, at), the returned new node
 * (linked after it) holds [at, count).  0 < at < count. */
static quicklistNode *splitNode(quicklist *ql, quicklistNode *node, long at) {
    nodeDecompress(node);
    quicklistNode *right = nodeNew(QUICKLIST_NODE_PACKED);
    memFree(right->entry);
    right->entry = memDup(node->entry, node->sz);
    unsigned long total = node->count;
    right->entry = lpDeleteRange(right->entry, 0, (unsigned long)at);
    right->count = (unsigned int)(total - (unsigned long)at);
    nodeUpdated(right);
    node->entry = lpDeleteRange(node->entry, at, total - (unsigned long)at);
    node->count = (unsigned int)at;
    ql->count -= right->count;
    nodeUpdated(node);
    linkAfter(ql, node, right);
    qlCompressAround(ql, NULL); /* one node added: keep the ends right */
    return right;
}

/* Puts a new single-element node (plain if large) between prev and
 * prev->next. */
static quicklistNode *insertNewNode(quicklist *ql, quicklistNode *prev, const void *value,
                                    size_t len) {
    quicklistNode *node;
    if (quicklistIsLargeElement(ql->fill, len)) {
        node = nodeNewPlain(value, len);
    } else {
        node = nodeNew(QUICKLIST_NODE_PACKED);
        node->entry = lpAppend(node->entry, value, len);
        node->count = 1;
        nodeUpdated(node);
    }
    linkAfter(ql, prev, node);
    qlCompressAround(ql, node);
    return node;
}

static void appendToNode(quicklist *ql, quicklistNode *node, const void *value, size_t len,
                         int atHead) {
    nodeDecompress(node);
    node->entry = atHead ? lpPrepend(node->entry, value, len) : lpAppend(node->entry, value, len);
    node->count++;
    ql->count++;
    nodeUpdated(node);
    qlCompressAround(ql, node);
}

/* Inserts value before (after = 0) or after element offset of node. */
static void insertAt(quicklist *ql, quicklistNode *node, long offset, int after,
                     const void *value, size_t len) {
    long pos = offset + (after ? 1 : 0); /* index of the new element in node */
    int large = quicklistIsLargeElement(ql->fill, len);
    if (!large && nodeAllowsInsert(ql, node, len)) {
        nodeDecompress(node);
        unsigned char *p = lpSeek(node->entry, offset);
        node->entry = lpInsert(node->entry, value, len, p, after ? LP_AFTER : LP_BEFORE, NULL);
        node->count++;
        ql->count++;
        nodeUpdated(node);
        qlCompressAround(ql, node);
        return;
    }
    if (pos == (long)node->count) {
        if (!large && nodeAllowsInsert(ql, node->next, len)) appendToNode(ql, node->next, value, len, 1);
        else insertNewNode(ql, node, value, len);
        return;
    }
    if (pos == 0) {
        if (!large && nodeAllowsInsert(ql, node->prev, len)) appendToNode(ql, node->prev, value, len, 0);
        else insertNewNode(ql, node->prev, value, len);
        return;
    }
    quicklistNode *right = splitNode(ql, node, pos);
    if (!large && nodeAllowsInsert(ql, node, len)) appendToNode(ql, node, value, len, 0);
    else if (!large && nodeAllowsInsert(ql, right, len)) appendToNode(ql, right, value, len, 1);
    else insertNewNode(ql, node, value, len);
    qlCompressAround(ql, node);
    qlCompressAround(ql, right);
}

/* Inserts value so it becomes element idx (0 <= idx <= count). */
static void insertAtIndex(quicklist *ql, long idx, const void *value, size_t len) {
    quicklistNode *node;
    long offset;
    if (locate(ql, idx, &node, &offset)) insertAt(ql, node, offset, 0, value, len);
    else quicklistPushTail(ql, value, len);
}

int quicklistReplaceAtIndex(quicklist *ql, long idx, const void *value, size_t len) {
    quicklistNode *node;
    long offset;
    if (!locate(ql, idx, &node, &offset)) return 0;
    long index = idx < 0 ? (long)ql->count + idx : idx;
    if (node->container == QUICKLIST_NODE_PACKED && !quicklistIsLargeElement(ql->fill, len) &&
        fitsLimits(ql, node->sz + entryEstimate(len), node->count)) {
        nodeDecompress(node);
        unsigned char *p = lpSeek(node->entry, offset);
        node->entry = lpReplace(node->entry, &p, value, len);
        nodeUpdated(node);
        qlCompressAround(ql, node);
        return 1;
    }
    if (!deleteAt(ql, node, offset, NULL)) qlCompressAround(ql, node);
    insertAtIndex(ql, index, value, len);
    return 1;
}

void quicklistRotate(quicklist *ql) {
    if (ql->count <= 1) return;
    unsigned char *data;
    size_t len;
    long long v;
    quicklistPop(ql, QUICKLIST_TAIL, &data, &len, &v);
    if (data) {
        quicklistPushHead(ql, data, len);
        memFree(data);
    } else {
        char buf[32];
        int n = snprintf(buf, sizeof(buf), "%lld", v);
        quicklistPushHead(ql, buf, (size_t)n);
    }
}

/* --- Iterators --- */

quicklistIter *quicklistGetIterator(quicklist *ql, int direction) {
    quicklistIter *it = memCalloc(sizeof(*it));
    it->ql = ql;
    it->direction = direction;
    it->current = direction == QUICKLIST_ITER_FORWARD ? ql->head : ql->tail;
    it->offset = it->current && direction == QUICKLIST_ITER_BACKWARD ? (long)it->current->count - 1
                                                                     : 0;
    return it;
}

quicklistIter *quicklistGetIteratorAtIdx(quicklist *ql, int direction, long idx) {
    quicklistNode *node;
    long offset;
    if (!locate(ql, idx, &node, &offset)) return NULL;
    quicklistIter *it = quicklistGetIterator(ql, direction);
    it->current = node;
    it->offset = offset;
    return it;
}

/* Leaves the current node: recompress it if the iterator decompressed it. */
static void iterLeaveNode(quicklistIter *it) {
    if (it->current && it->current->recompress) qlCompressAround(it->ql, it->current);
}

int quicklistNext(quicklistIter *it, quicklistEntry *entry) {
    while (it->current) {
        quicklistNode *node = it->current;
        if (it->offset < 0 || it->offset >= (long)node->count) {
            iterLeaveNode(it);
            it->current = it->direction == QUICKLIST_ITER_FORWARD ? node->next : node->prev;
            it->zi = NULL;
            if (it->current)
                it->offset =
                    it->direction == QUICKLIST_ITER_FORWARD ? 0 : (long)it->current->count - 1;
            continue;
        }
        if (node->encoding == QUICKLIST_NODE_LZF) {
            nodeDecompress(node);
            node->recompress = 1;
            it->zi = NULL;
        }
        if (!it->zi) {
            it->zi = node->container == QUICKLIST_NODE_PACKED ? lpSeek(node->entry, it->offset)
                                                               : node->entry;
        }
        entry->node = node;
        entry->offset = it->offset;
        entry->zi = node->container == QUICKLIST_NODE_PACKED ? it->zi : NULL;
        readElement(entry, node, node->entry, it->zi);
        if (node->container == QUICKLIST_NODE_PACKED) {
            it->zi = it->direction == QUICKLIST_ITER_FORWARD ? lpNext(node->entry, it->zi)
                                                             : lpPrev(node->entry, it->zi);
        } else {
            it->zi = NULL;
        }
        it->offset += it->direction == QUICKLIST_ITER_FORWARD ? 1 : -1;
        return 1;
    }
    return 0;
}

void quicklistReleaseIterator(quicklistIter *it) {
    if (!it) return;
    iterLeaveNode(it);
    memFree(it);
}

void quicklistDelEntry(quicklistIter *it, quicklistEntry *entry) {
    quicklistNode *node = entry->node;
    quicklistNode *prev = node->prev, *next = node->next;
    unsigned char *after = NULL;
    nodeDecompress(node);
    if (deleteAt(it->ql, node, entry->offset, &after)) {
        it->current = it->direction == QUICKLIST_ITER_FORWARD ? next : prev;
        it->zi = NULL;
        if (it->current)
            it->offset = it->direction == QUICKLIST_ITER_FORWARD ? 0 : (long)it->current->count - 1;
        return;
    }
    node->recompress = 1; /* recompressed (if its position says so) when left */
    it->current = node;
    if (it->direction == QUICKLIST_ITER_FORWARD) {
        it->offset = entry->offset;
        it->zi = after;
    } else {
        it->offset = entry->offset - 1;
        it->zi = after ? lpPrev(node->entry, after) : lpLast(node->entry);
    }
}

static void iterInsert(quicklistIter *it, quicklistEntry *entry, const void *value, size_t len,
                       int after) {
    quicklistNode *node = entry->node; /* insertAt frees no node */
    insertAt(it->ql, node, entry->offset, after, value, len);
    if (node->recompress) qlCompressAround(it->ql, node);
    it->current = NULL;
    it->zi = NULL;
}

void quicklistInsertBefore(quicklistIter *it, quicklistEntry *entry, const void *value,
                           size_t len) {
    iterInsert(it, entry, value, len, 0);
}

void quicklistInsertAfter(quicklistIter *it, quicklistEntry *entry, const void *value,
                          size_t len) {
    iterInsert(it, entry, value, len, 1);
}
