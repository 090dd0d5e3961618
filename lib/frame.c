#include <string.h>

#include "ap/err.h"
#include "ap/frame.h"
#include "ap/common.h"

ssize_t
ap_frame_line(const uint8_t *p, size_t len, size_t max, size_t *line_len)
{
    size_t scan = AP_MIN(len, max);
    const uint8_t *nl = memchr(p, '\n', scan);
    size_t n;

    if (nl == NULL)
        return len >= max ? AP_ETOOBIG : 0;
    n = (size_t)(nl - p);
    *line_len = (n > 0 && p[n - 1] == '\r') ? n - 1 : n;
    return (ssize_t)(n + 1);
}

ssize_t
ap_frame_len_be(const uint8_t *p, size_t len, size_t at, int width,
                size_t adjust, size_t min, size_t max)
{
    size_t v, i, total;

    if (width != 2 && width != 4)
        return AP_EINVAL;
    if (len < at + (size_t)width)
        return 0;
    for (v = 0, i = 0; i < (size_t)width; i++)
        v = (v << 8) | p[at + i];
    total = v + adjust;
    if (total < min)
        return AP_EPROTO;
    if (total > max)
        return AP_ETOOBIG;
    if (len < total)
        return 0;
    return (ssize_t)total;
}
