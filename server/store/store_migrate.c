/*
 * Schema versions (meta.schema) and the upgrade of an older store on
 * open.  A new store is created at ST_SCHEMA_VERSION by the engines'
 * schema text; an older one is brought forward here, all its steps and
 * the new version number in one write transaction, so that a crash
 * leaves the store at the old version and the upgrade runs again whole.
 *
 *   1 -> 2  the per-source summary (store_srcsum.c), for every address;
 *   2 -> 3  the summary is kept for busy addresses only: the data stays,
 *           but an older apiary would take a missing summary for an
 *           address without events;
 *   3 -> 4  the pair rollup dimensions (sensor, honeypot, protocol each
 *           with the event type; sensor with honeypot; store_write.c)
 *           that guide searches: summed from the events.
 */
#include <stdio.h>
#include <string.h>

#include "ap/err.h"
#include "ap/log.h"
#include "store_query.h"
#include "ap/common.h"

static int
text_row(void *ctx, const struct sq_val *c, int n)
{
    char *out = ctx;

    if (n > 0 && c[0].t == SQ_TEXT && c[0].n < 16) {
        memcpy(out, c[0].s, c[0].n);
        out[c[0].n] = '\0';
    }
    return 0;
}

/* The rollup rows of the pair dimensions, from the events.  The hour is
 * ts / hour truncated, as the writer computes it (store_agg.c). */
static int
build_pairs(struct ap_store *st)
{
    char sql[512];
    size_t d;
    int rc;

    for (d = 0; d < st_ndims; d++) {
        const struct st_dim *dim = &st_dims[d];

        if (!dim->guide_only)
            continue;
        snprintf(sql, sizeof(sql), "DELETE FROM rollup WHERE dim = %d",
                 dim->id);
        if ((rc = st->eng->exec(st->writer, sql, NULL, 0, NULL, NULL)) < 0)
            return rc;
        snprintf(sql, sizeof(sql),
                 "INSERT INTO rollup (dim, hour, value, value2, n) "
                 "SELECT %d, ts / %lld, %s, %s, COUNT(*) FROM events "
                 "WHERE %s IS NOT NULL AND %s IS NOT NULL GROUP BY 2, 3, 4",
                 dim->id, ST_HOUR_US, dim->col, dim->col2, dim->col,
                 dim->col2);
        if ((rc = st->eng->exec(st->writer, sql, NULL, 0, NULL, NULL)) < 0)
            return rc;
    }
    return 0;
}

struct step {
    const char *from; /* the version this step starts at */
    int (*fn)(struct ap_store *st);
};

/* Run every step from version from on, then record the version; all in
 * one transaction. */
static int
upgrade_txn(struct ap_store *st, void *arg)
{
    static const struct step steps[] = {
        {"1", st_srcsum_build_all},
        {"2", NULL},
        {"3", build_pairs},
    };
    const char *from = arg;
    struct sq_val v = sq_text(ST_SCHEMA_VERSION);
    size_t i;
    int rc, on = 0;

    for (i = 0; i < AP_ARRAY_SIZE(steps); i++) {
        on = on || strcmp(steps[i].from, from) == 0;
        if (on && steps[i].fn != NULL && (rc = steps[i].fn(st)) != 0)
            return rc;
    }
    return st->eng->exec(st->writer,
                         "UPDATE meta SET value = ? WHERE key = 'schema'", &v,
                         1, NULL, NULL) < 0
               ? AP_EDB
               : 0;
}

int
st_schema_upgrade(struct ap_store *st, char *err, size_t errlen)
{
    char v[16] = "";
    int rc;

    rc = st->eng->exec(st->writer,
                       "SELECT value FROM meta WHERE key = 'schema'", NULL, 0,
                       text_row, v);
    if (rc < 0) {
        st_errf(err, errlen, "cannot read the store's schema version");
        return rc;
    }
    if (strcmp(v, ST_SCHEMA_VERSION) == 0)
        return 0;
    if (strcmp(v, "1") != 0 && strcmp(v, "2") != 0 && strcmp(v, "3") != 0) {
        st_errf(err, errlen,
                "store schema version '%s' is not one this apiary knows "
                "(1 to %s); use a newer apiary",
                v, ST_SCHEMA_VERSION);
        return AP_EINVAL;
    }
    /* minutes for tens of millions of events; once */
    ap_log_info("store: upgrading schema %s -> %s", v, ST_SCHEMA_VERSION);
    if ((rc = st_write_txn(st, upgrade_txn, v)) != 0)
        st_errf(err, errlen, "store schema upgrade %s -> %s failed", v,
                ST_SCHEMA_VERSION);
    return rc;
}
