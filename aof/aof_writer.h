/* aof_writer.h — appending the propagation stream to the open incremental
 * file under an fsync policy (appendfsync always / everysec / no).
 *
 * The stream is buffered in memory as commands run (aofWriterAppend) and
 * written out once per event-loop iteration, before replies are sent
 * (aofWriterFlush from the before-sleep step), so:
 *   - always:   write + fdatasync on the main thread before any reply of
 *               those writes leaves;
 *   - everysec: write now, fdatasync on the background thread about once a
 *               second; while that fsync is still running the write is
 *               postponed (up to 2 s), and past 2 s the main thread waits
 *               for it (aof_delayed_fsync) instead of going on with writes
 *               that could be lost beyond the policy's bound;
 *   - no:       write; the kernel decides when it reaches the disk.
 * A failed or short write keeps the unwritten bytes (a partial write is
 * cut back when possible), records the error (aof_last_write_status) and is
 * retried; the server refuses writes meanwhile (MISCONF). */
#ifndef TESSERA_AOF_WRITER_H
#define TESSERA_AOF_WRITER_H

#include <stddef.h>

#include "node/base/dstr.h"

enum { AOF_FSYNC_NO = 0, AOF_FSYNC_ALWAYS = 1, AOF_FSYNC_EVERYSEC = 2 };

typedef struct aofWriter {
    int fd;                    /* the open incremental file, -1 if none */
    dstr buf;                  /* appended, not yet written */
    long long fileSize;        /* bytes of the file written (aof_last_incr_size) */
    long long fsyncedSize;     /* bytes known fsynced (main-thread fsyncs) */
    long long lastFsyncMs;     /* when the last fsync was started */
    long long postponedSinceMs; /* everysec: write waiting for an fsync, 0 if not */
    int writeErrno;            /* 0: last write ok (aof_last_write_status) */
    long long delayedFsyncs;   /* aof_delayed_fsync */
    long long fsyncWaitMs;     /* longest wait for a lagging fsync */
    int fsyncOnWrite;          /* 0 during a rewrite with no-appendfsync-on-rewrite */
} aofWriter;

void aofWriterInit(aofWriter *w);
void aofWriterFree(aofWriter *w);
/* Starts writing to fd, which already holds `size` bytes. */
void aofWriterAttach(aofWriter *w, int fd, long long size);
/* Writes what is buffered, fsyncs the file and detaches it; returns the
 * fd (caller closes) or -1.  *err set if the final write/fsync failed. */
int aofWriterDetach(aofWriter *w, dstr *err);

void aofWriterAppend(aofWriter *w, const char *bytes, size_t len);

/* Writes the buffer under policy.  force: write even if an everysec fsync
 * is in progress (shutdown, switching files).  Returns 0, or -1 when the
 * write failed (w->writeErrno set; bytes kept for a retry). */
int aofWriterFlush(aofWriter *w, int policy, int force, long long nowMs);
/* everysec: starts the background fsync if a second passed since the last
 * and bytes were written since (cron calls it too). */
void aofWriterMaybeFsync(aofWriter *w, int policy, long long nowMs);

/* 0 if writes and fsyncs are fine, else the errno to report (MISCONF). */
int aofWriterErrno(const aofWriter *w);

#endif
