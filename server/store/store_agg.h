/*
 * One batch's rollup, session, file and per-source summary increments,
 * summed in memory so that each distinct key is one upsert
 * (store_agg.c); flushed by the writer (store_write.c).
 */
#ifndef AP_STORE_AGG_H
#define AP_STORE_AGG_H

#include <stddef.h>

#include "store_int.h"

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

int st_agg_init(struct st_agg *a, size_t cap);
void st_agg_release(struct st_agg *a);
/* Aggregate the rows (isnew NULL: all of them). */
int st_agg_rows(struct st_agg *a, const struct st_row *rows, size_t n,
                const unsigned char *isnew);

#endif
