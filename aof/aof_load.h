/* aof_load.h — replaying a multi-part AOF: the base (an RDB preamble read
 * by rdb/, or commands) and then each incremental file in manifest order.
 *
 * Commands are handed to the caller (the server runs them through a fake
 * client); MULTI ... EXEC blocks are collected and handed over only when
 * their EXEC is read, so a file cut inside a transaction applies none of
 * it.  A file that ends inside a command (or a transaction) is "truncated":
 * with truncatedOk and when it is the last file, the loader cuts it back to
 * the end of the last complete command (or to before the open MULTI), logs
 * it and succeeds; anything else fails with a message naming the file and
 * the byte offset. */
#ifndef TESSERA_AOF_LOAD_H
#define TESSERA_AOF_LOAD_H

#include "aof/aof_manifest.h"
#include "aof/aof_stream.h"
#include "node/base/dstr.h"

enum { AOF_LOAD_OK = 0, AOF_LOAD_NOT_EXIST = 1, AOF_LOAD_EMPTY = 2, AOF_LOAD_FAILED = -1 };

typedef struct aofLoadHooks {
    /* Runs one command (the callee may take cmd->argv: set argc 0 and argv
     * NULL then).  Returns 0, or -1 with *err set: loading stops. */
    int (*exec)(void *ctx, aofCommand *cmd, dstr *err);
    /* Called now and then with the bytes consumed over all files. */
    void (*progress)(void *ctx, long long bytesLoaded);
    void *ctx;
} aofLoadHooks;

typedef struct aofLoadOptions {
    int truncatedOk;      /* aof-load-truncated */
    int verifyChecksum;   /* rdbchecksum, for an RDB preamble */
} aofLoadOptions;

typedef struct aofLoadStats {
    long long commands;
    long long bytes;            /* bytes replayed */
    long long keysFromPreamble; /* keys loaded from RDB preambles */
    long long truncatedAt;      /* -1, or where a torn tail was cut */
} aofLoadStats;

/* Sum of the sizes of the files the manifest lists (for progress). */
long long aofLoadTotalBytes(const char *dir, const aofManifest *am);

/* Loads every file of am from dir.  Returns AOF_LOAD_OK, AOF_LOAD_EMPTY
 * (files exist but hold nothing), AOF_LOAD_NOT_EXIST (no files listed) or
 * AOF_LOAD_FAILED with *err set. */
int aofLoadFiles(const char *dir, const aofManifest *am, const aofLoadOptions *opt, const aofLoadHooks *hooks,
                 aofLoadStats *stats, dstr *err);

/* Loads a single file (DEBUG LOADAOF of an old-style AOF, tests); last
 * says whether a torn tail may be cut. */
int aofLoadOneFile(const char *path, const char *displayName, int last, const aofLoadOptions *opt,
                   const aofLoadHooks *hooks, aofLoadStats *stats, long long baseOffset, dstr *err);

#endif
