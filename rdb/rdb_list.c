/* rdb_list.c — lists in RDB files.
 *
 * Saved as Valkey 8 does, RDB_TYPE_LIST_QUICKLIST_2:
 *
 *   <node count> ( <container> <node bytes as an RDB string> )*
 *     container  1 = PLAIN (one element, its raw bytes)
 *                2 = PACKED (a listpack of several elements)
 *
 * A LISTPACK list is one PACKED node.  A quicklist node held LZF-compressed
 * (list-compress-depth) is written as it is in memory, as an LZF-encoded
 * string (compressed length, original length, LZF bytes): no decompression
 * and recompression per save, and the same bytes Valkey writes.
 *
 * Loaded: that form, list-quicklist (ziplist nodes, Redis 3.2 to 6.2),
 * list-ziplist (one ziplist) and list-linkedlist (a count and strings).
 * A PACKED node is validated deeply and adopted as a node as is (Valkey's
 * nodes are ours byte for byte); ziplists are checked and converted by
 * rdb_ziplist.c.  Empty nodes are dropped (Valkey writes none, but old
 * versions could); a list left empty is an error.  The result goes through
 * listValueTryShrink, so a small list becomes a LISTPACK under the current
 * list-max-listpack-size exactly as if it had been pushed. */
#include "node/base/mem.h"
#include "node/types/list_value.h"
#include "node/types/quicklist.h"
#include "rdb/rdb_collection.h"
#include "rdb/rdb_internal.h"

/* --- Saving --- */

static int listRdbType(const kvobj *kv) {
    (void)kv;
    return RDB_TYPE_LIST_QUICKLIST_2;
}

/* A compressed node's bytes as an LZF-encoded RDB string. */
static int saveLzfNode(rdbWriter *w, const quicklistNode *node) {
    const quicklistLZF *lzf = (const quicklistLZF *)node->entry;
    if (rdbSaveType(w, (RDB_ENCVAL << 6) | RDB_ENC_LZF) != 0) return -1;
    if (rdbSaveLen(w, lzf->compressedSize) != 0 || rdbSaveLen(w, node->sz) != 0) return -1;
    return rdbWriteRaw(w, lzf->data, lzf->compressedSize);
}

static int saveQuicklist(rdbWriter *w, const quicklist *ql) {
    if (rdbSaveLen(w, ql->len) != 0) return -1;
    for (const quicklistNode *node = ql->head; node; node = node->next) {
        if (rdbSaveLen(w, node->container) != 0) return -1;
        int rc = node->encoding == QUICKLIST_NODE_LZF ? saveLzfNode(w, node)
                                                      : rdbSaveString(w, (const char *)node->entry, node->sz);
        if (rc != 0) return -1;
    }
    return 0;
}

static int saveList(rdbWriter *w, const kvobj *kv) {
    void *ptr = kvGetPtr(kv);
    if (kv->encoding == OBJ_ENCODING_QUICKLIST) return saveQuicklist(w, ptr);
    if (rdbSaveLen(w, 1) != 0 || rdbSaveLen(w, QUICKLIST_NODE_PACKED) != 0) return -1;
    return rdbSaveString(w, ptr, lpBytes(ptr));
}

/* --- Loading --- */

/* The loaded list as an entry: empty is an error, a small one becomes a
 * LISTPACK. */
static kvobj *finishList(rdbReader *r, int rdbType, const dstr key, long long expire, listValue *lv) {
    if (listValueLength(lv) == 0) {
        listValueFree(lv);
        return rdbFailEmpty(r, rdbType, key);
    }
    listValueTryShrink(lv, 0);
    return kvCreatePointer(key, dstrLen(key), OBJ_LIST, lv->encoding, lv->ptr, expire);
}

/* list-linkedlist: a count, then each element as a string. */
static kvobj *loadLinkedList(rdbReader *r, int rdbType, const dstr key, long long expire) {
    uint64_t len;
    if (rdbLoadBoundedLen(r, &len, 1) != 0) return NULL;
    listValue lv = listValueNewQuicklist();
    for (uint64_t i = 0; i < len; i++) {
        dstr s = rdbLoadString(r);
        if (!s) {
            listValueFree(&lv);
            return NULL;
        }
        listValuePush(&lv, s, dstrLen(s), LIST_TAIL);
        dstrFree(s);
    }
    return finishList(r, rdbType, key, expire, &lv);
}

/* list-ziplist: one ziplist, re-pushed so the nodes follow the current
 * node size (it may hold more than one node's worth). */
static kvobj *loadZiplistList(rdbReader *r, int rdbType, const dstr key, long long expire) {
    dstr blob = rdbLoadBlob(r);
    if (!blob) return NULL;
    unsigned char *lp = rdbZiplistToListpack((unsigned char *)blob, dstrLen(blob));
    dstrFree(blob);
    if (!lp) return rdbFailIntegrity(r, rdbType, key);
    listValue lv = listValueNewQuicklist();
    for (unsigned char *p = lpFirst(lp); p; p = lpNext(lp, p)) {
        unsigned char buf[LP_INTBUF_SIZE];
        int64_t len;
        unsigned char *s = lpGet(p, &len, buf);
        listValuePush(&lv, s, (size_t)len, LIST_TAIL);
    }
    lpFree(lp);
    return finishList(r, rdbType, key, expire, &lv);
}

/* One node of list-quicklist (ziplist) or list-quicklist-v2 appended to
 * ql; returns 0, or -1 with the reader's error set. */
static int loadNode(rdbReader *r, int rdbType, const dstr key, quicklist *ql) {
    uint64_t container = QUICKLIST_NODE_PACKED;
    if (rdbType == RDB_TYPE_LIST_QUICKLIST_2) {
        if (rdbLoadLen(r, &container, NULL) != 0) return -1;
        if (container != QUICKLIST_NODE_PLAIN && container != QUICKLIST_NODE_PACKED)
            return rdbReaderFail(r, "Quicklist integrity check failed: unknown node container %llu (key '%s')",
                                 (unsigned long long)container, key);
    }
    dstr blob = rdbLoadBlob(r);
    if (!blob) return -1;
    size_t len = dstrLen(blob);
    unsigned char *lp;
    if (container == QUICKLIST_NODE_PLAIN) {
        quicklistAppendPlainNode(ql, memDup(blob, len ? len : 1), len);
        lp = NULL;
    } else if (rdbType == RDB_TYPE_LIST_QUICKLIST) {
        lp = rdbZiplistToListpack((unsigned char *)blob, len);
        if (!lp) goto bad;
    } else {
        if (!lpValidateIntegrity((unsigned char *)blob, len, 1, NULL, NULL)) goto bad;
        lp = memDup(blob, len);
    }
    dstrFree(blob);
    if (lp) quicklistAppendListpack(ql, lp); /* an empty one is dropped */
    return 0;
bad:
    dstrFree(blob);
    rdbFailIntegrity(r, rdbType, key);
    return -1;
}

static kvobj *loadQuicklist(rdbReader *r, int rdbType, const dstr key, long long expire) {
    uint64_t nodes;
    if (rdbLoadBoundedLen(r, &nodes, rdbType == RDB_TYPE_LIST_QUICKLIST_2 ? 2 : 1) != 0) return NULL;
    listValue lv = listValueNewQuicklist();
    for (uint64_t i = 0; i < nodes; i++) {
        if (loadNode(r, rdbType, key, lv.ptr) != 0) {
            listValueFree(&lv);
            return NULL;
        }
    }
    return finishList(r, rdbType, key, expire, &lv);
}

void rdbListRegister(void) {
    static const rdbTypeSaver saver = {listRdbType, saveList};
    rdbRegisterSaver(OBJ_LIST, &saver);
    rdbRegisterLoader(RDB_TYPE_LIST, loadLinkedList);
    rdbRegisterLoader(RDB_TYPE_LIST_ZIPLIST, loadZiplistList);
    rdbRegisterLoader(RDB_TYPE_LIST_QUICKLIST, loadQuicklist);
    rdbRegisterLoader(RDB_TYPE_LIST_QUICKLIST_2, loadQuicklist);
}
