/* rdb.h — the RDB file format (version 11, as Valkey 8 writes it): objects
 * to bytes and back.
 *
 * The module has three layers:
 *   - primitives: a buffered writer and a bounded reader, both keeping the
 *     running CRC64, and the format's length / string / integer encodings;
 *   - values: one saver per object type and one loader per RDB type number,
 *     registered in a table (rdb_string.c registers strings; lists, sets,
 *     hashes, zsets and streams register theirs the same way later);
 *   - datasets: the whole stream (header, AUX fields, databases, EOF,
 *     checksum) and the file around it (temp file, fsync, rename).
 *
 * rdb knows the keyspace (node/store) and nothing above it: no clients, no
 * replication, no cluster.  Callers hand in what must be recorded (extra AUX
 * fields such as repl-id) through the options.
 *
 * Errors: functions return 0 / -1 (or NULL); a reader keeps the first error
 * as text naming the source and the byte offset where it happened. */
#ifndef TESSERA_RDB_H
#define TESSERA_RDB_H

#include <stddef.h>
#include <stdint.h>

#include "node/base/dstr.h"
#include "node/store/kvobj.h"

#define RDB_VERSION 11
#define RDB_MAGIC "REDIS"

/* Opcodes (bytes that take the place of a value type). */
#define RDB_OPCODE_SLOT_INFO 244
#define RDB_OPCODE_FUNCTION2 245
#define RDB_OPCODE_FUNCTION_PRE_GA 246
#define RDB_OPCODE_MODULE_AUX 247
#define RDB_OPCODE_IDLE 248
#define RDB_OPCODE_FREQ 249
#define RDB_OPCODE_AUX 250
#define RDB_OPCODE_RESIZEDB 251
#define RDB_OPCODE_EXPIRETIME_MS 252
#define RDB_OPCODE_EXPIRETIME 253
#define RDB_OPCODE_SELECTDB 254
#define RDB_OPCODE_EOF 255

/* Value types. */
#define RDB_TYPE_STRING 0
#define RDB_TYPE_LIST 1
#define RDB_TYPE_SET 2
#define RDB_TYPE_ZSET 3
#define RDB_TYPE_HASH 4
#define RDB_TYPE_ZSET_2 5
#define RDB_TYPE_MODULE_PRE_GA 6
#define RDB_TYPE_MODULE_2 7
#define RDB_TYPE_HASH_ZIPMAP 9
#define RDB_TYPE_LIST_ZIPLIST 10
#define RDB_TYPE_SET_INTSET 11
#define RDB_TYPE_ZSET_ZIPLIST 12
#define RDB_TYPE_HASH_ZIPLIST 13
#define RDB_TYPE_LIST_QUICKLIST 14
#define RDB_TYPE_STREAM_LISTPACKS 15
#define RDB_TYPE_HASH_LISTPACK 16
#define RDB_TYPE_ZSET_LISTPACK 17
#define RDB_TYPE_LIST_QUICKLIST_2 18
#define RDB_TYPE_STREAM_LISTPACKS_2 19
#define RDB_TYPE_SET_LISTPACK 20
#define RDB_TYPE_STREAM_LISTPACKS_3 21
#define RDB_TYPE_MAX 64 /* size of the loader table */

/* Length prefixes: the two high bits of the first byte. */
#define RDB_6BITLEN 0
#define RDB_14BITLEN 1
#define RDB_32BITLEN 0x80
#define RDB_64BITLEN 0x81
#define RDB_ENCVAL 3
/* Special string encodings (low 6 bits when the high bits are RDB_ENCVAL). */
#define RDB_ENC_INT8 0
#define RDB_ENC_INT16 1
#define RDB_ENC_INT32 2
#define RDB_ENC_LZF 3

/* --- Writer: buffered, to a file descriptor or to memory --- */

#define RDB_WRITE_BUFSIZE (64 * 1024)

typedef struct rdbWriter {
    int fd;            /* -1: appends to mem */
    dstr mem;
    unsigned char *buf;
    size_t used;
    uint64_t crc;
    int checksum;      /* keep the running CRC */
    int compress;      /* LZF for strings longer than 20 bytes */
    long long written; /* bytes accepted so far */
    int error;         /* errno of the first failed write, 0 if none */
} rdbWriter;

void rdbWriterInitFd(rdbWriter *w, int fd, int checksum, int compress);
void rdbWriterInitMem(rdbWriter *w, int checksum, int compress);
/* A writer that only counts (w->written): the size a value would take
 * without holding its bytes (DEBUG OBJECT serializedlength). */
void rdbWriterInitCount(rdbWriter *w, int compress);
/* Writes out the buffer; returns 0 or -1 (w->error set). */
int rdbWriterFlush(rdbWriter *w);
/* Frees the buffer; for memory writers returns the bytes (caller frees),
 * otherwise NULL. */
dstr rdbWriterFinish(rdbWriter *w);

int rdbWriteRaw(rdbWriter *w, const void *p, size_t len);
int rdbSaveType(rdbWriter *w, unsigned char type);
int rdbSaveLen(rdbWriter *w, uint64_t len);
int rdbSaveMillis(rdbWriter *w, long long ms);
/* A string with the smallest encoding: integer, LZF (if w->compress) or raw. */
int rdbSaveString(rdbWriter *w, const char *s, size_t len);
/* An integer as an RDB string (integer encoding when it fits 32 bits). */
int rdbSaveLongLongAsString(rdbWriter *w, long long v);

/* --- Reader: bounded, from a file descriptor or from memory --- */

typedef struct rdbReader {
    const char *name;  /* for messages: the file name or "payload" */
    int fd;            /* -1: reads mem */
    const unsigned char *mem;
    unsigned char *buf;
    size_t bufPos, bufFill;
    uint64_t offset;   /* bytes consumed */
    uint64_t size;     /* total bytes available (lengths beyond are corrupt) */
    uint64_t crc;
    int version;       /* the file's RDB version once the header is read */
    dstr err;          /* first error, NULL if none */
} rdbReader;

/* Reads a file of known size: fd must stay open while the reader is used. */
void rdbReaderInitFd(rdbReader *r, const char *name, int fd, uint64_t size);
void rdbReaderInitMem(rdbReader *r, const char *name, const void *p, size_t len);
void rdbReaderFree(rdbReader *r);
/* Records the first error ("<name> at offset N: <what>"); returns -1. */
int rdbReaderFail(rdbReader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
uint64_t rdbReaderRemaining(const rdbReader *r);

int rdbReadRaw(rdbReader *r, void *p, size_t len);
int rdbLoadType(rdbReader *r, int *type);
/* A length, or (isEncoded set) a special string encoding number. */
int rdbLoadLen(rdbReader *r, uint64_t *len, int *isEncoded);
/* A length that must fit what remains of the input (an element count of
 * entries that take at least minBytes each). */
int rdbLoadBoundedLen(rdbReader *r, uint64_t *len, uint64_t minBytes);
int rdbLoadMillis(rdbReader *r, long long *ms);
/* A string in any encoding, as a new dstr (NULL on error). */
dstr rdbLoadString(rdbReader *r);
/* The same, but an integer-encoded string is returned as *intOut with
 * *isInt = 1 and no dstr (NULL, not an error: check r->err). */
dstr rdbLoadStringOrInt(rdbReader *r, int *isInt, long long *intOut);

/* --- Per-type savers and loaders --- */

/* Saver for one object type: the RDB type byte for an entry, and its value. */
typedef struct rdbTypeSaver {
    int (*rdbType)(const kvobj *kv);
    int (*save)(rdbWriter *w, const kvobj *kv);
} rdbTypeSaver;
/* Loader for one RDB type number: reads the value and returns a new entry
 * with that key and expire (-1: none), or NULL with the reader's error set. */
typedef kvobj *(*rdbValueLoader)(rdbReader *r, int rdbType, const dstr key, long long expire);

void rdbRegisterSaver(int objType, const rdbTypeSaver *saver);
void rdbRegisterLoader(int rdbType, rdbValueLoader loader);
/* Registers the types rdb knows (idempotent). */
void rdbInit(void);
/* Valkey's name of an RDB type number, for error messages. */
const char *rdbTypeName(int rdbType);
/* The RDB type byte of an entry, and its value alone (no key): a key/value
 * pair in a file is type, key string, value; a DUMP payload is type, value. */
int rdbSaveObjectType(rdbWriter *w, const kvobj *kv);
int rdbSaveObject(rdbWriter *w, const kvobj *kv);
/* Reads the value of an entry of rdbType (already read) into a new entry. */
kvobj *rdbLoadObject(rdbReader *r, int rdbType, const dstr key, long long expire);

/* --- Whole datasets --- */

/* The Valkey version recorded in valkey-ver when the caller names none. */
#define RDB_DEFAULT_PRODUCER_VERSION "8.0.2"

typedef struct rdbSaveOptions {
    const char *producerVersion; /* valkey-ver; NULL: RDB_DEFAULT_PRODUCER_VERSION */
    int compress;
    int checksum;
    /* Extra AUX fields written after used-mem, before aof-base (Valkey's
     * order): name, value pairs, NULL-terminated.  Replication passes
     * repl-stream-db, repl-id and repl-offset here. */
    const char *const *extraAux;
    int aofBase; /* aof-base 1: the file is the RDB preamble of an AOF base */
    /* Progress hook (BGSAVE's child reports to the parent with it): called
     * after every key written, with the count so far; NULL: none. */
    void (*progress)(void *ctx, long long keys);
    void *progressCtx;
} rdbSaveOptions;

/* Per-key access data, as Valkey writes it under a maxmemory-policy:
 * FREQ (the 8-bit LFU counter) while dbLfuMode() is on, IDLE (seconds since
 * the last access) while rdbSetSaveIdle(1) is in effect — the code owning
 * maxmemory-policy (issue 8) sets both; by default neither is written.
 * Loading applies FREQ to an entry under LFU mode and IDLE otherwise (the
 * entry's 24 access bits hold one or the other, never both). */
void rdbSetSaveIdle(int on);
/* Sets an entry's access bits from a file's or RESTORE's IDLE (seconds,
 * -1: none) or FREQ (0-255, -1: none), whichever the current mode uses;
 * call it once the entry is in its table. */
void rdbApplyKeyAccess(kvobj *kv, long long idleSeconds, int freq);

/* Header, AUX fields, every database, EOF and checksum. */
int rdbSaveDataset(rdbWriter *w, const rdbSaveOptions *opt);
/* Writes the dataset to temp-<pid>.rdb in the current directory, fsyncs it,
 * renames it to filename and fsyncs the directory.  Returns 0, or -1 with
 * *err set (the temp file is removed). */
int rdbSaveFile(const char *filename, const rdbSaveOptions *opt, dstr *err);

typedef struct rdbLoadOptions {
    int verifyChecksum; /* rdbchecksum: compare the trailing CRC (0 in the file = unchecked) */
    int skipExpired;    /* drop keys whose expire time has passed */
    long long nowMs;    /* "now" for skipExpired; 0: the wall clock at start */
    int allowTrailing;  /* bytes after the trailer are not an error (an AOF
                           with an RDB preamble goes on with commands) */
    int discardKeys;    /* validate and free every value instead of adding it
                           (tessera-check-rdb, fuzzing): no keyspace needed */
    const struct rdbLoadObserver *observer; /* NULL: none */
} rdbLoadOptions;

/* Watches a load as it goes (tessera-check-rdb prints with it); every
 * callback is optional; offsets are where the item ends in the input (the
 * reader's position, as valkey-check-rdb prints them). */
typedef struct rdbLoadObserver {
    void *ctx;
    void (*aux)(void *ctx, uint64_t offset, const dstr name, const dstr value);
    void (*selectDb)(void *ctx, uint64_t offset, int dbid);
    /* A key and its value were read (kv valid during the call only); skipped
     * is 1 when it is left out as already expired. */
    void (*key)(void *ctx, uint64_t offset, int dbid, int rdbType, const kvobj *kv, int skipped);
} rdbLoadObserver;

/* What the trailer said (rdbLoadInfo.checksum). */
enum {
    RDB_CHECKSUM_ABSENT = 0,  /* RDB 1-4: no trailer */
    RDB_CHECKSUM_OK,          /* compared and equal */
    RDB_CHECKSUM_DISABLED,    /* 0 in the file: saved with rdbchecksum no */
    RDB_CHECKSUM_UNCHECKED,   /* verifyChecksum was off */
};

typedef struct rdbLoadInfo {
    int version;
    dstr producer;       /* "valkey 8.0.2", "redis 7.0.15" or NULL */
    long long ctime;     /* -1 when absent */
    long long usedMem;   /* -1 when absent */
    long long keysLoaded, keysExpired;
    int aofBase;         /* aof-base AUX field (0 when absent) */
    dstr replId;         /* repl-id AUX field or NULL */
    long long replOffset;   /* repl-offset, -1 when absent */
    long long replStreamDb; /* repl-stream-db, -1 when absent */
    int checksum;        /* RDB_CHECKSUM_* */
} rdbLoadInfo;

/* Reads a whole stream into the (empty or not) databases.  Keys already
 * present are an error.  Returns 0, or -1 with r->err set. */
int rdbLoadDataset(rdbReader *r, const rdbLoadOptions *opt, rdbLoadInfo *info);
/* Opens filename and loads it.  Returns 0, 1 if the file does not exist, or
 * -1 with *err set (naming the file and the byte offset). */
int rdbLoadFile(const char *filename, const rdbLoadOptions *opt, rdbLoadInfo *info, dstr *err);
void rdbLoadInfoFree(rdbLoadInfo *info);

/* --- DUMP payloads (rdb_dump.c) ---
 *
 * DUMP / RESTORE carry one value: the RDB type byte and the value as a file
 * holds it (no key, no expire), then the RDB version as 2 bytes little
 * endian, then the CRC64 of everything before it, 8 bytes little endian.
 * A payload of a newer RDB version or with a wrong checksum is refused
 * before anything is parsed; one that passes is then loaded by the same
 * strict loaders as a file, and must end exactly where its footer starts. */

#define RDB_DUMP_FOOTER_LEN 10

/* The payload of an entry's value; compress: LZF for long strings
 * (rdbcompression). */
dstr rdbDumpCreate(const kvobj *kv, int compress);
/* 0 if the footer is good (version <= RDB_VERSION, CRC matches), else -1.
 * *version (if not NULL) receives the payload's RDB version when the
 * payload is long enough to have one. */
int rdbDumpVerify(const void *p, size_t len, int *version);
/* A verified payload's value as a new entry with key and expire (-1:
 * none), or NULL with *err set (the loader's message, for logs and
 * tests). */
kvobj *rdbDumpLoad(const void *p, size_t len, const dstr key, long long expire, dstr *err);
/* Bytes the value takes in an RDB file, type byte and key excluded
 * (DEBUG OBJECT serializedlength). */
size_t rdbSavedObjectLen(const kvobj *kv, int compress);

#endif
