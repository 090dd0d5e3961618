/* libFuzzer target for the SSH client hello: version line, first packet,
 * KEXINIT and HASSH, in the order the relay applies them. */
#include <stdlib.h>

#include "ssh_kexinit_parse.h"

#include "ap/common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char v[SSH_VERSION_MAX + 1], algos[1024], md5[33];
    const uint8_t *payload;
    size_t plen;
    struct ssh_kexinit k;
    ssize_t n = ssh_version_parse(data, size, v, sizeof(v));

    if (n <= 0)
        n = 0; /* also try the bytes as a bare packet */
    if ((size_t)n > size)
        abort();
    ssize_t m = ssh_packet_parse(data + n, size - (size_t)n,
                                 SSH_FIRST_PACKET_MAX, &payload, &plen);
    if (m <= 0)
        return 0;
    if ((size_t)m > size - (size_t)n || payload + plen > data + size)
        abort();
    if (ssh_kexinit_parse(payload, plen, &k) == 0)
        (void)ssh_hassh(&k, algos, sizeof(algos), md5);
    return 0;
}
