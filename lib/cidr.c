/* CIDR ranges; see cidr.h. */
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ap/cidr.h"
#include "ap/err.h"
#include "ap/common.h"

static int
addr_parse(const char *s, int *family, uint8_t a[16])
{
    char tmp[64];

    if (strlen(s) >= sizeof(tmp))
        return AP_EINVAL;
    snprintf(tmp, sizeof(tmp), "%s", s);
    memset(a, 0, 16);
    if (inet_pton(AF_INET, tmp, a) == 1) {
        *family = 4;
        return 0;
    }
    if (inet_pton(AF_INET6, tmp, a) == 1) {
        static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (memcmp(a, mapped, 12) == 0) {
            memmove(a, a + 12, 4);
            memset(a + 4, 0, 12);
            *family = 4;
        } else {
            *family = 6;
        }
        return 0;
    }
    return AP_EINVAL;
}

int
ap_cidr_parse(const char *s, struct ap_cidr *out)
{
    char host[64];
    const char *slash = strchr(s, '/');
    struct ap_cidr c;
    char *end;
    long bits;
    size_t n = slash ? (size_t)(slash - s) : strlen(s);

    if (n == 0 || n >= sizeof(host))
        return AP_EINVAL;
    memcpy(host, s, n);
    host[n] = '\0';
    if (addr_parse(host, &c.family, c.addr) != 0)
        return AP_EINVAL;
    if (slash) {
        bits = strtol(slash + 1, &end, 10);
        if (end == slash + 1 || *end || bits < 0 || bits > (c.family == 4 ? 32 : 128))
            return AP_EINVAL;
        c.bits = (int)bits;
    } else {
        c.bits = c.family == 4 ? 32 : 128;
    }
    *out = c;
    return 0;
}

int
ap_cidr_match(const struct ap_cidr *c, const char *ip)
{
    uint8_t a[16];
    int fam, full, rest;

    if (ip == NULL || addr_parse(ip, &fam, a) != 0 || fam != c->family)
        return 0;
    full = c->bits / 8;
    rest = c->bits % 8;
    if (memcmp(a, c->addr, (size_t)full) != 0)
        return 0;
    if (rest && ((a[full] ^ c->addr[full]) & (0xff << (8 - rest)) & 0xff))
        return 0;
    return 1;
}

int
ap_cidr_list_add(struct ap_cidr_list *l, const char *csv, char *err, size_t errlen)
{
    const char *p = csv, *e;
    char item[80];
    struct ap_cidr c, *v;
    size_t n;

    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        if (!*p)
            break;
        for (e = p; *e && *e != ',' && *e != ' '; e++)
            ;
        n = (size_t)(e - p);
        if (n >= sizeof(item) ||
            (memcpy(item, p, n), item[n] = '\0', ap_cidr_parse(item, &c) != 0)) {
            snprintf(err, errlen, "bad address range '%.*s'", (int)(n > 60 ? 60 : n), p);
            return AP_EINVAL;
        }
        if ((v = realloc(l->v, (l->n + 1) * sizeof(*v))) == NULL)
            return AP_ENOMEM;
        l->v = v;
        l->v[l->n++] = c;
        p = e;
    }
    return 0;
}

int
ap_cidr_list_match(const struct ap_cidr_list *l, const char *ip)
{
    size_t i;

    for (i = 0; i < l->n; i++)
        if (ap_cidr_match(&l->v[i], ip))
            return 1;
    return 0;
}

void
ap_cidr_list_free(struct ap_cidr_list *l)
{
    free(l->v);
    l->v = NULL;
    l->n = 0;
}
