#include <stdlib.h>
#include <string.h>

#include "srclimit.h"
#include "ap/common.h"

#define SRC_BUCKETS 4096u

void
ap_tbucket_init(struct ap_tbucket *b, double burst, int64_t now_us)
{
    b->tokens = burst;
    b->last_us = now_us;
}

int
ap_tbucket_take(struct ap_tbucket *b, double rate, double burst,
                int64_t now_us)
{
    if (now_us > b->last_us) {
        b->tokens += rate * (double)(now_us - b->last_us) / 1e6;
        if (b->tokens > burst)
            b->tokens = burst;
    }
    /* A clock that went back (it is monotonic, but be safe) adds nothing. */
    b->last_us = now_us;
    if (b->tokens < 1.0)
        return 0;
    b->tokens -= 1.0;
    return 1;
}

struct src {
    struct src *next;
    uint8_t addr[16];
    unsigned long conns;
    struct ap_tbucket tb;
};

struct ap_srclimit {
    long long max_conns;
    double rate, burst;
    size_t max_entries, n;
    struct src *tab[SRC_BUCKETS];
};

static unsigned
src_hash(const uint8_t a[16])
{
    uint32_t h = 2166136261u; /* FNV-1a; sources are not secret */
    int i;

    for (i = 0; i < 16; i++)
        h = (h ^ a[i]) * 16777619u;
    return h % SRC_BUCKETS;
}

struct ap_srclimit *
ap_srclimit_new(long long max_conns, long long per_minute, long long burst,
                size_t max_entries)
{
    struct ap_srclimit *l = calloc(1, sizeof(*l));

    if (l == NULL)
        return NULL;
    l->max_conns = max_conns;
    l->rate = (double)per_minute / 60.0;
    l->burst = burst > 0 ? (double)burst : 1.0;
    l->max_entries = max_entries;
    return l;
}

void
ap_srclimit_free(struct ap_srclimit *l)
{
    struct src *s, *next;
    size_t i;

    if (l == NULL)
        return;
    for (i = 0; i < SRC_BUCKETS; i++)
        for (s = l->tab[i]; s; s = next) {
            next = s->next;
            free(s);
        }
    free(l);
}

static struct src *
src_find(struct ap_srclimit *l, const uint8_t a[16])
{
    struct src *s;

    for (s = l->tab[src_hash(a)]; s; s = s->next)
        if (memcmp(s->addr, a, 16) == 0)
            return s;
    return NULL;
}

enum ap_src_verdict
ap_srclimit_acquire(struct ap_srclimit *l, const uint8_t addr[16],
                    int64_t now_us)
{
    struct src *s = src_find(l, addr);
    unsigned h;

    if (s == NULL) {
        if (l->n >= l->max_entries || (s = calloc(1, sizeof(*s))) == NULL)
            return AP_SRC_OK;
        memcpy(s->addr, addr, 16);
        ap_tbucket_init(&s->tb, l->burst, now_us);
        h = src_hash(addr);
        s->next = l->tab[h];
        l->tab[h] = s;
        l->n++;
    }
    if (l->max_conns > 0 && s->conns >= (unsigned long)l->max_conns)
        return AP_SRC_TOO_MANY;
    if (l->rate > 0 && !ap_tbucket_take(&s->tb, l->rate, l->burst, now_us))
        return AP_SRC_TOO_FAST;
    s->conns++;
    return AP_SRC_OK;
}

void
ap_srclimit_release(struct ap_srclimit *l, const uint8_t addr[16])
{
    struct src *s = src_find(l, addr);

    if (s != NULL && s->conns > 0)
        s->conns--;
}

void
ap_srclimit_gc(struct ap_srclimit *l, int64_t now_us)
{
    struct src **pp, *s;
    double tokens;
    size_t i;

    for (i = 0; i < SRC_BUCKETS; i++) {
        pp = &l->tab[i];
        while ((s = *pp) != NULL) {
            tokens = s->tb.tokens +
                     l->rate * (double)(now_us - s->tb.last_us) / 1e6;
            if (s->conns == 0 && (l->rate <= 0 || tokens >= l->burst)) {
                *pp = s->next;
                free(s);
                l->n--;
            } else {
                pp = &s->next;
            }
        }
    }
}

size_t
ap_srclimit_count(const struct ap_srclimit *l)
{
    return l->n;
}
