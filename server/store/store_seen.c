/* First/last sightings of many values; see store_seen.h. */
#include <stdint.h>
#include <string.h>

#include "ap/err.h"
#include "ap/util.h"
#include "store_query.h"
#include "store_seen.h"
#include "ap/common.h"

/* Values per statement: 4 time parameters + this many within
 * QB_MAX_PARAMS. */
#define SEEN_CHUNK 40

static int
seen_row(void *ctx, const struct sq_val *c, int n)
{
    char first[40], last[40];

    if (n < 3 || c[0].t != SQ_TEXT || c[1].t != SQ_INT || c[2].t != SQ_INT)
        return 0; /* not seen in the window */
    ap_format_time_us(c[1].i, first, sizeof(first));
    ap_format_time_us(c[2].i, last, sizeof(last));
    return json_object_set_new((json_t *)ctx, c[0].s,
                               json_pack("{s:s, s:s}", "first_seen", first, "last_seen", last)) == 0
               ? 0
               : AP_ENOMEM;
}

/* SELECT v, (first ts of v), (last ts of v) FROM (the values) */
static int
seen_chunk(struct ap_store *st, const char *col, const json_t *values, size_t from, size_t n,
           long long lo, long long hi, json_t *out)
{
    static const char *const sub1 = "SELECT ts FROM events WHERE ";
    struct qb q;
    size_t i;
    int r;

    r = qb_init(&q, "SELECT vals.v, (");
    r |= qb_sql(&q, sub1);
    r |= qb_sql(&q, col);
    r |= qb_add(&q, " = vals.v AND ts >= ?", sq_int(lo));
    r |= qb_add(&q, " AND ts < ? ORDER BY ts ASC LIMIT 1), (", sq_int(hi));
    r |= qb_sql(&q, sub1);
    r |= qb_sql(&q, col);
    r |= qb_add(&q, " = vals.v AND ts >= ?", sq_int(lo));
    r |= qb_add(&q, " AND ts < ? ORDER BY ts DESC LIMIT 1) FROM (", sq_int(hi));
    for (i = 0; i < n && r == 0; i++)
        r = qb_add(&q, i ? " UNION ALL SELECT CAST(? AS TEXT)" : "SELECT CAST(? AS TEXT) AS v",
                   sq_text(json_string_value(json_array_get(values, from + i))));
    r |= qb_sql(&q, ") vals");
    if (r == 0)
        r = st_run(st, &q, seen_row, out);
    else
        r = AP_ENOMEM;
    qb_release(&q);
    return r;
}

int
ap_store_seen(struct ap_store *st, const char *field, const json_t *values,
              const struct ap_filter *f, json_t **out)
{
    long long lo = f->since_us > 0 ? f->since_us : 0;
    long long hi = f->until_us > 0 ? f->until_us : INT64_MAX;
    size_t n = json_array_size(values), i;
    json_t *o;
    int r = 0;

    if (strcmp(field, "src_ip") != 0 && strcmp(field, "url") != 0 &&
        strcmp(field, "sha256") != 0)
        return AP_EINVAL;
    if (n > AP_STORE_MAX_LIMIT)
        n = AP_STORE_MAX_LIMIT;
    for (i = 0; i < n; i++)
        if (!json_is_string(json_array_get(values, i)))
            return AP_EINVAL;
    if ((o = json_object()) == NULL)
        return AP_ENOMEM;
    for (i = 0; i < n && r == 0; i += SEEN_CHUNK)
        r = seen_chunk(st, field, values, i, n - i < SEEN_CHUNK ? n - i : SEEN_CHUNK, lo, hi, o);
    if (r != 0) {
        json_decref(o);
        return r;
    }
    *out = o;
    return 0;
}
