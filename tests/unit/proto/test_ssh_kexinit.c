/* Client version line, cleartext packet and KEXINIT parsing, HASSH of a
 * real OpenSSH 9.2 client hello (the value tshark computes for it), and
 * every truncation of it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ap/err.h"
#include "harness.h"
#include "ssh_kexinit_parse.h"

#include "ap/common.h"

static uint8_t hello[4096];
static size_t hello_len;

static void
load(void)
{
    FILE *f = fopen(AP_SRC_DIR "/tests/data/ssh/openssh_9.2_client_hello.bin",
                    "rb");
    if (f == NULL)
        TH_FAIL("cannot open the captured client hello");
    hello_len = fread(hello, 1, sizeof(hello), f);
    fclose(f);
}

TEST(version_line)
{
    char v[256];
    ASSERT_EQ(ssh_version_parse((const uint8_t *)"SSH-2.0-x y\r\nrest", 17, v,
                                sizeof(v)),
              13);
    ASSERT_STR_EQ(v, "SSH-2.0-x y");
    ASSERT_EQ(ssh_version_parse((const uint8_t *)"SSH-2.0-x\n", 10, v,
                                sizeof(v)),
              10);
    ASSERT_EQ(ssh_version_parse((const uint8_t *)"SSH-2.0", 7, v, sizeof(v)),
              0);
    ASSERT_EQ(ssh_version_parse((const uint8_t *)"SS", 2, v, sizeof(v)), 0);
    ASSERT_EQ(ssh_version_parse((const uint8_t *)"GET / HTTP/1.0\r\n", 16, v,
                                sizeof(v)),
              AP_EPROTO);
    ASSERT_EQ(ssh_version_parse((const uint8_t *)"SSH-2.0-\x01\r\n", 11, v,
                                sizeof(v)),
              AP_EPROTO);
    static uint8_t longline[300];
    memset(longline, 'a', sizeof(longline));
    memcpy(longline, "SSH-", 4);
    ASSERT_EQ(ssh_version_parse(longline, sizeof(longline), v, sizeof(v)),
              AP_EPROTO);
}

TEST(real_client_hassh)
{
    char v[256], algos[2048], md5[33];
    const uint8_t *payload;
    size_t plen;
    struct ssh_kexinit k;
    ssize_t n, m;

    load();
    n = ssh_version_parse(hello, hello_len, v, sizeof(v));
    ASSERT(n > 0);
    ASSERT_STR_EQ(v, "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10");
    m = ssh_packet_parse(hello + n, hello_len - (size_t)n,
                         SSH_FIRST_PACKET_MAX, &payload, &plen);
    ASSERT_EQ(m, (ssize_t)(hello_len - (size_t)n));
    ASSERT_EQ(ssh_kexinit_parse(payload, plen, &k), 0);
    ASSERT_EQ(ssh_hassh(&k, algos, sizeof(algos), md5), 0);
    /* tshark 4.0.17 ssh.kex.hassh for this client (deps-notes 1) */
    ASSERT_STR_EQ(md5, "472b5de333ad665af5cbf10ff892c4df");
    ASSERT(strncmp(algos, "sntrup761x25519-sha512,", 23) == 0);
    ASSERT_EQ(k.list[SSH_LANG_C2S].n, 0);
}

TEST(truncations)
{
    char v[256];
    const uint8_t *payload;
    size_t plen, i;
    struct ssh_kexinit k;
    ssize_t n, m;

    load();
    n = ssh_version_parse(hello, hello_len, v, sizeof(v));
    ASSERT(n > 0);
    for (i = 0; i < hello_len - (size_t)n; i++) {
        m = ssh_packet_parse(hello + n, i, SSH_FIRST_PACKET_MAX, &payload,
                             &plen);
        if (m != 0)
            TH_FAIL("packet truncated at %zu: %zd", i, m);
    }
    m = ssh_packet_parse(hello + n, hello_len - (size_t)n,
                         SSH_FIRST_PACKET_MAX, &payload, &plen);
    ASSERT(m > 0);
    for (i = 0; i < plen; i++)
        if (ssh_kexinit_parse(payload, i, &k) != AP_EPROTO)
            TH_FAIL("kexinit truncated at %zu parsed", i);
}

TEST(bad_packets)
{
    const uint8_t *payload;
    size_t plen;
    static const uint8_t huge[] = {0x7f, 0xff, 0xff, 0xff, 4};
    static const uint8_t tiny[] = {0, 0, 0, 1, 0};
    static const uint8_t badpad[] = {0, 0, 0, 8, 9, 1, 2, 3, 4, 5, 6, 7};
    ASSERT_EQ(ssh_packet_parse(huge, sizeof(huge), SSH_FIRST_PACKET_MAX,
                               &payload, &plen),
              AP_EPROTO);
    ASSERT_EQ(ssh_packet_parse(tiny, sizeof(tiny), SSH_FIRST_PACKET_MAX,
                               &payload, &plen),
              AP_EPROTO);
    ASSERT_EQ(ssh_packet_parse(badpad, sizeof(badpad), SSH_FIRST_PACKET_MAX,
                               &payload, &plen),
              AP_EPROTO);
    struct ssh_kexinit k;
    static const uint8_t notkex[] = {21, 0};
    ASSERT_EQ(ssh_kexinit_parse(notkex, sizeof(notkex), &k), AP_EPROTO);
}

int
main(void)
{
    RUN(version_line);
    RUN(real_client_hassh);
    RUN(truncations);
    RUN(bad_packets);
    return DONE();
}
