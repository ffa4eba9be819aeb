/* config.h — the configuration system: valkey.conf files, command-line
 * overrides, CONFIG GET / SET / REWRITE.
 *
 * There is no global settings struct.  Each module keeps its settings in its
 * own static variables and describes them with a table of configDef, which
 * it hands to configRegister() at start-up, before the file is loaded:
 *
 *     static unsigned long long maxmemory;
 *     static const configDef evictConfigs[] = {
 *         CONFIG_ULONGLONG_DEF("maxmemory", NULL, CONFIG_MEMORY, maxmemory, 0, ULLONG_MAX, "0"),
 *     };
 *     configRegister(evictConfigs, sizeof(evictConfigs) / sizeof(evictConfigs[0]));
 *
 * The config system then parses, validates, stores, renders and rewrites the
 * value through the def; the module only reads its variable (and may be told
 * of a CONFIG SET through the def's apply callback).
 *
 * Every directive of Valkey 8 is known in advance (config_catalog.c): those no
 * module has registered yet are "placeholders" with storage of their own, so
 * any valkey.conf is accepted, CONFIG GET shows Valkey's defaults, and the
 * loader reports which placeholders a file used.  A real def registered under
 * the same name replaces the placeholder, whatever the order.
 *
 * Errors: functions that fail return -1 and describe why; messages meant for
 * clients carry their error code ("ERR ...", "LOADING ...").  Nothing here
 * exits: main decides. */
#ifndef TESSERA_SERVER_CONFIG_H
#define TESSERA_SERVER_CONFIG_H

#include <stddef.h>

#include "node/base/dstr.h"

/* --- Definitions --- */

typedef enum configType {
    CONFIG_BOOL,      /* int *: 0 / 1, written "yes" / "no" */
    CONFIG_INT,       /* int *, min..max */
    CONFIG_UINT,      /* unsigned int *, min..max read as unsigned */
    CONFIG_LONGLONG,  /* long long *, min..max */
    CONFIG_ULONGLONG, /* unsigned long long *, min..max read as unsigned */
    CONFIG_SIZE,      /* size_t *, min..max read as unsigned */
    CONFIG_DOUBLE,    /* double *, min..max */
    CONFIG_STRING,    /* char **, owned (memStrdup), NULL allowed */
    CONFIG_DSTR,      /* dstr *, owned, NULL allowed */
    CONFIG_ENUM,      /* int *, enumItems; with CONFIG_MULTI_ARG a set of bit flags */
    CONFIG_SPECIAL,   /* set / get / rewrite callbacks own the storage */
} configType;

/* Flags of a def.  Numeric format flags (MEMORY, PERCENT, OCTAL) combine with
 * any integer type. */
#define CONFIG_MODIFIABLE 0u
#define CONFIG_IMMUTABLE (1u << 0)      /* only from the file / command line */
#define CONFIG_SENSITIVE (1u << 1)      /* value must not reach logs, slowlog, MONITOR */
#define CONFIG_HIDDEN (1u << 2)         /* not matched by CONFIG GET globs (exact name only) */
#define CONFIG_DENY_LOADING (1u << 3)   /* CONFIG SET refused while loading a dataset */
#define CONFIG_PROTECTED (1u << 4)      /* CONFIG SET needs enable-protected-configs */
#define CONFIG_MEMORY (1u << 5)         /* accepts "1gb", "100mb", "4k"; shown in bytes */
#define CONFIG_PERCENT (1u << 6)        /* accepts "N%", stored as -N (signed types) */
#define CONFIG_OCTAL (1u << 7)          /* read and shown in octal (unixsocketperm) */
#define CONFIG_MULTI_ARG (1u << 8)      /* takes several arguments (save, bind, ...) */
#define CONFIG_EMPTY_IS_NULL (1u << 9)  /* strings: "" is stored as NULL */
#define CONFIG_VOLATILE (1u << 10)      /* apply even when the value did not change */
#define CONFIG_FILE_ONLY (1u << 11)     /* a file directive, not a parameter (user, loadmodule) */
#define CONFIG_DEPRECATED (1u << 12)    /* accepted in a file with one argument, ignored */
#define CONFIG_REWRITE_ALWAYS (1u << 13) /* CONFIG REWRITE writes it even at its default */
#define CONFIG_PLACEHOLDER (1u << 14)   /* accepted but not acted on yet (the catalog) */

typedef struct configEnumItem {
    const char *name;
    int value;
} configEnumItem; /* arrays end with {NULL, 0} */

typedef struct configDef configDef;

/* Optional validity check, called with a pointer to the parsed new value of
 * the def's storage type (int for BOOL/INT/ENUM, long long for LONGLONG,
 * const char * for STRING/DSTR, ...).  Returns 1 if valid, else 0 with *err
 * set to a static reason. */
typedef int configCheckFn(const configDef *def, const void *value, const char **err);
/* Optional, CONFIG SET only: called after the value changed.  Returns 1, or 0
 * with *err set; every value set by that CONFIG SET is then rolled back. */
typedef int configApplyFn(const configDef *def, const char **err);
/* SPECIAL: parse argv (argc may be 0) into the storage.  append is 1 when an
 * earlier line of the same file set this directive (multiple `save` lines add
 * up).  Returns 1, or 0 with *err set to a static reason. */
typedef int configSpecialSetFn(const configDef *def, int argc, char **argv, int append, const char **err);
/* SPECIAL: the CONFIG GET rendering. */
typedef dstr configSpecialGetFn(const configDef *def);
/* SPECIAL, optional: the lines CONFIG REWRITE writes, each "name args..."
 * without newline; returns how many (0: the directive must not appear), with
 * *lines a memAlloc'd array the caller frees.  Without it: one line, the name
 * then the CONFIG GET rendering, "" when that is empty. */
typedef int configSpecialRewriteFn(const configDef *def, dstr **lines);

struct configDef {
    const char *name;                  /* canonical, lower case */
    const char *alias;                 /* old name or NULL ("slaveof" for "replicaof") */
    unsigned flags;
    configType type;
    void *storage;                     /* the module's variable (or SPECIAL state) */
    const char *defaultValue;          /* as written in a file; NULL: NULL string */
    long long min, max;                /* numeric bounds */
    const configEnumItem *enumItems;   /* ENUM */
    configCheckFn *check;
    configApplyFn *apply;
    configSpecialSetFn *set;
    configSpecialGetFn *get;
    configSpecialRewriteFn *rewrite;
    void *privdata;                    /* for the callbacks */
};

/* Shorthands for the common types. */
#define CONFIG_BOOL_DEF(n, a, f, var, dflt) \
    {.name = (n), .alias = (a), .flags = (f), .type = CONFIG_BOOL, .storage = &(var), .defaultValue = (dflt)}
#define CONFIG_INT_DEF(n, a, f, var, lo, hi, dflt)                                                        \
    {.name = (n), .alias = (a), .flags = (f), .type = CONFIG_INT, .storage = &(var), .defaultValue = (dflt), \
     .min = (lo), .max = (hi)}
#define CONFIG_UINT_DEF(n, a, f, var, lo, hi, dflt)                                                        \
    {.name = (n), .alias = (a), .flags = (f), .type = CONFIG_UINT, .storage = &(var), .defaultValue = (dflt), \
     .min = (long long)(lo), .max = (long long)(hi)}
#define CONFIG_LONGLONG_DEF(n, a, f, var, lo, hi, dflt)                                \
    {.name = (n), .alias = (a), .flags = (f), .type = CONFIG_LONGLONG, .storage = &(var), \
     .defaultValue = (dflt), .min = (lo), .max = (hi)}
#define CONFIG_ULONGLONG_DEF(n, a, f, var, lo, hi, dflt)                                \
    {.name = (n), .alias = (a), .flags = (f), .type = CONFIG_ULONGLONG, .storage = &(var), \
     .defaultValue = (dflt), .min = (long long)(lo), .max = (long long)(hi)}
#define CONFIG_SIZE_DEF(n, a, f, var, lo, hi, dflt)                                                        \
    {.name = (n), .alias = (a), .flags = (f), .type = CONFIG_SIZE, .storage = &(var), .defaultValue = (dflt), \
     .min = (long long)(lo), .max = (long long)(hi)}
#define CONFIG_STRING_DEF(n, a, f, var, dflt) \
    {.name = (n), .alias = (a), .flags = (f), .type = CONFIG_STRING, .storage = &(var), .defaultValue = (dflt)}
#define CONFIG_DSTR_DEF(n, a, f, var, dflt) \
    {.name = (n), .alias = (a), .flags = (f), .type = CONFIG_DSTR, .storage = &(var), .defaultValue = (dflt)}
#define CONFIG_ENUM_DEF(n, a, f, var, items, dflt)                                                        \
    {.name = (n), .alias = (a), .flags = (f), .type = CONFIG_ENUM, .storage = &(var), .defaultValue = (dflt), \
     .enumItems = (items)}

/* --- Registration --- */

/* Registers the catalog of Valkey 8 directives as placeholders (idempotent;
 * the other functions call it when needed). */
void configInit(void);
/* Registers a module's defs (static lifetime; not copied).  Each takes its
 * default value now.  A def replaces a placeholder of the same name; two
 * real defs of one name is a bug. */
void configRegister(const configDef *defs, size_t n);
/* Forgets every def and frees what the config system owns (tests, exit). */
void configReset(void);
/* The def called name (or whose alias is name), case-insensitive; NULL. */
const configDef *configLookup(const char *name);

/* --- Loading --- */

/* Where and why loading stopped.  line is 0 when no line is to blame (a file
 * that cannot be opened); file is the file holding the line, or
 * "(command line)". */
typedef struct configError {
    int line;
    int included; /* the line is in an included file */
    dstr file;
    dstr text;   /* the offending line, trimmed */
    dstr reason; /* "Bad directive or wrong number of arguments", ... */
} configError;

/* Reads filename (may be NULL) then the override text (valkey.conf syntax,
 * may be NULL).  Directive names are case-insensitive, later lines win,
 * `include` nests (glob patterns allowed).  Returns 0, or -1 with *err
 * filled (free it with configErrorFree). */
int configLoad(const char *filename, const char *overrides, configError *err);
void configErrorFree(configError *err);
/* The text main prints to stderr before exit(1):
 *   \n*** FATAL CONFIG FILE ERROR (Version <v>) ***\n
 *   Reading the configuration file, at line N\n>>> 'line'\n<reason>\n
 * version NULL means the package version. */
dstr configFormatFatal(const configError *err, const char *version);
/* From `tessera-server [configfile] [--directive value ...]`: the override
 * text, one directive a line.  *configFileIndex is the argv index of the
 * config file, or -1.  Handles "--save ''", "--save" alone, "--port 7000"
 * as one argument, values that start with "--" after a bare name. */
dstr configBuildOverrides(int argc, char **argv, int *configFileIndex);
/* Absolute path of the file given to configLoad, NULL if none. */
const char *configGetFilename(void);
/* Placeholder directives the last configLoad met, each once, in order of
 * first appearance; main logs "Directive 'x' is accepted but not acted on
 * yet" for each. */
const char *const *configPlaceholdersUsed(size_t *count);

/* --- CONFIG GET / SET / REWRITE --- */

/* Parameters matching any of the glob patterns (case-insensitive; aliases
 * match under their own name; hidden ones only by exact name): an array of
 * 2 * *npairs dstrs, name then value.  Free with configFreePairs. */
dstr *configGetPairs(int npatterns, char **patterns, size_t *npairs);
void configFreePairs(dstr *pairs, size_t npairs);
/* The CONFIG GET rendering of one parameter, NULL if unknown. */
dstr configGetValue(const char *name);
/* CONFIG SET name value [name value ...], all or nothing.  clientIsLocal
 * matters for enable-protected-configs "local".  Returns 0, or -1 with *err
 * the full error reply ("ERR CONFIG SET failed ..."). */
int configSetMany(int argc, char **argv, int clientIsLocal, dstr *err);
/* Rewrites the loaded file in place (comments and order kept, changed lines
 * replaced, new non-default settings appended), atomically.  Returns 0, or
 * -1 with *err the full error reply. */
int configRewrite(dstr *err);
/* 1 if name is a SENSITIVE parameter (the command layer redacts its value). */
int configIsSensitive(const char *name);

/* Hooks the server sets.  configLoadingHook returns NULL, or the LOADING error
 * text while a dataset is being loaded (DENY_LOADING parameters).  The
 * CONFIG RESETSTAT subcommand calls configResetStatHook. */
extern const char *(*configLoadingHook)(void);
extern void (*configResetStatHook)(void);

/* --- The CONFIG command (config_cmds.c) ---
 * configCmdsInit binds "config|get", "config|set", "config|rewrite",
 * "config|resetstat" and "config|help" (call it from modulesInit).
 * configCommand dispatches the subcommands itself, for callers without
 * subcommand routing. */
typedef struct client client;
void configCmdsInit(void);
void configCommand(client *c);
void configGetCommand(client *c);
void configSetCommand(client *c);
void configRewriteCommand(client *c);
void configResetStatCommand(client *c);
void configHelpCommand(client *c);

#endif
