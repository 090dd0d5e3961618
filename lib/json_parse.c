/*
 * json_loadb's result for the common payload, faster; see
 * ap/json_parse.h.  Anything unusual makes it give up (NULL) rather than
 * reproduce jansson's rules: the caller falls back to json_loadb, so
 * values and error messages stay jansson's.  What it accepts it builds
 * with the same calls jansson's parser makes (json_object,
 * json_object_setn_new_nocheck in input order, json_stringn_nocheck of
 * validated UTF-8, json_integer, the literals).
 */
#include <stdint.h>
#include <string.h>

#include "ap/json_parse.h"
#include "json_bytes.h"
#include "ap/common.h"

#define JP_MAX_DEPTH 32
/* Strings with escapes are decoded into a stack buffer up to this. */
#define JP_UNESCAPE_MAX 4096

struct jp {
    const unsigned char *p, *end;
};

static void
skip_ws(struct jp *j)
{
    while (j->p < j->end &&
           (*j->p == ' ' || *j->p == '\n' || *j->p == '\t' || *j->p == '\r'))
        j->p++;
}

/*
 * The string whose opening quote was just passed: its bytes in *s, *n
 * (pointing into the input when it has no escape, else into tmp).
 * 0, or -1 to give up.
 */
static int
scan_string(struct jp *j, char *tmp, const char **s, size_t *n)
{
    const unsigned char *start = j->p, *p = j->p;
    size_t k, o = 0;
    uint64_t x;

    for (;;) {
        while (j->end - p >= 8) {
            memcpy(&x, p, 8);
            if (json_word_stops(x))
                break;
            p += 8;
        }
        if (p >= j->end)
            return -1;
        if (*p == '"')
            break;
        if (*p < 0x20)
            return -1;
        if (*p == '\\')
            goto escaped;
        if (*p >= 0x80) {
            if ((k = json_utf8_seq(p, (size_t)(j->end - p))) == 0)
                return -1;
            p += k;
        } else {
            p++;
        }
    }
    *s = (const char *)start;
    *n = (size_t)(p - start);
    j->p = p + 1;
    return 0;
escaped:
    /* the rest byte by byte into tmp */
    if ((size_t)(p - start) > JP_UNESCAPE_MAX)
        return -1;
    memcpy(tmp, start, (size_t)(p - start));
    o = (size_t)(p - start);
    while (p < j->end && *p != '"') {
        if (o + 4 > JP_UNESCAPE_MAX)
            return -1;
        if (*p < 0x20)
            return -1;
        if (*p == '\\') {
            if (p + 1 >= j->end)
                return -1;
            switch (p[1]) {
            case '"': tmp[o++] = '"'; break;
            case '\\': tmp[o++] = '\\'; break;
            case '/': tmp[o++] = '/'; break;
            case 'b': tmp[o++] = '\b'; break;
            case 'f': tmp[o++] = '\f'; break;
            case 'n': tmp[o++] = '\n'; break;
            case 'r': tmp[o++] = '\r'; break;
            case 't': tmp[o++] = '\t'; break;
            default: return -1; /* \u and invalid ones: jansson */
            }
            p += 2;
            continue;
        }
        if (*p >= 0x80) {
            if ((k = json_utf8_seq(p, (size_t)(j->end - p))) == 0)
                return -1;
            memcpy(tmp + o, p, k);
            o += k;
            p += k;
            continue;
        }
        tmp[o++] = (char)*p++;
    }
    if (p >= j->end)
        return -1;
    *s = tmp;
    *n = o;
    j->p = p + 1;
    return 0;
}

static int
delim(const struct jp *j)
{
    unsigned char c;

    if (j->p >= j->end)
        return 1;
    c = *j->p;
    return c == ',' || c == '}' || c == ']' || c == ' ' || c == '\n' ||
           c == '\t' || c == '\r';
}

static json_t *parse_value(struct jp *j, int depth, char *tmp);

static json_t *
parse_number(struct jp *j)
{
    const unsigned char *p = j->p;
    unsigned long long v = 0;
    size_t digits = 0;
    int neg = 0;

    if (*p == '-') {
        neg = 1;
        p++;
    }
    if (p >= j->end || *p < '0' || *p > '9')
        return NULL;
    if (*p == '0' && p + 1 < j->end && p[1] >= '0' && p[1] <= '9')
        return NULL; /* leading zero: invalid in jansson */
    for (; p < j->end && *p >= '0' && *p <= '9'; p++, digits++)
        v = v * 10 + (unsigned)(*p - '0');
    if (digits > 18)
        return NULL; /* may overflow: jansson decides */
    j->p = p;
    if (!delim(j))
        return NULL; /* a real ('.', 'e'), or junk */
    return json_integer(neg ? -(json_int_t)v : (json_int_t)v);
}

static json_t *
parse_object(struct jp *j, int depth, char *tmp)
{
    json_t *o = json_object(), *v;
    const char *k;
    size_t kn, nkeys = 0;
    char kbuf[256];

    if (o == NULL)
        return NULL;
    skip_ws(j);
    if (j->p < j->end && *j->p == '}') {
        j->p++;
        return o;
    }
    for (;;) {
        skip_ws(j);
        if (j->p >= j->end || *j->p != '"')
            goto fail;
        j->p++;
        if (scan_string(j, tmp, &k, &kn) != 0)
            goto fail;
        if (k == tmp) { /* tmp is needed again for the value */
            if (kn >= sizeof(kbuf))
                goto fail;
            memcpy(kbuf, tmp, kn);
            k = kbuf;
        }
        skip_ws(j);
        if (j->p >= j->end || *j->p != ':')
            goto fail;
        j->p++;
        skip_ws(j);
        if ((v = parse_value(j, depth + 1, tmp)) == NULL)
            goto fail;
        if (json_object_setn_new_nocheck(o, k, kn, v) != 0)
            goto fail;
        nkeys++;
        skip_ws(j);
        if (j->p >= j->end)
            goto fail;
        if (*j->p == ',') {
            j->p++;
            continue;
        }
        if (*j->p != '}')
            goto fail;
        j->p++;
        break;
    }
    /* a duplicate key replaced a value: jansson refuses the payload */
    if (json_object_size(o) != nkeys)
        goto fail;
    return o;
fail:
    json_decref(o);
    return NULL;
}

static json_t *
parse_array(struct jp *j, int depth, char *tmp)
{
    json_t *a = json_array(), *v;

    if (a == NULL)
        return NULL;
    skip_ws(j);
    if (j->p < j->end && *j->p == ']') {
        j->p++;
        return a;
    }
    for (;;) {
        skip_ws(j);
        if ((v = parse_value(j, depth + 1, tmp)) == NULL ||
            json_array_append_new(a, v) != 0)
            goto fail;
        skip_ws(j);
        if (j->p >= j->end)
            goto fail;
        if (*j->p == ',') {
            j->p++;
            continue;
        }
        if (*j->p != ']')
            goto fail;
        j->p++;
        return a;
    }
fail:
    json_decref(a);
    return NULL;
}

static json_t *
literal(struct jp *j, const char *word, size_t n, json_t *v)
{
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n) != 0)
        return NULL;
    j->p += n;
    return delim(j) ? v : NULL;
}

static json_t *
parse_value(struct jp *j, int depth, char *tmp)
{
    const char *s;
    size_t n;

    if (j->p >= j->end || depth > JP_MAX_DEPTH)
        return NULL;
    switch (*j->p) {
    case '{':
        j->p++;
        return parse_object(j, depth, tmp);
    case '[':
        j->p++;
        return parse_array(j, depth, tmp);
    case '"':
        j->p++;
        if (scan_string(j, tmp, &s, &n) != 0)
            return NULL;
        return json_stringn_nocheck(s, n);
    case 't':
        return literal(j, "true", 4, json_true());
    case 'f':
        return literal(j, "false", 5, json_false());
    case 'n':
        return literal(j, "null", 4, json_null());
    default:
        return parse_number(j);
    }
}

json_t *
ap_json_parse_object_fast(const char *p, size_t len)
{
    struct jp j = {(const unsigned char *)p, (const unsigned char *)p + len};
    char tmp[JP_UNESCAPE_MAX];
    json_t *o;

    skip_ws(&j);
    if (j.p >= j.end || *j.p != '{')
        return NULL;
    o = parse_value(&j, 0, tmp);
    skip_ws(&j);
    if (o != NULL && j.p != j.end) {
        json_decref(o);
        return NULL; /* something after the object */
    }
    return o;
}
