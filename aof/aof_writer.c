/* aof_writer.c — the AOF append buffer and its fsync policy (see
 * aof_writer.h for the policy rules).
 *
 * The buffer is one dstr; a successful write empties it.  Partial writes:
 * the file is cut back to its previous size so it never ends in half a
 * command the next write would glue garbage onto; if that truncation fails
 * too, the bytes that did reach the file are dropped from the buffer
 * instead (the file then holds them once, which is still a valid prefix).
 *
 * Everysec's bound: an fsync runs in the background; the next write waits
 * for it only up to 2 s of postponing, and after that the main thread
 * blocks until the fsync completes.  Valkey writes anyway at that point; we
 * don't, so a write acknowledged under everysec is at most ~2 s away from
 * being durable even on a stalling disk. */
#include "aof/aof_writer.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "aof/aof_fsync.h"
#include "node/base/log.h"
#include "node/base/timeutil.h"

#define MAX_POSTPONE_MS 2000

void aofWriterInit(aofWriter *w) {
    memset(w, 0, sizeof(*w));
    w->fd = -1;
    w->buf = dstrEmpty();
    w->fsyncOnWrite = 1;
}

void aofWriterFree(aofWriter *w) {
    dstrFree(w->buf);
    w->buf = NULL;
}

void aofWriterAttach(aofWriter *w, int fd, long long size) {
    w->fd = fd;
    w->fileSize = size;
    w->fsyncedSize = size;
    w->postponedSinceMs = 0;
    aofFsyncResetDurable(size);
}

void aofWriterAppend(aofWriter *w, const char *bytes, size_t len) { w->buf = dstrCatLen(w->buf, bytes, len); }

int aofWriterErrno(const aofWriter *w) {
    if (w->writeErrno) return w->writeErrno;
    return aofFsyncLastErrno();
}

/* Writes the whole buffer; returns bytes written (maybe short), -1 with
 * errno if nothing could be written. */
static ssize_t writeBuffer(int fd, const char *p, size_t len) {
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, p + done, len - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            return done ? (ssize_t)done : -1;
        }
        if (n == 0) {
            errno = ENOSPC;
            return done ? (ssize_t)done : -1;
        }
        done += (size_t)n;
    }
    return (ssize_t)done;
}

static void recordWriteError(aofWriter *w, int err, ssize_t written, size_t wanted) {
    static long long lastLogMs;
    long long now = timeMs();
    if (now - lastLogMs > 30000) {
        if (written < 0)
            serverLog(LL_WARNING, "Error writing to the AOF file: %s", strerror(err));
        else
            serverLog(LL_WARNING, "Short write while writing to the AOF file: (nwritten=%lld, expected=%lld)",
                      (long long)written, (long long)wanted);
        lastLogMs = now;
    }
    w->writeErrno = err ? err : ENOSPC;
}

/* After a short write: cut the file back, or keep what landed. */
static void undoPartialWrite(aofWriter *w, ssize_t written) {
    if (written <= 0) return;
    if (ftruncate(w->fd, w->fileSize) == 0) {
        lseek(w->fd, w->fileSize, SEEK_SET);
        return;
    }
    serverLog(LL_WARNING, "Could not remove short write from the append-only file. The AOF may hold a "
                          "partial command at its end: ftruncate: %s", strerror(errno));
    w->fileSize += written;
    dstrRange(w->buf, written, -1);
}

/* everysec: wait for a lagging fsync instead of writing past the bound.
 * Returns 1 if the write must be postponed now. */
static int mustPostpone(aofWriter *w, long long nowMs) {
    if (aofFsyncPending() == 0) {
        w->postponedSinceMs = 0;
        return 0;
    }
    if (!w->postponedSinceMs) {
        w->postponedSinceMs = nowMs;
        return 1;
    }
    if (nowMs - w->postponedSinceMs < MAX_POSTPONE_MS) return 1;
    w->delayedFsyncs++;
    serverLog(LL_NOTICE, "Asynchronous AOF fsync is taking too long (disk is busy?). Waiting for it before "
                         "writing the AOF buffer, this may slow down the server.");
    long long start = timeMs();
    aofFsyncWaitIdle(-1);
    long long waited = timeMs() - start;
    if (waited > w->fsyncWaitMs) w->fsyncWaitMs = waited;
    w->postponedSinceMs = 0;
    return 0;
}

int aofWriterFlush(aofWriter *w, int policy, int force, long long nowMs) {
    if (w->fd == -1) return 0;
    size_t len = dstrLen(w->buf);
    if (len == 0) {
        aofWriterMaybeFsync(w, policy, nowMs);
        return 0;
    }
    if (policy == AOF_FSYNC_EVERYSEC && !force && mustPostpone(w, nowMs)) return 0;
    ssize_t n = writeBuffer(w->fd, w->buf, len);
    if (n != (ssize_t)len) {
        int err = n < 0 ? errno : ENOSPC;
        recordWriteError(w, err, n, len);
        undoPartialWrite(w, n);
        return -1;
    }
    if (w->writeErrno) serverLog(LL_WARNING, "AOF write error looks solved, the server can write again.");
    w->writeErrno = 0;
    w->fileSize += (long long)len;
    /* Keep small buffers for reuse, drop big ones. */
    if (dstrAllocSize(w->buf) < 4096) {
        dstrClear(w->buf);
    } else {
        dstrFree(w->buf);
        w->buf = dstrEmpty();
    }
    if (policy == AOF_FSYNC_ALWAYS && w->fsyncOnWrite) {
        if (fdatasync(w->fd) == -1) {
            serverLog(LL_WARNING, "Can't persist the AOF buffer to disk: fdatasync: %s", strerror(errno));
            w->writeErrno = errno;
            return -1;
        }
        w->fsyncedSize = w->fileSize;
        w->lastFsyncMs = nowMs;
        return 0;
    }
    aofWriterMaybeFsync(w, policy, nowMs);
    return 0;
}

void aofWriterMaybeFsync(aofWriter *w, int policy, long long nowMs) {
    if (w->fd == -1 || policy != AOF_FSYNC_EVERYSEC || !w->fsyncOnWrite) return;
    /* A failed background fsync is retried (the server refuses writes
     * until one succeeds), even with nothing new written. */
    if (w->fsyncedSize == w->fileSize && !aofFsyncLastErrno()) return;
    if (nowMs - w->lastFsyncMs < 1000 || aofFsyncPending()) return;
    aofFsyncSubmit(w->fd, w->fileSize);
    w->fsyncedSize = w->fileSize; /* submitted: don't resubmit for these bytes */
    w->lastFsyncMs = nowMs;
}

int aofWriterDetach(aofWriter *w, dstr *err) {
    if (w->fd == -1) return -1;
    int rc = aofWriterFlush(w, AOF_FSYNC_NO, 1, timeMs());
    aofFsyncWaitIdle(-1);
    if (rc == 0 && fdatasync(w->fd) == -1) rc = -1;
    if (rc != 0 && err) *err = dstrCatPrintf(dstrEmpty(), "Error flushing the AOF file: %s", strerror(errno));
    int fd = w->fd;
    w->fd = -1;
    return fd;
}
