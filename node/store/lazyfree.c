/* lazyfree.c — the lazy-free thread and its job queue (see lazyfree.h).
 *
 * Why a thread: freeing a value with millions of elements, or a database of
 * millions of keys, takes as long as building it did, and the main thread
 * would stop serving every client meanwhile.  The memory is already
 * unreachable from the keyspace when it is handed over, so freeing it
 * elsewhere changes nothing clients can observe except latency.
 *
 * Structure: a singly linked FIFO of jobs under one mutex; the worker sleeps
 * on `wake` while the queue is empty, and broadcasts `idle` whenever it has
 * drained the queue (lazyfreeWaitIdle waits on it).  Jobs are coarse (one
 * value or one whole database), so the lock is taken a few times per job and
 * never contended in a way that matters.  The thread starts on the first job,
 * so a process (or a unit test) that never frees lazily never has one.
 *
 * Counters: `pending` grows by the job's object count when it is queued and
 * shrinks when the job is done; `freed` is the running total the thread
 * freed (INFO lazyfreed_objects).  Both are atomics read without the lock.
 *
 * Ownership invariant: once queued, a job's memory (an entry and its value,
 * or two tables and every entry of the first) belongs to the worker alone.
 * The expires table holds the same entries as the keys table without owning
 * them, so it is released first (no destructor), then the keys table, whose
 * destructor frees each entry.
 *
 * If the thread cannot be created the job is done inline: slower, correct. */
#include "node/store/lazyfree.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "node/base/log.h"
#include "node/base/mem.h"

#define MAX_TYPES 16
#define MAX_ENCODINGS 16

typedef enum { JOB_OBJECT, JOB_TABLES } jobKind;

typedef struct lazyfreeJob {
    struct lazyfreeJob *next;
    jobKind kind;
    void *first;        /* kvobj, or the keys table */
    void *second;       /* the expires table, or NULL */
    long long objects;  /* what it adds to `pending` */
} lazyfreeJob;

static pthread_mutex_t queueLock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static pthread_cond_t idle = PTHREAD_COND_INITIALIZER;
static lazyfreeJob *queueHead, *queueTail;
static int threadRunning;  /* created and not yet told to stop */
static int stopRequested;
static int workerBusy;     /* running a job outside the lock */
static pthread_t worker;

static _Atomic long long pendingObjects;
static _Atomic long long freedObjects;

static lazyfreeEffortFn efforts[MAX_TYPES][MAX_ENCODINGS];

/* --- Effort --- */

void lazyfreeRegisterEffort(int type, int encoding, lazyfreeEffortFn fn) {
    if (type >= 0 && type < MAX_TYPES && encoding >= 0 && encoding < MAX_ENCODINGS)
        efforts[type][encoding] = fn;
}

size_t lazyfreeFreeEffort(const kvobj *kv) {
    switch (kv->encoding) {
    case OBJ_ENCODING_INT:
    case OBJ_ENCODING_EMBSTR:
    case OBJ_ENCODING_RAW:
    case OBJ_ENCODING_LISTPACK:
    case OBJ_ENCODING_INTSET: return 1;
    default: break;
    }
    lazyfreeEffortFn fn = efforts[kv->type][kv->encoding];
    return fn ? fn(kvGetPtr(kv)) : LAZYFREE_THRESHOLD + 1;
}

/* --- The worker --- */

static void runJob(lazyfreeJob *job) {
    if (job->kind == JOB_OBJECT) {
        kvFree(job->first);
    } else {
        hashtableRelease(job->second);
        hashtableRelease(job->first);
    }
    atomic_fetch_sub_explicit(&pendingObjects, job->objects, memory_order_relaxed);
    atomic_fetch_add_explicit(&freedObjects, job->objects, memory_order_relaxed);
    memFree(job);
}

static void *workerMain(void *arg) {
    (void)arg;
    if (memThreadInit() != 0)
        serverLog(LL_WARNING, "lazyfree: memory freed by the background thread is not accounted");
    pthread_mutex_lock(&queueLock);
    for (;;) {
        while (!queueHead && !stopRequested) pthread_cond_wait(&wake, &queueLock);
        if (stopRequested) break;
        lazyfreeJob *job = queueHead;
        queueHead = job->next;
        if (!queueHead) queueTail = NULL;
        workerBusy = 1;
        pthread_mutex_unlock(&queueLock);
        runJob(job);
        pthread_mutex_lock(&queueLock);
        workerBusy = 0;
        if (!queueHead) pthread_cond_broadcast(&idle);
    }
    pthread_cond_broadcast(&idle);
    pthread_mutex_unlock(&queueLock);
    return NULL;
}

/* Called with the lock held.  Returns 1 if the worker runs. */
static int ensureWorker(void) {
    if (threadRunning) return 1;
    if (stopRequested) return 0;
    int err = pthread_create(&worker, NULL, workerMain, NULL);
    if (err != 0) {
        serverLog(LL_WARNING, "lazyfree: can't create the background thread: %s; freeing inline",
                  strerror(err));
        return 0;
    }
    threadRunning = 1;
    return 1;
}

static void submit(jobKind kind, void *first, void *second, long long objects) {
    lazyfreeJob *job = memAlloc(sizeof(*job));
    job->next = NULL;
    job->kind = kind;
    job->first = first;
    job->second = second;
    job->objects = objects;
    atomic_fetch_add_explicit(&pendingObjects, objects, memory_order_relaxed);
    pthread_mutex_lock(&queueLock);
    if (!ensureWorker()) {
        pthread_mutex_unlock(&queueLock);
        runJob(job); /* counts it as freed too: the work was done */
        return;
    }
    if (queueTail)
        queueTail->next = job;
    else
        queueHead = job;
    queueTail = job;
    pthread_cond_signal(&wake);
    pthread_mutex_unlock(&queueLock);
}

/* --- Entry points --- */

void lazyfreeFreeObjectAsync(kvobj *kv) {
    if (kv) submit(JOB_OBJECT, kv, NULL, 1);
}

void lazyfreeFreeObject(kvobj *kv) {
    if (!kv) return;
    if (lazyfreeFreeEffort(kv) > LAZYFREE_THRESHOLD)
        lazyfreeFreeObjectAsync(kv);
    else
        kvFree(kv);
}

void lazyfreeFreeTables(hashtable *keys, hashtable *expires) {
    size_t size = hashtableSize(keys);
    if (size <= LAZYFREE_THRESHOLD) {
        hashtableRelease(expires);
        hashtableRelease(keys);
        return;
    }
    submit(JOB_TABLES, keys, expires, (long long)size);
}

long long lazyfreePendingObjects(void) {
    return atomic_load_explicit(&pendingObjects, memory_order_relaxed);
}

long long lazyfreeFreedObjects(void) { return atomic_load_explicit(&freedObjects, memory_order_relaxed); }

void lazyfreeResetStats(void) { atomic_store_explicit(&freedObjects, 0, memory_order_relaxed); }

int lazyfreeWaitIdle(long long timeoutMs) {
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += timeoutMs / 1000;
    deadline.tv_nsec += (timeoutMs % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&queueLock);
    int rc = 0;
    while ((queueHead || workerBusy) && threadRunning && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&idle, &queueLock, &deadline);
    int done = !queueHead && !workerBusy;
    pthread_mutex_unlock(&queueLock);
    return done;
}

void lazyfreeShutdown(void) {
    pthread_mutex_lock(&queueLock);
    int running = threadRunning;
    stopRequested = 1;
    threadRunning = 0;
    pthread_cond_signal(&wake);
    pthread_mutex_unlock(&queueLock);
    if (running) pthread_join(worker, NULL);
}
