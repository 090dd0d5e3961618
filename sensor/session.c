/*
 * Sessions: the core side of include/ap/proto.h.  The core owns the fd,
 * reads into a capped input buffer, calls the module's input() with the
 * consumed / need-more / error contract, enforces the byte, time, error
 * and frame budgets, and emits connect/disconnect for every session.
 * Module calls never free the session: ap_session_close only marks it,
 * and the core ends it after the callback returns (no use-after-free from
 * a module closing inside input()).
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "ap/arena.h"
#include "ap/buf.h"
#include "ap/err.h"
#include "ap/event.h"
#include "ap/limits.h"
#include "ap/log.h"
#include "ap/net.h"
#include "ap/util.h"
#include "fetch.h"
#include "mhn_compat.h"
#include "sensor.h"
#include "srclimit.h"
#include "ap/common.h"

/* One read() at most; the input buffer holds max_frame plus this. */
#define SESSION_READ 16384u
/* Output queued but not yet sent, beyond which the peer is too slow. */
#define SESSION_OUT_MAX (1024u * 1024u)
/* How long a closing session may take to flush its output. */
#define SESSION_FLUSH_SECS 10
/* Session-lifetime memory (state, module allocations). */
#define SESSION_ARENA_MAX (4u * 1024u * 1024u)

struct ap_session {
    struct ap_session *next, *prev;
    struct ap_sensor *sn;
    struct ap_module *mod;
    const struct ap_proto *proto;
    struct ap_arena arena;
    void *state;
    int rfd, wfd;
    int udp, stdio;
    struct ap_listener *ul; /* UDP: the socket replies go out on */
    struct sockaddr_storage peer;
    socklen_t peerlen;
    struct event *rev, *wev, *tev;
    struct ap_buf in, out;
    char id[AP_EVENT_ID_LEN + 1];
    char peer_ip[64], local_ip[64];
    int peer_port, local_port;
    uint8_t srcaddr[16];
    int src_held;
    int64_t start_mono, start_us;
    int64_t idle_deadline, life_deadline, flush_deadline;
    uint64_t bytes_in, bytes_out;
    long long errors;
    int closing, ended, eof;
    json_t *mhn; /* mhn_compat: this session's cowrie.sessions message */
};

/* --- module API (include/ap/proto.h) ---------------------------------- */

void *
ap_session_state(struct ap_session *s)
{
    return s->state;
}

const void *
ap_session_conf(struct ap_session *s)
{
    return s->mod->conf;
}

void *
ap_session_alloc(struct ap_session *s, size_t n)
{
    return ap_arena_alloc(&s->arena, n);
}

const char *
ap_session_peer_ip(const struct ap_session *s)
{
    return s->peer_ip;
}

int
ap_session_peer_port(const struct ap_session *s)
{
    return s->peer_port;
}

const char *
ap_session_local_ip(const struct ap_session *s)
{
    return s->local_ip;
}

int
ap_session_local_port(const struct ap_session *s)
{
    return s->local_port;
}

const char *
ap_session_id(const struct ap_session *s)
{
    return s->id;
}

struct event_base *
ap_session_base(struct ap_session *s)
{
    return s->sn->base;
}

const char *
ap_session_state_dir(const struct ap_session *s)
{
    return s->sn->conf.state_dir;
}

int
ap_session_fetch(struct ap_session *s, const char *url, json_t *ev)
{
    if (s->sn->fetcher == NULL) {
        json_decref(ev);
        return AP_ENOENT;
    }
    return ap_fetcher_submit(s->sn->fetcher, url, ev);
}

size_t
ap_session_files_max(const struct ap_session *s)
{
    return s->sn->conf.files_max_size;
}

static void session_arm_timer(struct ap_session *s);

void
ap_session_close(struct ap_session *s)
{
    if (s->closing)
        return;
    s->closing = 1;
    s->flush_deadline = ap_mono_us() + SESSION_FLUSH_SECS * 1000000LL;
    if (s->rev)
        event_del(s->rev);
    if (s->tev)
        session_arm_timer(s);
    if (s->wev && ap_buf_len(&s->out) > 0)
        event_add(s->wev, NULL);
    else if (s->tev)
        event_active(s->tev, EV_TIMEOUT, 0); /* end on the next turn */
}

void
ap_session_set_timeout(struct ap_session *s, unsigned secs)
{
    s->idle_deadline = ap_mono_us() + (int64_t)secs * 1000000LL;
    if (s->tev)
        session_arm_timer(s);
}

json_t *
ap_session_event(struct ap_session *s, enum ap_event_type t)
{
    json_t *ev, *tags;
    size_t i;

    if ((ev = ap_event_new(t, s->sn->ident, s->proto->name, 0)) == NULL)
        return NULL;
    if (ap_event_set_str(ev, "session", s->id) != 0 ||
        ap_event_set_addr(ev, s->peer_ip, s->peer_ip[0] ? s->peer_port : -1,
                          s->local_ip,
                          s->local_ip[0] ? s->local_port : -1) != 0 ||
        ap_event_set_str(ev, "transport", s->udp ? "udp" : "tcp") != 0 ||
        ap_event_set_str(ev, "protocol", s->proto->name) != 0)
        goto fail;
    if (s->sn->conf.tags.n > 0) {
        if ((tags = json_array()) == NULL ||
            json_object_set_new(ev, "tags", tags) != 0)
            goto fail;
        for (i = 0; i < s->sn->conf.tags.n; i++)
            if (json_array_append_new(tags,
                                      json_string(s->sn->conf.tags.v[i])) != 0)
                goto fail;
    }
    return ev;
fail:
    json_decref(ev);
    return NULL;
}

int
ap_session_emit(struct ap_session *s, json_t *ev)
{
    if (s->mhn != NULL)
        mhn_compat_observe(s->mhn, ev);
    return ap_sensor_emit(s->sn, ev);
}

/* Record a protocol error as an event (the malformed input is the data)
 * and count it against the error budget. */
int
ap_session_error(struct ap_session *s, const char *reason)
{
    json_t *ev = ap_session_event(s, AP_EV_ERROR);

    if (ev != NULL) {
        if (ap_event_set_bytes(ev, "reason", reason, strlen(reason)) == 0)
            ap_session_emit(s, ev);
        else
            json_decref(ev);
    }
    if (++s->errors >= s->mod->common->max_errors) {
        ap_session_close(s);
        return AP_ETOOBIG;
    }
    return 0;
}

/* A budget ran out: record why and close. */
static void
session_fail(struct ap_session *s, const char *reason)
{
    if (s->closing)
        return;
    ap_session_error(s, reason);
    ap_session_close(s);
}

static int
over_byte_budget(const struct ap_session *s)
{
    return s->bytes_in + s->bytes_out > s->mod->common->max_bytes;
}

int
ap_session_write(struct ap_session *s, const void *p, size_t n)
{
    int r;

    if (s->ended || (s->closing && s->eof))
        return AP_ECLOSED;
    if (n == 0)
        return 0;
    s->bytes_out += n;
    if (over_byte_budget(s)) {
        session_fail(s, "session byte budget exceeded");
        return AP_ETOOBIG;
    }
    if (s->udp) {
        /* One write is one datagram, as the module built it. */
        if (sendto(s->ul->fd, p, n, MSG_DONTWAIT, (struct sockaddr *)&s->peer,
                   s->peerlen) < 0)
            return AP_EIO;
        return 0;
    }
    if ((r = ap_buf_append(&s->out, p, n)) != 0) {
        session_fail(s, "peer does not read its output");
        return r;
    }
    if (s->wev)
        event_add(s->wev, NULL);
    return 0;
}

/* --- lifecycle ---------------------------------------------------------- */

static void
emit_simple(struct ap_session *s, enum ap_event_type t)
{
    json_t *ev = ap_session_event(s, t);
    double dur;

    if (ev == NULL)
        return;
    if (t == AP_EV_DISCONNECT) {
        dur = (double)(ap_mono_us() - s->start_mono) / 1e6;
        if (ap_event_set_real(ev, "duration", dur) != 0 ||
            ap_event_set_int(ev, "bytes_in", (long long)s->bytes_in) != 0 ||
            ap_event_set_int(ev, "bytes_out", (long long)s->bytes_out) != 0) {
            json_decref(ev);
            return;
        }
    }
    ap_session_emit(s, ev);
}

/* mhn_compat: the session's cowrie.sessions message, once it is over
 * (cowrie publishes on cowrie.session.closed). */
static void
publish_mhn(struct ap_session *s)
{
    char ts[40];

    if (s->mhn == NULL)
        return;
    ap_format_time_us(ap_now_us(), ts, sizeof(ts));
    ap_sensor_publish(s->sn, MHN_COMPAT_CHANNEL,
                      mhn_compat_finish(s->mhn, ts));
    json_decref(s->mhn);
    s->mhn = NULL;
}

static void
session_end(struct ap_session *s)
{
    struct ap_sensor *sn = s->sn;

    if (s->ended)
        return;
    s->ended = 1;
    if (s->proto->close)
        s->proto->close(s);
    publish_mhn(s);
    emit_simple(s, AP_EV_DISCONNECT);
    if (s->rev)
        event_free(s->rev);
    if (s->wev)
        event_free(s->wev);
    if (s->tev)
        event_free(s->tev);
    if (!s->stdio && !s->udp) {
        close(s->rfd);
    }
    if (s->src_held && sn->src)
        ap_srclimit_release(sn->src, s->srcaddr);
    if (s->prev)
        s->prev->next = s->next;
    else if (sn->sessions == s)
        sn->sessions = s->next;
    if (s->next)
        s->next->prev = s->prev;
    sn->nsessions--;
    s->mod->nsessions--;
    if (s->stdio)
        event_base_loopbreak(sn->base);
    ap_arena_release(&s->arena);
    ap_buf_release(&s->in);
    ap_buf_release(&s->out);
    free(s->state);
    free(s);
}

/* End the session if it is closing and has nothing left to send. */
static void
session_settle(struct ap_session *s)
{
    if (s->closing && (ap_buf_len(&s->out) == 0 || s->eof))
        session_end(s);
}

static void
session_arm_timer(struct ap_session *s)
{
    int64_t now = ap_mono_us(), at = s->life_deadline, d;
    struct timeval tv;

    if (s->closing)
        at = s->flush_deadline;
    else if (s->idle_deadline < at)
        at = s->idle_deadline;
    d = at > now ? at - now : 0;
    tv.tv_sec = (time_t)(d / 1000000);
    tv.tv_usec = (suseconds_t)(d % 1000000);
    event_add(s->tev, &tv);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
    struct ap_session *s = arg;
    int64_t now = ap_mono_us();

    (void)fd;
    (void)what;
    if (s->closing) {
        if (ap_buf_len(&s->out) == 0 || now >= s->flush_deadline)
            session_end(s);
        else
            session_arm_timer(s);
        return;
    }
    if (now >= s->life_deadline) {
        session_fail(s, "session time budget exceeded");
    } else if (now >= s->idle_deadline) {
        if (s->proto->timeout)
            s->proto->timeout(s);
        ap_session_close(s);
    } else {
        session_arm_timer(s); /* activity moved the deadline */
        return;
    }
    session_settle(s);
}

/* Hand buffered input to the module until it needs more or closes. */
static void
session_feed(struct ap_session *s)
{
    ssize_t r;
    char why[96];

    while (ap_buf_len(&s->in) > 0 && !s->closing) {
        r = s->proto->input(s, ap_buf_data(&s->in), ap_buf_len(&s->in));
        if (r < 0) {
            snprintf(why, sizeof(why), "protocol error: %s",
                     ap_strerror((int)r));
            session_fail(s, why);
            return;
        }
        if (r == 0)
            break;
        ap_buf_consume(&s->in, (size_t)r);
    }
    if (!s->closing && ap_buf_len(&s->in) > s->proto->max_frame)
        session_fail(s, "frame larger than the module's max_frame");
}

static void
on_read(evutil_socket_t fd, short what, void *arg)
{
    struct ap_session *s = arg;
    uint8_t *w;
    ssize_t n;

    (void)what;
    if (ap_buf_reserve(&s->in, SESSION_READ, &w) != 0) {
        session_fail(s, "out of input buffer");
        session_settle(s);
        return;
    }
    n = read(fd, w, SESSION_READ);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
            return;
        s->eof = 1; /* reset: nothing more can be sent either */
        ap_session_close(s);
        session_settle(s);
        return;
    }
    if (n == 0) {
        /* The peer finished sending; let the module flush its answer. */
        ap_session_close(s);
        session_settle(s);
        return;
    }
    ap_buf_commit(&s->in, (size_t)n);
    s->bytes_in += (uint64_t)n;
    s->idle_deadline =
        ap_mono_us() + s->mod->common->idle_timeout * 1000000LL;
    if (over_byte_budget(s)) {
        /* Let the module see what arrived within budget first. */
        session_feed(s);
        session_fail(s, "session byte budget exceeded");
    } else {
        session_feed(s);
    }
    /* Idle sessions wait between keystrokes by the thousand: do not keep
     * a SESSION_READ buffer for each (16 KiB of RSS per session). */
    if (ap_buf_len(&s->in) == 0)
        ap_buf_release(&s->in);
    session_settle(s);
}

static void
on_write(evutil_socket_t fd, short what, void *arg)
{
    struct ap_session *s = arg;
    ssize_t n;

    (void)what;
    while (ap_buf_len(&s->out) > 0) {
        n = write(fd, ap_buf_data(&s->out), ap_buf_len(&s->out));
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return; /* stays armed (EV_PERSIST) */
            if (errno == EINTR)
                continue;
            s->eof = 1;
            ap_buf_reset(&s->out);
            ap_session_close(s);
            break;
        }
        ap_buf_consume(&s->out, (size_t)n);
    }
    event_del(s->wev);
    session_settle(s);
}

static struct ap_session *
session_new(struct ap_module *mod)
{
    struct ap_sensor *sn = mod->sn;
    struct ap_session *s = calloc(1, sizeof(*s));
    int64_t now;

    if (s == NULL)
        return NULL;
    s->sn = sn;
    s->mod = mod;
    s->proto = mod->proto;
    s->rfd = s->wfd = -1;
    ap_arena_init(&s->arena, SESSION_ARENA_MAX);
    ap_buf_init(&s->in, s->proto->max_frame + SESSION_READ);
    ap_buf_init(&s->out, SESSION_OUT_MAX);
    /* The state on its own, not in the arena: the arena's first block is
     * 4 KiB, and most sessions (scanners) never allocate anything else,
     * so this is ~3 KiB less per idle session (docs/PERFORMANCE.md). */
    if (s->proto->state_size &&
        (s->state = calloc(1, s->proto->state_size)) == NULL) {
        free(s);
        return NULL;
    }
    now = ap_mono_us();
    s->start_mono = now;
    s->start_us = ap_now_us();
    s->idle_deadline = now + mod->common->idle_timeout * 1000000LL;
    s->life_deadline = now + mod->common->max_secs * 1000000LL;
    ap_event_id_new(s->id, s->start_us);
    /* only the shells cowrie emulates have a cowrie.sessions form */
    if (sn->conf.mhn_compat && (strcmp(s->proto->name, "ssh") == 0 ||
                                strcmp(s->proto->name, "telnet") == 0))
        s->mhn = mhn_compat_new(); /* NULL (ENOMEM): just not published */
    s->next = sn->sessions;
    if (sn->sessions)
        sn->sessions->prev = s;
    sn->sessions = s;
    sn->nsessions++;
    mod->nsessions++;
    mod->sessions_total++;
    sn->m.sessions++;
    return s;
}

static void
addr_key(const struct sockaddr *sa, uint8_t out[16])
{
    memset(out, 0, 16);
    if (sa->sa_family == AF_INET) {
        out[10] = out[11] = 0xff;
        memcpy(out + 12, &((const struct sockaddr_in *)(const void *)sa)
                              ->sin_addr, 4);
    } else if (sa->sa_family == AF_INET6) {
        memcpy(out,
               &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
    }
}

static void
fill_addrs(struct ap_session *s, int fd, const struct sockaddr *peer)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);

    if (peer != NULL) {
        ap_addr_ip(peer, s->peer_ip, sizeof(s->peer_ip));
        s->peer_port = ap_addr_port(peer);
        addr_key(peer, s->srcaddr);
    }
    if (fd >= 0 && getsockname(fd, (struct sockaddr *)&ss, &sl) == 0 &&
        (ss.ss_family == AF_INET || ss.ss_family == AF_INET6)) {
        ap_addr_ip((struct sockaddr *)&ss, s->local_ip, sizeof(s->local_ip));
        s->local_port = ap_addr_port((struct sockaddr *)&ss);
    }
}

/* Common start: connect event, module start, first settle. */
static void
session_start(struct ap_session *s)
{
    int r;

    emit_simple(s, AP_EV_CONNECT);
    if (s->proto->start && (r = s->proto->start(s)) < 0) {
        char why[96];
        snprintf(why, sizeof(why), "module start failed: %s", ap_strerror(r));
        session_fail(s, why);
    }
}

int
ap_session_accept(struct ap_module *mod, int fd, const struct sockaddr *peer,
                  socklen_t peerlen)
{
    struct ap_sensor *sn = mod->sn;
    struct ap_session *s;
    uint8_t key[16];
    enum ap_src_verdict v;

    if (sn->nsessions >= (unsigned long)sn->conf.max_sessions ||
        mod->nsessions >= (unsigned long)mod->common->max_sessions) {
        sn->m.refused_limit++;
        mod->refused++;
        close(fd);
        return AP_EFULL;
    }
    addr_key(peer, key);
    if (sn->src && (v = ap_srclimit_acquire(sn->src, key, ap_mono_us())) !=
                       AP_SRC_OK) {
        if (v == AP_SRC_TOO_FAST)
            sn->m.refused_rate++;
        else
            sn->m.refused_limit++;
        mod->refused++;
        close(fd);
        return AP_EAGAIN;
    }
    if ((s = session_new(mod)) == NULL) {
        if (sn->src)
            ap_srclimit_release(sn->src, key);
        close(fd);
        return AP_ENOMEM;
    }
    s->src_held = sn->src != NULL;
    s->rfd = s->wfd = fd;
    memcpy(&s->peer, peer, peerlen < sizeof(s->peer) ? peerlen
                                                     : sizeof(s->peer));
    s->peerlen = peerlen;
    fill_addrs(s, fd, peer);
    s->rev = event_new(sn->base, fd, EV_READ | EV_PERSIST, on_read, s);
    s->wev = event_new(sn->base, fd, EV_WRITE | EV_PERSIST, on_write, s);
    s->tev = evtimer_new(sn->base, on_timer, s);
    if (!s->rev || !s->wev || !s->tev || event_add(s->rev, NULL) != 0) {
        session_end(s);
        return AP_ENOMEM;
    }
    session_arm_timer(s);
    session_start(s);
    session_settle(s);
    return 0;
}

void
ap_session_datagram(struct ap_listener *l, const uint8_t *p, size_t n,
                    const struct sockaddr *peer, socklen_t peerlen)
{
    struct ap_module *mod = l->mod;
    struct ap_sensor *sn = mod->sn;
    struct ap_session *s;
    uint8_t key[16];
    ssize_t r;

    addr_key(peer, key);
    if (sn->src && ap_srclimit_acquire(sn->src, key, ap_mono_us()) !=
                       AP_SRC_OK) {
        sn->m.refused_rate++;
        mod->refused++;
        return;
    }
    if ((s = session_new(mod)) == NULL) {
        if (sn->src)
            ap_srclimit_release(sn->src, key);
        return;
    }
    s->src_held = sn->src != NULL;
    s->udp = 1;
    s->ul = l;
    memcpy(&s->peer, peer, peerlen < sizeof(s->peer) ? peerlen
                                                     : sizeof(s->peer));
    s->peerlen = peerlen;
    fill_addrs(s, l->fd, peer);
    s->bytes_in = n;
    session_start(s);
    if (!s->closing) {
        if (n > s->proto->max_frame) {
            session_fail(s, "datagram larger than the module's max_frame");
        } else if ((r = s->proto->input(s, p, n)) < 0) {
            char why[96];
            snprintf(why, sizeof(why), "protocol error: %s",
                     ap_strerror((int)r));
            session_fail(s, why);
        }
    }
    session_end(s);
}

int
ap_session_stdio(struct ap_module *mod, int rfd, int wfd)
{
    struct ap_sensor *sn = mod->sn;
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    struct ap_session *s;

    if ((s = session_new(mod)) == NULL)
        return AP_ENOMEM;
    s->stdio = 1;
    s->rfd = rfd;
    s->wfd = wfd;
    /* inetd-style: stdin may be a socket with a real peer. */
    if (getpeername(rfd, (struct sockaddr *)&ss, &sl) == 0 &&
        (ss.ss_family == AF_INET || ss.ss_family == AF_INET6))
        fill_addrs(s, rfd, (struct sockaddr *)&ss);
    fcntl(rfd, F_SETFL, fcntl(rfd, F_GETFL) | O_NONBLOCK);
    fcntl(wfd, F_SETFL, fcntl(wfd, F_GETFL) | O_NONBLOCK);
    s->rev = event_new(sn->base, rfd, EV_READ | EV_PERSIST, on_read, s);
    s->wev = event_new(sn->base, wfd, EV_WRITE | EV_PERSIST, on_write, s);
    s->tev = evtimer_new(sn->base, on_timer, s);
    if (!s->rev || !s->wev || !s->tev || event_add(s->rev, NULL) != 0) {
        session_end(s);
        return AP_ENOMEM;
    }
    session_arm_timer(s);
    session_start(s);
    session_settle(s);
    return 0;
}

void
ap_session_close_all(struct ap_sensor *sn)
{
    while (sn->sessions != NULL)
        session_end(sn->sessions);
}
