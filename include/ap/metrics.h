/*
 * A tiny process-wide metrics registry with Prometheus text exposition.
 *
 * A metric (family) has a name, a help line, a type and up to two label
 * names.  Each combination of label values is a series; hot paths look a
 * series up once and keep the pointer, then update it with one atomic
 * add.  Registration and series lookup take a mutex, updates and reads
 * are lock-free, so any thread may use any of this.
 *
 * Label values may come from the network (ident and channel names that
 * passed an ACL): rendering escapes them, and a family never holds more
 * than AP_LIMIT_METRIC_SERIES series -- past that, updates land in one
 * series whose labels read "_overflow".
 */
#ifndef AP_METRICS_H
#define AP_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "ap/buf.h"

enum ap_metric_type {
    AP_METRIC_COUNTER,
    AP_METRIC_GAUGE,
};

struct ap_metric;
struct ap_series;

/* Register (or find, by name) a metric.  label1/label2 may be NULL.
 * Registering a known name with another type or labels is a programming
 * error and returns NULL, as does running out of memory. */
struct ap_metric *ap_metric_new(enum ap_metric_type type, const char *name,
                                const char *help, const char *label1,
                                const char *label2);

/* The series for these label values (NULL for unused labels); created on
 * first use.  Never NULL once the family exists (falls back to the
 * overflow series).  v1/v2 are byte strings of the given lengths. */
struct ap_series *ap_metric_series_n(struct ap_metric *m, const char *v1,
                                     size_t l1, const char *v2, size_t l2);
struct ap_series *ap_metric_series(struct ap_metric *m, const char *v1,
                                   const char *v2);

void ap_series_add(struct ap_series *s, int64_t delta);
void ap_series_set(struct ap_series *s, int64_t value);
int64_t ap_series_get(const struct ap_series *s);

/* Shorthands for cold paths: look up and update. */
void ap_metric_add(struct ap_metric *m, const char *v1, const char *v2,
                   int64_t delta);

/* Append the Prometheus text format (version 0.0.4) of every metric. */
int ap_metrics_render(struct ap_buf *out);

/* Free everything (at exit, and between unit tests).  No series pointer
 * may be used afterwards. */
void ap_metrics_reset(void);

#endif
