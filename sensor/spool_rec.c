/* The spool record codec: pure, no I/O (the fuzz target calls it). */
#include <string.h>

#include "ap/buf.h"
#include "ap/crc32c.h"
#include "ap/err.h"
#include "ap/rd.h"
#include "spool.h"
#include "ap/common.h"

static uint32_t
rec_crc(uint64_t seq, const void *p, size_t n)
{
    uint8_t s[8];
    int i;

    for (i = 7; i >= 0; i--) {
        s[i] = (uint8_t)(seq & 0xff);
        seq >>= 8;
    }
    return ap_crc32c(ap_crc32c(0, s, sizeof(s)), p, n);
}

ssize_t
ap_spool_rec_parse(const uint8_t *p, size_t len, size_t max,
                   struct ap_spool_rec *out)
{
    struct ap_rd r;
    uint32_t n, crc, hi, lo;
    uint64_t seq;
    const uint8_t *data;

    if (len < AP_SPOOL_REC_HDR)
        return 0;
    ap_rd_init(&r, p, len);
    if (ap_rd_be32(&r, &n) != 0 || ap_rd_be32(&r, &crc) != 0 ||
        ap_rd_be32(&r, &hi) != 0 || ap_rd_be32(&r, &lo) != 0)
        return 0;
    if (n == 0 || n > max || n > AP_SPOOL_REC_MAX)
        return AP_EPROTO;
    seq = (uint64_t)hi << 32 | lo;
    if (seq == 0)
        return AP_EPROTO;
    if (ap_rd_bytes(&r, n, &data) != 0)
        return 0;
    if (rec_crc(seq, data, n) != crc)
        return AP_EPROTO;
    out->seq = seq;
    out->data = data;
    out->len = n;
    return (ssize_t)(AP_SPOOL_REC_HDR + n);
}

int
ap_spool_rec_put(struct ap_buf *b, uint64_t seq, const void *p, size_t n)
{
    size_t mark = ap_buf_len(b);
    int r;

    if (n == 0 || n > AP_SPOOL_REC_MAX || seq == 0)
        return n == 0 || seq == 0 ? AP_EINVAL : AP_ETOOBIG;
    if ((r = ap_buf_put_be32(b, (uint32_t)n)) != 0 ||
        (r = ap_buf_put_be32(b, rec_crc(seq, p, n))) != 0 ||
        (r = ap_buf_put_be32(b, (uint32_t)(seq >> 32))) != 0 ||
        (r = ap_buf_put_be32(b, (uint32_t)seq)) != 0 ||
        (r = ap_buf_append(b, p, n)) != 0) {
        b->len = mark; /* never leave half a record */
        return r;
    }
    return 0;
}
