/*
 * Helpers every adapter uses.  Readers are lenient about shapes (real
 * honeypots send ports as strings and addresses as arrays); setters are
 * strict about content (attacker strings capped and kept exactly, only
 * real addresses in address fields).
 */
#include <arpa/inet.h>

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapt.h"
#include "ap/err.h"
#include "ap/limits.h"
#include "ap/net.h"
#include "ap/util.h"
#include "ap/common.h"

int
ad_fail(struct ad_ctx *c, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(c->err, c->errlen, fmt, ap);
    va_end(ap);
    return AP_EINVAL;
}

json_t *
ad_parse_object(struct ad_ctx *c)
{
    json_error_t je;
    json_t *o;

    /* jansson rejects invalid UTF-8 and \u0000 and bounds the depth, so
     * every string it returns is valid UTF-8 without NUL. */
    o = json_loadb((const char *)c->in->payload, c->in->len,
                   JSON_REJECT_DUPLICATES, &je);
    if (o == NULL) {
        ad_fail(c, "not JSON: %s (line %d, column %d)", je.text, je.line,
                je.column);
        return NULL;
    }
    if (!json_is_object(o)) {
        json_decref(o);
        ad_fail(c, "payload is not a JSON object");
        return NULL;
    }
    return o;
}

int
ad_tmpl_capture(struct ad_tmpl *t, json_t *ev, size_t from)
{
    void *it;
    const char *k;
    size_t i = 0, kl;

    ad_tmpl_release(t);
    for (it = json_object_iter(ev); it != NULL;
         it = json_object_iter_next(ev, it), i++) {
        if (i < from)
            continue;
        k = json_object_iter_key(it);
        if (t->n == AD_TMPL_MAX || (kl = strlen(k)) >= sizeof(t->kv[0].key)) {
            ad_tmpl_release(t);
            t->bad = 1;
            return -1;
        }
        memcpy(t->kv[t->n].key, k, kl + 1);
        t->kv[t->n++].v = json_incref(json_object_iter_value(it));
    }
    return 0;
}

void
ad_tmpl_apply(struct ad_ctx *c, const struct ad_tmpl *t, json_t *ev)
{
    size_t i;
    json_t *v;

    for (i = 0; i < t->n; i++) {
        v = t->kv[i].v;
        v = json_is_array(v) ? json_copy(v) : json_incref(v);
        /* the key came out of an object: jansson checked it then */
        if (v == NULL ||
            json_object_set_new_nocheck(ev, t->kv[i].key, v) != 0)
            c->oom = 1;
    }
}

void
ad_tmpl_release(struct ad_tmpl *t)
{
    while (t->n > 0)
        json_decref(t->kv[--t->n].v);
    t->bad = 0;
}

void
ad_ctx_release(struct ad_ctx *c)
{
    size_t i;

    ad_tmpl_release(&c->ev_tmpl);
    for (i = 0; i < AP_EV__COUNT; i++) {
        json_decref(c->type_v[i]);
        c->type_v[i] = NULL;
    }
}

/* The "type" value for t, one per payload and type. */
static json_t *
type_value(struct ad_ctx *c, enum ap_event_type t)
{
    const char *type = ap_event_type_name(t);

    if ((unsigned)t >= AP_EV__COUNT)
        return json_stringn_nocheck(type, strlen(type));
    if (c->type_v[t] == NULL &&
        (c->type_v[t] = json_stringn_nocheck(type, strlen(type))) == NULL)
        return NULL;
    return json_incref(c->type_v[t]);
}

json_t *
ad_event(struct ad_ctx *c, enum ap_event_type t, const char *honeypot,
         int64_t ts_us)
{
    char ts[40];
    json_t *ev;

    if (json_array_size(c->out) >= AP_LIMIT_EVENTS_PER_PAYLOAD)
        return NULL;
    if (ts_us == 0)
        ts_us = c->in->rx_us;
    ap_format_time_us(ts_us, ts, sizeof(ts));
    ev = json_object();
    if (ev == NULL || json_array_append_new(c->out, ev) != 0) {
        c->oom = 1;
        return NULL;
    }
    /* ts and type (keys and values) are ours, ASCII: jansson need not
     * check them */
    if (json_object_set_new_nocheck(ev, "ts",
                                    json_stringn_nocheck(ts, strlen(ts))) !=
            0 ||
        json_object_set_new_nocheck(ev, "type", type_value(c, t)) != 0) {
        c->oom = 1;
        return ev;
    }
    /* sensor and honeypot are the same for every event of a payload */
    if (c->ev_honeypot[0] != '\0' && strcmp(c->ev_honeypot, honeypot) == 0) {
        ad_tmpl_apply(c, &c->ev_tmpl, ev);
        return ev;
    }
    if (ap_event_set_bytes(ev, "sensor", c->in->ident,
                           strlen(c->in->ident)) != 0 ||
        ap_event_set_str(ev, "honeypot", honeypot) != 0) {
        c->oom = 1;
        return ev;
    }
    c->ev_honeypot[0] = '\0';
    if (strlen(honeypot) < sizeof(c->ev_honeypot) &&
        ad_tmpl_capture(&c->ev_tmpl, ev, 2) == 0)
        memcpy(c->ev_honeypot, honeypot, strlen(honeypot) + 1);
    return ev;
}

const char *
ad_str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static int
parse_ll(const char *s, long long *v)
{
    char *end;
    long long x;

    while (*s == ' ')
        s++;
    if (!isdigit((unsigned char)*s) && *s != '-')
        return -1;
    x = strtoll(s, &end, 10);
    if (end == s || *end != '\0')
        return -1;
    *v = x;
    return 0;
}

int
ad_int(const json_t *o, const char *key, long long *v)
{
    return ad_intv(json_object_get(o, key), v);
}

int
ad_intv(const json_t *j, long long *v)
{
    if (json_is_integer(j)) {
        *v = json_integer_value(j);
        return 0;
    }
    if (json_is_real(j) && json_real_value(j) >= -9e18 &&
        json_real_value(j) <= 9e18) {
        *v = (long long)json_real_value(j);
        return 0;
    }
    if (json_is_string(j))
        return parse_ll(json_string_value(j), v);
    return -1;
}

int
ad_port(const json_t *o, const char *key)
{
    long long v;

    if (ad_int(o, key, &v) != 0 || v < 0 || v > 65535)
        return -1;
    return (int)v;
}

const char *
ad_ip(const json_t *o, const char *key)
{
    const json_t *j = json_object_get(o, key);

    if (json_is_array(j))
        j = json_array_get(j, 0);
    return json_string_value(j);
}

int64_t
ad_time(const json_t *o, const char *key)
{
    const char *s = ad_str(o, key);
    char b[64];
    int64_t us;
    size_t n;

    if (s == NULL || (n = strlen(s)) >= sizeof(b) || n < 10)
        return 0;
    memcpy(b, s, n + 1);
    /* p0f and snort write "2014/10/23 19:51:41" */
    if (b[4] == '/' && b[7] == '/') {
        b[4] = '-';
        b[7] = '-';
    }
    if (ap_time_parse_iso(b, &us) != 0 || us <= 0)
        return 0;
    return us;
}

const json_t *
ad_any(const json_t *o, const char *const *keys)
{
    const json_t *j;

    for (; *keys; keys++)
        if ((j = json_object_get(o, *keys)) != NULL && !json_is_null(j))
            return j;
    return NULL;
}

void
ad_add_tag(struct ad_ctx *c, json_t *ev, const char *tag)
{
    json_t *tags = json_object_get(ev, "tags"), *v;
    size_t i;

    if (tags == NULL) {
        tags = json_array();
        if (tags == NULL || json_object_set_new(ev, "tags", tags) != 0) {
            c->oom = 1;
            return;
        }
    }
    json_array_foreach(tags, i, v) if (strcmp(json_string_value(v), tag) == 0)
        return;
    if (json_array_size(tags) >= 32)
        return;
    if (json_array_append_new(tags, json_string(tag)) != 0)
        c->oom = 1;
}

void
ad_copy_tags(struct ad_ctx *c, json_t *ev, const json_t *payload)
{
    const json_t *tags = json_object_get(payload, "tags");
    const json_t *v;
    size_t i;

    json_array_foreach(tags, i, v)
    {
        const char *s = json_string_value(v);
        if (s != NULL && *s != '\0' && strlen(s) <= 256)
            ad_add_tag(c, ev, s);
    }
}

void
ad_set_strn(struct ad_ctx *c, json_t *ev, const char *field, const char *s,
            size_t n)
{
    if (ev == NULL || s == NULL || n == 0)
        return;
    if (n > AP_LIMIT_EVENT_STR) {
        n = AP_LIMIT_EVENT_STR;
        /* cut on a character boundary */
        while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
            n--;
        ad_add_tag(c, ev, "truncated");
    }
    if (ap_event_set_bytes(ev, field, s, n) != 0)
        c->oom = 1;
}

void
ad_set_str(struct ad_ctx *c, json_t *ev, const char *field, const char *s)
{
    if (s != NULL)
        ad_set_strn(c, ev, field, s, strlen(s));
}

void
ad_set_int(struct ad_ctx *c, json_t *ev, const char *field, long long v)
{
    if (ev != NULL && ap_event_set_int(ev, field, v) != 0)
        c->oom = 1;
}

void
ad_set_bool(struct ad_ctx *c, json_t *ev, const char *field, int v)
{
    if (ev != NULL && ap_event_set_bool(ev, field, v) != 0)
        c->oom = 1;
}

void
ad_set_real(struct ad_ctx *c, json_t *ev, const char *field, double v)
{
    if (ev != NULL && ap_event_set_real(ev, field, v) != 0)
        c->oom = 1;
}

/* A textual IPv4/IPv6 address, "::ffff:" stripped, into out; -1 if s is
 * not one (MHN stored arrays, hostnames and junk in address fields). */
static int
clean_ip(const char *s, char *out, size_t outlen)
{
    unsigned char bin[16];
    size_t n;

    if (s == NULL || (n = strlen(s)) == 0 || n >= outlen)
        return -1;
    memcpy(out, s, n + 1);
    ap_ip_unmap(out);
    /* "0.0.0.0" (wordpot's SERVER_NAME) says nothing */
    if (strcmp(out, "0.0.0.0") == 0 || strcmp(out, "::") == 0)
        return -1;
    if (inet_pton(AF_INET, out, bin) == 1 || inet_pton(AF_INET6, out, bin) == 1)
        return 0;
    return -1;
}

void
ad_set_addr(struct ad_ctx *c, json_t *ev, const char *src_ip, int src_port,
            const char *dst_ip, int dst_port)
{
    char s[64], d[64];
    int hs, hd;

    if (ev == NULL)
        return;
    hs = clean_ip(src_ip, s, sizeof(s)) == 0;
    hd = clean_ip(dst_ip, d, sizeof(d)) == 0;
    if (src_ip != NULL && *src_ip != '\0' && !hs)
        ad_add_tag(c, ev, "bad_src_ip");
    /* what ap_event_set_addr does, without copying and unmapping the
     * addresses clean_ip has just copied and unmapped */
    if ((hs && ap_event_set_bytes(ev, "src_ip", s, strlen(s)) != 0) ||
        (src_port >= 0 && src_port <= 65535 &&
         ap_event_set_int(ev, "src_port", src_port) != 0) ||
        (hd && ap_event_set_bytes(ev, "dst_ip", d, strlen(d)) != 0) ||
        (dst_port >= 0 && dst_port <= 65535 &&
         ap_event_set_int(ev, "dst_port", dst_port) != 0))
        c->oom = 1;
}

void
ad_set_b64(struct ad_ctx *c, json_t *ev, const char *field, const void *p,
           size_t n)
{
    if (ev == NULL || p == NULL || n == 0)
        return;
    if (n > AP_LIMIT_EVENT_STR)
        ad_add_tag(c, ev, "truncated");
    if (ap_event_set_b64(ev, field, p, n, AP_LIMIT_EVENT_STR) != 0)
        c->oom = 1;
}

void
ad_set_json(struct ad_ctx *c, json_t *ev, const char *field, const json_t *v)
{
    json_t *copy;

    if (ev == NULL || v == NULL)
        return;
    copy = json_deep_copy(v);
    if (copy == NULL || json_object_set_new(ev, field, copy) != 0)
        c->oom = 1;
}

long
ad_unhex(const char *hex, uint8_t *out, size_t max)
{
    size_t i, n = strlen(hex);
    int hi, lo;

    if (n % 2 != 0 || n / 2 > max)
        return -1;
    for (i = 0; i < n; i += 2) {
        hi = isxdigit((unsigned char)hex[i])
                 ? (isdigit((unsigned char)hex[i]) ? hex[i] - '0'
                                                   : (hex[i] | 0x20) - 'a' + 10)
                 : -1;
        lo = isxdigit((unsigned char)hex[i + 1])
                 ? (isdigit((unsigned char)hex[i + 1])
                        ? hex[i + 1] - '0'
                        : (hex[i + 1] | 0x20) - 'a' + 10)
                 : -1;
        if (hi < 0 || lo < 0)
            return -1;
        out[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    return (long)(n / 2);
}
