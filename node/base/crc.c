/* crc.c — CRC-16/XMODEM (cluster key slots) and CRC-64/Jones (RDB, DUMP).
 *
 * CRC-16: polynomial 0x1021, not reflected, init 0, no final xor; the
 * cluster specification maps a key to slot crc16(key) % 16384.  Keys are
 * short, so a plain byte-at-a-time table is the right tool.
 *
 * CRC-64: the "Jones" polynomial 0xad93d23594c935a9, reflected in and out,
 * init 0, no final xor — the checksum at the end of RDB files and DUMP
 * payloads.  Whole snapshots (gigabytes) go through it, so it uses
 * slicing-by-8: eight 256-entry tables let one 64-bit load be folded with
 * eight independent lookups instead of eight dependent byte steps, several
 * times faster than the byte loop for 16 KB of tables.  Table k holds the
 * CRC contribution of a byte followed by k zero bytes.
 *
 * The tables are built once by a constructor before main() runs, so the
 * functions are pure and thread-safe.  crc64 is incremental: feeding a
 * buffer in pieces, passing each result as the next call's crc, gives the
 * CRC of the whole buffer. */
#include "node/base/crc.h"

#include <string.h>

#define CRC16_POLY 0x1021
#define CRC64_POLY_REFLECTED 0x95ac9329ac4bc9b5ULL /* 0xad93d23594c935a9 bit-reversed */

static uint16_t crc16Table[256];
static uint64_t crc64Table[8][256];

static void buildCrc16Table(void) {
    for (unsigned i = 0; i < 256; i++) {
        uint16_t crc = (uint16_t)(i << 8);
        for (int bit = 0; bit < 8; bit++)
            crc = (uint16_t)((crc & 0x8000) ? (crc << 1) ^ CRC16_POLY : crc << 1);
        crc16Table[i] = crc;
    }
}

static void buildCrc64Tables(void) {
    for (unsigned i = 0; i < 256; i++) {
        uint64_t crc = i;
        for (int bit = 0; bit < 8; bit++)
            crc = (crc & 1) ? (crc >> 1) ^ CRC64_POLY_REFLECTED : crc >> 1;
        crc64Table[0][i] = crc;
    }
    for (int k = 1; k < 8; k++)
        for (unsigned i = 0; i < 256; i++) {
            uint64_t prev = crc64Table[k - 1][i];
            crc64Table[k][i] = (prev >> 8) ^ crc64Table[0][prev & 0xff];
        }
}

__attribute__((constructor)) static void crcInit(void) {
    buildCrc16Table();
    buildCrc64Tables();
}

uint16_t crc16(const void *buf, size_t len) {
    const uint8_t *p = buf;
    uint16_t crc = 0;
    for (size_t i = 0; i < len; i++)
        crc = (uint16_t)((crc << 8) ^ crc16Table[((crc >> 8) ^ p[i]) & 0xff]);
    return crc;
}

static inline uint64_t crc64Byte(uint64_t crc, uint8_t byte) {
    return crc64Table[0][(crc ^ byte) & 0xff] ^ (crc >> 8);
}

uint64_t crc64(uint64_t crc, const void *buf, size_t len) {
    const uint8_t *p = buf;
    /* Byte steps up to an 8-byte boundary, so the main loop loads aligned. */
    while (len && ((uintptr_t)p & 7)) {
        crc = crc64Byte(crc, *p++);
        len--;
    }
    for (; len >= 8; p += 8, len -= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        w = __builtin_bswap64(w);
#endif
        crc ^= w;
        crc = crc64Table[7][crc & 0xff] ^ crc64Table[6][(crc >> 8) & 0xff] ^
              crc64Table[5][(crc >> 16) & 0xff] ^ crc64Table[4][(crc >> 24) & 0xff] ^
              crc64Table[3][(crc >> 32) & 0xff] ^ crc64Table[2][(crc >> 40) & 0xff] ^
              crc64Table[1][(crc >> 48) & 0xff] ^ crc64Table[0][crc >> 56];
    }
    while (len--) crc = crc64Byte(crc, *p++);
    return crc;
}
