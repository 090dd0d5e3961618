/*
 * Server component "metrics": Prometheus text on GET /metrics and a
 * liveness answer on GET /healthz ("{}", like hpfeeds3's exporter), with
 * libevent's evhttp on the main loop.  Bound to loopback by default:
 * metrics name idents and channels.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "ap/buf.h"
#include "ap/conf.h"
#include "ap/err.h"
#include "ap/log.h"
#include "ap/metrics.h"
#include "ap/net.h"
#include "server.h"
#include "ap/common.h"

/* A scrape of every series of every family; generous but capped. */
#define METRICS_MAX (64u * 1024u * 1024u)

struct metrics_conf {
    struct ap_strlist listen;
};

static const struct ap_conf_kw metrics_keywords[] = {
    {"listen", AP_CONF_LIST, offsetof(struct metrics_conf, listen), NULL, 0, 0,
     NULL,
     "address for GET /metrics and /healthz (repeatable; default"
     " 127.0.0.1:9431)"},
    {NULL, 0, 0, NULL, 0, 0, NULL, NULL},
};

static struct evhttp *http;

static void
on_request(struct evhttp_request *req, void *arg)
{
    const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);
    struct evbuffer *out;
    struct ap_buf b;

    (void)arg;
    if (evhttp_request_get_command(req) != EVHTTP_REQ_GET &&
        evhttp_request_get_command(req) != EVHTTP_REQ_HEAD) {
        evhttp_send_error(req, 405, "Method Not Allowed");
        return;
    }
    if (path && strcmp(path, "/healthz") == 0) {
        out = evbuffer_new();
        evbuffer_add(out, "{}", 2);
        evhttp_add_header(h, "Content-Type", "application/json");
        evhttp_send_reply(req, 200, "OK", out);
        evbuffer_free(out);
        return;
    }
    if (path == NULL || strcmp(path, "/metrics") != 0) {
        evhttp_send_error(req, 404, "Not Found");
        return;
    }
    ap_buf_init(&b, METRICS_MAX);
    if (ap_metrics_render(&b) != 0) {
        ap_buf_release(&b);
        evhttp_send_error(req, 500, "Internal Server Error");
        return;
    }
    out = evbuffer_new();
    evbuffer_add(out, ap_buf_data(&b), ap_buf_len(&b));
    evhttp_add_header(h, "Content-Type", "text/plain; version=0.0.4");
    evhttp_send_reply(req, 200, "OK", out);
    evbuffer_free(out);
    ap_buf_release(&b);
}

static int
metrics_start(struct ap_server *srv, void *conf, char *err, size_t errlen)
{
    struct metrics_conf *cf = conf;
    struct ap_addr a;
    size_t i;
    int fd, port, dflt = cf->listen.n == 0;

    if (dflt && ap_strlist_add(&cf->listen, "127.0.0.1:9431") != 0)
        return AP_ENOMEM;
    if ((http = evhttp_new(srv->base)) == NULL)
        return AP_ENOMEM;
    evhttp_set_gencb(http, on_request, NULL);
    evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
    evhttp_set_timeout(http, 30);
    for (i = 0; i < cf->listen.n; i++) {
        if (ap_addr_parse(cf->listen.v[i], 9431, &a) != 0) {
            snprintf(err, errlen, "listen %s: bad address", cf->listen.v[i]);
            return AP_ECONF;
        }
        if (ap_listen_tcp(&a, &fd) != 0) {
            /* The default port may be taken by another instance (tests
             * running side by side): metrics are not worth failing the
             * server for unless they were asked for explicitly. */
            if (dflt) {
                ap_log_warn("metrics: listen %s: %s (metrics disabled)",
                            cf->listen.v[i], strerror(errno));
                return 0;
            }
            snprintf(err, errlen, "listen %s: %s", cf->listen.v[i],
                     strerror(errno));
            return AP_EIO;
        }
        if (evhttp_accept_socket(http, fd) != 0) {
            close(fd);
            snprintf(err, errlen, "listen %s: cannot accept", cf->listen.v[i]);
            return AP_EIO;
        }
        port = ap_sock_port(fd);
        ap_server_note_port(srv, "metrics", port);
        ap_log_info("metrics: http://%s/metrics (port %d)", cf->listen.v[i],
                    port);
    }
    return 0;
}

static void
metrics_stop(struct ap_server *srv, void *conf)
{
    (void)srv;
    (void)conf;
    if (http)
        evhttp_free(http);
    http = NULL;
    /* The registry stays: components stopped later still update their
     * series, and it is reachable memory, not a leak. */
}

const struct ap_server_component ap_component_metrics = {
    "metrics", metrics_keywords, sizeof(struct metrics_conf),
    metrics_start, metrics_stop, NULL,
};
