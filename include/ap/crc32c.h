/* CRC-32C (Castagnoli), the checksum of spool records: cheap, and good at
 * catching torn writes and bit rot.  Software table; no hardware needed. */
#ifndef AP_CRC32C_H
#define AP_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Continue a CRC: start with crc = 0. */
uint32_t ap_crc32c(uint32_t crc, const void *p, size_t n);

#endif
