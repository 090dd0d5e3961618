/*
 * Per-sensor contiguous-sequence tracking.  The first seq seen from a
 * sensor starts its run (after a server restart the sensor resends from
 * its oldest unacknowledged event, so that is where the run begins).
 * Out-of-order seqs wait in a sorted array until the gap below them fills.
 */
#include <stdlib.h>
#include <string.h>

#include "ap/err.h"
#include "ap/log.h"
#include "collector_acks.h"
#include "ap/common.h"

struct sensor {
    char *ident;
    long long acked;   /* every seq <= acked is done; 0 = none yet */
    int started, changed;
    long long *pend;   /* sorted, all > acked + 1 */
    size_t npend, apend;
    struct sensor *next;
};

#define NBUCKETS 4096u

struct ap_acks {
    struct sensor *b[NBUCKETS];
    size_t n;
};

static unsigned
hash(const char *s)
{
    unsigned h = 2166136261u;

    while (*s)
        h = (h ^ (unsigned char)*s++) * 16777619u;
    return h % NBUCKETS;
}

struct ap_acks *
ap_acks_new(void)
{
    return calloc(1, sizeof(struct ap_acks));
}

void
ap_acks_free(struct ap_acks *a)
{
    struct sensor *s, *nx;
    size_t i;

    if (a == NULL)
        return;
    for (i = 0; i < NBUCKETS; i++)
        for (s = a->b[i]; s; s = nx) {
            nx = s->next;
            free(s->ident);
            free(s->pend);
            free(s);
        }
    free(a);
}

static struct sensor *
get(struct ap_acks *a, const char *ident, int create)
{
    unsigned h = hash(ident);
    struct sensor *s;

    for (s = a->b[h]; s; s = s->next)
        if (strcmp(s->ident, ident) == 0)
            return s;
    if (!create || a->n >= AP_ACKS_MAX_SENSORS)
        return NULL;
    if ((s = calloc(1, sizeof(*s))) == NULL ||
        (s->ident = strdup(ident)) == NULL) {
        free(s);
        return NULL;
    }
    s->next = a->b[h];
    a->b[h] = s;
    a->n++;
    return s;
}

/* Move the run forward over pending seqs that now touch it. */
static void
advance(struct sensor *s)
{
    size_t k = 0;

    while (k < s->npend && s->pend[k] <= s->acked + 1) {
        if (s->pend[k] == s->acked + 1)
            s->acked++;
        k++;
    }
    if (k > 0) {
        memmove(s->pend, s->pend + k, (s->npend - k) * sizeof(*s->pend));
        s->npend -= k;
    }
}

int
ap_acks_done(struct ap_acks *a, const char *ident, long long seq)
{
    struct sensor *s = get(a, ident, 1);
    long long before;
    size_t lo, hi, mid;

    if (s == NULL)
        return AP_ENOMEM;
    if (seq <= 0)
        return 0;
    if (!s->started) {
        s->started = 1;
        s->acked = seq - 1;
    }
    before = s->acked;
    if (seq <= s->acked)
        return 0;
    if (seq == s->acked + 1) {
        s->acked = seq;
        advance(s);
    } else {
        lo = 0;
        hi = s->npend;
        while (lo < hi) {
            mid = (lo + hi) / 2;
            if (s->pend[mid] < seq)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < s->npend && s->pend[lo] == seq)
            return 0;
        if (s->npend == s->apend) {
            size_t na = s->apend ? s->apend * 2 : 64;
            long long *p;
            if (s->npend >= AP_ACKS_MAX_PENDING) {
                /* give up the lowest gap: the sensor resends it and the
                 * store ignores what it already has */
                ap_log_warn("sensor %s: %zu events waiting above seq %lld; "
                            "skipping the gap",
                            s->ident, s->npend, s->acked + 1);
                s->acked = s->pend[0];
                advance(s);
                return ap_acks_done(a, ident, seq) >= 0 ? 1 : AP_ENOMEM;
            }
            if ((p = realloc(s->pend, na * sizeof(*p))) == NULL)
                return AP_ENOMEM;
            s->pend = p;
            s->apend = na;
        }
        memmove(s->pend + lo + 1, s->pend + lo,
                (s->npend - lo) * sizeof(*s->pend));
        s->pend[lo] = seq;
        s->npend++;
    }
    if (s->acked != before) {
        s->changed = 1;
        return 1;
    }
    return 0;
}

long long
ap_acks_take(struct ap_acks *a, const char *ident, int *changed)
{
    struct sensor *s = get(a, ident, 0);

    if (s == NULL) {
        *changed = 0;
        return 0;
    }
    *changed = s->changed;
    s->changed = 0;
    return s->acked;
}

void
ap_acks_each_changed(struct ap_acks *a,
                     void (*fn)(void *ctx, const char *ident, long long seq),
                     void *ctx)
{
    struct sensor *s;
    size_t i;

    for (i = 0; i < NBUCKETS; i++)
        for (s = a->b[i]; s; s = s->next)
            if (s->changed) {
                s->changed = 0;
                fn(ctx, s->ident, s->acked);
            }
}
