/* command.c — the command table at run time: lookup by name, binding of
 * implementations, arity checks, and extraction of the keys of an invocation.
 *
 * The metadata (names, arity, flags, key specs, docs) is one static array
 * generated at build time (commandMetadata[], see tools/gen_command_table.py);
 * this file never changes it except for the runtime fields: the full name,
 * the parent, the dense id, the legacy first/last/step triple and the
 * movablekeys flag derived from the key specs, the getkeys procs, and the
 * bound procs.
 *
 * Lookup.  Top-level names live in an open-addressing table (linear probing,
 * power-of-two size, at most half full) keyed by an ASCII case-folded
 * FNV-1a hash.  The hash is not keyed: the table holds only the fixed set of
 * command names, never anything a client supplies, so a lookup probes at
 * most the longest cluster of those names, whatever the input.  Subcommands
 * (at most a few dozen per container) are found by a linear scan; only
 * containers pay for it.
 *
 * Visibility.  A command whose proc is not bound does not exist for clients:
 * lookups skip it and COMMAND does not list it.  A container is visible when
 * it or any of its subcommands is bound.
 *
 * Keys.  commandGetKeys follows the key specs (begin_search: index or
 * keyword; find_keys: range or keynum) and falls back to a per-command
 * getkeys proc when the specs cannot be trusted for an invocation: flags
 * that depend on other arguments (VARIABLE_FLAGS: SET, BITFIELD), a spec
 * that may miss keys (INCOMPLETE: MIGRATE with KEYS), unknown positions
 * (SORT), or arguments that do not fit a spec (XREAD options, GEORADIUS
 * STORE, a numkeys that is not a canonical integer).  The procs reproduce
 * Valkey's answers on such input exactly, because cluster routing and
 * COMMAND GETKEYS must agree with it; tools/dump_command_facts.py's
 * reference server was used to compare hundreds of thousands of random
 * invocations.  Every position is checked against argc before argv is
 * read: arguments come from clients, and COMMAND GETKEYS passes any. */
#include <assert.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "node/base/mem.h"
#include "node/base/util.h"
#include "node/server/command.h"

extern serverCommand commandMetadata[]; /* generated: command_table.c */

/* --- Names of flags and categories --- */

typedef struct bitName {
    uint64_t bit;
    const char *name;
} bitName;

static const bitName flagNames[] = {
    {CMD_WRITE, "write"}, {CMD_READONLY, "readonly"}, {CMD_DENYOOM, "denyoom"},
    {CMD_MODULE, "module"}, {CMD_ADMIN, "admin"}, {CMD_PUBSUB, "pubsub"},
    {CMD_NOSCRIPT, "noscript"}, {CMD_BLOCKING, "blocking"}, {CMD_LOADING, "loading"},
    {CMD_STALE, "stale"}, {CMD_SKIP_MONITOR, "skip_monitor"}, {CMD_SKIP_SLOWLOG, "skip_slowlog"},
    {CMD_ASKING, "asking"}, {CMD_FAST, "fast"}, {CMD_NO_AUTH, "no_auth"},
    {CMD_MAY_REPLICATE, "may_replicate"}, {CMD_SENTINEL, "sentinel"},
    {CMD_ONLY_SENTINEL, "only_sentinel"}, {CMD_NO_MANDATORY_KEYS, "no_mandatory_keys"},
    {CMD_PROTECTED, "protected"}, {CMD_MODULE_GETKEYS, "module_getkeys"},
    {CMD_MODULE_NO_CLUSTER, "module_no_cluster"}, {CMD_NO_ASYNC_LOADING, "no_async_loading"},
    {CMD_NO_MULTI, "no_multi"}, {CMD_MOVABLE_KEYS, "movablekeys"}, {CMD_ALLOW_BUSY, "allow_busy"},
    {CMD_TOUCHES_ARBITRARY_KEYS, "touches_arbitrary_keys"}, {0, NULL},
};

static const bitName aclCategoryNames[] = {
    {ACL_KEYSPACE, "keyspace"}, {ACL_READ, "read"}, {ACL_WRITE, "write"}, {ACL_SET, "set"},
    {ACL_SORTEDSET, "sortedset"}, {ACL_LIST, "list"}, {ACL_HASH, "hash"}, {ACL_STRING, "string"},
    {ACL_BITMAP, "bitmap"}, {ACL_HYPERLOGLOG, "hyperloglog"}, {ACL_GEO, "geo"},
    {ACL_STREAM, "stream"}, {ACL_PUBSUB, "pubsub"}, {ACL_ADMIN, "admin"}, {ACL_FAST, "fast"},
    {ACL_SLOW, "slow"}, {ACL_BLOCKING, "blocking"}, {ACL_DANGEROUS, "dangerous"},
    {ACL_CONNECTION, "connection"}, {ACL_TRANSACTION, "transaction"},
    {ACL_SCRIPTING, "scripting"}, {0, NULL},
};

static const bitName keySpecFlagNames[] = {
    {KS_RO, "RO"}, {KS_RW, "RW"}, {KS_OW, "OW"}, {KS_RM, "RM"}, {KS_ACCESS, "access"},
    {KS_UPDATE, "update"}, {KS_INSERT, "insert"}, {KS_DELETE, "delete"},
    {KS_NOT_KEY, "not_key"}, {KS_INCOMPLETE, "incomplete"},
    {KS_VARIABLE_FLAGS, "variable_flags"}, {0, NULL},
};

static const char *nameOfBit(const bitName *table, uint64_t bit) {
    for (; table->name; table++)
        if (table->bit == bit) return table->name;
    return NULL;
}

const char *commandFlagName(uint64_t bit) { return nameOfBit(flagNames, bit); }
const char *commandAclCategoryName(uint64_t bit) { return nameOfBit(aclCategoryNames, bit); }
const char *commandKeySpecFlagName(uint64_t bit) { return nameOfBit(keySpecFlagNames, bit); }

uint64_t commandAclCategoryByName(const char *name) {
    for (const bitName *b = aclCategoryNames; b->name; b++)
        if (!strcasecmp(b->name, name)) return b->bit;
    return 0;
}

/* --- getkeys procs for what key specs cannot say --- */

static keyReference *reserveKeys(getKeysResult *result, int count);

/* An argument equal to word, ignoring case; an argument with a NUL inside
 * is never a keyword. */
static int isWord(const dstr arg, const char *word) {
    size_t len = strlen(word);
    return dstrLen(arg) == len && !strncasecmp(arg, word, len);
}

static int addKey(getKeysResult *result, int pos, uint64_t flags) {
    keyReference *keys = reserveKeys(result, result->numkeys + 1);
    keys[result->numkeys].pos = pos;
    keys[result->numkeys].flags = flags;
    return ++result->numkeys;
}

/* SET: the key is read too only when GET is among the options. */
static int setGetKeys(serverCommand *cmd, dstr *argv, int argc, getKeysResult *result) {
    (void)cmd;
    if (argc < 2) return 0;
    for (int i = 3; i < argc; i++)
        if (isWord(argv[i], "get"))
            return addKey(result, 1, KS_RW | KS_ACCESS | KS_UPDATE);
    return addKey(result, 1, KS_OW | KS_UPDATE);
}

/* BITFIELD: read-only when every operation is a complete GET (OVERFLOW
 * allowed); anything else, including a malformed tail, counts as a write. */
static int bitfieldGetKeys(serverCommand *cmd, dstr *argv, int argc, getKeysResult *result) {
    (void)cmd;
    if (argc < 2) return 0;
    int readonly = 1;
    for (int i = 2; i < argc && readonly; i++) {
        int remaining = argc - i - 1;
        if (isWord(argv[i], "get") && remaining >= 2)
            i += 2;
        else if (isWord(argv[i], "overflow") && remaining >= 1)
            i += 1;
        else
            readonly = 0;
    }
    return addKey(result, 1, readonly ? KS_RO | KS_ACCESS : KS_RW | KS_ACCESS | KS_UPDATE);
}

/* SORT: the sorted key, plus the destination of the last STORE.  LIMIT
 * takes two arguments, BY and GET one, so a STORE among those is a value.
 * The argument after STORE is examined again as an option, as the command
 * itself parses it. */
static int sortKeys(dstr *argv, int argc, getKeysResult *result, int mayStore) {
    if (argc < 2) return 0;
    addKey(result, 1, KS_RO | KS_ACCESS);
    int store = 0;
    for (int i = 2; i < argc && mayStore; i++) {
        if (isWord(argv[i], "limit"))
            i += 2;
        else if (isWord(argv[i], "store") && i + 1 < argc)
            store = i + 1;
        else if (isWord(argv[i], "get") || isWord(argv[i], "by"))
            i += 1;
    }
    if (store) addKey(result, store, KS_OW | KS_UPDATE);
    return result->numkeys;
}

static int sortGetKeys(serverCommand *cmd, dstr *argv, int argc, getKeysResult *result) {
    (void)cmd;
    return sortKeys(argv, argc, result, 1);
}

static int sortRoGetKeys(serverCommand *cmd, dstr *argv, int argc, getKeysResult *result) {
    (void)cmd;
    return sortKeys(argv, argc, result, 0);
}

/* MIGRATE host port key|"" db timeout [COPY] [REPLACE] [AUTH pw]
 * [AUTH2 user pw] [KEYS key...]: the single key, or with KEYS (and an empty
 * key argument) every argument after KEYS.  KEYS with a non-empty key is an
 * error of the command: no keys. */
static int migrateGetKeys(serverCommand *cmd, dstr *argv, int argc, getKeysResult *result) {
    (void)cmd;
    if (argc < 6) return 0;
    int first = 3, count = 1;
    for (int i = 6; i < argc; i++) {
        if (isWord(argv[i], "keys")) {
            if (dstrLen(argv[3]) > 0) return 0;
            first = i + 1;
            count = argc - first;
            break;
        }
        if (isWord(argv[i], "auth"))
            i += 1;
        else if (isWord(argv[i], "auth2"))
            i += 2;
    }
    for (int i = 0; i < count; i++) addKey(result, first + i, KS_RW | KS_ACCESS | KS_DELETE);
    return result->numkeys;
}

/* GEORADIUS / GEORADIUSBYMEMBER: the source key, plus the destination of
 * the last STORE or STOREDIST that has an argument after it (searched from
 * the fifth argument on, as the command parses its options). */
static int georadiusGetKeys(serverCommand *cmd, dstr *argv, int argc, getKeysResult *result) {
    (void)cmd;
    if (argc < 2) return 0;
    int store = 0;
    for (int i = 5; i < argc; i++) {
        if ((isWord(argv[i], "store") || isWord(argv[i], "storedist")) && i + 1 < argc) {
            store = i + 1;
            i++;
        }
    }
    addKey(result, 1, KS_RO | KS_ACCESS);
    if (store) addKey(result, store, KS_OW | KS_UPDATE);
    return result->numkeys;
}

/* XREAD / XREADGROUP when the STREAMS spec does not fit: the options are
 * parsed up to the first STREAMS that is an option (not a group, consumer or
 * stream name), and the rest must be keys followed by as many IDs. */
static int xreadGetKeys(serverCommand *cmd, dstr *argv, int argc, getKeysResult *result) {
    (void)cmd;
    int streams = 0;
    for (int i = 1; i < argc && !streams; i++) {
        if (isWord(argv[i], "block") || isWord(argv[i], "count"))
            i += 1;
        else if (isWord(argv[i], "group"))
            i += 2;
        else if (isWord(argv[i], "streams"))
            streams = i;
        else if (!isWord(argv[i], "noack"))
            break;
    }
    int rest = argc - streams - 1;
    if (!streams || rest == 0 || rest % 2) return 0;
    for (int i = 0; i < rest / 2; i++) addKey(result, streams + 1 + i, 0);
    return result->numkeys;
}

/* Commands with a numkeys argument (ZUNIONSTORE, EVAL, LMPOP, ...) when
 * their key spec cannot be followed, for instance numkeys "01": the count is
 * read the lenient way (leading digits, like atoi), and the keys are only
 * returned when that many fit in the arguments; a destination (an index spec
 * before the keynum one) comes last.  Flags are not known on this path. */
static int keynumGetKeys(serverCommand *cmd, dstr *argv, int argc, getKeysResult *result) {
    int store = 0;
    const keySpec *spec = NULL;
    for (int j = 0; j < cmd->numKeySpecs && !spec; j++) {
        if (cmd->keySpecs[j].fkType == KSPEC_FK_KEYNUM)
            spec = &cmd->keySpecs[j];
        else if (cmd->keySpecs[j].bsType == KSPEC_BS_INDEX)
            store = cmd->keySpecs[j].bs.index.pos;
    }
    if (!spec || spec->bsType != KSPEC_BS_INDEX) return 0;
    int countAt = spec->bs.index.pos + spec->fk.keynum.keynumidx;
    int firstAt = countAt + spec->fk.keynum.firstkey, step = spec->fk.keynum.keystep;
    if (countAt >= argc || store >= argc) return 0;
    long long num = strtoll(argv[countAt], NULL, 10);
    if (num < 1 || num > (argc - firstAt) / step) return 0;
    for (long long i = 0; i < num; i++) addKey(result, firstAt + (int)i * step, 0);
    if (store) addKey(result, store, 0);
    return result->numkeys;
}

static const struct {
    const char *name;
    getKeysProc *proc;
} getkeysProcs[] = {
    {"set", setGetKeys},         {"bitfield", bitfieldGetKeys}, {"sort", sortGetKeys},
    {"sort_ro", sortRoGetKeys},  {"migrate", migrateGetKeys},   {"georadius", georadiusGetKeys},
    {"georadiusbymember", georadiusGetKeys}, {"xread", xreadGetKeys}, {"xreadgroup", xreadGetKeys},
    {NULL, NULL},
};

/* --- Key specs --- */

static keyReference *reserveKeys(getKeysResult *result, int count) {
    if (count <= result->size) return result->keys;
    int size = result->size * 2 > count ? result->size * 2 : count;
    keyReference *keys = memAlloc(sizeof(*keys) * (size_t)size);
    memcpy(keys, result->keys, sizeof(*keys) * (size_t)result->numkeys);
    if (result->keys != result->keysbuf) memFree(result->keys);
    result->keys = keys;
    result->size = size;
    return keys;
}

static void initResult(getKeysResult *result) {
    result->keys = result->keysbuf;
    result->numkeys = 0;
    result->size = (int)(sizeof(result->keysbuf) / sizeof(result->keysbuf[0]));
}

void getKeysFreeResult(getKeysResult *result) {
    if (result->keys && result->keys != result->keysbuf) memFree(result->keys);
    result->keys = result->keysbuf;
    result->numkeys = 0;
}

/* Where the keys of a KEYWORD spec begin: after the keyword, searched from
 * startfrom towards the end (startfrom > 0) or from argc+startfrom towards
 * the start (< 0).  The search stops one short of the far end (the last
 * argument, or argv[1]), as in Valkey: a keyword there could not be followed
 * by a key anyway.  0 when the keyword is absent. */
static int keywordStart(const keySpec *spec, dstr *argv, int argc) {
    int from = spec->bs.keyword.startfrom;
    if (from > 0) {
        for (int i = from; i < argc - 1; i++)
            if (isWord(argv[i], spec->bs.keyword.keyword)) return i + 1;
    } else {
        for (int i = argc + from; i >= 2; i--)
            if (isWord(argv[i], spec->bs.keyword.keyword)) return i + 1;
    }
    return 0;
}

/* Appends the keys of one spec. Returns 0, 1 when the spec does not apply
 * (its keyword is absent), or -1 when the keys cannot be taken from the spec:
 * unknown positions, a spec that admits it may miss keys (INCOMPLETE), or
 * arguments that do not fit it. */
static int keysOfSpec(const keySpec *spec, dstr *argv, int argc, getKeysResult *result) {
    long long first, last, step;
    if (spec->bsType == KSPEC_BS_INDEX) {
        first = spec->bs.index.pos;
    } else if (spec->bsType == KSPEC_BS_KEYWORD) {
        first = keywordStart(spec, argv, argc);
        if (!first) return 1;
    } else {
        return -1;
    }
    if (spec->flags & KS_INCOMPLETE) return -1;
    if (spec->fkType == KSPEC_FK_RANGE) {
        int lastkey = spec->fk.range.lastkey, limit = spec->fk.range.limit;
        if (lastkey >= 0)
            last = first + lastkey;
        else if (limit == 0)
            last = argc + lastkey;
        else
            last = first + (argc - first) / limit + lastkey;
        step = spec->fk.range.keystep;
    } else if (spec->fkType == KSPEC_FK_KEYNUM) {
        long long numkeys, at = first + spec->fk.keynum.keynumidx;
        if (at >= argc || !string2ll(argv[at], dstrLen(argv[at]), &numkeys) || numkeys < 0) return -1;
        first += spec->fk.keynum.firstkey;
        last = first + numkeys - 1;
        step = spec->fk.keynum.keystep;
    } else {
        return -1;
    }
    if (first >= argc || last >= argc || last < first || step < 1) return -1;
    for (long long i = first; i <= last; i += step) addKey(result, (int)i, spec->flags);
    return 0;
}

/* All keys by the specs, or -1 when any spec cannot be followed (unknown
 * positions, possibly missing keys, arguments that do not fit). */
static int keysFromSpecs(const serverCommand *cmd, dstr *argv, int argc, getKeysResult *result) {
    for (int j = 0; j < cmd->numKeySpecs; j++) {
        const keySpec *spec = &cmd->keySpecs[j];
        if (spec->flags & KS_NOT_KEY) continue;
        if (keysOfSpec(spec, argv, argc, result) < 0) {
            result->numkeys = 0;
            return -1;
        }
    }
    return result->numkeys;
}

static uint64_t allKeySpecFlags(const serverCommand *cmd, int inverted) {
    uint64_t all = 0;
    for (int j = 0; j < cmd->numKeySpecs; j++)
        all |= inverted ? ~cmd->keySpecs[j].flags : cmd->keySpecs[j].flags;
    return all;
}

int commandHasKeys(const serverCommand *cmd) {
    return cmd->getkeys != NULL || (allKeySpecFlags(cmd, 1) & KS_NOT_KEY);
}

int commandGetKeys(serverCommand *cmd, dstr *argv, int argc, getKeysResult *result) {
    initResult(result);
    if (argc < 1) return 0;
    int hasRealSpec = (allKeySpecFlags(cmd, 1) & KS_NOT_KEY) != 0;
    int variableFlags = (allKeySpecFlags(cmd, 0) & KS_VARIABLE_FLAGS) != 0;
    if (hasRealSpec && !variableFlags) {
        int n = keysFromSpecs(cmd, argv, argc, result);
        if (n >= 0) return n;
    }
    if (cmd->getkeys) return cmd->getkeys(cmd, argv, argc, result);
    return 0;
}

int commandCheckArity(const serverCommand *cmd, int argc) {
    return cmd->arity > 0 ? argc == cmd->arity : argc >= -cmd->arity;
}

/* --- Derived fields --- */

/* Whether lastkey a reaches further than b: a negative lastkey counts from
 * the end, so it is beyond any positive one, and -1 is beyond -2. */
static int reachesFurther(int a, int b) { return (unsigned)a > (unsigned)b; }

static int isPlainRange(const keySpec *spec) {
    return spec->bsType == KSPEC_BS_INDEX && spec->fkType == KSPEC_FK_RANGE;
}

/* The legacy first/last/step triple of COMMAND INFO, and movablekeys: one
 * plain range spec is copied as it is; several are merged when they are
 * step-1 ranges that follow each other.  Any spec the triple cannot express
 * (keyword, keynum, unknown, a gap, an incomplete spec) makes the command's
 * keys movable: clients must ask COMMAND GETKEYS. */
static void deriveLegacyRange(serverCommand *cmd) {
    int movable = 0, first = INT_MAX, last = 0;
    cmd->firstKey = cmd->lastKey = cmd->keyStep = 0;
    if (cmd->numKeySpecs == 1 && isPlainRange(&cmd->keySpecs[0])) {
        const keySpec *spec = &cmd->keySpecs[0];
        cmd->firstKey = spec->bs.index.pos;
        cmd->lastKey = spec->fk.range.lastkey >= 0 ? spec->bs.index.pos + spec->fk.range.lastkey
                                                   : spec->fk.range.lastkey;
        cmd->keyStep = spec->fk.range.keystep;
        movable = (spec->flags & KS_INCOMPLETE) != 0;
    } else if (cmd->numKeySpecs > 0) {
        for (int j = 0; j < cmd->numKeySpecs; j++) {
            const keySpec *spec = &cmd->keySpecs[j];
            int pos = spec->bs.index.pos;
            if (!isPlainRange(spec) || spec->fk.range.keystep != 1 || (last && last != pos - 1)) {
                movable = 1;
                continue;
            }
            if (spec->flags & KS_INCOMPLETE) movable = 1;
            if (pos < first) first = pos;
            int lastAbs = spec->fk.range.lastkey >= 0 ? pos + spec->fk.range.lastkey : spec->fk.range.lastkey;
            if (reachesFurther(lastAbs, last)) last = lastAbs;
        }
        if (first == INT_MAX) {
            movable = 1;
        } else {
            cmd->firstKey = first;
            cmd->lastKey = last;
            cmd->keyStep = 1;
        }
    }
    if (movable) cmd->flags |= CMD_MOVABLE_KEYS;
}

static void attachGetkeys(serverCommand *cmd) {
    for (int i = 0; getkeysProcs[i].name; i++)
        if (!cmd->parent && !strcmp(cmd->name, getkeysProcs[i].name)) cmd->getkeys = getkeysProcs[i].proc;
    for (int j = 0; j < cmd->numKeySpecs && !cmd->getkeys; j++)
        if (cmd->keySpecs[j].fkType == KSPEC_FK_KEYNUM) cmd->getkeys = keynumGetKeys;
}

/* --- The lookup table --- */

static struct {
    serverCommand **slots; /* NULL = empty */
    size_t mask;
    size_t count;          /* top-level commands in the metadata */
    uint64_t nextId;
    int ready;
} table;

static uint64_t hashName(const char *name, size_t len) {
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)name[i];
        if (ch >= 'A' && ch <= 'Z') ch = (unsigned char)(ch - 'A' + 'a');
        h = (h ^ ch) * 1099511628211ULL;
    }
    return h;
}

static int sameName(const char *declared, const char *name, size_t len) {
    return strlen(declared) == len && !strncasecmp(declared, name, len);
}

static void tableInsert(serverCommand *cmd) {
    size_t i = hashName(cmd->name, strlen(cmd->name)) & table.mask;
    while (table.slots[i]) {
        assert(strcmp(table.slots[i]->name, cmd->name) != 0); /* duplicate name */
        i = (i + 1) & table.mask;
    }
    table.slots[i] = cmd;
}

static serverCommand *tableFind(const char *name, size_t len) {
    if (!table.ready) commandTableInit();
    size_t i = hashName(name, len) & table.mask;
    for (serverCommand *cmd; (cmd = table.slots[i]) != NULL; i = (i + 1) & table.mask)
        if (sameName(cmd->name, name, len)) return cmd;
    return NULL;
}

static serverCommand *findSubcommand(serverCommand *container, const char *name, size_t len) {
    for (serverCommand *sub = container->subcommands; sub && sub->name; sub++)
        if (sameName(sub->name, name, len)) return sub;
    return NULL;
}

static void prepareCommand(serverCommand *cmd, serverCommand *parent) {
    cmd->parent = parent;
    cmd->id = table.nextId++;
    if (parent) {
        size_t plen = strlen(parent->name), len = strlen(cmd->name);
        cmd->fullname = memAlloc(plen + len + 2);
        memcpy(cmd->fullname, parent->name, plen);
        cmd->fullname[plen] = '|';
        memcpy(cmd->fullname + plen + 1, cmd->name, len + 1);
    } else {
        cmd->fullname = memStrdup(cmd->name);
    }
    deriveLegacyRange(cmd);
    attachGetkeys(cmd);
}

void commandTableInit(void) {
    if (table.ready) return;
    size_t n = 0;
    while (commandMetadata[n].name) n++;
    size_t size = 16;
    while (size < n * 2) size *= 2;
    table.slots = memCalloc(size * sizeof(*table.slots));
    table.mask = size - 1;
    table.count = n;
    for (size_t i = 0; i < n; i++) {
        serverCommand *cmd = &commandMetadata[i];
        prepareCommand(cmd, NULL);
        for (serverCommand *sub = cmd->subcommands; sub && sub->name; sub++) prepareCommand(sub, cmd);
        tableInsert(cmd);
    }
    table.ready = 1;
}

/* --- Binding and lookup --- */

static void refreshContainerBound(serverCommand *container) {
    int bound = container->proc != NULL;
    for (serverCommand *sub = container->subcommands; sub && sub->name; sub++) bound |= sub->bound;
    container->bound = bound;
}

/* The command named "name" or "container|sub", bound or not. */
static serverCommand *findDeclared(const char *name, size_t len) {
    const char *bar = memchr(name, '|', len);
    serverCommand *top = tableFind(name, bar ? (size_t)(bar - name) : len);
    if (!top || !bar) return top;
    return findSubcommand(top, bar + 1, len - (size_t)(bar - name) - 1);
}

static void bindOne(const commandBinding *binding) {
    serverCommand *cmd = findDeclared(binding->name, strlen(binding->name));
    assert(cmd != NULL); /* binding a command that has no metadata */
    commandProc *previous = cmd->proc;
    cmd->proc = binding->proc;
    cmd->bound = binding->proc != NULL;
    for (serverCommand *sub = cmd->subcommands; sub && sub->name; sub++) {
        if (sub->proc == NULL || sub->proc == previous) {
            sub->proc = binding->proc;
            sub->bound = binding->proc != NULL;
        }
    }
    if (cmd->subcommands) refreshContainerBound(cmd);
    if (cmd->parent) refreshContainerBound(cmd->parent);
}

void commandBind(const commandBinding *bindings) {
    commandTableInit();
    for (; bindings->name; bindings++) bindOne(bindings);
}

int commandIsVisible(const serverCommand *cmd) { return cmd->bound; }

serverCommand *commandLookupTop(const char *name, size_t len) {
    serverCommand *cmd = tableFind(name, len);
    return cmd && cmd->bound ? cmd : NULL;
}

serverCommand *commandLookupByName(const char *name, size_t len) {
    serverCommand *cmd = findDeclared(name, len);
    return cmd && cmd->bound ? cmd : NULL;
}

serverCommand *commandLookup(dstr *argv, int argc) {
    if (argc < 1) return NULL;
    serverCommand *cmd = commandLookupTop(argv[0], dstrLen(argv[0]));
    if (!cmd || !cmd->subcommands || argc < 2) return cmd;
    serverCommand *sub = findSubcommand(cmd, argv[1], dstrLen(argv[1]));
    return sub && sub->bound ? sub : cmd;
}

void commandForEach(commandVisitor fn, void *privdata) {
    commandTableInit();
    for (size_t i = 0; i < table.count; i++)
        if (commandMetadata[i].bound) fn(&commandMetadata[i], privdata);
}

size_t commandCount(void) {
    commandTableInit();
    size_t n = 0;
    for (size_t i = 0; i < table.count; i++) n += commandMetadata[i].bound != 0;
    return n;
}
