/* The cowrie log reader on the real log from an internet honeypot: every
 * session becomes one cowrie.sessions message and every direct-tcpip
 * request one tunnel event; through the adapters they give exactly the
 * logins, commands and downloads the log holds (figures counted here from
 * the log itself with jansson, independently of the reader). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters.h"
#include "ap/event.h"
#include "harness.h"
#include "import.h"

struct tally {
    long long msgs, events, by_type[AP_EV__COUNT], failed, success, unknown;
    json_t *ids;
};

static int
emit(void *ctx, const char *ident, const char *channel, const void *payload,
     size_t len, int64_t rx_us)
{
    struct tally *t = ctx;
    struct ap_adapt_in in = {channel, "import", payload, len, rx_us, NULL};
    char err[256];
    json_t *out, *ev;
    size_t i;

    (void)ident;
    t->msgs++;
    if (ap_adapt(&in, &out, err, sizeof(err)) != 0) {
        printf("  %s: %s\n", channel, err);
        return -1;
    }
    json_array_foreach(out, i, ev)
    {
        const char *type = json_string_value(json_object_get(ev, "type"));
        t->events++;
        t->by_type[ap_event_type_lookup(type)]++;
        if (strcmp(type, "login") == 0) {
            if (json_is_true(json_object_get(ev, "success")))
                t->success++;
            else
                t->failed++;
        }
        if (strcmp(type, "command") == 0 &&
            json_is_false(json_object_get(ev, "known")))
            t->unknown++;
        json_object_set(t->ids, json_string_value(json_object_get(ev, "id")),
                        json_true());
    }
    json_decref(out);
    return 0;
}

/* Count eventids straight from the log. */
static long long
count(const char *eventid)
{
    FILE *f = fopen(AP_COWRIE_LOG, "r");
    char line[65536];
    long long n = 0;
    json_t *o;

    while (f && fgets(line, sizeof(line), f)) {
        o = json_loads(line, 0, NULL);
        if (o && strcmp(json_string_value(json_object_get(o, "eventid")),
                        eventid) == 0)
            n++;
        json_decref(o);
    }
    if (f)
        fclose(f);
    return n;
}

/* Command lines as cowrie.sessions carries them: typed lines that are not
 * empty, plus failed commands that were not a whole typed line (cowrie
 * reports a failing part of "a; b" on its own). */
static void
count_commands(long long *commands, long long *unknown)
{
    FILE *f = fopen(AP_COWRIE_LOG, "r");
    char line[65536];
    json_t *o, *typed = json_object(), *list, *v;
    const char *eid, *in, *sid;
    size_t i;

    *commands = *unknown = 0;
    while (f && fgets(line, sizeof(line), f)) {
        o = json_loads(line, 0, NULL);
        eid = json_string_value(json_object_get(o, "eventid"));
        in = json_string_value(json_object_get(o, "input"));
        sid = json_string_value(json_object_get(o, "session"));
        if (eid && in && *in && sid) {
            if ((list = json_object_get(typed, sid)) == NULL) {
                list = json_array();
                json_object_set_new(typed, sid, list);
            }
            if (strcmp(eid, "cowrie.command.input") == 0) {
                json_array_append_new(list, json_string(in));
                (*commands)++;
            } else if (strcmp(eid, "cowrie.command.failed") == 0) {
                (*unknown)++;
                json_array_foreach(list, i, v) if (strcmp(
                    json_string_value(v), in) == 0) break;
                if (i < json_array_size(list))
                    json_array_remove(list, i);
                else
                    (*commands)++;
            }
        }
        json_decref(o);
    }
    if (f)
        fclose(f);
    json_decref(typed);
}

static void
run(struct tally *t)
{
    FILE *f = fopen(AP_COWRIE_LOG, "r");
    struct imp_counts n = {0, 0, 0};

    ASSERT(f != NULL);
    memset(t, 0, sizeof(*t));
    t->ids = json_object();
    ASSERT_EQ(imp_cowrie(f, "import", emit, t, &n), 0);
    fclose(f);
    ASSERT_EQ(n.bad_lines, 0);
}

TEST(real_cowrie_log_gives_the_logged_figures)
{
    struct tally t, again;
    long long commands, unknown;

    count_commands(&commands, &unknown);
    run(&t);
    ASSERT_EQ(t.by_type[AP_EV_CONNECT], count("cowrie.session.connect"));
    ASSERT_EQ(t.by_type[AP_EV_DISCONNECT], count("cowrie.session.connect"));
    ASSERT_EQ(t.failed, count("cowrie.login.failed"));
    ASSERT_EQ(t.success, count("cowrie.login.success"));
    ASSERT_EQ(t.by_type[AP_EV_COMMAND], commands);
    ASSERT_EQ(t.unknown, unknown);
    ASSERT_EQ(unknown, count("cowrie.command.failed"));
    ASSERT_EQ(t.by_type[AP_EV_DOWNLOAD],
              count("cowrie.session.file_download"));
    ASSERT_EQ(t.by_type[AP_EV_TUNNEL], count("cowrie.direct-tcpip.request"));
    ASSERT_EQ(t.by_type[AP_EV_FINGERPRINT], count("cowrie.client.version"));
    ASSERT_EQ(t.msgs, count("cowrie.session.connect") +
                          count("cowrie.direct-tcpip.request"));
    /* every id distinct, and the same on a second read */
    ASSERT_EQ((long long)json_object_size(t.ids), t.events);
    run(&again);
    ASSERT_EQ(again.events, t.events);
    ASSERT(json_equal(again.ids, t.ids));
    json_decref(t.ids);
    json_decref(again.ids);
}

int
main(void)
{
    RUN(real_cowrie_log_gives_the_logged_figures);
    return DONE();
}
