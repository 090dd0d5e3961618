/*
 * Addresses and listening sockets.  Listeners are created here (with a
 * large backlog, non-blocking, close-on-exec) so that every component
 * binds the same way; libevent then only watches the fd.
 */
#ifndef AP_NET_H
#define AP_NET_H

#include <sys/socket.h>

#include <stddef.h>

struct ap_addr {
    struct sockaddr_storage ss;
    socklen_t len;
};

/*
 * Parse "host:port", "[v6]:port", "*:port", ":port" or "port".  A missing
 * host means all IPv4 and IPv6 addresses ("::" with dual stack).  Host must
 * be a numeric address or "localhost" (no DNS at startup).
 */
int ap_addr_parse(const char *spec, int default_port, struct ap_addr *out);

/* "1.2.3.4:80" or "[::1]:80".  Always NUL-terminates. */
void ap_addr_format(const struct sockaddr *sa, char *buf, size_t len);
/* The address alone; IPv4-mapped IPv6 addresses are shown as IPv4. */
void ap_addr_ip(const struct sockaddr *sa, char *buf, size_t len);
int ap_addr_port(const struct sockaddr *sa);

/* Strip a leading "::ffff:" from a textual IPv4-mapped address in place. */
void ap_ip_unmap(char *ip);

#define AP_LISTEN_BACKLOG 4096

/* Bind and listen; the socket is non-blocking.  v6 wildcard listeners are
 * dual-stack.  Returns 0 and the fd, or AP_EIO with errno set. */
int ap_listen_tcp(const struct ap_addr *a, int *fd_out);
int ap_listen_udp(const struct ap_addr *a, int *fd_out);

/* The local port a socket is bound to, or -1. */
int ap_sock_port(int fd);

/* TCP keepalive as the hpfeeds3 broker does it (idle 10 s, interval 5 s,
 * 3 probes). */
void ap_sock_keepalive(int fd, int idle, int intvl, int cnt);

/* TCP_NODELAY: message protocols that write whole frames (hpfeeds)
 * must not wait for Nagle + delayed ACK (40 ms stalls). */
void ap_sock_nodelay(int fd);

/* Non-blocking TCP connect to host:port (numeric or resolvable name).
 * Blocking name resolution: use at startup or from worker threads only. */
int ap_connect_tcp(const char *host, int port, int *fd_out);

#endif
