/*
 * The write path shared by both engines: an event's JSON becomes a row of
 * indexed columns; a batch of rows is inserted (ids already stored are
 * ignored and counted); then, for the rows that were new only, the hourly
 * rollups, the sessions and the captured-file records are updated with
 * one upsert per distinct key (aggregated here in memory, so a batch of
 * 1000 events from one scanner is one rollup write, not 1000).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ap/err.h"
#include "ap/event.h"
#include "store_int.h"
#include "ap/common.h"

/* Dimension ids are stored in the rollup table: never renumber. */
const struct st_dim st_dims[] = {
    {"all", NULL, NULL, 0, 0},
    {"src_ip", "src_ip", NULL, 0, 1},
    {"dst_port", "dst_port", NULL, 1, 2},
    {"honeypot", "honeypot", NULL, 0, 3},
    {"sensor", "sensor", NULL, 0, 4},
    {"src_country", "src_country", NULL, 0, 5},
    {"src_asn", "src_asn", NULL, 1, 6},
    {"protocol", "protocol", NULL, 0, 7},
    {"username", "username", NULL, 0, 8},
    {"password", "password", NULL, 0, 9},
    {"credential", "username", "password", 0, 10},
    {"command", "command", NULL, 0, 11},
    {"url", "url", NULL, 0, 12},
    {"sha256", "sha256", NULL, 0, 13},
    {"signature", "signature", NULL, 0, 14},
    {"type", "type", NULL, 0, 15},
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

static const char *
str_field(const json_t *ev, const char *k)
{
    return json_string_value(json_object_get(ev, k));
}

static long long
int_field(const json_t *ev, const char *k, long long def)
{
    json_t *v = json_object_get(ev, k);

    return json_is_integer(v) ? (long long)json_integer_value(v) : def;
}

struct st_chunk {
    struct st_chunk *next;
    size_t cap, used;
    char data[];
};

#define ST_CHUNK (1u << 20)

void
st_arena_free(struct st_arena *a)
{
    struct st_chunk *c;

    while ((c = a->head) != NULL) {
        a->head = c->next;
        free(c);
    }
}

/* The compact JSON of ev, NUL-terminated, in the arena. */
static char *
arena_dump(struct st_arena *a, const json_t *ev)
{
    struct st_chunk *c = a->head;
    size_t need = 0, cap;
    char *out;

    if (c != NULL) {
        need = json_dumpb(ev, c->data + c->used, c->cap - c->used,
                          JSON_COMPACT);
        if (need == 0)
            return NULL;
        if (need < c->cap - c->used)
            goto done;
    } else {
        need = json_dumpb(ev, NULL, 0, JSON_COMPACT);
        if (need == 0)
            return NULL;
    }
    /* Did not fit: a new chunk (an event bigger than a chunk gets its
     * own), and serialize again. */
    cap = AP_MAX((size_t)ST_CHUNK, need + 1);
    if ((c = malloc(sizeof(*c) + cap)) == NULL)
        return NULL;
    c->cap = cap;
    c->used = 0;
    c->next = a->head;
    a->head = c;
    if (json_dumpb(ev, c->data, c->cap, JSON_COMPACT) != need)
        return NULL;
done:
    out = c->data + c->used;
    out[need] = '\0';
    c->used += need + 1;
    return out;
}

int
st_row_from_event(const json_t *ev, struct st_row *r, const char **why,
                  struct st_arena *a)
{
    const char *rx;
    int64_t us;

    memset(r, 0, sizeof(*r));
    if (!json_is_object(ev)) {
        *why = "event is not a JSON object";
        return AP_EINVAL;
    }
    r->id = str_field(ev, "id");
    r->type = str_field(ev, "type");
    r->ts = ap_event_ts_us(ev);
    if (r->id == NULL || r->id[0] == '\0' || r->type == NULL || r->ts == 0) {
        *why = "event lacks id, type or a valid ts";
        return AP_EINVAL;
    }
    rx = str_field(ev, "rx_ts");
    r->rx_ts = rx != NULL && ap_time_parse_iso(rx, &us) == 0 ? us : 0;
    r->sensor = str_field(ev, "sensor");
    r->honeypot = str_field(ev, "honeypot");
    r->session = str_field(ev, "session");
    r->src_ip = str_field(ev, "src_ip");
    r->dst_ip = str_field(ev, "dst_ip");
    r->transport = str_field(ev, "transport");
    r->protocol = str_field(ev, "protocol");
    r->src_country = str_field(ev, "src_country");
    r->src_port = int_field(ev, "src_port", -1);
    r->dst_port = int_field(ev, "dst_port", -1);
    r->src_asn = int_field(ev, "src_asn", -1);
    r->size = int_field(ev, "size", -1);
    r->success = -1;
    if (strcmp(r->type, "login") == 0) {
        r->username = str_field(ev, "username");
        r->password = str_field(ev, "password");
        if (json_is_boolean(json_object_get(ev, "success")))
            r->success = json_is_true(json_object_get(ev, "success"));
    } else if (strcmp(r->type, "command") == 0) {
        r->command = str_field(ev, "command");
    } else if (strcmp(r->type, "download") == 0 ||
               strcmp(r->type, "upload") == 0) {
        r->url = str_field(ev, "url");
        r->sha256 = str_field(ev, "sha256");
        r->filename = str_field(ev, "filename");
    } else if (strcmp(r->type, "alert") == 0) {
        r->signature = str_field(ev, "signature");
    }
    if (r->dst_port >= 0)
        snprintf(r->dst_port_s, sizeof(r->dst_port_s), "%lld", r->dst_port);
    if (r->src_asn >= 0)
        snprintf(r->src_asn_s, sizeof(r->src_asn_s), "%lld", r->src_asn);
    r->json = arena_dump(a, ev);
    if (r->json == NULL) {
        *why = "cannot serialize event";
        return AP_ENOMEM;
    }
    return 0;
}

/* ---- in-memory aggregation of one batch ------------------------------ */

/* kind: a rollup dimension id (>= 0), or one of these. */
#define AGG_SESSION (-1)
#define AGG_FILE (-2)
/* Per-source summary entries: kind AGG_SRC - dim id (<= AGG_SRC). */
#define AGG_SRC (-100)

struct agg_ent {
    int used;
    int kind;
    long long hour;
    const char *v, *v2, *v3; /* v3: the source address (summary) */
    const struct st_row *row; /* first row seen (for descriptive fields) */
    long long n, first, last, logins, commands, downloads;
};

/* Open addressing, grown (and rehashed) at half full: a batch of
 * scanner sessions from distinct addresses has ~4 keys per event, a batch
 * from one address a few dozen in all. */
struct st_agg {
    struct agg_ent *e;
    size_t cap, len;
    size_t *used; /* slots in use, in insertion order */
};

static uint64_t
hash_str(uint64_t h, const char *s)
{
    if (s == NULL)
        return h * 1099511628211ULL + 0x9e;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return (h ^ 0xff) * 1099511628211ULL;
}

static int
streq(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    return strcmp(a, b) == 0;
}

static uint64_t
agg_hash(int kind, long long hour, const char *v, const char *v2,
         const char *v3)
{
    uint64_t h = 1469598103934665603ULL;

    h = (h ^ (uint64_t)(kind + 3)) * 1099511628211ULL;
    h = (h ^ (uint64_t)hour) * 1099511628211ULL;
    return hash_str(hash_str(hash_str(h, v), v2), v3);
}

static void
agg_free(struct st_agg *a)
{
    free(a->e);
    free(a->used);
    memset(a, 0, sizeof(*a));
}

static int
agg_init(struct st_agg *a, size_t cap)
{
    size_t c = 1024;

    while (c < cap)
        c <<= 1;
    a->len = 0;
    a->cap = c;
    a->e = calloc(c, sizeof(*a->e));
    a->used = calloc(c / 2 + 1, sizeof(*a->used));
    if (a->e == NULL || a->used == NULL) {
        agg_free(a);
        return AP_ENOMEM;
    }
    return 0;
}

/* Twice the slots; the entries keep their insertion order. */
static int
agg_grow(struct st_agg *a)
{
    struct st_agg n;
    size_t k, i;

    if (agg_init(&n, a->cap * 2) != 0)
        return AP_ENOMEM;
    for (k = 0; k < a->len; k++) {
        const struct agg_ent *o = &a->e[a->used[k]];

        for (i = (size_t)agg_hash(o->kind, o->hour, o->v, o->v2, o->v3) &
                 (n.cap - 1);
             n.e[i].used; i = (i + 1) & (n.cap - 1))
            ;
        n.e[i] = *o;
        n.used[n.len++] = i;
    }
    agg_free(a);
    *a = n;
    return 0;
}

/* The entry of a key, created (zeroed) if new; NULL when out of memory.
 * The pointer is good until the next call. */
static struct agg_ent *
agg_get(struct st_agg *a, int kind, long long hour, const char *v,
        const char *v2, const char *v3)
{
    uint64_t h;
    size_t i;
    struct agg_ent *e;

    if (2 * (a->len + 1) > a->cap && agg_grow(a) != 0)
        return NULL;
    h = agg_hash(kind, hour, v, v2, v3);
    for (i = (size_t)h & (a->cap - 1);; i = (i + 1) & (a->cap - 1)) {
        e = &a->e[i];
        if (!e->used) {
            memset(e, 0, sizeof(*e));
            e->used = 1;
            e->kind = kind;
            e->hour = hour;
            e->v = v;
            e->v2 = v2;
            e->v3 = v3;
            a->used[a->len++] = i;
            return e;
        }
        if (e->kind == kind && e->hour == hour && streq(e->v, v) &&
            streq(e->v2, v2) && streq(e->v3, v3))
            return e;
    }
}

/* The value of one dimension in a row, or NULL when the row has none. */
static const char *
dim_value(const struct st_dim *d, const struct st_row *r, const char **v2)
{
    *v2 = "";
    switch (d->id) {
    case 0: return "";
    case 1: return r->src_ip;
    case 2: return r->dst_port >= 0 ? r->dst_port_s : NULL;
    case 3: return r->honeypot;
    case 4: return r->sensor;
    case 5: return r->src_country;
    case 6: return r->src_asn >= 0 ? r->src_asn_s : NULL;
    case 7: return r->protocol;
    case 8: return r->username;
    case 9: return r->password;
    case 10:
        *v2 = r->password ? r->password : "";
        return r->username;
    case 11: return r->command;
    case 12: return r->url;
    case 13: return r->sha256;
    case 14: return r->signature;
    case 15: return r->type;
    }
    return NULL;
}

/* Aggregate the rows (isnew NULL: all of them).  Summary entries are made
 * for every address; the flush keeps those of addresses that have a
 * summary (known only inside the write transaction). */
static int
agg_rows(struct st_agg *a, const struct st_row *rows, size_t n,
         const unsigned char *isnew)
{
    const char *v, *v2;
    struct agg_ent *e;
    size_t i, d;

#define AGG_ADD(...)                                                           \
    do {                                                                       \
        if ((e = agg_get(a, __VA_ARGS__)) == NULL)                             \
            return AP_ENOMEM;                                                  \
        e->n++;                                                                \
    } while (0)
    for (i = 0; i < n; i++) {
        const struct st_row *r = &rows[i];
        long long hour = r->ts / ST_HOUR_US;

        if (isnew != NULL && !isnew[i])
            continue;
        for (d = 0; d < st_ndims; d++) {
            v = dim_value(&st_dims[d], r, &v2);
            if (v == NULL)
                continue;
            AGG_ADD(st_dims[d].id, hour, v, v2, NULL);
            if (r->src_ip == NULL || !st_srcsum_has_dim(st_dims[d].id))
                continue;
            AGG_ADD(AGG_SRC - st_dims[d].id, 0, v, v2, r->src_ip);
            /* Connections alone, too (MHN's attacker_stats counts
             * sessions = connects): ports, honeypots, sensors. */
            if (st_dims[d].id >= 2 && st_dims[d].id <= 4 &&
                strcmp(r->type, "connect") == 0)
                AGG_ADD(AGG_SRC - ST_SRC_CONNECT - st_dims[d].id, 0, v, v2,
                        r->src_ip);
        }
#undef AGG_ADD
        if (r->session != NULL && r->session[0] != '\0') {
            e = agg_get(a, AGG_SESSION, 0, r->sensor ? r->sensor : "",
                        r->session, NULL);
            if (e == NULL)
                return AP_ENOMEM;
            if (e->n++ == 0) {
                e->row = r;
                e->first = e->last = r->ts;
            }
            e->first = AP_MIN(e->first, r->ts);
            e->last = AP_MAX(e->last, r->ts);
            e->logins += r->username != NULL;
            e->commands += r->command != NULL;
            e->downloads += r->sha256 != NULL || r->url != NULL;
        }
        if (r->sha256 != NULL && r->sha256[0] != '\0') {
            e = agg_get(a, AGG_FILE, 0, r->sha256, NULL, NULL);
            if (e == NULL)
                return AP_ENOMEM;
            if (e->n++ == 0) {
                e->row = r;
                e->first = e->last = r->ts;
            }
            e->first = AP_MIN(e->first, r->ts);
            e->last = AP_MAX(e->last, r->ts);
        }
    }
    return 0;
}

int
st_agg_prepare(const struct st_row *rows, size_t n, struct st_agg **out)
{
    struct st_agg *a = calloc(1, sizeof(*a));
    int rc;

    if (a == NULL)
        return AP_ENOMEM;
    if ((rc = agg_init(a, 8 * n)) != 0 ||
        (rc = agg_rows(a, rows, n, NULL)) != 0) {
        st_agg_free(a);
        return rc;
    }
    *out = a;
    return 0;
}

void
st_agg_free(struct st_agg *a)
{
    if (a == NULL)
        return;
    agg_free(a);
    free(a);
}

/* ---- SQL (the same text in both dialects) ---------------------------- */

static const char sql_insert_event[] =
    "INSERT INTO events (id, ts, rx_ts, sensor, honeypot, type, session, "
    "src_ip, src_port, dst_ip, dst_port, transport, protocol, src_country, "
    "src_asn, username, password, command, url, sha256, signature, json) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (id) DO NOTHING";
#define NP_EVENT 22

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
    const struct st_row *r;
    const char *sql;
    size_t i, k = 0, np;
    struct sq_val *q;

    sql = which == 0 ? sql_upsert_rollup
          : which == AGG_SESSION ? sql_upsert_session
          : which == AGG_SRC ? sql_upsert_srcsum
                             : sql_upsert_file;
    np = which == 0 ? NP_ROLLUP : which == AGG_SESSION ? NP_SESSION
         : which == AGG_SRC ? NP_SRC : NP_FILE;
    for (i = 0; i < a->len; i++) {
        const struct agg_ent *e = &a->e[a->used[i]];

        if (!e->used || (which == 0 ? e->kind < 0
                         : which == AGG_SRC ? e->kind > AGG_SRC
                                            : e->kind != which))
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
    return st->eng->exec_many(st->writer, sql, p, np, k, NULL);
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
    struct st_agg own = {NULL, 0, 0, NULL};
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
    rc = st->eng->exec_many(st->writer, sql_insert_event, p, NP_EVENT, n,
                            isnew);
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
    else if ((rc = agg_init(&own, 8 * nnew)) != 0 ||
             (rc = agg_rows(&own, rows, n, isnew)) != 0)
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
    agg_free(&own);
    free(isnew);
    free(p);
    return rc;
}
