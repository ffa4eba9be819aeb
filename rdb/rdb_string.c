/* rdb_string.c — RDB strings: the three encodings every string in a file
 * uses (keys, values, AUX fields, and later the elements of collections),
 * and the string value type.
 *
 *   integer   11000000 int8 | 11000001 int16 LE | 11000010 int32 LE, for
 *             text that is the canonical decimal form of a number that fits
 *             32 bits ("12", not "012" or "+12": those must stay text)
 *   LZF       11000011 <compressed len> <original len> <LZF bytes>, tried
 *             for strings longer than 20 bytes when compression is on, and
 *             kept only when it saves at least 4 bytes (Valkey's rule)
 *   raw       <len> <bytes>
 *
 * Loading trusts no length: a raw or compressed length beyond what remains
 * of the input is corruption, and the original length of an LZF string is
 * bounded by the largest expansion LZF can produce (a 3-byte back reference
 * copies at most 264 bytes), so a forged header cannot make us allocate
 * gigabytes from a small file. */
#include <limits.h>
#include <lzf.h>
#include <string.h>

#include "node/base/mem.h"
#include "node/base/util.h"
#include "rdb/rdb.h"
#include "rdb/rdb_internal.h"

/* LZF's best case: 264 bytes out of a 3-byte back reference. */
#define LZF_MAX_RATIO 88

/* --- Saving --- */

/* Writes v with an integer encoding if it fits 32 bits; returns 1 if so. */
static int saveIntEncoded(rdbWriter *w, long long v, int *rc) {
    unsigned char b[5];
    size_t n;
    if (v >= INT8_MIN && v <= INT8_MAX) {
        b[0] = (RDB_ENCVAL << 6) | RDB_ENC_INT8;
        b[1] = (unsigned char)(v & 0xff);
        n = 2;
    } else if (v >= INT16_MIN && v <= INT16_MAX) {
        b[0] = (RDB_ENCVAL << 6) | RDB_ENC_INT16;
        b[1] = (unsigned char)(v & 0xff);
        b[2] = (unsigned char)((v >> 8) & 0xff);
        n = 3;
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
        b[0] = (RDB_ENCVAL << 6) | RDB_ENC_INT32;
        for (int i = 0; i < 4; i++) b[1 + i] = (unsigned char)((v >> (8 * i)) & 0xff);
        n = 5;
    } else {
        return 0;
    }
    *rc = rdbWriteRaw(w, b, n);
    return 1;
}

/* LZF form if it is at least 4 bytes smaller; returns 1 if written. */
static int saveLzf(rdbWriter *w, const char *s, size_t len, int *rc) {
    if (len <= 4 || len > UINT_MAX) return 0;
    size_t outlen = len - 4;
    char *out = memAlloc(outlen + 1);
    unsigned clen = lzf_compress(s, (unsigned)len, out, (unsigned)outlen);
    if (clen == 0) {
        memFree(out);
        return 0;
    }
    *rc = rdbSaveType(w, (RDB_ENCVAL << 6) | RDB_ENC_LZF);
    if (*rc == 0) *rc = rdbSaveLen(w, clen);
    if (*rc == 0) *rc = rdbSaveLen(w, len);
    if (*rc == 0) *rc = rdbWriteRaw(w, out, clen);
    memFree(out);
    return 1;
}

int rdbSaveString(rdbWriter *w, const char *s, size_t len) {
    int rc = 0;
    long long v;
    /* string2ll is strict: only the canonical form of a number parses. */
    if (len > 0 && len <= 11 && string2ll(s, len, &v) && saveIntEncoded(w, v, &rc)) return rc;
    if (w->compress && len > 20 && saveLzf(w, s, len, &rc)) return rc;
    if (rdbSaveLen(w, len) != 0) return -1;
    return len ? rdbWriteRaw(w, s, len) : 0;
}

int rdbSaveLongLongAsString(rdbWriter *w, long long v) {
    int rc = 0;
    if (saveIntEncoded(w, v, &rc)) return rc;
    char buf[32];
    int n = ll2string(buf, sizeof(buf), v);
    if (rdbSaveLen(w, (uint64_t)n) != 0) return -1;
    return rdbWriteRaw(w, buf, (size_t)n);
}

/* --- Loading --- */

static int loadIntEncoded(rdbReader *r, int enc, long long *out) {
    unsigned char b[4];
    size_t n = enc == RDB_ENC_INT8 ? 1 : enc == RDB_ENC_INT16 ? 2 : 4;
    if (rdbReadRaw(r, b, n) != 0) return -1;
    if (n == 1) *out = (int8_t)b[0];
    else if (n == 2) *out = (int16_t)(b[0] | (b[1] << 8));
    else *out = (int32_t)((uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24));
    return 0;
}

static dstr loadLzf(rdbReader *r) {
    uint64_t clen, len;
    if (rdbLoadBoundedLen(r, &clen, 1) != 0 || rdbLoadLen(r, &len, NULL) != 0) return NULL;
    if (clen == 0 || len == 0 || len > clen * LZF_MAX_RATIO + 64 || len > UINT_MAX) {
        rdbReaderFail(r, "Invalid LZF string lengths (compressed %llu, original %llu)", (unsigned long long)clen,
                      (unsigned long long)len);
        return NULL;
    }
    char *in = memAlloc(clen);
    if (rdbReadRaw(r, in, clen) != 0) {
        memFree(in);
        return NULL;
    }
    dstr out = dstrNewLen(NULL, len);
    unsigned got = lzf_decompress(in, (unsigned)clen, out, (unsigned)len);
    memFree(in);
    if (got != len) {
        dstrFree(out);
        rdbReaderFail(r, "Invalid LZF compressed string");
        return NULL;
    }
    return out;
}

dstr rdbLoadStringOrInt(rdbReader *r, int *isInt, long long *intOut) {
    uint64_t len;
    int encoded;
    *isInt = 0;
    if (rdbLoadLen(r, &len, &encoded) != 0) return NULL;
    if (encoded) {
        if (len == RDB_ENC_LZF) return loadLzf(r);
        if (len > RDB_ENC_INT32) {
            rdbReaderFail(r, "Unknown RDB string encoding type %d", (int)len);
            return NULL;
        }
        if (loadIntEncoded(r, (int)len, intOut) != 0) return NULL;
        *isInt = 1;
        return NULL;
    }
    if (len > rdbReaderRemaining(r)) {
        rdbReaderFail(r, "String length %llu beyond the end of the input", (unsigned long long)len);
        return NULL;
    }
    dstr s = dstrNewLen(NULL, len);
    if (rdbReadRaw(r, s, len) != 0) {
        dstrFree(s);
        return NULL;
    }
    return s;
}

dstr rdbLoadString(rdbReader *r) {
    int isInt;
    long long v;
    dstr s = rdbLoadStringOrInt(r, &isInt, &v);
    return isInt ? dstrFromLongLong(v) : s;
}

/* --- The string type --- */

static int stringRdbType(const kvobj *kv) {
    (void)kv;
    return RDB_TYPE_STRING;
}

static int saveStringValue(rdbWriter *w, const kvobj *kv) {
    if (kv->encoding == OBJ_ENCODING_INT) return rdbSaveLongLongAsString(w, kvGetInt(kv));
    char buf[32];
    size_t len;
    const char *bytes = kvStringBytes(kv, buf, &len);
    return rdbSaveString(w, bytes, len);
}

/* Values that fit an entry are built by kvCreateString (which also picks
 * the INT and EMBSTR encodings, as SET would); longer ones keep the loaded
 * buffer as a RAW value instead of copying it. */
static kvobj *loadStringValue(rdbReader *r, int rdbType, const dstr key, long long expire) {
    (void)rdbType;
    int isInt;
    long long v;
    dstr s = rdbLoadStringOrInt(r, &isInt, &v);
    if (isInt) return kvCreateInt(key, dstrLen(key), v, expire);
    if (!s) return NULL;
    if (dstrLen(s) <= KV_EMBED_LIMIT) {
        kvobj *kv = kvCreateString(key, dstrLen(key), s, dstrLen(s), expire, 1);
        dstrFree(s);
        return kv;
    }
    return kvCreateRaw(key, dstrLen(key), s, expire);
}

void rdbStringRegister(void) {
    static const rdbTypeSaver saver = {stringRdbType, saveStringValue};
    rdbRegisterSaver(OBJ_STRING, &saver);
    rdbRegisterLoader(RDB_TYPE_STRING, loadStringValue);
}
