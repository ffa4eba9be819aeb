/* rdb_write.c — writing RDB streams: the buffered writer, the length and
 * time encodings, the dataset layout, and the crash-safe file around it.
 *
 * The writer batches small writes (a type byte, a 1-byte length) into a
 * 64 KB buffer, so a dataset of small keys costs one write(2) per 64 KB, and
 * keeps the running CRC64 over everything accepted.  The first failed write
 * is remembered (w->error) and later calls fail at once, so callers can test
 * once per key rather than after every byte.
 *
 * Dataset layout (RDB 11):
 *   "REDIS0011"
 *   AUX valkey-ver, redis-bits, ctime, used-mem, the caller's extra
 *       fields (repl-stream-db, repl-id, repl-offset), aof-base
 *   per non-empty database: SELECTDB n, RESIZEDB size expires,
 *       then per key: [EXPIRETIME_MS t] [IDLE s | FREQ f] type key value
 *   EOF, then the CRC64 of every byte before it (little endian; 0 when
 *   checksums are off).
 * IDLE / FREQ are written only under the maxmemory-policy modes that use
 * them (rdb.h: rdbSetSaveIdle, dbLfuMode).
 * Keys whose TTL has already passed are left out (DESIGN.md: a snapshot
 * never holds expired keys).
 *
 * The file is written as temp-<pid>.rdb, fsynced, renamed over the target
 * and the directory fsynced, so a crash leaves either the old file or the
 * complete new one, never a torn file under the real name. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "node/base/crc.h"
#include "node/base/mem.h"
#include "node/base/util.h"
#include "node/base/timeutil.h"
#include "node/store/db.h"
#include "node/store/hashtable.h"
#include "rdb/rdb.h"

/* --- Writer --- */

static void writerInit(rdbWriter *w, int fd, int checksum, int compress) {
    memset(w, 0, sizeof(*w));
    w->fd = fd;
    w->checksum = checksum;
    w->compress = compress;
    if (fd >= 0) w->buf = memAlloc(RDB_WRITE_BUFSIZE);
    else if (fd == -1) w->mem = dstrEmpty();
}

void rdbWriterInitFd(rdbWriter *w, int fd, int checksum, int compress) { writerInit(w, fd, checksum, compress); }

void rdbWriterInitMem(rdbWriter *w, int checksum, int compress) { writerInit(w, -1, checksum, compress); }

/* fd -2: neither a file nor memory, the bytes are only counted. */
void rdbWriterInitCount(rdbWriter *w, int compress) { writerInit(w, -2, 0, compress); }


int rdbWriterFlush(rdbWriter *w) {
    if (w->error) return -1;
    if (w->fd < 0 || w->used == 0) return 0;
    if (writeAll(w->fd, w->buf, w->used) != 0) {
        w->error = errno ? errno : EIO;
        return -1;
    }
    w->used = 0;
    return 0;
}

dstr rdbWriterFinish(rdbWriter *w) {
    memFree(w->buf);
    w->buf = NULL;
    dstr out = w->mem;
    w->mem = NULL;
    return out;
}

int rdbWriteRaw(rdbWriter *w, const void *p, size_t len) {
    if (w->error) return -1;
    if (w->checksum) w->crc = crc64(w->crc, p, len);
    w->written += (long long)len;
    if (w->fd < 0) {
        if (w->mem) w->mem = dstrCatLen(w->mem, p, len);
        return 0;
    }
    if (w->used + len > RDB_WRITE_BUFSIZE) {
        if (rdbWriterFlush(w) != 0) return -1;
        if (len >= RDB_WRITE_BUFSIZE) {
            if (writeAll(w->fd, p, len) != 0) {
                w->error = errno ? errno : EIO;
                return -1;
            }
            return 0;
        }
    }
    memcpy(w->buf + w->used, p, len);
    w->used += len;
    return 0;
}

/* --- Encodings --- */

int rdbSaveType(rdbWriter *w, unsigned char type) { return rdbWriteRaw(w, &type, 1); }

/* 00xxxxxx for < 64, 01xxxxxx xxxxxxxx (big endian) for < 16384, then 0x80
 * + 32-bit or 0x81 + 64-bit big endian. */
int rdbSaveLen(rdbWriter *w, uint64_t len) {
    unsigned char b[9];
    if (len < (1 << 6)) {
        b[0] = (unsigned char)len;
        return rdbWriteRaw(w, b, 1);
    }
    if (len < (1 << 14)) {
        b[0] = (unsigned char)((len >> 8) | (RDB_14BITLEN << 6));
        b[1] = (unsigned char)(len & 0xff);
        return rdbWriteRaw(w, b, 2);
    }
    int n = len <= UINT32_MAX ? 4 : 8;
    b[0] = n == 4 ? RDB_32BITLEN : RDB_64BITLEN;
    for (int i = 0; i < n; i++) b[1 + i] = (unsigned char)(len >> (8 * (n - 1 - i)));
    return rdbWriteRaw(w, b, (size_t)n + 1);
}

int rdbSaveMillis(rdbWriter *w, long long ms) {
    unsigned char b[8];
    uint64_t v = (uint64_t)ms;
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)(v >> (8 * i));
    return rdbWriteRaw(w, b, 8);
}

static int saveAux(rdbWriter *w, const char *name, const char *value) {
    if (rdbSaveType(w, RDB_OPCODE_AUX) != 0) return -1;
    if (rdbSaveString(w, name, strlen(name)) != 0) return -1;
    return rdbSaveString(w, value, strlen(value));
}

static int saveAuxInt(rdbWriter *w, const char *name, long long v) {
    char buf[32];
    snprintf(buf, sizeof(buf), "%lld", v);
    return saveAux(w, name, buf);
}

/* --- Dataset --- */

static int saveHeader(rdbWriter *w, const rdbSaveOptions *opt) {
    char magic[16];
    snprintf(magic, sizeof(magic), "%s%04d", RDB_MAGIC, RDB_VERSION);
    if (rdbWriteRaw(w, magic, 9) != 0) return -1;
    const char *version = opt->producerVersion ? opt->producerVersion : RDB_DEFAULT_PRODUCER_VERSION;
    if (saveAux(w, "valkey-ver", version) != 0) return -1;
    if (saveAuxInt(w, "redis-bits", (long long)sizeof(void *) * 8) != 0) return -1;
    if (saveAuxInt(w, "ctime", timeMs() / 1000) != 0) return -1;
    if (saveAuxInt(w, "used-mem", (long long)memUsed()) != 0) return -1;
    for (const char *const *p = opt->extraAux; p && p[0] && p[1]; p += 2)
        if (saveAux(w, p[0], p[1]) != 0) return -1;
    return saveAuxInt(w, "aof-base", opt->aofBase ? 1 : 0);
}

/* --- Per-key access data --- */

static int saveIdle;

void rdbSetSaveIdle(int on) { saveIdle = on; }

/* IDLE in seconds under LRU, FREQ (the counter byte) under LFU. */
static int saveKeyAccess(rdbWriter *w, const kvobj *kv) {
    if (dbLfuMode()) {
        unsigned char freq = (unsigned char)(kv->lru & 0xff);
        if (rdbSaveType(w, RDB_OPCODE_FREQ) != 0) return -1;
        return rdbWriteRaw(w, &freq, 1);
    }
    if (!saveIdle) return 0;
    if (rdbSaveType(w, RDB_OPCODE_IDLE) != 0) return -1;
    return rdbSaveLen(w, (uint64_t)(dbEntryIdleMs(kv) / 1000));
}

static int saveEntry(rdbWriter *w, const kvobj *kv) {
    long long expire = kvGetExpire(kv);
    if (expire != -1 && rdbSaveType(w, RDB_OPCODE_EXPIRETIME_MS) != 0) return -1;
    if (expire != -1 && rdbSaveMillis(w, expire) != 0) return -1;
    if (saveKeyAccess(w, kv) != 0) return -1;
    dstr key = kvKey(kv);
    if (rdbSaveObjectType(w, kv) != 0) return -1;
    if (rdbSaveString(w, key, dstrLen(key)) != 0) return -1;
    return rdbSaveObject(w, kv);
}

static int saveDb(rdbWriter *w, serverDb *db, long long nowMs, const rdbSaveOptions *opt, long long *keys) {
    if (dbSize(db) == 0) return 0;
    if (rdbSaveType(w, RDB_OPCODE_SELECTDB) != 0 || rdbSaveLen(w, (uint64_t)db->id) != 0) return -1;
    if (rdbSaveType(w, RDB_OPCODE_RESIZEDB) != 0 || rdbSaveLen(w, dbSize(db)) != 0 ||
        rdbSaveLen(w, dbExpiresSize(db)) != 0)
        return -1;
    hashtableIterator it;
    void *e;
    int rc = 0;
    hashtableInitIterator(&it, db->keys, HASHTABLE_ITER_SAFE);
    while (rc == 0 && hashtableNext(&it, &e)) {
        const kvobj *kv = e;
        long long expire = kvGetExpire(kv);
        if (expire != -1 && expire <= nowMs) continue;
        rc = saveEntry(w, kv);
        if (opt->progress) opt->progress(opt->progressCtx, ++*keys);
    }
    hashtableResetIterator(&it);
    return rc;
}

int rdbSaveDataset(rdbWriter *w, const rdbSaveOptions *opt) {
    rdbInit();
    if (saveHeader(w, opt) != 0) return -1;
    long long nowMs = timeMs();
    long long keys = 0;
    for (int i = 0; i < dbCountDatabases(); i++)
        if (saveDb(w, dbByIndex(i), nowMs, opt, &keys) != 0) return -1;
    if (rdbSaveType(w, RDB_OPCODE_EOF) != 0) return -1;
    /* The checksum covers every byte before it, not itself. */
    long long crc = opt->checksum ? (long long)w->crc : 0;
    return rdbSaveMillis(w, crc);
}

/* --- File --- */

static int fsyncDirectory(const char *path) {
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (slash) snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
    else snprintf(dir, sizeof(dir), ".");
    int fd = open(dir[0] ? dir : "/", O_RDONLY);
    if (fd == -1) return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

static int writeTempFile(const char *tmp, const rdbSaveOptions *opt, dstr *err) {
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd == -1) {
        *err = dstrCatPrintf(dstrEmpty(), "Failed opening the temp RDB file %s for saving: %s", tmp,
                             strerror(errno));
        return -1;
    }
    rdbWriter w;
    rdbWriterInitFd(&w, fd, opt->checksum, opt->compress);
    int rc = rdbSaveDataset(&w, opt);
    if (rc == 0) rc = rdbWriterFlush(&w);
    if (rc == 0 && fsync(fd) != 0) {
        w.error = errno;
        rc = -1;
    }
    int saved = w.error ? w.error : EIO;
    rdbWriterFinish(&w);
    if (close(fd) != 0 && rc == 0) {
        saved = errno;
        rc = -1;
    }
    if (rc != 0) *err = dstrCatPrintf(dstrEmpty(), "Write error saving DB on disk: %s", strerror(saved));
    return rc;
}

int rdbSaveFile(const char *filename, const rdbSaveOptions *opt, dstr *err) {
    char tmp[64];
    snprintf(tmp, sizeof(tmp), "temp-%d.rdb", (int)getpid());
    if (writeTempFile(tmp, opt, err) != 0) {
        unlink(tmp);
        return -1;
    }
    if (rename(tmp, filename) != 0) {
        *err = dstrCatPrintf(dstrEmpty(), "Error moving temp DB file %s on the final destination %s: %s", tmp,
                             filename, strerror(errno));
        unlink(tmp);
        return -1;
    }
    if (fsyncDirectory(filename) != 0) {
        *err = dstrCatPrintf(dstrEmpty(), "Failed to fsync the directory of %s: %s", filename, strerror(errno));
        return -1;
    }
    return 0;
}
