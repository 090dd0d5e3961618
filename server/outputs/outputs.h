/*
 * The set of configured outputs, fed by one event sink: the server's
 * "outputs" component and `apiary relay` both build one from the
 * "[output NAME]" sections.
 */
#ifndef AP_OUTPUTS_H
#define AP_OUTPUTS_H

#include <stddef.h>

#include <jansson.h>

#include "output.h"

struct ap_server;

struct ap_outputs {
    struct ap_output **v;
    size_t n;
};

/* Start every enabled "[output NAME]" instance of srv.  On error the
 * outputs already started are stopped and err says which failed. */
int ap_outputs_start(struct ap_outputs *set, const struct ap_server *srv,
                     char *err, size_t errlen);
/* An ap_event_sink_fn: hand ev to every output (never blocks). */
void ap_outputs_sink(void *ctx, const json_t *ev);
void ap_outputs_reopen(struct ap_outputs *set);
/* Stop all, giving each up to drain_ms to deliver what it holds. */
void ap_outputs_stop(struct ap_outputs *set, int drain_ms);

extern const struct ap_server_instance_type ap_output_instance_type;

#endif
