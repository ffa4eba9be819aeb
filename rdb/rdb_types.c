/* rdb_types.c — the table of per-type savers and loaders.
 *
 * Savers are indexed by object type (kvobj.h's OBJ_*), loaders by RDB type
 * number, because one object type has several RDB forms (a hash is saved as
 * a listpack or a hashtable, and old files hold ziplists and zipmaps that
 * must still load).  Each type's file registers its own entries from
 * rdbInit, so adding a type touches that file and one line here.
 *
 * A type with no loader is refused by name ("RDB type 'set-listpack' is not
 * supported yet"), never skipped: skipping would need to know its length. */
#include <assert.h>
#include <errno.h>
#include <stddef.h>

#include "rdb/rdb.h"
#include "rdb/rdb_internal.h"

#define OBJ_TYPE_MAX 16

static rdbTypeSaver savers[OBJ_TYPE_MAX];
static rdbValueLoader loaders[RDB_TYPE_MAX];

void rdbRegisterSaver(int objType, const rdbTypeSaver *saver) {
    assert(objType >= 0 && objType < OBJ_TYPE_MAX);
    savers[objType] = *saver;
}

void rdbRegisterLoader(int rdbType, rdbValueLoader loader) {
    assert(rdbType >= 0 && rdbType < RDB_TYPE_MAX);
    loaders[rdbType] = loader;
}

void rdbInit(void) {
    static int done;
    if (done) return;
    done = 1;
    rdbStringRegister();
    rdbListRegister();
    rdbHashRegister();
    rdbSetRegister();
    rdbZsetRegister();
}

const char *rdbTypeName(int rdbType) {
    static const char *const names[] = {
        [RDB_TYPE_STRING] = "string",
        [RDB_TYPE_LIST] = "list-linkedlist",
        [RDB_TYPE_SET] = "set-hashtable",
        [RDB_TYPE_ZSET] = "zset-v1",
        [RDB_TYPE_HASH] = "hash-hashtable",
        [RDB_TYPE_ZSET_2] = "zset-v2",
        [RDB_TYPE_MODULE_PRE_GA] = "module-pre-ga",
        [RDB_TYPE_MODULE_2] = "module-value",
        [RDB_TYPE_HASH_ZIPMAP] = "hash-zipmap",
        [RDB_TYPE_LIST_ZIPLIST] = "list-ziplist",
        [RDB_TYPE_SET_INTSET] = "set-intset",
        [RDB_TYPE_ZSET_ZIPLIST] = "zset-ziplist",
        [RDB_TYPE_HASH_ZIPLIST] = "hash-ziplist",
        [RDB_TYPE_LIST_QUICKLIST] = "list-quicklist",
        [RDB_TYPE_STREAM_LISTPACKS] = "stream-v1",
        [RDB_TYPE_HASH_LISTPACK] = "hash-listpack",
        [RDB_TYPE_ZSET_LISTPACK] = "zset-listpack",
        [RDB_TYPE_LIST_QUICKLIST_2] = "list-quicklist-v2",
        [RDB_TYPE_STREAM_LISTPACKS_2] = "stream-v2",
        [RDB_TYPE_SET_LISTPACK] = "set-listpack",
        [RDB_TYPE_STREAM_LISTPACKS_3] = "stream-v3",
    };
    if (rdbType < 0 || (size_t)rdbType >= sizeof(names) / sizeof(names[0]) || !names[rdbType]) return "unknown";
    return names[rdbType];
}

int rdbSaveObjectType(rdbWriter *w, const kvobj *kv) {
    const rdbTypeSaver *s = &savers[kv->type];
    if (!s->rdbType) {
        /* A type whose RDB form is not written yet fails the save cleanly
         * (the old file stays) rather than writing a file nobody can load. */
        w->error = ENOTSUP;
        return -1;
    }
    return rdbSaveType(w, (unsigned char)s->rdbType(kv));
}

int rdbSaveObject(rdbWriter *w, const kvobj *kv) { return savers[kv->type].save(w, kv); }

int rdbIsValueType(int type) {
    return (type >= RDB_TYPE_STRING && type <= RDB_TYPE_ZSET_2) ||
           (type >= RDB_TYPE_MODULE_PRE_GA && type <= RDB_TYPE_MODULE_2) ||
           (type >= RDB_TYPE_HASH_ZIPMAP && type <= RDB_TYPE_STREAM_LISTPACKS_3);
}

kvobj *rdbLoadObject(rdbReader *r, int rdbType, const dstr key, long long expire) {
    rdbValueLoader load = rdbType >= 0 && rdbType < RDB_TYPE_MAX ? loaders[rdbType] : NULL;
    if (!load) {
        if (rdbIsValueType(rdbType))
            rdbReaderFail(r, "RDB type %d (%s) is not supported by tessera yet (key '%s')", rdbType,
                          rdbTypeName(rdbType), key);
        else
            rdbReaderFail(r, "Unknown RDB type or opcode %d", rdbType);
        return NULL;
    }
    return load(r, rdbType, key, expire);
}
