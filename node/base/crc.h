/* crc.h — the checksums of the protocols and file formats:
 * CRC16-CCITT (XMODEM) for cluster key slots, and CRC64 (Jones polynomial,
 * reflected, as RDB files and DUMP payloads use) with an incremental API. */
#ifndef TESSERA_CRC_H
#define TESSERA_CRC_H

#include <stddef.h>
#include <stdint.h>

uint16_t crc16(const void *buf, size_t len);
uint64_t crc64(uint64_t crc, const void *buf, size_t len);

#endif
