/* aof_stream.h — reading the command stream of an AOF file: RESP arrays
 * of bulk strings ("*<argc>\r\n" then "$<len>\r\n<bytes>\r\n" per
 * argument), with "#..." annotation lines (aof-timestamp-enabled) skipped.
 *
 * The parser works on bytes in memory and never reads past what it was
 * given: aofParseCommand says "need more" when a command is cut, so the
 * same code serves the loader (file, refilled buffer), tessera-check-aof
 * and the fuzz target.  It depends on node/base only. */
#ifndef TESSERA_AOF_STREAM_H
#define TESSERA_AOF_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "node/base/dstr.h"

/* The biggest argument or count accepted (Valkey's proto-max-bulk-len
 * ceiling); anything bigger is a format error, not an allocation. */
#define AOF_MAX_ARG_LEN (4LL * 1024 * 1024 * 1024)
#define AOF_MAX_ARGC (1024 * 1024 * 1024)

enum { AOF_PARSE_OK = 1, AOF_PARSE_MORE = 0, AOF_PARSE_INVALID = -1 };

typedef struct aofCommand {
    int argc;
    dstr *argv;      /* argc strings, owned */
    int cap;
} aofCommand;

void aofCommandFree(aofCommand *cmd);
/* Frees the arguments, keeps the array for reuse. */
void aofCommandClear(aofCommand *cmd);

/* Parses one item at buf[0..len): a command (AOF_PARSE_OK, cmd filled,
 * *used its size), an annotation line (AOF_PARSE_OK with cmd->argc == 0),
 * AOF_PARSE_MORE when buf ends inside the item, or AOF_PARSE_INVALID with
 * *err a static reason. */
int aofParseCommand(const char *buf, size_t len, size_t *used, aofCommand *cmd, const char **err);

/* A buffered reader of one file's command stream. */
typedef struct aofStream {
    int fd;
    const char *name;     /* for messages */
    char *buf;
    size_t start, fill, cap;
    long long offset;     /* file offset of buf[start] */
    int eof;
} aofStream;

/* Reads fd from its current position, which is file offset `offset`. */
void aofStreamInit(aofStream *s, int fd, const char *name, long long offset);
void aofStreamFree(aofStream *s);

enum { AOF_STREAM_CMD = 1, AOF_STREAM_END = 0, AOF_STREAM_TRUNCATED = -1, AOF_STREAM_INVALID = -2,
       AOF_STREAM_IOERR = -3 };
/* The next command into cmd (annotations skipped).  *at is the file offset
 * where it starts (for errors: where the bad or cut command begins).
 * Returns AOF_STREAM_CMD, AOF_STREAM_END at a clean end of file,
 * AOF_STREAM_TRUNCATED when the file ends inside a command,
 * AOF_STREAM_INVALID (*err set) or AOF_STREAM_IOERR (errno). */
int aofStreamNext(aofStream *s, aofCommand *cmd, long long *at, const char **err);

/* True for a command named `name` (case-insensitive). */
int aofCommandIs(const aofCommand *cmd, const char *name);

#endif
