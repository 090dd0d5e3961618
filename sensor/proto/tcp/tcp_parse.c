/* Pure helpers of the tcp module (unit-tested and fuzzed directly). */
#include "ap/err.h"
#include "tcp.h"
#include "ap/common.h"

static int
hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

ssize_t
tcp_banner_decode(const char *s, uint8_t *out, size_t max)
{
    size_t n = 0;
    int hi, lo;
    uint8_t c;

    while (*s) {
        c = (uint8_t)*s++;
        if (c == '\\') {
            switch (*s++) {
            case 'r':
                c = '\r';
                break;
            case 'n':
                c = '\n';
                break;
            case 't':
                c = '\t';
                break;
            case '0':
                c = 0;
                break;
            case '\\':
                c = '\\';
                break;
            case 'x':
                if ((hi = hexval(s[0])) < 0 || (lo = hexval(s[1])) < 0)
                    return AP_EINVAL;
                c = (uint8_t)(hi << 4 | lo);
                s += 2;
                break;
            default: /* includes a trailing lone backslash */
                return AP_EINVAL;
            }
        }
        if (n == max)
            return AP_ETOOBIG;
        out[n++] = c;
    }
    return (ssize_t)n;
}
