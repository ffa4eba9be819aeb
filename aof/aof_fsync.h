/* aof_fsync.h — the AOF's background thread: fsync (appendfsync
 * everysec) and close of retired files, off the main thread.
 *
 * Jobs run in submission order on one thread.  The main thread learns the
 * outcome through counters: how many jobs are pending
 * (aof_pending_bio_fsync), whether the last fsync failed (its errno; a
 * failed fsync makes the server refuse writes until one succeeds), and how
 * many bytes are known durable. */
#ifndef TESSERA_AOF_FSYNC_H
#define TESSERA_AOF_FSYNC_H

/* Starts the thread (idempotent); 0 or -1 with errno. */
int aofFsyncStart(void);
/* Queues fdatasync(fd); when it succeeds, `offset` bytes of that file are
 * durable (aofFsyncDurableOffset).  An fsync of the same fd already queued
 * and not started absorbs the new one. */
void aofFsyncSubmit(int fd, long long offset);
/* Queues close(fd) after the jobs before it. */
void aofFsyncSubmitClose(int fd);
/* Fsync jobs queued or running. */
long aofFsyncPending(void);
/* Blocks until every queued job finished (or timeoutMs passed, -1:
 * forever); returns 1 if idle. */
int aofFsyncWaitIdle(long long timeoutMs);
/* errno of the last fsync if it failed, 0 if it succeeded. */
int aofFsyncLastErrno(void);
/* Highest offset an fsync job confirmed (of the fd given last), and resets
 * it for a new file. */
long long aofFsyncDurableOffset(void);
void aofFsyncResetDurable(long long offset);
/* Tests: each fsync job first sleeps ms (a slow disk). */
void aofFsyncSetTestDelay(long long ms);

#endif
