/* ap_json_parse_object_fast against json_loadb(JSON_REJECT_DUPLICATES):
 * the same value, members in the same order, for every payload it takes;
 * NULL (jansson decides) for everything it leaves, errors included.
 * Inputs: the adapters' sample payloads, the ingest benchmark's, and
 * hand-made edge cases. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "ap/json_dump.h"
#include "ap/json_parse.h"
#include "../../../bench/ingest_payload.h"
#include "ap/common.h"

/* 1: the fast path took it (and matched), 0: it gave up. */
static int
compare(const char *p, size_t n)
{
    json_t *fast = ap_json_parse_object_fast(p, n);
    json_t *slow = json_loadb(p, n, JSON_REJECT_DUPLICATES, NULL);
    char *a, *b;
    size_t na, nb;

    if (fast == NULL) {
        json_decref(slow);
        return 0;
    }
    if (slow == NULL) {
        json_decref(fast);
        TH_FAIL("fast path took what jansson refuses: %.*s", (int)n, p);
    }
    na = ap_json_dumpb_compact(fast, NULL, 0);
    nb = ap_json_dumpb_compact(slow, NULL, 0);
    a = malloc(na + 1);
    b = malloc(nb + 1);
    ASSERT(a != NULL && b != NULL);
    ASSERT_EQ(ap_json_dumpb_compact(fast, a, na), na);
    ASSERT_EQ(ap_json_dumpb_compact(slow, b, nb), nb);
    if (!json_equal(fast, slow) || na != nb || memcmp(a, b, na) != 0)
        TH_FAIL("values differ for %.*s", (int)n, p);
    free(a);
    free(b);
    json_decref(fast);
    json_decref(slow);
    return 1;
}

static int
compare_s(const char *s)
{
    return compare(s, strlen(s));
}

TEST(taken_and_equal)
{
    static const char *const ok[] = {
        "{}",
        " {\"a\":1} ",
        "\n\t{ \"a\" : [ ] , \"b\" : { } , \"c\" : [1,-2,0,-0] }\r\n",
        "{\"s\":\"plain ascii, long enough to be scanned in words\"}",
        "{\"esc\":\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t end\"}",
        "{\"k\\\"ey\":\"v\"}",
        "{\"utf8\":\"日本語 ünïcødé 😀\",\"é\":true,\"n\":null,\"f\":false}",
        "{\"nested\":{\"a\":[{\"b\":[[],[{}]]}]},\"max\":999999999999999999}",
        "{\"min\":-999999999999999999,\"\":\"\"}",
        "{\"a\":[true,false,null,\"x\",{\"y\":1}]}",
    };
    size_t i;

    for (i = 0; i < AP_ARRAY_SIZE(ok); i++)
        if (!compare_s(ok[i]))
            TH_FAIL("fast path gave up on %s", ok[i]);
}

/* Left to jansson: its value (or its error) either way. */
TEST(left_to_jansson)
{
    static const char *const no[] = {
        "", " ", "[]", "[1]", "\"s\"", "1", "null",
        "{\"r\":1.5}", "{\"r\":1e5}", "{\"r\":-0.0}", "{\"r\":1E+2}",
        "{\"big\":1234567890123456789}", "{\"big\":-9223372036854775808}",
        "{\"u\":\"\\u00e9\"}", "{\"nul\":\"\\u0000\"}", "{\"x\":\"\\q\"}",
        "{\"a\":1,\"a\":2}", "{\"a\":1}x", "{\"a\":1} {}", "{\"a\":01}",
        "{\"a\":-}", "{\"a\":+1}", "{\"a\":tru}", "{\"a\":truex}",
        "{\"a\":1,}", "{,}", "{\"a\"}", "{\"a\":[1,]}", "{\"a\":[1 2]}",
        "{\"a\":\"unterminated}", "{\"a\":\"\x01\"}", "{\"a\":\"\xff\"}",
        "{\"a\":\"\xc0\x80\"}", "{\"a\":\"\xed\xa0\x80\"}",
        "{\"a\":\"\xf4\x90\x80\x80\"}", "{\"a\":\"\xe2\x82\"}",
        "{\"a\":1", "{\"a\"", "{", "{\"a\":[", "\xef\xbb\xbf{}",
        "{\"a\":NaN}", "{\"a\":Infinity}", "{'a':1}",
    };
    size_t i;

    for (i = 0; i < AP_ARRAY_SIZE(no); i++)
        if (compare_s(no[i]))
            TH_FAIL("fast path took %s", no[i]);
    /* an embedded NUL byte */
    ASSERT_EQ(compare("{\"a\":\"x\0y\"}", 11), 0);
    ASSERT_EQ(compare("{\"a\":1}\0", 8), 0);
}

TEST(deep)
{
    char buf[200];
    size_t n;
    int depth, i;

    for (depth = 1; depth < 60; depth++) {
        n = 0;
        memcpy(buf, "{\"a\":", 5);
        n = 5;
        for (i = 0; i < depth; i++)
            buf[n++] = '[';
        for (i = 0; i < depth; i++)
            buf[n++] = ']';
        buf[n++] = '}';
        ASSERT_EQ(compare(buf, n), depth <= 32);
    }
}

/* Escaped strings go through a bounded buffer: taken while they fit,
 * left to jansson beyond; equal either way. */
TEST(long_escaped_strings)
{
    size_t n = 6000, i, k, o;
    char *p = malloc(2 * n + 32);
    int taken = 0;

    ASSERT(p != NULL);
    for (k = 100; k < n; k += 977) {
        memcpy(p, "{\"s\":\"", 6);
        o = 6;
        for (i = 0; i < k; i++) {
            if (i % 50 == 7)
                p[o++] = '\\';
            p[o++] = i % 50 == 7 ? 'n' : 'a';
        }
        memcpy(p + o, "\"}", 2);
        o += 2;
        taken += compare(p, o);
    }
    ASSERT(taken > 0);
    free(p);
}

/* The adapters' sample payloads and the benchmark's: all taken. */
TEST(sample_payloads)
{
    char path[600], buf[1 << 16];
    const char *chan;
    struct dirent *de;
    DIR *d = opendir(AP_SRC_DIR "/tests/data/adapters");
    size_t n, taken = 0, files = 0;
    long i;
    FILE *f;

    ASSERT(d != NULL);
    while ((de = readdir(d)) != NULL) {
        if (strstr(de->d_name, ".json") == NULL)
            continue;
        snprintf(path, sizeof(path), "%s/tests/data/adapters/%s",
                 AP_SRC_DIR, de->d_name);
        if ((f = fopen(path, "rb")) == NULL)
            continue;
        n = fread(buf, 1, sizeof(buf), f);
        fclose(f);
        files++;
        taken += (size_t)compare(buf, n);
    }
    closedir(d);
    ASSERT(files > 20);
    ASSERT(taken * 2 > files);
    for (i = 0; i < 200; i++) {
        int len = ingest_payload(i, &chan, buf, sizeof(buf));
        ASSERT(len > 0);
        if (!compare(buf, (size_t)len))
            TH_FAIL("benchmark payload %ld not taken", i);
    }
}

int
main(void)
{
    RUN(taken_and_equal);
    RUN(left_to_jansson);
    RUN(deep);
    RUN(long_escaped_strings);
    RUN(sample_payloads);
    return DONE();
}
