/*
 * Output formatters against golden files built from real cowrie events
 * (tests/data/outputs/events.jsonl, see make_events.py), and against
 * parsers written here from the CEF and RFC 5424 specifications, so a
 * hostile string never breaks a line or a field in any format.
 *
 * AP_UPDATE_GOLDEN=1 rewrites the golden files (review the diff!).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "format.h"
#include "ap/err.h"
#include "ap/event.h"
#include "ap/common.h"

#define MAXEV 64

static json_t *events[MAXEV];
static size_t nevents;

static void
load_events(void)
{
    FILE *f = fopen(AP_TEST_DATA "/events.jsonl", "r");
    char line[16384];
    json_error_t je;

    if (f == NULL) {
        perror(AP_TEST_DATA "/events.jsonl");
        exit(1);
    }
    while (nevents < MAXEV && fgets(line, sizeof(line), f)) {
        events[nevents] = json_loads(line, 0, &je);
        if (events[nevents] == NULL) {
            fprintf(stderr, "events.jsonl: %s\n", je.text);
            exit(1);
        }
        nevents++;
    }
    fclose(f);
}

TEST(events_are_canonical)
{
    char err[256];
    size_t i;

    ASSERT(nevents >= 12);
    for (i = 0; i < nevents; i++)
        if (ap_event_validate(events[i], err, sizeof(err)) != 0)
            TH_FAIL("event %zu: %s", i, err);
}

/* Format every event with f; one line each; compare with the golden. */
static void
golden(enum ap_out_format f)
{
    char path[512], *want = NULL;
    struct ap_buf all, line;
    size_t i, j, wantlen = 0;
    FILE *g;

    ap_buf_init(&all, 1 << 20);
    ap_buf_init(&line, 1 << 16);
    for (i = 0; i < nevents; i++) {
        ap_buf_reset(&line);
        ASSERT_EQ(ap_out_format(f, events[i], &line), 0);
        for (j = 0; j < ap_buf_len(&line); j++) {
            char c = (char)ap_buf_data(&line)[j];
            if (c == '\n' || c == '\r' || c == '\0')
                TH_FAIL("%s event %zu: byte %zu is %d", ap_out_format_name(f),
                        i, j, c);
        }
        ASSERT_EQ(ap_buf_append(&all, ap_buf_data(&line), ap_buf_len(&line)), 0);
        ASSERT_EQ(ap_buf_puts(&all, "\n"), 0);
    }
    snprintf(path, sizeof(path), "%s/%s.golden", AP_TEST_DATA,
             ap_out_format_name(f));
    if (getenv("AP_UPDATE_GOLDEN")) {
        g = fopen(path, "w");
        ASSERT(g != NULL);
        fwrite(ap_buf_data(&all), 1, ap_buf_len(&all), g);
        fclose(g);
    }
    g = fopen(path, "r");
    if (g == NULL)
        TH_FAIL("missing %s", path);
    want = malloc(1 << 20);
    wantlen = fread(want, 1, 1 << 20, g);
    fclose(g);
    if (wantlen != ap_buf_len(&all) ||
        memcmp(want, ap_buf_data(&all), wantlen) != 0) {
        fprintf(stdout, "got:\n%.*s", (int)ap_buf_len(&all),
                (const char *)ap_buf_data(&all));
        free(want);
        TH_FAIL("%s differs from the output above", path);
    }
    free(want);
    ap_buf_release(&all);
    ap_buf_release(&line);
}

TEST(golden_json) { golden(AP_FMT_JSON); }
TEST(golden_ecs) { golden(AP_FMT_ECS); }
TEST(golden_splunk) { golden(AP_FMT_SPLUNK); }
TEST(golden_cef) { golden(AP_FMT_CEF); }
TEST(golden_cef_mhn) { golden(AP_FMT_CEF_MHN); }

/* ---- a CEF parser written from the spec (rev. 25) ---- */

/* Unescape a CEF value in place (\\ \| \= \n \r). */
static void
cef_unescape(char *s)
{
    char *o = s;

    for (; *s; s++) {
        if (*s == '\\' && s[1]) {
            s++;
            *o++ = *s == 'n' ? '\n' : *s == 'r' ? '\r' : *s;
        } else {
            *o++ = *s;
        }
    }
    *o = '\0';
}

struct cef {
    char hdr[8][1024];
    char keys[64][64];
    char vals[64][4096];
    int nkv;
};

/* Split at unescaped '|' into 7 header fields + extension; then the
 * extension into key=value where a key is [A-Za-z0-9_]+ preceded by a
 * space (or the start) and followed by an unescaped '='. */
static int
cef_parse(const char *line, struct cef *c)
{
    const char *p = strstr(line, "CEF:"), *start;
    int field = 0;
    size_t n;

    memset(c, 0, sizeof(*c));
    if (p == NULL)
        return -1;
    start = p;
    while (field < 7) {
        if (*p == '\0')
            return -1;
        if (*p == '\\' && p[1]) {
            p += 2;
            continue;
        }
        if (*p == '|') {
            n = (size_t)(p - start);
            if (n >= sizeof(c->hdr[0]))
                return -1;
            memcpy(c->hdr[field], start, n);
            cef_unescape(c->hdr[field]);
            field++;
            start = p + 1;
        }
        p++;
    }
    /* extension */
    while (*p) {
        const char *k = p, *eq, *v, *q, *next = NULL;
        while (*p && *p != '=' && *p != ' ')
            p++;
        if (*p != '=')
            return -2;
        eq = p;
        v = eq + 1;
        for (q = v; *q; q++) {
            if (*q == '\\' && q[1]) {
                q++;
                continue;
            }
            if (*q == '=')
                return -3; /* an unescaped '=' in a value */
            if (*q == ' ') {
                const char *r = q + 1;
                while ((*r >= 'a' && *r <= 'z') || (*r >= 'A' && *r <= 'Z') ||
                       (*r >= '0' && *r <= '9') || *r == '_')
                    r++;
                if (r > q + 1 && *r == '=') {
                    next = q;
                    break;
                }
            }
        }
        if (c->nkv >= 64 || (size_t)(eq - k) >= 64)
            return -4;
        memcpy(c->keys[c->nkv], k, (size_t)(eq - k));
        n = (size_t)((next ? next : q) - v);
        if (n >= sizeof(c->vals[0]))
            return -5;
        memcpy(c->vals[c->nkv], v, n);
        cef_unescape(c->vals[c->nkv]);
        c->nkv++;
        p = next ? next + 1 : q;
    }
    return 0;
}

static const char *
cef_get(const struct cef *c, const char *key)
{
    int i;

    for (i = 0; i < c->nkv; i++)
        if (strcmp(c->keys[i], key) == 0)
            return c->vals[i];
    return NULL;
}

/* What a CEF round trip keeps of s: control bytes other than \n \r
 * become spaces. */
static void
cef_expect(const char *s, char *out, size_t len)
{
    size_t i;

    for (i = 0; s[i] && i + 1 < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        out[i] = (ch < 0x20 && ch != '\n' && ch != '\r') || ch == 0x7f ? ' ' : s[i];
    }
    out[i] = '\0';
}

TEST(cef_roundtrip)
{
    struct ap_buf b;
    struct cef *c = malloc(sizeof(*c));
    char want[4096];
    size_t i;
    int mhn;

    ap_buf_init(&b, 1 << 16);
    for (mhn = 0; mhn < 2; mhn++) {
        for (i = 0; i < nevents; i++) {
            const char *type = ap_ev_str(events[i], "type");
            ap_buf_reset(&b);
            ASSERT_EQ(ap_fmt_cef(events[i], mhn, &b), 0);
            if (cef_parse(ap_buf_cstr(&b), c) != 0)
                TH_FAIL("cannot parse: %s", ap_buf_cstr(&b));
            ASSERT_STR_EQ(c->hdr[0], "CEF:0");
            ASSERT_STR_EQ(c->hdr[1], mhn ? "ThreatStream" : "Apiary");
            ASSERT_STR_EQ(cef_get(c, "src"), ap_ev_str(events[i], "src_ip"));
            if (mhn)
                continue;
            ASSERT_STR_EQ(c->hdr[4], type);
            cef_expect(ap_ev_str(events[i], "sensor"), want, sizeof(want));
            ASSERT_STR_EQ(cef_get(c, "dvchost"), want);
            if (strcmp(type, "login") == 0) {
                cef_expect(ap_ev_str(events[i], "username"), want, sizeof(want));
                ASSERT_STR_EQ(cef_get(c, "suser"), want);
                cef_expect(ap_ev_str(events[i], "password"), want, sizeof(want));
                if (want[0])
                    ASSERT_STR_EQ(cef_get(c, "cs3"), want);
                else
                    ASSERT(cef_get(c, "cs3") == NULL);
            }
            if (strcmp(type, "command") == 0) {
                cef_expect(ap_ev_str(events[i], "command"), want, sizeof(want));
                ASSERT_STR_EQ(cef_get(c, "cs3"), want);
            }
            if (strcmp(type, "alert") == 0) {
                cef_expect(ap_ev_str(events[i], "signature"), want, sizeof(want));
                ASSERT_STR_EQ(c->hdr[5], want);
            }
        }
    }
    free(c);
    ap_buf_release(&b);
}

/* ---- Splunk key="value" parser ---- */
TEST(splunk_roundtrip)
{
    struct ap_buf b;
    size_t i;

    ap_buf_init(&b, 1 << 16);
    for (i = 0; i < nevents; i++) {
        const char *p, *user = ap_ev_str(events[i], "username");
        char key[64], val[4096];
        int found = 0;

        ap_buf_reset(&b);
        ASSERT_EQ(ap_fmt_splunk(events[i], &b), 0);
        p = strchr(ap_buf_cstr(&b), ' ');
        ASSERT(p != NULL);
        p++;
        while (*p) {
            size_t k = 0, v = 0;
            while (*p && *p != '=' && k + 1 < sizeof(key))
                key[k++] = *p++;
            key[k] = '\0';
            if (p[0] != '=' || p[1] != '"')
                TH_FAIL("event %zu: bad pair at %s", i, p);
            p += 2;
            while (*p && *p != '"') {
                if (*p == '\\') {
                    p++;
                    if (*p == 'n')
                        val[v++] = '\n';
                    else if (*p == 'r')
                        val[v++] = '\r';
                    else if (*p == 't')
                        val[v++] = '\t';
                    else if (*p == 'x') {
                        char hx[3] = {p[1], p[2], 0};
                        val[v++] = (char)strtol(hx, NULL, 16);
                        p += 2;
                    } else
                        val[v++] = *p;
                    p++;
                } else {
                    val[v++] = *p++;
                }
            }
            val[v] = '\0';
            if (*p != '"')
                TH_FAIL("event %zu: unterminated value", i);
            p++;
            if (strncmp(p, ", ", 2) == 0)
                p += 2;
            else if (*p)
                TH_FAIL("event %zu: junk after value: %s", i, p);
            if (user && (strcmp(key, "ssh_username") == 0 ||
                         strcmp(key, "username") == 0)) {
                ASSERT_STR_EQ(val, user);
                found = 1;
            }
            if (strcmp(key, "sensor") == 0)
                ASSERT_STR_EQ(val, ap_ev_str(events[i], "sensor"));
        }
        if (user)
            ASSERT(found);
    }
    ap_buf_release(&b);
}

TEST(ecs_fields)
{
    json_t *d;
    size_t i;

    for (i = 0; i < nevents; i++) {
        d = ap_fmt_ecs_object(events[i]);
        ASSERT(d != NULL);
        ASSERT_STR_EQ(json_string_value(json_object_get(d, "@timestamp")),
                      ap_ev_str(events[i], "ts"));
        ASSERT_STR_EQ(json_string_value(json_object_get(
                          json_object_get(d, "source"), "ip")),
                      ap_ev_str(events[i], "src_ip"));
        if (ap_ev_str(events[i], "username"))
            ASSERT_STR_EQ(json_string_value(json_object_get(
                              json_object_get(d, "user"), "name")),
                          ap_ev_str(events[i], "username"));
        if (ap_ev_str(events[i], "src_country"))
            ASSERT_STR_EQ(
                json_string_value(json_object_get(
                    json_object_get(json_object_get(d, "source"), "geo"),
                    "country_iso_code")),
                ap_ev_str(events[i], "src_country"));
        json_decref(d);
    }
}

/* ---- RFC 5424 / RFC 6587 ---- */
TEST(syslog_5424)
{
    struct ap_buf b, f;
    const char *s;
    int pri, ver;
    char ts[64], host[300], app[64], pid[32], msgid[64], sd[8];
    int off = 0;

    ap_buf_init(&b, 4096);
    ap_buf_init(&f, 4096);
    ASSERT_EQ(ap_syslog_5424(&b, 16, 4, 1509800987519075LL, "host name\n",
                             "apiary", 42, "login", "{\"a\":1}", 7), 0);
    s = ap_buf_cstr(&b);
    /* SYSLOG-MSG = HEADER SP STRUCTURED-DATA [SP MSG] */
    ASSERT_EQ(sscanf(s, "<%d>%d %63s %299s %63s %31s %63s %7s %n", &pri, &ver,
                     ts, host, app, pid, msgid, sd, &off),
              8);
    ASSERT_EQ(pri, 16 * 8 + 4);
    ASSERT_EQ(ver, 1);
    ASSERT_STR_EQ(ts, "2017-11-04T13:09:47.519075Z");
    ASSERT_STR_EQ(host, "host_name_");
    ASSERT_STR_EQ(app, "apiary");
    ASSERT_STR_EQ(pid, "42");
    ASSERT_STR_EQ(msgid, "login");
    ASSERT_STR_EQ(sd, "-");
    ASSERT_STR_EQ(s + off, "{\"a\":1}");
    ASSERT_EQ(ap_syslog_octet_frame(&f, ap_buf_data(&b), ap_buf_len(&b)), 0);
    ASSERT_EQ(strtol(ap_buf_cstr(&f), NULL, 10), (long)ap_buf_len(&b));
    ASSERT_EQ(ap_syslog_5424(&b, 24, 4, 0, "", "", 0, "", "", 0), AP_EINVAL);
    ap_buf_reset(&b);
    ASSERT_EQ(ap_syslog_5424(&b, 1, 6, 0, "", "", 0, "", "x", 1), 0);
    ASSERT_STR_EQ(ap_buf_cstr(&b), "<14>1 - - - - - - x");
    ap_buf_release(&b);
    ap_buf_release(&f);
}

TEST(too_big_leaves_buffer)
{
    struct ap_buf b;

    ap_buf_init(&b, 64);
    ASSERT_EQ(ap_buf_puts(&b, "keep"), 0);
    ASSERT(ap_out_format(AP_FMT_ECS, events[0], &b) < 0);
    ASSERT_EQ(ap_buf_len(&b), 4);
    ASSERT(ap_out_format(AP_FMT_SPLUNK, events[0], &b) < 0);
    ASSERT_EQ(ap_buf_len(&b), 4);
    ap_buf_release(&b);
}

int
main(void)
{
    size_t i;

    load_events();
    RUN(events_are_canonical);
    RUN(golden_json);
    RUN(golden_ecs);
    RUN(golden_splunk);
    RUN(golden_cef);
    RUN(golden_cef_mhn);
    RUN(cef_roundtrip);
    RUN(splunk_roundtrip);
    RUN(ecs_fields);
    RUN(syslog_5424);
    RUN(too_big_leaves_buffer);
    for (i = 0; i < nevents; i++)
        json_decref(events[i]);
    return DONE();
}
