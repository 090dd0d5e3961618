#include "ap/rd.h"
#include "ap/err.h"
#include "ap/common.h"

int
ap_rd_bytes(struct ap_rd *r, size_t n, const uint8_t **v)
{
    if (r->len < n)
        return AP_ESHORT;
    *v = r->p;
    r->p += n;
    r->len -= n;
    return 0;
}

int
ap_rd_skip(struct ap_rd *r, size_t n)
{
    const uint8_t *v;

    return ap_rd_bytes(r, n, &v);
}

int
ap_rd_u8(struct ap_rd *r, uint8_t *v)
{
    const uint8_t *p;
    int e;

    if ((e = ap_rd_bytes(r, 1, &p)) != 0)
        return e;
    *v = p[0];
    return 0;
}

int
ap_rd_be16(struct ap_rd *r, uint16_t *v)
{
    const uint8_t *p;
    int e;

    if ((e = ap_rd_bytes(r, 2, &p)) != 0)
        return e;
    *v = (uint16_t)((p[0] << 8) | p[1]);
    return 0;
}

int
ap_rd_be32(struct ap_rd *r, uint32_t *v)
{
    const uint8_t *p;
    int e;

    if ((e = ap_rd_bytes(r, 4, &p)) != 0)
        return e;
    *v = ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
         ((uint32_t)p[2] << 8) | p[3];
    return 0;
}

int
ap_rd_le16(struct ap_rd *r, uint16_t *v)
{
    const uint8_t *p;
    int e;

    if ((e = ap_rd_bytes(r, 2, &p)) != 0)
        return e;
    *v = (uint16_t)(p[0] | (p[1] << 8));
    return 0;
}

int
ap_rd_le32(struct ap_rd *r, uint32_t *v)
{
    const uint8_t *p;
    int e;

    if ((e = ap_rd_bytes(r, 4, &p)) != 0)
        return e;
    *v = p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
         ((uint32_t)p[3] << 24);
    return 0;
}

int
ap_rd_le64(struct ap_rd *r, uint64_t *v)
{
    uint32_t lo, hi;
    struct ap_rd save = *r;
    int e;

    if ((e = ap_rd_le32(r, &lo)) != 0 || (e = ap_rd_le32(r, &hi)) != 0) {
        *r = save;
        return e;
    }
    *v = ((uint64_t)hi << 32) | lo;
    return 0;
}

int
ap_rd_s8(struct ap_rd *r, const uint8_t **v, size_t *n)
{
    struct ap_rd save = *r;
    uint8_t l;
    int e;

    if ((e = ap_rd_u8(r, &l)) != 0 || (e = ap_rd_bytes(r, l, v)) != 0) {
        *r = save;
        return e;
    }
    *n = l;
    return 0;
}

void
ap_rd_rest(struct ap_rd *r, const uint8_t **v, size_t *n)
{
    *v = r->p;
    *n = r->len;
    r->p += r->len;
    r->len = 0;
}
