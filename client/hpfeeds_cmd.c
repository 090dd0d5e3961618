/*
 * `apiary hpfeeds publish|subscribe`: the command-line hpfeeds client,
 * with the option names of the hpfeeds3 CLI (--host, --port, -i/--ident,
 * -s/--secret, -c/--channel, --tls, --tlscert).
 *
 * publish: each PAYLOAD argument is one message; --file F sends the whole
 * file as one message; otherwise every line of stdin is one message.
 * After the last message the client half-closes and waits for the broker
 * to close, so a refusal (OP_ERROR) is reported and the exit status is 1.
 *
 * subscribe: one payload per line on stdout, as raw bytes; with --json one
 * object per line {"ident","channel","payload"}, where any field that is
 * not valid UTF-8 is given as "<field>_b64" (base64) instead.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>
#include <openssl/evp.h>

#include "ap/buf.h"
#include "ap/conf.h"
#include "ap/err.h"
#include "ap/escape.h"
#include "ap/frame.h"
#include "ap/hpf_client.h"
#include "ap/limits.h"
#include "ap/log.h"
#include "commands.h"
#include "ap/common.h"

struct cli {
    struct event_base *base;
    struct hpf_client *c;
    struct ap_strlist chans;
    int rc;
    int got_error;
    int finishing;
    /* publish */
    char **args;
    int nargs, next_arg;
    struct ap_buf in; /* --file contents or stdin bytes */
    int from_file, in_eof, in_fd;
    struct event *ev_in;
    const uint8_t *msg; /* current message and the channel to resume at */
    size_t msg_len, msg_consume, msg_chan;
    int have_msg;
    /* subscribe */
    int json;
    long count, seen;
};

static void
usage(FILE *f)
{
    fprintf(f,
            "usage: apiary hpfeeds publish   [options] -c CHAN [--file F |"
            " PAYLOAD...]\n"
            "       apiary hpfeeds subscribe [options] -c CHAN [-c CHAN...]"
            " [--json] [--count N]\n"
            "  --host H          broker (default localhost)\n"
            "  --port P          port (default 10000)\n"
            "  -i, --ident I     ident\n"
            "  -s, --secret S    secret\n"
            "  -c, --channel C   channel (repeatable)\n"
            "  --tls             connect with TLS (system CAs)\n"
            "  --tlscert CA      connect with TLS, trusting this CA file\n"
            "  --tlsname NAME    name the certificate must match (default:"
            " host)\n"
            "  --file F          publish: the whole file is one message\n"
            "  --json            subscribe: {\"ident\",\"channel\",\"payload\"}"
            " per line\n"
            "  --count N         subscribe: exit after N messages\n"
            "  --reconnect       subscribe: reconnect instead of exiting\n"
            "publish without PAYLOAD or --file sends each stdin line.\n");
}

/* ---- publish ---- */

static void pump(struct cli *st);

static void
on_stdin(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    pump(arg);
}

/* Find the next message; 1 = found, 0 = none yet (wait), -1 = done. */
static int
next_msg(struct cli *st)
{
    struct pollfd pfd;
    ssize_t n, fl;
    size_t ll;
    uint8_t *p;

    if (st->args) {
        if (st->next_arg >= st->nargs)
            return -1;
        st->msg = (const uint8_t *)st->args[st->next_arg];
        st->msg_len = strlen(st->args[st->next_arg++]);
        st->msg_consume = 0;
        return 1;
    }
    if (st->from_file) {
        if (st->in_eof)
            return -1;
        st->in_eof = 1;
        st->msg = ap_buf_data(&st->in);
        st->msg_len = st->msg_consume = ap_buf_len(&st->in);
        return 1;
    }
    for (;;) {
        fl = ap_frame_line(ap_buf_data(&st->in), ap_buf_len(&st->in),
                           AP_LIMIT_HPF_MSG, &ll);
        if (fl < 0) {
            fprintf(stderr, "apiary hpfeeds: input line too long\n");
            st->rc = 1;
            return -1;
        }
        if (fl > 0 || (st->in_eof && ap_buf_len(&st->in) > 0)) {
            st->msg = ap_buf_data(&st->in);
            st->msg_len = fl > 0 ? ll : ap_buf_len(&st->in);
            st->msg_consume = fl > 0 ? (size_t)fl : ap_buf_len(&st->in);
            return 1;
        }
        if (st->in_eof)
            return -1;
        /* Only read what is there, so messages go out as lines come in. */
        pfd.fd = st->in_fd;
        pfd.events = POLLIN;
        if (poll(&pfd, 1, 0) == 0) {
            event_add(st->ev_in, NULL);
            return 0;
        }
        if (ap_buf_reserve(&st->in, 65536, &p) != 0) {
            st->rc = 1;
            return -1;
        }
        n = read(st->in_fd, p, 65536);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            st->in_eof = 1;
        else
            ap_buf_commit(&st->in, (size_t)n);
    }
}

static void
pump(struct cli *st)
{
    int r;

    for (;;) {
        if (!st->have_msg) {
            r = next_msg(st);
            if (r == 0)
                return;
            if (r < 0)
                break;
            st->have_msg = 1;
            st->msg_chan = 0;
        }
        while (st->msg_chan < st->chans.n) {
            r = hpf_client_publish(st->c, st->chans.v[st->msg_chan], st->msg,
                                   st->msg_len);
            if (r == AP_EFULL)
                return; /* on_drain calls us again */
            if (r != 0) {
                fprintf(stderr, "apiary hpfeeds: publish: %s\n",
                        ap_strerror(r));
                st->rc = 1;
                goto done;
            }
            st->msg_chan++;
        }
        st->have_msg = 0;
        if (!st->args && !st->from_file)
            ap_buf_consume(&st->in, st->msg_consume);
    }
done:
    st->finishing = 1;
    hpf_client_finish(st->c, 500);
}

static void
pub_ready(void *ctx, struct hpf_client *c)
{
    (void)c;
    pump(ctx);
}

static void
pub_drain(void *ctx)
{
    pump(ctx);
}

/* ---- subscribe ---- */

static int
json_field(json_t *o, const char *key, const void *p, size_t n)
{
    json_t *s = json_stringn(p, n);
    char name[32];
    char *b64;
    int r;

    if (s)
        return json_object_set_new(o, key, s);
    /* not UTF-8: base64 */
    if ((b64 = malloc(4 * ((n + 2) / 3) + 1)) == NULL)
        return -1;
    EVP_EncodeBlock((unsigned char *)b64, p, (int)n);
    snprintf(name, sizeof(name), "%s_b64", key);
    r = json_object_set_new(o, name, json_string(b64));
    free(b64);
    return r;
}

static void
sub_message(void *ctx, const char *ident, size_t ilen, const char *chan,
            size_t clen, const uint8_t *payload, size_t len)
{
    struct cli *st = ctx;
    json_t *o;
    char *s;

    if (st->json) {
        o = json_object();
        if (o && json_field(o, "ident", ident, ilen) == 0 &&
            json_field(o, "channel", chan, clen) == 0 &&
            json_field(o, "payload", payload, len) == 0 &&
            (s = json_dumps(o, JSON_COMPACT)) != NULL) {
            fputs(s, stdout);
            fputc('\n', stdout);
            free(s);
        }
        json_decref(o);
    } else {
        fwrite(payload, 1, len, stdout);
        fputc('\n', stdout);
    }
    fflush(stdout);
    if (st->count > 0 && ++st->seen >= st->count) {
        st->rc = 0;
        event_base_loopbreak(st->base);
    }
}

/* ---- common ---- */

static void
on_error(void *ctx, const char *text, size_t len)
{
    struct cli *st = ctx;
    char esc[1024];

    st->got_error = 1;
    fprintf(stderr, "apiary hpfeeds: broker: %s\n",
            ap_escape_cstr(esc, sizeof(esc), text, len));
}

static void
on_disconnect(void *ctx, int err)
{
    struct cli *st = ctx;

    if (st->finishing)
        return; /* on_finished decides */
    fprintf(stderr, "apiary hpfeeds: disconnected: %s\n", ap_strerror(err));
    if (!st->got_error)
        st->rc = 1;
}

static void
on_disconnect_final(void *ctx, int err)
{
    struct cli *st = ctx;

    on_disconnect(ctx, err);
    if (!st->finishing) {
        st->rc = 1;
        event_base_loopbreak(st->base);
    }
}

static void
on_finished(void *ctx, int err)
{
    struct cli *st = ctx;

    if (st->rc == 0)
        st->rc = err == 0 && !st->got_error ? 0 : 1;
    event_base_loopbreak(st->base);
}

static int
read_whole(const char *path, struct ap_buf *b)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n;
    uint8_t *p;
    int r = 0;

    if (fd < 0)
        return AP_EIO;
    for (;;) {
        if ((r = ap_buf_reserve(b, 65536, &p)) != 0)
            break;
        n = read(fd, p, 65536);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            r = n < 0 ? AP_EIO : 0;
            break;
        }
        ap_buf_commit(b, (size_t)n);
    }
    close(fd);
    return r;
}

int
cmd_hpfeeds(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"host", required_argument, NULL, 'H'},
        {"port", required_argument, NULL, 'p'},
        {"ident", required_argument, NULL, 'i'},
        {"secret", required_argument, NULL, 's'},
        {"channel", required_argument, NULL, 'c'},
        {"tls", no_argument, NULL, 'T'},
        {"tlscert", required_argument, NULL, 'C'},
        {"tlsname", required_argument, NULL, 'N'},
        {"file", required_argument, NULL, 'f'},
        {"json", no_argument, NULL, 'j'},
        {"count", required_argument, NULL, 'n'},
        {"reconnect", no_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct hpf_client_opts o;
    struct cli st;
    const char *file = NULL, *mode;
    char *end;
    long v;
    int c, pub, reconnect = 0;
    size_t i;

    memset(&st, 0, sizeof(st));
    memset(&o, 0, sizeof(o));
    o.host = "localhost";
    o.port = 10000;
    st.in_fd = 0;
    ap_buf_init(&st.in, AP_LIMIT_HPF_MSG);
    if (argc < 2 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "--help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    mode = argv[1];
    if (strcmp(mode, "publish") != 0 && strcmp(mode, "subscribe") != 0) {
        usage(stderr);
        return 2;
    }
    pub = mode[0] == 'p';
    optind = 1;
    st.rc = 2;
    while ((c = getopt_long(argc - 1, argv + 1, "i:s:c:h", longopts, NULL)) !=
           -1) {
        switch (c) {
        case 'H':
            o.host = optarg;
            break;
        case 'p':
            v = strtol(optarg, &end, 10);
            if (*end || v <= 0 || v > 65535) {
                fprintf(stderr, "apiary hpfeeds: bad port %s\n", optarg);
                goto out;
            }
            o.port = (int)v;
            break;
        case 'i':
            o.ident = optarg;
            break;
        case 's':
            o.secret = optarg;
            break;
        case 'c':
            if (ap_strlist_add(&st.chans, optarg) != 0)
                goto out;
            break;
        case 'T':
            o.tls = 1;
            break;
        case 'C':
            o.tls_ca = optarg;
            break;
        case 'N':
            o.tls_hostname = optarg;
            break;
        case 'f':
            file = optarg;
            break;
        case 'j':
            st.json = 1;
            break;
        case 'n':
            st.count = strtol(optarg, &end, 10);
            if (*end || st.count <= 0) {
                fprintf(stderr, "apiary hpfeeds: bad count %s\n", optarg);
                goto out;
            }
            break;
        case 'r':
            reconnect = 1;
            break;
        case 'h':
            usage(stdout);
            st.rc = 0;
            goto out;
        default:
            usage(stderr);
            goto out;
        }
    }
    if (!o.ident || !o.secret || st.chans.n == 0) {
        fprintf(stderr, "apiary hpfeeds: --ident, --secret and --channel are"
                        " required\n");
        goto out;
    }
    st.rc = 1;
    if (pub) {
        if (file && read_whole(file, &st.in) != 0) {
            fprintf(stderr, "apiary hpfeeds: %s: %s\n", file,
                    errno ? strerror(errno) : "too big");
            goto out;
        }
        st.from_file = file != NULL;
        if (!file && optind + 1 < argc) {
            st.args = argv + 1 + optind;
            st.nargs = argc - 1 - optind;
        }
    } else if (optind + 1 != argc) {
        usage(stderr);
        st.rc = 2;
        goto out;
    }
    if ((st.base = event_base_new()) == NULL)
        goto out;
    st.ev_in = event_new(st.base, st.in_fd, EV_READ, on_stdin, &st);
    st.rc = 0;
    o.ctx = &st;
    o.on_error = on_error;
    o.on_finished = on_finished;
    if (pub) {
        o.on_ready = pub_ready;
        o.on_drain = pub_drain;
        o.on_disconnect = on_disconnect_final;
    } else {
        o.on_message = sub_message;
        o.reconnect = reconnect;
        o.on_disconnect = reconnect ? on_disconnect : on_disconnect_final;
    }
    if (hpf_client_new(st.base, &o, &st.c) != 0) {
        fprintf(stderr, "apiary hpfeeds: cannot set up the client\n");
        st.rc = 1;
        goto out;
    }
    for (i = 0; !pub && i < st.chans.n; i++)
        hpf_client_subscribe(st.c, st.chans.v[i]);
    event_base_dispatch(st.base);
out:
    if (st.c)
        hpf_client_free(st.c);
    if (st.ev_in)
        event_free(st.ev_in);
    if (st.base)
        event_base_free(st.base);
    ap_strlist_free(&st.chans);
    ap_buf_release(&st.in);
    return st.rc;
}
