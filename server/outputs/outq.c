/*
 * Bounded MPSC queue: a ring of (pointer, length) under one mutex, a
 * condition variable for the consumer.  Producers never wait on the
 * consumer: a full queue drops the record and counts it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "outq.h"
#include "ap/err.h"
#include "ap/common.h"

struct rec {
    char *p;
    size_t n;
};

struct ap_outq {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct rec *ring;
    size_t cap, head, count, bytes, max_bytes;
    uint64_t pushed, dropped;
    int closed;
};

struct ap_outq *
ap_outq_new(size_t max_records, size_t max_bytes)
{
    struct ap_outq *q;
    pthread_condattr_t ca;

    if (max_records == 0 || (q = calloc(1, sizeof(*q))) == NULL)
        return NULL;
    if ((q->ring = calloc(max_records, sizeof(*q->ring))) == NULL) {
        free(q);
        return NULL;
    }
    q->cap = max_records;
    q->max_bytes = max_bytes;
    pthread_mutex_init(&q->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&q->cv, &ca);
    pthread_condattr_destroy(&ca);
    return q;
}

void
ap_outq_free(struct ap_outq *q)
{
    size_t i;

    if (q == NULL)
        return;
    for (i = 0; i < q->count; i++)
        free(q->ring[(q->head + i) % q->cap].p);
    pthread_cond_destroy(&q->cv);
    pthread_mutex_destroy(&q->mu);
    free(q->ring);
    free(q);
}

int
ap_outq_push(struct ap_outq *q, const void *p, size_t n)
{
    char *copy;
    int r = 0;

    pthread_mutex_lock(&q->mu);
    if (q->closed) {
        r = AP_ECLOSED;
    } else if (q->count == q->cap || q->bytes + n > q->max_bytes) {
        q->dropped++;
        r = AP_EFULL;
    }
    pthread_mutex_unlock(&q->mu);
    if (r != 0)
        return r;
    /* Copy outside the lock; re-check the room after. */
    if ((copy = malloc(n ? n : 1)) == NULL)
        return AP_ENOMEM;
    memcpy(copy, p, n);
    pthread_mutex_lock(&q->mu);
    if (q->closed) {
        r = AP_ECLOSED;
    } else if (q->count == q->cap || q->bytes + n > q->max_bytes) {
        q->dropped++;
        r = AP_EFULL;
    } else {
        q->ring[(q->head + q->count) % q->cap] = (struct rec){copy, n};
        q->count++;
        q->bytes += n;
        q->pushed++;
        copy = NULL;
        pthread_cond_signal(&q->cv);
    }
    pthread_mutex_unlock(&q->mu);
    free(copy);
    return r;
}

int
ap_outq_pop(struct ap_outq *q, char **p, size_t *n, int timeout_ms)
{
    struct timespec dl;
    struct rec rc;
    int r = 0;

    clock_gettime(CLOCK_MONOTONIC, &dl);
    dl.tv_sec += timeout_ms / 1000;
    dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (dl.tv_nsec >= 1000000000L) {
        dl.tv_sec++;
        dl.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&q->mu);
    while (q->count == 0 && !q->closed && r != ETIMEDOUT)
        r = pthread_cond_timedwait(&q->cv, &q->mu, &dl);
    if (q->count == 0) {
        r = q->closed ? AP_ECLOSED : AP_EAGAIN;
    } else {
        rc = q->ring[q->head];
        q->head = (q->head + 1) % q->cap;
        q->count--;
        q->bytes -= rc.n;
        *p = rc.p;
        *n = rc.n;
        r = 0;
    }
    pthread_mutex_unlock(&q->mu);
    return r;
}

void
ap_outq_close(struct ap_outq *q)
{
    pthread_mutex_lock(&q->mu);
    q->closed = 1;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
}

void
ap_outq_stats(struct ap_outq *q, struct ap_outq_stats *st)
{
    pthread_mutex_lock(&q->mu);
    st->pushed = q->pushed;
    st->dropped = q->dropped;
    st->records = q->count;
    st->bytes = q->bytes;
    pthread_mutex_unlock(&q->mu);
}
