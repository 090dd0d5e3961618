/*
 * SQLite engine: WAL, synchronous=NORMAL, prepared statements cached per
 * connection, batched transactions (the generic code wraps each batch in
 * BEGIN/COMMIT on the one writer connection).  Readers are separate
 * connections (WAL lets them read while the writer commits).
 */
#include <sys/stat.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "ap/err.h"
#include "ap/log.h"
#include "store_int.h"
#include "ap/common.h"

#define SQL_CACHE 64

/*
 * The writer's WAL is checkpointed on a thread of its own (with its own
 * connection), so a commit never waits for pages to be copied into the
 * database file and fsynced: the writer's wal hook wakes the thread once
 * the WAL holds CKPT_PAGES pages.  If checkpoints fall far behind (a long
 * reader pins the WAL), the writer checkpoints itself at CKPT_FORCE.
 */
#define CKPT_PAGES 8192
#define CKPT_FORCE (16 * CKPT_PAGES)

struct ckpt {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    sqlite3 *db;
    int due, stop;
};

struct sconn {
    sqlite3 *db;
    struct ckpt *ck; /* writer only */
    struct {
        char *sql;
        sqlite3_stmt *st;
    } cache[SQL_CACHE];
    size_t ncache, next_evict;
};

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);"
    "INSERT OR IGNORE INTO meta VALUES ('schema', '" ST_SCHEMA_VERSION "');"
    "CREATE TABLE IF NOT EXISTS events ("
    " rid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
    " ts INTEGER NOT NULL, rx_ts INTEGER, sensor TEXT, honeypot TEXT,"
    " type TEXT NOT NULL, session TEXT, src_ip TEXT, src_port INTEGER,"
    " dst_ip TEXT, dst_port INTEGER, transport TEXT, protocol TEXT,"
    " src_country TEXT, src_asn INTEGER, username TEXT, password TEXT,"
    " command TEXT, url TEXT, sha256 TEXT, signature TEXT,"
    " json TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS ev_ts ON events (ts);"
    "CREATE INDEX IF NOT EXISTS ev_src_ip ON events (src_ip, ts);"
    "CREATE INDEX IF NOT EXISTS ev_session ON events (session, ts)"
    " WHERE session IS NOT NULL;"
    "CREATE INDEX IF NOT EXISTS ev_dst_port ON events (dst_port, ts);"
    "CREATE INDEX IF NOT EXISTS ev_country ON events (src_country, ts);"
    "CREATE INDEX IF NOT EXISTS ev_username ON events (username, ts)"
    " WHERE username IS NOT NULL;"
    "CREATE INDEX IF NOT EXISTS ev_password ON events (password, ts)"
    " WHERE password IS NOT NULL;"
    "CREATE INDEX IF NOT EXISTS ev_command ON events (command, ts)"
    " WHERE command IS NOT NULL;"
    "CREATE INDEX IF NOT EXISTS ev_url ON events (url, ts)"
    " WHERE url IS NOT NULL;"
    "CREATE INDEX IF NOT EXISTS ev_sha256 ON events (sha256, ts)"
    " WHERE sha256 IS NOT NULL;"
    "CREATE INDEX IF NOT EXISTS ev_signature ON events (signature, ts)"
    " WHERE signature IS NOT NULL;"
    "CREATE TABLE IF NOT EXISTS rollup ("
    " dim INTEGER NOT NULL, hour INTEGER NOT NULL, value TEXT NOT NULL,"
    " value2 TEXT NOT NULL, n INTEGER NOT NULL,"
    " PRIMARY KEY (dim, hour, value, value2)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS sessions ("
    " sensor TEXT NOT NULL, session TEXT NOT NULL,"
    " first_ts INTEGER NOT NULL, last_ts INTEGER NOT NULL,"
    " src_ip TEXT, src_port INTEGER, dst_ip TEXT, dst_port INTEGER,"
    " honeypot TEXT, protocol TEXT, events INTEGER NOT NULL,"
    " logins INTEGER NOT NULL, commands INTEGER NOT NULL,"
    " downloads INTEGER NOT NULL, PRIMARY KEY (sensor, session));"
    "CREATE INDEX IF NOT EXISTS se_last ON sessions (last_ts);"
    "CREATE INDEX IF NOT EXISTS se_src_ip ON sessions (src_ip, last_ts);"
    "CREATE INDEX IF NOT EXISTS se_session ON sessions (session);"
    "CREATE TABLE IF NOT EXISTS files ("
    " sha256 TEXT PRIMARY KEY, size INTEGER, filetype TEXT, filename TEXT,"
    " url TEXT, src_ip TEXT, first_ts INTEGER NOT NULL,"
    " last_ts INTEGER NOT NULL, seen INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS fi_last ON files (last_ts);"
    "CREATE TABLE IF NOT EXISTS raw ("
    " rid INTEGER PRIMARY KEY, rx_ts INTEGER NOT NULL, channel TEXT NOT NULL,"
    " ident TEXT, payload BLOB NOT NULL, error TEXT);"
    "CREATE INDEX IF NOT EXISTS raw_ts ON raw (rx_ts);"
    "CREATE INDEX IF NOT EXISTS raw_channel ON raw (channel, rx_ts);"
    "CREATE TABLE IF NOT EXISTS counters ("
    " name TEXT PRIMARY KEY, n INTEGER NOT NULL);"
    "INSERT INTO counters VALUES ('events', 0) ON CONFLICT DO NOTHING;"
    "CREATE INDEX IF NOT EXISTS ev_src_rare ON events (src_ip, type, ts)"
    " WHERE type IN ('download', 'upload', 'fingerprint', 'alert');"
    "CREATE TABLE IF NOT EXISTS srcsum ("
    " src_ip TEXT NOT NULL, dim INTEGER NOT NULL, value TEXT NOT NULL,"
    " value2 TEXT NOT NULL, n INTEGER NOT NULL,"
    " PRIMARY KEY (src_ip, dim, value, value2)) WITHOUT ROWID;"
    /* A profile's top lists: the first rows of the address's dimension
     * in order, not a sort of all of them (busy addresses have
     * thousands of credential pairs). */
    "CREATE INDEX IF NOT EXISTS srcsum_top ON srcsum"
    " (src_ip, dim, n DESC, value, value2);"
    "CREATE TABLE IF NOT EXISTS topk_list ("
    " dim INTEGER NOT NULL, b INTEGER NOT NULL, len INTEGER NOT NULL,"
    " value TEXT NOT NULL, value2 TEXT NOT NULL, n INTEGER NOT NULL,"
    " PRIMARY KEY (dim, len, b, value, value2)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS topk_b ("
    " b INTEGER NOT NULL, len INTEGER NOT NULL, dim INTEGER NOT NULL,"
    " bound INTEGER NOT NULL, PRIMARY KEY (b, len, dim)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS raw_errors ("
    " channel TEXT PRIMARY KEY, n INTEGER NOT NULL,"
    " last_ts INTEGER NOT NULL);";

/*
 * SQLite counts every allocation under a global mutex unless told not to
 * (Debian builds it with memory statistics on).  Nothing here reads those
 * counts, and the writer allocates on every row: turned off (measured:
 * ~10 % less CPU on the storing thread).  It must happen before SQLite
 * initializes, so before main; a later call would only fail, harmlessly.
 */
__attribute__((constructor)) static void
sqlite_no_memstatus(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static const char *
path_of(const char *url)
{
    if (strncmp(url, "sqlite://", 9) == 0)
        return url + 9;
    if (strncmp(url, "sqlite:", 7) == 0)
        return url + 7;
    return url;
}

static void *
ckpt_main(void *arg)
{
    struct ckpt *k = arg;

    pthread_setname_np(pthread_self(), "ap-checkpoint");
    pthread_mutex_lock(&k->mu);
    while (!k->stop) {
        if (!k->due) {
            pthread_cond_wait(&k->cv, &k->mu);
            continue;
        }
        k->due = 0;
        pthread_mutex_unlock(&k->mu);
        sqlite3_wal_checkpoint_v2(k->db, NULL, SQLITE_CHECKPOINT_PASSIVE,
                                  NULL, NULL);
        pthread_mutex_lock(&k->mu);
    }
    pthread_mutex_unlock(&k->mu);
    return NULL;
}

/* After each writer commit: wake the checkpointer, or (far behind)
 * checkpoint here. */
static int
wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
    struct ckpt *k = arg;

    if (pages >= CKPT_FORCE) {
        sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL,
                                  NULL);
        return SQLITE_OK;
    }
    if (pages >= CKPT_PAGES) {
        pthread_mutex_lock(&k->mu);
        k->due = 1;
        pthread_cond_signal(&k->cv);
        pthread_mutex_unlock(&k->mu);
    }
    return SQLITE_OK;
}

static void
ckpt_stop(struct ckpt *k)
{
    if (k == NULL)
        return;
    pthread_mutex_lock(&k->mu);
    k->stop = 1;
    pthread_cond_signal(&k->cv);
    pthread_mutex_unlock(&k->mu);
    pthread_join(k->th, NULL);
    sqlite3_close(k->db);
    pthread_cond_destroy(&k->cv);
    pthread_mutex_destroy(&k->mu);
    free(k);
}

static int
ckpt_start(struct sconn *c, const char *path)
{
    struct ckpt *k = calloc(1, sizeof(*k));

    if (k == NULL)
        return AP_ENOMEM;
    if (sqlite3_open_v2(path, &k->db, SQLITE_OPEN_READWRITE |
                                          SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        sqlite3_close(k->db);
        free(k);
        return AP_EDB;
    }
    sqlite3_busy_timeout(k->db, 30000);
    pthread_mutex_init(&k->mu, NULL);
    pthread_cond_init(&k->cv, NULL);
    if (pthread_create(&k->th, NULL, ckpt_main, k) != 0) {
        sqlite3_close(k->db);
        pthread_cond_destroy(&k->cv);
        pthread_mutex_destroy(&k->mu);
        free(k);
        return AP_ENOMEM;
    }
    c->ck = k;
    sqlite3_wal_hook(c->db, wal_hook, k);
    return 0;
}

static int
s_connect(const char *url, int writer, void **out, char *err, size_t errlen)
{
    const char *path = path_of(url);
    struct sconn *c;
    int rc;

    if (path[0] == '\0') {
        st_errf(err, errlen, "sqlite: empty path in store url");
        return AP_EINVAL;
    }
    if ((c = calloc(1, sizeof(*c))) == NULL)
        return AP_ENOMEM;
    rc = sqlite3_open_v2(path, &c->db,
                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                             SQLITE_OPEN_NOMUTEX,
                         NULL);
    if (rc != SQLITE_OK) {
        st_errf(err, errlen, "sqlite: cannot open %s: %s", path,
                c->db ? sqlite3_errmsg(c->db) : "out of memory");
        goto fail;
    }
    sqlite3_busy_timeout(c->db, 30000);
    rc = sqlite3_exec(c->db,
                      writer ? "PRAGMA journal_mode=WAL;"
                               "PRAGMA synchronous=NORMAL;"
                               "PRAGMA cache_size=-262144;"
                               "PRAGMA mmap_size=1073741824;"
                               "PRAGMA temp_store=MEMORY;"
                             : "PRAGMA cache_size=-32768;"
                               "PRAGMA temp_store=MEMORY;"
                               "PRAGMA query_only=1;",
                      NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        st_errf(err, errlen, "sqlite: %s: %s", path, sqlite3_errmsg(c->db));
        goto fail;
    }
    if (writer) {
        chmod(path, 0600);
        /* Replaces wal_autocheckpoint (the hook takes its place). */
        if (ckpt_start(c, path) != 0) {
            st_errf(err, errlen, "sqlite: %s: cannot start the checkpointer",
                    path);
            goto fail;
        }
    }
    *out = c;
    return 0;
fail:
    sqlite3_close(c->db);
    free(c);
    return AP_EDB;
}

static void
s_disconnect(void *conn)
{
    struct sconn *c = conn;
    size_t i;

    if (c == NULL)
        return;
    if (c->ck != NULL) {
        sqlite3_wal_hook(c->db, NULL, NULL);
        ckpt_stop(c->ck);
    }
    for (i = 0; i < c->ncache; i++) {
        sqlite3_finalize(c->cache[i].st);
        free(c->cache[i].sql);
    }
    sqlite3_close(c->db);
    free(c);
}

static int
s_schema(void *conn, char *err, size_t errlen)
{
    struct sconn *c = conn;
    char *msg = NULL;

    if (sqlite3_exec(c->db, schema_sql, NULL, NULL, &msg) != SQLITE_OK) {
        st_errf(err, errlen, "sqlite: schema: %s", msg ? msg : "?");
        sqlite3_free(msg);
        return AP_EDB;
    }
    return 0;
}

/* The cached statement for sql, preparing it on first use. */
static int
stmt_get(struct sconn *c, const char *sql, sqlite3_stmt **out)
{
    sqlite3_stmt *st = NULL;
    size_t i;
    char *copy;

    for (i = 0; i < c->ncache; i++)
        if (strcmp(c->cache[i].sql, sql) == 0) {
            *out = c->cache[i].st;
            return 0;
        }
    if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st,
                           NULL) != SQLITE_OK) {
        ap_log_error("sqlite: prepare: %s", sqlite3_errmsg(c->db));
        return AP_EDB;
    }
    if ((copy = strdup(sql)) == NULL) {
        sqlite3_finalize(st);
        return AP_ENOMEM;
    }
    if (c->ncache == SQL_CACHE) {
        /* Round-robin eviction: the set of statements is small and
         * fixed in practice (filters come in a bounded set of shapes). */
        i = c->next_evict++ % SQL_CACHE;
        sqlite3_finalize(c->cache[i].st);
        free(c->cache[i].sql);
    } else {
        i = c->ncache++;
    }
    c->cache[i].sql = copy;
    c->cache[i].st = st;
    *out = st;
    return 0;
}

static int
bind_all(struct sconn *c, sqlite3_stmt *st, const struct sq_val *p, size_t n)
{
    size_t i;
    int rc = SQLITE_OK, k;

    for (i = 0; i < n && rc == SQLITE_OK; i++) {
        k = (int)i + 1;
        switch (p[i].t) {
        case SQ_NULL: rc = sqlite3_bind_null(st, k); break;
        case SQ_INT: rc = sqlite3_bind_int64(st, k, p[i].i); break;
        case SQ_TEXT:
            rc = sqlite3_bind_text64(st, k, p[i].s,
                                     p[i].n ? p[i].n : strlen(p[i].s),
                                     SQLITE_STATIC, SQLITE_UTF8);
            break;
        case SQ_BLOB:
            rc = sqlite3_bind_blob64(st, k, p[i].n ? p[i].s : "", p[i].n,
                                     SQLITE_STATIC);
            break;
        }
    }
    if (rc != SQLITE_OK) {
        ap_log_error("sqlite: bind: %s", sqlite3_errmsg(c->db));
        return AP_EDB;
    }
    return 0;
}

#define MAX_COLS 32

static int
s_exec(void *conn, const char *sql, const struct sq_val *p, size_t np,
       sq_row_fn fn, void *ctx)
{
    struct sconn *c = conn;
    struct sq_val cols[MAX_COLS];
    sqlite3_stmt *st;
    int rc, i, n;

    if ((rc = stmt_get(c, sql, &st)) != 0)
        return rc;
    if ((rc = bind_all(c, st, p, np)) != 0)
        goto out;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (fn == NULL)
            continue;
        n = AP_MIN(sqlite3_column_count(st), MAX_COLS);
        for (i = 0; i < n; i++) {
            memset(&cols[i], 0, sizeof(cols[i]));
            switch (sqlite3_column_type(st, i)) {
            case SQLITE_INTEGER:
                cols[i].t = SQ_INT;
                cols[i].i = sqlite3_column_int64(st, i);
                break;
            case SQLITE_FLOAT:
                cols[i].t = SQ_INT;
                cols[i].i = (long long)sqlite3_column_double(st, i);
                break;
            case SQLITE_TEXT:
                cols[i].t = SQ_TEXT;
                cols[i].s = (const char *)sqlite3_column_text(st, i);
                cols[i].n = (size_t)sqlite3_column_bytes(st, i);
                break;
            case SQLITE_BLOB:
                cols[i].t = SQ_BLOB;
                cols[i].s = sqlite3_column_blob(st, i);
                cols[i].n = (size_t)sqlite3_column_bytes(st, i);
                break;
            default:
                cols[i].t = SQ_NULL;
            }
        }
        if ((rc = fn(ctx, cols, n)) != 0)
            goto out;
    }
    if (rc != SQLITE_DONE) {
        ap_log_error("sqlite: %s", sqlite3_errmsg(c->db));
        rc = AP_EDB;
        goto out;
    }
    rc = sqlite3_stmt_readonly(st) ? 0 : sqlite3_changes(c->db);
out:
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc;
}

/* Which rows of a multi-row DO NOTHING insert were new: the keys read
 * back from the rowids it assigned (a skipped row has a key already
 * stored or one an earlier row of the statement took). */
struct readback {
    const struct sq_insert *ins;
    const struct sq_val *rows;
    size_t nrows;
    unsigned char *changed;
    size_t found;
};

static int
readback_row(void *ctx, const struct sq_val *c, int n)
{
    struct readback *rb = ctx;

    if (n < 1 || c[0].t != SQ_TEXT ||
        st_mark_key(rb->ins, rb->rows, rb->nrows, c[0].s, c[0].n,
                    rb->changed) != 0)
        return AP_EDB;
    rb->found++;
    return 0;
}

static int
readback(struct sconn *c, const struct sq_insert *ins, const struct sq_val *p,
         size_t k, int inserted, unsigned char *changed)
{
    struct readback rb = {ins, p, k, changed, 0};
    sqlite3_int64 last = sqlite3_last_insert_rowid(c->db);
    struct sq_val range[2] = {sq_int(last - inserted + 1), sq_int(last)};

    memset(changed, 0, k);
    if (ins->keys_by_rowid == NULL ||
        s_exec(c, ins->keys_by_rowid, range, 2, readback_row, &rb) < 0 ||
        rb.found != (size_t)inserted) {
        ap_log_error("sqlite: cannot tell the new rows of an insert apart");
        return AP_EDB;
    }
    return 0;
}

/* Run st (k rows bound from p) to the end; the rows it changed. */
static int
step_insert(struct sconn *c, sqlite3_stmt *st, const struct sq_val *p,
            size_t np, size_t k, int *changes)
{
    int rc;

    if ((rc = bind_all(c, st, p, np * k)) != 0)
        return rc;
    if (sqlite3_step(st) != SQLITE_DONE) {
        ap_log_error("sqlite: %s", sqlite3_errmsg(c->db));
        sqlite3_reset(st);
        return AP_EDB;
    }
    *changes = sqlite3_changes(c->db);
    sqlite3_reset(st);
    return 0;
}

static int
s_insert_many(void *conn, const struct sq_insert *ins, const struct sq_val *p,
              size_t nrows, unsigned char *changed)
{
    struct sconn *c = conn;
    sqlite3_stmt *one = NULL, *multi = NULL;
    size_t r = 0, np = ins->nparams;
    char *sql;
    int rc, n;

    if (nrows >= ST_MULTI_ROWS) {
        if ((sql = st_multi_sql(ins->sql, ST_MULTI_ROWS, NULL)) == NULL)
            return AP_ENOMEM;
        rc = stmt_get(c, sql, &multi);
        free(sql);
        if (rc != 0)
            return rc;
    }
    for (; multi != NULL && r + ST_MULTI_ROWS <= nrows; r += ST_MULTI_ROWS) {
        if ((rc = step_insert(c, multi, p + r * np, np, ST_MULTI_ROWS,
                              &n)) != 0)
            goto out;
        if (changed == NULL)
            continue;
        if (n == ST_MULTI_ROWS || n == 0)
            memset(changed + r, n > 0, ST_MULTI_ROWS);
        else if ((rc = readback(c, ins, p + r * np, ST_MULTI_ROWS, n,
                                changed + r)) != 0)
            goto out;
    }
    if (r < nrows && (rc = stmt_get(c, ins->sql, &one)) != 0)
        goto out;
    for (; r < nrows; r++) {
        if ((rc = step_insert(c, one, p + r * np, np, 1, &n)) != 0)
            goto out;
        if (changed)
            changed[r] = n > 0;
    }
    rc = 0;
out:
    /* The bindings point into the caller's rows. */
    if (multi != NULL)
        sqlite3_clear_bindings(multi);
    if (one != NULL)
        sqlite3_clear_bindings(one);
    return rc;
}

static int
size_row(void *ctx, const struct sq_val *cols, int n)
{
    if (n > 0)
        *(long long *)ctx = cols[0].i;
    return 0;
}

static int
s_size(void *conn, long long *out)
{
    long long v = 0;
    int rc;

    /* Pages in use: freed pages are reused, so they do not count. */
    rc = s_exec(conn,
                "SELECT (p.page_count - f.freelist_count) * s.page_size "
                "FROM pragma_page_count() p, pragma_freelist_count() f, "
                "pragma_page_size() s",
                NULL, 0, size_row, &v);
    if (rc == 0)
        *out = v;
    return rc;
}

const struct ap_store_engine ap_store_sqlite_engine = {
    "sqlite", s_connect, s_disconnect, s_schema, s_exec, s_insert_many, s_size,
    "EXPLAIN QUERY PLAN ", NULL, "BEGIN",
};
