/* client.h — one connected client (or a fake client used to run commands
 * from the AOF, scripts or tests) and what command code may use of it.
 *
 * Command implementations read c->argc / c->argv, the selected c->db, and
 * c->resp; they reply with reply.h.  argv is BORROWED: the strings live in a
 * per-client arena reused for the next command, so a command that keeps an
 * argument (as a value, a member, a name) copies it (dstrDup).  Replacing an
 * argument for propagation goes through clientRewriteArg, which owns the new
 * string.  Everything else in the struct belongs to net/ and server/. */
#ifndef TESSERA_CLIENT_H
#define TESSERA_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "node/base/dstr.h"
#include "node/net/resp.h"

typedef struct client client;
typedef struct serverDb serverDb;
typedef struct serverCommand serverCommand;
typedef struct clientConn clientConn;
typedef struct replyBlock replyBlock;
struct event;

/* Client flags. */
#define CLIENT_CLOSE_AFTER_REPLY (1ULL << 0)
#define CLIENT_CLOSE_ASAP (1ULL << 1)
#define CLIENT_FAKE (1ULL << 2)       /* no connection: AOF loading, tests */
#define CLIENT_MONITOR (1ULL << 3)
#define CLIENT_PENDING_WRITE (1ULL << 4)
#define CLIENT_REPLY_OFF (1ULL << 5)
#define CLIENT_REPLY_SKIP_NEXT (1ULL << 6)
#define CLIENT_REPLY_SKIP (1ULL << 7)
#define CLIENT_NO_EVICT (1ULL << 8)
#define CLIENT_NO_TOUCH (1ULL << 9)
#define CLIENT_UNIX_SOCKET (1ULL << 10)
#define CLIENT_PROTECTED (1ULL << 11)  /* being freed later; ignore events */
#define CLIENT_MULTI (1ULL << 12)
#define CLIENT_BLOCKED (1ULL << 13)
#define CLIENT_PUBSUB (1ULL << 14)
#define CLIENT_REPLICA (1ULL << 15)
#define CLIENT_PRIMARY (1ULL << 16)
#define CLIENT_AUTHENTICATED (1ULL << 17)
#define CLIENT_IN_COMMAND (1ULL << 18)
#define CLIENT_DIRTY_EXEC (1ULL << 19)
#define CLIENT_ASKING (1ULL << 20)
#define CLIENT_READONLY (1ULL << 21)
#define CLIENT_TRACKING (1ULL << 22)
#define CLIENT_PAUSED (1ULL << 23)
#define CLIENT_EXECUTING_MULTI (1ULL << 24)

/* Output buffer classes for client-output-buffer-limit. */
enum { CLIENT_CLASS_NORMAL = 0, CLIENT_CLASS_REPLICA, CLIENT_CLASS_PUBSUB, CLIENT_CLASS_COUNT };

#define CLIENT_STATIC_REPLY_BYTES (16 * 1024)

struct client {
    uint64_t id;
    uint64_t flags;
    int resp;              /* 2 or 3 */
    serverDb *db;
    int argc;
    dstr *argv;            /* borrowed, see above */
    dstr *ownedArgs;       /* arguments replaced by clientRewriteArg */
    int ownedCount, ownedCap;
    int argvOwned;         /* argv is a private copy, not the parser's array */
    serverCommand *cmd;    /* command being executed */
    serverCommand *lastCmd;
    serverCommand *realCmd; /* the command as invoked (for stats), subcommand included */
    const char *cmdName;   /* full name of the running command ("config|get"), for errors */
    dstr name;             /* CLIENT SETNAME, NULL if none */
    dstr libName, libVer;  /* CLIENT SETINFO */
    dstr user;             /* authenticated user name */
    clientConn *conn;      /* NULL for fake clients */
    int fd;
    char addr[64];         /* "ip:port" of the peer, or "/path:0" */
    char laddr[64];        /* local address */
    long long ctime;       /* creation, ms */
    long long lastInteraction; /* ms, for timeout and idle */
    long long cmdStartUs;  /* when the current command started */

    /* Input. */
    dstr querybuf;
    size_t qbPos;          /* bytes of querybuf already consumed */
    size_t querybufPeak;
    respRequest req;       /* parser state and argv arena */
    int blockedRead;       /* input processing paused (client pause, blocked) */
    struct event *readEvent, *writeEvent;
    int writeRegistered;

    /* Output. */
    char *buf;             /* CLIENT_STATIC_REPLY_BYTES */
    size_t bufpos;
    size_t sentlen;        /* bytes of buf / head block already written */
    size_t bufSize;        /* allocated size of buf (0 until the first reply) */
    replyBlock *replyHead, *replyTail;
    size_t replyBytes;     /* bytes in the block list */
    long long obufSoftLimitReachedTime;
    uint64_t netInputBytes, netOutputBytes;
    uint64_t commandsProcessed;

    /* Per-client state of other modules, opaque to net. */
    void *multiState;
    void *blockState;
    void *pubsubState;
    void *replState;
    long long woff;        /* replication offset of the last write (WAIT) */
    int slot;              /* cluster: slot of the command's keys, -1 none */
    int authRequired;

    client *next, *prev;   /* in the list of all clients */
    client *pendingNext;   /* in the list of clients with pending output */
    int inPendingList;
};

/* How command implementations are exposed: a table of (name, proc) that the
 * server binds to the command metadata at start-up (server/command.h).
 * "get", or "config|get" for a subcommand; {NULL, NULL} ends a table.  Command
 * modules in store/ and types/ export such tables and never call up into
 * the server to register themselves. */
typedef void commandProc(client *c);
typedef struct commandBinding {
    const char *name;
    commandProc *proc;
} commandBinding;

/* Client names and library attributes (CLIENT SETNAME / SETINFO, HELLO
 * SETNAME) may hold printable ASCII without spaces only. */
int clientAttrIsValid(const char *s, size_t len);

/* Lifecycle. */
client *clientCreateFake(void);
void clientFree(client *c);
/* Close after the pending replies are flushed / as soon as possible. */
void clientCloseAfterReply(client *c);
void clientCloseAsap(client *c);

/* Replace argv[i] with an owned string (the client frees it). */
void clientRewriteArg(client *c, int i, dstr value);
/* Replace the whole argv with owned strings (takes ownership of argv and
 * every element). */
void clientReplaceArgv(client *c, int argc, dstr *argv);
/* An owned copy of argv[i] for a command that keeps it as a value: a big
 * argument the parser allocated on its own is handed over without copying
 * (argv[i] still points at it until the command returns, so the caller
 * must not free it before then). */
dstr clientTakeArg(client *c, int i);
/* Copy argv into owned memory (for commands that outlive the arena:
 * MULTI queueing, blocked clients). Caller frees with clientFreeArgvCopy. */
dstr *clientCopyArgv(client *c);
void clientFreeArgvCopy(dstr *argv, int argc);

/* Pending output, in bytes. */
size_t clientOutputBytes(const client *c);
int clientHasPendingReplies(const client *c);

/* Iteration over all connected clients (for CLIENT LIST, INFO). */
client *clientListFirst(void);
client *clientListNextOf(const client *c);
size_t clientCount(void);
client *clientById(uint64_t id);
/* CLIENT LIST line for one client (appended to s). */
dstr clientInfoString(dstr s, client *c);
int clientClassOf(const client *c);

#endif
