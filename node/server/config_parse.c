/* config_parse.c — reading valkey.conf files and command-line overrides.
 *
 * A file is read whole, split into lines, and each line is trimmed, skipped
 * when blank or a '#' comment, split into arguments the way valkey.conf
 * quotes them (dstrSplitArgs), and handed to the def its first word names.
 * `include` reads other files recursively (glob patterns expand in
 * alphabetical order; a pattern matching nothing is not an error), up to a
 * fixed depth so a file including itself stops with an error instead of
 * recursing until the stack ends.
 *
 * Command-line overrides are turned by configBuildOverrides into more lines
 * of the same syntax and read after the file.  Line numbers follow Valkey:
 * the overrides are numbered as if appended to the file after one newline;
 * an included file is numbered on its own.
 *
 * "Sources" give multi-line directives their meaning: the first `save` line
 * of the file replaces the default list and later ones add to it; the
 * overrides are a new source, so a `--save` replaces what the file said.
 * Each configLoad phase (file with its includes, then overrides) gets a fresh
 * source id, and an entry remembers the id that last set it. */
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "node/base/mem.h"
#include "node/server/config_internal.h"

#define CONFIG_MAX_INCLUDE_DEPTH 16
#define BAD_DIRECTIVE "Bad directive or wrong number of arguments"

static dstr loadedFilename;
static const char **usedNames;
static size_t usedCount;
static int sourceCounter;

typedef struct loadContext {
    int source;
    int depth;
    configError *err;
} loadContext;

void configParseReset(void) {
    dstrFree(loadedFilename);
    loadedFilename = NULL;
    memFree(usedNames);
    usedNames = NULL;
    usedCount = 0;
}

const char *configGetFilename(void) { return loadedFilename; }

const char *const *configPlaceholdersUsed(size_t *count) {
    *count = usedCount;
    return usedNames;
}

void configErrorFree(configError *err) {
    dstrFree(err->file);
    dstrFree(err->text);
    dstrFree(err->reason);
    memset(err, 0, sizeof(*err));
}

static void setError(loadContext *ctx, const char *file, int line, const char *text, const char *reason) {
    configError *err = ctx->err;
    configErrorFree(err);
    err->line = line;
    err->included = ctx->depth > 0;
    err->file = dstrNew(file ? file : "");
    err->text = dstrNew(text ? text : "");
    err->reason = dstrNew(reason);
}

/* The whole file, or NULL with *reason set. */
static dstr readFile(const char *path, dstr *reason) {
    FILE *fp = fopen(path, "r");
    if (!fp) {
        *reason = dstrCatPrintf(dstrEmpty(), "Fatal error, can't open config file '%s': %s", path, strerror(errno));
        return NULL;
    }
    dstr content = dstrEmpty();
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), fp)) > 0) content = dstrCatLen(content, buf, n);
    if (ferror(fp)) {
        *reason = dstrCatPrintf(dstrEmpty(), "Fatal error, can't read config file '%s': %s", path, strerror(errno));
        dstrFree(content);
        content = NULL;
    }
    fclose(fp);
    return content;
}

static void notePlaceholder(configEntry *e) {
    if (!(e->def->flags & CONFIG_PLACEHOLDER) || e->reported) return;
    e->reported = 1;
    usedNames = memRealloc(usedNames, sizeof(*usedNames) * (usedCount + 1));
    usedNames[usedCount++] = e->def->name;
}

/* Applies one directive line (argv[0] lower-cased).  Returns 1, or 0 with
 * *reason set. */
static int applyDirective(loadContext *ctx, int argc, dstr *argv, dstr *reason) {
    configEntry *e = configFindEntry(argv[0], NULL);
    if (!e) {
        *reason = dstrNew(BAD_DIRECTIVE);
        return 0;
    }
    const configDef *def = e->def;
    if ((def->flags & CONFIG_DEPRECATED) && argc != 2) {
        *reason = dstrNew(BAD_DIRECTIVE);
        return 0;
    }
    if (!(def->flags & (CONFIG_MULTI_ARG | CONFIG_FILE_ONLY)) && argc != 2) {
        *reason = dstrNew("wrong number of arguments");
        return 0;
    }
    int append = e->lastSource == ctx->source;
    int ok;
    if ((def->flags & CONFIG_MULTI_ARG) && argc == 2 && argv[1][0]) {
        /* One argument holding several: save "3600 1 300 100". */
        int n;
        dstr *split = dstrSplitArgs(argv[1], &n);
        if (!split) {
            *reason = dstrNew("Unbalanced quotes in configuration line");
            return 0;
        }
        ok = configValueSet(def, n, split, append, reason);
        dstrFreeSplit(split, n);
    } else {
        ok = configValueSet(def, argc - 1, argv + 1, append, reason);
    }
    if (!ok) return 0;
    e->lastSource = ctx->source;
    notePlaceholder(e);
    return 1;
}

static int parseText(loadContext *ctx, const char *text, const char *label, int lineOffset);

static int includeOne(loadContext *ctx, const char *path, int line, const char *lineText, const char *label) {
    dstr reason = NULL;
    dstr content = readFile(path, &reason);
    if (!content) {
        setError(ctx, label, line, lineText, reason);
        dstrFree(reason);
        return 0;
    }
    ctx->depth++;
    int ok = parseText(ctx, content, path, 0);
    ctx->depth--;
    dstrFree(content);
    return ok;
}

/* include <path>: a glob pattern includes every match, none is fine. */
static int includeFiles(loadContext *ctx, const char *pattern, int line, const char *lineText, const char *label) {
    if (ctx->depth >= CONFIG_MAX_INCLUDE_DEPTH) {
        setError(ctx, label, line, lineText, "Too many nested includes (an include loop?)");
        return 0;
    }
    if (!strpbrk(pattern, "*?[")) return includeOne(ctx, pattern, line, lineText, label);
    glob_t g;
    if (glob(pattern, 0, NULL, &g) != 0) return 1;
    int ok = 1;
    for (size_t i = 0; ok && i < g.gl_pathc; i++) ok = includeOne(ctx, g.gl_pathv[i], line, lineText, label);
    globfree(&g);
    return ok;
}

static int parseLine(loadContext *ctx, dstr line, const char *label, int lineno) {
    int argc;
    dstr *argv = dstrSplitArgs(line, &argc);
    if (!argv) {
        setError(ctx, label, lineno, line, "Unbalanced quotes in configuration line");
        return 0;
    }
    int ok = 1;
    if (argc > 0) {
        dstrToLower(argv[0]);
        if (!strcmp(argv[0], "include")) {
            if (argc != 2) {
                setError(ctx, label, lineno, line, BAD_DIRECTIVE);
                ok = 0;
            } else {
                ok = includeFiles(ctx, argv[1], lineno, line, label);
            }
        } else {
            dstr reason = NULL;
            ok = applyDirective(ctx, argc, argv, &reason);
            if (!ok) setError(ctx, label, lineno, line, reason);
            dstrFree(reason);
        }
    }
    dstrFreeSplit(argv, argc);
    return ok;
}

static int parseText(loadContext *ctx, const char *text, const char *label, int lineOffset) {
    int count;
    dstr *lines = dstrSplitLen(text, (ssize_t)strlen(text), "\n", 1, &count);
    int ok = 1;
    for (int i = 0; ok && i < count; i++) {
        dstrTrim(lines[i], " \t\r\n");
        if (lines[i][0] == '#' || lines[i][0] == '\0') continue;
        ok = parseLine(ctx, lines[i], label, lineOffset + i + 1);
    }
    dstrFreeSplit(lines, count);
    return ok;
}

/* Kept absolute so CONFIG REWRITE finds the file after `dir` moved us. */
static dstr absolutePath(const char *path) {
    char cwd[PATH_MAX];
    if (path[0] == '/' || !getcwd(cwd, sizeof(cwd))) return dstrNew(path);
    return dstrCatPrintf(dstrEmpty(), "%s%s%s", cwd, cwd[strlen(cwd) - 1] == '/' ? "" : "/", path);
}

static int countNewlines(const char *s) {
    int n = 0;
    for (; *s; s++) n += *s == '\n';
    return n;
}

int configLoad(const char *filename, const char *overrides, configError *err) {
    configInit();
    memset(err, 0, sizeof(*err));
    configParseReset();
    for (size_t i = 0; i < configEntryCount(); i++) configEntryAt(i)->reported = 0;
    loadContext ctx = {.source = ++sourceCounter, .depth = 0, .err = err};

    int lineOffset = 1; /* no file: the overrides start at line 2, as in Valkey */
    if (filename) {
        loadedFilename = absolutePath(filename);
        dstr reason = NULL;
        dstr content = readFile(filename, &reason);
        if (!content) {
            setError(&ctx, filename, 0, NULL, reason);
            dstrFree(reason);
            return -1;
        }
        int ok = parseText(&ctx, content, filename, 0);
        lineOffset = countNewlines(content) + 1;
        dstrFree(content);
        if (!ok) return -1;
    }
    if (overrides) {
        ctx.source = ++sourceCounter;
        if (!parseText(&ctx, overrides, "(command line)", lineOffset)) return -1;
    }
    return 0;
}

dstr configFormatFatal(const configError *err, const char *version) {
    dstr s = dstrCatPrintf(dstrEmpty(), "\n*** FATAL CONFIG FILE ERROR (Version %s) ***\n",
                           version ? version : PACKAGE_VERSION);
    if (err->line > 0) {
        if (err->included)
            s = dstrCatPrintf(s, "Reading the configuration file, at line %d (in '%s')\n", err->line, err->file);
        else
            s = dstrCatPrintf(s, "Reading the configuration file, at line %d\n", err->line);
        s = dstrCatPrintf(s, ">>> '%s'\n", err->text ? err->text : "");
    }
    return dstrCatPrintf(s, "%s\n", err->reason ? err->reason : "unknown error");
}

/* --- Command line --- */

static int startsWithDashes(const char *s) { return s[0] == '-' && s[1] == '-'; }

/* Number of words in an argument ("--port 7000" is two). */
static int wordCount(const char *s) {
    int n;
    dstr *words = dstrSplitArgs(s, &n);
    if (!words) return 2; /* unbalanced quotes: pass it through as written */
    dstrFreeSplit(words, n);
    return n;
}

dstr configBuildOverrides(int argc, char **argv, int *configFileIndex) {
    dstr out = dstrEmpty();
    int j = 1;
    *configFileIndex = -1;
    if (argc > 1 && argv[1][0] != '-') {
        *configFileIndex = 1;
        j = 2;
    }
    /* lastHasValue: the previous name got its value, so "--x" starts a new
     * directive; after a bare "--name" the next argument is its value even
     * if it starts with "--". */
    int lastHasValue = 1;
    for (; j < argc; j++) {
        const char *a = argv[j];
        if (!lastHasValue || !startsWithDashes(a)) {
            out = dstrCatRepr(out, a, strlen(a));
            out = dstrCat(out, " ");
            lastHasValue = 1;
            continue;
        }
        if (dstrLen(out)) out = dstrCat(out, "\n");
        out = dstrCat(out, a + 2);
        out = dstrCat(out, " ");
        if (wordCount(a) > 1) {
            lastHasValue = 1; /* "--maxmemory 700mb" in one argument */
            continue;
        }
        lastHasValue = 0;
        /* "--save" with nothing after it, or followed by another option,
         * means save "" (no snapshots). */
        if (!strcasecmp(a, "--save") && (j == argc - 1 || startsWithDashes(argv[j + 1]))) {
            out = dstrCat(out, "\"\"");
            lastHasValue = 1;
        }
    }
    return out;
}
