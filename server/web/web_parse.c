/* Pure parsers of query parameter values (see web_query.h). */
#include <arpa/inet.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ap/err.h"
#include "ap/event.h"
#include "web_query.h"
#include "ap/common.h"

int
web_parse_int(const char *s, long long min, long long max, long long *out)
{
    char *end;
    long long v;

    if (s == NULL || *s == '\0' || *s == ' ' || *s == '+')
        return AP_EINVAL;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return AP_EINVAL;
    *out = v;
    return 0;
}

int
web_parse_time(const char *s, int64_t *us)
{
    const char *p;
    long long sec;
    int64_t v;
    char ip[24];
    size_t n;

    if (s == NULL || *s == '\0')
        return AP_EINVAL;
    for (p = s; *p >= '0' && *p <= '9'; p++)
        ;
    if (p != s && (*p == '\0' || *p == '.')) {
        n = (size_t)(p - s);
        if (n >= sizeof(ip) || n > 11)
            return AP_EINVAL;
        memcpy(ip, s, n);
        ip[n] = '\0';
        if (web_parse_int(ip, 0, 32503680000LL, &sec) != 0)
            return AP_EINVAL;
        v = (int64_t)sec * 1000000;
        if (*p == '.') {
            int64_t scale = 100000;
            for (p++; *p >= '0' && *p <= '9'; p++) {
                v += (*p - '0') * scale;
                scale /= 10;
            }
            if (*p != '\0')
                return AP_EINVAL;
        }
        *us = v;
        return 0;
    }
    if (strlen(s) > 40)
        return AP_EINVAL;
    return ap_time_parse_iso(s, us) == 0 ? 0 : AP_EINVAL;
}

int
web_ip_ok(const char *s)
{
    unsigned char b[16];

    return s != NULL && strlen(s) < 64 &&
           (inet_pton(AF_INET, s, b) == 1 || inet_pton(AF_INET6, s, b) == 1);
}

int
web_ulid_time_us(const char *id, int64_t *us)
{
    static const char digits[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    uint64_t ms = 0;
    const char *p;
    int i;

    if (id == NULL || strlen(id) != AP_EVENT_ID_LEN)
        return AP_EINVAL;
    for (i = 0; i < 10; i++) {
        if ((p = strchr(digits, id[i])) == NULL || id[i] == '\0')
            return AP_EINVAL;
        if (i == 0 && p - digits > 7)
            return AP_EINVAL;
        ms = (ms << 5) | (uint64_t)(p - digits);
    }
    *us = (int64_t)(ms * 1000);
    return 0;
}
