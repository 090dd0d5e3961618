/*
 * The v1 API the pages use (docs/API.md): JSON, every list bounded by
 * AP_STORE_MAX_LIMIT, filters typed by web_query.c, all data from the
 * store's indexed queries.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ap/err.h"
#include "ap/util.h"
#include "server.h"
#include "store.h"
#include "web.h"
#include "web_handlers.h"
#include "web_query.h"
#include "ap/common.h"

#define STORE_OR_503(r, st)                                                    \
    do {                                                                       \
        if (((st) = (r)->w->srv->store) == NULL)                               \
            return web_reply_error((r), 503,                                   \
                                   "The event store is not running.");         \
    } while (0)

/* Filters from the request, or a 400. */
#define FILTER_OR_400(r, f, hours)                                             \
    do {                                                                       \
        char ferr_[128];                                                       \
        if (web_filter_from_req((r), (f), (hours), ferr_, sizeof(ferr_)) !=    \
            0)                                                                 \
            return web_reply_error((r), 400, ferr_);                           \
    } while (0)

static int
store_failed(struct web_req *r, int rc)
{
    return web_reply_error(r, rc == AP_EINVAL ? 400 : 500,
                           rc == AP_EINVAL ? "Bad query."
                                           : "The store query failed.");
}

/* Dimensions a client may ask /api/v1/top/<dim> for. */
static const char *const top_dims[] = {
    "src_ip",   "dst_port", "honeypot", "sensor",     "src_country",
    "src_asn",  "protocol", "username", "password",   "credential",
    "command",  "url",      "sha256",   "signature",  NULL,
};

static int
dim_ok(const char *d)
{
    size_t i;

    for (i = 0; top_dims[i] != NULL; i++)
        if (strcmp(top_dims[i], d) == 0)
            return 1;
    return 0;
}

/* Put the time window of f into meta as ISO strings. */
static void
meta_window(json_t *meta, const struct ap_filter *f)
{
    char t[32];

    if (f->since_us) {
        ap_format_time_us(f->since_us, t, sizeof(t));
        json_object_set_new(meta, "since", json_string(t));
    }
    if (f->until_us) {
        ap_format_time_us(f->until_us, t, sizeof(t));
        json_object_set_new(meta, "until", json_string(t));
    }
}

/* Add {name: top list} to obj; returns the store's code. */
static int
add_top(struct ap_store *st, json_t *obj, const char *name, const char *dim,
        const struct ap_filter *f, size_t limit)
{
    json_t *a = NULL;
    int rc = ap_store_top(st, dim, f, limit, &a);

    if (rc == 0)
        json_object_set_new(obj, name, a);
    return rc;
}

int
web_api_summary(struct web_req *r)
{
    static const char *const dims[] = {"src_ip",      "dst_port",
                                       "honeypot",    "sensor",
                                       "src_country", "signature"};
    struct ap_store *st;
    struct ap_filter f;
    json_t *out = NULL, *top, *series = NULL, *meta;
    long long count = 0;
    size_t i;
    int rc;

    STORE_OR_503(r, st);
    FILTER_OR_400(r, &f, 24);
    if ((rc = ap_store_count(st, &f, &count)) != 0)
        return store_failed(r, rc);
    if ((rc = ap_store_timeseries(st, &f, 3600LL * 1000000, &series)) != 0)
        return store_failed(r, rc);
    out = json_pack("{s:I, s:o, s:{}, s:{}}", "count", (json_int_t)count,
                    "series", series, "top", "meta");
    if (out == NULL)
        return AP_ENOMEM;
    top = json_object_get(out, "top");
    for (i = 0; i < AP_ARRAY_SIZE(dims); i++)
        if ((rc = add_top(st, top, dims[i], dims[i], &f, 10)) != 0) {
            json_decref(out);
            return store_failed(r, rc);
        }
    meta = json_object_get(out, "meta");
    meta_window(meta, &f);
    return web_reply_json(r, 200, out);
}

int
web_api_events(struct web_req *r)
{
    struct ap_store *st;
    struct ap_filter f;
    json_t *data = NULL;
    long long total = -1;
    size_t limit, offset;
    const char *order = web_param(r, "order");
    enum ap_store_sort sort = AP_SORT_TS;
    char err[128];
    int asc = 0, rc;

    STORE_OR_503(r, st);
    FILTER_OR_400(r, &f, 0);
    if (web_page_from_req(r, 50, &limit, &offset, err, sizeof(err)) != 0)
        return web_reply_error(r, 400, err);
    if (order != NULL) {
        if (strcmp(order, "asc") == 0)
            asc = 1;
        else if (strcmp(order, "desc") != 0)
            return web_reply_error(r, 400, "order: asc or desc");
    }
    if (web_sort_from_req(r, &sort) != 0)
        return web_reply_error(r, 400, "sort: one of " WEB_SORT_KEYS);
    rc = ap_store_events_sorted(st, &f, sort, !asc, limit, offset, &data);
    if (rc == AP_ETOOBIG)
        return web_reply_error(
            r, 400,
            "Too many matching events to sort by that column (more than "
            "100000): narrow the time range or add filters, or sort by "
            "time.");
    if (rc != 0)
        return store_failed(r, rc);
    /* The total is optional (count=0 skips it for fast paging). */
    if (!(web_param(r, "count") && strcmp(web_param(r, "count"), "0") == 0) &&
        (rc = ap_store_count(st, &f, &total)) != 0) {
        json_decref(data);
        return store_failed(r, rc);
    }
    return web_reply_json(
        r, 200,
        json_pack("{s:o, s:{s:I, s:I, s:I, s:s, s:s, s:I}}", "data", data,
                  "meta", "total", (json_int_t)total, "limit",
                  (json_int_t)limit, "offset", (json_int_t)offset, "order",
                  asc ? "asc" : "desc", "sort", web_sort_name(sort),
                  "max_sort_rows", (json_int_t)AP_STORE_MAX_SORT_ROWS));
}

int
web_api_top(struct web_req *r)
{
    struct ap_store *st;
    struct ap_filter f;
    json_t *data = NULL;
    size_t limit, offset;
    char err[128];
    int rc;

    STORE_OR_503(r, st);
    if (!dim_ok(r->args[0]))
        return web_reply_error(r, 404, "Unknown dimension.");
    FILTER_OR_400(r, &f, 24);
    if (web_page_from_req(r, 10, &limit, &offset, err, sizeof(err)) != 0)
        return web_reply_error(r, 400, err);
    if ((rc = ap_store_top(st, r->args[0], &f, limit, &data)) != 0)
        return store_failed(r, rc);
    return web_reply_json(r, 200,
                          json_pack("{s:o, s:{s:s, s:I}}", "data", data,
                                    "meta", "dim", r->args[0], "limit",
                                    (json_int_t)limit));
}

int
web_api_timeseries(struct web_req *r)
{
    struct ap_store *st;
    struct ap_filter f;
    json_t *data = NULL;
    const char *b = web_param(r, "bucket");
    long long bucket = 3600;
    int rc;

    STORE_OR_503(r, st);
    FILTER_OR_400(r, &f, 24);
    if (b != NULL && web_parse_int(b, 60, 86400 * 31, &bucket) != 0)
        return web_reply_error(r, 400, "bucket: 60 to 2678400 seconds");
    /* Bounded output: at most 2000 buckets over the window. */
    if (f.since_us > 0) {
        int64_t until = f.until_us ? f.until_us : ap_now_us();
        if ((until - f.since_us) / (bucket * 1000000) > 2000)
            return web_reply_error(r, 400, "Too many buckets; widen bucket.");
    } else {
        return web_reply_error(r, 400, "A time window is required.");
    }
    if ((rc = ap_store_timeseries(st, &f, bucket * 1000000, &data)) != 0)
        return store_failed(r, rc);
    return web_reply_json(r, 200,
                          json_pack("{s:o, s:{s:I}}", "data", data, "meta",
                                    "bucket", (json_int_t)bucket));
}

int
web_api_attacker(struct web_req *r)
{
    struct ap_store *st;
    struct ap_filter f;
    json_t *out = NULL, *recent = NULL;
    int rc;

    STORE_OR_503(r, st);
    if (!web_ip_ok(r->args[0]))
        return web_reply_error(r, 400, "Not an IP address.");
    if ((rc = ap_store_profile(st, r->args[0], &out)) != 0)
        return store_failed(r, rc);
    memset(&f, 0, sizeof(f));
    f.src_ip = r->args[0];
    if ((rc = ap_store_events(st, &f, 50, 0, 0, &recent)) != 0) {
        json_decref(out);
        return store_failed(r, rc);
    }
    json_object_set_new(out, "recent", recent);
    return web_reply_json(r, 200, out);
}

int
web_api_session(struct web_req *r)
{
    struct ap_store *st;
    struct ap_filter f;
    json_t *first = NULL, *out = NULL;
    const char *sensor = web_param(r, "sensor");
    char *owned = NULL;
    int rc;

    STORE_OR_503(r, st);
    if (strlen(r->args[0]) > 128)
        return web_reply_error(r, 400, "Session id too long.");
    if (sensor == NULL) {
        /* Session ids are per sensor; without one, take the sensor of
         * the session's first event. */
        memset(&f, 0, sizeof(f));
        f.session = r->args[0];
        if ((rc = ap_store_events(st, &f, 1, 0, 1, &first)) != 0)
            return store_failed(r, rc);
        sensor = json_string_value(
            json_object_get(json_array_get(first, 0), "sensor"));
        if (sensor != NULL)
            owned = strdup(sensor);
        json_decref(first);
        if ((sensor = owned) == NULL)
            return web_reply_error(r, 404,
                                   "Requested resource was not found.");
    }
    rc = ap_store_session(st, sensor, r->args[0], &out);
    free(owned);
    if (rc == AP_ENOENT)
        return web_reply_error(r, 404, "Requested resource was not found.");
    if (rc != 0)
        return store_failed(r, rc);
    return web_reply_json(r, 200, out);
}

int
web_api_credentials(struct web_req *r)
{
    struct ap_store *st;
    struct ap_filter f;
    json_t *out = NULL;
    size_t limit, offset;
    char err[128];
    int rc;

    STORE_OR_503(r, st);
    FILTER_OR_400(r, &f, 24 * 7);
    if (web_page_from_req(r, 20, &limit, &offset, err, sizeof(err)) != 0)
        return web_reply_error(r, 400, err);
    if ((rc = ap_store_credentials(st, &f, limit, &out)) != 0)
        return store_failed(r, rc);
    json_object_set_new(out, "meta", json_object());
    meta_window(json_object_get(out, "meta"), &f);
    return web_reply_json(r, 200, out);
}

int
web_api_files(struct web_req *r)
{
    struct ap_store *st;
    struct ap_filter f;
    json_t *data = NULL;
    size_t limit, offset;
    char err[128];
    int rc;

    STORE_OR_503(r, st);
    FILTER_OR_400(r, &f, 0);
    if (web_page_from_req(r, 50, &limit, &offset, err, sizeof(err)) != 0)
        return web_reply_error(r, 400, err);
    if ((rc = ap_store_files(st, &f, limit, offset, &data)) != 0)
        return store_failed(r, rc);
    return web_reply_json(r, 200,
                          json_pack("{s:o, s:{s:I, s:I}}", "data", data,
                                    "meta", "limit", (json_int_t)limit,
                                    "offset", (json_int_t)offset));
}
