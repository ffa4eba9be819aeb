/* blocking.c — placeholder until blocking lands (see blocking.h). */
#include "node/server/blocking.h"

#include "node/net/reply.h"
#include "node/store/db.h"

int blockParseTimeout(client *c, int argi, long long *deadlineMs) {
    (void)argi;
    (void)c;
    *deadlineMs = 0;
    return 0;
}
int blockAllowed(const client *c) {
    (void)c;
    return 0;
}
void blockForKeys(client *c, int type, dstr *keys, int numkeys, long long deadlineMs) {
    (void)type, (void)keys, (void)numkeys, (void)deadlineMs;
    replyNullArray(c);
}
void blockingInit(void) {}
size_t blockedClientCount(void) { return 0; }
size_t blockedKeyCount(void) { return 0; }
