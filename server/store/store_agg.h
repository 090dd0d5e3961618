/*
 * One batch's rollup, session, file and per-source summary increments,
 * summed in memory so that each distinct key is one upsert
 * (store_agg.c); flushed by the writer (store_write.c).
 */
#ifndef AP_STORE_AGG_H
#define AP_STORE_AGG_H

#include <stddef.h>
#include <stdint.h>

#include "store_int.h"

/* kind: a rollup dimension id (>= 0), or one of these. */
#define AGG_SESSION (-1)
#define AGG_FILE (-2)
/* Per-source summary entries: kind AGG_SRC - dim id (<= AGG_SRC). */
#define AGG_SRC (-100)

struct agg_ent {
    int kind;
    long long hour;
    const char *v, *v2, *v3; /* v3: the source address (summary) */
    const struct st_row *row; /* first row seen (for descriptive fields) */
    long long n, first, last, logins, commands, downloads;
    uint64_t h; /* the key's hash (to grow the slots) */
};

/* Entries are dense, in insertion order (e[0..len)).  The slots (open
 * addressing, at most half full: a batch of scanner sessions from
 * distinct addresses has ~4 keys per event, a batch from one address a
 * few dozen in all) hold the hash's upper half and the entry's index +
 * 1, so a probe compares strings only when the hashes agree.  The table
 * is kept from batch to batch (st_agg_prepare): megabytes freed and
 * faulted in again per batch cost more than the aggregation itself. */
struct st_agg {
    struct agg_ent *e; /* cap / 2 entries */
    uint64_t *slot;    /* cap slots */
    size_t cap, len;   /* cap: a power of 2 */
};

int st_agg_init(struct st_agg *a, size_t cap);
void st_agg_release(struct st_agg *a);
/* Aggregate the rows (isnew NULL: all of them). */
int st_agg_rows(struct st_agg *a, const struct st_row *rows, size_t n,
                const unsigned char *isnew);

#endif
