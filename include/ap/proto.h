/*
 * How a sensor protocol module plugs in (STYLE.md 3.3): one const struct of
 * function pointers, listed in the static table in sensor/registry.c.  The
 * sensor core owns sockets, accept, budgets (bytes, time, errors, per-source
 * limits), timeouts, privilege drop and event emission; a module only
 * parses and answers.
 *
 * The input contract (dionaea's consumed-bytes, picohttpparser's form):
 *   > 0  bytes consumed; the core drops them and calls again if any remain
 *   = 0  need more input; the core keeps the bytes, up to max_frame, then
 *        records an "error" event and closes
 *   < 0  AP_E* error: the core records an "error" event, counts it against
 *        the session's error budget and closes
 */
#ifndef AP_PROTO_H
#define AP_PROTO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "ap/conf.h"
#include "ap/event.h"

struct event_base;
struct ap_session; /* opaque: peer, arena, output, emit */

enum ap_proto_transport {
    AP_PROTO_TCP = 0,
    AP_PROTO_UDP = 1, /* each datagram is one input() call on a short session */
};

struct ap_proto {
    const char *name;          /* "tcp", "ssh": config section, honeypot name */
    uint16_t default_port;
    enum ap_proto_transport transport;
    size_t max_frame;          /* core never buffers more unconsumed input */
    size_t state_size;         /* zeroed per session, from the arena */
    size_t conf_size;          /* zeroed, then defaults from keywords */
    const struct ap_conf_kw *keywords; /* NULL-terminated; may be NULL */

    /* Once per module after config is read, before privileges are dropped
     * (load host keys, open files).  May be NULL. */
    int (*init)(void *conf, char *err, size_t errlen);
    /* Once per module after its ports are bound and before the privilege
     * drop and the first session, given state_dir (make or load keys: a
     * first connection must not wait for them).  May be NULL. */
    int (*ready)(void *conf, const char *state_dir, char *err, size_t errlen);
    /* A new session: send a banner, set up state.  May be NULL. */
    int (*start)(struct ap_session *s);
    ssize_t (*input)(struct ap_session *s, const uint8_t *p, size_t len);
    /* The idle timer fired; the core closes after it returns.  May be NULL. */
    void (*timeout)(struct ap_session *s);
    /* The session is ending (peer closed, budget, error).  Only for modules
     * holding resources outside the arena (fds, libssh).  May be NULL. */
    void (*close)(struct ap_session *s);

    /* A command that attacks this module from the same machine, shown by
     * `apiary demo`; "{port}" is replaced by the bound port.  May be
     * NULL (then: nc 127.0.0.1 PORT). */
    const char *try_it;
};

/* --- what a module may call on its session ---------------------------- */

/* Per-session state (state_size bytes, zeroed) and the module's config. */
void *ap_session_state(struct ap_session *s);
const void *ap_session_conf(struct ap_session *s);
/* Memory freed when the session ends. NULL on ENOMEM. */
void *ap_session_alloc(struct ap_session *s, size_t n);

/* Queue bytes to the peer. Counted against the byte budget. */
int ap_session_write(struct ap_session *s, const void *p, size_t n);
/* Close after queued output is flushed. */
void ap_session_close(struct ap_session *s);
/* Re-arm the idle timer (seconds). */
void ap_session_set_timeout(struct ap_session *s, unsigned secs);

/* A new event of type t with sensor, honeypot, session, addresses,
 * transport and protocol already set.  Returns owned. */
json_t *ap_session_event(struct ap_session *s, enum ap_event_type t);
/* Emit (spool, then deliver).  Takes ev; always consumes it. */
int ap_session_emit(struct ap_session *s, json_t *ev);

/* Peer and local address as text, ports. */
const char *ap_session_peer_ip(const struct ap_session *s);
int ap_session_peer_port(const struct ap_session *s);
const char *ap_session_local_ip(const struct ap_session *s);
int ap_session_local_port(const struct ap_session *s);
/* The session id carried by every event of this session. */
const char *ap_session_id(const struct ap_session *s);
/* The loop, for modules that must watch extra fds (libssh). */
struct event_base *ap_session_base(struct ap_session *s);

/* Record a non-fatal protocol error as an "error" event (reason is
 * escaped) and count it against the session's error budget (max_errors).
 * Returns 0, or AP_ETOOBIG once the budget is spent (the session is then
 * closing). */
int ap_session_error(struct ap_session *s, const char *reason);
/* The sensor's state directory (state_dir): host keys, captured files.
 * Created at start-up and writable after the privilege drop. */
const char *ap_session_state_dir(const struct ap_session *s);
/* When the sensor fetches downloads (fetch_downloads), fetch url in the
 * background and emit ev -- a download event of this session -- with the
 * file's sha256, size and bytes once it arrives, even if the session has
 * ended by then.  Takes ev.  AP_ENOENT (ev freed) when fetching is off. */
int ap_session_fetch(struct ap_session *s, const char *url, json_t *ev);
/* files_max_size: upload/download/ttylog events carry the file itself
 * (content_b64) when it is at most this many bytes (docs/EVENTS.md). */
size_t ap_session_files_max(const struct ap_session *s);

#endif
