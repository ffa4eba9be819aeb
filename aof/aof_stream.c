/* aof_stream.c — the AOF command-stream parser and a buffered reader
 * around it (see aof_stream.h).
 *
 * The parser runs in two passes over an item: a scan that checks the
 * framing and finds where the item ends without copying anything, then —
 * only when the whole item is in the buffer — a copy of the arguments.  A
 * cut command therefore costs no allocation however big its announced
 * lengths are (fuzzed input claims gigabytes), and refilling the buffer
 * for a large argument re-scans only headers.
 *
 * Framing is strict where Valkey writes one form only: "*N\r\n" with N in
 * 1..AOF_MAX_ARGC, "$L\r\n" with L in 0..AOF_MAX_ARG_LEN, decimal digits
 * only, and CRLF after each argument.  Annotations are lines starting with
 * '#', ending with '\n'. */
#include "aof/aof_stream.h"

#include <errno.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "node/base/mem.h"

#define MAX_HEADER_LINE 32        /* "*" or "$" + 20 digits + CRLF fits */
#define MAX_ANNOTATION_LINE 4096
#define READ_CHUNK (64 * 1024)

void aofCommandClear(aofCommand *cmd) {
    for (int i = 0; i < cmd->argc; i++) dstrFree(cmd->argv[i]);
    cmd->argc = 0;
}

void aofCommandFree(aofCommand *cmd) {
    aofCommandClear(cmd);
    memFree(cmd->argv);
    cmd->argv = NULL;
    cmd->cap = 0;
}

int aofCommandIs(const aofCommand *cmd, const char *name) {
    return cmd->argc > 0 && !strcasecmp(cmd->argv[0], name);
}

/* --- Parsing --- */

/* Reads "<prefix><digits>\r\n" at buf[*pos]; value in *out.  Returns OK,
 * MORE or INVALID. */
static int parseHeader(const char *buf, size_t len, size_t *pos, char prefix, long long max, long long *out,
                       const char **err) {
    size_t p = *pos;
    if (p >= len) return AOF_PARSE_MORE;
    if (buf[p] != prefix) {
        *err = prefix == '*' ? "expected '*' (a command)" : "expected '$' (a bulk argument)";
        return AOF_PARSE_INVALID;
    }
    p++;
    long long v = 0;
    size_t digits = 0;
    while (p < len && buf[p] >= '0' && buf[p] <= '9') {
        v = v * 10 + (buf[p] - '0');
        digits++;
        if (v > max || digits > 19) {
            *err = prefix == '*' ? "invalid argument count" : "invalid bulk length";
            return AOF_PARSE_INVALID;
        }
        p++;
    }
    if (p >= len || (buf[p] == '\r' && p + 1 >= len)) {
        if (p - *pos > MAX_HEADER_LINE) goto bad;
        return AOF_PARSE_MORE;
    }
    if (digits == 0 || buf[p] != '\r' || buf[p + 1] != '\n') goto bad;
    *pos = p + 2;
    *out = v;
    return AOF_PARSE_OK;
bad:
    *err = prefix == '*' ? "invalid argument count" : "invalid bulk length";
    return AOF_PARSE_INVALID;
}

/* Walks one command; when copy is set, appends its arguments to cmd. */
static int walkCommand(const char *buf, size_t len, size_t *used, aofCommand *cmd, int copy, const char **err) {
    size_t pos = 0;
    long long argc;
    int rc = parseHeader(buf, len, &pos, '*', AOF_MAX_ARGC, &argc, err);
    if (rc != AOF_PARSE_OK) return rc;
    if (argc < 1) {
        *err = "invalid argument count";
        return AOF_PARSE_INVALID;
    }
    for (long long i = 0; i < argc; i++) {
        long long arglen;
        rc = parseHeader(buf, len, &pos, '$', AOF_MAX_ARG_LEN, &arglen, err);
        if (rc != AOF_PARSE_OK) return rc;
        if ((unsigned long long)arglen + 2 > len - pos) return AOF_PARSE_MORE;
        if (buf[pos + (size_t)arglen] != '\r' || buf[pos + (size_t)arglen + 1] != '\n') {
            *err = "argument not followed by CRLF";
            return AOF_PARSE_INVALID;
        }
        if (copy) {
            if (cmd->argc == cmd->cap) {
                cmd->cap = cmd->cap ? cmd->cap * 2 : 8;
                cmd->argv = memRealloc(cmd->argv, sizeof(dstr) * (size_t)cmd->cap);
            }
            cmd->argv[cmd->argc++] = dstrNewLen(buf + pos, (size_t)arglen);
        }
        pos += (size_t)arglen + 2;
    }
    *used = pos;
    return AOF_PARSE_OK;
}

static int parseAnnotation(const char *buf, size_t len, size_t *used, const char **err) {
    size_t limit = len < MAX_ANNOTATION_LINE ? len : MAX_ANNOTATION_LINE;
    const char *nl = memchr(buf, '\n', limit);
    if (nl) {
        *used = (size_t)(nl - buf) + 1;
        return AOF_PARSE_OK;
    }
    if (len >= MAX_ANNOTATION_LINE) {
        *err = "annotation line too long";
        return AOF_PARSE_INVALID;
    }
    return AOF_PARSE_MORE;
}

int aofParseCommand(const char *buf, size_t len, size_t *used, aofCommand *cmd, const char **err) {
    aofCommandClear(cmd);
    if (len == 0) return AOF_PARSE_MORE;
    if (buf[0] == '#') return parseAnnotation(buf, len, used, err);
    int rc = walkCommand(buf, len, used, cmd, 0, err);
    if (rc != AOF_PARSE_OK) return rc;
    return walkCommand(buf, len, used, cmd, 1, err);
}

/* --- Buffered reader --- */

void aofStreamInit(aofStream *s, int fd, const char *name, long long offset) {
    memset(s, 0, sizeof(*s));
    s->fd = fd;
    s->name = name;
    s->offset = offset;
}

void aofStreamFree(aofStream *s) {
    memFree(s->buf);
    s->buf = NULL;
}

/* Makes room and reads more; returns 1 if bytes came, 0 at EOF, -1 on error. */
static int refill(aofStream *s) {
    if (s->start > 0) {
        memmove(s->buf, s->buf + s->start, s->fill - s->start);
        s->fill -= s->start;
        s->start = 0;
    }
    if (s->cap - s->fill < READ_CHUNK) {
        size_t want = s->cap ? s->cap * 2 : 2 * READ_CHUNK;
        while (want - s->fill < READ_CHUNK) want *= 2;
        s->buf = memRealloc(s->buf, want);
        s->cap = want;
    }
    for (;;) {
        ssize_t n = read(s->fd, s->buf + s->fill, s->cap - s->fill);
        if (n > 0) {
            s->fill += (size_t)n;
            return 1;
        }
        if (n == 0) {
            s->eof = 1;
            return 0;
        }
        if (errno != EINTR) return -1;
    }
}

int aofStreamNext(aofStream *s, aofCommand *cmd, long long *at, const char **err) {
    for (;;) {
        size_t used = 0;
        *at = s->offset;
        int rc = aofParseCommand(s->buf ? s->buf + s->start : "", s->fill - s->start, &used, cmd, err);
        if (rc == AOF_PARSE_INVALID) return AOF_STREAM_INVALID;
        if (rc == AOF_PARSE_OK) {
            s->start += used;
            s->offset += (long long)used;
            if (cmd->argc == 0) continue; /* annotation */
            return AOF_STREAM_CMD;
        }
        if (s->eof) return s->fill == s->start ? AOF_STREAM_END : AOF_STREAM_TRUNCATED;
        int r = refill(s);
        if (r < 0) {
            *err = strerror(errno);
            return AOF_STREAM_IOERR;
        }
    }
}
