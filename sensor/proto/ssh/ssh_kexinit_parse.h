/*
 * The cleartext start of an SSH connection as the client sends it (RFC
 * 4253 4.2, 6, 7.1): its version line, then binary packets, the first of
 * which is KEXINIT.  Pure parsers over (bytes, length) returning consumed
 * / 0 need more / AP_EPROTO; the SSH module reads them on the relay to
 * libssh to record the client version and compute HASSH, which libssh
 * has no API for.
 */
#ifndef AP_SSH_KEXINIT_PARSE_H
#define AP_SSH_KEXINIT_PARSE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* RFC 4253 4.2: 255 bytes including CR LF. */
#define SSH_VERSION_MAX 255
/* The first packet; OpenSSH's KEXINIT is ~1.5 KB, RFC minimum 35000. */
#define SSH_FIRST_PACKET_MAX 35000

#define SSH_MSG_KEXINIT 20

enum ssh_kex_list {
    SSH_KEX_ALGS,
    SSH_HOSTKEY_ALGS,
    SSH_ENC_C2S,
    SSH_ENC_S2C,
    SSH_MAC_C2S,
    SSH_MAC_S2C,
    SSH_CMP_C2S,
    SSH_CMP_S2C,
    SSH_LANG_C2S,
    SSH_LANG_S2C,
    SSH_KEX_NLISTS
};

struct ssh_kexinit {
    const uint8_t *cookie; /* 16 bytes */
    struct {
        const uint8_t *p; /* borrows */
        size_t n;
    } list[SSH_KEX_NLISTS];
    uint8_t first_kex_follows;
};

/* One line "SSH-2.0-softwareversion SP comments CR LF" (LF alone is
 * accepted, as OpenSSH does).  Copies the line without CR LF into out
 * (printable ASCII only, else AP_EPROTO).  Lines not starting "SSH-" are
 * an error: servers may send them, clients must not. */
ssize_t ssh_version_parse(const uint8_t *p, size_t len, char *out,
                          size_t outlen);
/* A cleartext binary packet: payload and plen borrow its payload. */
ssize_t ssh_packet_parse(const uint8_t *p, size_t len, size_t max,
                         const uint8_t **payload, size_t *plen);
/* A KEXINIT payload (message byte included). */
int ssh_kexinit_parse(const uint8_t *p, size_t len, struct ssh_kexinit *out);
/* HASSH: algos = "kex;enc_c2s;mac_c2s;cmp_c2s" (NUL-terminated, truncated
 * to algoslen), md5hex = its MD5 (33 bytes). */
int ssh_hassh(const struct ssh_kexinit *k, char *algos, size_t algoslen,
              char md5hex[33]);

#endif
