/* Firewall/flow log line parsers; see fwlog.h.  Every read is bounded by
 * n; nothing assumes a NUL terminator. */
#include <string.h>
#include <time.h>

#include "ap/cidr.h"
#include "fwlog.h"
#include "ap/err.h"
#include "ap/event.h"
#include "ap/common.h"

/* Strict non-negative decimal in s[0..n); -1 if not one (or too big). */
static long long
dec(const char *s, size_t n)
{
    long long v = 0;
    size_t i;

    if (n == 0 || n > 15)
        return -1;
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* Copy s[0..n) into dst (len bytes) if it fits and is a valid address. */
static int
copy_ip(char *dst, size_t len, const char *s, size_t n)
{
    struct ap_cidr c;

    if (n == 0 || n >= len)
        return AP_EINVAL;
    memcpy(dst, s, n);
    dst[n] = '\0';
    return ap_cidr_parse(dst, &c) == 0 && strchr(dst, '/') == NULL ? 0 : AP_EINVAL;
}

static int
copy_word(char *dst, size_t len, const char *s, size_t n)
{
    size_t i;

    if (n == 0 || n >= len)
        return AP_EINVAL;
    for (i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
            return AP_EINVAL;
        dst[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
    }
    dst[n] = '\0';
    return 0;
}

/* ISO 8601 token, or epoch seconds (with optional fraction). */
static int
parse_time(const char *s, size_t n, int64_t *us)
{
    char tmp[64];
    long long sec, frac = 0, scale = 1000000;
    const char *dot;

    if (n == 0 || n >= sizeof(tmp))
        return AP_EINVAL;
    dot = memchr(s, '.', n);
    if ((sec = dec(s, dot ? (size_t)(dot - s) : n)) >= 0) {
        if (dot) {
            size_t i, fn = n - (size_t)(dot - s) - 1;
            if (fn == 0 || fn > 9)
                return AP_EINVAL;
            for (i = 0; i < fn; i++) {
                char c = dot[1 + i];
                if (c < '0' || c > '9')
                    return AP_EINVAL;
                frac = frac * 10 + (c - '0');
                scale /= 10;
            }
            if (fn > 6) {
                for (i = 6; i < fn; i++)
                    frac /= 10;
                scale = 1;
            } else {
                frac *= scale;
            }
        }
        *us = (int64_t)sec * 1000000 + frac;
        return 0;
    }
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    return ap_time_parse_iso(tmp, us);
}

static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* "Nov 29 08:00:01" (BSD syslog, UTC assumed).  Returns the length used
 * or 0. */
static size_t
bsd_time(const char *s, size_t n, int year, int64_t *us)
{
    struct tm tm;
    long long d, h, mi, se;
    int m;

    if (n < 15 || s[3] != ' ' || s[6] != ' ' || s[9] != ':' || s[12] != ':')
        return 0;
    for (m = 0; m < 12; m++)
        if (memcmp(s, months[m], 3) == 0)
            break;
    if (m == 12)
        return 0;
    d = dec(s[4] == ' ' ? s + 5 : s + 4, s[4] == ' ' ? 1 : 2);
    h = dec(s + 7, 2);
    mi = dec(s + 10, 2);
    se = dec(s + 13, 2);
    if (d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 60)
        return 0;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = year - 1900;
    tm.tm_mon = m;
    tm.tm_mday = (int)d;
    tm.tm_hour = (int)h;
    tm.tm_min = (int)mi;
    tm.tm_sec = (int)se;
    *us = (int64_t)timegm(&tm) * 1000000;
    return 15;
}

int
ap_fw_parse_nflog(const char *line, size_t n, int year, struct ap_fw_rec *r)
{
    struct ap_fw_rec rec;
    const char *p = line, *end = line + n, *tok, *eq;
    int64_t ts = 0;
    int have_src = 0, have_dst = 0, have_proto = 0;
    size_t k, tl;
    long long v;

    memset(&rec, 0, sizeof(rec));
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        end = line + --n;
    /* timestamp: RFC 3339 token, or BSD "Mmm dd hh:mm:ss" */
    if (n >= 19 && line[4] == '-' && line[10] == 'T') {
        for (tok = line; tok < end && *tok != ' '; tok++)
            ;
        if (parse_time(line, (size_t)(tok - line), &ts) != 0)
            return 0;
        p = tok;
    } else if ((k = bsd_time(line, n, year, &ts)) > 0) {
        p = line + k;
    } else {
        return 0;
    }
    while (p < end) {
        while (p < end && *p == ' ')
            p++;
        tok = p;
        while (p < end && *p != ' ')
            p++;
        tl = (size_t)(p - tok);
        if ((eq = memchr(tok, '=', tl)) == NULL)
            continue;
        k = (size_t)(eq - tok);
        tl -= k + 1;
        if (k == 3 && memcmp(tok, "SRC", 3) == 0) {
            if (copy_ip(rec.src, sizeof(rec.src), eq + 1, tl) != 0)
                return AP_EINVAL;
            have_src = 1;
        } else if (k == 3 && memcmp(tok, "DST", 3) == 0) {
            if (copy_ip(rec.dst, sizeof(rec.dst), eq + 1, tl) != 0)
                return AP_EINVAL;
            have_dst = 1;
        } else if (k == 3 && memcmp(tok, "LEN", 3) == 0 && rec.bytes == 0) {
            /* the first LEN is the IP total length (a later one is UDP's) */
            if ((v = dec(eq + 1, tl)) < 0)
                return AP_EINVAL;
            rec.bytes = v;
        } else if (k == 5 && memcmp(tok, "PROTO", 5) == 0) {
            if (copy_word(rec.proto, sizeof(rec.proto), eq + 1, tl) != 0)
                return AP_EINVAL;
            have_proto = 1;
        } else if (k == 3 && (memcmp(tok, "SPT", 3) == 0 || memcmp(tok, "DPT", 3) == 0)) {
            if ((v = dec(eq + 1, tl)) < 0 || v > 65535)
                return AP_EINVAL;
            if (tok[0] == 'S')
                rec.sport = (int)v;
            else
                rec.dport = (int)v;
        }
    }
    if (!have_src && !have_dst)
        return 0;
    if (!have_src || !have_dst || !have_proto)
        return AP_EINVAL;
    rec.start_us = rec.end_us = ts;
    *r = rec;
    return 1;
}

static const char *const csv_names[8][3] = {
    {"src", "src_ip", "source"},     {"dst", "dst_ip", "destination"},
    {"sport", "src_port", "spt"},    {"dport", "dst_port", "dpt"},
    {"proto", "protocol", "transport"}, {"start", "first", "start_time"},
    {"end", "last", "end_time"},     {"bytes", "octets", "size"},
};

/* Next CSV field of [*p, end): trims spaces and one pair of quotes. */
static int
next_field(const char **p, const char *end, const char **fs, size_t *fn)
{
    const char *s = *p, *e;

    if (s > end)
        return 0;
    e = memchr(s, ',', (size_t)(end - s));
    if (e == NULL)
        e = end;
    *p = e + 1;
    while (s < e && (*s == ' ' || *s == '\t'))
        s++;
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
        e--;
    if (e - s >= 2 && *s == '"' && e[-1] == '"') {
        s++;
        e--;
    }
    *fs = s;
    *fn = (size_t)(e - s);
    return 1;
}

int
ap_fw_csv_header(const char *line, size_t n, struct ap_fw_csv *h)
{
    const char *p = line, *end = line + n, *fs;
    struct ap_fw_csv hh;
    size_t fn, j, a;
    int col = 0;

    for (j = 0; j < 8; j++)
        hh.col[j] = -1;
    while (col < 64 && next_field(&p, end, &fs, &fn)) {
        for (j = 0; j < 8; j++)
            for (a = 0; a < 3; a++)
                if (strlen(csv_names[j][a]) == fn &&
                    strncasecmp(fs, csv_names[j][a], fn) == 0 && hh.col[j] < 0)
                    hh.col[j] = col;
        col++;
    }
    if (hh.col[0] < 0 || hh.col[1] < 0)
        return AP_EINVAL;
    *h = hh;
    return 0;
}

int
ap_fw_parse_csv(const struct ap_fw_csv *h, const char *line, size_t n,
                struct ap_fw_rec *r)
{
    const char *p = line, *end = line + n, *fs;
    struct ap_fw_rec rec;
    size_t fn, j;
    long long v;
    int col = 0, seen = 0;

    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        end = line + --n;
    if (n == 0)
        return 0;
    memset(&rec, 0, sizeof(rec));
    while (col < 64 && next_field(&p, end, &fs, &fn)) {
        for (j = 0; j < 8; j++) {
            if (h->col[j] != col)
                continue;
            seen |= 1 << j;
            switch (j) {
            case 0:
                if (copy_ip(rec.src, sizeof(rec.src), fs, fn) != 0)
                    return AP_EINVAL;
                break;
            case 1:
                if (copy_ip(rec.dst, sizeof(rec.dst), fs, fn) != 0)
                    return AP_EINVAL;
                break;
            case 2:
            case 3:
                if (fn == 0)
                    break;
                if ((v = dec(fs, fn)) < 0 || v > 65535)
                    return AP_EINVAL;
                if (j == 2)
                    rec.sport = (int)v;
                else
                    rec.dport = (int)v;
                break;
            case 4:
                if (fn && copy_word(rec.proto, sizeof(rec.proto), fs, fn) != 0)
                    return AP_EINVAL;
                break;
            case 5:
            case 6:
                if (fn && parse_time(fs, fn, j == 5 ? &rec.start_us : &rec.end_us) != 0)
                    return AP_EINVAL;
                break;
            case 7:
                if (fn && (v = dec(fs, fn)) < 0)
                    return AP_EINVAL;
                rec.bytes = fn ? v : 0;
                break;
            }
        }
        col++;
    }
    if ((seen & 3) != 3)
        return AP_EINVAL;
    if (rec.end_us == 0)
        rec.end_us = rec.start_us;
    if (rec.start_us == 0)
        rec.start_us = rec.end_us;
    if (rec.end_us < rec.start_us)
        return AP_EINVAL;
    *r = rec;
    return 1;
}

int
ap_fw_reader_init(struct ap_fw_reader *rd, const char *format, int year)
{
    memset(rd, 0, sizeof(*rd));
    rd->csv = -1;
    rd->year = year;
    if (format == NULL || *format == '\0')
        return 0;
    if (strcmp(format, "csv") == 0)
        rd->csv = 1;
    else if (strcmp(format, "iptables") == 0 || strcmp(format, "nft") == 0)
        rd->csv = 0;
    else
        return AP_EINVAL;
    rd->fixed = 1;
    return 0;
}

void
ap_fw_reader_restart(struct ap_fw_reader *rd)
{
    rd->have_header = 0;
    if (!rd->fixed)
        rd->csv = -1;
}

int
ap_fw_reader_line(struct ap_fw_reader *rd, const char *line, size_t n,
                  struct ap_fw_rec *r)
{
    if (rd->csv < 0) /* detect on the first line: a CSV header? */
        rd->csv = ap_fw_csv_header(line, n, &rd->hdr) == 0;
    if (rd->csv == 1 && !rd->have_header) {
        if (ap_fw_csv_header(line, n, &rd->hdr) != 0)
            return AP_ECONF;
        rd->have_header = 1;
        return 0;
    }
    return rd->csv ? ap_fw_parse_csv(&rd->hdr, line, n, r)
                   : ap_fw_parse_nflog(line, n, rd->year, r);
}
