#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ap/buf.h"
#include "ap/err.h"
#include "ap/common.h"

void
ap_buf_init(struct ap_buf *b, size_t max)
{
    memset(b, 0, sizeof(*b));
    b->max = max;
}

void
ap_buf_release(struct ap_buf *b)
{
    size_t max = b->max;

    free(b->data);
    ap_buf_init(b, max);
}

void
ap_buf_reset(struct ap_buf *b)
{
    b->off = 0;
    b->len = 0;
}

/* Ensure room for n more bytes plus one spare byte for ap_buf_cstr. */
int
ap_buf_reserve(struct ap_buf *b, size_t n, uint8_t **out)
{
    size_t need, nalloc;
    uint8_t *p;

    if (n > b->max || b->len > b->max - n)
        return AP_ETOOBIG;
    need = b->len + n + 1;
    if (b->off + need <= b->alloc) {
        *out = b->data + b->off + b->len;
        return 0;
    }
    if (b->off > 0 && need <= b->alloc) {
        /* Enough room once the consumed prefix is reclaimed. */
        memmove(b->data, b->data + b->off, b->len);
        b->off = 0;
        *out = b->data + b->len;
        return 0;
    }
    nalloc = b->alloc ? b->alloc : 256;
    while (nalloc < need)
        nalloc = nalloc > SIZE_MAX / 2 ? need : nalloc * 2;
    if (nalloc > b->max + 1)
        nalloc = b->max + 1 > need ? b->max + 1 : need;
    if (b->off > 0) {
        memmove(b->data, b->data + b->off, b->len);
        b->off = 0;
    }
    p = realloc(b->data, nalloc);
    if (p == NULL)
        return AP_ENOMEM;
    b->data = p;
    b->alloc = nalloc;
    *out = b->data + b->len;
    return 0;
}

void
ap_buf_commit(struct ap_buf *b, size_t n)
{
    AP_ASSERT(b->off + b->len + n <= b->alloc);
    b->len += n;
}

int
ap_buf_append(struct ap_buf *b, const void *p, size_t n)
{
    uint8_t *dst;
    int r;

    if (n == 0)
        return 0;
    if ((r = ap_buf_reserve(b, n, &dst)) != 0)
        return r;
    memcpy(dst, p, n);
    b->len += n;
    return 0;
}

int
ap_buf_put_u8(struct ap_buf *b, uint8_t v)
{
    return ap_buf_append(b, &v, 1);
}

int
ap_buf_put_be16(struct ap_buf *b, uint16_t v)
{
    uint8_t x[2] = {(uint8_t)(v >> 8), (uint8_t)v};

    return ap_buf_append(b, x, sizeof(x));
}

int
ap_buf_put_be32(struct ap_buf *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8),
                    (uint8_t)v};

    return ap_buf_append(b, x, sizeof(x));
}

int
ap_buf_puts(struct ap_buf *b, const char *s)
{
    return ap_buf_append(b, s, strlen(s));
}

int
ap_buf_vprintf(struct ap_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    uint8_t *dst;
    int n, r;

    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return AP_EINVAL;
    if ((r = ap_buf_reserve(b, (size_t)n, &dst)) != 0)
        return r;
    /* reserve left one spare byte, so the NUL vsnprintf writes fits */
    vsnprintf((char *)dst, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int
ap_buf_printf(struct ap_buf *b, const char *fmt, ...)
{
    va_list ap;
    int r;

    va_start(ap, fmt);
    r = ap_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return r;
}

void
ap_buf_consume(struct ap_buf *b, size_t n)
{
    if (n >= b->len) {
        b->off = 0;
        b->len = 0;
        return;
    }
    b->off += n;
    b->len -= n;
}

const char *
ap_buf_cstr(struct ap_buf *b)
{
    uint8_t *dst;

    if (ap_buf_reserve(b, 0, &dst) != 0)
        return NULL;
    *dst = '\0';
    return (const char *)b->data + b->off;
}
