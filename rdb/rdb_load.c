/* rdb_load.c — reading RDB streams: the bounded reader, the header and
 * opcodes, and loading a whole file into the databases.
 *
 * The reader knows how many bytes its input holds (a file's size from
 * fstat, a payload's length), so every length read from the stream is
 * checked against what remains before anything is allocated: a corrupt or
 * hostile file fails with "<file> at offset N: <what>" instead of asking
 * for a huge allocation or reading past its end.  It keeps the running
 * CRC64 of the bytes consumed, compared with the trailer at EOF.
 *
 * Versions 1 to 11 are read (the opcodes appeared over time, and a file
 * only holds those of its version); a newer version is refused by number.
 * Unknown AUX fields are skipped (their value is a string), known ones are
 * reported in rdbLoadInfo.  IDLE and FREQ apply to the next key once it is
 * in its table (dbAdd stamps the access time, so they must come after):
 * FREQ under LFU mode, IDLE otherwise, the other one ignored, as Valkey
 * does.  A type tessera cannot load yet stops the load, naming the type.
 *
 * An observer (tessera-check-rdb) sees AUX fields, SELECTDB and every key
 * with the offset where it starts; with discardKeys the values are checked
 * and freed, so a file is validated without a keyspace to hold it. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "node/base/crc.h"
#include "node/base/log.h"
#include "node/base/mem.h"
#include "node/base/timeutil.h"
#include "node/base/util.h"
#include "node/store/db.h"
#include "node/store/hashtable.h"
#include "rdb/rdb.h"
#include "rdb/rdb_internal.h"

#define READ_BUFSIZE (64 * 1024)

/* --- Reader --- */

void rdbReaderInitFd(rdbReader *r, const char *name, int fd, uint64_t size) {
    memset(r, 0, sizeof(*r));
    r->name = name;
    r->fd = fd;
    r->size = size;
    r->buf = memAlloc(READ_BUFSIZE);
}

void rdbReaderInitMem(rdbReader *r, const char *name, const void *p, size_t len) {
    memset(r, 0, sizeof(*r));
    r->name = name;
    r->fd = -1;
    r->mem = p;
    r->size = len;
}

void rdbReaderFree(rdbReader *r) {
    memFree(r->buf);
    r->buf = NULL;
    dstrFree(r->err);
    r->err = NULL;
}

int rdbReaderFail(rdbReader *r, const char *fmt, ...) {
    if (r->err) return -1;
    r->err = dstrCatPrintf(dstrEmpty(), "%s at offset %llu: ", r->name, (unsigned long long)r->offset);
    va_list ap;
    va_start(ap, fmt);
    r->err = dstrCatVPrintf(r->err, fmt, ap);
    va_end(ap);
    return -1;
}

uint64_t rdbReaderRemaining(const rdbReader *r) { return r->size - r->offset; }

static int refill(rdbReader *r) {
    for (;;) {
        ssize_t n = read(r->fd, r->buf, READ_BUFSIZE);
        if (n > 0) {
            r->bufPos = 0;
            r->bufFill = (size_t)n;
            return 0;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return rdbReaderFail(r, "read error: %s", strerror(errno));
        return rdbReaderFail(r, "unexpected end of file");
    }
}

int rdbReadRaw(rdbReader *r, void *p, size_t len) {
    if (r->err) return -1;
    if (len > rdbReaderRemaining(r)) return rdbReaderFail(r, "unexpected end of file");
    unsigned char *out = p;
    if (r->fd < 0) {
        memcpy(out, r->mem + r->offset, len);
    } else {
        size_t done = 0;
        while (done < len) {
            if (r->bufPos == r->bufFill && refill(r) != 0) return -1;
            size_t n = r->bufFill - r->bufPos;
            if (n > len - done) n = len - done;
            memcpy(out + done, r->buf + r->bufPos, n);
            r->bufPos += n;
            done += n;
        }
    }
    r->crc = crc64(r->crc, out, len);
    r->offset += len;
    return 0;
}

int rdbLoadType(rdbReader *r, int *type) {
    unsigned char b;
    if (rdbReadRaw(r, &b, 1) != 0) return -1;
    *type = b;
    return 0;
}

int rdbLoadLen(rdbReader *r, uint64_t *len, int *isEncoded) {
    unsigned char b[8];
    if (isEncoded) *isEncoded = 0;
    if (rdbReadRaw(r, b, 1) != 0) return -1;
    int kind = (b[0] & 0xc0) >> 6;
    if (kind == RDB_ENCVAL) {
        if (!isEncoded) return rdbReaderFail(r, "Unexpected string encoding where a length was expected");
        *isEncoded = 1;
        *len = b[0] & 0x3f;
        return 0;
    }
    if (kind == RDB_6BITLEN) {
        *len = b[0] & 0x3f;
        return 0;
    }
    if (kind == RDB_14BITLEN) {
        unsigned char lo;
        if (rdbReadRaw(r, &lo, 1) != 0) return -1;
        *len = ((uint64_t)(b[0] & 0x3f) << 8) | lo;
        return 0;
    }
    int n = b[0] == RDB_32BITLEN ? 4 : b[0] == RDB_64BITLEN ? 8 : 0;
    if (n == 0) return rdbReaderFail(r, "Unknown length encoding %d", b[0]);
    if (rdbReadRaw(r, b, (size_t)n) != 0) return -1;
    uint64_t v = 0;
    for (int i = 0; i < n; i++) v = (v << 8) | b[i];
    *len = v;
    return 0;
}

int rdbLoadBoundedLen(rdbReader *r, uint64_t *len, uint64_t minBytes) {
    if (rdbLoadLen(r, len, NULL) != 0) return -1;
    uint64_t remaining = rdbReaderRemaining(r);
    if (minBytes && *len > remaining / minBytes)
        return rdbReaderFail(r, "Length %llu beyond the end of the input", (unsigned long long)*len);
    return 0;
}

static int loadLittleEndian(rdbReader *r, int bytes, uint64_t *out) {
    unsigned char b[8];
    if (rdbReadRaw(r, b, (size_t)bytes) != 0) return -1;
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; i--) v = (v << 8) | b[i];
    *out = v;
    return 0;
}

int rdbLoadMillis(rdbReader *r, long long *ms) {
    uint64_t v;
    if (loadLittleEndian(r, 8, &v) != 0) return -1;
    *ms = (long long)v;
    return 0;
}

/* --- Header and AUX fields --- */

static int loadHeader(rdbReader *r) {
    char magic[10] = {0};
    if (rdbReadRaw(r, magic, 9) != 0) return -1;
    if (memcmp(magic, RDB_MAGIC, 5) != 0) return rdbReaderFail(r, "Wrong signature trying to load DB from file");
    int version = 0;
    for (int i = 5; i < 9; i++) {
        if (magic[i] < '0' || magic[i] > '9') return rdbReaderFail(r, "Wrong signature trying to load DB from file");
        version = version * 10 + (magic[i] - '0');
    }
    if (version < 1 || version > RDB_VERSION) return rdbReaderFail(r, "Can't handle RDB format version %d", version);
    r->version = version;
    return 0;
}

static void noteAux(const dstr name, const dstr value, rdbLoadInfo *info) {
    long long v;
    if (!strcasecmp(name, "repl-id")) {
        dstrFree(info->replId);
        info->replId = dstrDup(value);
        return;
    }
    if (!strcasecmp(name, "repl-offset") || !strcasecmp(name, "repl-stream-db") || !strcasecmp(name, "aof-base")) {
        if (!string2ll(value, dstrLen(value), &v)) return;
        if (name[0] == 'a' || name[0] == 'A') info->aofBase = v != 0;
        else if (dstrLen(name) == strlen("repl-offset")) info->replOffset = v;
        else info->replStreamDb = v;
        return;
    }
    if (!strcasecmp(name, "valkey-ver") || !strcasecmp(name, "redis-ver")) {
        serverLog(LL_NOTICE, "Loading RDB produced by %sversion %s", name[0] == 'v' ? "valkey " : "", value);
        dstrFree(info->producer);
        info->producer = dstrCatPrintf(dstrEmpty(), "%s %s", name[0] == 'v' ? "valkey" : "redis", value);
    } else if (!strcasecmp(name, "ctime")) {
        if (string2ll(value, dstrLen(value), &v)) {
            info->ctime = v;
            long long age = timeMs() / 1000 - v;
            serverLog(LL_NOTICE, "RDB age %lld seconds", age < 0 ? 0 : age);
        }
    } else if (!strcasecmp(name, "used-mem")) {
        if (string2ll(value, dstrLen(value), &v)) {
            info->usedMem = v;
            serverLog(LL_NOTICE, "RDB memory usage when created %.2f Mb", (double)v / (1024 * 1024));
        }
    } else {
        serverLog(LL_DEBUG, "Unrecognized RDB AUX field: '%s'", name);
    }
}

/* --- Keys --- */

typedef struct loadState {
    serverDb *db;
    long long expire; /* of the next key, -1 if none */
    long long idle;   /* IDLE seconds of the next key, -1 if none */
    int freq;         /* FREQ of the next key, -1 if none */
    long long nowMs;
    int dbid;
    const rdbLoadOptions *opt;
} loadState;

static const rdbLoadObserver *observer(const loadState *st) { return st->opt->observer; }

static int loadAux(rdbReader *r, loadState *st, rdbLoadInfo *info) {
    dstr name = rdbLoadString(r);
    dstr value = name ? rdbLoadString(r) : NULL;
    if (!value) {
        dstrFree(name);
        return -1;
    }
    if (observer(st) && observer(st)->aux) observer(st)->aux(observer(st)->ctx, r->offset, name, value);
    noteAux(name, value, info);
    dstrFree(name);
    dstrFree(value);
    return 0;
}

void rdbApplyKeyAccess(kvobj *kv, long long idleSeconds, int freq) {
    if (dbLfuMode()) {
        if (freq < 0) return;
        unsigned minutes = (unsigned)((dbNow() / 60000) & 0xffff);
        kv->lru = (minutes << 8) | ((unsigned)freq & 0xff);
        return;
    }
    if (idleSeconds < 0) return;
    /* The clock is 24 bits of seconds and wraps: an idle time longer than
     * the clock's current value points before the wrap. */
    unsigned clock = dbLruClock();
    unsigned idle = idleSeconds >= 0xfffffe ? 0xfffffe : (unsigned)idleSeconds;
    kv->lru = idle <= clock ? clock - idle : 0xffffff - (idle - clock);
}

static void notifyKey(rdbReader *r, loadState *st, int type, const kvobj *kv, int skipped) {
    const rdbLoadObserver *o = observer(st);
    if (o && o->key) o->key(o->ctx, r->offset, st->dbid, type, kv, skipped);
}

static int loadKey(rdbReader *r, int type, loadState *st, rdbLoadInfo *info) {
    dstr key = rdbLoadString(r);
    if (!key) return -1;
    kvobj *kv = rdbLoadObject(r, type, key, st->expire);
    long long expire = st->expire, idle = st->idle;
    int freq = st->freq;
    st->expire = st->idle = st->freq = -1;
    if (!kv) {
        dstrFree(key);
        return -1;
    }
    int rc = 0;
    if (st->opt->skipExpired && expire != -1 && expire < st->nowMs) {
        notifyKey(r, st, type, kv, 1);
        kvFree(kv);
        info->keysExpired++;
    } else if (st->opt->discardKeys) {
        notifyKey(r, st, type, kv, 0);
        kvFree(kv);
        info->keysLoaded++;
    } else if (dbFind(st->db, key)) {
        kvFree(kv);
        rc = rdbReaderFail(r, "Duplicate key '%s' found in RDB file", key);
    } else {
        notifyKey(r, st, type, kv, 0);
        dbAdd(st->db, kv);
        rdbApplyKeyAccess(kv, idle, freq);
        info->keysLoaded++;
    }
    dstrFree(key);
    return rc;
}

static int selectDb(rdbReader *r, loadState *st) {
    uint64_t id;
    if (rdbLoadLen(r, &id, NULL) != 0) return -1;
    /* Keys that are only checked need no database to go to. */
    if (st->opt->discardKeys ? id > INT_MAX : id >= (uint64_t)dbCountDatabases())
        return rdbReaderFail(r, "FATAL: Data file was created with a server configured to handle more than %d "
                                "databases. Exiting",
                             dbCountDatabases());
    st->dbid = (int)id;
    st->db = dbByIndex((int)id);
    if (observer(st) && observer(st)->selectDb) observer(st)->selectDb(observer(st)->ctx, r->offset, (int)id);
    return 0;
}

/* RESIZEDB is a hint; it is honoured only when the input could hold that
 * many keys (3 bytes each at least), so it never drives a huge allocation. */
static int resizeDb(rdbReader *r, loadState *st) {
    uint64_t size, expires;
    if (rdbLoadLen(r, &size, NULL) != 0 || rdbLoadLen(r, &expires, NULL) != 0) return -1;
    if (st->db && size <= rdbReaderRemaining(r) / 3) hashtableTryExpand(st->db->keys, dbSize(st->db) + size);
    return 0;
}

/* --- Opcodes --- */

static int skipString(rdbReader *r) {
    dstr s = rdbLoadString(r);
    if (!s) return -1;
    dstrFree(s);
    return 0;
}

static int loadOpcode(rdbReader *r, int type, loadState *st, rdbLoadInfo *info) {
    uint64_t v;
    unsigned char b;
    switch (type) {
    case RDB_OPCODE_EXPIRETIME_MS: return rdbLoadMillis(r, &st->expire);
    case RDB_OPCODE_EXPIRETIME:
        if (loadLittleEndian(r, 4, &v) != 0) return -1;
        st->expire = (long long)v * 1000;
        return 0;
    case RDB_OPCODE_IDLE:
        if (rdbLoadLen(r, &v, NULL) != 0) return -1;
        st->idle = v > LLONG_MAX ? LLONG_MAX : (long long)v;
        return 0;
    case RDB_OPCODE_FREQ:
        if (rdbReadRaw(r, &b, 1) != 0) return -1;
        st->freq = b;
        return 0;
    case RDB_OPCODE_SELECTDB: return selectDb(r, st);
    case RDB_OPCODE_RESIZEDB: return resizeDb(r, st);
    case RDB_OPCODE_AUX: return loadAux(r, st, info);
    case RDB_OPCODE_SLOT_INFO:
        /* slot id, slot size, expires slot size: cluster hints. */
        for (int i = 0; i < 3; i++)
            if (rdbLoadLen(r, &v, NULL) != 0) return -1;
        return 0;
    case RDB_OPCODE_FUNCTION2:
        serverLog(LL_WARNING, "The RDB file holds a function library: functions are not supported yet, skipped");
        return skipString(r);
    case RDB_OPCODE_MODULE_AUX: return rdbReaderFail(r, "The RDB file holds module data (modules are not supported)");
    case RDB_OPCODE_FUNCTION_PRE_GA: return rdbReaderFail(r, "Pre-release function format not supported");
    default: return rdbReaderFail(r, "Unknown RDB opcode %d", type);
    }
}

/* The trailer: 8 bytes of CRC64 (RDB 5 and later); 0 means "not computed". */
static int checkTrailer(rdbReader *r, const rdbLoadOptions *opt, rdbLoadInfo *info) {
    if (r->version < 5) return 0;
    uint64_t expected = r->crc, stored;
    if (loadLittleEndian(r, 8, &stored) != 0) return -1;
    info->checksum = RDB_CHECKSUM_UNCHECKED;
    if (!opt->verifyChecksum) return 0;
    if (stored == 0) {
        info->checksum = RDB_CHECKSUM_DISABLED;
        serverLog(LL_WARNING, "RDB file was saved with checksum disabled: no check performed.");
        return 0;
    }
    if (stored != expected) {
        r->offset -= 8;
        return rdbReaderFail(r, "Wrong RDB checksum expected: (%llx) got (%llx)", (unsigned long long)stored,
                             (unsigned long long)expected);
    }
    info->checksum = RDB_CHECKSUM_OK;
    return 0;
}

int rdbLoadDataset(rdbReader *r, const rdbLoadOptions *opt, rdbLoadInfo *info) {
    rdbInit();
    memset(info, 0, sizeof(*info));
    info->ctime = info->usedMem = info->replOffset = info->replStreamDb = -1;
    loadState st = {.db = dbByIndex(0), .expire = -1, .idle = -1, .freq = -1,
                    .nowMs = opt->nowMs ? opt->nowMs : timeMs(), .opt = opt};
    if (loadHeader(r) != 0) return -1;
    info->version = r->version;
    for (;;) {
        int type;
        if (rdbLoadType(r, &type) != 0) return -1;
        if (type == RDB_OPCODE_EOF) break;
        int rc = rdbIsValueType(type) ? loadKey(r, type, &st, info) : loadOpcode(r, type, &st, info);
        if (rc != 0) return -1;
    }
    if (checkTrailer(r, opt, info) != 0) return -1;
    /* A file that goes on after its end was damaged (or is not one file):
     * a version byte flipped to 1-4 would otherwise hide a corrupt body. */
    if (!opt->allowTrailing && rdbReaderRemaining(r) > 0)
        return rdbReaderFail(r, "Unexpected %llu bytes after the end of the RDB data",
                             (unsigned long long)rdbReaderRemaining(r));
    return 0;
}

void rdbLoadInfoFree(rdbLoadInfo *info) {
    dstrFree(info->producer);
    info->producer = NULL;
    dstrFree(info->replId);
    info->replId = NULL;
}

int rdbLoadFile(const char *filename, const rdbLoadOptions *opt, rdbLoadInfo *info, dstr *err) {
    memset(info, 0, sizeof(*info));
    int fd = open(filename, O_RDONLY);
    if (fd == -1 && errno == ENOENT) return 1;
    struct stat st;
    if (fd == -1 || fstat(fd, &st) != 0) {
        *err = dstrCatPrintf(dstrEmpty(), "Can't open %s: %s", filename, strerror(errno));
        if (fd != -1) close(fd);
        return -1;
    }
    rdbReader r;
    rdbReaderInitFd(&r, filename, fd, (uint64_t)st.st_size);
    int rc = rdbLoadDataset(&r, opt, info);
    if (rc != 0) {
        *err = r.err;
        r.err = NULL;
    }
    rdbReaderFree(&r);
    close(fd);
    return rc;
}
