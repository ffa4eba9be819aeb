/* type_util.c — thresholds and typed lookups shared by the collection
 * types (see type_util.h). */
#include "node/types/type_util.h"

#include "node/net/reply.h"
#include "node/types/string_value.h"

static typeSettings settings = {
    .hashMaxListpackEntries = 512,
    .hashMaxListpackValue = 64,
    .listMaxListpackSize = -2,
    .listCompressDepth = 0,
    .setMaxIntsetEntries = 512,
    .setMaxListpackEntries = 128,
    .setMaxListpackValue = 64,
    .zsetMaxListpackEntries = 128,
    .zsetMaxListpackValue = 64,
};

typeSettings *typeGetSettings(void) { return &settings; }

int typeReadFlags(const client *c) { return (c->flags & CLIENT_NO_TOUCH) ? LOOKUP_NOTOUCH : LOOKUP_NONE; }

static kvobj *checkType(client *c, kvobj *kv, int type, int *wrongType) {
    *wrongType = 0;
    if (kv && kv->type != type) {
        replyErrorWrongType(c);
        *wrongType = 1;
        return NULL;
    }
    return kv;
}

kvobj *typeLookupRead(client *c, const dstr key, int type, int *wrongType) {
    return checkType(c, dbLookupRead(c->db, key, typeReadFlags(c)), type, wrongType);
}

kvobj *typeLookupWrite(client *c, const dstr key, int type, int *wrongType) {
    /* stringLookupWrite holds the replica rule for expired keys. */
    return checkType(c, stringLookupWrite(c, key), type, wrongType);
}

kvobj *typeScanBegin(client *c, int type, int kind, unsigned long long *cursor, scanArgs *a) {
    if (scanParseCursor(c, c->argv[2], cursor) != 0) return NULL;
    int wrong;
    kvobj *kv = typeLookupRead(c, c->argv[1], type, &wrong);
    if (wrong) return NULL;
    if (!kv) {
        /* Valkey answers a missing key before looking at the options. */
        scanReplyCursor(c, 0);
        replyEmptyArray(c);
        return NULL;
    }
    return scanParseArgs(c, 3, kind, a) == 0 ? kv : NULL;
}
