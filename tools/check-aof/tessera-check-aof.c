/* tessera-check-aof — validates an append-only file or a whole multi-part
 * set, and with --fix cuts a torn tail.
 *
 *   tessera-check-aof [--fix] FILE|MANIFEST
 *
 * Given a manifest (a name ending in ".manifest"), every file it lists is
 * checked in order from the manifest's directory; otherwise the one file.
 * For each file the command stream is walked with the server's own parser
 * (aof/aof_stream.c); the first invalid or cut command is reported with the
 * file and byte offset.  A file that begins with an RDB preamble is not
 * parsed here (this tool links node/base only): it is reported as such,
 * to be checked with tessera-check-rdb.
 *
 * --fix truncates at the start of the first bad command (or of a MULTI left
 * open at the end), only in the last file of a set — earlier files being
 * torn means the set is inconsistent, which truncation cannot repair — and
 * prints what it did; it asks no questions.
 *
 * Exit status: 0 valid (or fixed), 1 invalid. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aof/aof_manifest.h"
#include "aof/aof_stream.h"
#include "node/base/dstr.h"
#include "node/base/mem.h"

typedef struct fileReport {
    int ok;               /* 1 valid, 0 not */
    int preamble;         /* begins with an RDB preamble (not walked) */
    long long size;
    long long commands;
    long long validUpTo;  /* where a fix would cut */
    dstr problem;         /* what is wrong, NULL if ok */
} fileReport;

static int hasPreamble(int fd) {
    char magic[5];
    return pread(fd, magic, 5, 0) == 5 && memcmp(magic, "REDIS", 5) == 0;
}

static void checkStream(int fd, const char *name, fileReport *rep) {
    aofStream s;
    aofStreamInit(&s, fd, name, 0);
    aofCommand cmd = {0};
    long long at = 0, beforeMulti = 0;
    int inMulti = 0;
    const char *why = NULL;
    int rc;
    while ((rc = aofStreamNext(&s, &cmd, &at, &why)) == AOF_STREAM_CMD) {
        rep->commands++;
        if (aofCommandIs(&cmd, "multi")) {
            if (inMulti) {
                rep->problem = dstrCatPrintf(dstrEmpty(), "nested MULTI at offset %lld", at);
                rep->validUpTo = beforeMulti;
                goto out;
            }
            inMulti = 1;
            beforeMulti = at;
        } else if (aofCommandIs(&cmd, "exec")) {
            if (!inMulti) {
                rep->problem = dstrCatPrintf(dstrEmpty(), "EXEC without MULTI at offset %lld", at);
                rep->validUpTo = at;
                goto out;
            }
            inMulti = 0;
        }
        if (!inMulti) rep->validUpTo = s.offset;
    }
    if (rc == AOF_STREAM_END && inMulti) {
        rep->problem = dstrCatPrintf(dstrEmpty(), "Reached EOF before reading EXEC for the MULTI at offset %lld",
                                     beforeMulti);
        rep->validUpTo = beforeMulti;
    } else if (rc == AOF_STREAM_TRUNCATED) {
        rep->problem = dstrCatPrintf(dstrEmpty(), "truncated command at offset %lld (file ends inside it)", at);
        rep->validUpTo = inMulti ? beforeMulti : at;
    } else if (rc == AOF_STREAM_INVALID) {
        rep->problem = dstrCatPrintf(dstrEmpty(), "invalid command at offset %lld: %s", at, why);
        rep->validUpTo = inMulti ? beforeMulti : at;
    } else if (rc == AOF_STREAM_IOERR) {
        rep->problem = dstrCatPrintf(dstrEmpty(), "read error at offset %lld: %s", at, why);
        rep->validUpTo = at;
    }
out:
    rep->ok = rep->problem == NULL;
    aofCommandFree(&cmd);
    aofStreamFree(&s);
}

static int checkFile(const char *path, const char *name, fileReport *rep) {
    memset(rep, 0, sizeof(*rep));
    int fd = open(path, O_RDONLY);
    if (fd == -1) {
        rep->problem = dstrCatPrintf(dstrEmpty(), "can't open: %s", strerror(errno));
        return -1;
    }
    struct stat st;
    rep->size = fstat(fd, &st) == 0 ? (long long)st.st_size : 0;
    if (hasPreamble(fd)) {
        rep->preamble = 1;
        rep->ok = 1;
    } else {
        checkStream(fd, name, rep);
    }
    close(fd);
    return 0;
}

static int fixFile(const char *path, const char *name, long long at) {
    if (truncate(path, at) != 0) {
        printf("Failed to truncate %s: %s\n", name, strerror(errno));
        return -1;
    }
    printf("Successfully truncated AOF %s to offset %lld\n", name, at);
    return 0;
}

static int endsWith(const char *s, const char *suffix) {
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcmp(s + a - b, suffix);
}

/* Checks one file; returns 0 if valid (or fixed). */
static int runFile(const char *path, const char *name, int last, int fix) {
    fileReport rep;
    checkFile(path, name, &rep);
    int rc = 0;
    if (rep.preamble) {
        printf("%s: RDB preamble (%lld bytes), not checked here: use tessera-check-rdb\n", name, rep.size);
    } else if (rep.ok) {
        printf("%s: OK, %lld commands, %lld bytes\n", name, rep.commands, rep.size);
    } else {
        printf("%s: %s\n", name, rep.problem);
        printf("AOF %s is not valid: %lld of %lld bytes are valid (%lld commands)\n", name, rep.validUpTo, rep.size,
               rep.commands);
        rc = 1;
        if (fix && !last) {
            printf("Not fixing %s: it is not the last file of the set, truncating it would drop the files after "
                   "it\n", name);
        } else if (fix && fixFile(path, name, rep.validUpTo) == 0) {
            rc = 0;
        }
    }
    dstrFree(rep.problem);
    return rc;
}

static int runManifest(const char *path, int fix) {
    dstr dirCopy = dstrNew(path);
    char *slash = strrchr(dirCopy, '/');
    const char *name = slash ? slash + 1 : path;
    dstr dir = slash ? dstrNewLen(dirCopy, (size_t)(slash - dirCopy)) : dstrNew(".");
    aofManifest *am = NULL;
    dstr err = NULL;
    int lr = aofManifestLoad(&am, dir, name, &err);
    int rc = 1;
    if (lr != 0) {
        printf("Invalid AOF manifest %s: %s\n", path, lr == 1 ? "it does not exist" : err);
        goto out;
    }
    printf("AOF manifest %s: %s%d incremental file(s)\n", name, am->base ? "a base file and " : "no base file, ",
           am->incrCount);
    rc = 0;
    int total = (am->base ? 1 : 0) + am->incrCount;
    for (int i = 0; i < total && rc == 0; i++) {
        const aofFileInfo *fi = am->base ? (i == 0 ? am->base : &am->incr[i - 1]) : &am->incr[i];
        dstr fp = aofPath(dir, fi->name);
        rc = runFile(fp, fi->name, i == total - 1, fix);
        dstrFree(fp);
    }
    printf(rc == 0 ? "All AOF files and the manifest are valid\n" : "The AOF set is not valid\n");
out:
    dstrFree(err);
    aofManifestFree(am);
    dstrFree(dir);
    dstrFree(dirCopy);
    return rc;
}

int main(int argc, char **argv) {
    int fix = 0;
    const char *target = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--fix")) fix = 1;
        else if (!target) target = argv[i];
        else target = NULL, i = argc;
    }
    if (!target) {
        fprintf(stderr, "Usage: %s [--fix] <file.manifest|file.aof>\n", argv[0]);
        return 1;
    }
    if (endsWith(target, ".manifest")) return runManifest(target, fix);
    const char *slash = strrchr(target, '/');
    return runFile(target, slash ? slash + 1 : target, 1, fix);
}
