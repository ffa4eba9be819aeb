/* resp.h — the RESP codec: the server's request parser and a reply reader
 * for clients (tessera-cli, tests, the replication link).
 *
 * Request parser.  Input is the client's query buffer; the parser is
 * incremental: it remembers how far it got through a partly received
 * command (count, current bulk, completed arguments as offsets) so a big
 * command arriving in many reads is scanned once.  When a command is
 * complete its arguments are copied into the request's arena as dstrs and
 * argv points at them: one reusable allocation for all arguments of a
 * command, none per argument.  Bulks larger than RESP_BIG_ARG get their own
 * dstr so the arena stays small.
 *
 * Both multibulk ("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n") and inline ("GET k\r\n",
 * quoted like valkey.conf) requests are accepted.  Errors carry Valkey's
 * messages ("Protocol error: invalid bulk length", ...). */
#ifndef TESSERA_RESP_H
#define TESSERA_RESP_H

#include <stddef.h>
#include <stdint.h>

#include "node/base/dstr.h"

#define RESP_BIG_ARG (32 * 1024)
#define RESP_INLINE_MAX (64 * 1024) /* longest inline request / count line */

typedef struct respLimits {
    long long maxBulkLen;   /* proto-max-bulk-len */
    long long maxMultibulk; /* most arguments in one command */
    int unauthenticated;    /* a password is required and not given yet:
                               requests are held to the small limits below */
} respLimits;

/* What a client that has not authenticated may send (as Valkey): a hostile
 * peer cannot make the node buffer big requests before proving itself. */
#define RESP_UNAUTH_MAX_ARGS 10
#define RESP_UNAUTH_MAX_BULK 16384

enum { RESP_REQ_UNKNOWN = 0, RESP_REQ_INLINE, RESP_REQ_MULTIBULK };

typedef struct respRequest {
    /* Parse progress of the current command. */
    int kind;
    long long multibulkLen;   /* arguments still to read */
    long long bulkLen;        /* length of the bulk being read, -1 before its header */
    size_t scanPos;           /* offset in the buffer where parsing resumes */
    size_t cmdStart;          /* offset where the current command began */
    int argCount, argCap;
    size_t *argOff, *argLen;  /* completed arguments, as offsets into the buffer */
    /* Result. */
    int argc;
    dstr *argv;
    int argvCap;
    char *arena;
    size_t arenaCap;
    dstr *bigArgs;            /* separately allocated big arguments */
    int bigCount;
    /* Internal to resp.c. */
    int bigCap;
    size_t lineScan;          /* where the search for the end of the current line resumes */
    size_t seenLen;           /* buffer length at the last respParseRequest call */
    char errBuf[40];          /* room for "Protocol error: expected '$', got 'x'" */
} respRequest;

enum { RESP_PARSE_DONE = 0, RESP_PARSE_MORE = 1, RESP_PARSE_ERROR = -1 };

void respRequestInit(respRequest *r);
void respRequestFree(respRequest *r);
/* Parse buf[pos..len).  DONE: argc/argv hold a command (argc may be 0 for an
 * empty line or "*0"), *next is the offset right after it.  MORE: nothing
 * complete yet; call again with the same buffer content extended (offsets
 * are relative to the same buf start, pos unchanged).  ERROR: *err is
 * the message without the leading "-ERR ". */
int respParseRequest(respRequest *r, const char *buf, size_t len, size_t pos,
                     const respLimits *limits, size_t *next, const char **err);
/* Forget argv after the command ran (keeps the arena for reuse) and the
 * progress state; call before parsing the next command. */
void respRequestReset(respRequest *r);
/* The buffer was compacted: bytes before `shift` were dropped.  Adjusts the
 * stored offsets of a partly parsed command. */
void respRequestShift(respRequest *r, size_t shift);
/* Bytes the parser knows it still needs (for reading big bulks with one
 * read of the right size), 0 if unknown. */
size_t respRequestBytesWanted(const respRequest *r);
/* An owned copy of argv[i] for a command that keeps it (as a value).  A big
 * argument (> RESP_BIG_ARG) is handed over without copying: argv[i] then
 * still points at it, so the caller keeps it alive until respRequestReset. */
dstr respRequestTakeArg(respRequest *r, int i);

/* Looks ahead in a pipeline without parsing for real: if a complete
 * multibulk command of at most RESP_PEEK_MAX_ARGS arguments starts at pos,
 * sets *arg and *arglen to argument `index` and *cmdEnd to the offset after the
 * command and returns 1; otherwise 0.  Used to prefetch the keys of the
 * next commands while the current one runs. */
#define RESP_PEEK_MAX_ARGS 16
int respPeekArg(const char *buf, size_t len, size_t pos, int index, const char **arg, size_t *arglen,
                size_t *cmdEnd);

/* --- Reply reader (clients) --- */

enum {
    RESP_T_STRING = 1,  /* $ bulk */
    RESP_T_ARRAY,       /* * */
    RESP_T_INTEGER,     /* : */
    RESP_T_NIL,         /* $-1, *-1, _ */
    RESP_T_STATUS,      /* + */
    RESP_T_ERROR,       /* - */
    RESP_T_DOUBLE,      /* , */
    RESP_T_BOOL,        /* # */
    RESP_T_MAP,         /* % */
    RESP_T_SET,         /* ~ */
    RESP_T_ATTR,        /* | */
    RESP_T_PUSH,        /* > */
    RESP_T_BIGNUM,      /* ( */
    RESP_T_VERB,        /* = */
    RESP_T_BLOBERROR    /* ! */
};

typedef struct respValue {
    int type;
    long long integer;    /* INTEGER, BOOL */
    double dval;          /* DOUBLE */
    char *str;            /* STRING, STATUS, ERROR, DOUBLE text, BIGNUM, VERB (NUL-terminated) */
    size_t len;
    char verbFormat[4];   /* VERB: "txt" / "mkd" */
    size_t elements;      /* ARRAY, MAP (pairs * 2), SET, PUSH, ATTR */
    struct respValue **element;
} respValue;

typedef struct respReader respReader;

respReader *respReaderCreate(void);
void respReaderFree(respReader *r);
void respReaderFeed(respReader *r, const char *buf, size_t len);
/* 1 and *out set when a whole reply is available, 0 if more input is needed,
 * -1 on a protocol error (message from respReaderError). Nesting is limited
 * to a fixed depth so hostile input cannot exhaust the stack. */
int respReaderGet(respReader *r, respValue **out);
const char *respReaderError(const respReader *r);
void respValueFree(respValue *v);

/* Encode a command as a RESP multibulk into s (for clients). */
dstr respEncodeCommand(dstr s, int argc, const char **argv, const size_t *argvlen);

#endif
