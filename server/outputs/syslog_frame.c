/*
 * RFC 5424 message header and RFC 6587 octet-counting framing.  Pure
 * functions; the syslog output and the alert destination both use them.
 */
#include <stdio.h>
#include <string.h>

#include "format.h"
#include "ap/err.h"
#include "ap/util.h"
#include "ap/common.h"

/* One header field: PRINTUSASCII only (RFC 5424 6.2), at most max bytes,
 * "-" when empty. */
static int
put_field(struct ap_buf *out, const char *s, size_t max)
{
    size_t i;
    int r;

    if (s == NULL || *s == '\0')
        return ap_buf_puts(out, "- ");
    for (i = 0; s[i] && i < max; i++) {
        unsigned char c = (unsigned char)s[i];
        char ch = (c >= 33 && c <= 126) ? (char)c : '_';
        if ((r = ap_buf_append(out, &ch, 1)) != 0)
            return r;
    }
    return ap_buf_puts(out, " ");
}

int
ap_syslog_5424(struct ap_buf *out, int facility, int severity, int64_t ts_us,
               const char *host, const char *app, int pid, const char *msgid,
               const void *msg, size_t msglen)
{
    size_t before = out->len;
    char ts[40], procid[24];
    int r;

    if (facility < 0 || facility > 23 || severity < 0 || severity > 7)
        return AP_EINVAL;
    if (ts_us > 0)
        ap_format_time_us(ts_us, ts, sizeof(ts));
    else
        snprintf(ts, sizeof(ts), "-");
    if (pid > 0)
        snprintf(procid, sizeof(procid), "%d", pid);
    else
        procid[0] = '\0';
    if ((r = ap_buf_printf(out, "<%d>1 ", facility * 8 + severity)) != 0 ||
        (r = put_field(out, ts, 32)) != 0 ||
        (r = put_field(out, host, 255)) != 0 ||
        (r = put_field(out, app, 48)) != 0 ||
        (r = put_field(out, procid, 128)) != 0 ||
        (r = put_field(out, msgid, 32)) != 0 ||
        (r = ap_buf_puts(out, "- ")) != 0 ||
        (r = ap_buf_append(out, msg, msglen)) != 0) {
        out->len = before;
        return r;
    }
    return 0;
}

int
ap_syslog_octet_frame(struct ap_buf *out, const void *msg, size_t n)
{
    size_t before = out->len;
    int r;

    if ((r = ap_buf_printf(out, "%zu ", n)) != 0 ||
        (r = ap_buf_append(out, msg, n)) != 0) {
        out->len = before;
        return r;
    }
    return 0;
}

int
ap_event_syslog_severity(const json_t *ev)
{
    int s = ap_event_severity10(ev);

    /* 8..10 warning, 5..7 notice, below info */
    return s >= 8 ? 4 : s >= 5 ? 5 : 6;
}
