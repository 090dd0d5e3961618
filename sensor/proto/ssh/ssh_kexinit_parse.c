/* Parsers of ssh_kexinit_parse.h. */
#include <string.h>

#include <openssl/evp.h>

#include "ap/buf.h"
#include "ap/err.h"
#include "ap/rd.h"
#include "ap/util.h"
#include "ssh_kexinit_parse.h"

#include "ap/common.h"

ssize_t
ssh_version_parse(const uint8_t *p, size_t len, char *out, size_t outlen)
{
    const uint8_t *nl = memchr(p, '\n', AP_MIN(len, (size_t)SSH_VERSION_MAX));
    size_t n, i;

    if (len >= 4 && memcmp(p, "SSH-", 4) != 0)
        return AP_EPROTO;
    if (len < 4 && memcmp(p, "SSH-", len) != 0)
        return AP_EPROTO;
    if (nl == NULL)
        return len >= SSH_VERSION_MAX ? AP_EPROTO : 0;
    n = (size_t)(nl - p);
    if (n > 0 && p[n - 1] == '\r')
        n--;
    for (i = 0; i < n; i++)
        if (p[i] < 0x20 || p[i] > 0x7e)
            return AP_EPROTO;
    if (outlen == 0)
        return AP_EINVAL;
    n = AP_MIN(n, outlen - 1);
    memcpy(out, p, n);
    out[n] = '\0';
    return (ssize_t)(nl - p) + 1;
}

ssize_t
ssh_packet_parse(const uint8_t *p, size_t len, size_t max,
                 const uint8_t **payload, size_t *plen)
{
    struct ap_rd r;
    uint32_t plenw;
    uint8_t pad;

    ap_rd_init(&r, p, len);
    if (ap_rd_be32(&r, &plenw) != 0)
        return 0;
    if (plenw < 5 || plenw > max)
        return AP_EPROTO;
    if (len - 4 < plenw)
        return 0;
    if (ap_rd_u8(&r, &pad) != 0 || pad >= plenw || pad < 4)
        return AP_EPROTO;
    *payload = p + 5;
    *plen = plenw - 1 - pad;
    return (ssize_t)plenw + 4;
}

int
ssh_kexinit_parse(const uint8_t *p, size_t len, struct ssh_kexinit *out)
{
    struct ssh_kexinit k;
    struct ap_rd r;
    uint8_t type;
    uint32_t n;
    int i;

    memset(&k, 0, sizeof(k));
    ap_rd_init(&r, p, len);
    if (ap_rd_u8(&r, &type) != 0 || type != SSH_MSG_KEXINIT)
        return AP_EPROTO;
    if (ap_rd_bytes(&r, 16, &k.cookie) != 0)
        return AP_EPROTO;
    for (i = 0; i < SSH_KEX_NLISTS; i++) {
        if (ap_rd_be32(&r, &n) != 0 || ap_rd_bytes(&r, n, &k.list[i].p) != 0)
            return AP_EPROTO;
        k.list[i].n = n;
        /* name-lists are US-ASCII without NUL (RFC 4251 5) */
        for (uint32_t j = 0; j < n; j++)
            if (k.list[i].p[j] < 0x20 || k.list[i].p[j] > 0x7e)
                return AP_EPROTO;
    }
    if (ap_rd_u8(&r, &k.first_kex_follows) != 0 || ap_rd_be32(&r, &n) != 0)
        return AP_EPROTO;
    *out = k;
    return 0;
}

int
ssh_hassh(const struct ssh_kexinit *k, char *algos, size_t algoslen,
          char md5hex[33])
{
    static const enum ssh_kex_list parts[] = {SSH_KEX_ALGS, SSH_ENC_C2S,
                                              SSH_MAC_C2S, SSH_CMP_C2S};
    struct ap_buf b;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    size_t i, n;
    int rc = 0;

    ap_buf_init(&b, 4 * 65536 + 8);
    for (i = 0; i < AP_ARRAY_SIZE(parts) && rc == 0; i++) {
        if (i > 0)
            rc = ap_buf_puts(&b, ";");
        if (rc == 0)
            rc = ap_buf_append(&b, k->list[parts[i]].p, k->list[parts[i]].n);
    }
    if (rc == 0 && EVP_Digest(ap_buf_data(&b), ap_buf_len(&b), md, &mdlen,
                              EVP_md5(), NULL) != 1)
        rc = AP_EINVAL;
    if (rc == 0) {
        ap_hex(md, mdlen, md5hex);
        if (algoslen > 0) {
            n = AP_MIN(ap_buf_len(&b), algoslen - 1);
            memcpy(algos, ap_buf_data(&b), n);
            algos[n] = '\0';
        }
    }
    ap_buf_release(&b);
    return rc;
}
