/* args.c — numeric argument parsing with the error reply (see args.h). */
#include "node/net/args.h"

#include <limits.h>

#include "node/base/util.h"
#include "node/net/reply.h"

int argLongLong(client *c, const dstr arg, long long *value) {
    if (string2ll(arg, dstrLen(arg), value)) return 0;
    replyErrorNotInteger(c);
    return -1;
}

int argInt(client *c, const dstr arg, int *value) {
    long long v;
    if (argLongLong(c, arg, &v) != 0) return -1;
    if (v < INT_MIN || v > INT_MAX) {
        replyErrorFormat(c, "ERR value is out of range, value must between %d and %d", INT_MIN, INT_MAX);
        return -1;
    }
    *value = (int)v;
    return 0;
}
