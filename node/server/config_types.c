/* config_types.c — converting between configuration text and the typed
 * storage a configDef points at.
 *
 * Three conversions per type: parse (file line or CONFIG SET value -> storage,
 * with Valkey's error wording), render (storage -> CONFIG GET text) and
 * rewrite (storage -> valkey.conf lines).  Rendering is what CONFIG SET keeps
 * as the value to roll back to, so for every type render-then-parse gives the
 * same value back: memory is rendered in bytes, percentages as "N%", octal in
 * octal, enums by name, strings as they are.
 *
 * Numbers of every integer type go through long long, as in Valkey; unsigned
 * types compare their bounds as unsigned, so a def may use ULLONG_MAX as an
 * upper bound by casting it into the long long field. */
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

#include "node/base/mem.h"
#include "node/base/util.h"
#include "node/server/config_internal.h"
#include "node/server/config_special.h"

/* --- Numbers --- */

static int isUnsignedType(configType t) { return t == CONFIG_UINT || t == CONFIG_ULONGLONG || t == CONFIG_SIZE; }

static long long numberLoad(const configDef *def) {
    switch (def->type) {
    case CONFIG_INT: return *(int *)def->storage;
    case CONFIG_UINT: return *(unsigned int *)def->storage;
    case CONFIG_LONGLONG: return *(long long *)def->storage;
    case CONFIG_ULONGLONG: return (long long)*(unsigned long long *)def->storage;
    case CONFIG_SIZE: return (long long)*(size_t *)def->storage;
    default: assert(0 && "not an integer config"); return 0;
    }
}

static void numberStore(const configDef *def, long long v) {
    switch (def->type) {
    case CONFIG_INT: *(int *)def->storage = (int)v; break;
    case CONFIG_UINT: *(unsigned int *)def->storage = (unsigned int)v; break;
    case CONFIG_LONGLONG: *(long long *)def->storage = v; break;
    case CONFIG_ULONGLONG: *(unsigned long long *)def->storage = (unsigned long long)v; break;
    case CONFIG_SIZE: *(size_t *)def->storage = (size_t)v; break;
    default: assert(0 && "not an integer config");
    }
}

/* The check callback sees the value in the def's own storage type. */
static int numberCheck(const configDef *def, long long v, const char **err) {
    if (!def->check) return 1;
    int i = (int)v;
    unsigned int u = (unsigned int)v;
    unsigned long long ull = (unsigned long long)v;
    size_t sz = (size_t)v;
    switch (def->type) {
    case CONFIG_INT: return def->check(def, &i, err);
    case CONFIG_UINT: return def->check(def, &u, err);
    case CONFIG_ULONGLONG: return def->check(def, &ull, err);
    case CONFIG_SIZE: return def->check(def, &sz, err);
    default: return def->check(def, &v, err);
    }
}

static int parseNumber(const configDef *def, const char *s, long long *out, dstr *reason) {
    unsigned f = def->flags;
    size_t len = strlen(s);
    if (f & CONFIG_MEMORY) {
        unsigned long long u;
        if (memtoull(s, &u)) {
            *out = (long long)u;
            return 1;
        }
    }
    if ((f & CONFIG_PERCENT) && len > 1 && s[len - 1] == '%' && string2ll(s, len - 1, out) && *out >= 0) {
        *out = -*out; /* percentages are stored negative */
        return 1;
    }
    if (f & CONFIG_OCTAL) {
        char *end;
        errno = 0;
        long long v = strtoll(s, &end, 8);
        if (len && errno == 0 && *end == '\0') {
            *out = v;
            return 1;
        }
    }
    if (!(f & (CONFIG_MEMORY | CONFIG_PERCENT | CONFIG_OCTAL)) && string2ll(s, len, out)) return 1;

    if ((f & CONFIG_MEMORY) && (f & CONFIG_PERCENT))
        *reason = dstrNew("argument must be a memory or percent value");
    else if (f & CONFIG_MEMORY)
        *reason = dstrNew("argument must be a memory value");
    else if (f & CONFIG_OCTAL)
        *reason = dstrNew("argument couldn't be parsed as an octal number");
    else
        *reason = dstrNew("argument couldn't be parsed into an integer");
    return 0;
}

static int checkBounds(const configDef *def, long long v, dstr *reason) {
    if (isUnsignedType(def->type)) {
        unsigned long long u = (unsigned long long)v;
        unsigned long long lo = (unsigned long long)def->min, hi = (unsigned long long)def->max;
        if (u >= lo && u <= hi) return 1;
        const char *fmt = (def->flags & CONFIG_OCTAL) ? "argument must be between %llo and %llo inclusive"
                                                      : "argument must be between %llu and %llu inclusive";
        *reason = dstrCatPrintf(dstrEmpty(), fmt, lo, hi);
        return 0;
    }
    if ((def->flags & CONFIG_PERCENT) && v < 0) {
        if (v >= def->min) return 1;
        *reason = dstrCatPrintf(dstrEmpty(), "percentage argument must be less or equal to %lld", -def->min);
        return 0;
    }
    if (v >= def->min && v <= def->max) return 1;
    *reason = dstrCatPrintf(dstrEmpty(), "argument must be between %lld and %lld inclusive", def->min, def->max);
    return 0;
}

static int setNumber(const configDef *def, const char *s, dstr *reason) {
    long long v;
    const char *err = NULL;
    if (!parseNumber(def, s, &v, reason) || !checkBounds(def, v, reason)) return 0;
    if (!numberCheck(def, v, &err)) {
        *reason = dstrNew(err ? err : "invalid value");
        return 0;
    }
    numberStore(def, v);
    return 1;
}

static dstr renderNumber(const configDef *def) {
    long long v = numberLoad(def);
    if ((def->flags & CONFIG_PERCENT) && v < 0) return dstrCatPrintf(dstrEmpty(), "%lld%%", -v);
    if (def->flags & CONFIG_OCTAL) return dstrCatPrintf(dstrEmpty(), "%llo", (unsigned long long)v);
    if ((def->flags & CONFIG_MEMORY) || isUnsignedType(def->type))
        return dstrCatPrintf(dstrEmpty(), "%llu", (unsigned long long)v);
    return dstrFromLongLong(v);
}

dstr configFormatMemory(dstr s, unsigned long long bytes) {
    const unsigned long long kb = 1024, mb = kb * 1024, gb = mb * 1024;
    if (bytes && bytes % gb == 0) return dstrCatPrintf(s, "%llugb", bytes / gb);
    if (bytes && bytes % mb == 0) return dstrCatPrintf(s, "%llumb", bytes / mb);
    if (bytes && bytes % kb == 0) return dstrCatPrintf(s, "%llukb", bytes / kb);
    return dstrCatPrintf(s, "%llu", bytes);
}

/* The value as valkey.conf would write it: memory with units. */
static dstr rewriteNumber(const configDef *def, dstr line) {
    long long v = numberLoad(def);
    if ((def->flags & CONFIG_PERCENT) && v < 0) return dstrCatPrintf(line, "%lld%%", -v);
    if (def->flags & CONFIG_MEMORY) return configFormatMemory(line, (unsigned long long)v);
    dstr plain = renderNumber(def);
    line = dstrCatDstr(line, plain);
    dstrFree(plain);
    return line;
}

/* --- Doubles --- */

static int setDouble(const configDef *def, const char *s, dstr *reason) {
    char *end;
    errno = 0;
    double d = strtod(s, &end);
    if (!*s || *end || errno == ERANGE || isnan(d) || s[0] == ' ') {
        *reason = dstrNew("argument couldn't be parsed into a number");
        return 0;
    }
    if (d < (double)def->min || d > (double)def->max) {
        *reason = dstrCatPrintf(dstrEmpty(), "argument must be between %lld and %lld inclusive", def->min, def->max);
        return 0;
    }
    const char *err = NULL;
    if (def->check && !def->check(def, &d, &err)) {
        *reason = dstrNew(err ? err : "invalid value");
        return 0;
    }
    *(double *)def->storage = d;
    return 1;
}

/* Shortest text that reads back to the same double. */
static dstr renderDouble(double d) {
    char buf[64];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof(buf), "%.*g", prec, d);
        if (strtod(buf, NULL) == d) break;
    }
    return dstrNew(buf);
}

/* --- Strings --- */

/* value NULL sets NULL (a default of NULL). */
static int setString(const configDef *def, const char *value, dstr *reason) {
    if (value && !*value && (def->flags & CONFIG_EMPTY_IS_NULL)) value = NULL;
    const char *err = NULL;
    if (def->check && !def->check(def, &value, &err)) {
        *reason = dstrNew(err ? err : "invalid value");
        return 0;
    }
    if (def->type == CONFIG_STRING) {
        char **slot = def->storage;
        char *copy = value ? memStrdup(value) : NULL;
        memFree(*slot);
        *slot = copy;
    } else {
        dstr *slot = def->storage;
        dstr copy = value ? dstrNew(value) : NULL;
        dstrFree(*slot);
        *slot = copy;
    }
    return 1;
}

static const char *stringLoad(const configDef *def) {
    return def->type == CONFIG_STRING ? *(char **)def->storage : *(dstr *)def->storage;
}

/* --- Enums --- */

static dstr enumError(const configDef *def) {
    dstr s = dstrNew("argument(s) must be one of the following: ");
    for (const configEnumItem *it = def->enumItems; it->name; it++) {
        if (it != def->enumItems) s = dstrCat(s, ", ");
        s = dstrCat(s, it->name);
    }
    return s;
}

static int setEnum(const configDef *def, int argc, char **argv, dstr *reason) {
    int multi = (def->flags & CONFIG_MULTI_ARG) != 0;
    int value = 0;
    if (argc == 0 || (!multi && argc != 1)) {
        *reason = enumError(def);
        return 0;
    }
    for (int i = 0; i < argc; i++) {
        int matched = 0;
        for (const configEnumItem *it = def->enumItems; it->name; it++) {
            if (strcasecmp(argv[i], it->name)) continue;
            value |= it->value;
            matched = 1;
        }
        if (!matched) {
            *reason = enumError(def);
            return 0;
        }
    }
    const char *err = NULL;
    if (def->check && !def->check(def, &value, &err)) {
        *reason = dstrNew(err ? err : "invalid value");
        return 0;
    }
    *(int *)def->storage = value;
    return 1;
}

/* An exact match wins; flag sets are named by the items they contain, in
 * table order, and a leftover bit makes the whole value "unknown". */
static dstr renderEnum(const configDef *def) {
    int value = *(int *)def->storage;
    int flags = (def->flags & CONFIG_MULTI_ARG) != 0;
    int unmatched = value;
    dstr names = NULL;
    for (const configEnumItem *it = def->enumItems; it->name; it++) {
        if (it->value == value) {
            dstrFree(names);
            return dstrNew(it->name);
        }
        if (flags && it->value && (unmatched & it->value) == it->value) {
            names = names ? dstrCatPrintf(names, " %s", it->name) : dstrNew(it->name);
            unmatched &= ~it->value;
        }
    }
    if (!names || unmatched) {
        dstrFree(names);
        return dstrNew("unknown");
    }
    return names;
}

/* --- Dispatch --- */

int configValueSet(const configDef *def, int argc, char **argv, int append, dstr *reason) {
    if (def->type == CONFIG_SPECIAL) {
        const char *err = NULL;
        if (def->set(def, argc, argv, append, &err)) return 1;
        *reason = dstrNew(err ? err : "invalid value");
        return 0;
    }
    if (def->flags & CONFIG_DEPRECATED) return 1;
    if (def->type == CONFIG_ENUM) return setEnum(def, argc, argv, reason);
    if (argc != 1) {
        *reason = dstrNew("wrong number of arguments");
        return 0;
    }
    switch (def->type) {
    case CONFIG_BOOL: {
        int yes = !strcasecmp(argv[0], "yes"), no = !strcasecmp(argv[0], "no");
        const char *err = NULL;
        if (!yes && !no) {
            *reason = dstrNew("argument must be 'yes' or 'no'");
            return 0;
        }
        if (def->check && !def->check(def, &yes, &err)) {
            *reason = dstrNew(err ? err : "invalid value");
            return 0;
        }
        *(int *)def->storage = yes;
        return 1;
    }
    case CONFIG_DOUBLE: return setDouble(def, argv[0], reason);
    case CONFIG_STRING:
    case CONFIG_DSTR: return setString(def, argv[0], reason);
    default: return setNumber(def, argv[0], reason);
    }
}

int configValueSetString(const configDef *def, const char *value, dstr *reason) {
    if (!value) {
        assert(def->type == CONFIG_STRING || def->type == CONFIG_DSTR);
        return setString(def, NULL, reason);
    }
    if (!(def->flags & CONFIG_MULTI_ARG)) {
        char *one[1] = {(char *)value};
        return configValueSet(def, 1, one, 0, reason);
    }
    int argc;
    dstr *argv = dstrSplitLen(value, (ssize_t)strlen(value), " ", 1, &argc);
    int ok = configValueSet(def, argc, argv, 0, reason);
    dstrFreeSplit(argv, argc);
    return ok;
}

dstr configValueGet(const configDef *def) {
    switch (def->type) {
    case CONFIG_BOOL: return dstrNew(*(int *)def->storage ? "yes" : "no");
    case CONFIG_DOUBLE: return renderDouble(*(double *)def->storage);
    case CONFIG_STRING:
    case CONFIG_DSTR: {
        const char *v = stringLoad(def);
        return dstrNew(v ? v : "");
    }
    case CONFIG_ENUM: return renderEnum(def);
    case CONFIG_SPECIAL: return def->get ? def->get(def) : dstrEmpty();
    default: return renderNumber(def);
    }
}

static int oneLine(dstr **lines, dstr line) {
    *lines = memAlloc(sizeof(dstr));
    (*lines)[0] = line;
    return 1;
}

int configValueRewriteLines(const configDef *def, dstr **lines) {
    *lines = NULL;
    dstr line = dstrCatPrintf(dstrEmpty(), "%s ", def->name);
    switch (def->type) {
    case CONFIG_SPECIAL:
        if (def->rewrite) {
            dstrFree(line);
            return def->rewrite(def, lines);
        } else {
            dstr v = configValueGet(def);
            line = dstrLen(v) ? dstrCatDstr(line, v) : dstrCat(line, "\"\"");
            dstrFree(v);
            return oneLine(lines, line);
        }
    case CONFIG_STRING:
    case CONFIG_DSTR: {
        const char *v = stringLoad(def);
        if (!v) {
            dstrFree(line);
            return 0; /* absent from the file is how NULL comes back */
        }
        return oneLine(lines, dstrCatRepr(line, v, strlen(v)));
    }
    case CONFIG_BOOL:
    case CONFIG_ENUM:
    case CONFIG_DOUBLE: {
        dstr v = configValueGet(def);
        line = dstrCatDstr(line, v);
        dstrFree(v);
        return oneLine(lines, line);
    }
    default: return oneLine(lines, rewriteNumber(def, line));
    }
}

void configValueFree(const configDef *def) {
    if (def->flags & CONFIG_DEPRECATED) return;
    if (def->type == CONFIG_STRING) {
        char **slot = def->storage;
        memFree(*slot);
        *slot = NULL;
    } else if (def->type == CONFIG_DSTR) {
        dstr *slot = def->storage;
        dstrFree(*slot);
        *slot = NULL;
    } else if (def->type == CONFIG_SPECIAL) {
        configSpecialFree(def);
    }
}
