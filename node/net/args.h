/* args.h — reading numeric command arguments, replying Valkey's error when
 * one is malformed.  Every command module parses its numbers through these
 * so the error texts cannot drift apart. */
#ifndef TESSERA_ARGS_H
#define TESSERA_ARGS_H

#include "node/base/dstr.h"
#include "node/net/client.h"

/* A strict int64 (no spaces, no '+', no leading zeros).  Returns 0, or -1
 * after replying "ERR value is not an integer or out of range". */
int argLongLong(client *c, const dstr arg, long long *value);

/* An int (as Valkey's getIntFromObjectOrReply): not an integer → the
 * message above; outside the int range → "ERR value is out of range, value
 * must between <INT_MIN> and <INT_MAX>".  Returns 0, or -1 after replying. */
int argInt(client *c, const dstr arg, int *value);

#endif
