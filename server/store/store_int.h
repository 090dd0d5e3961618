/*
 * Inside the event store: the engine vtable and the few types shared by
 * the generic code (store.c, store_query.c, ...) and the two engines
 * (store_sqlite.c, store_pg.c).
 *
 * The split: engines only move bytes (connect, DDL, run one statement with
 * typed parameters, run one statement over many parameter rows).  Every
 * piece of SQL that is the same in both dialects, and all the logic
 * (filters, rollups, sessions, retention), lives once in the generic code.
 * SQL is written with '?' placeholders; the PostgreSQL engine rewrites
 * them to $1, $2 ... when it prepares a statement.
 */
#ifndef AP_STORE_INT_H
#define AP_STORE_INT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "store.h"

enum sq_type { SQ_NULL, SQ_INT, SQ_TEXT, SQ_BLOB };

/* A parameter or a result column.  s/n for TEXT and BLOB (TEXT is also
 * NUL-terminated in results), i for INT. */
struct sq_val {
    enum sq_type t;
    long long i;
    const char *s;
    size_t n;
};

static inline struct sq_val
sq_int(long long v)
{
    struct sq_val x = {SQ_INT, v, NULL, 0};
    return x;
}

static inline struct sq_val
sq_text(const char *s)
{
    struct sq_val x = {s ? SQ_TEXT : SQ_NULL, 0, s, 0};
    return x;
}

static inline struct sq_val
sq_null(void)
{
    struct sq_val x = {SQ_NULL, 0, NULL, 0};
    return x;
}

/* One result row; return 0 to continue or a negative code to stop. */
typedef int (*sq_row_fn)(void *ctx, const struct sq_val *cols, int ncols);

/*
 * An INSERT of many rows that skips the rows whose key is already stored
 * (ON CONFLICT ... DO NOTHING) or merges them into it (DO UPDATE; the rows
 * of one call then never repeat a key).  sql is the one-row statement; an
 * engine may repeat its VALUES tuple to put several rows in a statement.
 */
struct sq_insert {
    const char *sql;
    size_t nparams; /* per row */
    /* DO NOTHING inserts that report which rows were new: the parameter
     * holding the unique text key and its column (PostgreSQL: RETURNING
     * it), and a query of the keys of the rows whose rowid is in [?, ?],
     * in rowid order (SQLite). */
    size_t key;
    const char *key_col;
    const char *keys_by_rowid;
};

/* Both engines insert ST_MULTI_ROWS rows per statement: each statement
 * execution costs a cursor on the table and every index (SQLite: a
 * quarter of the writer's time per event with one row per statement), or
 * a portal and an executor run (PostgreSQL: 20,700 -> 32,800 events/s),
 * whatever its row count.  Bound parameters stay under ~1000 (events: 22
 * per row). */
#define ST_MULTI_ROWS 32
/* sql (one "VALUES (...)" tuple) with the tuple repeated k times and
 * suffix appended (NULL: none); malloc'd, NULL when out of memory or sql
 * has no VALUES tuple. */
char *st_multi_sql(const char *sql, size_t k, const char *suffix);
/* Mark in changed[0..k) the first not yet marked row of rows (k rows of
 * ins) whose key is s (n bytes); 0 if one was found. */
int st_mark_key(const struct sq_insert *ins, const struct sq_val *rows,
                size_t k, const char *s, size_t n, unsigned char *changed);

struct ap_store_engine {
    const char *name;
    /* Open one connection.  writer: the connection that ingests. */
    int (*connect)(const char *url, int writer, void **conn, char *err,
                   size_t errlen);
    void (*disconnect)(void *conn);
    /* Create tables and indexes if missing (idempotent). */
    int (*schema)(void *conn, char *err, size_t errlen);
    /* Run one statement; fn (may be NULL) gets each row.  Returns the
     * number of rows an INSERT/UPDATE/DELETE changed (0 for a query), or
     * a negative code.  Engines cache the prepared statement by its text
     * (a bounded cache), so the set of distinct texts must stay small. */
    int (*exec)(void *conn, const char *sql, const struct sq_val *params,
                size_t nparams, sq_row_fn fn, void *ctx);
    /* Insert nrows rows of ins->nparams values each.  changed (may be
     * NULL; DO NOTHING inserts only) receives 1 per row inserted, 0 per
     * row skipped. */
    int (*insert_many)(void *conn, const struct sq_insert *ins,
                       const struct sq_val *params, size_t nrows,
                       unsigned char *changed);
    /* Bytes the event data takes on disk (retention by size). */
    int (*size)(void *conn, long long *out);
    /* Tests: the prefix that turns a query into its plan, and a statement
     * run first (PostgreSQL: forbid sequential scans, so a plan shows
     * whether an index *can* serve the query even on a tiny table). */
    const char *explain_prefix, *explain_setup;
    /* Starts a read transaction that sees one snapshot. */
    const char *snapshot_begin;
};

extern const struct ap_store_engine ap_store_sqlite_engine;
extern const struct ap_store_engine ap_store_pg_engine;

/* A pooled reader connection, handed out to one thread at a time. */
struct st_conn {
    void *c;
    struct st_conn *next;
};

struct ap_store {
    const struct ap_store_engine *eng;
    char *url;
    pthread_mutex_t wlock; /* the one writer */
    void *writer;
    pthread_mutex_t plock; /* reader pool */
    pthread_cond_t pcond;
    struct st_conn *idle;
    size_t nreaders, maxreaders;
    /* Writer: events seen per address without a summary
     * (store_srcheavy.c). */
    struct st_seen *seen;
    /* Tests only (ap_store_explain): collect plans instead of rows. */
    json_t *explain;
    /* Statistics (under wlock). */
    long long duplicates, inserted, rejected, retention_deleted;
    /* Top-N from cached lists (under plock: readers update them). */
    long long topk_lists, topk_fallbacks;
    int topk_k_hour, topk_k_day; /* 0 = defaults (store_topk.c) */
};

/* Run fn inside one transaction on the writer connection (holds wlock). */
int st_write_txn(struct ap_store *st, int (*fn)(struct ap_store *, void *),
                 void *arg);

/* Borrow a reader connection (blocking while all maxreaders are busy). */
int st_reader_get(struct ap_store *st, struct st_conn **out);
void st_reader_put(struct ap_store *st, struct st_conn *c);

/* The schema this build creates (meta.schema; store_migrate.c). */
#define ST_SCHEMA_VERSION "4"

/* Microseconds per rollup bucket (one hour). */
#define ST_HOUR_US 3600000000LL

/* Rows per exec_many call and per write transaction. */
#define ST_BATCH_MAX 5000

/*
 * The columns an event is stored under, pulled out of its JSON once.
 * Strings borrow from the json_t (or from buf for the serialized JSON).
 */
struct st_row {
    const char *id, *sensor, *honeypot, *type, *session, *src_ip, *dst_ip,
        *transport, *protocol, *src_country, *username, *password, *command,
        *url, *sha256, *signature, *filename;
    long long ts, rx_ts, src_port, dst_port, src_asn, size;
    int success; /* login: 1/0, -1 if absent */
    char *json;  /* compact serialization, in the batch's arena */
    /* Integer dimensions as text, for the rollup's value column. */
    char dst_port_s[24], src_asn_s[24];
};

/* Memory for one batch's serialized events: big chunks, freed at once
 * (json_dumps costs several mallocs and a copy per event), or kept for
 * the next batch (st_arena_reset): freeing megabytes per batch made
 * malloc consolidate and unmap every time. */
struct st_chunk;
struct st_arena {
    struct st_chunk *head; /* all chunks, in filling order */
    struct st_chunk *cur;  /* being filled; NULL: none yet */
};
void st_arena_free(struct st_arena *a);
/* Empty: the next event goes at the start of the first chunk. */
void st_arena_reset(struct st_arena *a);

/* Fill r from ev (its JSON into a).  AP_EINVAL (with a reason) if
 * id/ts/type are missing. */
int st_row_from_event(const json_t *ev, struct st_row *r, const char **why,
                      struct st_arena *a);

struct st_agg;

/*
 * Store rows[0..n) through the writer connection: insert the events
 * (duplicates ignored), then the rollups, sessions and files of the rows
 * that were new.  The caller holds wlock and has begun a transaction.
 */
int st_write_rows(struct ap_store *st, struct st_row *rows, size_t n,
                  size_t *inserted, unsigned char *rows_new,
                  const struct st_agg *pre);

/* The rollup, session, file and summary increments of rows, all taken as
 * new: made off the writer thread (ap_store_prepare) and passed to
 * st_write_rows, which uses them when no row was a duplicate.  *out may
 * hold the table of an earlier batch (reused) or NULL; on failure it is
 * freed and *out is NULL. */
int st_agg_prepare(const struct st_row *rows, size_t n, struct st_agg **out);
void st_agg_free(struct st_agg *a);

/* Rollup dimensions (the "dim" column of the rollup table). */
struct st_dim {
    const char *name; /* as in ap_store_top */
    const char *col;  /* events column (value) */
    const char *col2; /* second column (credential pair), or NULL */
    int is_int;       /* value is an integer (dst_port, src_asn) */
    int id;           /* rollup dim id; 0 = the all-events counter */
    /* A pair kept only to guide searches (store_guided.c): no top lists,
     * not a dimension ap_store_top answers. */
    int guide_only;
};
extern const struct st_dim st_dims[];
extern const size_t st_ndims;
const struct st_dim *st_dim_find(const char *name);

/* Cached per-bucket top lists (store_topk.c).  Writer side: drop the
 * lists of the hours that got new events / of hours before a cut. */
int st_topk_invalidate(struct ap_store *st, const long long *hours,
                       size_t n);
int st_topk_purge(struct ap_store *st, long long before_hour);
/* Exact top of d over a time-only filter from the lists: 1 if answered
 * (rows value, value2, n passed to emit in order), 0 if the lists cannot
 * prove it (the caller sums the rollup), or a negative code. */
int st_topk_top(struct ap_store *st, const struct st_dim *d,
                const struct ap_filter *f, size_t limit, sq_row_fn emit,
                void *ectx);

/* The addresses of one batch's new rows, and which have a per-source
 * summary (store_srcheavy.c).  ip borrows from the rows. */
struct st_src {
    const char *ip;
    unsigned n;
    int summarized;
};
struct st_srcset {
    struct st_src *e;
    size_t cap, len;
};
struct st_seen;
void st_seen_free(struct st_seen *s);
/* Fill set with the batch's addresses, mark those whose summary the
 * writer keeps, and build the summary of those that just became busy
 * (the caller holds wlock, in the batch's transaction, after inserting
 * the rows). */
int st_srcsum_batch(struct ap_store *st, const struct st_row *rows,
                    size_t n, const unsigned char *isnew,
                    struct st_srcset *set);
int st_srcset_summarized(const struct st_srcset *set, const char *ip);
void st_srcset_clear(struct st_srcset *set);

/* Per-source summary (store_srcsum.c).  Dimension ids as in st_dims;
 * ST_SRC_CONNECT + 2/3/4: ports/honeypots/sensors of connect events. */
#define ST_SRC_CONNECT 100
int st_srcsum_has_dim(int dim);
/* After schema(): bring an older store's schema up to this build's, or
 * refuse a newer one (store_migrate.c). */
int st_schema_upgrade(struct ap_store *st, char *err, size_t errlen);
/* Schema 1 -> 2: the per-source summary of every address, from events
 * (inside the caller's write transaction). */
int st_srcsum_build_all(struct ap_store *st);
/* Retention, before deleting the next batch (ts < before_us, oldest
 * batch rows): take those events out of the summary. */
int st_srcsum_retire(struct ap_store *st, long long before_us,
                     long long batch);
/* Count (d NULL: into *count) or top of d (rows to emit) for a filter of
 * one source address and a time window, from the summary: 1 if answered,
 * 0 if the caller must read the events, or a negative code. */
int st_srcsum_answer(struct ap_store *st, const struct ap_filter *f,
                     const struct st_dim *d, size_t limit, sq_row_fn emit,
                     void *ectx, long long *count);

/* Error message helpers used by both engines. */
void st_errf(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
