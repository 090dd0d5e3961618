#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "ap/buf.h"
#include "ap/err.h"
#include "ap/escape.h"
#include "ap/event.h"
#include "ap/net.h"
#include "ap/util.h"
#include "ap/common.h"

const struct ap_event_field ap_event_fields[] = {
#define AP_EVENT_TYPE(e, name, summary)
#define AP_EVENT_FIELD(e, field, kind, req) {AP_EV_##e, field, AP_FK_##kind, req},
#include "ap/event_types.def"
#undef AP_EVENT_TYPE
#undef AP_EVENT_FIELD
};
const size_t ap_event_nfields = AP_ARRAY_SIZE(ap_event_fields);

static const char *const type_names[] = {
#define AP_EVENT_TYPE(e, name, summary) name,
#define AP_EVENT_FIELD(e, field, kind, req)
#include "ap/event_types.def"
#undef AP_EVENT_TYPE
#undef AP_EVENT_FIELD
};

const char *
ap_event_type_name(enum ap_event_type t)
{
    return (unsigned)t < AP_EV__COUNT ? type_names[t] : "";
}

int
ap_event_type_lookup(const char *name)
{
    int i;

    for (i = 1; i < AP_EV__COUNT; i++)
        if (strcmp(type_names[i], name) == 0)
            return i;
    return -1;
}

static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/* 48-bit milliseconds + 80 bits, as 26 base32 characters: the 128-bit
 * number in 5-bit groups from the low end (the first character carries
 * the top 3 bits). */
static void
ulid_encode(char *out, uint64_t ms, const uint8_t r[10])
{
    uint64_t hi = (ms & 0xffffffffffffull) << 16 | (uint64_t)r[0] << 8 | r[1],
             lo = 0;
    int i;

    for (i = 2; i < 10; i++)
        lo = lo << 8 | r[i];
    for (i = 25; i >= 0; i--) {
        out[i] = crockford[lo & 31u];
        lo = lo >> 5 | hi << 59;
        hi >>= 5;
    }
    out[26] = '\0';
}

static EVP_MD *sha256_md;

static void
sha256_fetch(void)
{
    sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

const EVP_MD *
ap_sha256_md(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;

    pthread_once(&once, sha256_fetch);
    /* EVP_sha256() works too, but OpenSSL 3 fetches it again on every
     * init (a global lock and a property lookup per digest) */
    return sha256_md != NULL ? sha256_md : EVP_sha256();
}

void
ap_event_id_new(char *out, int64_t now_us)
{
    uint8_t r[10];

    if (ap_random_bytes(r, sizeof(r)) != 0)
        memset(r, 0, sizeof(r));
    ulid_encode(out, (uint64_t)(now_us / 1000), r);
}

void
ap_event_id_derive(char *out, int64_t ts_us, const void *key, size_t keylen)
{
    uint8_t h[32];
    unsigned int n = sizeof(h);

    EVP_Digest(key, keylen, h, &n, ap_sha256_md(), NULL);
    ulid_encode(out, (uint64_t)(ts_us / 1000), h);
}

void
ap_event_id_derive_ctx(struct evp_md_ctx_st *md, char *out, int64_t ts_us,
                       const void *key, size_t keylen)
{
    uint8_t h[EVP_MAX_MD_SIZE];
    unsigned int n = 0;

    if (EVP_DigestInit_ex(md, ap_sha256_md(), NULL) != 1 ||
        EVP_DigestUpdate(md, key, keylen) != 1 ||
        EVP_DigestFinal_ex(md, h, &n) != 1 || n < 10) {
        ap_event_id_derive(out, ts_us, key, keylen);
        return;
    }
    ulid_encode(out, (uint64_t)(ts_us / 1000), h);
}

json_t *
ap_event_new(enum ap_event_type t, const char *sensor, const char *honeypot,
             int64_t ts_us)
{
    char id[AP_EVENT_ID_LEN + 1], ts[40];
    json_t *ev = json_object();

    if (ev == NULL)
        return NULL;
    if (ts_us == 0)
        ts_us = ap_now_us();
    ap_event_id_new(id, ts_us);
    ap_format_time_us(ts_us, ts, sizeof(ts));
    if (ap_event_set_str(ev, "id", id) != 0 ||
        ap_event_set_str(ev, "ts", ts) != 0 ||
        ap_event_set_str(ev, "type", ap_event_type_name(t)) != 0 ||
        ap_event_set_bytes(ev, "sensor", sensor ? sensor : "",
                           sensor ? strlen(sensor) : 0) != 0 ||
        ap_event_set_bytes(ev, "honeypot", honeypot ? honeypot : "",
                           honeypot ? strlen(honeypot) : 0) != 0) {
        json_decref(ev);
        return NULL;
    }
    return ev;
}

static int
set_new(json_t *ev, const char *field, json_t *v)
{
    if (v == NULL)
        return AP_ENOMEM;
    return json_object_set_new(ev, field, v) == 0 ? 0 : AP_ENOMEM;
}

int
ap_event_set_str(json_t *ev, const char *field, const char *s)
{
    return ap_event_set_bytes(ev, field, s, strlen(s));
}

int
ap_event_set_int(json_t *ev, const char *field, long long v)
{
    return set_new(ev, field, json_integer(v));
}

int
ap_event_set_bool(json_t *ev, const char *field, int v)
{
    return set_new(ev, field, json_boolean(v));
}

int
ap_event_set_real(json_t *ev, const char *field, double v)
{
    return set_new(ev, field, json_real(v));
}

int
ap_utf8_valid(const void *s, size_t n)
{
    const uint8_t *p = s;
    size_t i = 0, k, need;
    uint32_t cp;

    while (i < n) {
        uint8_t c = p[i];
        if (c == 0)
            return 0;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            need = 1;
            cp = c & 0x1fu;
        } else if (c >= 0xe0 && c <= 0xef) {
            need = 2;
            cp = c & 0x0fu;
        } else if (c >= 0xf0 && c <= 0xf4) {
            need = 3;
            cp = c & 0x07u;
        } else {
            return 0;
        }
        if (n - i <= need)
            return 0;
        for (k = 1; k <= need; k++) {
            if ((p[i + k] & 0xc0) != 0x80)
                return 0;
            cp = (cp << 6) | (p[i + k] & 0x3fu);
        }
        /* overlong forms, surrogates, beyond U+10FFFF */
        if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) ||
            (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
            return 0;
        i += need + 1;
    }
    return 1;
}

static int
b64_value(const void *p, size_t n, json_t **out)
{
    size_t enc = 4 * ((n + 2) / 3) + 1;
    char *b = malloc(enc);
    json_t *v;

    if (b == NULL)
        return AP_ENOMEM;
    /* base64 is ASCII: no need for jansson to check it */
    v = json_stringn_nocheck(b, (size_t)EVP_EncodeBlock((unsigned char *)b, p,
                                                        (int)n));
    free(b);
    if (v == NULL)
        return AP_ENOMEM;
    *out = v;
    return 0;
}

int
ap_event_set_bytes(json_t *ev, const char *field, const void *p, size_t n)
{
    char b64name[128];
    struct ap_buf esc;
    json_t *v;
    int r;

    /* ap_utf8_valid is at least as strict as jansson's own check, which
     * need not run again */
    if (ap_utf8_valid(p, n))
        return set_new(ev, field, json_stringn_nocheck(p, n));
    ap_buf_init(&esc, 4 * n + 1);
    if ((r = ap_escape_c(&esc, p, n)) != 0 || ap_buf_cstr(&esc) == NULL) {
        ap_buf_release(&esc);
        return AP_ENOMEM;
    }
    r = set_new(ev, field, json_stringn((const char *)ap_buf_data(&esc),
                                        ap_buf_len(&esc)));
    ap_buf_release(&esc);
    if (r != 0)
        return r;
    snprintf(b64name, sizeof(b64name), "%s_b64", field);
    if ((r = b64_value(p, n, &v)) != 0)
        return r;
    return set_new(ev, b64name, v);
}

int
ap_event_set_b64(json_t *ev, const char *field, const void *p, size_t n,
                 size_t max)
{
    json_t *v;
    int r;

    if ((r = b64_value(p, AP_MIN(n, max), &v)) != 0)
        return r;
    return set_new(ev, field, v);
}

/* An address field: at most 127 bytes of s, "::ffff:" stripped. */
static int
set_ip(json_t *ev, const char *field, const char *s)
{
    char ip[128];
    size_t n = strnlen(s, sizeof(ip) - 1);

    memcpy(ip, s, n);
    ip[n] = '\0';
    ap_ip_unmap(ip);
    return ap_event_set_str(ev, field, ip);
}

int
ap_event_set_addr(json_t *ev, const char *src_ip, int src_port,
                  const char *dst_ip, int dst_port)
{
    int r;

    if (src_ip && *src_ip && (r = set_ip(ev, "src_ip", src_ip)) != 0)
        return r;
    if (src_port >= 0 && src_port <= 65535 &&
        (r = ap_event_set_int(ev, "src_port", src_port)) != 0)
        return r;
    if (dst_ip && *dst_ip && (r = set_ip(ev, "dst_ip", dst_ip)) != 0)
        return r;
    if (dst_port >= 0 && dst_port <= 65535 &&
        (r = ap_event_set_int(ev, "dst_port", dst_port)) != 0)
        return r;
    return 0;
}

static int
digits(const char **s, int n, int *out)
{
    int v = 0, i;

    for (i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*s)[i]))
            return AP_EINVAL;
        v = v * 10 + ((*s)[i] - '0');
    }
    *s += n;
    *out = v;
    return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil); a day past the month's end counts on into the next
 * month, as timegm() normalizes it. */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int
ap_time_parse_iso(const char *s, int64_t *us)
{
    int Y, M, D, h, m, sec, oh = 0, om = 0, sign = 0;
    long frac = 0, scale = 100000;
    time_t t;

    if (digits(&s, 4, &Y) || *s++ != '-' || digits(&s, 2, &M) || *s++ != '-' ||
        digits(&s, 2, &D))
        return AP_EINVAL;
    if (*s != 'T' && *s != ' ')
        return AP_EINVAL;
    s++;
    if (digits(&s, 2, &h) || *s++ != ':' || digits(&s, 2, &m) || *s++ != ':' ||
        digits(&s, 2, &sec))
        return AP_EINVAL;
    if (*s == '.') {
        s++;
        if (!isdigit((unsigned char)*s))
            return AP_EINVAL;
        for (; isdigit((unsigned char)*s); s++) {
            frac += (*s - '0') * scale;
            scale /= 10;
        }
    }
    while (*s == ' ')
        s++;
    if (*s == 'Z') {
        s++;
    } else if (*s == '+' || *s == '-') {
        sign = *s == '-' ? -1 : 1;
        s++;
        if (digits(&s, 2, &oh))
            return AP_EINVAL;
        if (*s == ':')
            s++;
        if (digits(&s, 2, &om))
            return AP_EINVAL;
    } else if (isalpha((unsigned char)*s)) {
        /* a zone name such as "UTC" or "CET" (dionaea): skip it and any
         * numeric offset after it */
        while (isalpha((unsigned char)*s))
            s++;
        while (*s == ' ')
            s++;
        if (*s == '+' || *s == '-') {
            sign = *s == '-' ? -1 : 1;
            s++;
            if (digits(&s, 2, &oh))
                return AP_EINVAL;
            if (*s == ':')
                s++;
            if (digits(&s, 2, &om))
                return AP_EINVAL;
        }
    }
    if (*s != '\0' || M < 1 || M > 12 || D < 1 || D > 31 || h > 23 ||
        m > 59 || sec > 60 || oh > 23 || om > 59)
        return AP_EINVAL;
    /* by hand, not timegm(): ids are derived from every event's parsed
     * time */
    t = (time_t)(days_from_civil(Y, M, D) * 86400 + h * 3600 + m * 60 + sec);
    t -= sign * (oh * 3600 + om * 60);
    *us = (int64_t)t * 1000000 + frac;
    return 0;
}

int64_t
ap_event_ts_us(const json_t *ev)
{
    const char *s = json_string_value(json_object_get(ev, "ts"));
    int64_t us;

    if (s == NULL || ap_time_parse_iso(s, &us) != 0)
        return 0;
    return us;
}

/*
 * Field lookup for ap_event_validate, which runs on every event: a hash of
 * the field names (built once) instead of a strcmp over the whole table
 * per key.  A name may be declared by several types ("sha256"); entries
 * with the same name are chained in declaration order, so the first one
 * that applies wins, as in the table.
 */
enum {
    AP_NFIELDS = 0
#define AP_EVENT_TYPE(e, name, summary)
#define AP_EVENT_FIELD(e, field, kind, req) +1
#include "ap/event_types.def"
#undef AP_EVENT_TYPE
#undef AP_EVENT_FIELD
};
#define FIELD_SLOTS 256 /* a power of two, several times AP_NFIELDS */
#define FIELD_NAME_MAX 23 /* longest field name the index holds */
_Static_assert(AP_ARRAY_SIZE(ap_event_fields) == AP_NFIELDS,
               "AP_NFIELDS counts event_types.def");

static struct {
    struct {
        short k;           /* 1 + first field with the name; 0 free */
        unsigned char len; /* the name, here to compare without a call */
        char name[FIELD_NAME_MAX + 1];
    } slot[FIELD_SLOTS];
    short next[AP_NFIELDS];       /* 1 + next field with the same name */
    short req[AP_EV__COUNT][AP_NFIELDS + 1]; /* 1 + required fields, 0-ended */
    size_t nreq[AP_EV__COUNT];
} fx;

/* Length and three characters: enough to spread the ~80 names (probes
 * average about 1.1), cheaper than hashing every byte. */
static unsigned
name_hash(const char *s, size_t n)
{
    if (n == 0)
        return 0;
    return (unsigned)n * 2654435761u ^ (unsigned char)s[0] * 0x45d9f3bu ^
           (unsigned char)s[n - 1] * 0x119de1f3u ^
           (unsigned char)s[n / 2] * 0x2c1b3c6du;
}

static void
fields_index(void)
{
    size_t i, t, n;
    unsigned h;
    int k;

    for (i = 0; i < AP_NFIELDS; i++) {
        n = strlen(ap_event_fields[i].name);
        if (n > FIELD_NAME_MAX)
            abort(); /* a new field name: raise FIELD_NAME_MAX */
        for (h = name_hash(ap_event_fields[i].name, n);; h++) {
            k = fx.slot[h & (FIELD_SLOTS - 1)].k;
            if (k == 0) {
                fx.slot[h & (FIELD_SLOTS - 1)].k = (short)(i + 1);
                fx.slot[h & (FIELD_SLOTS - 1)].len = (unsigned char)n;
                memcpy(fx.slot[h & (FIELD_SLOTS - 1)].name,
                       ap_event_fields[i].name, n + 1);
                break;
            }
            if (strcmp(ap_event_fields[k - 1].name,
                       ap_event_fields[i].name) == 0) {
                while (fx.next[k - 1] != 0)
                    k = fx.next[k - 1];
                fx.next[k - 1] = (short)(i + 1);
                break;
            }
        }
    }
    for (t = 0; t < AP_EV__COUNT; t++) {
        for (i = n = 0; i < AP_NFIELDS; i++)
            if (ap_event_fields[i].required &&
                (ap_event_fields[i].type == AP_EV_COMMON ||
                 ap_event_fields[i].type == t))
                fx.req[t][n++] = (short)(i + 1);
        fx.req[t][n] = 0;
        fx.nreq[t] = n;
    }
}

static void
fields_ready(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;

    pthread_once(&once, fields_index);
}

static const struct ap_event_field *
field_find(int type, const char *name)
{
    const struct ap_event_field *f;
    size_t n = strlen(name);
    unsigned h;
    int k;

    for (h = name_hash(name, n);; h++) {
        if ((k = fx.slot[h & (FIELD_SLOTS - 1)].k) == 0)
            return NULL;
        if (fx.slot[h & (FIELD_SLOTS - 1)].len == n &&
            memcmp(fx.slot[h & (FIELD_SLOTS - 1)].name, name, n) == 0)
            break;
    }
    for (; k != 0; k = fx.next[k - 1]) {
        f = &ap_event_fields[k - 1];
        if (f->type == AP_EV_COMMON || (int)f->type == type)
            return f;
    }
    return NULL;
}

static int
kind_ok(enum ap_field_kind k, const json_t *v)
{
    switch (k) {
    case AP_FK_STR:
    case AP_FK_B64:
        return json_is_string(v);
    case AP_FK_INT:
        return json_is_integer(v);
    case AP_FK_BOOL:
        return json_is_boolean(v);
    case AP_FK_REAL:
        return json_is_number(v);
    case AP_FK_OBJ:
        return json_is_object(v);
    case AP_FK_ARR:
        return json_is_array(v);
    }
    return 0;
}

/* The first required field (in table order) that ev lacks, or NULL. */
static const struct ap_event_field *
missing_required(const json_t *ev, int type)
{
    const struct ap_event_field *f;
    size_t i;

    for (i = 0; fx.req[type][i] != 0; i++) {
        f = &ap_event_fields[fx.req[type][i] - 1];
        if (json_object_get(ev, f->name) == NULL)
            return f;
    }
    return NULL;
}

int
ap_event_validate(const json_t *ev, char *err, size_t errlen)
{
    const char *tname, *key, *bad = NULL;
    const struct ap_event_field *f;
    char base[128];
    json_t *v;
    size_t kl, seen = 0;
    int type, unknown = 0;

    if (!json_is_object(ev)) {
        snprintf(err, errlen, "event is not an object");
        return AP_EINVAL;
    }
    tname = json_string_value(json_object_get(ev, "type"));
    if (tname == NULL || (type = ap_event_type_lookup(tname)) < 0) {
        snprintf(err, errlen, "unknown event type");
        return AP_EINVAL;
    }
    fields_ready();
    /* One pass over the keys, counting the required fields on the way
     * (keys are unique).  A missing required field is the reason given
     * before any bad key, so the required fields are looked up one by one
     * only when something is wrong. */
    json_object_foreach((json_t *)ev, key, v)
    {
        f = field_find(type, key);
        if (f == NULL) {
            kl = strlen(key);
            if (kl > 4 && kl - 4 < sizeof(base) &&
                strcmp(key + kl - 4, "_b64") == 0) {
                memcpy(base, key, kl - 4);
                base[kl - 4] = '\0';
                f = field_find(type, base);
                if (f && f->kind == AP_FK_STR && json_is_string(v))
                    continue;
            }
            bad = key;
            unknown = 1;
            break;
        }
        if (!kind_ok(f->kind, v)) {
            bad = key;
            break;
        }
        seen += f->required != 0;
    }
    if (bad == NULL && seen == fx.nreq[type])
        return 0;
    if ((f = missing_required(ev, type)) != NULL)
        snprintf(err, errlen, "%s event without required field '%s'", tname,
                 f->name);
    else if (bad == NULL)
        return 0; /* not reached: seen counts what missing_required finds */
    else if (unknown)
        snprintf(err, errlen, "%s event with unknown field '%.64s'", tname,
                 bad);
    else
        snprintf(err, errlen, "%s event field '%s' has the wrong type", tname,
                 bad);
    return AP_EINVAL;
}
