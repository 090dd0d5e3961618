#include <pthread.h>
#include <stdint.h>

#include "ap/crc32c.h"
#include "ap/common.h"

/* Reflected polynomial 0x82F63B78 (RFC 3720, iSCSI).  The table is built
 * once, on first use, under pthread_once (the server calls this from
 * several threads). */
static uint32_t table[256];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void
build_table(void)
{
    uint32_t c;
    unsigned i, k;

    for (i = 0; i < 256; i++) {
        c = i;
        for (k = 0; k < 8; k++)
            c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
        table[i] = c;
    }
}

uint32_t
ap_crc32c(uint32_t crc, const void *p, size_t n)
{
    const uint8_t *b = p;

    pthread_once(&table_once, build_table);
    crc = ~crc;
    while (n--)
        crc = table[(crc ^ *b++) & 0xff] ^ (crc >> 8);
    return ~crc;
}
