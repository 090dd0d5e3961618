/*
 * Builds a jansson value from arbitrary bytes (a little program: each
 * byte picks a type, strings and keys take raw bytes, so they may hold
 * NUL, control bytes, UTF-8 and invalid UTF-8).  Shared by test_json_dump
 * (bytes from a seeded PRNG) and fuzz_json_dump (bytes from libFuzzer):
 * both compare ap_json_dumpb_compact with json_dumpb on the result.
 */
#ifndef AP_TEST_JSON_GEN_H
#define AP_TEST_JSON_GEN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>

struct jg {
    const uint8_t *p;
    size_t n;
};

static inline unsigned
jg_byte(struct jg *g)
{
    if (g->n == 0)
        return 0;
    g->n--;
    return *g->p++;
}

/* A run of raw bytes: a length byte, then up to that many bytes. */
static inline size_t
jg_bytes(struct jg *g, const char **s)
{
    size_t len = jg_byte(g);

    if (len > g->n)
        len = g->n;
    *s = (const char *)g->p;
    g->p += len;
    g->n -= len;
    return len;
}

static inline json_t *
jg_value(struct jg *g, int depth)
{
    unsigned op = jg_byte(g), i, k;
    const char *s;
    size_t len;
    json_t *v, *c;
    int64_t x;

    switch (op % 12) {
    case 0: return json_null();
    case 1: return json_true();
    case 2: return json_false();
    case 3:
        x = 0;
        for (i = 0; i < 8; i++)
            x = (int64_t)((uint64_t)x << 8 | jg_byte(g));
        return json_integer((json_int_t)(x >> (op >> 4) * 4));
    case 4: {
        uint64_t bits = 0;
        double d;
        for (i = 0; i < 8; i++)
            bits = bits << 8 | jg_byte(g);
        memcpy(&d, &bits, sizeof(d));
        return json_real(d); /* NULL for NaN/inf */
    }
    case 5: /* valid UTF-8 or not: json_stringn refuses, nocheck keeps */
        len = jg_bytes(g, &s);
        return (op & 16) ? json_stringn_nocheck(s, len) : json_stringn(s, len);
    case 6: /* ASCII, the common case, possibly long */
        len = jg_bytes(g, &s);
        v = json_stringn(s, len);
        if (v != NULL && (op & 32)) {
            char big[5000];
            memset(big, 'a' + (op & 7), sizeof(big));
            json_string_setn(v, big, sizeof(big));
        }
        return v;
    case 7: case 8: case 9:
        if (depth > 40)
            return json_integer(depth);
        v = json_object();
        k = jg_byte(g) % 8;
        for (i = 0; i < k && v != NULL; i++) {
            len = jg_bytes(g, &s);
            c = jg_value(g, depth + 1);
            if (c == NULL)
                continue;
            if (op & 16)
                json_object_setn_new_nocheck(v, s, len, c);
            else if (json_object_setn_new(v, s, len, c) != 0)
                continue;
        }
        return v;
    default:
        if (depth > 40)
            return json_string("deep");
        v = json_array();
        k = jg_byte(g) % 8;
        for (i = 0; i < k && v != NULL; i++) {
            c = jg_value(g, depth + 1);
            if (c != NULL)
                json_array_append_new(v, c);
        }
        return v;
    }
}

#endif
