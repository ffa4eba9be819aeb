/* kvobj.h — one keyspace entry: key, value header, TTL and (for small
 * strings) the value itself, in a single allocation.
 *
 *   +------+-------+----------------+--------------------+-----------------+
 *   | type | flags | expire (int64) | key: embedded dstr | value           |
 *   | enc  |       | only if        | hdr + bytes + NUL  | EMBSTR: dstr    |
 *   | lru  |       | KV_FLAG_TTL    |                    | INT: int64      |
 *   | 4 B  | 1 B   | 8 B            | 1-3 + n + 1 B      | other: pointer  |
 *   +------+-------+----------------+--------------------+-----------------+
 *
 * "key:0000001" with a 10-byte value takes 5 + 13 + 12 = 30 bytes, one 32-byte
 * allocator slot, where a separate key string, value object and table entry
 * would take three allocations.  The cost: adding or removing a TTL, or
 * growing an embedded value, reallocates the entry, so its address changes
 * and the tables that point at it must be told (db.c does that).
 *
 * Multi-byte fields after the header are unaligned and read with memcpy. */
#ifndef TESSERA_KVOBJ_H
#define TESSERA_KVOBJ_H

#include <stddef.h>
#include <stdint.h>

#include "node/base/dstr.h"

/* Types (RDB type numbers differ; rdb/ maps them). */
#define OBJ_STRING 0
#define OBJ_LIST 1
#define OBJ_SET 2
#define OBJ_ZSET 3
#define OBJ_HASH 4
#define OBJ_STREAM 6

/* Encodings, with Valkey's OBJECT ENCODING names. */
#define OBJ_ENCODING_RAW 0       /* "raw": value is a separately allocated dstr */
#define OBJ_ENCODING_INT 1       /* "int": value is an int64 in the entry */
#define OBJ_ENCODING_HASHTABLE 2 /* "hashtable" */
#define OBJ_ENCODING_INTSET 6    /* "intset" */
#define OBJ_ENCODING_SKIPLIST 7  /* "skiplist" */
#define OBJ_ENCODING_EMBSTR 8    /* "embstr": value dstr inside the entry */
#define OBJ_ENCODING_QUICKLIST 9 /* "quicklist" */
#define OBJ_ENCODING_STREAM 10   /* "stream" */
#define OBJ_ENCODING_LISTPACK 11 /* "listpack" */

#define KV_FLAG_TTL (1 << 0)
#define KV_KEYHDR_SHIFT 1        /* bits 1-2: key dstr header kind (T5,T8,T16,T32) */
#define KV_FLAG_VALUE_T8 (1 << 3) /* embedded value has a T8 (not T5) header */
#define KV_FLAG_VALUE_EMBEDDED (1 << 4) /* a LISTPACK value held inside the entry */

typedef struct __attribute__((__packed__)) kvobj {
    unsigned type : 4;
    unsigned encoding : 4;
    unsigned lru : 24; /* LRU clock or LFU (16-bit minutes | 8-bit counter) */
    uint8_t flags;
    char data[];
} kvobj;

/* Values embedded while the whole entry stays within this many bytes. */
#define KV_EMBED_LIMIT 64
/* Listpack values (small hashes, sets, sorted sets, lists) are embedded
 * while the entry stays within this many bytes: a hash of five short fields
 * then costs one 80-byte allocation instead of a 32-byte entry plus a
 * 64-byte listpack.  Writers copy the listpack out and back (db.h
 * dbValueOpen/Close), which for at most this many bytes is cheaper than the
 * cache miss of a second allocation on every read. */
#define KV_EMBED_LISTPACK_LIMIT 128

/* A string value: INT when the bytes are a canonical int64 (and allowInt),
 * EMBSTR when small, RAW otherwise.  expire is an absolute ms time or -1. */
kvobj *kvCreateString(const char *key, size_t keylen, const char *val, size_t vallen,
                      long long expire, int allowInt);
kvobj *kvCreateInt(const char *key, size_t keylen, long long value, long long expire);
/* Takes ownership of a dstr as a RAW string value. */
kvobj *kvCreateRaw(const char *key, size_t keylen, dstr value, long long expire);
/* A value held by pointer (collections); ptr is owned by the entry.  A
 * LISTPACK value small enough is copied into the entry and ptr freed. */
kvobj *kvCreatePointer(const char *key, size_t keylen, int type, int encoding, void *ptr,
                       long long expire);
/* The entry with `ptr` (of `encoding`) as its value in place of the current
 * one, which the caller has already released or taken over; ptr is owned
 * (freed here when embedded).  Returns kv when the change fits in place,
 * else a new entry; kv is then left untouched for the caller to swap in the
 * tables and release with kvFreeShell (db.c's dbValueClose does both). */
kvobj *kvWithValue(kvobj *kv, int encoding, void *ptr);
/* Bytes of an embedded value (0 if the value is not embedded). */
size_t kvEmbeddedValueSize(const kvobj *kv);
/* Same key (and TTL if keepTtl) with the value of `value` entry; frees nothing. */
kvobj *kvWithKeyOf(const kvobj *keySource, kvobj *value, int keepTtl);

dstr kvKey(const kvobj *kv);
long long kvGetExpire(const kvobj *kv); /* -1 when no TTL */
/* Returns the entry with the TTL set (-1 removes it): kv itself when the
 * layout allows an in-place change, otherwise a new entry holding the same
 * value.  In that case kv is left untouched (still valid, so tables can be
 * updated by key) and the caller releases it with kvFreeShell, which frees
 * the entry but not the value it shared.  Only db.c calls this on entries
 * that are in a table. */
kvobj *kvWithExpire(kvobj *kv, long long when);
void kvFreeShell(kvobj *kv);

/* The value pointer; for an embedded listpack the bytes inside the entry
 * (read-only: see kvWithValue).  kvSetPtr is for values not embedded. */
void *kvGetPtr(const kvobj *kv);
void kvSetPtr(kvobj *kv, void *ptr);
long long kvGetInt(const kvobj *kv);
void kvSetInt(kvobj *kv, long long v);
/* The embedded dstr of an EMBSTR entry. */
dstr kvGetEmbedded(const kvobj *kv);

/* String values whatever the encoding: bytes and length; for INT the digits
 * are written into buf (at least 21 bytes). */
const char *kvStringBytes(const kvobj *kv, char *buf, size_t *len);
size_t kvStringLen(const kvobj *kv);
/* A RAW copy of a string entry (for in-place changes like APPEND, SETRANGE,
 * SETBIT): returns kv if already RAW, otherwise a new entry; kv is left
 * untouched and released by the caller with kvFreeShell (db.c's
 * dbStringToRaw does all of it for entries in a table). */
kvobj *kvStringToRaw(kvobj *kv);

/* Value destructors for pointer-encoded types are registered by the types
 * module: one per (type, encoding) that holds a pointer. */
typedef void (*kvValueFree)(void *ptr);
typedef size_t (*kvValueSize)(const void *ptr);
void kvRegisterValueType(int type, int encoding, kvValueFree freeFn, kvValueSize sizeFn);

void kvFree(kvobj *kv);
/* Bytes used by the entry and its value (MEMORY USAGE). */
size_t kvMemUsage(const kvobj *kv);
const char *kvEncodingName(int encoding);
const char *kvTypeName(int type);

#endif
