/*
 * Which sources get a per-source summary (srcsum).  Keeping it for every
 * address cost about twenty upserts per scanner session -- the largest
 * part of the write path, for addresses that send a few events once.  A
 * profile or a per-address count of such an address reads its few events
 * through the (src_ip, ts) index quickly; the summary only pays for the
 * busy ones.  So:
 *
 *   - an address has summary rows if and only if its summary is complete
 *     (every stored event of it counted); queries use the rows when there
 *     are any, and the events otherwise (store_srcsum.c, the profile);
 *   - the writer keeps the summary of the addresses that have one;
 *   - an address that this process has seen send AP_STORE_SRC_HEAVY
 *     events gets its summary built from its stored events, in the same
 *     transaction as the batch that crossed the mark, and kept from then
 *     on.
 *
 * The counts that lead to a promotion are only this process's (bounded,
 * forgotten when the table fills): a miss makes a profile slower, never
 * wrong.
 */
#include <stdlib.h>
#include <string.h>

#include "ap/err.h"
#include "ap/log.h"
#include "ap/util.h"
#include "store_query.h"
#include "ap/common.h"

/* Addresses counted towards the mark at once (then the counts restart). */
#define SEEN_MAX (1u << 18)
/* Addresses per membership query (one statement text, NULL-padded). */
#define IN_CHUNK 40

struct seen_ent {
    char *ip;
    unsigned n;
};

struct st_seen {
    struct seen_ent *e;
    size_t cap, len;
};

void
st_seen_free(struct st_seen *s)
{
    size_t i;

    if (s == NULL)
        return;
    for (i = 0; i < s->cap; i++)
        free(s->e[i].ip);
    free(s->e);
    free(s);
}

/* Add n to ip's count; the new count, or 0 when out of memory. */
static unsigned
seen_add(struct ap_store *st, const char *ip, unsigned n)
{
    struct st_seen *s = st->seen;
    size_t i;

    if (s == NULL || s->len >= SEEN_MAX) {
        st_seen_free(s);
        if ((st->seen = s = calloc(1, sizeof(*s))) == NULL)
            return 0;
        s->cap = 2 * SEEN_MAX;
        if ((s->e = calloc(s->cap, sizeof(*s->e))) == NULL) {
            free(s);
            st->seen = NULL;
            return 0;
        }
    }
    for (i = ap_hash64(ip) & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
        if (s->e[i].ip == NULL) {
            if ((s->e[i].ip = strdup(ip)) == NULL)
                return 0;
            s->len++;
            return s->e[i].n = n;
        }
        if (strcmp(s->e[i].ip, ip) == 0)
            return s->e[i].n += n;
    }
}

/* ---- the batch's addresses ------------------------------------------- */

/* Run q on the writer connection (the caller holds wlock, in a
 * transaction). */
static int
writer_run(struct ap_store *st, struct qb *q, sq_row_fn fn, void *ctx)
{
    const char *sql = qb_text(q);
    int rc;

    if (sql == NULL)
        return AP_ETOOBIG;
    rc = st->eng->exec(st->writer, sql, q->p, q->np, fn, ctx);
    return rc < 0 ? rc : 0;
}

void
st_srcset_clear(struct st_srcset *set)
{
    free(set->e);
    memset(set, 0, sizeof(*set));
}

static struct st_src *
srcset_get(struct st_srcset *set, const char *ip, int add)
{
    size_t i;

    for (i = ap_hash64(ip) & (set->cap - 1);; i = (i + 1) & (set->cap - 1)) {
        if (set->e[i].ip == NULL) {
            if (!add)
                return NULL;
            set->e[i].ip = ip;
            set->len++;
            return &set->e[i];
        }
        if (strcmp(set->e[i].ip, ip) == 0)
            return &set->e[i];
    }
}

int
st_srcset_summarized(const struct st_srcset *set, const char *ip)
{
    const struct st_src *e;

    if (ip == NULL || set->cap == 0)
        return 0;
    e = srcset_get((struct st_srcset *)set, ip, 0);
    return e != NULL && e->summarized;
}

static int
mark_row(void *ctx, const struct sq_val *c, int n)
{
    struct st_src *e;

    if (n < 1 || c[0].t != SQ_TEXT)
        return 0;
    if ((e = srcset_get(ctx, c[0].s, 0)) != NULL)
        e->summarized = 1;
    return 0;
}

/* Which of the batch's addresses have a summary: one indexed lookup per
 * address, IN_CHUNK addresses per statement (one text, NULL-padded). */
static int
mark_summarized(struct ap_store *st, struct st_srcset *set)
{
    struct qb q;
    size_t i = 0, k, done = 0;
    int rc;

    /* A list joined to the summary's primary key: one seek per address
     * on both engines (PostgreSQL planned "src_ip IN (...)" with
     * DISTINCT as a scan of the summary: up to 0.5 s a batch). */
    rc = qb_init(&q, "SELECT column1 FROM (VALUES (CAST(? AS TEXT))");
    for (k = 1; k < IN_CHUNK && rc == 0; k++)
        rc = qb_sql(&q, ", (?)");
    if (rc == 0)
        rc = qb_sql(&q, ") AS v WHERE EXISTS (SELECT 1 FROM srcsum WHERE "
                        "src_ip = v.column1 AND dim = 15)");
    while (done < set->len && rc == 0) {
        for (k = 0; k < IN_CHUNK; k++) {
            while (done < set->len && set->e[i].ip == NULL)
                i++;
            q.p[k] = done < set->len ? sq_text(set->e[i++].ip) : sq_null();
            done += done < set->len;
        }
        q.np = IN_CHUNK;
        rc = writer_run(st, &q, mark_row, set);
    }
    qb_release(&q);
    return rc;
}

/* Build ip's summary from its stored events (this batch's included). */
static int
promote(struct ap_store *st, const char *ip)
{
    size_t d;
    int rc = 0;

    for (d = 0; d < st_src_ncols && rc == 0; d++) {
        struct qb q;

        rc = qb_init(&q, "INSERT INTO srcsum (src_ip, dim, value, value2, "
                         "n) SELECT src_ip, ");
        if (rc == 0)
            rc = st_srcsum_select(&q, &st_src_cols[d], ST_SRC_SEL_INSERT);
        if (rc == 0)
            rc = qb_add(&q, " AND src_ip = ? GROUP BY src_ip, 3, 4",
                        sq_text(ip));
        if (rc == 0)
            rc = writer_run(st, &q, NULL, NULL);
        qb_release(&q);
    }
    return rc;
}

int
st_srcsum_batch(struct ap_store *st, const struct st_row *rows, size_t n,
                const unsigned char *isnew, struct st_srcset *set)
{
    size_t i, cap = 64;
    int rc;

    for (i = 0; i < n; i++)
        cap += isnew[i] && rows[i].src_ip != NULL;
    while (set->cap < 2 * cap)
        set->cap = set->cap ? set->cap * 2 : 128;
    if ((set->e = calloc(set->cap, sizeof(*set->e))) == NULL)
        return AP_ENOMEM;
    for (i = 0; i < n; i++)
        if (isnew[i] && rows[i].src_ip != NULL)
            srcset_get(set, rows[i].src_ip, 1)->n++;
    if (set->len == 0)
        return 0;
    if ((rc = mark_summarized(st, set)) != 0)
        return rc;
    for (i = 0; i < set->cap; i++) {
        struct st_src *e = &set->e[i];

        if (e->ip == NULL || e->summarized)
            continue;
        if (seen_add(st, e->ip, e->n) < AP_STORE_SRC_HEAVY)
            continue;
        /* Built from the events, this batch's new rows included: the
         * batch must not add them again (summarized stays 0). */
        if ((rc = promote(st, e->ip)) != 0)
            return rc;
    }
    return 0;
}
