/* fuzz_aof.c — libFuzzer target for the AOF command-stream parser.
 *
 * The input is parsed as an AOF stream twice: whole, and fed in chunks of
 * a size picked by the first byte (the way the loader's buffer refills).
 * Both transcripts (each command's arguments, or the error and where it
 * happened) must be identical, every prefix of a command the parser
 * accepted must ask for more bytes (never fail, never succeed), and every
 * accepted command must re-encode canonically into bytes that parse back
 * to the same arguments (annotations excepted).  Any difference aborts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aof/aof_stream.h"
#include "node/base/dstr.h"
#include "node/base/mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "fuzz_aof: %s\n", what);
        abort();
    }
}

static dstr encode(const aofCommand *cmd) {
    dstr s = dstrCatPrintf(dstrEmpty(), "*%d\r\n", cmd->argc);
    for (int i = 0; i < cmd->argc; i++) {
        s = dstrCatPrintf(s, "$%zu\r\n", dstrLen(cmd->argv[i]));
        s = dstrCatLen(s, cmd->argv[i], dstrLen(cmd->argv[i]));
        s = dstrCatLen(s, "\r\n", 2);
    }
    return s;
}

/* Parses buf whole; the transcript records each item. */
static dstr transcriptWhole(const char *buf, size_t len) {
    dstr t = dstrEmpty();
    aofCommand cmd = {0};
    size_t pos = 0;
    for (;;) {
        size_t used = 0;
        const char *err = NULL;
        int rc = aofParseCommand(buf + pos, len - pos, &used, &cmd, &err);
        if (rc != AOF_PARSE_OK) {
            t = dstrCatPrintf(t, "end %d at %zu\n", rc, pos);
            break;
        }
        check(used > 0 && used <= len - pos, "used out of range");
        if (cmd.argc) {
            /* Headers may carry leading zeros ("$01"), as Valkey's loader
             * accepts: the canonical re-encoding is never longer and parses
             * back to the same arguments. */
            dstr again = encode(&cmd);
            check(dstrLen(again) <= used, "re-encoding longer than the input");
            aofCommand back = {0};
            size_t u3;
            const char *e3;
            check(aofParseCommand(again, dstrLen(again), &u3, &back, &e3) == AOF_PARSE_OK && u3 == dstrLen(again),
                  "re-encoding does not parse");
            check(back.argc == cmd.argc, "re-encoding argc differs");
            for (int i = 0; i < cmd.argc; i++)
                check(dstrLen(back.argv[i]) == dstrLen(cmd.argv[i]) &&
                          memcmp(back.argv[i], cmd.argv[i], dstrLen(cmd.argv[i])) == 0,
                      "re-encoding argument differs");
            aofCommandFree(&back);
            dstrFree(again);
            for (size_t cut = 0; cut < used && cut < 64; cut++) {
                aofCommand tmp = {0};
                size_t u2;
                const char *e2;
                check(aofParseCommand(buf + pos, cut, &u2, &tmp, &e2) == AOF_PARSE_MORE, "prefix not MORE");
                aofCommandFree(&tmp);
            }
        }
        t = dstrCatPrintf(t, "item %d %zu\n", cmd.argc, used);
        pos += used;
    }
    aofCommandFree(&cmd);
    return t;
}

/* The same through a growing window, as the loader's buffer does. */
static dstr transcriptChunked(const char *buf, size_t len, size_t chunk) {
    dstr t = dstrEmpty();
    aofCommand cmd = {0};
    size_t pos = 0, avail = chunk < len ? chunk : len;
    for (;;) {
        size_t used = 0;
        const char *err = NULL;
        int rc = aofParseCommand(buf + pos, avail - pos, &used, &cmd, &err);
        if (rc == AOF_PARSE_MORE && avail < len) {
            avail = avail + chunk < len ? avail + chunk : len;
            continue;
        }
        if (rc != AOF_PARSE_OK) {
            t = dstrCatPrintf(t, "end %d at %zu\n", rc, pos);
            break;
        }
        t = dstrCatPrintf(t, "item %d %zu\n", cmd.argc, used);
        pos += used;
        if (avail < pos) avail = pos;
    }
    aofCommandFree(&cmd);
    return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    size_t chunk = (size_t)(data[0] % 16) + 1;
    const char *buf = (const char *)data + 1;
    size_t len = size - 1;
    dstr a = transcriptWhole(buf, len);
    dstr b = transcriptChunked(buf, len, chunk);
    check(strcmp(a, b) == 0, "whole and chunked transcripts differ");
    dstrFree(a);
    dstrFree(b);
    return 0;
}
