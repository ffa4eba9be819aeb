/* reply.h — building replies for a client in RESP2 or RESP3.
 *
 * Replies are appended to the client's output: a fixed 16 KB buffer first,
 * then a list of blocks.  Nothing is written to the socket here; the event
 * loop's before-sleep step flushes every pending client with write/writev
 * and only registers a write event when the socket would block.
 *
 * Shapes differ between protocols: replyMapLen emits '%' in RESP3 and an
 * array of twice the length in RESP2; replyNull emits '_' or "$-1"; etc.
 * Errors take the full text including the code ("ERR syntax error",
 * "WRONGTYPE Operation against ..."); a leading '-' is added here, and any
 * CR/LF inside is replaced by spaces so a message can never break framing.
 * Every error reply is counted in errorstats by its code (first word). */
#ifndef TESSERA_REPLY_H
#define TESSERA_REPLY_H

#include <stddef.h>

#include "node/base/dstr.h"

typedef struct client client;

/* Raw protocol bytes. */
void replyProto(client *c, const char *s, size_t len);
void replyOk(client *c);
void replySimple(client *c, const char *status); /* "+status\r\n" */
void replyError(client *c, const char *err);
void replyErrorFormat(client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void replyErrorLen(client *c, const char *err, size_t len);
void replyErrorArity(client *c);        /* wrong number of arguments for '%s' command */
void replyErrorSyntax(client *c);       /* ERR syntax error */
void replyErrorWrongType(client *c);    /* WRONGTYPE ... */
void replyErrorNotInteger(client *c);   /* ERR value is not an integer or out of range */
void replyErrorNotFloat(client *c);     /* ERR value is not a valid float */
void replyErrorExpireTime(client *c);   /* ERR invalid expire time in '%s' command */
void replyLongLong(client *c, long long v);
void replyDouble(client *c, double d);  /* RESP3 ',' ; RESP2 bulk string */
/* INCRBYFLOAT style: bulk in both protocols. */
void replyHumanLongDouble(client *c, long double d);
void replyBulk(client *c, const void *p, size_t len);
void replyBulkCString(client *c, const char *s); /* NULL -> null */
void replyBulkDstr(client *c, const dstr s);
void replyBulkLongLong(client *c, long long v);
void replyVerbatim(client *c, const char *s, size_t len, const char *ext); /* ext: "txt" */
void replyBigNumber(client *c, const char *num, size_t len);
void replyBool(client *c, int b);   /* RESP3 '#'; RESP2 :1/:0 */
void replyNull(client *c);          /* RESP3 '_'; RESP2 $-1 */
void replyNullArray(client *c);     /* RESP3 '_'; RESP2 *-1 */
void replyArrayLen(client *c, long n);
void replyMapLen(client *c, long n);
void replySetLen(client *c, long n);
void replyAttributeLen(client *c, long n);
void replyPushLen(client *c, long n);  /* RESP3 '>'; RESP2 array */
void replyEmptyArray(client *c);
/* A reply of unknown length: reserve, emit the elements, then set it. */
void *replyDeferredLen(client *c);
void replySetDeferredArrayLen(client *c, void *node, long n);
void replySetDeferredMapLen(client *c, void *node, long n);
void replySetDeferredSetLen(client *c, void *node, long n);
/* Help text: an array of status lines with a command header (HELP). */
void replyHelp(client *c, const char **lines);
/* "ERR unknown subcommand '%s'. Try %s HELP." */
void replySubcommandSyntaxError(client *c);

#endif
