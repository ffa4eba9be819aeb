/* rdb_dump.c — DUMP payloads: one value in its RDB form with a footer that
 * names the format version and protects the bytes.
 *
 *   +------+---------------------+-------------+--------------------+
 *   | type | value (as in a file)| RDB version | CRC64 of all before|
 *   | 1 B  | n B                 | 2 B LE      | 8 B LE             |
 *   +------+---------------------+-------------+--------------------+
 *
 * The footer is checked before a byte of the value is parsed: a payload
 * from a newer format (its types may mean something else) or with a bad
 * checksum is refused whole.  A payload that passes is still untrusted (the
 * CRC is no signature: anyone can forge one), so it goes through the same
 * bounded, validating loaders as a file, and must end exactly at its
 * footer — trailing bytes mean the type byte and the value disagree.
 *
 * The value is written by the file's savers into a memory writer, so DUMP
 * output is byte for byte what Valkey produces for the same encoding (the
 * footer carries RDB 11, our format).  Measuring a value for DEBUG OBJECT
 * uses a counting writer: the same code path without keeping the bytes. */
#include <string.h>

#include "node/base/crc.h"
#include "node/base/mem.h"
#include "rdb/rdb.h"
#include "rdb/rdb_internal.h"

/* --- Creating --- */

static void appendFooter(rdbWriter *w) {
    unsigned char version[2] = {RDB_VERSION & 0xff, (RDB_VERSION >> 8) & 0xff};
    rdbWriteRaw(w, version, sizeof(version));
    /* The writer's running CRC covers type, value and version. */
    rdbSaveMillis(w, (long long)w->crc);
}

dstr rdbDumpCreate(const kvobj *kv, int compress) {
    rdbInit();
    rdbWriter w;
    rdbWriterInitMem(&w, 1, compress);
    if (rdbSaveObjectType(&w, kv) == 0 && rdbSaveObject(&w, kv) == 0) appendFooter(&w);
    int failed = w.error != 0;
    dstr out = rdbWriterFinish(&w);
    if (failed) {
        /* Only a type with no RDB form can fail in memory. */
        dstrFree(out);
        return NULL;
    }
    return out;
}

size_t rdbSavedObjectLen(const kvobj *kv, int compress) {
    rdbInit();
    rdbWriter w;
    rdbWriterInitCount(&w, compress);
    int rc = rdbSaveObject(&w, kv);
    rdbWriterFinish(&w);
    return rc == 0 ? (size_t)w.written : 0;
}

/* --- Verifying and loading --- */

int rdbDumpVerify(const void *p, size_t len, int *version) {
    /* Footer plus at least the type byte. */
    if (len < RDB_DUMP_FOOTER_LEN + 1) return -1;
    const unsigned char *footer = (const unsigned char *)p + len - RDB_DUMP_FOOTER_LEN;
    int v = footer[0] | (footer[1] << 8);
    if (version) *version = v;
    if (v > RDB_VERSION) return -1;
    uint64_t crc = crc64(0, p, len - 8), stored = 0;
    for (int i = 7; i >= 0; i--) stored = (stored << 8) | footer[2 + i];
    return crc == stored ? 0 : -1;
}

kvobj *rdbDumpLoad(const void *p, size_t len, const dstr key, long long expire, dstr *err) {
    rdbInit();
    int version;
    if (rdbDumpVerify(p, len, &version) != 0) {
        *err = dstrNew("DUMP payload version or checksum are wrong");
        return NULL;
    }
    rdbReader r;
    /* The reader sees the value only: a length reaching into the footer is
     * as corrupt as one reaching past the end. */
    rdbReaderInitMem(&r, "payload", p, len - RDB_DUMP_FOOTER_LEN);
    r.version = version;
    int type;
    kvobj *kv = NULL;
    if (rdbLoadType(&r, &type) == 0) {
        if (!rdbIsValueType(type))
            rdbReaderFail(&r, "Unknown RDB type %d", type);
        else
            kv = rdbLoadObject(&r, type, key, expire);
    }
    if (kv && rdbReaderRemaining(&r) != 0) {
        rdbReaderFail(&r, "%llu unexpected bytes after the value", (unsigned long long)rdbReaderRemaining(&r));
        kvFree(kv);
        kv = NULL;
    }
    if (!kv && !r.err) rdbReaderFail(&r, "Bad data format");
    if (!kv) {
        *err = r.err;
        r.err = NULL;
    }
    rdbReaderFree(&r);
    return kv;
}
