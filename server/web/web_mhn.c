/*
 * The MHN REST API (mhn-reference.md C3), same paths, parameters,
 * defaults and {data, meta} envelope, so MHN scripts keep working, with
 * MHN's bugs fixed: every result is bounded (limit <= AP_STORE_MAX_LIMIT),
 * meta.query never contains api_key, numeric filters are integers, and
 * /api/sensor/ never returns a secret.
 *
 * An MHN "session" is one connection: our connect events.  Its _id is
 * the event id (a ULID, whose first 10 characters encode the time, which
 * is how /api/session/<id>/ finds it through the time index).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "ap/err.h"
#include "ap/event.h"
#include "ap/util.h"
#include "server.h"
#include "store.h"
#include "web.h"
#include "web_handlers.h"
#include "web_query.h"
#include "ap/common.h"

#define MHN_STORE(r, st)                                                       \
    do {                                                                       \
        if (((st) = (r)->w->srv->store) == NULL)                               \
            return web_reply_error((r), 503,                                   \
                                   "The event store is not running.");         \
    } while (0)

/* meta.query: the request's arguments, minus api_key (MHN echoed it). */
static enum MHD_Result
add_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    json_t *o = cls;

    (void)kind;
    if (key == NULL || strcmp(key, "api_key") == 0 || json_object_size(o) > 32)
        return MHD_YES;
    if (value != NULL && strlen(value) <= WEB_MAX_PARAM)
        json_object_set_new(o, key, json_string(value));
    return MHD_YES;
}

static json_t *
query_echo(struct web_req *r)
{
    json_t *o = json_object();

    if (o != NULL)
        MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, add_arg, o);
    return o;
}

/* MHN's filters over sessions, typed.  Post-filters (fields the store
 * does not index) come back in pf. */
struct mhn_post {
    long long src_port;  /* 0 = any */
    const char *dst_ip;
    const char *id;
    const char *channel;
};

static int
mhn_filter(struct web_req *r, struct ap_filter *f, int def_hours,
           struct mhn_post *pf, char *err, size_t errlen)
{
    const char *v;
    long long n;
    int64_t t;

    memset(f, 0, sizeof(*f));
    memset(pf, 0, sizeof(*pf));
    if ((v = web_param(r, "hours_ago")) != NULL) {
        if (web_parse_int(v, 1, 24LL * 366 * 10, &n) != 0) {
            snprintf(err, errlen, "hours_ago: a whole number of hours");
            return AP_EINVAL;
        }
        f->since_us = ap_now_us() - (int64_t)n * 3600 * 1000000;
    } else if (def_hours > 0) {
        f->since_us = ap_now_us() - (int64_t)def_hours * 3600 * 1000000;
    }
    if ((v = web_param(r, "timestamp")) != NULL) {
        /* A date means that whole UTC day (as MHN). */
        char day[40];
        snprintf(day, sizeof(day), "%.10sT00:00:00Z", v);
        if (strlen(v) < 10 || web_parse_time(day, &t) != 0) {
            snprintf(err, errlen, "timestamp: YYYY-MM-DD");
            return AP_EINVAL;
        }
        f->since_us = t;
        f->until_us = t + 86400LL * 1000000 - 1;
    }
    f->protocol = web_param(r, "protocol");
    f->src_ip = web_param(r, "source_ip");
    f->honeypot = web_param(r, "honeypot");
    f->sensor = web_param(r, "identifier");
    if (f->sensor == NULL)
        f->sensor = web_param(r, "ident");
    if ((v = web_param(r, "destination_port")) != NULL) {
        if (web_parse_int(v, 1, 65535, &n) != 0) {
            snprintf(err, errlen, "destination_port: 1 to 65535");
            return AP_EINVAL;
        }
        f->dst_port = (int)n;
    }
    if ((v = web_param(r, "source_port")) != NULL &&
        web_parse_int(v, 1, 65535, &pf->src_port) != 0) {
        snprintf(err, errlen, "source_port: 1 to 65535");
        return AP_EINVAL;
    }
    pf->dst_ip = web_param(r, "destination_ip");
    pf->channel = web_param(r, "channel");
    if ((pf->id = web_param(r, "_id")) != NULL) {
        if (web_ulid_time_us(pf->id, &t) != 0) {
            snprintf(err, errlen, "_id: not an event id");
            return AP_EINVAL;
        }
        f->since_us = t;
        f->until_us = t + 999;
    }
    return 0;
}

static int
post_ok(const json_t *ev, const struct mhn_post *pf)
{
    const char *s;

    if (pf->src_port &&
        json_integer_value(json_object_get(ev, "src_port")) != pf->src_port)
        return 0;
    if (pf->dst_ip && ((s = json_string_value(json_object_get(ev, "dst_ip"))) ==
                           NULL ||
                       strcmp(s, pf->dst_ip) != 0))
        return 0;
    if (pf->id && ((s = json_string_value(json_object_get(ev, "id"))) == NULL ||
                   strcmp(s, pf->id) != 0))
        return 0;
    if (pf->channel &&
        ((s = json_string_value(json_object_get(ev, "channel"))) == NULL ||
         strcmp(s, pf->channel) != 0))
        return 0;
    return 1;
}

static int
has_post(const struct mhn_post *pf)
{
    return pf->src_port || pf->dst_ip || pf->id || pf->channel;
}

static json_t *
copy_or_null(const json_t *ev, const char *k)
{
    json_t *v = json_object_get(ev, k);

    return v ? json_incref(v) : json_null();
}

/* Borrowed field or null, for json_pack "O" (which takes its own ref). */
static json_t *
get_or_null(const json_t *ev, const char *k)
{
    json_t *v = json_object_get(ev, k);

    return v ? v : json_null();
}

/* An event as MHN's 9-field session dict. */
static json_t *
mhn_session_of(const json_t *ev)
{
    json_t *o = json_object();

    if (o == NULL)
        return NULL;
    json_object_set_new(o, "_id", copy_or_null(ev, "id"));
    json_object_set_new(o, "protocol", copy_or_null(ev, "protocol"));
    json_object_set_new(o, "source_ip", copy_or_null(ev, "src_ip"));
    json_object_set_new(o, "source_port", copy_or_null(ev, "src_port"));
    json_object_set_new(o, "destination_ip", copy_or_null(ev, "dst_ip"));
    json_object_set_new(o, "destination_port", copy_or_null(ev, "dst_port"));
    json_object_set_new(o, "honeypot", copy_or_null(ev, "honeypot"));
    json_object_set_new(o, "timestamp", copy_or_null(ev, "ts"));
    json_object_set_new(o, "identifier", copy_or_null(ev, "sensor"));
    return o;
}

static int
mhn_limit(struct web_req *r, size_t def, size_t *out)
{
    const char *v = web_param(r, "limit");
    long long n;

    *out = def;
    if (v == NULL)
        return 0;
    if (web_parse_int(v, 1, AP_STORE_MAX_LIMIT, &n) != 0)
        return AP_EINVAL;
    *out = (size_t)n;
    return 0;
}

/* Events matching f and the post-filters, mapped by fn, at most limit. */
static int
mhn_list(struct web_req *r, const char *type, int def_hours, size_t def_limit,
         json_t *(*fn)(const json_t *), const char *query_name)
{
    struct ap_store *st;
    struct ap_filter f;
    struct mhn_post pf;
    json_t *evs = NULL, *data, *meta;
    size_t limit, i, fetch;
    char err[128];
    int rc;

    MHN_STORE(r, st);
    if (mhn_filter(r, &f, def_hours, &pf, err, sizeof(err)) != 0)
        return web_reply_error(r, 400, err);
    if (mhn_limit(r, def_limit, &limit) != 0)
        return web_reply_error(r, 400, "limit: 1 to 1000");
    f.type = type;
    /* Post-filtered lists read a full page and keep what matches. */
    fetch = has_post(&pf) ? AP_STORE_MAX_LIMIT : limit;
    if ((rc = ap_store_events(st, &f, fetch, 0, 0, &evs)) != 0)
        return web_reply_error(r, 500, "The store query failed.");
    data = json_array();
    for (i = 0; data && i < json_array_size(evs); i++) {
        const json_t *ev = json_array_get(evs, i);
        if (json_array_size(data) >= limit)
            break;
        if (post_ok(ev, &pf))
            json_array_append_new(data, fn(ev));
    }
    json_decref(evs);
    meta = json_pack("{s:I, s:o, s:{s:I}}", "size",
                     (json_int_t)json_array_size(data), "query",
                     query_name ? json_string(query_name) : query_echo(r),
                     "options", "limit", (json_int_t)limit);
    return web_reply_json(r, 200,
                          json_pack("{s:o, s:o}", "data", data, "meta", meta));
}

int
web_mhn_session(struct web_req *r)
{
    return mhn_list(r, "connect", 0, 100, mhn_session_of, NULL);
}

int
web_mhn_session_one(struct web_req *r)
{
    struct ap_store *st;
    struct ap_filter f;
    json_t *evs = NULL, *hit = NULL;
    int64_t t;
    size_t i;

    MHN_STORE(r, st);
    if (web_ulid_time_us(r->args[0], &t) != 0)
        return web_reply_error(r, 404, "Requested resource was not found.");
    memset(&f, 0, sizeof(f));
    f.since_us = t;
    f.until_us = t + 999;
    if (ap_store_events(st, &f, AP_STORE_MAX_LIMIT, 0, 0, &evs) != 0)
        return web_reply_error(r, 500, "The store query failed.");
    for (i = 0; i < json_array_size(evs); i++) {
        const char *id =
            json_string_value(json_object_get(json_array_get(evs, i), "id"));
        if (id && strcmp(id, r->args[0]) == 0) {
            hit = mhn_session_of(json_array_get(evs, i));
            break;
        }
    }
    json_decref(evs);
    if (hit == NULL)
        return web_reply_error(r, 404, "Requested resource was not found.");
    return web_reply_json(r, 200, hit);
}

/* A stored event as MHN's raw feed document. */
static json_t *
mhn_feed_of(const json_t *ev)
{
    return json_pack("{s:O, s:O, s:O, s:O, s:O}", "_id",
                     get_or_null(ev, "id"), "ident",
                     get_or_null(ev, "sensor"), "channel",
                     get_or_null(ev, "channel"), "payload", (json_t *)ev,
                     "timestamp", get_or_null(ev, "ts"));
}

int
web_mhn_feed(struct web_req *r)
{
    return mhn_list(r, NULL, 0, 100, mhn_feed_of, NULL);
}

static json_t *
mhn_metadata_of(const json_t *ev)
{
    return json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O}", "_id",
                     get_or_null(ev, "id"), "ip", get_or_null(ev, "src_ip"),
                     "date", get_or_null(ev, "ts"), "os",
                     get_or_null(ev, "os"), "link", get_or_null(ev, "link"),
                     "app", get_or_null(ev, "app"), "uptime",
                     get_or_null(ev, "uptime"), "honeypot",
                     get_or_null(ev, "honeypot"), "timestamp",
                     get_or_null(ev, "ts"));
}

int
web_mhn_metadata(struct web_req *r)
{
    return mhn_list(r, "fingerprint", 0, 100, mhn_metadata_of, NULL);
}

static json_t *
mhn_url_of(const json_t *ev)
{
    return json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:O}", "_id",
                     get_or_null(ev, "id"), "url", get_or_null(ev, "url"),
                     "source_ip", get_or_null(ev, "src_ip"), "honeypot",
                     get_or_null(ev, "honeypot"), "protocol",
                     get_or_null(ev, "protocol"), "sha256",
                     get_or_null(ev, "sha256"), "timestamp",
                     get_or_null(ev, "ts"));
}

int
web_mhn_url(struct web_req *r)
{
    return mhn_list(r, "download", 0, 100, mhn_url_of, NULL);
}

static json_t *
mhn_file_of(const json_t *ev)
{
    return json_pack("{s:O, s:O, s:O, s:{s:O, s:O}, s:O, s:O}", "_id",
                     get_or_null(ev, "id"), "content_guess",
                     get_or_null(ev, "filename"), "encoding", json_null(),
                     "hashes", "sha256", get_or_null(ev, "sha256"), "md5",
                     get_or_null(ev, "md5"), "size", get_or_null(ev, "size"),
                     "timestamp", get_or_null(ev, "ts"));
}

int
web_mhn_file(struct web_req *r)
{
    return mhn_list(r, "download", 0, 100, mhn_file_of, NULL);
}

static json_t *
mhn_dork_of(const json_t *ev)
{
    return json_pack("{s:O, s:O, s:O, s:O, s:i}", "_id",
                     get_or_null(ev, "id"), "content",
                     get_or_null(ev, "path"), "inurl",
                     get_or_null(ev, "path"), "lasttime",
                     get_or_null(ev, "ts"), "count", 1);
}

int
web_mhn_dork(struct web_req *r)
{
    /* Dorks are the paths web honeypots were asked for. */
    return mhn_list(r, "request", 0, 100, mhn_dork_of, NULL);
}
