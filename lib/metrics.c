/*
 * Metrics registry (see ap/metrics.h).  Families live in a list in
 * registration order; series in creation order, indexed by a fixed
 * chained hash of their label values.  One mutex guards the structure;
 * values are updated with atomics.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ap/buf.h"
#include "ap/err.h"
#include "ap/limits.h"
#include "ap/metrics.h"
#include "ap/common.h"

#define SERIES_BUCKETS 1024u

struct ap_series {
    int64_t value; /* updated with __atomic builtins */
    struct ap_series *next;      /* creation order */
    struct ap_series *hnext;     /* hash chain */
    char *v1, *v2;               /* label values (NUL-terminated copies) */
    size_t l1, l2;
};

struct ap_metric {
    struct ap_metric *next;
    enum ap_metric_type type;
    char *name, *help, *label1, *label2;
    struct ap_series *first, **tail;
    struct ap_series *buckets[SERIES_BUCKETS];
    struct ap_series *overflow;
    size_t nseries;
};

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ap_metric *reg_first, **reg_tail = &reg_first;

static int
same_str(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    return strcmp(a, b) == 0;
}

static void
metric_free(struct ap_metric *m)
{
    struct ap_series *s, *n;

    for (s = m->first; s; s = n) {
        n = s->next;
        free(s->v1);
        free(s->v2);
        free(s);
    }
    if (m->overflow) {
        free(m->overflow->v1);
        free(m->overflow->v2);
        free(m->overflow);
    }
    free(m->name);
    free(m->help);
    free(m->label1);
    free(m->label2);
    free(m);
}

static char *
dupn(const char *s, size_t n)
{
    char *d;

    if (s == NULL)
        return NULL;
    if ((d = malloc(n + 1)) == NULL)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

struct ap_metric *
ap_metric_new(enum ap_metric_type type, const char *name, const char *help,
              const char *label1, const char *label2)
{
    struct ap_metric *m;

    if (label1 == NULL && label2 != NULL)
        return NULL;
    pthread_mutex_lock(&reg_lock);
    for (m = reg_first; m; m = m->next) {
        if (strcmp(m->name, name) != 0)
            continue;
        if (m->type != type || !same_str(m->label1, label1) ||
            !same_str(m->label2, label2))
            m = NULL;
        goto out;
    }
    if ((m = calloc(1, sizeof(*m))) == NULL)
        goto out;
    m->type = type;
    m->name = strdup(name);
    m->help = strdup(help ? help : "");
    m->label1 = label1 ? strdup(label1) : NULL;
    m->label2 = label2 ? strdup(label2) : NULL;
    m->tail = &m->first;
    if (!m->name || !m->help || (label1 && !m->label1) ||
        (label2 && !m->label2)) {
        metric_free(m);
        m = NULL;
        goto out;
    }
    *reg_tail = m;
    reg_tail = &m->next;
out:
    pthread_mutex_unlock(&reg_lock);
    return m;
}

static uint32_t
hash2(const char *a, size_t la, const char *b, size_t lb)
{
    uint32_t h = 2166136261u;
    size_t i;

    for (i = 0; i < la; i++)
        h = (h ^ (uint8_t)a[i]) * 16777619u;
    h = (h ^ 0xffu) * 16777619u;
    for (i = 0; i < lb; i++)
        h = (h ^ (uint8_t)b[i]) * 16777619u;
    return h;
}

static int
label_eq(const char *have, size_t hl, const char *v, size_t l)
{
    if (have == NULL)
        return v == NULL;
    return v != NULL && hl == l && memcmp(have, v, l) == 0;
}

static struct ap_series *
overflow_series(struct ap_metric *m)
{
    if (m->overflow == NULL && (m->overflow = calloc(1, sizeof(*m->overflow)))) {
        m->overflow->v1 = m->label1 ? strdup("_overflow") : NULL;
        m->overflow->v2 = m->label2 ? strdup("_overflow") : NULL;
        m->overflow->l1 = m->overflow->v1 ? 9 : 0;
        m->overflow->l2 = m->overflow->v2 ? 9 : 0;
    }
    return m->overflow;
}

struct ap_series *
ap_metric_series_n(struct ap_metric *m, const char *v1, size_t l1,
                   const char *v2, size_t l2)
{
    struct ap_series *s;
    uint32_t h;

    /* Only as many values as the family has labels. */
    if (m->label1 == NULL)
        v1 = NULL, l1 = 0;
    else if (v1 == NULL)
        v1 = "", l1 = 0;
    if (m->label2 == NULL)
        v2 = NULL, l2 = 0;
    else if (v2 == NULL)
        v2 = "", l2 = 0;
    h = hash2(v1 ? v1 : "", l1, v2 ? v2 : "", l2) % SERIES_BUCKETS;
    pthread_mutex_lock(&reg_lock);
    for (s = m->buckets[h]; s; s = s->hnext)
        if (label_eq(s->v1, s->l1, v1, l1) && label_eq(s->v2, s->l2, v2, l2))
            goto out;
    if (m->nseries >= AP_LIMIT_METRIC_SERIES ||
        (s = calloc(1, sizeof(*s))) == NULL) {
        s = overflow_series(m);
        goto out;
    }
    s->v1 = dupn(v1, l1);
    s->v2 = dupn(v2, l2);
    s->l1 = l1;
    s->l2 = l2;
    if ((v1 && !s->v1) || (v2 && !s->v2)) {
        free(s->v1);
        free(s->v2);
        free(s);
        s = overflow_series(m);
        goto out;
    }
    s->hnext = m->buckets[h];
    m->buckets[h] = s;
    *m->tail = s;
    m->tail = &s->next;
    m->nseries++;
out:
    pthread_mutex_unlock(&reg_lock);
    if (s == NULL) {
        /* out of memory even for the overflow series: a static sink */
        static struct ap_series sink;
        s = &sink;
    }
    return s;
}

struct ap_series *
ap_metric_series(struct ap_metric *m, const char *v1, const char *v2)
{
    return ap_metric_series_n(m, v1, v1 ? strlen(v1) : 0, v2,
                              v2 ? strlen(v2) : 0);
}

void
ap_series_add(struct ap_series *s, int64_t delta)
{
    __atomic_add_fetch(&s->value, delta, __ATOMIC_RELAXED);
}

void
ap_series_set(struct ap_series *s, int64_t value)
{
    __atomic_store_n(&s->value, value, __ATOMIC_RELAXED);
}

int64_t
ap_series_get(const struct ap_series *s)
{
    return __atomic_load_n(&s->value, __ATOMIC_RELAXED);
}

void
ap_metric_add(struct ap_metric *m, const char *v1, const char *v2,
              int64_t delta)
{
    if (m)
        ap_series_add(ap_metric_series(m, v1, v2), delta);
}

/* Prometheus label value: \\, \" and \n escaped; bytes outside printable
 * ASCII shown as '?', so the output is always one valid line. */
static int
put_label(struct ap_buf *out, const char *name, const char *v, size_t l)
{
    size_t i;
    int r = 0;

    r |= ap_buf_printf(out, "%s=\"", name);
    for (i = 0; i < l && r == 0; i++) {
        uint8_t c = (uint8_t)v[i];
        if (c == '\\' || c == '"')
            r |= ap_buf_put_u8(out, '\\') | ap_buf_put_u8(out, c);
        else if (c == '\n')
            r |= ap_buf_puts(out, "\\n");
        else
            r |= ap_buf_put_u8(out, c >= 0x20 && c < 0x7f ? c : '?');
    }
    r |= ap_buf_put_u8(out, '"');
    return r ? AP_ETOOBIG : 0;
}

static int
put_series(struct ap_buf *out, const struct ap_metric *m,
           const struct ap_series *s)
{
    int r = ap_buf_puts(out, m->name);

    if (m->label1) {
        r |= ap_buf_put_u8(out, '{');
        r |= put_label(out, m->label1, s->v1, s->l1);
        if (m->label2) {
            r |= ap_buf_put_u8(out, ',');
            r |= put_label(out, m->label2, s->v2, s->l2);
        }
        r |= ap_buf_put_u8(out, '}');
    }
    r |= ap_buf_printf(out, " %lld\n", (long long)ap_series_get(s));
    return r ? AP_ETOOBIG : 0;
}

int
ap_metrics_render(struct ap_buf *out)
{
    const struct ap_metric *m;
    const struct ap_series *s;
    int r = 0;

    pthread_mutex_lock(&reg_lock);
    for (m = reg_first; m && r == 0; m = m->next) {
        r |= ap_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", m->name,
                           m->help, m->name,
                           m->type == AP_METRIC_COUNTER ? "counter" : "gauge");
        /* A family without labels always shows its one series. */
        if (m->label1 == NULL && m->first == NULL) {
            r |= ap_buf_printf(out, "%s 0\n", m->name);
            continue;
        }
        for (s = m->first; s && r == 0; s = s->next)
            r |= put_series(out, m, s);
        if (m->overflow && r == 0)
            r |= put_series(out, m, m->overflow);
    }
    pthread_mutex_unlock(&reg_lock);
    return r ? AP_ETOOBIG : 0;
}

void
ap_metrics_reset(void)
{
    struct ap_metric *m, *n;

    pthread_mutex_lock(&reg_lock);
    for (m = reg_first; m; m = n) {
        n = m->next;
        metric_free(m);
    }
    reg_first = NULL;
    reg_tail = &reg_first;
    pthread_mutex_unlock(&reg_lock);
}
