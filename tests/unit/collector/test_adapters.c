/*
 * Adapters: every real example from mhn-reference.md Part B (copied into
 * tests/data/adapters/) must produce exactly the events in the matching
 * .expect.json, and every malformed variant must be refused (or adapted)
 * without crashing, with every returned event valid.
 *
 * The .expect.json files were generated with AP_REGEN=1 and then checked
 * by hand, field by field, against the payloads; regenerate only after a
 * deliberate change and review the diff.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "adapters.h"
#include "ap/err.h"
#include "ap/event.h"
#include "ap/limits.h"
#include "files.h"
#include "harness.h"

#define RX_US 1700000000000000LL /* 2023-11-14T22:13:20Z */

static const struct {
    const char *channel, *file;
} cases[] = {
    {"cowrie.sessions", "cowrie.sessions.json"},
    {"cowrie.sessions", "cowrie.sessions.chn.json"},
    {"kippo.sessions", "kippo.sessions.json"},
    {"kippo.sessions", "kippo.sessions.new.json"},
    {"dionaea.connections", "dionaea.connections.json"},
    {"dionaea.capture", "dionaea.capture.json"},
    {"dionaea.capture.anon", "dionaea.capture.json"},
    {"dionaea.caputres", "dionaea.capture.json"},
    {"dionaea.capture", "dionaea.capture.chn.json"},
    {"conpot.events", "conpot.events.old.json"},
    {"conpot.events", "conpot.events.json"},
    {"glastopf.events", "glastopf.events.json"},
    {"glastopf.events", "glastopf.events.old.json"},
    {"glastopf.files", "glastopf.files.txt"},
    {"amun.events", "amun.events.json"},
    {"amun.events", "amun.events.download.json"},
    {"wordpot.events", "wordpot.events.json"},
    {"shockpot.events", "shockpot.events.json"},
    {"elastichoney.events", "elastichoney.events.json"},
    {"p0f.events", "p0f.events.json"},
    {"snort.alerts", "snort.alerts.json"},
    {"suricata.events", "suricata.events.json"},
    {"suricata.events", "suricata.events.nested.json"},
    {"agave.events", "agave.events.json"},
    {"drupot.events", "drupot.events.json"},
    {"beeswarm.hive", "beeswarm.hive.json"},
    {"rdphoney.sessions", "rdphoney.sessions.json"},
    {"uhp.events", "uhp.events.json"},
    {"elasticpot.events", "elasticpot.events.json"},
    {"spylex.events", "spylex.events.json"},
    {"big-hp.events", "big-hp.events.json"},
    {"ssh-auth-logger.events", "ssh-auth-logger.events.json"},
    {"honeydb-agent.events", "honeydb-agent.events.json"},
    {"apiary.events", "apiary.events.json"},
};

static char *
slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *b;
    long n;

    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    b = malloc((size_t)n + 1);
    if (b == NULL || fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        fclose(f);
        return NULL;
    }
    b[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return b;
}

/* Adapt; on success check every event validates and carries channel. */
static int
adapt(const char *channel, const void *p, size_t n, json_t **out, char *err,
      size_t errlen)
{
    struct ap_adapt_in in = {channel, "sensor-1", p, n, RX_US, NULL};
    char verr[256];
    json_t *ev;
    size_t i;
    int r;

    r = ap_adapt(&in, out, err, errlen);
    if (r != 0)
        return r;
    json_array_foreach(*out, i, ev)
    {
        if (ap_event_validate(ev, verr, sizeof(verr)) != 0) {
            printf("  invalid event: %s\n", verr);
            abort();
        }
        if (strcmp(json_string_value(json_object_get(ev, "channel")),
                   channel) != 0)
            abort();
    }
    return 0;
}

TEST(examples_give_the_expected_events)
{
    char path[1024], err[512];
    const char *regen = getenv("AP_REGEN");
    size_t i, n;
    json_t *got, *want;
    char *p;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(path, sizeof(path), "%s/adapters/%s", AP_TEST_DATA,
                 cases[i].file);
        p = slurp(path, &n);
        if (p == NULL)
            TH_FAIL("cannot read %s", path);
        if (adapt(cases[i].channel, p, n, &got, err, sizeof(err)) != 0)
            TH_FAIL("%s: %s", cases[i].file, err);
        free(p);
        snprintf(path, sizeof(path), "%s/adapters/expect/%s.%s", AP_TEST_DATA,
                 cases[i].channel, cases[i].file);
        if (regen != NULL) {
            json_dump_file(got, path, JSON_INDENT(1) | JSON_SORT_KEYS);
            json_decref(got);
            continue;
        }
        want = json_load_file(path, 0, NULL);
        if (want == NULL || !json_equal(got, want)) {
            char *g = json_dumps(got, JSON_INDENT(1) | JSON_SORT_KEYS);
            printf("  %s on %s: got\n%s\n", cases[i].file, cases[i].channel,
                   g);
            free(g);
            json_decref(got);
            json_decref(want);
            TH_FAIL("mismatch with %s", path);
        }
        json_decref(got);
        json_decref(want);
    }
}

static json_t *
must_adapt(const char *channel, const char *payload)
{
    char err[512];
    json_t *out;

    if (adapt(channel, payload, strlen(payload), &out, err, sizeof(err)) != 0)
        TH_FAIL("%s: %s", channel, err);
    return out;
}

static const char *
field(const json_t *evs, size_t i, const char *name)
{
    return json_string_value(json_object_get(json_array_get(evs, i), name));
}

TEST(cowrie_session_in_order_with_exact_fields)
{
    json_t *e = must_adapt(
        "cowrie.sessions",
        "{\"session\":\"s1\",\"startTime\":\"2018-05-06T17:44:05.000000Z\","
        "\"endTime\":\"2018-05-06T17:44:15.500000Z\",\"peerIP\":\"1.2.3.4\","
        "\"peerPort\":1,\"hostIP\":\"5.6.7.8\",\"hostPort\":22,"
        "\"loggedin\":[\"root\",\"x\"],\"credentials\":[[\"a\",\"b\"]],"
        "\"commands\":[\"ls\",\"foo\"],\"unknownCommands\":[\"foo\",\"x\"],"
        "\"urls\":[\"http://e/x\"],\"hashes\":[\"ab\"],\"version\":\"V\"}");

    /* foo is typed once: one command event, known=false; x only failed */
    ASSERT_EQ(json_array_size(e), 9);
    ASSERT_STR_EQ(field(e, 0, "type"), "connect");
    ASSERT_STR_EQ(field(e, 0, "ts"), "2018-05-06T17:44:05.000000Z");
    ASSERT_STR_EQ(field(e, 1, "type"), "fingerprint");
    ASSERT_STR_EQ(field(e, 1, "client_version"), "V");
    ASSERT_STR_EQ(field(e, 2, "username"), "a");
    ASSERT(json_is_false(json_object_get(json_array_get(e, 2), "success")));
    ASSERT_STR_EQ(field(e, 3, "password"), "x");
    ASSERT(json_is_true(json_object_get(json_array_get(e, 3), "success")));
    ASSERT_STR_EQ(field(e, 4, "command"), "ls");
    ASSERT(json_is_true(json_object_get(json_array_get(e, 4), "known")));
    ASSERT_STR_EQ(field(e, 5, "command"), "foo");
    ASSERT(json_is_false(json_object_get(json_array_get(e, 5), "known")));
    ASSERT_STR_EQ(field(e, 6, "command"), "x");
    ASSERT(json_is_false(json_object_get(json_array_get(e, 6), "known")));
    ASSERT_STR_EQ(field(e, 7, "url"), "http://e/x");
    ASSERT_STR_EQ(field(e, 7, "sha256"), "ab");
    ASSERT_STR_EQ(field(e, 8, "type"), "disconnect");
    ASSERT(json_real_value(json_object_get(json_array_get(e, 8),
                                           "duration")) == 10.5);
    ASSERT_STR_EQ(field(e, 8, "ts"), "2018-05-06T17:44:15.500000Z");
    ASSERT_STR_EQ(field(e, 8, "sensor"), "sensor-1");
    ASSERT_STR_EQ(field(e, 8, "honeypot"), "cowrie");
    ASSERT_STR_EQ(field(e, 8, "session"), "s1");
    ASSERT_STR_EQ(field(e, 8, "channel"), "cowrie.sessions");
    json_decref(e);
}

TEST(same_payload_same_ids_other_sensor_other_ids)
{
    const char *p = "{\"attackerIP\":\"1.2.3.4\",\"attackerPort\":1}";
    struct ap_adapt_in in = {"amun.events", "s-a", (const uint8_t *)p,
                             strlen(p), RX_US, NULL};
    json_t *a, *b, *c;
    char err[256];

    ASSERT_EQ(ap_adapt(&in, &a, err, sizeof(err)), 0);
    in.rx_us += 1; /* same ms: same id prefix */
    ASSERT_EQ(ap_adapt(&in, &b, err, sizeof(err)), 0);
    in.ident = "s-b";
    ASSERT_EQ(ap_adapt(&in, &c, err, sizeof(err)), 0);
    ASSERT_STR_EQ(field(a, 0, "id"), field(b, 0, "id"));
    ASSERT(strcmp(field(a, 0, "id"), field(c, 0, "id")) != 0);
    json_decref(a);
    json_decref(b);
    json_decref(c);
}

TEST(numeric_strings_become_ints_and_arrays_never_stored)
{
    json_t *e = must_adapt("dionaea.capture",
                           "{\"saddr\":\"::ffff:1.2.3.4\",\"sport\":\"3006\","
                           "\"daddr\":[\"5.6.7.8\"],\"dport\":\"445\"}");
    json_t *ev = json_array_get(e, 0);

    ASSERT_STR_EQ(field(e, 0, "src_ip"), "1.2.3.4");
    ASSERT_STR_EQ(field(e, 0, "dst_ip"), "5.6.7.8");
    ASSERT_EQ(json_integer_value(json_object_get(ev, "dst_port")), 445);
    ASSERT_EQ(json_integer_value(json_object_get(ev, "src_port")), 3006);
    json_decref(e);
}

TEST(conpot_keeps_the_real_port)
{
    json_t *e = must_adapt("conpot.events",
                           "{\"src_ip\":\"1.2.3.4\",\"src_port\":9,"
                           "\"dst_ip\":\"5.6.7.8\",\"dst_port\":161,"
                           "\"data_type\":\"snmp\",\"data\":{\"type\":\"x\"}}");

    ASSERT_EQ(json_integer_value(
                  json_object_get(json_array_get(e, 0), "dst_port")),
              161);
    ASSERT_STR_EQ(field(e, 0, "transport"), "udp");
    json_decref(e);
}

TEST(native_events_keep_id_seq_and_get_the_real_sensor)
{
    json_t *e = must_adapt(
        "apiary.events",
        "{\"id\":\"01JDQ8Z8K3M4N5P6Q7R8S9T0VW\",\"ts\":\"2026-11-29T07:00:"
        "00Z\",\"seq\":7,\"sensor\":\"other\",\"honeypot\":\"ssh\","
        "\"type\":\"connect\"}");

    ASSERT_STR_EQ(field(e, 0, "id"), "01JDQ8Z8K3M4N5P6Q7R8S9T0VW");
    ASSERT_STR_EQ(field(e, 0, "sensor"), "sensor-1");
    ASSERT_EQ(json_integer_value(json_object_get(json_array_get(e, 0), "seq")),
              7);
    json_decref(e);
}

static void
expect_refused(const char *channel, const void *p, size_t n, int code)
{
    char err[512];
    json_t *out = NULL;
    int r = adapt(channel, p, n, &out, err, sizeof(err));

    if (r != code) {
        json_decref(out);
        TH_FAIL("%s: got %d, want %d", channel, r, code);
    }
    ASSERT(err[0] != '\0');
}

TEST(malformed_payloads_are_refused_with_a_reason)
{
    static const char bin[] = "\x00\xff\xfe{\"peerIP\":";
    static const char *const bad_native[] = {
        "{\"ts\":\"2026-11-29T07:00:00Z\",\"honeypot\":\"x\",\"type\":"
        "\"connect\"}",
        "{\"id\":\"01JDQ8Z8K3M4N5P6Q7R8S9T0VW\",\"ts\":\"2026-11-29T07:00:"
        "00Z\",\"honeypot\":\"x\",\"type\":\"nosuchtype\"}",
        "{\"id\":\"01JDQ8Z8K3M4N5P6Q7R8S9T0VW\",\"ts\":\"yesterday\","
        "\"honeypot\":\"x\",\"type\":\"connect\"}",
        "{\"id\":\"01JDQ8Z8K3M4N5P6Q7R8S9T0VW\",\"ts\":\"2026-11-29T07:00:"
        "00Z\",\"honeypot\":\"x\",\"type\":\"login\",\"username\":1,"
        "\"success\":true}",
    };
    const char *ch;
    size_t i;

    expect_refused("no.such.channel", "{}", 2, AP_ENOENT);
    for (i = 0; (ch = ap_adapter_channel(i)) != NULL; i++) {
        if (strcmp(ch, "mwbinary.dionaea.sensorunique") == 0)
            continue; /* any bytes are a file */
        expect_refused(ch, bin, sizeof(bin) - 1, AP_EINVAL);
        expect_refused(ch, "", 0, AP_EINVAL);
        if (strcmp(ch, "glastopf.files") == 0)
            continue;
        expect_refused(ch, "[1,2]", 5, AP_EINVAL);
        expect_refused(ch, "{}", 2, AP_EINVAL);             /* no address */
        expect_refused(ch, "{\"a\":\"\xff\"}", 8, AP_EINVAL); /* bad UTF-8 */
    }
    for (i = 0; i < sizeof(bad_native) / sizeof(bad_native[0]); i++)
        expect_refused("apiary.events", bad_native[i], strlen(bad_native[i]),
                       AP_EINVAL);
    expect_refused("glastopf.files", "name", 4, AP_EINVAL);
    expect_refused("glastopf.files", "name !!!!", 9, AP_EINVAL);
}

TEST(wrong_types_are_skipped_not_trusted)
{
    json_t *e = must_adapt(
        "cowrie.sessions",
        "{\"peerIP\":\"1.2.3.4\",\"peerPort\":\"x\",\"hostIP\":7,"
        "\"hostPort\":99999,\"credentials\":[1,[2,3],[\"u\"]],"
        "\"commands\":{\"a\":1},\"loggedin\":\"root\",\"startTime\":5,"
        "\"session\":[],\"urls\":[null,\"\"],\"version\":{}}");
    json_t *ev;
    size_t i;

    /* connect, one login (["u"]), disconnect */
    ASSERT_EQ(json_array_size(e), 3);
    json_array_foreach(e, i, ev)
    {
        ASSERT(json_object_get(ev, "src_port") == NULL);
        ASSERT(json_object_get(ev, "dst_ip") == NULL);
        ASSERT(json_object_get(ev, "dst_port") == NULL);
        ASSERT_STR_EQ(field(e, i, "src_ip"), "1.2.3.4");
    }
    ASSERT_STR_EQ(field(e, 1, "username"), "u");
    ASSERT(json_object_get(json_array_get(e, 1), "password") == NULL);
    json_decref(e);

    e = must_adapt("dionaea.connections",
                   "{\"remote_host\":\"not an address\",\"local_port\":-1}");
    ASSERT(json_object_get(json_array_get(e, 0), "src_ip") == NULL);
    ASSERT_STR_EQ(json_string_value(json_array_get(
                      json_object_get(json_array_get(e, 0), "tags"), 0)),
                  "bad_src_ip");
    json_decref(e);

    /* found by fuzz_adapters: data that is not hex is kept as text */
    e = must_adapt("honeydb-agent.events",
                   "{\"remote_host\":\"1.2.3.4\",\"data\":\"50commandd0a\"}");
    ASSERT_STR_EQ(field(e, 0, "data"), "NTBjb21tYW5kZDBh");
    json_decref(e);
}

TEST(huge_strings_are_capped_on_a_character_boundary)
{
    size_t n = AP_LIMIT_EVENT_STR * 2, i;
    char *p = malloc(n + 200);
    json_t *e;
    const char *cmd;

    ASSERT(p != NULL);
    i = (size_t)snprintf(p, 200, "{\"peerIP\":\"1.2.3.4\",\"commands\":[\"");
    /* U+00E9 (2 bytes) repeated, shifted by one ASCII byte so the cap falls
     * inside a character */
    p[i++] = 'x';
    while (i < n)
        p[i++] = (char)0xc3, p[i++] = (char)0xa9;
    memcpy(p + i, "\"]}", 4);
    e = must_adapt("cowrie.sessions", p);
    cmd = field(e, 1, "command");
    ASSERT(cmd != NULL);
    ASSERT(strlen(cmd) <= AP_LIMIT_EVENT_STR);
    ASSERT(strlen(cmd) >= AP_LIMIT_EVENT_STR - 1);
    ASSERT(ap_utf8_valid(cmd, strlen(cmd)));
    ASSERT_STR_EQ(json_string_value(json_array_get(
                      json_object_get(json_array_get(e, 1), "tags"), 0)),
                  "truncated");
    json_decref(e);
    free(p);
}

TEST(deep_nesting_is_refused_not_recursed)
{
    size_t n = 100000, i;
    char *p = malloc(2 * n + 64);
    char err[512];
    json_t *out;

    ASSERT(p != NULL);
    i = (size_t)snprintf(p, 64, "{\"peerIP\":\"1.2.3.4\",\"x\":");
    memset(p + i, '[', n);
    memset(p + i + n, ']', n);
    memcpy(p + i + 2 * n, "}", 2);
    ASSERT_EQ(adapt("cowrie.sessions", p, strlen(p), &out, err, sizeof(err)),
              AP_EINVAL);
    free(p);
}

TEST(event_count_per_payload_is_capped)
{
    size_t n = AP_LIMIT_EVENTS_PER_PAYLOAD + 50, i, len = 0;
    char *p = malloc(n * 6 + 100);
    json_t *e;

    ASSERT(p != NULL);
    len = (size_t)snprintf(p, 100, "{\"peerIP\":\"1.2.3.4\",\"commands\":[");
    for (i = 0; i < n; i++)
        len += (size_t)snprintf(p + len, 7, "%s\"ls\"", i ? "," : "");
    memcpy(p + len, "]}", 3);
    e = must_adapt("cowrie.sessions", p);
    ASSERT_EQ(json_array_size(e), AP_LIMIT_EVENTS_PER_PAYLOAD);
    json_decref(e);
    free(p);
}

TEST(mwbinary_stores_the_file_once_never_executable)
{
    char dir[] = "/tmp/ap-files-XXXXXX", path[512], err[256], sha[65];
    static const uint8_t file[] = "MZ\x90\x00 not really a PE";
    struct ap_adapt_in in = {"mwbinary.dionaea.sensorunique", "s", file,
                             sizeof(file) - 1, RX_US, dir};
    struct stat st;
    json_t *e;

    ASSERT(mkdtemp(dir) != NULL);
    ASSERT_EQ(ap_adapt(&in, &e, err, sizeof(err)), 0);
    ap_sha256_hex(file, sizeof(file) - 1, sha);
    ASSERT_STR_EQ(field(e, 0, "sha256"), sha);
    ASSERT_EQ(json_integer_value(
                  json_object_get(json_array_get(e, 0), "size")),
              sizeof(file) - 1);
    snprintf(path, sizeof(path), "%s/%.2s/%.2s/%s", dir, sha, sha + 2, sha);
    ASSERT_EQ(stat(path, &st), 0);
    ASSERT_EQ(st.st_mode & 0777, 0440);
    ASSERT_EQ(st.st_size, sizeof(file) - 1);
    json_decref(e);
    ASSERT_EQ(ap_adapt(&in, &e, err, sizeof(err)), 0); /* again: no error */
    json_decref(e);
    unlink(path);
    snprintf(path, sizeof(path), "%s/%.2s/%.2s", dir, sha, sha + 2);
    rmdir(path);
    snprintf(path, sizeof(path), "%s/%.2s", dir, sha);
    rmdir(path);
    rmdir(dir);
}

int
main(void)
{
    RUN(examples_give_the_expected_events);
    RUN(cowrie_session_in_order_with_exact_fields);
    RUN(same_payload_same_ids_other_sensor_other_ids);
    RUN(numeric_strings_become_ints_and_arrays_never_stored);
    RUN(conpot_keeps_the_real_port);
    RUN(native_events_keep_id_seq_and_get_the_real_sensor);
    RUN(malformed_payloads_are_refused_with_a_reason);
    RUN(wrong_types_are_skipped_not_trusted);
    RUN(huge_strings_are_capped_on_a_character_boundary);
    RUN(deep_nesting_is_refused_not_recursed);
    RUN(event_count_per_payload_is_capped);
    RUN(mwbinary_stores_the_file_once_never_executable);
    return DONE();
}
