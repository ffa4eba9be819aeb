/* config.c — the registry of configuration parameters, CONFIG GET and
 * CONFIG SET.
 *
 * Modules own their settings; this file only knows them through the
 * configDef tables they register (see config.h).  The registry is an array
 * of entries in registration order.  The catalog of Valkey 8 directives is
 * registered first as placeholders; a module's def of the same name later
 * takes the placeholder's slot, so CONFIG GET * keeps valkey.conf's order and
 * nothing a file may say is ever unknown just because its module is not
 * written yet.
 *
 * CONFIG SET is all-or-nothing, in three passes: validate every name (known,
 * settable, not twice), set every value (rolling back the ones already set on
 * a parse error), then run the apply callbacks of the values that changed,
 * each distinct callback once; a failing apply rolls every value back and
 * re-applies the old ones.  Old values are kept as their CONFIG GET
 * renderings, which every type can parse back: that is what makes one
 * rollback path serve all types.
 *
 * Invariants: entry names are unique case-insensitively across names and
 * aliases; every entry except FILE_ONLY / DEPRECATED ones has its default
 * rendering recorded. */
#include "node/server/config.h"

#include <assert.h>
#include <string.h>
#include <strings.h>

#include "node/base/mem.h"
#include "node/base/util.h"
#include "node/server/config_internal.h"

const char *(*configLoadingHook)(void) = NULL;
void (*configResetStatHook)(void) = NULL;

static configEntry **entries;
static size_t entryCount, entryCap;
static int initialized;

/* --- Registry --- */

configEntry *configFindEntry(const char *name, const char **matched) {
    for (size_t i = 0; i < entryCount; i++) {
        const configDef *def = entries[i]->def;
        if (!strcasecmp(def->name, name)) {
            if (matched) *matched = def->name;
            return entries[i];
        }
        if (def->alias && !strcasecmp(def->alias, name)) {
            if (matched) *matched = def->alias;
            return entries[i];
        }
    }
    return NULL;
}

size_t configEntryCount(void) { return entryCount; }

configEntry *configEntryAt(size_t i) { return i < entryCount ? entries[i] : NULL; }

/* Directives that are not parameters have no value to show or compare. */
static int isParameter(const configDef *def) { return !(def->flags & (CONFIG_FILE_ONLY | CONFIG_DEPRECATED)); }

/* Gives def its default value and records how that default renders.  A
 * default that does not parse is a bug in the def table. */
static void takeDefault(configEntry *e) {
    const configDef *def = e->def;
    if (def->flags & CONFIG_DEPRECATED) return;
    if (def->type != CONFIG_SPECIAL || def->defaultValue) {
        dstr reason = NULL;
        int argc = 1;
        char *one[1] = {(char *)(def->defaultValue ? def->defaultValue : "")};
        char **argv = one;
        dstr *split = NULL;
        if (def->flags & CONFIG_MULTI_ARG) {
            split = dstrSplitArgs(def->defaultValue ? def->defaultValue : "", &argc);
            assert(split != NULL);
            argv = split;
        }
        int ok;
        if (!def->defaultValue && (def->type == CONFIG_STRING || def->type == CONFIG_DSTR)) {
            ok = configValueSetString(def, NULL, &reason);
        } else {
            ok = configValueSet(def, argc, argv, 0, &reason);
        }
        if (split) dstrFreeSplit(split, argc);
        if (!ok) dstrFree(reason);
        assert(ok && "a config default must parse");
    }
    if (isParameter(def)) e->defaultRendered = configValueGet(def);
}

static void freeEntry(configEntry *e) {
    configValueFree(e->def);
    dstrFree(e->defaultRendered);
    memFree(e);
}

static void appendEntry(configEntry *e) {
    if (entryCount == entryCap) {
        entryCap = entryCap ? entryCap * 2 : 256;
        entries = memRealloc(entries, sizeof(*entries) * entryCap);
    }
    entries[entryCount++] = e;
}

static void registerOne(const configDef *def, int placeholder) {
    assert(def->name != NULL);
    assert(def->storage != NULL || def->type == CONFIG_SPECIAL || (def->flags & CONFIG_DEPRECATED));
    configEntry *old = configFindEntry(def->name, NULL);
    if (!old && def->alias) old = configFindEntry(def->alias, NULL);
    if (old && placeholder) return; /* a module's def wins */
    assert(!old || (old->def->flags & CONFIG_PLACEHOLDER)); /* two modules, one name */

    configEntry *e = memCalloc(sizeof(*e));
    e->def = def;
    assert(!placeholder || (def->flags & CONFIG_PLACEHOLDER));
    takeDefault(e);
    if (!old) {
        appendEntry(e);
        return;
    }
    for (size_t i = 0; i < entryCount; i++) {
        if (entries[i] != old) continue;
        entries[i] = e;
        freeEntry(old);
        return;
    }
}

void configRegisterDefs(const configDef *defs, size_t n, int placeholder) {
    for (size_t i = 0; i < n; i++) registerOne(&defs[i], placeholder);
}

void configInit(void) {
    if (initialized) return;
    initialized = 1;
    configCatalogRegister();
}

void configRegister(const configDef *defs, size_t n) {
    configInit();
    for (size_t i = 0; i < n; i++) assert(!(defs[i].flags & CONFIG_PLACEHOLDER));
    configRegisterDefs(defs, n, 0);
}

void configReset(void) {
    for (size_t i = 0; i < entryCount; i++) freeEntry(entries[i]);
    memFree(entries);
    entries = NULL;
    entryCount = entryCap = 0;
    initialized = 0;
    configParseReset();
}

const configDef *configLookup(const char *name) {
    configInit();
    configEntry *e = configFindEntry(name, NULL);
    return e ? e->def : NULL;
}

int configIsSensitive(const char *name) {
    const configDef *def = configLookup(name);
    return def && (def->flags & CONFIG_SENSITIVE);
}

/* --- CONFIG GET --- */

typedef struct pairList {
    dstr *items;
    size_t count; /* pairs */
} pairList;

static int pairListHas(const pairList *l, const char *name) {
    for (size_t i = 0; i < l->count; i++)
        if (!strcasecmp(l->items[2 * i], name)) return 1;
    return 0;
}

static void pairListAdd(pairList *l, const char *name, const configDef *def) {
    if (pairListHas(l, name)) return;
    l->items = memRealloc(l->items, sizeof(dstr) * 2 * (l->count + 1));
    l->items[2 * l->count] = dstrNew(name);
    l->items[2 * l->count + 1] = configValueGet(def);
    l->count++;
}

static void matchPattern(pairList *l, const char *pattern) {
    size_t plen = strlen(pattern);
    if (!strpbrk(pattern, "[*?")) {
        const char *matched;
        configEntry *e = configFindEntry(pattern, &matched);
        if (e && isParameter(e->def)) pairListAdd(l, matched, e->def);
        return;
    }
    for (size_t i = 0; i < entryCount; i++) {
        const configDef *def = entries[i]->def;
        if (!isParameter(def) || (def->flags & CONFIG_HIDDEN)) continue;
        if (globMatch(pattern, plen, def->name, strlen(def->name), 1)) pairListAdd(l, def->name, def);
        if (def->alias && globMatch(pattern, plen, def->alias, strlen(def->alias), 1))
            pairListAdd(l, def->alias, def);
    }
}

dstr *configGetPairs(int npatterns, char **patterns, size_t *npairs) {
    configInit();
    pairList l = {NULL, 0};
    for (int i = 0; i < npatterns; i++) matchPattern(&l, patterns[i]);
    *npairs = l.count;
    return l.items;
}

void configFreePairs(dstr *pairs, size_t npairs) {
    if (!pairs) return;
    for (size_t i = 0; i < 2 * npairs; i++) dstrFree(pairs[i]);
    memFree(pairs);
}

dstr configGetValue(const char *name) {
    configInit();
    configEntry *e = configFindEntry(name, NULL);
    if (!e || !isParameter(e->def)) return NULL;
    return configValueGet(e->def);
}

/* --- CONFIG SET --- */

typedef struct setItem {
    configEntry *entry;
    const char *name;  /* the spelling that matched (name or alias) */
    const char *value;
    dstr oldValue;
    int changed;
} setItem;

static int protectedAllowed(int clientIsLocal) {
    dstr v = configGetValue("enable-protected-configs");
    int allowed = v && (!strcasecmp(v, "yes") || (clientIsLocal && !strcasecmp(v, "local")));
    dstrFree(v);
    return allowed;
}

static dstr failedError(const char *name, const char *reason) {
    if (!reason) return dstrCatPrintf(dstrEmpty(), "ERR CONFIG SET failed (possibly related to argument '%s')", name);
    return dstrCatPrintf(dstrEmpty(), "ERR CONFIG SET failed (possibly related to argument '%s') - %s", name, reason);
}

/* Pass 1: every name known, settable and given once.  The first problem
 * found is the one reported, as Valkey does. */
static dstr validateNames(setItem *items, int n, char **argv, int clientIsLocal) {
    const char *loading = configLoadingHook ? configLoadingHook() : NULL;
    for (int i = 0; i < n; i++) {
        const char *name = argv[2 * i];
        const char *matched;
        configEntry *e = configFindEntry(name, &matched);
        if (!e || !isParameter(e->def))
            return dstrCatPrintf(dstrEmpty(), "ERR Unknown option or number of arguments for CONFIG SET - '%s'", name);
        unsigned flags = e->def->flags;
        if (flags & CONFIG_IMMUTABLE) return failedError(name, "can't set immutable config");
        if ((flags & CONFIG_PROTECTED) && !protectedAllowed(clientIsLocal))
            return failedError(name, "can't set protected config");
        if ((flags & CONFIG_DENY_LOADING) && loading) return dstrNew(loading);
        for (int j = 0; j < i; j++)
            if (items[j].entry == e) return failedError(name, "duplicate parameter");
        items[i].entry = e;
        items[i].name = matched;
        items[i].value = argv[2 * i + 1];
    }
    return NULL;
}

/* Puts back the values of items[0..n-1]; a failure here means an old value
 * no longer parses, which only a buggy def can cause. */
static void restoreValues(setItem *items, int n) {
    for (int i = 0; i < n; i++) {
        dstr reason = NULL;
        int ok = configValueSetString(items[i].entry->def, items[i].oldValue, &reason);
        dstrFree(reason);
        assert(ok && "a CONFIG GET rendering must parse back");
    }
}

/* Pass 3: each distinct apply callback of a changed value, once. */
static dstr runApplies(setItem *items, int n) {
    for (int i = 0; i < n; i++) {
        configApplyFn *apply = items[i].entry->def->apply;
        if (!apply || !items[i].changed) continue;
        int seen = 0;
        for (int j = 0; j < i; j++)
            if (items[j].changed && items[j].entry->def->apply == apply) seen = 1;
        if (seen) continue;
        const char *reason = NULL;
        if (!apply(items[i].entry->def, &reason)) return failedError(items[i].name, reason);
    }
    return NULL;
}

static void reapplyOld(setItem *items, int n) {
    for (int i = 0; i < n; i++) {
        if (!items[i].changed || !items[i].entry->def->apply) continue;
        const char *reason = NULL;
        items[i].entry->def->apply(items[i].entry->def, &reason);
    }
}

int configSetMany(int argc, char **argv, int clientIsLocal, dstr *err) {
    configInit();
    if (argc <= 0 || (argc & 1)) {
        *err = dstrNew("ERR syntax error");
        return -1;
    }
    int n = argc / 2;
    setItem *items = memCalloc(sizeof(*items) * (size_t)n);
    dstr error = validateNames(items, n, argv, clientIsLocal);
    int setCount = 0;
    if (error) goto done;

    for (int i = 0; i < n; i++) items[i].oldValue = configValueGet(items[i].entry->def);
    for (; setCount < n; setCount++) {
        setItem *it = &items[setCount];
        dstr reason = NULL;
        if (!configValueSetString(it->entry->def, it->value, &reason)) {
            error = failedError(it->name, reason);
            dstrFree(reason);
            restoreValues(items, setCount + 1);
            goto done;
        }
        dstr now = configValueGet(it->entry->def);
        it->changed = strcmp(now, it->oldValue) != 0 || (it->entry->def->flags & CONFIG_VOLATILE);
        dstrFree(now);
    }
    error = runApplies(items, n);
    if (error) {
        restoreValues(items, n);
        reapplyOld(items, n);
    }
done:
    for (int i = 0; i < n; i++) dstrFree(items[i].oldValue);
    memFree(items);
    if (!error) return 0;
    *err = error;
    return -1;
}
