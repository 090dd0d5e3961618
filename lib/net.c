#include <sys/socket.h>
#include <sys/types.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ap/err.h"
#include "ap/net.h"
#include "ap/common.h"

static int
parse_port(const char *s, int *port)
{
    char *end;
    long v;

    if (*s == '\0')
        return AP_EINVAL;
    v = strtol(s, &end, 10);
    if (*end != '\0' || v < 0 || v > 65535)
        return AP_EINVAL;
    *port = (int)v;
    return 0;
}

int
ap_addr_parse(const char *spec, int default_port, struct ap_addr *out)
{
    char host[256];
    const char *colon, *portstr = NULL;
    struct sockaddr_in *in4 = (struct sockaddr_in *)&out->ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&out->ss;
    int port = default_port;
    size_t hl;

    memset(out, 0, sizeof(*out));
    if (spec[0] == '[') {
        const char *rb = strchr(spec, ']');
        if (rb == NULL || (size_t)(rb - spec - 1) >= sizeof(host))
            return AP_EINVAL;
        hl = (size_t)(rb - spec - 1);
        memcpy(host, spec + 1, hl);
        host[hl] = '\0';
        if (rb[1] == ':')
            portstr = rb + 2;
        else if (rb[1] != '\0')
            return AP_EINVAL;
    } else if ((colon = strrchr(spec, ':')) != NULL) {
        if (strchr(spec, ':') != colon) {
            /* bare IPv6 without brackets: no port */
            if (strlen(spec) >= sizeof(host))
                return AP_EINVAL;
            memcpy(host, spec, strlen(spec) + 1);
        } else {
            hl = (size_t)(colon - spec);
            if (hl >= sizeof(host))
                return AP_EINVAL;
            memcpy(host, spec, hl);
            host[hl] = '\0';
            portstr = colon + 1;
        }
    } else if (spec[0] >= '0' && spec[0] <= '9' && strchr(spec, '.') == NULL) {
        host[0] = '\0';
        portstr = spec;
    } else {
        if (strlen(spec) >= sizeof(host))
            return AP_EINVAL;
        memcpy(host, spec, strlen(spec) + 1);
    }
    if (portstr && parse_port(portstr, &port) != 0)
        return AP_EINVAL;
    if (port < 0)
        return AP_EINVAL;
    if (host[0] == '\0' || strcmp(host, "*") == 0 || strcmp(host, "::") == 0) {
        in6->sin6_family = AF_INET6;
        in6->sin6_addr = in6addr_any;
        in6->sin6_port = htons((uint16_t)port);
        out->len = sizeof(*in6);
        return 0;
    }
    if (strcmp(host, "localhost") == 0)
        memcpy(host, "127.0.0.1", sizeof("127.0.0.1"));
    if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t)port);
        out->len = sizeof(*in4);
        return 0;
    }
    if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        out->len = sizeof(*in6);
        return 0;
    }
    return AP_EINVAL;
}

void
ap_ip_unmap(char *ip)
{
    if (strncasecmp(ip, "::ffff:", 7) == 0 && strchr(ip + 7, '.') != NULL &&
        strchr(ip + 7, ':') == NULL)
        memmove(ip, ip + 7, strlen(ip + 7) + 1);
}

void
ap_addr_ip(const struct sockaddr *sa, char *buf, size_t len)
{
    if (len == 0)
        return;
    buf[0] = '\0';
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
                  buf, (socklen_t)len);
    else if (sa->sa_family == AF_INET6) {
        inet_ntop(AF_INET6,
                  &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
                  buf, (socklen_t)len);
        ap_ip_unmap(buf);
    }
}

int
ap_addr_port(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return ntohs(((const struct sockaddr_in *)(const void *)sa)->sin_port);
    if (sa->sa_family == AF_INET6)
        return ntohs(((const struct sockaddr_in6 *)(const void *)sa)->sin6_port);
    return -1;
}

void
ap_addr_format(const struct sockaddr *sa, char *buf, size_t len)
{
    char ip[64];

    ap_addr_ip(sa, ip, sizeof(ip));
    if (strchr(ip, ':'))
        snprintf(buf, len, "[%s]:%d", ip, ap_addr_port(sa));
    else
        snprintf(buf, len, "%s:%d", ip, ap_addr_port(sa));
}

static int
listen_common(const struct ap_addr *a, int type, int *fd_out)
{
    int fd, one = 1, zero = 0, saved;

    fd = socket(a->ss.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return AP_EIO;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (a->ss.ss_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const void *)&a->ss;
        /* The wildcard listens on both families; a specific v6 address
         * only on v6. */
        int v6only = IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr) ? 0 : 1;
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, v6only ? &one : &zero,
                   sizeof(int));
    }
    if (bind(fd, (const struct sockaddr *)&a->ss, a->len) != 0)
        goto fail;
    if (type == SOCK_STREAM && listen(fd, AP_LISTEN_BACKLOG) != 0)
        goto fail;
    *fd_out = fd;
    return 0;
fail:
    saved = errno;
    close(fd);
    errno = saved;
    return AP_EIO;
}

int
ap_listen_tcp(const struct ap_addr *a, int *fd_out)
{
    return listen_common(a, SOCK_STREAM, fd_out);
}

int
ap_listen_udp(const struct ap_addr *a, int *fd_out)
{
    return listen_common(a, SOCK_DGRAM, fd_out);
}

int
ap_sock_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);

    if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0)
        return -1;
    return ap_addr_port((struct sockaddr *)&ss);
}

void
ap_sock_keepalive(int fd, int idle, int intvl, int cnt)
{
    int one = 1;

    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
}

void
ap_sock_nodelay(int fd)
{
    int one = 1;

    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

int
ap_connect_tcp(const char *host, int port, int *fd_out)
{
    struct addrinfo hints, *res = NULL, *ai;
    char portstr[16];
    int fd = -1, r = AP_EIO;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    snprintf(portstr, sizeof(portstr), "%d", port);
    if (getaddrinfo(host, portstr, &hints, &res) != 0)
        return AP_ENOENT;
    for (ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family,
                    ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
            continue;
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ||
            errno == EINPROGRESS) {
            *fd_out = fd;
            r = 0;
            break;
        }
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return r;
}
