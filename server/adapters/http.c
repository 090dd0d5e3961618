/*
 * HTTP pieces several web honeypots send (glastopf's request_raw,
 * shockpot's header pairs, agave's Go http.Header).  Bounded: at most
 * 64 headers, names up to 256 bytes; values are attacker strings.
 */
#include <string.h>
#include <strings.h>

#include "adapt.h"
#include "ap/common.h"

#define MAX_HEADERS 64

static void
put_header(struct ad_ctx *c, json_t *ev, json_t *hdrs, const char *name,
           size_t nl, const char *val, size_t vl)
{
    char key[257];

    if (nl == 0 || nl >= sizeof(key) || json_object_size(hdrs) >= MAX_HEADERS)
        return;
    memcpy(key, name, nl);
    key[nl] = '\0';
    if (vl > 8192) {
        vl = 8192;
        while (vl > 0 && ((unsigned char)val[vl] & 0xc0) == 0x80)
            vl--;
    }
    /* key and val come from a JSON string: valid UTF-8 already, but a cut
     * may have split a character; json_stringn refuses that */
    if (json_object_set_new(hdrs, key, json_stringn(val, vl)) != 0)
        return;
    if (strcasecmp(key, "User-Agent") == 0)
        ad_set_strn(c, ev, "user_agent", val, vl);
}

static json_t *
headers_obj(struct ad_ctx *c, json_t *ev)
{
    json_t *h = json_object_get(ev, "headers");

    if (h == NULL) {
        h = json_object();
        if (h == NULL || json_object_set_new(ev, "headers", h) != 0) {
            c->oom = 1;
            return NULL;
        }
    }
    return h;
}

void
ad_http_raw(struct ad_ctx *c, json_t *ev, const char *raw, size_t n)
{
    const char *p = raw, *end = raw + n, *eol, *sp1, *sp2, *colon, *v;
    json_t *hdrs;
    size_t line;

    if (ev == NULL || raw == NULL)
        return;
    eol = memchr(p, '\n', n);
    line = eol ? (size_t)(eol - p) : n;
    if (line > 0 && p[line - 1] == '\r')
        line--;
    sp1 = memchr(p, ' ', line);
    if (sp1 != NULL) {
        ad_set_strn(c, ev, "method", p, (size_t)(sp1 - p));
        sp2 = memchr(sp1 + 1, ' ', line - (size_t)(sp1 + 1 - p));
        if (sp2 != NULL) {
            ad_set_strn(c, ev, "path", sp1 + 1, (size_t)(sp2 - sp1 - 1));
            ad_set_strn(c, ev, "version", sp2 + 1,
                        line - (size_t)(sp2 + 1 - p));
        } else {
            ad_set_strn(c, ev, "path", sp1 + 1, line - (size_t)(sp1 + 1 - p));
        }
    }
    if (eol == NULL || (hdrs = headers_obj(c, ev)) == NULL)
        return;
    p = eol + 1;
    while (p < end) {
        eol = memchr(p, '\n', (size_t)(end - p));
        line = eol ? (size_t)(eol - p) : (size_t)(end - p);
        if (line > 0 && p[line - 1] == '\r')
            line--;
        if (line == 0) {
            p = eol ? eol + 1 : end;
            ad_set_b64(c, ev, "body", p, (size_t)(end - p));
            break;
        }
        colon = memchr(p, ':', line);
        if (colon != NULL) {
            v = colon + 1;
            while (v < p + line && *v == ' ')
                v++;
            put_header(c, ev, hdrs, p, (size_t)(colon - p), v,
                       (size_t)(p + line - v));
        }
        if (eol == NULL)
            break;
        p = eol + 1;
    }
    if (json_object_size(hdrs) == 0)
        json_object_del(ev, "headers");
}

void
ad_http_headers(struct ad_ctx *c, json_t *ev, const json_t *h)
{
    const json_t *v;
    const char *k;
    json_t *hdrs;
    size_t i;

    if (ev == NULL || (!json_is_array(h) && !json_is_object(h)) ||
        (hdrs = headers_obj(c, ev)) == NULL)
        return;
    if (json_is_array(h)) {
        json_array_foreach(h, i, v)
        {
            const char *n = json_string_value(json_array_get(v, 0));
            const char *s = json_string_value(json_array_get(v, 1));
            if (n != NULL && s != NULL)
                put_header(c, ev, hdrs, n, strlen(n), s, strlen(s));
        }
    } else {
        json_object_foreach((json_t *)h, k, v)
        {
            /* Go's http.Header: {"Name": ["v1", "v2"]} */
            const char *s = json_is_array(v)
                                ? json_string_value(json_array_get(v, 0))
                                : json_string_value(v);
            if (s != NULL)
                put_header(c, ev, hdrs, k, strlen(k), s, strlen(s));
        }
    }
    if (json_object_size(hdrs) == 0)
        json_object_del(ev, "headers");
}
