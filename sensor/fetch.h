/*
 * Fetching what attackers download (`fetch_downloads yes`; off by
 * default): the URL a shell's wget/curl/tftp/ftpget names is fetched in
 * the background with libcurl, bounded in size, time and concurrency,
 * stored once by SHA-256 under state_dir/files, and reported as a second
 * `download` event carrying sha256, size and (up to files_max_size) the
 * bytes in content_b64.
 *
 * The fetch runs on one worker thread (libcurl's multi interface); the
 * events are built and emitted on the sensor's loop only.  Only public
 * addresses are reached unless fetch_allow lists more, so an attacker
 * cannot turn the honeypot into a probe of the network it sits in.
 */
#ifndef AP_SENSOR_FETCH_H
#define AP_SENSOR_FETCH_H

#include <stddef.h>

#include <jansson.h>

#include "ap/cidr.h"

struct event_base;
struct ap_fetcher;

/* Fetches waiting for a free slot; more are refused and counted. */
#define AP_FETCH_QUEUE_MAX 256u

struct ap_fetch_conf {
    size_t max_size;          /* larger files are abandoned */
    long long timeout;        /* seconds per fetch, redirects included */
    long long max_active;     /* fetches running at once */
    const struct ap_cidr_list *allow; /* reachable although not public */
    const char *user_agent;
    const char *state_dir;    /* files go to state_dir/files/SHA256 */
    size_t content_max;       /* files_max_size: bytes carried in the
                               * event; larger files stay in state_dir */
};

/* Called on the loop for each finished fetch with the event passed to
 * ap_fetcher_submit, completed; takes ev. */
typedef void (*ap_fetch_emit_fn)(void *ctx, json_t *ev);

int ap_fetcher_new(struct event_base *base, const struct ap_fetch_conf *conf,
                   ap_fetch_emit_fn emit, void *ctx, struct ap_fetcher **out,
                   char *err, size_t errlen);
/* Queue url; ev (a download event) is emitted with the file's hash once it
 * arrives, or freed if the fetch fails.  Takes ev in every case. */
int ap_fetcher_submit(struct ap_fetcher *f, const char *url, json_t *ev);
/* Counters for the heartbeat and logs. */
void ap_fetcher_stats(struct ap_fetcher *f, unsigned long long *ok,
                      unsigned long long *failed, unsigned long long *refused);
/* Stops the worker; fetches still running are abandoned. */
void ap_fetcher_free(struct ap_fetcher *f);

/* Is the numeric address one the fetcher may connect to?  Public
 * addresses yes; loopback, private, link-local, CGNAT, multicast and
 * reserved ranges only when allow lists them.  Pure. */
int ap_fetch_addr_allowed(const char *ip, const struct ap_cidr_list *allow);

#endif
