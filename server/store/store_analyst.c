/*
 * The analyst pages' queries: one attacker's profile, sessions and one
 * session's timeline, credentials, captured files, raw payloads and their
 * per-channel error counts.  Same rules as store_query.c: fixed SQL
 * fragments, bound values, bounded results, an index behind each query.
 */
#include <stdlib.h>
#include <string.h>

#include "ap/err.h"
#include "ap/event.h"
#include "ap/util.h"
#include "store_query.h"
#include "ap/common.h"

/* Lists inside a profile are top-N. */
#define PROFILE_TOP 20
/* Raw payloads are listed with their first bytes only. */
#define RAW_PREVIEW 4096

static json_t *
iso(long long us)
{
    char b[40];

    ap_format_time_us(us, b, sizeof(b));
    return json_string(b);
}

static json_t *
text_or_null(const struct sq_val *v)
{
    return v->t == SQ_TEXT ? json_stringn(v->s, v->n) : json_null();
}

static json_t *
int_or_null(const struct sq_val *v)
{
    return v->t == SQ_INT ? json_integer(v->i) : json_null();
}

static int
count_row(void *ctx, const struct sq_val *c, int n)
{
    if (n > 0 && c[0].t == SQ_INT)
        *(long long *)ctx = c[0].i;
    return 0;
}

/* ---- profile ------------------------------------------------------------ */

struct prof_ctx {
    json_t *o;
};

static int
prof_latest_row(void *ctx, const struct sq_val *c, int n)
{
    static const char *const keep[] = {"src_country", "src_city", "src_asn",
                                       "src_org", "src_lat", "src_lon"};
    struct prof_ctx *p = ctx;
    json_t *ev;
    size_t i;

    if (n < 1 || c[0].t != SQ_TEXT)
        return 0;
    if ((ev = json_loadb(c[0].s, c[0].n, JSON_ALLOW_NUL, NULL)) == NULL)
        return AP_EDB;
    for (i = 0; i < AP_ARRAY_SIZE(keep); i++) {
        json_t *v = json_object_get(ev, keep[i]);
        if (v != NULL && json_object_get(p->o, keep[i]) == NULL)
            json_object_set(p->o, keep[i], v);
    }
    json_decref(ev);
    return 0;
}

struct sample_ctx {
    json_t *arr;
    int is_int, pair;
};

static int
sample_row(void *ctx, const struct sq_val *c, int n)
{
    struct sample_ctx *s = ctx;
    json_t *o;

    if (n < 2 || (s->pair && n < 3))
        return AP_EDB;
    if (s->pair)
        o = json_pack("{s:s++, s:o, s:o, s:I}", "value",
                      c[0].s ? c[0].s : "", ":", c[1].s ? c[1].s : "",
                      "username", text_or_null(&c[0]), "password",
                      text_or_null(&c[1]), "count", (json_int_t)c[2].i);
    else
        o = json_pack("{s:o, s:I}", "value",
                      !s->is_int ? text_or_null(&c[0])
                      : c[0].t == SQ_TEXT ? json_integer(strtoll(c[0].s, NULL,
                                                                 10))
                                          : int_or_null(&c[0]),
                      "count", (json_int_t)c[1].i);
    if (o == NULL)
        return AP_ENOMEM;
    return json_array_append_new(s->arr, o) == 0 ? 0 : AP_ENOMEM;
}

/* Top values of one summary dimension of the address, exact either way:
 * from its per-source summary, or (an address without one sent few
 * events: store_srcheavy.c) counted from its events. */
static int
prof_top(struct ap_store *st, const char *ip, int summarized, int dim,
         int is_int, int pair, json_t *o, const char *key)
{
    struct sample_ctx s;
    struct qb b;
    int rc;

    if ((s.arr = json_array()) == NULL)
        return AP_ENOMEM;
    s.is_int = is_int;
    s.pair = pair;
    if (summarized) {
        rc = qb_init(&b, pair ? "SELECT value, value2, n FROM srcsum WHERE "
                                "src_ip = ? AND dim = ? ORDER BY n DESC, "
                                "value, value2 LIMIT ?"
                              : "SELECT value, n FROM srcsum WHERE src_ip = "
                                "? AND dim = ? ORDER BY n DESC, value LIMIT ?");
        b.p[0] = sq_text(ip);
        b.p[1] = sq_int(dim);
        b.p[2] = sq_int(PROFILE_TOP);
        b.np = 3;
    } else {
        rc = qb_init(&b, "SELECT ");
        if (rc == 0)
            rc = st_srcsum_select(&b, st_src_col_find(dim), ST_SRC_SEL_TOP);
        if (rc == 0)
            rc = qb_add(&b, " AND src_ip = ?", sq_text(ip));
        if (rc == 0)
            rc = qb_sql(&b, pair ? " GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2"
                                 : " GROUP BY 1 ORDER BY 2 DESC, 1");
        if (rc == 0)
            rc = qb_add(&b, " LIMIT ?", sq_int(PROFILE_TOP));
    }
    if (rc == 0)
        rc = st_run(st, &b, sample_row, &s);
    qb_release(&b);
    if (rc != 0) {
        json_decref(s.arr);
        return rc;
    }
    return json_object_set_new(o, key, s.arr) == 0 ? 0 : AP_ENOMEM;
}

/* Its latest events of one rare type (downloads, fingerprints, alerts):
 * the partial index ev_src_rare holds only those types, so this reads
 * PROFILE_TOP rows whatever else the address sent.  type is one of the
 * fixed names below (the SQL holds it as a literal so the partial index
 * is provably usable). */
static int
prof_events(struct ap_store *st, const char *ip, const char *type, json_t *o,
            const char *key)
{
    static const struct {
        const char *type, *sql;
    } q[] = {
#define RARE_Q(t)                                                              \
    {t, "SELECT json FROM events WHERE src_ip = ? AND type = '" t "' AND "     \
        "type IN ('download', 'upload', 'fingerprint', 'alert') "              \
        "ORDER BY ts DESC LIMIT ?"}
        RARE_Q("download"), RARE_Q("upload"), RARE_Q("fingerprint"),
        RARE_Q("alert"),
#undef RARE_Q
    };
    json_t *arr = NULL;
    struct qb b;
    size_t i;
    int rc;

    for (i = 0; i < AP_ARRAY_SIZE(q) && strcmp(q[i].type, type) != 0; i++)
        ;
    if (i == AP_ARRAY_SIZE(q))
        return AP_EINVAL;
    rc = qb_init(&b, q[i].sql);
    b.p[0] = sq_text(ip);
    b.p[1] = sq_int(PROFILE_TOP);
    b.np = 2;
    if (rc == 0 && (arr = json_array()) == NULL)
        rc = AP_ENOMEM;
    if (rc == 0)
        rc = st_run(st, &b, st_json_row, arr);
    qb_release(&b);
    if (rc != 0) {
        json_decref(arr);
        return rc;
    }
    return json_object_set_new(o, key, arr) == 0 ? 0 : AP_ENOMEM;
}

static int
sum_row(void *ctx, const struct sq_val *c, int n)
{
    if (n > 0 && c[0].t == SQ_INT)
        *(long long *)ctx += c[0].i;
    return 0;
}

/* One integer from a query with the address as its only parameter. */
static int
ip_int(struct ap_store *st, const char *sql, const char *ip, long long *out)
{
    struct qb b;
    int rc;

    *out = 0;
    rc = qb_init(&b, sql);
    b.p[b.np++] = sq_text(ip);
    if (rc == 0)
        rc = st_run(st, &b, sum_row, out);
    qb_release(&b);
    return rc;
}

int
ap_store_profile(struct ap_store *st, const char *ip, json_t **out)
{
    struct prof_ctx p;
    long long nsess = 0, nev = 0, first = 0, last = 0;
    struct qb b;
    int rc, sum;

    if (ip == NULL || ip[0] == '\0')
        return AP_EINVAL;
    if ((p.o = json_pack("{s:s, s:I}", "src_ip", ip, "events", 0)) == NULL)
        return AP_ENOMEM;
    /* MIN and MAX separately: each is one seek on (src_ip, ts). */
    rc = ip_int(st, "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM srcsum "
                    "WHERE src_ip = ? AND dim = 15",
                ip, &nev);
    sum = nev > 0;
    if (rc == 0 && !sum)
        rc = ip_int(st, "SELECT COUNT(*) FROM events WHERE src_ip = ?", ip,
                    &nev);
    if (rc == 0 && nev > 0)
        rc = ip_int(st, "SELECT MIN(ts) FROM events WHERE src_ip = ?", ip,
                    &first);
    if (rc == 0 && nev > 0)
        rc = ip_int(st, "SELECT MAX(ts) FROM events WHERE src_ip = ?", ip,
                    &last);
    if (rc == 0 && nev > 0) {
        json_object_set_new(p.o, "first_seen", iso(first));
        json_object_set_new(p.o, "last_seen", iso(last));
        json_object_set_new(p.o, "events", json_integer(nev));
    }
    if (rc == 0 && (rc = qb_init(&b, "SELECT json FROM events WHERE "
                                     "src_ip = ? ORDER BY ts DESC LIMIT 50")) == 0) {
        b.p[b.np++] = sq_text(ip);
        rc = st_run(st, &b, prof_latest_row, &p);
        qb_release(&b);
    }
    if (rc == 0 && (rc = qb_init(&b, "SELECT COUNT(*) FROM sessions WHERE "
                                     "src_ip = ?")) == 0) {
        b.p[b.np++] = sq_text(ip);
        rc = st_run(st, &b, count_row, &nsess);
        qb_release(&b);
        json_object_set_new(p.o, "sessions", json_integer(nsess));
    }
    if (rc == 0)
        rc = prof_top(st, ip, sum, 4, 0, 0, p.o, "sensors");
    if (rc == 0)
        rc = prof_top(st, ip, sum, 3, 0, 0, p.o, "honeypots");
    if (rc == 0)
        rc = prof_top(st, ip, sum, 2, 1, 0, p.o, "ports");
    if (rc == 0)
        rc = prof_top(st, ip, sum, 15, 0, 0, p.o, "types");
    if (rc == 0)
        rc = prof_top(st, ip, sum, 10, 0, 1, p.o, "credentials");
    if (rc == 0)
        rc = prof_top(st, ip, sum, 11, 0, 0, p.o, "commands");
    if (rc == 0)
        rc = prof_events(st, ip, "download", p.o, "downloads");
    if (rc == 0)
        rc = prof_events(st, ip, "fingerprint", p.o, "fingerprints");
    if (rc == 0)
        rc = prof_events(st, ip, "alert", p.o, "alerts");
    if (rc != 0) {
        json_decref(p.o);
        return rc;
    }
    *out = p.o;
    return 0;
}

/* ---- sessions ----------------------------------------------------------- */

static int
session_row(void *ctx, const struct sq_val *c, int n)
{
    json_t *arr = ctx, *o;

    if (n < 14)
        return AP_EDB;
    o = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:I, "
                  "s:I, s:I, s:I}",
                  "sensor", text_or_null(&c[0]), "session",
                  text_or_null(&c[1]), "first_seen", iso(c[2].i), "last_seen",
                  iso(c[3].i), "src_ip", text_or_null(&c[4]), "src_port",
                  int_or_null(&c[5]), "dst_ip", text_or_null(&c[6]),
                  "dst_port", int_or_null(&c[7]), "honeypot",
                  text_or_null(&c[8]), "protocol", text_or_null(&c[9]),
                  "events", (json_int_t)c[10].i, "logins",
                  (json_int_t)c[11].i, "commands", (json_int_t)c[12].i,
                  "downloads", (json_int_t)c[13].i);
    if (o == NULL)
        return AP_ENOMEM;
    return json_array_append_new(arr, o) == 0 ? 0 : AP_ENOMEM;
}

#define SESSION_COLS                                                           \
    "SELECT sensor, session, first_ts, last_ts, src_ip, src_port, dst_ip, "    \
    "dst_port, honeypot, protocol, events, logins, commands, downloads "       \
    "FROM sessions"

int
ap_store_sessions(struct ap_store *st, const struct ap_filter *f,
                  size_t limit, size_t offset, json_t **out)
{
    json_t *arr = NULL;
    struct qb b;
    int rc;

    if (offset > AP_STORE_MAX_OFFSET)
        return AP_EINVAL;
    rc = qb_init(&b, SESSION_COLS " WHERE 1 = 1");
    if (rc == 0 && f->src_ip)
        rc = qb_add(&b, " AND src_ip = ?", sq_text(f->src_ip));
    if (rc == 0 && f->sensor)
        rc = qb_add(&b, " AND sensor = ?", sq_text(f->sensor));
    if (rc == 0 && f->honeypot)
        rc = qb_add(&b, " AND honeypot = ?", sq_text(f->honeypot));
    if (rc == 0 && f->since_us)
        rc = qb_add(&b, " AND last_ts >= ?", sq_int(f->since_us));
    if (rc == 0 && f->until_us)
        rc = qb_add(&b, " AND last_ts < ?", sq_int(f->until_us));
    if (rc == 0)
        rc = qb_add(&b, " ORDER BY last_ts DESC LIMIT ?",
                    sq_int((long long)st_clamp_limit(limit)));
    if (rc == 0)
        rc = qb_add(&b, " OFFSET ?", sq_int((long long)offset));
    if (rc == 0 && (arr = json_array()) == NULL)
        rc = AP_ENOMEM;
    if (rc == 0)
        rc = st_run(st, &b, session_row, arr);
    qb_release(&b);
    if (rc != 0) {
        json_decref(arr);
        return rc;
    }
    *out = arr;
    return 0;
}

int
ap_store_session(struct ap_store *st, const char *sensor, const char *session,
                 json_t **out)
{
    json_t *rows = NULL, *evs = NULL, *o = NULL;
    struct qb b;
    int rc;

    if (sensor == NULL || session == NULL)
        return AP_EINVAL;
    if ((rows = json_array()) == NULL)
        return AP_ENOMEM;
    rc = qb_init(&b, SESSION_COLS " WHERE sensor = ?");
    b.p[b.np++] = sq_text(sensor);
    if (rc == 0)
        rc = qb_add(&b, " AND session = ?", sq_text(session));
    if (rc == 0)
        rc = st_run(st, &b, session_row, rows);
    qb_release(&b);
    if (rc == 0 && json_array_size(rows) == 0)
        rc = AP_ENOENT;
    if (rc == 0) {
        rc = qb_init(&b, "SELECT json FROM events WHERE session = ?");
        b.p[b.np++] = sq_text(session);
        if (rc == 0)
            rc = qb_add(&b, " AND sensor = ?", sq_text(sensor));
        if (rc == 0)
            rc = st_events_where(st, &b, AP_STORE_MAX_LIMIT, 0, 1, &evs);
        qb_release(&b);
    }
    if (rc == 0) {
        o = json_array_get(rows, 0);
        json_incref(o);
        json_object_set_new(o, "timeline", evs);
        evs = NULL;
    }
    json_decref(rows);
    json_decref(evs);
    if (rc != 0)
        return rc;
    *out = o;
    return 0;
}

/* ---- credentials -------------------------------------------------------- */

int
ap_store_credentials(struct ap_store *st, const struct ap_filter *f,
                     size_t limit, json_t **out)
{
    static const char *const dims[] = {"username", "password", "credential"};
    static const char *const keys[] = {"usernames", "passwords",
                                       "credentials"};
    json_t *o, *arr;
    size_t i;
    int rc = 0;

    if ((o = json_object()) == NULL)
        return AP_ENOMEM;
    for (i = 0; i < AP_ARRAY_SIZE(dims) && rc == 0; i++)
        if ((rc = ap_store_top(st, dims[i], f, limit, &arr)) == 0)
            json_object_set_new(o, keys[i], arr);
    if (rc != 0) {
        json_decref(o);
        return rc;
    }
    *out = o;
    return 0;
}

/* ---- files -------------------------------------------------------------- */

static int
file_row(void *ctx, const struct sq_val *c, int n)
{
    json_t *arr = ctx, *o;

    if (n < 9)
        return AP_EDB;
    o = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:I}", "sha256",
                  text_or_null(&c[0]), "size", int_or_null(&c[1]),
                  "filetype", text_or_null(&c[2]), "filename",
                  text_or_null(&c[3]), "url", text_or_null(&c[4]), "src_ip",
                  text_or_null(&c[5]), "first_seen", iso(c[6].i),
                  "last_seen", iso(c[7].i), "seen", (json_int_t)c[8].i);
    if (o == NULL)
        return AP_ENOMEM;
    return json_array_append_new(arr, o) == 0 ? 0 : AP_ENOMEM;
}

int
ap_store_files(struct ap_store *st, const struct ap_filter *f, size_t limit,
               size_t offset, json_t **out)
{
    json_t *arr = NULL;
    struct qb b;
    int rc;

    if (offset > AP_STORE_MAX_OFFSET)
        return AP_EINVAL;
    rc = qb_init(&b, "SELECT sha256, size, filetype, filename, url, src_ip, "
                     "first_ts, last_ts, seen FROM files WHERE 1 = 1");
    if (rc == 0 && f->sha256)
        rc = qb_add(&b, " AND sha256 = ?", sq_text(f->sha256));
    if (rc == 0 && f->since_us)
        rc = qb_add(&b, " AND last_ts >= ?", sq_int(f->since_us));
    if (rc == 0 && f->until_us)
        rc = qb_add(&b, " AND last_ts < ?", sq_int(f->until_us));
    if (rc == 0)
        rc = qb_add(&b, " ORDER BY last_ts DESC LIMIT ?",
                    sq_int((long long)st_clamp_limit(limit)));
    if (rc == 0)
        rc = qb_add(&b, " OFFSET ?", sq_int((long long)offset));
    if (rc == 0 && (arr = json_array()) == NULL)
        rc = AP_ENOMEM;
    if (rc == 0)
        rc = st_run(st, &b, file_row, arr);
    qb_release(&b);
    if (rc != 0) {
        json_decref(arr);
        return rc;
    }
    *out = arr;
    return 0;
}

/* ---- raw payloads ------------------------------------------------------- */

static int
raw_row(void *ctx, const struct sq_val *c, int n)
{
    json_t *arr = ctx, *o;

    if (n < 7)
        return AP_EDB;
    o = json_pack("{s:I, s:o, s:o, s:o, s:o, s:I, s:b}", "id",
                  (json_int_t)c[0].i, "rx_ts", iso(c[1].i), "channel",
                  text_or_null(&c[2]), "ident", text_or_null(&c[3]), "error",
                  text_or_null(&c[4]), "size", (json_int_t)c[5].i,
                  "truncated", c[5].i > RAW_PREVIEW);
    if (o == NULL)
        return AP_ENOMEM;
    if (ap_event_set_b64(o, "payload_b64", c[6].s ? c[6].s : "",
                         c[6].t == SQ_NULL ? 0 : c[6].n, RAW_PREVIEW) != 0) {
        json_decref(o);
        return AP_ENOMEM;
    }
    return json_array_append_new(arr, o) == 0 ? 0 : AP_ENOMEM;
}

int
ap_store_raw(struct ap_store *st, const char *channel,
             const struct ap_filter *f, size_t limit, size_t offset,
             json_t **out)
{
    json_t *arr = NULL;
    struct qb b;
    int rc;

    if (offset > AP_STORE_MAX_OFFSET)
        return AP_EINVAL;
    rc = qb_init(&b, "SELECT rid, rx_ts, channel, ident, error, "
                     "length(payload), substr(payload, 1, 4096) FROM raw "
                     "WHERE 1 = 1");
    if (rc == 0 && channel)
        rc = qb_add(&b, " AND channel = ?", sq_text(channel));
    if (rc == 0 && f->since_us)
        rc = qb_add(&b, " AND rx_ts >= ?", sq_int(f->since_us));
    if (rc == 0 && f->until_us)
        rc = qb_add(&b, " AND rx_ts < ?", sq_int(f->until_us));
    if (rc == 0)
        rc = qb_add(&b, " ORDER BY rx_ts DESC, rid DESC LIMIT ?",
                    sq_int((long long)st_clamp_limit(limit)));
    if (rc == 0)
        rc = qb_add(&b, " OFFSET ?", sq_int((long long)offset));
    if (rc == 0 && (arr = json_array()) == NULL)
        rc = AP_ENOMEM;
    if (rc == 0)
        rc = st_run(st, &b, raw_row, arr);
    qb_release(&b);
    if (rc != 0) {
        json_decref(arr);
        return rc;
    }
    *out = arr;
    return 0;
}

static int
raw_err_row(void *ctx, const struct sq_val *c, int n)
{
    json_t *arr = ctx, *o;

    if (n < 3)
        return AP_EDB;
    o = json_pack("{s:o, s:I, s:o}", "channel", text_or_null(&c[0]), "count",
                  (json_int_t)c[1].i, "last_seen", iso(c[2].i));
    if (o == NULL)
        return AP_ENOMEM;
    return json_array_append_new(arr, o) == 0 ? 0 : AP_ENOMEM;
}

int
ap_store_raw_errors(struct ap_store *st, json_t **out)
{
    json_t *arr;
    struct qb b;
    int rc;

    if ((arr = json_array()) == NULL)
        return AP_ENOMEM;
    rc = qb_init(&b, "SELECT channel, n, last_ts FROM raw_errors "
                     "ORDER BY n DESC, channel LIMIT 1000");
    if (rc == 0)
        rc = st_run(st, &b, raw_err_row, arr);
    qb_release(&b);
    if (rc != 0) {
        json_decref(arr);
        return rc;
    }
    *out = arr;
    return 0;
}
