/*
 * Formatter dispatch, the canonical JSON format and the escapers every
 * text format goes through.
 */
#include <string.h>

#include "format.h"
#include "ap/err.h"
#include "ap/common.h"

static const char *const format_names[] = {
    [AP_FMT_JSON] = "json",     [AP_FMT_ECS] = "ecs",
    [AP_FMT_SPLUNK] = "splunk", [AP_FMT_CEF] = "cef",
    [AP_FMT_CEF_MHN] = "cef_mhn",
};

int
ap_out_format_lookup(const char *name)
{
    size_t i;

    for (i = 0; name && i < sizeof(format_names) / sizeof(format_names[0]); i++)
        if (strcmp(format_names[i], name) == 0)
            return (int)i;
    return -1;
}

const char *
ap_out_format_name(enum ap_out_format f)
{
    return (size_t)f < sizeof(format_names) / sizeof(format_names[0])
               ? format_names[f]
               : "?";
}

int
ap_out_format(enum ap_out_format f, const json_t *ev, struct ap_buf *out)
{
    size_t before = out->len;
    int r;

    switch (f) {
    case AP_FMT_JSON:
        r = ap_fmt_json(ev, out);
        break;
    case AP_FMT_ECS:
        r = ap_fmt_ecs(ev, out);
        break;
    case AP_FMT_SPLUNK:
        r = ap_fmt_splunk(ev, out);
        break;
    case AP_FMT_CEF:
        r = ap_fmt_cef(ev, 0, out);
        break;
    case AP_FMT_CEF_MHN:
        r = ap_fmt_cef(ev, 1, out);
        break;
    default:
        r = AP_EINVAL;
    }
    if (r != 0 && out->len > before)
        out->len = before;
    return r;
}

/* jansson writes \n, \r, \t, \" and \\ escaped and every other control
 * byte as \u00XX, so a dump is always one line. */
static int
dump_cb(const char *buf, size_t n, void *data)
{
    return ap_buf_append(data, buf, n) == 0 ? 0 : -1;
}

int
ap_fmt_json(const json_t *ev, struct ap_buf *out)
{
    if (json_dump_callback(ev, dump_cb, out, JSON_COMPACT | JSON_PRESERVE_ORDER) != 0)
        return AP_ETOOBIG;
    return 0;
}

static const char hexd[] = "0123456789abcdef";

int
ap_esc_splunk(struct ap_buf *out, const char *s, size_t n)
{
    char e[4];
    size_t i, k;
    unsigned char c;
    int r;

    for (i = 0; i < n; i++) {
        c = (unsigned char)s[i];
        k = 2;
        e[0] = '\\';
        if (c == '\\' || c == '"')
            e[1] = (char)c;
        else if (c == '\n')
            e[1] = 'n';
        else if (c == '\r')
            e[1] = 'r';
        else if (c == '\t')
            e[1] = 't';
        else if (c < 0x20 || c == 0x7f) {
            e[1] = 'x';
            e[2] = hexd[c >> 4];
            e[3] = hexd[c & 15];
            k = 4;
        } else {
            e[0] = (char)c;
            k = 1;
        }
        if ((r = ap_buf_append(out, e, k)) != 0)
            return r;
    }
    return 0;
}

/* CEF escaping: special is the one extra character escaped ('|' in the
 * header, '=' in the extension). */
static int
esc_cef(struct ap_buf *out, const char *s, size_t n, char special)
{
    char e[2];
    size_t i, k;
    unsigned char c;
    int r;

    for (i = 0; i < n; i++) {
        c = (unsigned char)s[i];
        k = 2;
        e[0] = '\\';
        if (c == '\\' || c == (unsigned char)special)
            e[1] = (char)c;
        else if (c == '\n')
            e[1] = 'n';
        else if (c == '\r')
            e[1] = 'r';
        else if (c < 0x20 || c == 0x7f) {
            e[0] = ' ';
            k = 1;
        } else {
            e[0] = (char)c;
            k = 1;
        }
        if ((r = ap_buf_append(out, e, k)) != 0)
            return r;
    }
    return 0;
}

int
ap_esc_cef_header(struct ap_buf *out, const char *s, size_t n)
{
    return esc_cef(out, s, n, '|');
}

int
ap_esc_cef_ext(struct ap_buf *out, const char *s, size_t n)
{
    return esc_cef(out, s, n, '=');
}
