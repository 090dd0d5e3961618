#include <string.h>

#include <openssl/evp.h>

#include "ap/err.h"
#include "ap/hpfeeds.h"
#include "ap/limits.h"
#include "ap/rd.h"
#include "ap/common.h"

const char *
hpf_op_name(uint8_t op)
{
    static const char *const names[] = {"ERROR",   "INFO",      "AUTH",
                                        "PUBLISH", "SUBSCRIBE", "UNSUBSCRIBE"};

    return op < AP_ARRAY_SIZE(names) ? names[op] : "UNKNOWN";
}

size_t
hpf_op_max(uint8_t op, size_t max_msg)
{
    switch (op) {
    case HPF_OP_PUBLISH:
    case HPF_OP_ERROR:
        return max_msg;
    default:
        return AP_LIMIT_HPF_CTRL;
    }
}

ssize_t
hpf_frame(const uint8_t *p, size_t len, size_t max_msg)
{
    struct ap_rd r;
    uint32_t total;
    uint8_t op;

    if (len < HPF_HDR_LEN)
        return 0;
    ap_rd_init(&r, p, len);
    if (ap_rd_be32(&r, &total) != 0 || ap_rd_u8(&r, &op) != 0)
        return 0;
    /* hpfeeds3 spins forever on length < 5 (reference A1.9). */
    if (total < HPF_HDR_LEN || op > HPF_OP_UNSUBSCRIBE)
        return AP_EPROTO;
    if (total > hpf_op_max(op, max_msg))
        return AP_ETOOBIG;
    return (ssize_t)total;
}

ssize_t
hpf_parse(const uint8_t *p, size_t len, size_t max_msg, struct hpf_msg *out)
{
    struct hpf_msg m;
    struct ap_rd r;
    ssize_t total = hpf_frame(p, len, max_msg);
    int e;

    if (total <= 0)
        return total;
    if (len < (size_t)total)
        return 0;
    memset(&m, 0, sizeof(m));
    m.op = p[4];
    m.total = (uint32_t)total;
    ap_rd_init(&r, p + HPF_HDR_LEN, (size_t)total - HPF_HDR_LEN);
    switch (m.op) {
    case HPF_OP_ERROR:
        ap_rd_rest(&r, &m.data, &m.data_len);
        break;
    case HPF_OP_INFO:
        if ((e = ap_rd_s8(&r, &m.name, &m.name_len)) != 0)
            return AP_EPROTO;
        ap_rd_rest(&r, &m.data, &m.data_len);
        break;
    case HPF_OP_AUTH:
        if ((e = ap_rd_s8(&r, &m.ident, &m.ident_len)) != 0)
            return AP_EPROTO;
        ap_rd_rest(&r, &m.data, &m.data_len);
        break;
    case HPF_OP_PUBLISH:
        if ((e = ap_rd_s8(&r, &m.ident, &m.ident_len)) != 0 ||
            (e = ap_rd_s8(&r, &m.channel, &m.channel_len)) != 0)
            return AP_EPROTO;
        ap_rd_rest(&r, &m.data, &m.data_len);
        break;
    case HPF_OP_SUBSCRIBE:
    case HPF_OP_UNSUBSCRIBE:
        if ((e = ap_rd_s8(&r, &m.ident, &m.ident_len)) != 0)
            return AP_EPROTO;
        ap_rd_rest(&r, &m.channel, &m.channel_len);
        break;
    default:
        return AP_EPROTO;
    }
    *out = m;
    return total;
}

static int
put_head(struct ap_buf *b, uint8_t op, size_t body_len)
{
    int r;

    if (body_len > UINT32_MAX - HPF_HDR_LEN)
        return AP_ETOOBIG;
    if ((r = ap_buf_put_be32(b, (uint32_t)(HPF_HDR_LEN + body_len))) != 0 ||
        (r = ap_buf_put_u8(b, op)) != 0)
        return r;
    return 0;
}

static int
put_s8(struct ap_buf *b, const void *s, size_t n)
{
    int r;

    if ((r = ap_buf_put_u8(b, (uint8_t)n)) != 0 ||
        (r = ap_buf_append(b, s, n)) != 0)
        return r;
    return 0;
}

/* Append a whole frame or nothing: on failure b is rolled back. */
static int
put_frame(struct ap_buf *b, uint8_t op, const void *s1, size_t n1,
          const void *s2, size_t n2, int s2_prefixed, const void *rest,
          size_t nrest)
{
    size_t before = b->len, body;
    int r;

    if (n1 > HPF_STR_MAX || (s2_prefixed && n2 > HPF_STR_MAX))
        return AP_EINVAL;
    body = (s1 ? 1 + n1 : 0) + (s2 ? (s2_prefixed ? 1 : 0) + n2 : 0) + nrest;
    if ((r = put_head(b, op, body)) != 0)
        goto fail;
    if (s1 && (r = put_s8(b, s1, n1)) != 0)
        goto fail;
    if (s2 && s2_prefixed && (r = put_s8(b, s2, n2)) != 0)
        goto fail;
    if (s2 && !s2_prefixed && (r = ap_buf_append(b, s2, n2)) != 0)
        goto fail;
    if (rest && (r = ap_buf_append(b, rest, nrest)) != 0)
        goto fail;
    return 0;
fail:
    b->len = before;
    return r;
}

int
hpf_put_error(struct ap_buf *b, const void *text, size_t len)
{
    return put_frame(b, HPF_OP_ERROR, NULL, 0, NULL, 0, 0, text, len);
}

int
hpf_put_info(struct ap_buf *b, const void *name, size_t name_len,
             const uint8_t nonce[HPF_NONCE_LEN])
{
    return put_frame(b, HPF_OP_INFO, name, name_len, NULL, 0, 0, nonce,
                     HPF_NONCE_LEN);
}

int
hpf_put_auth(struct ap_buf *b, const void *ident, size_t ident_len,
             const uint8_t digest[HPF_DIGEST_LEN])
{
    return put_frame(b, HPF_OP_AUTH, ident, ident_len, NULL, 0, 0, digest,
                     HPF_DIGEST_LEN);
}

int
hpf_put_publish(struct ap_buf *b, const void *ident, size_t ident_len,
                const void *chan, size_t chan_len, const void *payload,
                size_t payload_len)
{
    return put_frame(b, HPF_OP_PUBLISH, ident, ident_len, chan, chan_len, 1,
                     payload, payload_len);
}

int
hpf_put_publish_head(struct ap_buf *b, const void *ident, size_t ident_len,
                     const void *chan, size_t chan_len, size_t payload_len)
{
    size_t before = b->len;
    int r;

    if (ident_len > HPF_STR_MAX || chan_len > HPF_STR_MAX)
        return AP_EINVAL;
    if (payload_len > UINT32_MAX - HPF_HDR_LEN - 2 - ident_len - chan_len)
        return AP_ETOOBIG;
    if ((r = put_head(b, HPF_OP_PUBLISH,
                      2 + ident_len + chan_len + payload_len)) != 0 ||
        (r = put_s8(b, ident, ident_len)) != 0 ||
        (r = put_s8(b, chan, chan_len)) != 0) {
        b->len = before;
        return r;
    }
    return 0;
}

int
hpf_put_subscribe(struct ap_buf *b, const void *ident, size_t ident_len,
                  const void *chan, size_t chan_len)
{
    return put_frame(b, HPF_OP_SUBSCRIBE, ident, ident_len, chan, chan_len, 0,
                     NULL, 0);
}

int
hpf_put_unsubscribe(struct ap_buf *b, const void *ident, size_t ident_len,
                    const void *chan, size_t chan_len)
{
    return put_frame(b, HPF_OP_UNSUBSCRIBE, ident, ident_len, chan, chan_len,
                     0, NULL, 0);
}

void
hpf_auth_digest(const uint8_t nonce[HPF_NONCE_LEN], const void *secret,
                size_t secret_len, uint8_t out[HPF_DIGEST_LEN])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned int n = HPF_DIGEST_LEN;

    AP_ASSERT(ctx != NULL);
    AP_ASSERT(EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) == 1);
    EVP_DigestUpdate(ctx, nonce, HPF_NONCE_LEN);
    EVP_DigestUpdate(ctx, secret, secret_len);
    EVP_DigestFinal_ex(ctx, out, &n);
    EVP_MD_CTX_free(ctx);
}
