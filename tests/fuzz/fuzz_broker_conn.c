/*
 * libFuzzer target for the broker's connection handling: the real
 * `hpfeeds` component (in-memory server.db with one ident, listener on
 * 127.0.0.1:0), and each input fed through a socketpair as the bytes one
 * client sends.  If the first input byte is odd the harness first answers
 * the INFO with a valid AUTH for ident "f" (so the fuzzer reaches
 * PUBLISH/SUBSCRIBE, which need the per-connection nonce); a second,
 * subscribed connection stays open so fan-out runs too.
 */
#include <sys/socket.h>

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <sqlite3.h>

#include "ap/buf.h"
#include "ap/conf.h"
#include "ap/hpfeeds.h"
#include "ap/log.h"
#include "broker_int.h"
#include "idents.h"
#include "server.h"
#include "ap/common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

extern const struct ap_server_component ap_component_hpfeeds;

/* server.c is not linked: the port file does not matter here. */
void
ap_server_note_port(struct ap_server *srv, const char *name, int port)
{
    (void)srv;
    (void)name;
    (void)port;
}

static struct ap_server srv;

static void
setup(void)
{
    struct ap_strlist chans = {0};
    void *conf;
    char err[256];

    signal(SIGPIPE, SIG_IGN); /* as src/main.c does */
    ap_log_set_level(AP_LOG_ERROR);
    if (sqlite3_open(":memory:", &srv.db) != SQLITE_OK ||
        ap_idents_init(srv.db) != 0)
        abort();
    ap_strlist_split(&chans, "a,b,c");
    if (ap_ident_create(srv.db, "f", "s", &chans, &chans, NULL, NULL) != 0)
        abort();
    ap_strlist_free(&chans);
    srv.base = event_base_new();
    conf = calloc(1, ap_component_hpfeeds.conf_size);
    if (ap_conf_defaults(ap_component_hpfeeds.keywords, conf, err,
                         sizeof(err)) != 0 ||
        ap_conf_set(ap_component_hpfeeds.keywords, conf, "listen",
                    "127.0.0.1:0", err, sizeof(err)) != 0 ||
        ap_conf_set(ap_component_hpfeeds.keywords, conf, "max_message", "64k",
                    err, sizeof(err)) != 0 ||
        ap_component_hpfeeds.start(&srv, conf, err, sizeof(err)) != 0)
        abort();
}

/* Read the INFO the broker sent on fd and append a valid AUTH to b. */
static void
auth_from_info(int fd, struct ap_buf *b)
{
    uint8_t info[64], digest[HPF_DIGEST_LEN];
    struct hpf_msg m;
    ssize_t n = 0, r;
    int i;

    for (i = 0; i < 100 && n < 15; i++) {
        event_base_loop(srv.base, EVLOOP_NONBLOCK);
        r = read(fd, info + n, sizeof(info) - (size_t)n);
        if (r > 0)
            n += r;
    }
    if (hpf_parse(info, (size_t)n, 1024, &m) <= 0 || m.data_len != 4)
        abort();
    hpf_auth_digest(m.data, "s", 1, digest);
    hpf_put_auth(b, "f", 1, digest);
}

static int
client(int authed, struct ap_buf *pre)
{
    int sv[2];

    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        abort();
    fcntl(sv[0], F_SETFL, O_NONBLOCK);
    fcntl(sv[1], F_SETFL, O_NONBLOCK);
    bk_conn_accept(srv.broker, sv[0], NULL, "fuzz");
    if (authed)
        auth_from_info(sv[1], pre);
    return sv[1];
}

static void
drain(int fd)
{
    uint8_t sink[65536];

    while (read(fd, sink, sizeof(sink)) > 0)
        ;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ap_buf pre;
    int fd, sub, i;
    size_t off = 0;
    ssize_t w;

    if (srv.base == NULL)
        setup();
    if (size == 0)
        return 0;
    ap_buf_init(&pre, 4096);
    /* a subscriber to every channel, for fan-out */
    sub = client(1, &pre);
    hpf_put_subscribe(&pre, "f", 1, "a", 1);
    hpf_put_subscribe(&pre, "f", 1, "b", 1);
    if (write(sub, ap_buf_data(&pre), ap_buf_len(&pre)) < 0)
        abort();
    ap_buf_reset(&pre);
    fd = client(data[0] & 1, &pre);
    ap_buf_append(&pre, data + 1, size - 1);
    for (i = 0; i < 1000 && off < ap_buf_len(&pre); i++) {
        w = write(fd, ap_buf_data(&pre) + off, ap_buf_len(&pre) - off);
        if (w > 0)
            off += (size_t)w;
        event_base_loop(srv.base, EVLOOP_NONBLOCK);
        drain(fd);
        drain(sub);
    }
    close(fd);
    close(sub);
    /* let the broker see both EOFs and free the connections */
    for (i = 0; i < 100 && srv.broker->nconns > 0; i++) {
        event_base_loop(srv.base, EVLOOP_NONBLOCK);
        if (i > 10)
            usleep(1000);
    }
    ap_buf_release(&pre);
    return 0;
}
