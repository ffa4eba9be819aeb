/* childproc.h — the one forked child the server may have at a time
 * (BGSAVE, BGREWRITEAOF, later the replication full sync).
 *
 * Protocol, owner's view:
 *   parent: childStart(kind, body, done, arg)  -> forks, returns the pid
 *   child:  body(arg) runs on the copy-on-write image of the parent; it
 *           calls childReportProgress(keys) as it goes (cheap: throttled),
 *           childReportError("...") if something fails, and returns 0 for
 *           success or non-zero for failure.  The child then leaves with
 *           _exit(status): no atexit handlers, no stdio flush of buffers it
 *           inherited, no libevent calls (the epoll set is shared).
 *   parent: childCheckDone() (run from cron, also callable) reaps the child
 *           with waitpid(WNOHANG), drains the pipe and calls done(res, arg)
 *           once, with the exit status, whether childKill ended it, the
 *           child's last copy-on-write size and its error text.
 *
 * The child measures its copy-on-write bytes itself (Private_Dirty of
 * /proc/self/smaps_rollup) and sends them with its progress over a pipe;
 * INFO's current_cow_size, current_cow_size_age, current_fork_perc,
 * current_save_keys_processed/total and latest_fork_usec come from here
 * (childInfo), and the last COW size per kind (rdb_last_cow_size,
 * aof_last_cow_size) from childLastCowSize.
 *
 * Rules between kinds (the owners apply them, childproc only refuses a
 * second child): BGSAVE while an AOF rewrite runs is refused or scheduled
 * (BGSAVE SCHEDULE); BGREWRITEAOF while a BGSAVE runs is scheduled; a kind
 * that must preempt (CONFIG SET appendonly yes during a rewrite, FLUSHALL
 * during a BGSAVE, SHUTDOWN) calls childKill first.
 *
 * INFO persistence is written by persist.c; the AOF module supplies its own
 * lines through persistSetAofInfo (persist.h). */
#ifndef TESSERA_CHILDPROC_H
#define TESSERA_CHILDPROC_H

#include <stddef.h>
#include <sys/types.h>

#include "node/base/dstr.h"

typedef enum childKind {
    CHILD_NONE = 0,
    CHILD_RDB,  /* BGSAVE */
    CHILD_AOF,  /* BGREWRITEAOF */
    CHILD_REPL, /* full sync to replicas (issue 5) */
    CHILD_KINDS
} childKind;

/* What the parent learns when the child is gone. */
typedef struct childResult {
    childKind kind;
    pid_t pid;
    int exitCode;         /* the child's status when it exited, -1 if a signal ended it */
    int signal;           /* the signal that ended it, 0 if it exited */
    int killedByUs;       /* childKill ended it (preemption, shutdown, FLUSHALL) */
    long long durationMs; /* from the fork to the reaping */
    size_t cowBytes;      /* the last copy-on-write size the child reported */
    long long keysProcessed;
    const char *error;    /* what the child sent with childReportError, or NULL;
                             valid during the callback only */
} childResult;

/* A success is exitCode == 0 && signal == 0. */
static inline int childSucceeded(const childResult *r) { return r->signal == 0 && r->exitCode == 0; }

/* Runs in the child; its return value becomes the exit status (0: ok). */
typedef int (*childBodyFn)(void *arg);
/* Runs in the parent once the child has been reaped (or killed). */
typedef void (*childDoneFn)(const childResult *res, void *arg);

/* Forks a child of `kind` that runs body(arg).  In the parent returns the
 * child's pid; -1 with *err set when a child already runs ("another child
 * process is active") or fork failed.  Never returns in the child.
 * keysTotal is what current_save_keys_total shows (0: the keyspace size). */
pid_t childStart(childKind kind, childBodyFn body, childDoneFn done, void *arg, long long keysTotal,
                 dstr *err);

/* The running child's kind (CHILD_NONE if none) and pid (-1 if none or
 * of another kind). */
childKind childActiveKind(void);
int childActive(void);
pid_t childActivePid(childKind kind);

/* Ends the running child, if any: SIGUSR1, then a blocking wait; the
 * done callback runs with killedByUs set before this returns. */
void childKill(void);

/* Parent side: drains the pipe and reaps a finished child (cron calls it
 * every tick; owners may call it to learn the outcome sooner). */
void childCheckDone(void);

/* --- In the child --- */

/* keys processed so far; sent to the parent at most every 100 ms, with the
 * copy-on-write size measured at most once a second. */
void childReportProgress(long long keysProcessed);
/* A one-line reason for the failure the parent logs and keeps (truncated
 * to 255 bytes). */
void childReportError(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* True in the forked child. */
int childInChild(void);

/* --- INFO --- */

typedef struct childInfo {
    childKind kind;        /* CHILD_NONE if no child runs */
    long long startMs;     /* when the fork happened */
    size_t cowBytes;       /* current_cow_size */
    size_t cowPeak;        /* current_cow_peak */
    long long cowAgeSec;   /* current_cow_size_age */
    long long keysProcessed, keysTotal;
    double forkPerc;       /* current_fork_perc */
    long long latestForkUsec;
    long long totalForks;
} childInfo;

void childGetInfo(childInfo *out);
/* The copy-on-write size of the last finished child of that kind. */
size_t childLastCowSize(childKind kind);

/* Registers the cron tick that reaps children (idempotent; persistInit
 * calls it). */
void childInit(void);

#endif
