/*
 * Compact JSON, byte-identical to jansson's json_dumpb(JSON_COMPACT); see
 * ap/json_dump.h.  jansson 2.14's rules, reproduced: object members in
 * iteration (insertion) order, "key":value joined by ',' with no spaces;
 * strings escape '"', '\\' and bytes below 0x20 (\b \f \n \r \t by name,
 * the others as \u00XX, upper-case hex), nothing else ('/' and DEL stay,
 * UTF-8 is copied); integers as "%lld".  Invalid UTF-8 is an error in
 * jansson: such a string, like a real (jansson's own "%.17g" rules), is
 * not reproduced here but passed to json_dumpb.
 */
#include <stdint.h>
#include <string.h>

#include "ap/json_dump.h"
#include "json_bytes.h"
#include "ap/common.h"

/* Nesting handled here; deeper (or a cycle, which jansson refuses) goes
 * to json_dumpb. */
#define JD_MAX_DEPTH 32

struct jw {
    char *buf;
    size_t size, n;
    int punt; /* something only json_dumpb does right */
    /* the top-level object's members, as they are written */
    ap_json_member_fn *fn;
    void *ctx;
};

static void
put(struct jw *w, const void *s, size_t len)
{
    if (w->n < w->size)
        memcpy(w->buf + w->n, s, AP_MIN(len, w->size - w->n));
    w->n += len;
}

static void
put1(struct jw *w, char c)
{
    if (w->n < w->size)
        w->buf[w->n] = c;
    w->n++;
}

/* 1: the byte ends a run of bytes copied as they are. */
static const unsigned char stop[256] = {
    ['"'] = 1, ['\\'] = 1,
#define S4(x) [x] = 1, [x + 1] = 1, [x + 2] = 1, [x + 3] = 1
#define S16(x) S4(x), S4(x + 4), S4(x + 8), S4(x + 12)
    S16(0x00), S16(0x10), S16(0x80), S16(0x90), S16(0xA0), S16(0xB0),
    S16(0xC0), S16(0xD0), S16(0xE0), S16(0xF0),
#undef S16
#undef S4
};

/* Whether the string is all plain bytes (the usual case: names,
 * addresses, ids), eight at a time, the tail padded with plain bytes. */
static int
str_plain(const char *s, size_t len)
{
    uint64_t x;

    for (; len >= 8; s += 8, len -= 8) {
        memcpy(&x, s, 8);
        if (json_word_stops(x))
            return 0;
    }
    x = 0x6161616161616161ULL;
    memcpy(&x, s, len);
    return !json_word_stops(x);
}

static void
put_str(struct jw *w, const char *str, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p = (const unsigned char *)str, *end = p + len;
    const unsigned char *run = p;
    char esc[6];
    size_t k;

    /* one copy when nothing needs escaping and it fits */
    if (w->n <= w->size && w->size - w->n >= len + 2 &&
        str_plain(str, len)) {
        w->buf[w->n] = '"';
        memcpy(w->buf + w->n + 1, str, len);
        w->buf[w->n + len + 1] = '"';
        w->n += len + 2;
        return;
    }
    put1(w, '"');
    while (p < end) {
        for (; end - p >= 8; p += 8) {
            uint64_t x;

            memcpy(&x, p, 8);
            if (json_word_stops(x))
                break;
        }
        if (p == end)
            break;
        if (!stop[*p]) {
            p++;
            continue;
        }
        if (*p >= 0x80) {
            if ((k = json_utf8_seq(p, (size_t)(end - p))) == 0) {
                w->punt = 1;
                return;
            }
            p += k;
            continue;
        }
        put(w, run, (size_t)(p - run));
        esc[0] = '\\';
        switch (*p) {
        case '"': esc[1] = '"'; k = 2; break;
        case '\\': esc[1] = '\\'; k = 2; break;
        case '\b': esc[1] = 'b'; k = 2; break;
        case '\f': esc[1] = 'f'; k = 2; break;
        case '\n': esc[1] = 'n'; k = 2; break;
        case '\r': esc[1] = 'r'; k = 2; break;
        case '\t': esc[1] = 't'; k = 2; break;
        default:
            memcpy(esc + 1, "u00", 3);
            esc[4] = hex[*p >> 4];
            esc[5] = hex[*p & 15];
            k = 6;
        }
        put(w, esc, k);
        run = ++p;
    }
    put(w, run, (size_t)(p - run));
    put1(w, '"');
}

static void
put_int(struct jw *w, json_int_t v)
{
    char d[24];
    size_t i = sizeof(d);
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v
                                 : (unsigned long long)v;

    do {
        d[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0)
        d[--i] = '-';
    put(w, d + i, sizeof(d) - i);
}

static void
put_value(struct jw *w, const json_t *v, int depth)
{
    char tmp[64];
    size_t i, n;
    void *it;
    int first = 1;

    if (w->punt)
        return;
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        if (depth >= JD_MAX_DEPTH) {
            w->punt = 1;
            return;
        }
        put1(w, '{');
        for (it = json_object_iter((json_t *)v); it != NULL && !w->punt;
             it = json_object_iter_next((json_t *)v, it)) {
            const char *key = json_object_iter_key(it);
            size_t kl = json_object_iter_key_len(it);
            json_t *mv = json_object_iter_value(it);

            if (depth == 0 && w->fn != NULL)
                w->fn(w->ctx, key, kl, mv);
            if (!first)
                put1(w, ',');
            first = 0;
            put_str(w, key, kl);
            put1(w, ':');
            put_value(w, mv, depth + 1);
        }
        put1(w, '}');
        return;
    case JSON_ARRAY:
        if (depth >= JD_MAX_DEPTH) {
            w->punt = 1;
            return;
        }
        put1(w, '[');
        n = json_array_size(v);
        for (i = 0; i < n && !w->punt; i++) {
            if (i > 0)
                put1(w, ',');
            put_value(w, json_array_get(v, i), depth + 1);
        }
        put1(w, ']');
        return;
    case JSON_STRING:
        put_str(w, json_string_value(v), json_string_length(v));
        return;
    case JSON_INTEGER:
        put_int(w, json_integer_value(v));
        return;
    case JSON_TRUE:
        put(w, "true", 4);
        return;
    case JSON_FALSE:
        put(w, "false", 5);
        return;
    case JSON_NULL:
        put(w, "null", 4);
        return;
    case JSON_REAL:
        /* jansson's own formatting of this one value */
        n = json_dumpb(v, tmp, sizeof(tmp), JSON_COMPACT | JSON_ENCODE_ANY);
        if (n == 0 || n > sizeof(tmp))
            w->punt = 1;
        else
            put(w, tmp, n);
        return;
    }
    w->punt = 1;
}

size_t
ap_json_dumpb_compact_each(const json_t *json, char *buf, size_t size,
                           ap_json_member_fn *fn, void *ctx)
{
    struct jw w = {buf, buf != NULL ? size : 0, 0, 0, fn, ctx};
    void *it;

    if (json_is_object(json) || json_is_array(json)) {
        put_value(&w, json, 0);
        if (!w.punt)
            return w.n;
    }
    /* jansson writes it; every member is reported all the same */
    for (it = fn != NULL && json_is_object(json)
                  ? json_object_iter((json_t *)json)
                  : NULL;
         it != NULL; it = json_object_iter_next((json_t *)json, it))
        fn(ctx, json_object_iter_key(it), json_object_iter_key_len(it),
           json_object_iter_value(it));
    return json_dumpb(json, buf, size, JSON_COMPACT);
}

size_t
ap_json_dumpb_compact(const json_t *json, char *buf, size_t size)
{
    return ap_json_dumpb_compact_each(json, buf, size, NULL, NULL);
}
