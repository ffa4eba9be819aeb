/* aof_manifest.c — the AOF file set and its manifest (see aof_manifest.h).
 *
 * The manifest is small (a few lines), so it is always read whole and
 * written whole: a change is made on the in-memory copy, the copy is
 * written to a temp file, fsynced and renamed over the old one, and the
 * directory fsynced.  A crash at any point leaves either the old or the new
 * manifest, each naming files that exist: new files are created before the
 * manifest names them, and files are deleted only after a manifest that no
 * longer names them is durable.
 *
 * Lines are "file <name> seq <n> type <b|h|i>", keys in any order (unknown
 * keys ignored for forward compatibility, as Valkey does), names quoted as
 * Valkey's sdscatrepr quotes them when they hold spaces or odd bytes.
 * Written order: base, history, incremental files. */
#include "aof/aof_manifest.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "node/base/mem.h"
#include "node/base/util.h"

aofManifest *aofManifestCreate(void) { return memCalloc(sizeof(aofManifest)); }

static void freeInfos(aofFileInfo *list, int n) {
    for (int i = 0; i < n; i++) dstrFree(list[i].name);
    memFree(list);
}

void aofManifestFree(aofManifest *am) {
    if (!am) return;
    if (am->base) {
        dstrFree(am->base->name);
        memFree(am->base);
    }
    freeInfos(am->history, am->historyCount);
    freeInfos(am->incr, am->incrCount);
    memFree(am);
}

static aofFileInfo *dupInfos(const aofFileInfo *list, int n) {
    if (n == 0) return NULL;
    aofFileInfo *copy = memAlloc(sizeof(*copy) * (size_t)n);
    for (int i = 0; i < n; i++) {
        copy[i] = list[i];
        copy[i].name = dstrDup(list[i].name);
    }
    return copy;
}

aofManifest *aofManifestDup(const aofManifest *am) {
    aofManifest *c = aofManifestCreate();
    *c = *am;
    if (am->base) {
        c->base = memDup(am->base, sizeof(*am->base));
        c->base->name = dstrDup(am->base->name);
    }
    c->history = dupInfos(am->history, am->historyCount);
    c->incr = dupInfos(am->incr, am->incrCount);
    return c;
}

static void appendInfo(aofFileInfo **list, int *n, dstr name, long long seq, char type) {
    *list = memRealloc(*list, sizeof(**list) * (size_t)(*n + 1));
    (*list)[(*n)++] = (aofFileInfo){.name = name, .seq = seq, .type = type};
}

/* --- Parsing --- */

static int fail(dstr *err, const char *msg) {
    if (err) *err = dstrNew(msg);
    return -1;
}

/* One "file .. seq .. type .." line (already split); 0 or -1. */
static int parseLine(aofManifest *am, int argc, dstr *argv, dstr *err) {
    const char *name = NULL, *seqText = NULL, *typeText = NULL;
    if (argc < 6 || argc % 2) return fail(err, "Invalid AOF manifest file format");
    for (int i = 0; i < argc; i += 2) {
        if (!strcasecmp(argv[i], "file")) name = argv[i + 1];
        else if (!strcasecmp(argv[i], "seq")) seqText = argv[i + 1];
        else if (!strcasecmp(argv[i], "type")) typeText = argv[i + 1];
    }
    if (!name || !seqText || !typeText) return fail(err, "Invalid AOF manifest file format");
    char *end;
    errno = 0;
    long long seq = strtoll(seqText, &end, 10);
    if (errno || *end || seq <= 0 || !*name || strlen(typeText) != 1)
        return fail(err, "Invalid AOF manifest file format");
    /* A name is a file inside the AOF directory, never a path. */
    if (strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
        return fail(err, "Invalid AOF manifest file format (file name is a path)");
    switch (typeText[0]) {
    case AOF_FILE_BASE:
        if (am->base) return fail(err, "Found duplicate base file information");
        am->base = memCalloc(sizeof(*am->base));
        *am->base = (aofFileInfo){.name = dstrNew(name), .seq = seq, .type = AOF_FILE_BASE};
        if (seq > am->currBaseSeq) am->currBaseSeq = seq;
        return 0;
    case AOF_FILE_HISTORY:
        appendInfo(&am->history, &am->historyCount, dstrNew(name), seq, AOF_FILE_HISTORY);
        return 0;
    case AOF_FILE_INCR:
        if (seq <= am->currIncrSeq) return fail(err, "Found a non-monotonic sequence number");
        appendInfo(&am->incr, &am->incrCount, dstrNew(name), seq, AOF_FILE_INCR);
        am->currIncrSeq = seq;
        return 0;
    default:
        return fail(err, "Unknown AOF file type");
    }
}

int aofManifestParse(aofManifest *am, const char *text, size_t len, dstr *err) {
    size_t pos = 0;
    int lines = 0;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t linelen = nl ? (size_t)(nl - (text + pos)) : len - pos;
        if (linelen + 1 > AOF_MANIFEST_MAX_LINE || !nl)
            return fail(err, nl ? "The AOF manifest file contains too long line"
                                : "The AOF manifest file is invalid format (last line has no newline)");
        dstr line = dstrNewLen(text + pos, linelen);
        pos += linelen + 1;
        if (line[0] == '#') {
            dstrFree(line);
            continue;
        }
        dstrTrim(line, " \t\r\n");
        if (dstrLen(line) == 0 || memchr(line, '\0', dstrLen(line))) {
            dstrFree(line);
            return fail(err, "Invalid AOF manifest file format");
        }
        int argc;
        dstr *argv = dstrSplitArgs(line, &argc);
        dstrFree(line);
        if (!argv) return fail(err, "Invalid AOF manifest file format");
        int rc = parseLine(am, argc, argv, err);
        dstrFreeSplit(argv, argc);
        if (rc != 0) return -1;
        lines++;
    }
    if (lines == 0) return fail(err, "Found an empty AOF manifest");
    return 0;
}

/* --- Formatting --- */

static int needsQuotes(const char *s, size_t len) {
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\\' || c == '"' || !isprint(c) || isspace(c)) return 1;
    }
    return 0;
}

static dstr catInfo(dstr s, const aofFileInfo *ai) {
    s = dstrCat(s, "file ");
    if (needsQuotes(ai->name, dstrLen(ai->name))) s = dstrCatRepr(s, ai->name, dstrLen(ai->name));
    else s = dstrCatDstr(s, ai->name);
    return dstrCatPrintf(s, " seq %lld type %c\n", ai->seq, ai->type);
}

dstr aofManifestFormat(const aofManifest *am) {
    dstr s = dstrEmpty();
    if (am->base) s = catInfo(s, am->base);
    for (int i = 0; i < am->historyCount; i++) s = catInfo(s, &am->history[i]);
    for (int i = 0; i < am->incrCount; i++) s = catInfo(s, &am->incr[i]);
    return s;
}

/* --- Files --- */

dstr aofPath(const char *dir, const char *name) { return dstrCatPrintf(dstrEmpty(), "%s/%s", dir, name); }

int aofFsyncDir(const char *dir) {
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd == -1) return -1;
    int rc = fsync(fd);
    int saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

int aofManifestLoad(aofManifest **out, const char *dir, const char *name, dstr *err) {
    *out = NULL;
    dstr path = aofPath(dir, name);
    FILE *f = fopen(path, "r");
    if (!f) {
        int missing = errno == ENOENT;
        if (!missing && err) *err = dstrCatPrintf(dstrEmpty(), "Can't open the AOF manifest %s: %s", path, strerror(errno));
        dstrFree(path);
        return missing ? 1 : -1;
    }
    dstr text = dstrEmpty();
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) text = dstrCatLen(text, chunk, n);
    int readErr = ferror(f);
    fclose(f);
    int rc = -1;
    if (readErr) {
        if (err) *err = dstrCatPrintf(dstrEmpty(), "Can't read the AOF manifest %s", path);
    } else {
        aofManifest *am = aofManifestCreate();
        if (aofManifestParse(am, text, dstrLen(text), err) == 0) {
            *out = am;
            rc = 0;
        } else {
            aofManifestFree(am);
        }
    }
    dstrFree(text);
    dstrFree(path);
    return rc;
}

int aofManifestWrite(const aofManifest *am, const char *dir, const char *name, dstr *err) {
    dstr text = aofManifestFormat(am);
    dstr tmpName = dstrCatPrintf(dstrEmpty(), "temp-%s", name);
    dstr tmp = aofPath(dir, tmpName), path = aofPath(dir, name);
    int rc = -1;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd == -1) {
        if (err) *err = dstrCatPrintf(dstrEmpty(), "Can't open the AOF manifest file %s: %s", tmpName, strerror(errno));
        goto out;
    }
    if (writeAll(fd, text, dstrLen(text)) != 0 || fsync(fd) != 0) {
        if (err) *err = dstrCatPrintf(dstrEmpty(), "Error writing the AOF manifest file %s: %s", tmpName, strerror(errno));
        close(fd);
        unlink(tmp);
        goto out;
    }
    close(fd);
    if (rename(tmp, path) != 0) {
        if (err) *err = dstrCatPrintf(dstrEmpty(), "Error renaming the AOF manifest file %s: %s", tmpName, strerror(errno));
        unlink(tmp);
        goto out;
    }
    if (aofFsyncDir(dir) != 0) {
        if (err) *err = dstrCatPrintf(dstrEmpty(), "Error fsyncing the AOF directory %s: %s", dir, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    dstrFree(text);
    dstrFree(tmpName);
    dstrFree(tmp);
    dstrFree(path);
    return rc;
}

/* --- File-set operations --- */

const aofFileInfo *aofManifestAddIncr(aofManifest *am, const char *prefix) {
    long long seq = ++am->currIncrSeq;
    dstr name = dstrCatPrintf(dstrEmpty(), "%s.%lld.incr.aof", prefix, seq);
    appendInfo(&am->incr, &am->incrCount, name, seq, AOF_FILE_INCR);
    return &am->incr[am->incrCount - 1];
}

const aofFileInfo *aofManifestSetBase(aofManifest *am, const char *prefix, int rdbPreamble) {
    if (am->base) {
        appendInfo(&am->history, &am->historyCount, am->base->name, am->base->seq, AOF_FILE_HISTORY);
        memFree(am->base);
    }
    long long seq = ++am->currBaseSeq;
    am->base = memCalloc(sizeof(*am->base));
    am->base->name = dstrCatPrintf(dstrEmpty(), "%s.%lld.base.%s", prefix, seq, rdbPreamble ? "rdb" : "aof");
    am->base->seq = seq;
    am->base->type = AOF_FILE_BASE;
    return am->base;
}

void aofManifestRetireIncr(aofManifest *am, int keep) {
    int retire = am->incrCount - keep;
    if (retire <= 0) return;
    for (int i = 0; i < retire; i++)
        appendInfo(&am->history, &am->historyCount, am->incr[i].name, am->incr[i].seq, AOF_FILE_HISTORY);
    memmove(am->incr, am->incr + retire, sizeof(*am->incr) * (size_t)keep);
    am->incrCount = keep;
}

void aofManifestClearHistory(aofManifest *am) {
    freeInfos(am->history, am->historyCount);
    am->history = NULL;
    am->historyCount = 0;
}

const aofFileInfo *aofManifestLastIncr(const aofManifest *am) {
    return am->incrCount ? &am->incr[am->incrCount - 1] : NULL;
}

static long long fileSize(const char *dir, const char *name) {
    dstr path = aofPath(dir, name);
    struct stat st;
    int rc = stat(path, &st);
    dstrFree(path);
    return rc == 0 ? (long long)st.st_size : -1;
}

long long aofManifestBaseSize(const aofManifest *am, const char *dir) {
    return am->base ? fileSize(dir, am->base->name) : 0;
}

long long aofManifestTotalSize(const aofManifest *am, const char *dir) {
    long long total = aofManifestBaseSize(am, dir);
    if (total < 0) return -1;
    for (int i = 0; i < am->incrCount; i++) {
        long long n = fileSize(dir, am->incr[i].name);
        if (n < 0) return -1;
        total += n;
    }
    return total;
}
