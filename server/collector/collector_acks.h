/*
 * Ack bookkeeping for native sensors (docs/EVENTS.md, "Acks"): per ident,
 * the highest seq N such that every seq <= N is stored, plus the seqs
 * stored above a gap (bounded).  Pure data structure; the collector
 * thread owns it.
 */
#ifndef AP_COLLECTOR_ACKS_H
#define AP_COLLECTOR_ACKS_H

#include <stddef.h>

/* Seqs kept above a gap per sensor; past this the lowest gap is given
 * up (the sensor resends what it needs anyway). */
#define AP_ACKS_MAX_PENDING 65536u
/* Sensors tracked at once; the least recently seen is forgotten. */
#define AP_ACKS_MAX_SENSORS 100000u

struct ap_acks;

struct ap_acks *ap_acks_new(void);
void ap_acks_free(struct ap_acks *a);

/* Record that seq from ident is durably stored (or a duplicate, or kept
 * raw).  Returns 1 if the ackable seq of ident grew, 0 if not, AP_ENOMEM. */
int ap_acks_done(struct ap_acks *a, const char *ident, long long seq);

/* The ackable seq of ident (0 if none yet), and whether it changed since
 * the last call to ap_acks_take (cleared by it). */
long long ap_acks_take(struct ap_acks *a, const char *ident, int *changed);

/* Call fn for each ident whose ackable seq changed since the last take,
 * clearing the flag. */
void ap_acks_each_changed(struct ap_acks *a,
                          void (*fn)(void *ctx, const char *ident,
                                     long long seq),
                          void *ctx);

#endif
