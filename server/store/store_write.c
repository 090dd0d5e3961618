/*
 * The write path shared by both engines: a batch of rows (store_row.c) is
 * inserted (ids already stored are ignored and counted); then, for the
 * rows that were new only, the hourly rollups, the sessions and the
 * captured-file records are updated with one upsert per distinct key
 * (aggregated in memory by store_agg.c, so a batch of 1000 events from
 * one scanner is one rollup write, not 1000).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ap/err.h"
#include "ap/event.h"
#include "store_agg.h"
#include "store_int.h"
#include "ap/common.h"

/* Dimension ids are stored in the rollup table: never renumber. */
const struct st_dim st_dims[] = {
    {"all", NULL, NULL, 0, 0, 0},
    {"src_ip", "src_ip", NULL, 0, 1, 0},
    {"dst_port", "dst_port", NULL, 1, 2, 0},
    {"honeypot", "honeypot", NULL, 0, 3, 0},
    {"sensor", "sensor", NULL, 0, 4, 0},
    {"src_country", "src_country", NULL, 0, 5, 0},
    {"src_asn", "src_asn", NULL, 1, 6, 0},
    {"protocol", "protocol", NULL, 0, 7, 0},
    {"username", "username", NULL, 0, 8, 0},
    {"password", "password", NULL, 0, 9, 0},
    {"credential", "username", "password", 0, 10, 0},
    {"command", "command", NULL, 0, 11, 0},
    {"url", "url", NULL, 0, 12, 0},
    {"sha256", "sha256", NULL, 0, 13, 0},
    {"signature", "signature", NULL, 0, 14, 0},
    {"type", "type", NULL, 0, 15, 0},
    /* Two low-cardinality terms together: "logins on sensor X" and
     * "ssh on sensor X" are the usual two-term filters, and two single
     * rollups cannot tell the hours where both occur in one event from
     * those where they occur apart (the search would read every hour
     * holding both, the count every event). */
    {"sensor_type", "sensor", "type", 0, 16, 1},
    {"honeypot_type", "honeypot", "type", 0, 17, 1},
    {"protocol_type", "protocol", "type", 0, 18, 1},
    {"sensor_honeypot", "sensor", "honeypot", 0, 19, 1},
};
const size_t st_ndims = AP_ARRAY_SIZE(st_dims);

const struct st_dim *
st_dim_find(const char *name)
{
    size_t i;

    if (name == NULL)
        return NULL;
    for (i = 1; i < st_ndims; i++)
        if (strcmp(st_dims[i].name, name) == 0)
            return &st_dims[i];
    return NULL;
}

void
st_errf(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL || errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* ---- SQL (the same text in both dialects) ---------------------------- */

static const char sql_insert_event[] =
    "INSERT INTO events (id, ts, rx_ts, sensor, honeypot, type, session, "
    "src_ip, src_port, dst_ip, dst_port, transport, protocol, src_country, "
    "src_asn, username, password, command, url, sha256, signature, json) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (id) DO NOTHING";
#define NP_EVENT 22
static const struct sq_insert ins_event = {
    sql_insert_event, NP_EVENT, 0, "id",
    "SELECT id FROM events WHERE rid BETWEEN ? AND ? ORDER BY rid"};

static const char sql_upsert_rollup[] =
    "INSERT INTO rollup (dim, hour, value, value2, n) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (dim, hour, value, value2) DO UPDATE SET "
    "n = rollup.n + excluded.n";
#define NP_ROLLUP 5

static const char sql_upsert_session[] =
    "INSERT INTO sessions (sensor, session, first_ts, last_ts, src_ip, "
    "src_port, dst_ip, dst_port, honeypot, protocol, events, logins, "
    "commands, downloads) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (sensor, session) DO UPDATE SET "
    "first_ts = CASE WHEN excluded.first_ts < sessions.first_ts "
    "THEN excluded.first_ts ELSE sessions.first_ts END, "
    "last_ts = CASE WHEN excluded.last_ts > sessions.last_ts "
    "THEN excluded.last_ts ELSE sessions.last_ts END, "
    "src_ip = COALESCE(sessions.src_ip, excluded.src_ip), "
    "src_port = COALESCE(sessions.src_port, excluded.src_port), "
    "dst_ip = COALESCE(sessions.dst_ip, excluded.dst_ip), "
    "dst_port = COALESCE(sessions.dst_port, excluded.dst_port), "
    "honeypot = COALESCE(sessions.honeypot, excluded.honeypot), "
    "protocol = COALESCE(sessions.protocol, excluded.protocol), "
    "events = sessions.events + excluded.events, "
    "logins = sessions.logins + excluded.logins, "
    "commands = sessions.commands + excluded.commands, "
    "downloads = sessions.downloads + excluded.downloads";
#define NP_SESSION 14

static const char sql_upsert_file[] =
    "INSERT INTO files (sha256, size, filename, url, src_ip, first_ts, "
    "last_ts, seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (sha256) DO UPDATE SET "
    "size = COALESCE(files.size, excluded.size), "
    "filename = COALESCE(files.filename, excluded.filename), "
    "url = COALESCE(files.url, excluded.url), "
    "src_ip = COALESCE(files.src_ip, excluded.src_ip), "
    "first_ts = CASE WHEN excluded.first_ts < files.first_ts "
    "THEN excluded.first_ts ELSE files.first_ts END, "
    "last_ts = CASE WHEN excluded.last_ts > files.last_ts "
    "THEN excluded.last_ts ELSE files.last_ts END, "
    "seen = files.seen + excluded.seen";
#define NP_FILE 8

static const char sql_upsert_srcsum[] =
    "INSERT INTO srcsum (src_ip, dim, value, value2, n) "
    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (src_ip, dim, value, value2) "
    "DO UPDATE SET n = srcsum.n + excluded.n";
#define NP_SRC 5

static struct sq_val
opt_int(long long v)
{
    return v >= 0 ? sq_int(v) : sq_null();
}

static void
event_params(const struct st_row *r, struct sq_val *p)
{
    p[0] = sq_text(r->id);
    p[1] = sq_int(r->ts);
    p[2] = r->rx_ts ? sq_int(r->rx_ts) : sq_null();
    p[3] = sq_text(r->sensor);
    p[4] = sq_text(r->honeypot);
    p[5] = sq_text(r->type);
    p[6] = sq_text(r->session);
    p[7] = sq_text(r->src_ip);
    p[8] = opt_int(r->src_port);
    p[9] = sq_text(r->dst_ip);
    p[10] = opt_int(r->dst_port);
    p[11] = sq_text(r->transport);
    p[12] = sq_text(r->protocol);
    p[13] = sq_text(r->src_country);
    p[14] = opt_int(r->src_asn);
    p[15] = sq_text(r->username);
    p[16] = sq_text(r->password);
    p[17] = sq_text(r->command);
    p[18] = sq_text(r->url);
    p[19] = sq_text(r->sha256);
    p[20] = sq_text(r->signature);
    p[21] = sq_text(r->json);
}

/* Write the aggregated entries of one kind class with their upsert. */
static int
flush_agg(struct ap_store *st, const struct st_agg *a, int which,
          const struct st_srcset *srcs, struct sq_val *p)
{
    static const struct sq_insert rollup = {sql_upsert_rollup, NP_ROLLUP,
                                            0, NULL, NULL},
                                   session = {sql_upsert_session,
                                              NP_SESSION, 0, NULL, NULL},
                                   srcsum = {sql_upsert_srcsum, NP_SRC, 0,
                                             NULL, NULL},
                                   file = {sql_upsert_file, NP_FILE, 0,
                                           NULL, NULL};
    const struct sq_insert *ins = which == 0 ? &rollup
                                  : which == AGG_SESSION ? &session
                                  : which == AGG_SRC ? &srcsum
                                                     : &file;
    const struct st_row *r;
    size_t i, k = 0, np = ins->nparams;
    struct sq_val *q;

    for (i = 0; i < a->len; i++) {
        const struct agg_ent *e = &a->e[i];

        if (which == 0 ? e->kind < 0
            : which == AGG_SRC ? e->kind > AGG_SRC
                               : e->kind != which)
            continue;
        if (which == AGG_SRC && !st_srcset_summarized(srcs, e->v3))
            continue;
        q = &p[k * np];
        r = e->row;
        if (which == AGG_SRC) {
            q[0] = sq_text(e->v3);
            q[1] = sq_int(AGG_SRC - e->kind);
            q[2] = sq_text(e->v);
            q[3] = sq_text(e->v2);
            q[4] = sq_int(e->n);
        } else if (which == 0) {
            q[0] = sq_int(e->kind);
            q[1] = sq_int(e->hour);
            q[2] = sq_text(e->v);
            q[3] = sq_text(e->v2);
            q[4] = sq_int(e->n);
        } else if (which == AGG_SESSION) {
            q[0] = sq_text(e->v);
            q[1] = sq_text(e->v2);
            q[2] = sq_int(e->first);
            q[3] = sq_int(e->last);
            q[4] = sq_text(r->src_ip);
            q[5] = opt_int(r->src_port);
            q[6] = sq_text(r->dst_ip);
            q[7] = opt_int(r->dst_port);
            q[8] = sq_text(r->honeypot);
            q[9] = sq_text(r->protocol);
            q[10] = sq_int(e->n);
            q[11] = sq_int(e->logins);
            q[12] = sq_int(e->commands);
            q[13] = sq_int(e->downloads);
        } else {
            q[0] = sq_text(e->v);
            q[1] = opt_int(r->size);
            q[2] = sq_text(r->filename);
            q[3] = sq_text(r->url);
            q[4] = sq_text(r->src_ip);
            q[5] = sq_int(e->first);
            q[6] = sq_int(e->last);
            q[7] = sq_int(e->n);
        }
        k++;
    }
    if (k == 0)
        return 0;
    return st->eng->insert_many(st->writer, ins, p, k, NULL);
}

/* New events change their hour's and day's counts: drop those buckets'
 * cached top lists (store_topk.c).  A batch spans few hours. */
static int
invalidate_hours(struct ap_store *st, const struct st_row *rows, size_t n,
                 const unsigned char *isnew)
{
    long long hours[16];
    size_t i, j, nh = 0;
    int rc;

    for (i = 0; i < n; i++) {
        long long h = rows[i].ts / ST_HOUR_US;

        if (!isnew[i])
            continue;
        for (j = 0; j < nh && hours[j] != h; j++)
            ;
        if (j < nh)
            continue;
        if (nh == AP_ARRAY_SIZE(hours)) {
            if ((rc = st_topk_invalidate(st, hours, nh)) != 0)
                return rc;
            nh = 0;
        }
        hours[nh++] = h;
    }
    return st_topk_invalidate(st, hours, nh);
}

int
st_write_rows(struct ap_store *st, struct st_row *rows, size_t n,
              size_t *inserted, unsigned char *rows_new,
              const struct st_agg *pre)
{
    unsigned char *isnew = NULL;
    struct sq_val *p = NULL, *np;
    struct st_agg own = {NULL, NULL, 0, 0};
    const struct st_agg *a = &own;
    struct st_srcset srcs = {NULL, 0, 0};
    size_t i, nnew = 0;
    int rc;

    if (n == 0) {
        *inserted = 0;
        return 0;
    }
    isnew = calloc(n, 1);
    p = calloc((size_t)NP_EVENT * n, sizeof(*p));
    if (isnew == NULL || p == NULL) {
        rc = AP_ENOMEM;
        goto out;
    }
    for (i = 0; i < n; i++)
        event_params(&rows[i], &p[i * NP_EVENT]);
    rc = st->eng->insert_many(st->writer, &ins_event, p, n, isnew);
    if (rc != 0)
        goto out;
    for (i = 0; i < n; i++)
        nnew += isnew[i] != 0;
    if (rows_new != NULL)
        memcpy(rows_new, isnew, n);
    if (nnew > 0) {
        struct sq_val c = sq_int((long long)nnew);
        rc = st->eng->exec(st->writer,
                           "UPDATE counters SET n = n + ? "
                           "WHERE name = 'events'",
                           &c, 1, NULL, NULL);
        if (rc < 0)
            goto out;
    }
    /* The caller's aggregation (made off the writer, for all rows) holds
     * when every row was new -- the usual case; resent rows need their
     * own. */
    if (pre != NULL && nnew == n)
        a = pre;
    else if ((rc = st_agg_init(&own, 8 * nnew)) != 0 ||
             (rc = st_agg_rows(&own, rows, n, isnew)) != 0)
        goto out;
    if ((rc = st_srcsum_batch(st, rows, n, isnew, &srcs)) != 0)
        goto out;
    if (a->len * NP_SESSION > (size_t)NP_EVENT * n) {
        np = realloc(p, a->len * NP_SESSION * sizeof(*p));
        if (np == NULL) {
            rc = AP_ENOMEM;
            goto out;
        }
        p = np;
    }
    if ((rc = invalidate_hours(st, rows, n, isnew)) != 0 ||
        (rc = flush_agg(st, a, 0, &srcs, p)) != 0 ||
        (rc = flush_agg(st, a, AGG_SESSION, &srcs, p)) != 0 ||
        (rc = flush_agg(st, a, AGG_SRC, &srcs, p)) != 0 ||
        (rc = flush_agg(st, a, AGG_FILE, &srcs, p)) != 0)
        goto out;
    *inserted = nnew;
    rc = 0;
out:
    st_srcset_clear(&srcs);
    st_agg_release(&own);
    free(isnew);
    free(p);
    return rc;
}

/* ---- multi-row statements (both engines) ------------------------------ */

char *
st_multi_sql(const char *sql, size_t k, const char *suffix)
{
    const char *v = strstr(sql, "VALUES ("), *end;
    size_t head, tlen, tail, slen = suffix ? strlen(suffix) : 0, i;
    char *out, *o;

    if (v == NULL || (end = strchr(v, ')')) == NULL)
        return NULL;
    head = (size_t)(v - sql) + 7;
    tlen = (size_t)(end + 1 - (v + 7));
    tail = strlen(end + 1);
    if ((out = malloc(head + k * (tlen + 2) + tail + slen + 1)) == NULL)
        return NULL;
    memcpy(out, sql, head);
    o = out + head;
    for (i = 0; i < k; i++) {
        if (i > 0) {
            memcpy(o, ", ", 2);
            o += 2;
        }
        memcpy(o, v + 7, tlen);
        o += tlen;
    }
    memcpy(o, end + 1, tail);
    o += tail;
    if (slen > 0)
        memcpy(o, suffix, slen);
    o[slen] = '\0';
    return out;
}

int
st_mark_key(const struct sq_insert *ins, const struct sq_val *rows,
            size_t k, const char *s, size_t n, unsigned char *changed)
{
    const struct sq_val *key;
    size_t i, kn;

    for (i = 0; i < k; i++) {
        key = &rows[i * ins->nparams + ins->key];
        if (changed[i] || key->t != SQ_TEXT)
            continue;
        kn = key->n ? key->n : strlen(key->s);
        if (kn == n && memcmp(key->s, s, n) == 0) {
            changed[i] = 1;
            return 0;
        }
    }
    return -1;
}
