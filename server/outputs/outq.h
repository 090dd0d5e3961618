/*
 * A bounded queue of byte records between the thread that produces events
 * (the collector, which must never block) and one output's worker thread.
 * Bounded in records and in bytes; a push that does not fit is dropped
 * and counted, never waited for.
 */
#ifndef AP_OUTQ_H
#define AP_OUTQ_H

#include <stddef.h>
#include <stdint.h>

struct ap_outq;

/* Returns owned, or NULL on ENOMEM. */
struct ap_outq *ap_outq_new(size_t max_records, size_t max_bytes);
void ap_outq_free(struct ap_outq *q);

/* Copy p[0..n) in.  0, or AP_EFULL (counted as a drop) / AP_ENOMEM /
 * AP_ECLOSED.  Never blocks beyond the queue's mutex. */
int ap_outq_push(struct ap_outq *q, const void *p, size_t n);

/* Wait up to timeout_ms for a record; *p (owned, free()) and *n.
 * 0, AP_EAGAIN on timeout, AP_ECLOSED when closed and empty. */
int ap_outq_pop(struct ap_outq *q, char **p, size_t *n, int timeout_ms);

/* No more pushes; pops drain what is left, then return AP_ECLOSED. */
void ap_outq_close(struct ap_outq *q);

struct ap_outq_stats {
    uint64_t pushed, dropped;
    size_t records, bytes;
};
void ap_outq_stats(struct ap_outq *q, struct ap_outq_stats *st);

#endif
