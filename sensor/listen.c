/*
 * Listening sockets for every enabled module: any number per module
 * (the common "listen" keyword), TCP or UDP as the module declares.  All
 * are bound before privileges are dropped.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "ap/buf.h"
#include "ap/err.h"
#include "ap/log.h"
#include "ap/net.h"
#include "ap/util.h"
#include "sensor.h"
#include "ap/common.h"

/* Accept at most this many per wake-up, so one busy port cannot starve
 * the others or the delivery path. */
#define ACCEPT_BURST 64
#define UDP_MAX 65536

static void
on_accept(evutil_socket_t fd, short what, void *arg)
{
    struct ap_listener *l = arg;
    struct sockaddr_storage ss;
    socklen_t sl;
    int c, i;

    (void)what;
    for (i = 0; i < ACCEPT_BURST; i++) {
        sl = sizeof(ss);
        c = accept4(fd, (struct sockaddr *)&ss, &sl,
                    SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (c < 0) {
            if (errno == EMFILE || errno == ENFILE)
                ap_log_warn("accept on %s: %s", l->spec, strerror(errno));
            return;
        }
        ap_session_accept(l->mod, c, (struct sockaddr *)&ss, sl);
    }
}

static void
on_datagram(evutil_socket_t fd, short what, void *arg)
{
    static uint8_t buf[UDP_MAX];
    struct ap_listener *l = arg;
    struct sockaddr_storage ss;
    socklen_t sl;
    ssize_t n;
    int i;

    (void)what;
    for (i = 0; i < ACCEPT_BURST; i++) {
        sl = sizeof(ss);
        n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
                     (struct sockaddr *)&ss, &sl);
        if (n < 0)
            return;
        ap_session_datagram(l, buf, (size_t)n, (struct sockaddr *)&ss, sl);
    }
}

static int
bind_one(struct ap_module *m, const char *spec, char *err, size_t errlen)
{
    struct ap_listener *l, *nl;
    struct ap_addr a;
    int fd, r, udp = m->proto->transport == AP_PROTO_UDP;

    if (ap_addr_parse(spec, m->proto->default_port, &a) != 0) {
        snprintf(err, errlen, "[%s] listen %s: bad address", m->proto->name,
                 spec);
        return AP_ECONF;
    }
    r = udp ? ap_listen_udp(&a, &fd) : ap_listen_tcp(&a, &fd);
    if (r != 0) {
        snprintf(err, errlen, "[%s] listen %s: %s", m->proto->name, spec,
                 strerror(errno));
        return AP_EIO;
    }
    if ((nl = realloc(m->ls, (m->nls + 1) * sizeof(*nl))) == NULL) {
        close(fd);
        return AP_ENOMEM;
    }
    m->ls = nl;
    l = &m->ls[m->nls++];
    memset(l, 0, sizeof(*l));
    l->sn = m->sn;
    l->mod = m;
    l->fd = fd;
    l->udp = udp;
    l->port = ap_sock_port(fd);
    snprintf(l->spec, sizeof(l->spec), "%s", spec);
    ap_log_info("%s: listening on %s (%s port %d)", m->proto->name, spec,
                udp ? "udp" : "tcp", l->port);
    return 0;
}

int
ap_sensor_listen(struct ap_sensor *sn, char *err, size_t errlen)
{
    size_t i, k;
    int r;

    for (i = 0; i < sn->nmods; i++) {
        struct ap_module *m = &sn->mods[i];
        if (!m->enabled)
            continue;
        for (k = 0; k < m->common->listen.n; k++)
            if ((r = bind_one(m, m->common->listen.v[k], err, errlen)) != 0)
                return r;
    }
    return 0;
}

int
ap_sensor_listen_start(struct ap_sensor *sn)
{
    size_t i, k;

    for (i = 0; i < sn->nmods; i++)
        for (k = 0; k < sn->mods[i].nls; k++) {
            struct ap_listener *l = &sn->mods[i].ls[k];
            /* Event pointers are taken after every realloc of ls. */
            l->ev = event_new(sn->base, l->fd, EV_READ | EV_PERSIST,
                              l->udp ? on_datagram : on_accept, l);
            if (l->ev == NULL || event_add(l->ev, NULL) != 0)
                return AP_ENOMEM;
        }
    return 0;
}

void
ap_sensor_listen_close(struct ap_sensor *sn)
{
    size_t i, k;

    for (i = 0; i < sn->nmods; i++)
        for (k = 0; k < sn->mods[i].nls; k++) {
            struct ap_listener *l = &sn->mods[i].ls[k];
            if (l->ev)
                event_free(l->ev);
            l->ev = NULL;
            if (l->fd >= 0)
                close(l->fd);
            l->fd = -1;
        }
}

int
ap_sensor_write_ports(struct ap_sensor *sn, const char *path)
{
    struct ap_buf b;
    size_t i, k;
    int r = 0;

    ap_buf_init(&b, 64 * 1024);
    for (i = 0; i < sn->nmods && r == 0; i++)
        for (k = 0; k < sn->mods[i].nls && r == 0; k++)
            r = ap_buf_printf(&b, "%s %d\n", sn->mods[i].proto->name,
                              sn->mods[i].ls[k].port);
    if (r == 0)
        r = ap_write_file_atomic(path, ap_buf_data(&b), ap_buf_len(&b), 0644);
    ap_buf_release(&b);
    return r;
}
