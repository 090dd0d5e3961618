/* Minimal SMTP submission; see smtp.h. */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "smtp.h"
#include "ap/err.h"
#include "ap/common.h"

struct rd {
    struct ap_conn *c;
    char buf[4096];
    size_t len;
    int starttls; /* a reply line offered STARTTLS (EHLO keywords) */
};

/* Read one reply (multi-line "250-..." until "250 ..."); its code. */
static int
reply(struct rd *r, char *err, size_t errlen)
{
    char *nl;
    long got;
    int code;

    for (;;) {
        while ((nl = memchr(r->buf, '\n', r->len)) == NULL) {
            if (r->len == sizeof(r->buf)) {
                snprintf(err, errlen, "SMTP reply line too long");
                return AP_EPROTO;
            }
            got = ap_conn_read(r->c, r->buf + r->len, sizeof(r->buf) - r->len);
            if (got <= 0) {
                snprintf(err, errlen, "SMTP server closed the connection");
                return AP_EIO;
            }
            r->len += (size_t)got;
        }
        if (nl - r->buf < 3 || sscanf(r->buf, "%3d", &code) != 1) {
            snprintf(err, errlen, "bad SMTP reply");
            return AP_EPROTO;
        }
        {
            int more = nl - r->buf > 3 && r->buf[3] == '-';
            size_t used = (size_t)(nl - r->buf) + 1;
            if (used >= 12 && strncasecmp(r->buf + 4, "STARTTLS", 8) == 0 &&
                (used == 12 || r->buf[12] == '\r' || r->buf[12] == '\n' || r->buf[12] == ' '))
                r->starttls = 1;
            if (!more) {
                snprintf(err, errlen, "SMTP: %.*s", (int)(used > 200 ? 200 : used - 1),
                         r->buf);
            }
            memmove(r->buf, r->buf + used, r->len - used);
            r->len -= used;
            if (!more)
                return code;
        }
    }
}

static int
cmd(struct rd *r, int want, char *err, size_t errlen, const char *fmt, const char *arg)
{
    char line[1100];
    int n, code;

    n = snprintf(line, sizeof(line), fmt, arg);
    if (n < 0 || (size_t)n >= sizeof(line) || strpbrk(arg, "\r\n<>")) {
        snprintf(err, errlen, "bad SMTP argument");
        return AP_EINVAL;
    }
    if (ap_conn_write(r->c, line, (size_t)n) != 0) {
        snprintf(err, errlen, "SMTP write failed");
        return AP_EIO;
    }
    if ((code = reply(r, err, errlen)) < 0)
        return code;
    return code / 100 == want / 100 ? 0 : AP_EPROTO;
}

int
ap_smtp_send(const struct ap_conn_opts *o, int starttls, const char *from,
             const struct ap_strlist *to, const void *msg, size_t n, char *err,
             size_t errlen)
{
    struct ap_conn c;
    struct rd r;
    char host[256];
    size_t i;
    int rc;

    if (ap_conn_open(&c, o, err, errlen) != 0)
        return AP_EIO;
    memset(&r, 0, sizeof(r));
    r.c = &c;
    if (gethostname(host, sizeof(host) - 1) != 0 || strpbrk(host, "\r\n<>"))
        snprintf(host, sizeof(host), "apiary");
    host[sizeof(host) - 1] = '\0';
    if ((rc = reply(&r, err, errlen)) != 220) {
        rc = rc < 0 ? rc : AP_EPROTO;
        goto out;
    }
    if ((rc = cmd(&r, 250, err, errlen, "EHLO %s\r\n", host)) != 0)
        goto out;
    if (starttls) {
        if (!r.starttls) {
            snprintf(err, errlen, "the SMTP server does not offer STARTTLS");
            rc = AP_EPROTO;
            goto out;
        }
        if ((rc = cmd(&r, 220, err, errlen, "STARTTLS\r\n%s", "")) != 0)
            goto out;
        /* Bytes after the 220 came before TLS: an injection attempt
         * (CVE-2011-0411 style); never process them. */
        if (r.len != 0) {
            snprintf(err, errlen, "SMTP server sent data after its STARTTLS reply");
            rc = AP_EPROTO;
            goto out;
        }
        if (ap_conn_starttls(&c, o, err, errlen) != 0) {
            rc = AP_EIO;
            goto out;
        }
        /* RFC 3207: forget what was learned before TLS; greet again. */
        r.starttls = 0;
        if ((rc = cmd(&r, 250, err, errlen, "EHLO %s\r\n", host)) != 0)
            goto out;
    }
    if ((rc = cmd(&r, 250, err, errlen, "MAIL FROM:<%s>\r\n", from)) != 0)
        goto out;
    for (i = 0; i < to->n; i++)
        if ((rc = cmd(&r, 250, err, errlen, "RCPT TO:<%s>\r\n", to->v[i])) != 0)
            goto out;
    if ((rc = cmd(&r, 354, err, errlen, "DATA\r\n%s", "")) != 0)
        goto out;
    if (ap_conn_write(&c, msg, n) != 0 || ap_conn_write(&c, "\r\n.\r\n", 5) != 0) {
        snprintf(err, errlen, "SMTP write failed");
        rc = AP_EIO;
        goto out;
    }
    if ((rc = reply(&r, err, errlen)) / 100 != 2) {
        rc = rc < 0 ? rc : AP_EPROTO;
        goto out;
    }
    (void)cmd(&r, 221, err, errlen, "QUIT\r\n%s", "");
    rc = 0;
out:
    ap_conn_close(&c);
    return rc;
}
