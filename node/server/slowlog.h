/* slowlog.h — the slow log: the most recent commands whose execution took
 * at least slowlog-log-slower-than microseconds, newest first, at most
 * slowlog-max-len of them (SLOWLOG GET / LEN / RESET).
 *
 * Entries keep a trimmed copy of the arguments (at most 32, each at most
 * 128 bytes, with Valkey's "... (N more bytes)" / "... (N more arguments)"
 * markers), and sensitive arguments (passwords of AUTH, HELLO AUTH, CONFIG
 * SET of a sensitive parameter, MIGRATE AUTH/AUTH2) replaced by
 * "(redacted)", so the log never holds a secret. */
#ifndef TESSERA_SLOWLOG_H
#define TESSERA_SLOWLOG_H

#include "node/base/dstr.h"
#include "node/net/client.h"

#define SLOWLOG_ENTRY_MAX_ARGC 32
#define SLOWLOG_ENTRY_MAX_STRING 128

typedef struct slowlogEntry {
    long long id;          /* unique, increasing */
    long long time;        /* unix seconds when logged */
    long long durationUs;
    int argc;
    dstr *argv;            /* owned, trimmed and redacted */
    dstr peerId;           /* "ip:port" of the client */
    dstr clientName;       /* "" when the client has no name */
} slowlogEntry;

/* Logs the command c just ran if it took at least the threshold and its
 * command is not flagged skip_slowlog.  Called after every command. */
void slowlogMaybeLog(client *c, serverCommand *cmd, long long durationUs);
/* Appends one entry built from argv (exposed for tests and callers that log
 * on another path, e.g. a blocked command that completed). */
void slowlogPush(int argc, dstr *argv, serverCommand *cmd, long long durationUs, const char *peerId,
                 const char *clientName);

/* Number of entries, and the i-th newest (0 = newest), NULL past the end. */
long slowlogLen(void);
const slowlogEntry *slowlogGet(long i);
void slowlogReset(void);

#endif
