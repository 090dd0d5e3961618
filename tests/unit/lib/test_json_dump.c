/* ap_json_dumpb_compact against jansson's json_dumpb(JSON_COMPACT): the
 * same bytes and the same length for every value type, escapes, NUL,
 * UTF-8 (valid and not), long strings, deep nesting, short buffers and
 * random values. */
#include <stdlib.h>

#include "harness.h"
#include "json_gen.h"
#include "ap/json_dump.h"
#include "ap/common.h"

/* Both serializers at every interesting size; returns the length. */
static size_t
same(const json_t *v)
{
    size_t want = json_dumpb(v, NULL, 0, JSON_COMPACT), got, sz;
    char *a, *b;

    got = ap_json_dumpb_compact(v, NULL, 0);
    if (got != want)
        TH_FAIL("length %zu, jansson %zu", got, want);
    if (want == 0)
        return 0;
    a = malloc(want + 1);
    b = malloc(want + 1);
    if (a == NULL || b == NULL)
        TH_FAIL("out of memory");
    if (json_dumpb(v, a, want + 1, JSON_COMPACT) != want ||
        ap_json_dumpb_compact(v, b, want + 1) != want ||
        memcmp(a, b, want) != 0) {
        a[want] = b[want] = '\0';
        printf("  jansson: %s\n  ours:    %s\n", a, b);
        free(a);
        free(b);
        TH_FAIL("output differs");
    }
    /* too small: the whole length is still returned */
    for (sz = 0; sz < want; sz += 1 + sz / 3)
        if (ap_json_dumpb_compact(v, b, sz) != want) {
            free(a);
            free(b);
            TH_FAIL("size %zu: wrong length", sz);
        }
    free(a);
    free(b);
    return want;
}

static void
same_decref(json_t *v)
{
    if (v == NULL)
        TH_FAIL("cannot build the value");
    same(v);
    json_decref(v);
}

TEST(scalars_in_containers)
{
    json_t *o = json_object(), *a = json_array();

    json_object_set_new(o, "null", json_null());
    json_object_set_new(o, "t", json_true());
    json_object_set_new(o, "f", json_false());
    json_object_set_new(o, "zero", json_integer(0));
    json_object_set_new(o, "neg", json_integer(-42));
    json_object_set_new(o, "max", json_integer(INT64_MAX));
    json_object_set_new(o, "min", json_integer(INT64_MIN));
    json_object_set_new(o, "r1", json_real(1.0));
    json_object_set_new(o, "r2", json_real(-0.1));
    json_object_set_new(o, "r3", json_real(1e300));
    json_object_set_new(o, "r4", json_real(5e-324));
    json_object_set_new(o, "r5", json_real(123456789012345678.0));
    json_object_set_new(o, "empty_o", json_object());
    json_object_set_new(o, "empty_a", json_array());
    json_object_set_new(o, "empty_s", json_string(""));
    json_array_append_new(a, json_integer(1));
    json_array_append_new(a, json_string("two"));
    json_array_append_new(a, json_real(3.5));
    json_array_append_new(a, json_object());
    json_object_set_new(o, "arr", a);
    same_decref(o);
    same_decref(json_array());
    same_decref(json_object());
}

TEST(escapes)
{
    char all[256];
    json_t *o = json_object();
    size_t i;

    for (i = 0; i < 128; i++)
        all[i] = (char)i; /* every ASCII byte, NUL and DEL included */
    json_object_set_new(o, "ascii", json_stringn(all, 128));
    json_object_set_new(o, "slash", json_string("a/b</script>"));
    json_object_set_new(o, "q", json_string("\"\\\"\\\\"));
    json_object_set_new(o, "ctl", json_string("\b\f\n\r\t\x01\x1f\x7f"));
    json_object_setn_new(o, "k\0ey\"\n", 6, json_stringn("v\0\0", 3));
    json_object_set_new(o, "end\\", json_string("\\"));
    ASSERT(same(o) > 128);
    json_decref(o);
}

/* Each byte that ends a run, at every place in a word (the run scan
 * reads eight bytes at a time). */
TEST(stop_bytes_everywhere)
{
    static const unsigned char special[] = {0x00, 0x01, 0x1f, '"', '\\',
                                            0x20, 0x7f, 0xc3, '/', 0x21};
    char s[24];
    size_t i, pos;

    for (i = 0; i < sizeof(special); i++)
        for (pos = 0; pos < sizeof(s) - 1; pos++) {
            json_t *a = json_array();

            memset(s, 'a', sizeof(s));
            s[pos] = (char)special[i];
            if (special[i] == 0xc3)
                s[pos + 1] = (char)0xa9; /* é */
            json_array_append_new(a, json_stringn_nocheck(s, sizeof(s)));
            same_decref(a);
        }
}

TEST(utf8)
{
    json_t *o = json_object();

    json_object_set_new(o, "é", json_string("日本語 ünïcødé 😀 \xef\xbf\xbf"));
    json_object_set_new(o, "edges",
                        json_string("\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf"
                                    "\xee\x80\x80\xf0\x90\x80\x80\xf4\x8f\xbf"
                                    "\xbf"));
    same_decref(o);
}

/* Strings jansson refuses to dump (json_stringn_nocheck keeps them):
 * both must fail. */
TEST(invalid_utf8)
{
    static const char *const bad[] = {
        "\x80", "\xc0\x80", "\xc1\xbf", "\xc2", "\xc2\x41", "\xe0\x80\x80",
        "\xe0\x9f\xbf", "\xed\xa0\x80", "\xed\xbf\xbf", "\xf0\x80\x80\x80",
        "\xf0\x8f\xbf\xbf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xff",
        "ok\xe2\x82", "\xf0\x9f\x98",
    };
    size_t i;

    for (i = 0; i < AP_ARRAY_SIZE(bad); i++) {
        json_t *o = json_object(), *a = json_array();

        json_array_append_new(a, json_stringn_nocheck(bad[i],
                                                       strlen(bad[i])));
        json_object_set_new(o, "a", a);
        ASSERT_EQ(same(o), 0);
        json_decref(o);
        /* jansson 2.14 ignores the failure of a key (it writes a
         * broken '{":true}'): whatever it does, the same */
        o = json_object();
        json_object_set_new_nocheck(o, bad[i], json_true());
        same(o);
        json_decref(o);
    }
}

TEST(huge_string)
{
    size_t n = 3u << 20, i;
    char *s = malloc(n);
    json_t *o = json_object();

    ASSERT(s != NULL);
    for (i = 0; i < n; i++)
        s[i] = (char)(i % 97 == 0 ? '\n' : 'a' + i % 26);
    json_object_set_new(o, "big", json_stringn(s, n));
    free(s);
    ASSERT(same(o) > n);
    json_decref(o);
}

/* Deeper than handled here: jansson's output, through the fallback. */
TEST(deep)
{
    json_t *v = json_string("bottom"), *o;
    int i;

    for (i = 0; i < 100; i++) {
        o = i % 2 ? json_array() : json_object();
        if (i % 2)
            json_array_append_new(o, v);
        else
            json_object_set_new(o, "d", v);
        v = o;
        same(v);
    }
    json_decref(v);
}

/* A cycle: jansson refuses it, and so must we. */
TEST(cycle)
{
    json_t *a = json_array(), *b = json_array();

    json_array_append(a, b);
    json_array_append(b, a);
    ASSERT_EQ(ap_json_dumpb_compact(a, NULL, 0), 0);
    json_array_clear(b);
    json_decref(b);
    json_decref(a);
}

TEST(top_level_scalar)
{
    json_t *s = json_string("x");

    ASSERT_EQ(ap_json_dumpb_compact(s, NULL, 0),
              json_dumpb(s, NULL, 0, JSON_COMPACT));
    json_decref(s);
}

TEST(random_values)
{
    uint8_t buf[4096];
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    size_t i, k, ok = 0;

    for (i = 0; i < 3000; i++) {
        struct jg g = {buf, sizeof(buf)};
        json_t *v;

        for (k = 0; k < sizeof(buf); k++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            /* mostly small bytes: short strings, small containers */
            buf[k] = (uint8_t)(k % 3 ? x % 40 + 0x20 : x >> 24);
        }
        buf[0] = (uint8_t)(7 + i % 5); /* a container at the top */
        v = jg_value(&g, 0);
        if (v == NULL)
            continue;
        ok += same(v) > 0;
        json_decref(v);
    }
    ASSERT(ok > 1000);
}

struct seen {
    size_t n;
    char keys[256];
};

static void
note(void *ctx, const char *key, size_t key_len, json_t *v)
{
    struct seen *s = ctx;

    (void)v;
    if (s->n + key_len + 1 < sizeof(s->keys)) {
        memcpy(s->keys + s->n, key, key_len);
        s->n += key_len;
        s->keys[s->n++] = ',';
        s->keys[s->n] = '\0';
    }
}

/* Every top-level member reaches the callback, in order, however the
 * output ends (written, too short, refused by jansson). */
TEST(members_reported)
{
    json_t *o = json_object();
    struct seen s = {0, ""};
    char buf[8];

    json_object_set_new(o, "id", json_string("x"));
    json_object_set_new(o, "nested", json_pack("{s:{s:i}}", "a", "b", 1));
    json_object_set_new(o, "r", json_real(0.5));
    ASSERT(ap_json_dumpb_compact_each(o, NULL, 0, note, &s) > 0);
    ASSERT_STR_EQ(s.keys, "id,nested,r,");
    s.n = 0;
    ASSERT(ap_json_dumpb_compact_each(o, buf, sizeof(buf), note, &s) >
           sizeof(buf));
    ASSERT_STR_EQ(s.keys, "id,nested,r,");
    /* an invalid string: jansson's answer (an error), all members seen */
    json_object_set_new(o, "bad", json_stringn_nocheck("\xff", 1));
    json_object_set_new(o, "last", json_true());
    s.n = 0;
    ASSERT_EQ(ap_json_dumpb_compact_each(o, NULL, 0, note, &s), 0);
    ASSERT(strstr(s.keys, "id,nested,r,bad,last,") != NULL);
    json_decref(o);
}

int
main(void)
{
    RUN(scalars_in_containers);
    RUN(escapes);
    RUN(stop_bytes_everywhere);
    RUN(utf8);
    RUN(invalid_utf8);
    RUN(huge_string);
    RUN(deep);
    RUN(cycle);
    RUN(top_level_scalar);
    RUN(random_values);
    RUN(members_reported);
    return DONE();
}
