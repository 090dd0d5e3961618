/*
 * One configured output ("[output NAME]" in the server config): every
 * canonical event is formatted on the caller's thread (pure, fast) and
 * pushed to a bounded queue; a worker thread owns the destination (file,
 * syslog over UDP/TCP/TLS, Splunk HEC, hpfeeds) and reconnects with
 * backoff.  A slow or dead destination only fills its own queue: the
 * producer never blocks, drops are counted.
 */
#ifndef AP_OUTPUT_H
#define AP_OUTPUT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ap/conf.h"

struct ap_output_conf {
    char *type;      /* file, syslog, splunk_hec, hpfeeds */
    char *format;    /* json, ecs, splunk, cef, cef_mhn */
    int enabled;
    char *path;      /* file */
    char *host;      /* syslog, hpfeeds */
    int port;        /* 0: 514 syslog, 10000 hpfeeds */
    char *protocol;  /* syslog: udp, tcp, tls */
    char *url;       /* splunk_hec */
    char *token;     /* splunk_hec */
    char *tls_ca;
    int tls_verify;
    char *tls_server_name;
    char *tls_cert, *tls_key;
    long long facility;
    char *hostname;  /* syslog HOSTNAME; default gethostname() */
    char *ident, *secret, *channel; /* hpfeeds */
    long long queue;     /* records */
    size_t queue_bytes;
    size_t max_message;  /* syslog over UDP */
    long long timeout;   /* seconds, connect and each write */
    long long reconnect_max; /* seconds, backoff cap */
    size_t batch_bytes;  /* splunk_hec: bytes per POST */
};

extern const struct ap_conf_kw ap_output_keywords[];

struct ap_output;

/* Check c, start the worker.  name borrows (copied).  On error writes a
 * message to err. */
int ap_output_new(const char *name, const struct ap_output_conf *c,
                  struct ap_output **out, char *err, size_t errlen);
/* Format ev and queue it; never blocks.  ev borrows.  0 or AP_EFULL /
 * AP_ETOOBIG (dropped, counted). */
int ap_output_submit(struct ap_output *o, const json_t *ev);
/* Reopen files / reconnect (SIGHUP).  Any thread. */
void ap_output_reopen(struct ap_output *o);

struct ap_output_stats {
    uint64_t queued, sent, dropped, errors, reconnects;
    size_t pending;
};
void ap_output_stats(struct ap_output *o, struct ap_output_stats *st);
const char *ap_output_name(const struct ap_output *o);

/* Stop: deliver what is queued for up to drain_ms, then end the worker
 * and free.  Logs the final counters. */
void ap_output_free(struct ap_output *o, int drain_ms);

#endif
