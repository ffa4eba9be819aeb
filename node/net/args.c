/* args.c — numeric argument parsing with the error reply (see args.h). */
#include "node/net/args.h"

#include "node/base/util.h"
#include "node/net/reply.h"

int argLongLong(client *c, const dstr arg, long long *value) {
    if (string2ll(arg, dstrLen(arg), value)) return 0;
    replyErrorNotInteger(c);
    return -1;
}
