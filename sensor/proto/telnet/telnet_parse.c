/* The telnet stream parser of telnet_parse.h. */
#include <string.h>

#include "ap/err.h"
#include "telnet_parse.h"

#include "ap/common.h"

ssize_t
tn_parse(const uint8_t *p, size_t len, struct tn_item *out)
{
    struct tn_item it;
    size_t i;

    if (len == 0)
        return 0;
    memset(&it, 0, sizeof(it));
    if (p[0] != TN_IAC) {
        const uint8_t *iac = memchr(p, TN_IAC, len);
        it.kind = TN_ITEM_DATA;
        it.p = p;
        it.n = iac ? (size_t)(iac - p) : len;
        *out = it;
        return (ssize_t)it.n;
    }
    if (len < 2)
        return 0;
    switch (p[1]) {
    case TN_IAC: /* an escaped 0xff data byte */
        it.kind = TN_ITEM_DATA;
        it.p = p + 1;
        it.n = 1;
        *out = it;
        return 2;
    case TN_WILL:
    case TN_WONT:
    case TN_DO:
    case TN_DONT:
        if (len < 3)
            return 0;
        it.kind = TN_ITEM_OPT;
        it.cmd = p[1];
        it.opt = p[2];
        *out = it;
        return 3;
    case TN_SB:
        if (len < 3)
            return 0;
        /* find IAC SE, skipping escaped IAC IAC inside the payload */
        for (i = 3; i + 1 < len; i++) {
            if (i - 3 > TN_SB_MAX)
                return AP_EPROTO;
            if (p[i] != TN_IAC)
                continue;
            if (p[i + 1] == TN_IAC) {
                i++;
                continue;
            }
            if (p[i + 1] == TN_SE) {
                it.kind = TN_ITEM_SB;
                it.opt = p[2];
                it.p = p + 3;
                it.n = i - 3;
                *out = it;
                return (ssize_t)(i + 2);
            }
            return AP_EPROTO; /* another command inside SB */
        }
        if (len - 3 > TN_SB_MAX)
            return AP_EPROTO;
        return 0;
    default:
        it.kind = TN_ITEM_CMD;
        it.cmd = p[1];
        *out = it;
        return 2;
    }
}

/* Unescape IAC IAC in an SB payload into buf; returns the length. */
static size_t
sb_unescape(const struct tn_item *it, uint8_t *buf, size_t max)
{
    size_t i, n = 0;
    for (i = 0; i < it->n && n < max; i++) {
        buf[n++] = it->p[i];
        if (it->p[i] == TN_IAC && i + 1 < it->n && it->p[i + 1] == TN_IAC)
            i++;
    }
    return n;
}

int
tn_sb_naws(const struct tn_item *it, unsigned *w, unsigned *h)
{
    uint8_t b[8];
    size_t n;
    if (it->kind != TN_ITEM_SB || it->opt != TN_OPT_NAWS)
        return AP_EINVAL;
    n = sb_unescape(it, b, sizeof(b));
    if (n < 4)
        return AP_EPROTO;
    *w = (unsigned)(b[0] << 8 | b[1]);
    *h = (unsigned)(b[2] << 8 | b[3]);
    return 0;
}

int
tn_sb_ttype(const struct tn_item *it, char *name, size_t len)
{
    uint8_t b[64];
    size_t n, i, k = 0;
    if (it->kind != TN_ITEM_SB || it->opt != TN_OPT_TTYPE || len == 0)
        return AP_EINVAL;
    n = sb_unescape(it, b, sizeof(b));
    if (n < 1 || b[0] != 0) /* 0 = IS */
        return AP_EPROTO;
    for (i = 1; i < n && k + 1 < len; i++)
        if (b[i] >= 0x20 && b[i] < 0x7f)
            name[k++] = (char)b[i];
    name[k] = '\0';
    return 0;
}
