/* slowlog.c — the slow log.
 *
 * Entries live in a ring ordered oldest to newest that grows by doubling
 * while slowlog-max-len allows more entries, so a push is O(1) amortized
 * and SLOWLOG GET reads the newest first by walking backwards.  The length
 * limit is applied on every push (like Valkey, lowering slowlog-max-len
 * takes effect at the next logged command, not at CONFIG SET).
 *
 * Each entry owns a trimmed copy of the arguments: at most
 * SLOWLOG_ENTRY_MAX_ARGC (the last slot then says how many were left out)
 * and each at most SLOWLOG_ENTRY_MAX_STRING bytes (with the number of bytes
 * left out appended), so one huge MSET cannot make the log huge.
 *
 * Secrets never enter the log: arguments that are passwords (AUTH, HELLO
 * AUTH, MIGRATE AUTH/AUTH2, CONFIG SET of a sensitive parameter, ACL
 * SETUSER rules) are stored as "(redacted)".  The decision is made here
 * from the command name rather than by the commands themselves because the
 * slow log is the only consumer today; MONITOR will need the same list.
 *
 * Invariants: count <= cap; entries [start, start+count) mod cap are live;
 * ids increase with time and survive SLOWLOG RESET (as Valkey's do). */
#include "node/server/slowlog.h"

#include <string.h>
#include <strings.h>
#include <time.h>

#include "node/base/mem.h"
#include "node/net/client_info.h"
#include "node/server/command.h"
#include "node/server/config.h"
#include "node/server/server.h"

static slowlogEntry *ring;
static long cap, start, count;
static long long nextId;

static const char redactedText[] = "(redacted)";

/* --- Redaction --- */

static int argIs(const dstr arg, const char *word) { return strcasecmp(arg, word) == 0; }

/* Marks the arguments of argv that must not be stored (redact[i] = 1). */
static void findSensitiveArgs(const char *name, int argc, dstr *argv, char *redact) {
    if (!strcmp(name, "auth")) {
        for (int i = 1; i < argc; i++) redact[i] = 1;
    } else if (!strcmp(name, "hello")) {
        for (int i = 2; i + 2 < argc; i++) {
            if (argIs(argv[i], "auth")) {
                redact[i + 1] = redact[i + 2] = 1;
                i += 2;
            }
        }
    } else if (!strcmp(name, "config|set")) {
        for (int i = 2; i + 1 < argc; i += 2)
            if (configIsSensitive(argv[i])) redact[i + 1] = 1;
    } else if (!strcmp(name, "migrate")) {
        for (int i = 6; i < argc; i++) {
            if (argIs(argv[i], "auth") && i + 1 < argc) {
                redact[++i] = 1;
            } else if (argIs(argv[i], "auth2") && i + 2 < argc) {
                redact[i + 1] = redact[i + 2] = 1;
                i += 2;
            }
        }
    } else if (!strcmp(name, "acl|setuser")) {
        for (int i = 2; i < argc; i++) redact[i] = 1;
    }
}

/* --- Entries --- */

static dstr trimmedArg(const dstr arg) {
    size_t len = dstrLen(arg);
    if (len <= SLOWLOG_ENTRY_MAX_STRING) return dstrNewLen(arg, len);
    dstr s = dstrNewLen(arg, SLOWLOG_ENTRY_MAX_STRING);
    return dstrCatPrintf(s, "... (%zu more bytes)", len - SLOWLOG_ENTRY_MAX_STRING);
}

static void buildArgs(slowlogEntry *e, int argc, dstr *argv, const char *cmdName) {
    char redact[SLOWLOG_ENTRY_MAX_ARGC];
    int kept = argc > SLOWLOG_ENTRY_MAX_ARGC ? SLOWLOG_ENTRY_MAX_ARGC : argc;
    memset(redact, 0, sizeof(redact));
    if (cmdName) findSensitiveArgs(cmdName, kept, argv, redact);
    e->argc = kept;
    e->argv = memAlloc(sizeof(dstr) * (size_t)(kept ? kept : 1));
    for (int i = 0; i < kept; i++) {
        if (kept != argc && i == kept - 1)
            e->argv[i] = dstrCatPrintf(dstrEmpty(), "... (%d more arguments)", argc - kept + 1);
        else if (redact[i])
            e->argv[i] = dstrNew(redactedText);
        else
            e->argv[i] = trimmedArg(argv[i]);
    }
}

static void freeEntry(slowlogEntry *e) {
    for (int i = 0; i < e->argc; i++) dstrFree(e->argv[i]);
    memFree(e->argv);
    dstrFree(e->peerId);
    dstrFree(e->clientName);
}

static void growRing(void) {
    long newCap = cap ? cap * 2 : 16;
    slowlogEntry *n = memAlloc(sizeof(*n) * (size_t)newCap);
    for (long i = 0; i < count; i++) n[i] = ring[(start + i) % cap];
    memFree(ring);
    ring = n;
    cap = newCap;
    start = 0;
}

static void trimToMaxLen(void) {
    long long maxLen = serverGetSettings()->slowlogMaxLen;
    while (count > 0 && count > maxLen) {
        freeEntry(&ring[start]);
        start = (start + 1) % cap;
        count--;
    }
}

void slowlogPush(int argc, dstr *argv, serverCommand *cmd, long long durationUs, const char *peerId,
                 const char *clientName) {
    if (count == cap) growRing();
    slowlogEntry *e = &ring[(start + count) % cap];
    e->id = nextId++;
    e->time = (long long)time(NULL);
    e->durationUs = durationUs;
    buildArgs(e, argc, argv, cmd ? cmd->fullname : NULL);
    e->peerId = dstrNew(peerId ? peerId : "");
    e->clientName = dstrNew(clientName ? clientName : "");
    count++;
    trimToMaxLen();
}

void slowlogMaybeLog(client *c, serverCommand *cmd, long long durationUs) {
    long long threshold = serverGetSettings()->slowlogLogSlowerThan;
    if (threshold < 0 || durationUs < threshold) return;
    if (cmd->flags & CMD_SKIP_SLOWLOG) return;
    if (c->flags & CLIENT_BLOCKED) return; /* logged when it completes */
    char peer[128];
    slowlogPush(c->argc, c->argv, cmd, durationUs, clientInfoPeerId(c, peer, sizeof(peer)), c->name);
}

long slowlogLen(void) { return count; }

const slowlogEntry *slowlogGet(long i) {
    if (i < 0 || i >= count) return NULL;
    return &ring[(start + count - 1 - i) % cap];
}

void slowlogReset(void) {
    for (long i = 0; i < count; i++) freeEntry(&ring[(start + i) % cap]);
    memFree(ring);
    ring = NULL;
    cap = start = count = 0;
}
