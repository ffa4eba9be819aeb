/* command.h — the command table: what each command is called, how many
 * arguments it takes, its flags, ACL categories, key specs (which arguments
 * are keys, and what the command does to them) and documentation.  Cluster
 * clients read the key specs through COMMAND, so they must be exact.
 *
 * The metadata is one table generated at build time from a description of
 * every command (see node/server/command_table*); the implementations live
 * next to their data types (node/types/string_cmds.c, ...) and each module
 * binds its procs by name at start-up with commandBind().  A command whose
 * metadata exists but whose proc is not bound does not exist for clients
 * (unknown command, absent from COMMAND). */
#ifndef TESSERA_COMMAND_H
#define TESSERA_COMMAND_H

#include <stdint.h>

#include "node/net/client.h"


/* Command flags (COMMAND INFO names in comments). */
#define CMD_WRITE (1ULL << 0)            /* write */
#define CMD_READONLY (1ULL << 1)         /* readonly */
#define CMD_DENYOOM (1ULL << 2)          /* denyoom */
#define CMD_MODULE (1ULL << 3)           /* module */
#define CMD_ADMIN (1ULL << 4)            /* admin */
#define CMD_PUBSUB (1ULL << 5)           /* pubsub */
#define CMD_NOSCRIPT (1ULL << 6)         /* noscript */
#define CMD_BLOCKING (1ULL << 8)         /* blocking */
#define CMD_LOADING (1ULL << 9)          /* loading */
#define CMD_STALE (1ULL << 10)           /* stale */
#define CMD_SKIP_MONITOR (1ULL << 11)    /* skip_monitor */
#define CMD_SKIP_SLOWLOG (1ULL << 12)    /* skip_slowlog */
#define CMD_ASKING (1ULL << 13)          /* asking */
#define CMD_FAST (1ULL << 14)            /* fast */
#define CMD_NO_AUTH (1ULL << 15)         /* no_auth */
#define CMD_MAY_REPLICATE (1ULL << 16)   /* may_replicate */
#define CMD_SENTINEL (1ULL << 17)
#define CMD_ONLY_SENTINEL (1ULL << 18)
#define CMD_NO_MANDATORY_KEYS (1ULL << 19) /* no_mandatory_keys */
#define CMD_PROTECTED (1ULL << 20)
#define CMD_MODULE_GETKEYS (1ULL << 21)
#define CMD_MODULE_NO_CLUSTER (1ULL << 22)
#define CMD_NO_ASYNC_LOADING (1ULL << 23) /* no_async_loading */
#define CMD_NO_MULTI (1ULL << 24)        /* no_multi */
#define CMD_MOVABLE_KEYS (1ULL << 25)    /* movablekeys (computed) */
#define CMD_ALLOW_BUSY (1ULL << 26)      /* allow_busy */
#define CMD_TOUCHES_ARBITRARY_KEYS (1ULL << 28)

/* ACL categories (names via commandAclCategoryName). */
#define ACL_KEYSPACE (1ULL << 0)
#define ACL_READ (1ULL << 1)
#define ACL_WRITE (1ULL << 2)
#define ACL_SET (1ULL << 3)
#define ACL_SORTEDSET (1ULL << 4)
#define ACL_LIST (1ULL << 5)
#define ACL_HASH (1ULL << 6)
#define ACL_STRING (1ULL << 7)
#define ACL_BITMAP (1ULL << 8)
#define ACL_HYPERLOGLOG (1ULL << 9)
#define ACL_GEO (1ULL << 10)
#define ACL_STREAM (1ULL << 11)
#define ACL_PUBSUB (1ULL << 12)
#define ACL_ADMIN (1ULL << 13)
#define ACL_FAST (1ULL << 14)
#define ACL_SLOW (1ULL << 15)
#define ACL_BLOCKING (1ULL << 16)
#define ACL_DANGEROUS (1ULL << 17)
#define ACL_CONNECTION (1ULL << 18)
#define ACL_TRANSACTION (1ULL << 19)
#define ACL_SCRIPTING (1ULL << 20)

/* Key spec flags (COMMAND INFO / DOCS names). */
#define KS_RO (1ULL << 0)
#define KS_RW (1ULL << 1)
#define KS_OW (1ULL << 2)
#define KS_RM (1ULL << 3)
#define KS_ACCESS (1ULL << 4)
#define KS_UPDATE (1ULL << 5)
#define KS_INSERT (1ULL << 6)
#define KS_DELETE (1ULL << 7)
#define KS_NOT_KEY (1ULL << 8)
#define KS_INCOMPLETE (1ULL << 9)
#define KS_VARIABLE_FLAGS (1ULL << 10)

/* UNKNOWN: the keys cannot be located from the arguments' positions (SORT's
 * BY/GET/STORE); such a spec is documentation only and getkeys decides. */
enum { KSPEC_BS_INVALID = 0, KSPEC_BS_INDEX, KSPEC_BS_KEYWORD, KSPEC_BS_UNKNOWN };
enum { KSPEC_FK_INVALID = 0, KSPEC_FK_RANGE, KSPEC_FK_KEYNUM, KSPEC_FK_UNKNOWN };

typedef struct keySpec {
    uint64_t flags;
    int bsType;                 /* begin_search */
    union {
        struct { int pos; } index;
        struct { const char *keyword; int startfrom; } keyword;
    } bs;
    int fkType;                 /* find_keys */
    union {
        struct { int lastkey; int keystep; int limit; } range;
        struct { int keynumidx; int firstkey; int keystep; } keynum;
    } fk;
    const char *notes;          /* COMMAND INFO "notes", NULL if none */
} keySpec;

/* Documentation of one argument (COMMAND DOCS), tree-shaped. */
enum { ARG_STRING = 0, ARG_INTEGER, ARG_DOUBLE, ARG_KEY, ARG_PATTERN, ARG_UNIX_TIME,
       ARG_PURE_TOKEN, ARG_ONEOF, ARG_BLOCK };
#define ARG_OPTIONAL (1 << 0)
#define ARG_MULTIPLE (1 << 1)
#define ARG_MULTIPLE_TOKEN (1 << 2)

typedef struct commandArg {
    const char *name;
    int type;
    int keySpecIndex;           /* for ARG_KEY, else -1 */
    const char *token;          /* NULL if none */
    const char *summary;
    const char *since;
    int flags;
    const char *displayText;
    const struct commandArg *subargs; /* {NULL}-terminated, for ONEOF/BLOCK */
    const char *deprecatedSince;
} commandArg;

/* Filled in by getkeys: positions of keys in argv and their flags. */
typedef struct keyReference {
    int pos;
    uint64_t flags;
} keyReference;

typedef struct getKeysResult {
    keyReference keysbuf[16];
    keyReference *keys;         /* keysbuf or a heap array */
    int numkeys;
    int size;
} getKeysResult;

typedef int getKeysProc(struct serverCommand *cmd, dstr *argv, int argc, getKeysResult *result);

struct serverCommand {
    /* Declared in the tables. */
    const char *name;
    commandProc *proc;
    int arity;                  /* > 0 exact, < 0 at least -arity */
    uint64_t flags;
    uint64_t aclCategories;
    const keySpec *keySpecs;    /* array of numKeySpecs */
    int numKeySpecs;
    getKeysProc *getkeys;       /* for commands keyspecs cannot describe */
    struct serverCommand *subcommands; /* {NULL}-terminated array */
    /* Documentation. */
    const char *summary;
    const char *since;
    const char *group;          /* "string", "generic", "connection", "server", ... */
    const char *complexity;
    const char *deprecatedSince;
    const char *replacedBy;
    const commandArg *args;     /* {NULL}-terminated */
    const char *const *history; /* pairs "version", "change", NULL-terminated */
    int docFlags;               /* CMD_DOC_DEPRECATED, CMD_DOC_SYSCMD */
    const char *const *tips;    /* COMMAND INFO tips, NULL-terminated or NULL */
    /* Runtime. */
    struct serverCommand *parent;
    char *fullname;             /* "config|get" */
    long long calls, failedCalls, rejectedCalls;
    long long microseconds;
    int firstKey, lastKey, keyStep; /* legacy triple derived from key specs */
    uint64_t id;                /* dense index for ACL bitmaps */
    int bound;                  /* visible: proc bound (a container: itself
                                 * or any of its subcommands) */
};

#define CMD_DOC_DEPRECATED (1 << 0)
#define CMD_DOC_SYSCMD (1 << 1)

/* Build the lookup table from the metadata (idempotent). */
void commandTableInit(void);

/* Bind implementations by name: "get", or "config|get" for a subcommand.
 * Binding a container ("config") binds every subcommand not bound on its
 * own.  Binding an unknown name is a bug (assert). */
void commandBind(const commandBinding *bindings); /* {NULL} terminated */
/* Look up by argv (handles "config get" subcommands); NULL if unknown or
 * not bound.  For a container, argv[1] selects the subcommand; when argc < 2
 * or argv[1] names no bound subcommand the container itself is returned
 * (cmd->subcommands != NULL), and its proc may be NULL.  Only COMMAND runs
 * as a container with no subcommand argument. */
serverCommand *commandLookup(dstr *argv, int argc);
serverCommand *commandLookupByName(const char *name, size_t len);
/* Container-level lookup (only the top-level name). */
serverCommand *commandLookupTop(const char *name, size_t len);
/* Keys of a command invocation, from key specs or getkeys. Returns count.
 * Always initializes *result (free it with getKeysFreeResult).  Never reads
 * past argv[argc-1]; an invocation whose keys cannot be located (too few
 * arguments, a bad numkeys) yields 0 keys. */
int commandGetKeys(serverCommand *cmd, dstr *argv, int argc, getKeysResult *result);
void getKeysFreeResult(getKeysResult *result);
int commandCheckArity(const serverCommand *cmd, int argc);
/* Whether the command may take keys at all (a key spec that is not
 * NOT_KEY, or a getkeys proc). */
int commandHasKeys(const serverCommand *cmd);
/* Whether cmd is visible to clients (see bound). */
int commandIsVisible(const serverCommand *cmd);
/* Iterate over the visible top-level commands (commandCount of them);
 * subcommands are reached through cmd->subcommands. */
typedef void (*commandVisitor)(serverCommand *cmd, void *privdata);
void commandForEach(commandVisitor fn, void *privdata);
size_t commandCount(void);
const char *commandAclCategoryName(uint64_t bit);
const char *commandFlagName(uint64_t bit);
/* "RO", "access", ... for one KS_* bit; NULL if unnamed. */
const char *commandKeySpecFlagName(uint64_t bit);
/* ACL_* bit of a category name without '@' (case-insensitive), 0 if none. */
uint64_t commandAclCategoryByName(const char *name);

/* The COMMAND command (command_cmds.c); commandCmdsInit binds it. */
void commandCommand(client *c);
void commandCmdsInit(void);

#endif
