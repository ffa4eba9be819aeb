/* aof_fsync.c — one background thread for the AOF's slow system calls
 * (see aof_fsync.h).
 *
 * A fixed ring of jobs under one mutex: the main thread only appends and
 * reads counters, so it never waits for the disk unless it asks to
 * (aofFsyncWaitIdle, used when everysec's fsync lags beyond its bound and
 * at shutdown).  fsync jobs for the same fd coalesce while queued, so a
 * slow disk cannot make the queue grow; when the ring is full (only closes
 * can fill it), the caller does the job itself.
 *
 * fdatasync is enough: the file's size is metadata fdatasync flushes, and
 * its times are not needed to replay it. */
#include "aof/aof_fsync.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "node/base/log.h"

#define JOB_RING 64

enum { JOB_FSYNC = 1, JOB_CLOSE };

typedef struct job {
    int kind;
    int fd;
    long long offset;
} job;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wakeWorker = PTHREAD_COND_INITIALIZER;
static pthread_cond_t jobDone = PTHREAD_COND_INITIALIZER;
static job ring[JOB_RING];
static int head, count;     /* ring[head] is the next job */
static int running;         /* a job is being done (not in the ring) */
static int runningKind;
static long pendingFsyncs;  /* fsync jobs queued or running */
static int lastErrno;
static long long durableOffset;
static int started;
static pthread_t thread;
static long long testDelayMs;

void aofFsyncSetTestDelay(long long ms) { testDelayMs = ms; }

static void doJob(const job *j, int *err) {
    *err = 0;
    if (j->kind == JOB_FSYNC) {
        if (testDelayMs) usleep((useconds_t)(testDelayMs * 1000));
        if (fdatasync(j->fd) == -1) *err = errno;
    } else {
        close(j->fd);
    }
}

static void *worker(void *arg) {
    (void)arg;
    pthread_mutex_lock(&lock);
    for (;;) {
        while (count == 0) pthread_cond_wait(&wakeWorker, &lock);
        job j = ring[head];
        head = (head + 1) % JOB_RING;
        count--;
        running = 1;
        runningKind = j.kind;
        pthread_mutex_unlock(&lock);
        int err;
        doJob(&j, &err);
        pthread_mutex_lock(&lock);
        running = 0;
        if (j.kind == JOB_FSYNC) {
            pendingFsyncs--;
            lastErrno = err;
            if (!err && j.offset > durableOffset) durableOffset = j.offset;
        }
        pthread_cond_broadcast(&jobDone);
    }
    return NULL;
}

/* The thread blocks every signal (it inherits the mask it is created
 * with): process-directed signals — SIGCHLD, SIGTERM, the timers a slow
 * load uses — must reach the main thread, whose event loop handles them. */
int aofFsyncStart(void) {
    if (started) return 0;
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&thread, NULL, worker, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        errno = rc;
        return -1;
    }
    pthread_detach(thread);
    started = 1;
    return 0;
}

/* Appends under the lock; returns 0, or -1 when the ring is full. */
static int enqueue(int kind, int fd, long long offset) {
    if (kind == JOB_FSYNC) {
        for (int i = 0; i < count; i++) {
            job *j = &ring[(head + i) % JOB_RING];
            if (j->kind == JOB_FSYNC && j->fd == fd) {
                if (offset > j->offset) j->offset = offset;
                return 0;
            }
        }
    }
    if (count == JOB_RING) return -1;
    ring[(head + count) % JOB_RING] = (job){.kind = kind, .fd = fd, .offset = offset};
    count++;
    if (kind == JOB_FSYNC) pendingFsyncs++;
    pthread_cond_signal(&wakeWorker);
    return 0;
}

static void submit(int kind, int fd, long long offset) {
    if (!started && aofFsyncStart() != 0) {
        serverLog(LL_WARNING, "Can't start the AOF fsync thread: %s", strerror(errno));
    } else {
        pthread_mutex_lock(&lock);
        int rc = enqueue(kind, fd, offset);
        pthread_mutex_unlock(&lock);
        if (rc == 0) return;
    }
    /* No thread or no room: do it here. */
    job j = {.kind = kind, .fd = fd, .offset = offset};
    int err;
    doJob(&j, &err);
    if (kind == JOB_FSYNC) {
        pthread_mutex_lock(&lock);
        lastErrno = err;
        if (!err && offset > durableOffset) durableOffset = offset;
        pthread_mutex_unlock(&lock);
    }
}

void aofFsyncSubmit(int fd, long long offset) { submit(JOB_FSYNC, fd, offset); }
void aofFsyncSubmitClose(int fd) { submit(JOB_CLOSE, fd, 0); }

long aofFsyncPending(void) {
    pthread_mutex_lock(&lock);
    long n = pendingFsyncs;
    pthread_mutex_unlock(&lock);
    return n;
}

int aofFsyncWaitIdle(long long timeoutMs) {
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    if (timeoutMs >= 0) {
        deadline.tv_sec += timeoutMs / 1000;
        deadline.tv_nsec += (timeoutMs % 1000) * 1000000;
        if (deadline.tv_nsec >= 1000000000) {
            deadline.tv_sec++;
            deadline.tv_nsec -= 1000000000;
        }
    }
    pthread_mutex_lock(&lock);
    int rc = 0;
    while ((count || running) && rc == 0) {
        if (timeoutMs < 0) pthread_cond_wait(&jobDone, &lock);
        else rc = pthread_cond_timedwait(&jobDone, &lock, &deadline);
    }
    int idle = !count && !running;
    pthread_mutex_unlock(&lock);
    return idle;
}

int aofFsyncLastErrno(void) {
    pthread_mutex_lock(&lock);
    int e = lastErrno;
    pthread_mutex_unlock(&lock);
    return e;
}

long long aofFsyncDurableOffset(void) {
    pthread_mutex_lock(&lock);
    long long o = durableOffset;
    pthread_mutex_unlock(&lock);
    return o;
}

void aofFsyncResetDurable(long long offset) {
    pthread_mutex_lock(&lock);
    durableOffset = offset;
    lastErrno = 0;
    pthread_mutex_unlock(&lock);
}
