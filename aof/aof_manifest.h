/* aof_manifest.h — the multi-part AOF's file set: which base, incremental
 * and history files exist, in what order, and the manifest that records
 * it (Valkey 7+ layout, byte for byte):
 *
 *   <appenddirname>/<appendfilename>.manifest
 *       file appendonly.aof.1.base.rdb seq 1 type b\n
 *       file appendonly.aof.1.incr.aof seq 1 type i\n
 *   <appenddirname>/appendonly.aof.<seq>.base.rdb   (or .base.aof)
 *   <appenddirname>/appendonly.aof.<seq>.incr.aof
 *
 * The operations a writer needs (open a new incremental file) and the ones
 * an AOF rewrite needs (install a new base, retire what it replaces, write
 * the manifest atomically, delete history) are here, on the in-memory
 * manifest; callers decide when.  Depends on node/base only (the check
 * tool links it). */
#ifndef TESSERA_AOF_MANIFEST_H
#define TESSERA_AOF_MANIFEST_H

#include "node/base/dstr.h"

#define AOF_FILE_BASE 'b'
#define AOF_FILE_HISTORY 'h'
#define AOF_FILE_INCR 'i'

#define AOF_MANIFEST_MAX_LINE 1024

typedef struct aofFileInfo {
    dstr name;
    long long seq;
    char type;
} aofFileInfo;

typedef struct aofManifest {
    aofFileInfo *base;          /* NULL if none */
    aofFileInfo *history;       /* in manifest order */
    int historyCount;
    aofFileInfo *incr;          /* in replay order (increasing seq) */
    int incrCount;
    long long currBaseSeq;      /* highest base seq ever used */
    long long currIncrSeq;      /* highest incr seq ever used */
} aofManifest;

aofManifest *aofManifestCreate(void);
void aofManifestFree(aofManifest *am);
aofManifest *aofManifestDup(const aofManifest *am);

/* Parses manifest text.  Returns 0, or -1 with *err set (Valkey's
 * messages: "Invalid AOF manifest file format", ...). */
int aofManifestParse(aofManifest *am, const char *text, size_t len, dstr *err);
/* The manifest text (base, history, incremental files). */
dstr aofManifestFormat(const aofManifest *am);

/* Reads dir/name.  Returns 0, 1 if the file does not exist, or -1 with
 * *err set. */
int aofManifestLoad(aofManifest **out, const char *dir, const char *name, dstr *err);
/* Writes dir/name atomically: dir/temp-<name>, fsync, rename, fsync dir.
 * Returns 0, or -1 with *err set. */
int aofManifestWrite(const aofManifest *am, const char *dir, const char *name, dstr *err);

/* --- File-set operations --- */

/* "<prefix>.<seq>.incr.aof" appended as the newest incremental file. */
const aofFileInfo *aofManifestAddIncr(aofManifest *am, const char *prefix);
/* A new base "<prefix>.<seq>.base.rdb|aof" replaces the current one,
 * which becomes history. */
const aofFileInfo *aofManifestSetBase(aofManifest *am, const char *prefix, int rdbPreamble);
/* Every incremental file but the newest `keep` ones becomes history (a
 * rewrite: the new base holds what they held). */
void aofManifestRetireIncr(aofManifest *am, int keep);
/* Drops the history list (after its files were deleted). */
void aofManifestClearHistory(aofManifest *am);
/* The newest incremental file, NULL if none. */
const aofFileInfo *aofManifestLastIncr(const aofManifest *am);

/* --- File helpers --- */

/* fsync a directory (after a rename or create inside it). */
int aofFsyncDir(const char *dir);
/* "dir/name" as a new dstr. */
dstr aofPath(const char *dir, const char *name);
/* Total size in bytes of the files of the set (base + incr); -1 on error. */
long long aofManifestBaseSize(const aofManifest *am, const char *dir);
long long aofManifestTotalSize(const aofManifest *am, const char *dir);

#endif
