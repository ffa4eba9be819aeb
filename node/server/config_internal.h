/* config_internal.h — what the config*.c files share; not for other modules.
 *
 * The registry is an array of entries, one per registered def, in
 * registration order (the catalog first, so CONFIG GET * follows the order of
 * valkey.conf).  Lookups are linear and case-insensitive over names and
 * aliases: a few hundred entries, consulted per config line or per CONFIG
 * call, never on a hot path. */
#ifndef TESSERA_SERVER_CONFIG_INTERNAL_H
#define TESSERA_SERVER_CONFIG_INTERNAL_H

#include "node/server/config.h"

typedef struct configEntry {
    const configDef *def;
    dstr defaultRendered; /* CONFIG GET rendering of the default value */
    int lastSource;       /* loader: id of the source that last set it */
    int reported;         /* placeholder already listed as used */
} configEntry;

/* --- Registry (config.c) --- */
/* Entry whose name or alias is name; *matched (if not NULL) receives the
 * def's spelling of the name that matched. */
configEntry *configFindEntry(const char *name, const char **matched);
size_t configEntryCount(void);
configEntry *configEntryAt(size_t i);
/* Registers defs; placeholders never replace an existing entry. */
void configRegisterDefs(const configDef *defs, size_t n, int placeholder);

/* --- Values (config_types.c) --- */
/* Parses argv into the def's storage.  Returns 1, or 0 with *reason set. */
int configValueSet(const configDef *def, int argc, char **argv, int append, dstr *reason);
/* Sets from one CONFIG SET value (split at spaces for MULTI_ARG defs). */
int configValueSetString(const configDef *def, const char *value, dstr *reason);
/* The CONFIG GET rendering. */
dstr configValueGet(const configDef *def);
/* Lines for CONFIG REWRITE (see configSpecialRewriteFn); returns the count. */
int configValueRewriteLines(const configDef *def, dstr **lines);
/* Frees storage the config system allocated (strings, special state). */
void configValueFree(const configDef *def);
/* "64mb" / "1gb" / "3000" as valkey.conf would say it. */
dstr configFormatMemory(dstr s, unsigned long long bytes);

/* --- Catalog (config_catalog.c) --- */
void configCatalogRegister(void);

/* --- Loader state (config_parse.c) --- */
void configParseReset(void);

#endif
