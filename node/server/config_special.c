/* config_special.c — parsing, rendering and rewriting of the directives that
 * are not a single number or string (see config_special.h for the list).
 *
 * Each set callback validates every argument before touching its storage, so
 * a rejected line or CONFIG SET leaves the old value whole.  Renderings are
 * Valkey's CONFIG GET texts ("3600 1 300 100 60 10000", "normal 0 0 0 slave
 * 268435456 67108864 60 pubsub 33554432 8388608 60") and parse back to the
 * same value, which CONFIG SET's rollback relies on.  Error reasons are
 * Valkey's words. */
#include "node/server/config_special.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "node/base/mem.h"
#include "node/base/util.h"
#include "node/server/config_internal.h"

/* Whole-string signed integer (strtoll semantics as Valkey uses here:
 * leading '+' or spaces are tolerated, trailing garbage is not). */
static int parseLongLong(const char *s, long long *out) {
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || errno == ERANGE) return 0;
    *out = v;
    return 1;
}

/* --- save --- */

int configSaveSet(const configDef *def, int argc, char **argv, int append, const char **err) {
    configSaveParams *p = def->storage;
    if (argc == 1 && argv[0][0] == '\0') argc = 0; /* save "" */
    if (argc & 1) {
        *err = "Invalid save parameters";
        return 0;
    }
    for (int i = 0; i < argc; i++) {
        long long v;
        if (!parseLongLong(argv[i], &v) || (i % 2 == 0 && v < 1) || (i % 2 == 1 && v < 0)) {
            *err = "Invalid save parameters";
            return 0;
        }
    }
    if (!append || argc == 0) p->count = 0; /* no points at all: no snapshots */
    if (argc == 0) {
        memFree(p->points);
        p->points = NULL;
        return 1;
    }
    p->points = memRealloc(p->points, sizeof(configSavePoint) * (size_t)(p->count + argc / 2));
    for (int i = 0; i < argc; i += 2) {
        parseLongLong(argv[i], &p->points[p->count].seconds);
        parseLongLong(argv[i + 1], &p->points[p->count].changes);
        p->count++;
    }
    return 1;
}

dstr configSaveGet(const configDef *def) {
    const configSaveParams *p = def->storage;
    dstr s = dstrEmpty();
    for (int i = 0; i < p->count; i++)
        s = dstrCatPrintf(s, "%s%lld %lld", i ? " " : "", p->points[i].seconds, p->points[i].changes);
    return s;
}

/* --- bind --- */

int configBindSet(const configDef *def, int argc, char **argv, int append, const char **err) {
    configBindList *b = def->storage;
    if (argc > CONFIG_BIND_MAX) {
        *err = "Too many bind addresses specified.";
        return 0;
    }
    if (argc == 1 && argv[0][0] == '\0') argc = 0; /* bind "": no TCP address */
    for (int i = 0; i < b->count; i++) dstrFree(b->addrs[i]);
    for (int i = 0; i < argc; i++) b->addrs[i] = dstrNew(argv[i]);
    b->count = argc;
    return 1;
}

dstr configBindGet(const configDef *def) {
    const configBindList *b = def->storage;
    dstr s = dstrEmpty();
    for (int i = 0; i < b->count; i++) s = dstrCatPrintf(s, "%s%s", i ? " " : "", b->addrs[i]);
    return s;
}

/* --- client-output-buffer-limit --- */

static int obufClass(const char *name) {
    if (!strcasecmp(name, "normal")) return CONFIG_OBUF_NORMAL;
    if (!strcasecmp(name, "replica") || !strcasecmp(name, "slave")) return CONFIG_OBUF_REPLICA;
    if (!strcasecmp(name, "pubsub")) return CONFIG_OBUF_PUBSUB;
    return -1;
}

int configObufSet(const configDef *def, int argc, char **argv, int append, const char **err) {
    configObufLimits *o = def->storage;
    configObufLimit values[CONFIG_OBUF_COUNT];
    int given[CONFIG_OBUF_COUNT] = {0};
    if (argc % 4) {
        *err = "Wrong number of arguments in buffer limit configuration.";
        return 0;
    }
    for (int i = 0; i < argc; i += 4) {
        int cls = obufClass(argv[i]);
        long long seconds;
        if (cls < 0) {
            *err = "Invalid client class specified in buffer limit configuration.";
            return 0;
        }
        if (!memtoull(argv[i + 1], &values[cls].hardBytes) || !memtoull(argv[i + 2], &values[cls].softBytes) ||
            !parseLongLong(argv[i + 3], &seconds) || seconds < 0) {
            *err = "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
            return 0;
        }
        values[cls].softSeconds = seconds;
        given[cls] = 1;
    }
    for (int c = 0; c < CONFIG_OBUF_COUNT; c++)
        if (given[c]) o->limits[c] = values[c];
    return 1;
}

/* CONFIG GET says "slave" (what clients expect); the file says "replica". */
static const char *obufGetNames[CONFIG_OBUF_COUNT] = {"normal", "slave", "pubsub"};
static const char *obufFileNames[CONFIG_OBUF_COUNT] = {"normal", "replica", "pubsub"};

dstr configObufGet(const configDef *def) {
    const configObufLimits *o = def->storage;
    dstr s = dstrEmpty();
    for (int c = 0; c < CONFIG_OBUF_COUNT; c++) {
        const configObufLimit *l = &o->limits[c];
        s = dstrCatPrintf(s, "%s%s %llu %llu %lld", c ? " " : "", obufGetNames[c], l->hardBytes, l->softBytes,
                          l->softSeconds);
    }
    return s;
}

int configObufRewrite(const configDef *def, dstr **lines) {
    const configObufLimits *o = def->storage;
    *lines = memAlloc(sizeof(dstr) * CONFIG_OBUF_COUNT);
    for (int c = 0; c < CONFIG_OBUF_COUNT; c++) {
        const configObufLimit *l = &o->limits[c];
        dstr line = dstrCatPrintf(dstrEmpty(), "%s %s ", def->name, obufFileNames[c]);
        line = configFormatMemory(line, l->hardBytes);
        line = dstrCat(line, " ");
        line = configFormatMemory(line, l->softBytes);
        (*lines)[c] = dstrCatPrintf(line, " %lld", l->softSeconds);
    }
    return CONFIG_OBUF_COUNT;
}

/* --- notify-keyspace-events --- */

static const struct {
    char letter;
    int flag;
} notifyLetters[] = {
    {'g', CONFIG_NOTIFY_GENERIC}, {'$', CONFIG_NOTIFY_STRING},  {'l', CONFIG_NOTIFY_LIST},
    {'s', CONFIG_NOTIFY_SET},     {'h', CONFIG_NOTIFY_HASH},    {'z', CONFIG_NOTIFY_ZSET},
    {'x', CONFIG_NOTIFY_EXPIRED}, {'e', CONFIG_NOTIFY_EVICTED}, {'t', CONFIG_NOTIFY_STREAM},
    {'d', CONFIG_NOTIFY_MODULE},  {'n', CONFIG_NOTIFY_NEW},      {'K', CONFIG_NOTIFY_KEYSPACE},
    {'E', CONFIG_NOTIFY_KEYEVENT}, {'m', CONFIG_NOTIFY_KEY_MISS},
};
#define NOTIFY_LETTER_COUNT (sizeof(notifyLetters) / sizeof(notifyLetters[0]))

int configNotifyFlagsFromString(const char *s) {
    int flags = 0;
    for (; *s; s++) {
        if (*s == 'A') {
            flags |= CONFIG_NOTIFY_ALL;
            continue;
        }
        size_t i;
        for (i = 0; i < NOTIFY_LETTER_COUNT; i++)
            if (notifyLetters[i].letter == *s) break;
        if (i == NOTIFY_LETTER_COUNT) return -1;
        flags |= notifyLetters[i].flag;
    }
    return flags;
}

/* Event classes and n first ("A" when all classes), then K, E, m: Valkey's
 * order, which CONFIG GET shows.  Valkey drops n after A, so its value does
 * not survive a round trip; we keep it ("AnKE"). */
dstr configNotifyFlagsToString(int flags) {
    dstr s = dstrEmpty();
    int all = (flags & CONFIG_NOTIFY_ALL) == CONFIG_NOTIFY_ALL;
    if (all) s = dstrCat(s, "A");
    for (size_t i = 0; i < NOTIFY_LETTER_COUNT; i++) {
        int f = notifyLetters[i].flag;
        if (!(flags & f) || (all && (CONFIG_NOTIFY_ALL & f))) continue;
        s = dstrCatLen(s, &notifyLetters[i].letter, 1);
    }
    return s;
}

int configNotifySet(const configDef *def, int argc, char **argv, int append, const char **err) {
    if (argc != 1) {
        *err = "wrong number of arguments";
        return 0;
    }
    int flags = configNotifyFlagsFromString(argv[0]);
    if (flags == -1) {
        *err = "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";
        return 0;
    }
    *(int *)def->storage = flags;
    return 1;
}

dstr configNotifyGet(const configDef *def) { return configNotifyFlagsToString(*(int *)def->storage); }

int configNotifyRewrite(const configDef *def, dstr **lines) {
    dstr v = configNotifyGet(def);
    dstr line = dstrCatPrintf(dstrEmpty(), "%s ", def->name);
    line = dstrCatRepr(line, v, dstrLen(v));
    dstrFree(v);
    *lines = memAlloc(sizeof(dstr));
    (*lines)[0] = line;
    return 1;
}

/* --- oom-score-adj-values --- */

int configOomValuesSet(const configDef *def, int argc, char **argv, int append, const char **err) {
    configOomScoreAdjValues *o = def->storage;
    long long v[3];
    if (argc != 3) {
        *err = "wrong number of arguments";
        return 0;
    }
    for (int i = 0; i < 3; i++) {
        if (!parseLongLong(argv[i], &v[i]) || v[i] < -2000 || v[i] > 2000) {
            *err = "Invalid oom-score-adj-values, elements must be between -2000 and 2000.";
            return 0;
        }
    }
    for (int i = 0; i < 3; i++) o->values[i] = (int)v[i];
    return 1;
}

dstr configOomValuesGet(const configDef *def) {
    const configOomScoreAdjValues *o = def->storage;
    return dstrCatPrintf(dstrEmpty(), "%d %d %d", o->values[0], o->values[1], o->values[2]);
}

/* --- replicaof --- */

int configReplicaOfSet(const configDef *def, int argc, char **argv, int append, const char **err) {
    configReplicaOf *r = def->storage;
    long long port;
    if (argc != 2) {
        *err = "wrong number of arguments";
        return 0;
    }
    if (!strcasecmp(argv[0], "no") && !strcasecmp(argv[1], "one")) {
        dstrFree(r->host);
        r->host = NULL;
        r->port = 0;
        return 1;
    }
    if (!parseLongLong(argv[1], &port) || port < 0 || port > 65535) {
        *err = "Invalid primary port";
        return 0;
    }
    dstrFree(r->host);
    r->host = dstrNew(argv[0]);
    r->port = (int)port;
    return 1;
}

dstr configReplicaOfGet(const configDef *def) {
    const configReplicaOf *r = def->storage;
    return r->host ? dstrCatPrintf(dstrEmpty(), "%s %d", r->host, r->port) : dstrEmpty();
}

int configReplicaOfRewrite(const configDef *def, dstr **lines) {
    const configReplicaOf *r = def->storage;
    *lines = NULL;
    if (!r->host) return 0; /* a primary has no replicaof line */
    *lines = memAlloc(sizeof(dstr));
    (*lines)[0] = dstrCatPrintf(dstrEmpty(), "%s %s %d", def->name, r->host, r->port);
    return 1;
}

/* --- latency-tracking-info-percentiles --- */

int configPercentilesSet(const configDef *def, int argc, char **argv, int append, const char **err) {
    configPercentiles *p = def->storage;
    if (argc == 1 && argv[0][0] == '\0') argc = 0;
    double *values = argc ? memAlloc(sizeof(double) * (size_t)argc) : NULL;
    for (int i = 0; i < argc; i++) {
        char *end;
        errno = 0;
        values[i] = strtod(argv[i], &end);
        if (!argv[i][0] || *end || errno == ERANGE || values[i] != values[i]) {
            *err = "Invalid latency-tracking-info-percentiles parameters";
            memFree(values);
            return 0;
        }
        if (values[i] < 0.0 || values[i] > 100.0) {
            *err = "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]";
            memFree(values);
            return 0;
        }
    }
    memFree(p->values);
    p->values = values;
    p->count = argc;
    return 1;
}

/* "%f" without trailing zeros: 50, 99, 99.9. */
dstr configPercentilesGet(const configDef *def) {
    const configPercentiles *p = def->storage;
    dstr s = dstrEmpty();
    for (int i = 0; i < p->count; i++) {
        char buf[64];
        int len = snprintf(buf, sizeof(buf), "%f", p->values[i]);
        while (len > 0 && buf[len - 1] == '0') len--;
        if (len > 0 && buf[len - 1] == '.') len--;
        if (i) s = dstrCat(s, " ");
        s = dstrCatLen(s, buf, (size_t)len);
    }
    return s;
}

/* --- dir --- */

int configDirSet(const configDef *def, int argc, char **argv, int append, const char **err) {
    if (argc != 1) {
        *err = "wrong number of arguments";
        return 0;
    }
    if (!argv[0][0]) {
        *err = "dir can't be empty";
        return 0;
    }
    if (chdir(argv[0]) == -1) {
        *err = strerror(errno);
        return 0;
    }
    return 1;
}

dstr configDirGet(const configDef *def) {
    char buf[PATH_MAX];
    return dstrNew(getcwd(buf, sizeof(buf)) ? buf : "");
}

int configDirRewrite(const configDef *def, dstr **lines) {
    dstr cwd = configDirGet(def);
    *lines = memAlloc(sizeof(dstr));
    (*lines)[0] = dstrCatRepr(dstrCatPrintf(dstrEmpty(), "%s ", def->name), cwd, dstrLen(cwd));
    dstrFree(cwd);
    return 1;
}

/* --- File-only directives --- */

int configLinesSet(const configDef *def, int argc, char **argv, int append, const char **err) {
    configDirectiveLines *l = def->storage;
    if (argc < def->min || (def->max >= 0 && argc > def->max)) {
        *err = "Bad directive or wrong number of arguments";
        return 0;
    }
    l->argv = memRealloc(l->argv, sizeof(dstr *) * (size_t)(l->count + 1));
    l->argc = memRealloc(l->argc, sizeof(int) * (size_t)(l->count + 1));
    l->argv[l->count] = memAlloc(sizeof(dstr) * (size_t)(argc ? argc : 1));
    for (int i = 0; i < argc; i++) l->argv[l->count][i] = dstrNew(argv[i]);
    l->argc[l->count] = argc;
    l->count++;
    return 1;
}

dstr configLinesGet(const configDef *def) { return dstrEmpty(); }

void configDirectiveLinesClear(configDirectiveLines *l) {
    for (int i = 0; i < l->count; i++) dstrFreeSplit(l->argv[i], l->argc[i]);
    memFree(l->argv);
    memFree(l->argc);
    l->argv = NULL;
    l->argc = NULL;
    l->count = 0;
}

void configSpecialFree(const configDef *def) {
    if (def->set == configSaveSet) {
        configSaveParams *p = def->storage;
        memFree(p->points);
        p->points = NULL;
        p->count = 0;
    } else if (def->set == configBindSet) {
        configBindList *b = def->storage;
        for (int i = 0; i < b->count; i++) dstrFree(b->addrs[i]);
        b->count = 0;
    } else if (def->set == configReplicaOfSet) {
        configReplicaOf *r = def->storage;
        dstrFree(r->host);
        r->host = NULL;
    } else if (def->set == configPercentilesSet) {
        configPercentiles *p = def->storage;
        memFree(p->values);
        p->values = NULL;
        p->count = 0;
    } else if (def->set == configLinesSet) {
        configDirectiveLinesClear(def->storage);
    }
}
