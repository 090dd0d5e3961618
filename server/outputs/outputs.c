/*
 * The outputs component: "[outputs]" (shared settings) and the
 * "[output NAME]" instance sections; every newly stored event reaches
 * every output through one collector sink.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "outputs.h"
#include "server.h"
#include "ap/err.h"
#include "ap/log.h"
#include "ap/common.h"


const struct ap_server_instance_type ap_output_instance_type = {
    "output", ap_output_keywords, sizeof(struct ap_output_conf)};

int
ap_outputs_start(struct ap_outputs *set, const struct ap_server *srv,
                 char *err, size_t errlen)
{
    const struct ap_server_instance *in;
    struct ap_output **v;
    size_t it = 0;

    set->v = NULL;
    set->n = 0;
    while ((in = ap_server_instance_next(srv, "output", &it)) != NULL) {
        const struct ap_output_conf *c = in->conf;
        if (!c->enabled)
            continue;
        if ((v = realloc(set->v, (set->n + 1) * sizeof(*v))) == NULL) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
        set->v = v;
        if (ap_output_new(in->name, c, &set->v[set->n], err, errlen) != 0)
            goto fail;
        ap_log_info("output %s: %s, format %s", in->name, c->type, c->format);
        set->n++;
    }
    return 0;
fail:
    ap_outputs_stop(set, 0);
    return AP_ECONF;
}

void
ap_outputs_sink(void *ctx, const json_t *ev)
{
    struct ap_outputs *set = ctx;
    size_t i;

    for (i = 0; i < set->n; i++)
        (void)ap_output_submit(set->v[i], ev);
}

void
ap_outputs_reopen(struct ap_outputs *set)
{
    size_t i;

    for (i = 0; i < set->n; i++)
        ap_output_reopen(set->v[i]);
}

void
ap_outputs_stop(struct ap_outputs *set, int drain_ms)
{
    size_t i;

    for (i = 0; i < set->n; i++)
        ap_output_free(set->v[i], drain_ms);
    free(set->v);
    set->v = NULL;
    set->n = 0;
}

/* ---- the server component ---- */

struct outputs_conf {
    long long drain;
};

static const struct ap_conf_kw outputs_keywords[] = {
    {"drain", AP_CONF_SECS, offsetof(struct outputs_conf, drain), "5s", 0, 600,
     NULL, "at shutdown, how long outputs may take to deliver their queues"},
    {NULL, 0, 0, NULL, 0, 0, NULL, NULL},
};

static struct ap_outputs running;

static int
outputs_start(struct ap_server *srv, void *conf, char *err, size_t errlen)
{
    (void)conf;
    if (ap_outputs_start(&running, srv, err, errlen) != 0)
        return AP_ECONF;
    if (running.n == 0)
        return 0;
    if (srv->collector == NULL) {
        ap_log_warn("outputs: no collector in this server; %zu output(s) idle",
                    running.n);
        return 0;
    }
    return ap_collector_add_sink(srv->collector, ap_outputs_sink, &running);
}

static void
outputs_stop(struct ap_server *srv, void *conf)
{
    const struct outputs_conf *c = conf;

    (void)srv;
    ap_outputs_stop(&running, (int)c->drain * 1000);
}

static void
outputs_reload(struct ap_server *srv, void *conf)
{
    (void)srv;
    (void)conf;
    ap_outputs_reopen(&running);
}

const struct ap_server_component ap_component_outputs = {
    "outputs", outputs_keywords, sizeof(struct outputs_conf),
    outputs_start, outputs_stop, outputs_reload,
};
