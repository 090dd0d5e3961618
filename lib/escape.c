#include <string.h>

#include "ap/escape.h"
#include "ap/common.h"

static const char hexd[] = "0123456789abcdef";

/* Writes the escaped form of c into e; returns its length (1, 2 or 4). */
static size_t
escape_one(uint8_t c, char e[4])
{
    if (c == '\\' || c == '"') {
        e[0] = '\\';
        e[1] = (char)c;
        return 2;
    }
    if (c >= 0x20 && c < 0x7f) {
        e[0] = (char)c;
        return 1;
    }
    e[0] = '\\';
    e[1] = 'x';
    e[2] = hexd[c >> 4];
    e[3] = hexd[c & 15];
    return 4;
}

int
ap_escape_c(struct ap_buf *out, const void *p, size_t n)
{
    const uint8_t *s = p;
    char e[4];
    size_t i, k;
    int r;

    for (i = 0; i < n; i++) {
        k = escape_one(s[i], e);
        if ((r = ap_buf_append(out, e, k)) != 0)
            return r;
    }
    return 0;
}

char *
ap_escape_cstr(char *dst, size_t dstlen, const void *p, size_t n)
{
    const uint8_t *s = p;
    size_t i, k, o = 0;
    char e[4];

    if (dstlen == 0)
        return dst;
    for (i = 0; i < n; i++) {
        k = escape_one(s[i], e);
        if (o + k >= dstlen)
            break;
        memcpy(dst + o, e, k);
        o += k;
    }
    dst[o] = '\0';
    return dst;
}
