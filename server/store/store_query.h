/*
 * Building the read queries: a SQL text assembled from fixed fragments
 * plus the bound parameters that go with it.  Only the generic query
 * files use this.
 */
#ifndef AP_STORE_QUERY_H
#define AP_STORE_QUERY_H

#include "ap/buf.h"
#include "store_int.h"

#define QB_MAX_PARAMS 48

struct qb {
    struct ap_buf sql;
    struct sq_val p[QB_MAX_PARAMS];
    size_t np;
};

int qb_init(struct qb *q, const char *head);
void qb_release(struct qb *q);
/* Append a fragment holding one '?' and its value. */
int qb_add(struct qb *q, const char *frag, struct sq_val v);
/* Append a fragment without parameters. */
int qb_sql(struct qb *q, const char *frag);
const char *qb_text(struct qb *q);
/* Append " AND col = ?" for every set field of f (and the time range). */
int qb_filter(struct qb *q, const struct ap_filter *f);
/* "CAST(col AS TEXT), COALESCE(col2, '')" for one dimension. */
int qb_dim_cols(struct qb *q, const struct st_dim *d);

/* How each per-source summary dimension is counted from events
 * (store_srcsum.c): dim as in the srcsum table, the value and value2
 * expressions, and the condition an event must meet. */
struct st_src_col {
    int dim;
    const char *value, *value2, *where;
};
extern const struct st_src_col st_src_cols[];
extern const size_t st_src_ncols;
const struct st_src_col *st_src_col_find(int dim);
/* Append the select list and "FROM events WHERE <where>":
 * ST_SRC_SEL_INSERT: "dim, value, value2, COUNT(*)" (srcsum's columns);
 * ST_SRC_SEL_TOP: "value, COUNT(*)", or "value, value2, COUNT(*)" for the
 * credential pair (what the summary's readers select). */
#define ST_SRC_SEL_INSERT 0
#define ST_SRC_SEL_TOP 1
int st_srcsum_select(struct qb *q, const struct st_src_col *c, int mode);

/* Does f restrict by time only (so the rollup can answer)? */
int st_filter_time_only(const struct ap_filter *f);

/* A filter on exactly one low-cardinality dimension (plus time). */
struct st_one {
    const struct st_dim *d;
    const char *value;  /* as stored in rollup.value */
    const char *value2; /* rollup.value2 of a pair dimension, else NULL */
    long long ivalue;   /* for integer dimensions */
    char buf[24];
};
int st_filter_one_dim(const struct ap_filter *f, struct st_one *o);
/* The columns pair dimensions are made of, as bits of *covered. */
#define ST_LOW_SENSOR 1u
#define ST_LOW_HONEYPOT 2u
#define ST_LOW_PROTOCOL 4u
#define ST_LOW_TYPE 8u
/*
 * The pair dimensions (st_dims' guide_only entries) whose two columns
 * f sets, at most max of them, into out; *covered: the ST_LOW_ bits of
 * the columns in one of them.
 */
size_t st_pair_terms(const struct ap_filter *f, struct st_one *out,
                     size_t max, unsigned *covered);
/* f sets exactly two of sensor, honeypot, protocol and type, which form
 * a pair dimension, and otherwise only time: o is that pair. */
int st_filter_pair(const struct ap_filter *f, struct st_one *o);
int qb_one_dim(struct qb *q, const struct st_one *o);
/* " AND value = ? AND value2 = ?": o's rows of the rollup. */
int qb_rollup_value(struct qb *q, const struct st_one *o);

/* A time range split into whole hours [h1, h2) (hour numbers) and the
 * partial edges [e1a, e1b) and [e2a, e2b) in microseconds. */
struct st_span {
    long long h1, h2, e1a, e1b, e2a, e2b;
};
void st_split_hours(const struct ap_filter *f, struct st_span *s);

/* Run q on a pooled reader connection. */
int st_run(struct ap_store *st, struct qb *q, sq_row_fn fn, void *ctx);
/* 0 -> 100; capped at AP_STORE_MAX_LIMIT. */
size_t st_clamp_limit(size_t limit);
/* Row callback: column 0 as an integer into the long long ctx (0 when
 * NULL). */
int st_int_row(void *ctx, const struct sq_val *c, int n);
/* Row callback: parse column 0 (an event's JSON) into the array ctx. */
int st_json_row(void *ctx, const struct sq_val *c, int n);
/* Filters on low-cardinality dimensions only (store_guided.c), which
 * have no events index: the rollup's hours guide the reads.
 * st_events_guided: ap_store_events for them; 1 if f is not such a
 * filter.  st_guided_narrow: narrow f's time range to the hours from the
 * first to the last that hold the value; 0 if f is not such a filter, 1
 * if narrowed, 2 if no hour holds the value (nothing matches). */
int st_events_guided(struct ap_store *st, const struct ap_filter *f,
                     size_t limit, size_t offset, int ascending, json_t **out);
int st_guided_narrow(struct ap_store *st, struct ap_filter *f);

/* Append ORDER BY/LIMIT/OFFSET to a "SELECT json FROM events ..." query and
 * return the events as a JSON array. */
int st_events_where(struct ap_store *st, struct qb *q, size_t limit,
                    size_t offset, int ascending, json_t **out);

/* Summing (value, value2, n) rows in a hash table (store_query.c). */
#define TOPAGG_MAX (4u * 1024u * 1024u)
struct topagg_ent {
    char *v, *v2;
    size_t vn, v2n;
    uint64_t h;
    long long n;
};
struct topagg {
    struct topagg_ent *e;
    size_t cap, len;
};
uint64_t st_hash_bytes(uint64_t h, const char *s, size_t n);
/* Row callback: columns value, value2, n added into the table ctx. */
int st_topagg_row(void *ctx, const struct sq_val *c, int n);
/* Count descending, then value, value2 ascending. */
int st_topagg_cmp(const void *a, const void *b);
void st_topagg_free(struct topagg *a);

/* Run q on the reader connection c (explain mode aware). */
int st_run_on(struct ap_store *st, struct st_conn *c, struct qb *q,
              sq_row_fn fn, void *ctx);

#endif
