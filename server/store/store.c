/*
 * The store front end: picks the engine from the URL, keeps the one writer
 * connection (behind a mutex) and a small pool of reader connections
 * (handed to one thread at a time, created on demand up to a cap), and
 * runs the write path inside transactions.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ap/err.h"
#include "ap/escape.h"
#include "ap/event.h"
#include "ap/log.h"
#include "store_int.h"
#include "ap/common.h"

/* Readers beyond this wait for a free one (web threads + alerts +
 * outputs; each SQLite reader holds its own page cache). */
#define ST_MAX_READERS 16

static const struct ap_store_engine *
engine_for(const char *url)
{
    if (strncmp(url, "postgresql://", 13) == 0 ||
        strncmp(url, "postgres://", 11) == 0)
        return &ap_store_pg_engine;
    return &ap_store_sqlite_engine;
}

int
ap_store_open(const char *url, struct ap_store **out, char *err,
              size_t errlen)
{
    struct ap_store *st;
    int rc;

    if (url == NULL || url[0] == '\0') {
        st_errf(err, errlen, "empty store url");
        return AP_EINVAL;
    }
    if ((st = calloc(1, sizeof(*st))) == NULL)
        return AP_ENOMEM;
    st->eng = engine_for(url);
    st->maxreaders = ST_MAX_READERS;
    pthread_mutex_init(&st->wlock, NULL);
    pthread_mutex_init(&st->plock, NULL);
    pthread_cond_init(&st->pcond, NULL);
    if ((st->url = strdup(url)) == NULL) {
        rc = AP_ENOMEM;
        goto fail;
    }
    if ((rc = st->eng->connect(url, 1, &st->writer, err, errlen)) != 0)
        goto fail;
    if ((rc = st->eng->schema(st->writer, err, errlen)) != 0 ||
        (rc = st_schema_upgrade(st, err, errlen)) != 0)
        goto fail;
    *out = st;
    return 0;
fail:
    ap_store_close(st);
    return rc;
}

void
ap_store_close(struct ap_store *st)
{
    struct st_conn *c;

    if (st == NULL)
        return;
    while ((c = st->idle) != NULL) {
        st->idle = c->next;
        st->eng->disconnect(c->c);
        free(c);
    }
    if (st->writer)
        st->eng->disconnect(st->writer);
    st_seen_free(st->seen);
    pthread_cond_destroy(&st->pcond);
    pthread_mutex_destroy(&st->plock);
    pthread_mutex_destroy(&st->wlock);
    free(st->url);
    free(st);
}

int
ap_store_size(struct ap_store *st, long long *bytes)
{
    long long v = 0;
    int rc;

    pthread_mutex_lock(&st->wlock);
    rc = st->eng->size(st->writer, &v);
    pthread_mutex_unlock(&st->wlock);
    if (rc < 0)
        return rc;
    *bytes = v;
    return 0;
}

const char *
ap_store_engine_name(const struct ap_store *st)
{
    return st->eng->name;
}

int
st_reader_get(struct ap_store *st, struct st_conn **out)
{
    struct st_conn *c;
    char err[256];
    int rc;

    pthread_mutex_lock(&st->plock);
    while (st->idle == NULL && st->nreaders >= st->maxreaders)
        pthread_cond_wait(&st->pcond, &st->plock);
    if ((c = st->idle) != NULL) {
        st->idle = c->next;
        pthread_mutex_unlock(&st->plock);
        *out = c;
        return 0;
    }
    st->nreaders++;
    pthread_mutex_unlock(&st->plock);
    /* Connect outside the lock: PostgreSQL connects take a round trip. */
    if ((c = calloc(1, sizeof(*c))) == NULL) {
        rc = AP_ENOMEM;
        goto fail;
    }
    if ((rc = st->eng->connect(st->url, 0, &c->c, err, sizeof(err))) != 0) {
        ap_log_error("store reader: %s", err);
        free(c);
        goto fail;
    }
    *out = c;
    return 0;
fail:
    pthread_mutex_lock(&st->plock);
    st->nreaders--;
    pthread_cond_signal(&st->pcond);
    pthread_mutex_unlock(&st->plock);
    return rc;
}

void
st_reader_put(struct ap_store *st, struct st_conn *c)
{
    pthread_mutex_lock(&st->plock);
    c->next = st->idle;
    st->idle = c;
    pthread_cond_signal(&st->pcond);
    pthread_mutex_unlock(&st->plock);
}

/* Run fn inside one write transaction on the writer connection. */
int
st_write_txn(struct ap_store *st, int (*fn)(struct ap_store *, void *),
             void *arg)
{
    int rc;

    pthread_mutex_lock(&st->wlock);
    rc = st->eng->exec(st->writer, "BEGIN", NULL, 0, NULL, NULL);
    if (rc >= 0) {
        rc = fn(st, arg);
        if (rc >= 0)
            rc = st->eng->exec(st->writer, "COMMIT", NULL, 0, NULL, NULL);
        if (rc < 0)
            st->eng->exec(st->writer, "ROLLBACK", NULL, 0, NULL, NULL);
    }
    pthread_mutex_unlock(&st->wlock);
    return rc < 0 ? rc : 0;
}

struct put_ctx {
    size_t n, nrows, inserted;
    struct st_row *rows;   /* the valid events, in order */
    size_t *idx;           /* row -> event index */
    unsigned char *rows_new;
    const struct st_agg *pre; /* the rows' increments, or NULL */
};

static int
put_events_txn(struct ap_store *st, void *arg)
{
    struct put_ctx *p = arg;
    size_t done, ins;
    int rc = 0;

    p->inserted = 0;
    for (done = 0; done < p->nrows && rc == 0; done += ST_BATCH_MAX) {
        size_t chunk = AP_MIN(p->nrows - done, (size_t)ST_BATCH_MAX);

        rc = st_write_rows(st, p->rows + done, chunk, &ins,
                           p->rows_new + done,
                           chunk == p->nrows ? p->pre : NULL);
        if (rc == 0)
            p->inserted += ins;
    }
    return rc;
}

/*
 * Events become rows (columns pulled out, JSON serialized) before the
 * writer lock is taken: the collector prepares a batch on its adapting
 * thread while its storing thread commits the previous one.
 */
struct ap_store_batch {
    struct put_ctx p;
    struct st_arena arena;
    struct st_agg *agg;
    size_t rejected;
    size_t cap; /* rows, idx, rows_new allocated */
};

void
ap_store_batch_free(struct ap_store_batch *b)
{
    if (b == NULL)
        return;
    st_arena_free(&b->arena);
    st_agg_free(b->agg);
    free(b->p.rows);
    free(b->p.idx);
    free(b->p.rows_new);
    free(b);
}

/* Room for n rows (the arrays of an earlier batch when big enough). */
static int
batch_arrays(struct ap_store_batch *b, size_t n)
{
    if (n == 0)
        n = 1;
    if (n <= b->cap)
        return 0;
    free(b->p.rows);
    free(b->p.idx);
    free(b->p.rows_new);
    b->p.rows = malloc(n * sizeof(*b->p.rows));
    b->p.idx = malloc(n * sizeof(*b->p.idx));
    b->p.rows_new = calloc(n, 1);
    b->cap = n;
    if (b->p.rows == NULL || b->p.idx == NULL || b->p.rows_new == NULL) {
        b->cap = 0;
        return AP_ENOMEM;
    }
    return 0;
}

int
ap_store_prepare_reuse(json_t *const *evs, size_t n,
                       struct ap_store_batch **bp)
{
    struct ap_store_batch *b = *bp;
    const char *why;
    size_t i;
    int rc;

    if (b == NULL && (b = calloc(1, sizeof(*b))) == NULL)
        return AP_ENOMEM;
    *bp = b;
    st_arena_reset(&b->arena);
    b->rejected = 0;
    b->p.n = n;
    b->p.nrows = 0;
    b->p.inserted = 0;
    b->p.pre = NULL;
    if ((rc = batch_arrays(b, n)) != 0)
        goto fail;
    for (i = 0; i < n; i++) {
        rc = st_row_from_event(evs[i], &b->p.rows[b->p.nrows], &why,
                               &b->arena);
        if (rc == AP_EINVAL) {
            ap_log_warn("store: event rejected: %s", why);
            b->rejected++;
            continue;
        }
        if (rc != 0)
            goto fail;
        b->p.idx[b->p.nrows++] = i;
    }
    /* The aggregation too (the writer redoes it if rows turn out to be
     * resent, or without memory for it here). */
    if (b->p.nrows > 0 && b->p.nrows <= ST_BATCH_MAX &&
        st_agg_prepare(b->p.rows, b->p.nrows, &b->agg) == 0)
        b->p.pre = b->agg;
    return 0;
fail:
    ap_store_batch_free(b);
    *bp = NULL;
    return rc;
}

int
ap_store_prepare(json_t *const *evs, size_t n, struct ap_store_batch **out)
{
    struct ap_store_batch *b = NULL;
    int rc;

    if ((rc = ap_store_prepare_reuse(evs, n, &b)) != 0)
        return rc;
    *out = b;
    return 0;
}

int
ap_store_commit(struct ap_store *st, struct ap_store_batch *b,
                size_t *inserted, unsigned char *is_new)
{
    size_t i;
    int rc;

    if (is_new != NULL)
        memset(is_new, 0, b->p.n);
    if (b->p.nrows > 0 && (rc = st_write_txn(st, put_events_txn, &b->p)) != 0)
        return rc;
    for (i = 0; is_new != NULL && i < b->p.nrows; i++)
        is_new[b->p.idx[i]] = b->p.rows_new[i];
    pthread_mutex_lock(&st->wlock);
    st->inserted += (long long)b->p.inserted;
    st->duplicates += (long long)(b->p.n - b->p.inserted - b->rejected);
    st->rejected += (long long)b->rejected;
    b->rejected = 0; /* counted once, even if committed again */
    pthread_mutex_unlock(&st->wlock);
    if (inserted)
        *inserted = b->p.inserted;
    return 0;
}

static int
put_events(struct ap_store *st, json_t *const *evs, size_t n,
           size_t *inserted, unsigned char *is_new)
{
    struct ap_store_batch *b;
    int rc;

    if ((rc = ap_store_prepare(evs, n, &b)) != 0)
        return rc;
    rc = ap_store_commit(st, b, inserted, is_new);
    ap_store_batch_free(b);
    return rc;
}

int
ap_store_put_events(struct ap_store *st, json_t *const *evs, size_t n,
                    size_t *inserted)
{
    return put_events(st, evs, n, inserted, NULL);
}

int
ap_store_put_events_new(struct ap_store *st, json_t *const *evs, size_t n,
                        unsigned char *is_new)
{
    return put_events(st, evs, n, NULL, is_new);
}

void
ap_store_stats(struct ap_store *st, struct ap_store_stats *out)
{
    pthread_mutex_lock(&st->wlock);
    out->inserted = st->inserted;
    out->duplicates = st->duplicates;
    out->rejected = st->rejected;
    out->retention_deleted = st->retention_deleted;
    pthread_mutex_unlock(&st->wlock);
    pthread_mutex_lock(&st->plock);
    out->topk_lists = st->topk_lists;
    out->topk_fallbacks = st->topk_fallbacks;
    pthread_mutex_unlock(&st->plock);
}

/* Channel, ident and reason come from the wire: keep them printable. */
static const char *
safe_text(char *buf, size_t len, const char *s)
{
    if (s == NULL)
        return NULL;
    if (ap_utf8_valid(s, strlen(s)) && strlen(s) < len)
        return s;
    return ap_escape_cstr(buf, len, s, strlen(s));
}

struct raw_ctx {
    struct sq_val p[5];
};

static int
put_raw_txn(struct ap_store *st, void *arg)
{
    struct raw_ctx *r = arg;
    struct sq_val q[2];
    int rc;

    rc = st->eng->exec(st->writer,
                       "INSERT INTO raw (rx_ts, channel, ident, payload, "
                       "error) VALUES (?, ?, ?, ?, ?)",
                       r->p, 5, NULL, NULL);
    if (rc < 0)
        return rc;
    q[0] = r->p[1];
    q[1] = r->p[0];
    return st->eng->exec(st->writer,
                         "INSERT INTO raw_errors (channel, n, last_ts) "
                         "VALUES (?, 1, ?) ON CONFLICT (channel) DO UPDATE "
                         "SET n = raw_errors.n + 1, last_ts = excluded.last_ts",
                         q, 2, NULL, NULL);
}

int
ap_store_put_raw(struct ap_store *st, int64_t rx_us, const char *channel,
                 const char *ident, const void *payload, size_t len,
                 const char *error)
{
    char cbuf[1024], ibuf[1024], ebuf[2048];
    struct raw_ctx r;

    if (channel == NULL || (payload == NULL && len > 0))
        return AP_EINVAL;
    r.p[0] = sq_int(rx_us);
    r.p[1] = sq_text(safe_text(cbuf, sizeof(cbuf), channel));
    r.p[2] = sq_text(safe_text(ibuf, sizeof(ibuf), ident));
    r.p[3].t = SQ_BLOB;
    r.p[3].s = payload;
    r.p[3].n = len;
    r.p[3].i = 0;
    r.p[4] = sq_text(safe_text(ebuf, sizeof(ebuf), error));
    return st_write_txn(st, put_raw_txn, &r);
}

struct file_ctx {
    struct sq_val p[7];
};

static int
put_file_txn(struct ap_store *st, void *arg)
{
    struct file_ctx *f = arg;

    return st->eng->exec(
        st->writer,
        "INSERT INTO files (sha256, size, filetype, src_ip, first_ts, "
        "last_ts, seen, url) VALUES (?, ?, ?, ?, ?, ?, 1, ?) "
        "ON CONFLICT (sha256) DO UPDATE SET "
        "size = COALESCE(files.size, excluded.size), "
        "filetype = COALESCE(excluded.filetype, files.filetype), "
        "src_ip = COALESCE(files.src_ip, excluded.src_ip), "
        "url = COALESCE(files.url, excluded.url), "
        "first_ts = CASE WHEN excluded.first_ts < files.first_ts "
        "THEN excluded.first_ts ELSE files.first_ts END, "
        "last_ts = CASE WHEN excluded.last_ts > files.last_ts "
        "THEN excluded.last_ts ELSE files.last_ts END, "
        "seen = files.seen + 1",
        f->p, 7, NULL, NULL);
}

int
ap_store_put_file(struct ap_store *st, const char *sha256, long long size,
                  const char *filetype, int64_t ts_us, const char *src_ip,
                  const char *url)
{
    char tbuf[256], ubuf[2048], sbuf[128];
    struct file_ctx f;
    struct sq_val *p = f.p;
    size_t i;

    if (sha256 == NULL || strlen(sha256) != 64)
        return AP_EINVAL;
    for (i = 0; i < 64; i++)
        if (!((sha256[i] >= '0' && sha256[i] <= '9') ||
              (sha256[i] >= 'a' && sha256[i] <= 'f')))
            return AP_EINVAL;
    p[0] = sq_text(sha256);
    p[1] = size >= 0 ? sq_int(size) : sq_null();
    p[2] = sq_text(safe_text(tbuf, sizeof(tbuf), filetype));
    p[3] = sq_text(safe_text(sbuf, sizeof(sbuf), src_ip));
    p[4] = sq_int(ts_us);
    p[5] = sq_int(ts_us);
    p[6] = sq_text(safe_text(ubuf, sizeof(ubuf), url));
    return st_write_txn(st, put_file_txn, &f);
}
