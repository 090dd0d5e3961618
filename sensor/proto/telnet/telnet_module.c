/*
 * The Telnet honeypot: a Linux netkit telnetd (what Ubuntu's and
 * Debian's "telnetd" packages run) in front of login(1) and the emulated
 * shell.  The negotiation follows netkit's order byte for byte, which is
 * what nmap's "Linux telnetd" signature matches:
 *
 *   1. DO TTYPE, DO TSPEED, DO XDISPLOC, DO NEW-ENVIRON, then nothing
 *      until the client has answered all four (getterminaltype());
 *   2. SB ... SEND for each option the client agreed to, waiting for
 *      the terminal type;
 *   3. WILL SGA, DO ECHO, DO NAWS, WILL STATUS, DO LFLOW, WILL ECHO,
 *      then /etc/issue.net and "HOST login: ".
 *
 * A client that never negotiates (a bare TCP bot) gets no prompt from a
 * real telnetd either; one that sends data first is served at once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "ap/conf.h"
#include "ap/err.h"
#include "ap/proto.h"
#include "telnet_parse.h"
#include "term.h"

#include "ap/common.h"

struct telnet_conf {
    struct term_conf term; /* first: TERM_CONF_KEYWORDS */
};

static const struct ap_conf_kw telnet_keywords[] = {
    TERM_CONF_KEYWORDS(struct telnet_conf),
    {NULL, 0, 0, NULL, 0, 0, NULL, NULL},
};

enum tstate {
    TS_NEGOTIATE, /* waiting for answers to the four DOs */
    TS_TTYPE,     /* waiting for SB TTYPE IS */
    TS_LOGIN,     /* reading the user name */
    TS_PASSWORD,  /* reading the password (no echo) */
    TS_DELAY,     /* after a wrong password */
    TS_SHELL,
    TS_DONE,
};

/* The four options of step 1, as bits. */
#define OPT_TTYPE 1u
#define OPT_TSPEED 2u
#define OPT_XDISPLOC 4u
#define OPT_NEWENV 8u

struct telnet_state {
    enum tstate st;
    unsigned answered, will;
    char user[64];
    char pass[128];
    size_t ulen, plen;
    unsigned failed;
    int last_cr;
    unsigned width, height;
    char ttype[32];
    struct term term;
    int term_live;
    struct event *timer;
    struct ap_session *s;
    struct ap_buf typeahead;
};

static int
telnet_init(void *conf, char *err, size_t errlen)
{
    struct telnet_conf *c = conf;
    return term_conf_init(&c->term, err, errlen);
}

/* Output to the client: 0xff doubled (RFC 854). */
static int
tn_write(void *ctx, const void *p, size_t n)
{
    struct ap_session *s = ctx;
    const uint8_t *b = p, *ff;
    int rc = 0;

    while (n > 0 && rc == 0) {
        ff = memchr(b, TN_IAC, n);
        size_t k = ff ? (size_t)(ff - b) + 1 : n;
        rc = ap_session_write(s, b, k);
        if (rc == 0 && ff)
            rc = ap_session_write(s, "\xff", 1);
        b += k;
        n -= k;
    }
    return rc;
}

static void
send_opt(struct ap_session *s, uint8_t cmd, uint8_t opt)
{
    uint8_t b[3] = {TN_IAC, cmd, opt};
    ap_session_write(s, b, sizeof(b));
}

static void
send_sb_send(struct ap_session *s, uint8_t opt)
{
    uint8_t b[6] = {TN_IAC, TN_SB, opt, 1 /* SEND */, TN_IAC, TN_SE};
    ap_session_write(s, b, sizeof(b));
}

static void
login_prompt(struct telnet_state *st)
{
    const struct telnet_conf *c = ap_session_conf(st->s);
    char b[128];
    int n = snprintf(b, sizeof(b), "%s login: ", c->term.host.hostname);
    tn_write(st->s, b, (size_t)n);
    st->st = TS_LOGIN;
    st->ulen = st->plen = 0;
}

/* Step 3 and the login banner. */
static void
start_login(struct telnet_state *st)
{
    const struct telnet_conf *c = ap_session_conf(st->s);
    const char *issue = c->term.host.p->os_pretty;
    char b[160];
    int n;

    send_opt(st->s, TN_WILL, TN_OPT_SGA);
    send_opt(st->s, TN_DO, TN_OPT_ECHO);
    send_opt(st->s, TN_DO, TN_OPT_NAWS);
    send_opt(st->s, TN_WILL, TN_OPT_STATUS);
    send_opt(st->s, TN_DO, TN_OPT_LFLOW);
    send_opt(st->s, TN_WILL, TN_OPT_ECHO);
    /* /etc/issue.net, then login(1)'s prompt */
    n = snprintf(b, sizeof(b), "%s\r\n", issue);
    tn_write(st->s, b, (size_t)n);
    login_prompt(st);
}

/* Step 2, once all four DOs are answered. */
static void
negotiated(struct telnet_state *st)
{
    if (st->will & OPT_TSPEED)
        send_sb_send(st->s, TN_OPT_TSPEED);
    if (st->will & OPT_XDISPLOC)
        send_sb_send(st->s, TN_OPT_XDISPLOC);
    if (st->will & OPT_NEWENV)
        send_sb_send(st->s, TN_OPT_NEW_ENVIRON);
    if (st->will & OPT_TTYPE) {
        send_sb_send(st->s, TN_OPT_TTYPE);
        st->st = TS_TTYPE;
        return;
    }
    start_login(st);
}

static int
telnet_start(struct ap_session *s)
{
    struct telnet_state *st = ap_session_state(s);

    st->s = s;
    st->width = 80;
    st->height = 24;
    ap_buf_init(&st->typeahead, 1024);
    send_opt(s, TN_DO, TN_OPT_TTYPE);
    send_opt(s, TN_DO, TN_OPT_TSPEED);
    send_opt(s, TN_DO, TN_OPT_XDISPLOC);
    send_opt(s, TN_DO, TN_OPT_NEW_ENVIRON);
    st->st = TS_NEGOTIATE;
    return 0;
}

static void
on_option(struct telnet_state *st, const struct tn_item *it)
{
    unsigned bit = it->opt == TN_OPT_TTYPE      ? OPT_TTYPE
                   : it->opt == TN_OPT_TSPEED   ? OPT_TSPEED
                   : it->opt == TN_OPT_XDISPLOC ? OPT_XDISPLOC
                   : it->opt == TN_OPT_NEW_ENVIRON ? OPT_NEWENV
                                                   : 0;

    if (bit && (it->cmd == TN_WILL || it->cmd == TN_WONT)) {
        st->answered |= bit;
        if (it->cmd == TN_WILL)
            st->will |= bit;
        if (st->st == TS_NEGOTIATE && st->answered == 0xf)
            negotiated(st);
        return;
    }
    /* options we did not ask about: refuse, as telnetd does */
    if (it->cmd == TN_DO && it->opt != TN_OPT_SGA && it->opt != TN_OPT_ECHO &&
        it->opt != TN_OPT_STATUS)
        send_opt(st->s, TN_WONT, it->opt);
    else if (it->cmd == TN_WILL && it->opt != TN_OPT_NAWS &&
             it->opt != TN_OPT_LFLOW && it->opt != TN_OPT_ECHO && bit == 0)
        send_opt(st->s, TN_DONT, it->opt);
}

static void
on_sb(struct telnet_state *st, const struct tn_item *it)
{
    if (it->opt == TN_OPT_TTYPE) {
        tn_sb_ttype(it, st->ttype, sizeof(st->ttype));
        if (st->st == TS_TTYPE)
            start_login(st);
    } else if (it->opt == TN_OPT_NAWS) {
        unsigned w, h;
        if (tn_sb_naws(it, &w, &h) == 0 && w > 0 && h > 0 && w < 1000 &&
            h < 1000) {
            st->width = w;
            st->height = h;
            if (st->term_live)
                term_resize(&st->term, w, h);
        }
    }
}

static void data_bytes(struct telnet_state *st, const uint8_t *p, size_t n);

static void
delay_done(evutil_socket_t fd, short what, void *arg)
{
    struct telnet_state *st = arg;
    const struct telnet_conf *c = ap_session_conf(st->s);
    AP_UNUSED(fd);
    AP_UNUSED(what);

    if (st->failed >= (unsigned)c->term.max_tries) {
        tn_write(st->s, "\r\nLogin incorrect\r\n", 19);
        st->st = TS_DONE;
        ap_session_close(st->s);
        return;
    }
    tn_write(st->s, "\r\nLogin incorrect\r\n", 19);
    login_prompt(st);
    if (ap_buf_len(&st->typeahead) > 0) {
        /* what was typed during the delay belongs to the next prompt */
        struct ap_buf t = st->typeahead;
        ap_buf_init(&st->typeahead, 1024);
        data_bytes(st, ap_buf_data(&t), ap_buf_len(&t));
        ap_buf_release(&t);
    }
}

static void
try_login(struct telnet_state *st)
{
    const struct telnet_conf *c = ap_session_conf(st->s);
    struct timeval tv;

    st->user[st->ulen] = '\0';
    st->pass[st->plen] = '\0';
    if (term_login(st->s, &c->term, "password", st->user, st->pass,
                   st->failed, NULL, NULL)) {
        tn_write(st->s, "\r\n", 2);
        if (term_start(&st->term, st->s, &c->term, st->user, 1,
                       st->ttype[0] ? st->ttype : "network", st->width,
                       st->height, tn_write, st->s) != 0) {
            ap_session_close(st->s);
            return;
        }
        st->term_live = 1;
        st->st = TS_SHELL;
        st->term.telnet = 1;
        term_banner(&st->term);
        return;
    }
    st->failed++;
    st->st = TS_DELAY;
    if (st->timer == NULL)
        st->timer = evtimer_new(ap_session_base(st->s), delay_done, st);
    if (st->timer == NULL) {
        ap_session_close(st->s);
        return;
    }
    tv.tv_sec = (time_t)(c->term.fail_delay_ms / 1000);
    tv.tv_usec = (suseconds_t)(c->term.fail_delay_ms % 1000) * 1000;
    evtimer_add(st->timer, &tv);
}

/* login(1)'s line reading: echo the name, not the password. */
static void
data_bytes(struct telnet_state *st, const uint8_t *p, size_t n)
{
    size_t i;

    if (st->st == TS_SHELL) {
        if (term_input(&st->term, p, n)) {
            st->st = TS_DONE;
            ap_session_close(st->s);
        }
        return;
    }
    if (st->st == TS_DELAY) {
        (void)ap_buf_append(&st->typeahead, p, n);
        return;
    }
    if (st->st == TS_NEGOTIATE || st->st == TS_TTYPE)
        start_login(st); /* the client talks before negotiating */
    for (i = 0; i < n && (st->st == TS_LOGIN || st->st == TS_PASSWORD); i++) {
        uint8_t c = p[i];
        int was_cr = st->last_cr;
        st->last_cr = c == '\r';
        if (c == '\n' && was_cr)
            continue;
        if (c == '\0')
            continue;
        if (c == '\r' || c == '\n') {
            if (st->st == TS_LOGIN) {
                tn_write(st->s, "\r\n", 2);
                if (st->ulen == 0) {
                    login_prompt(st);
                    continue;
                }
                tn_write(st->s, "Password: ", 10);
                st->st = TS_PASSWORD;
            } else {
                try_login(st);
                if (st->st == TS_DELAY && i + 1 < n)
                    (void)ap_buf_append(&st->typeahead, p + i + 1, n - i - 1);
                if (st->st == TS_SHELL && i + 1 < n)
                    data_bytes(st, p + i + 1, n - i - 1);
                return;
            }
            continue;
        }
        if (c == 0x7f || c == 0x08) {
            if (st->st == TS_LOGIN && st->ulen > 0) {
                st->ulen--;
                tn_write(st->s, "\b \b", 3);
            } else if (st->st == TS_PASSWORD && st->plen > 0) {
                st->plen--;
            }
            continue;
        }
        if (st->st == TS_LOGIN) {
            if (st->ulen + 1 < sizeof(st->user)) {
                st->user[st->ulen++] = (char)c;
                tn_write(st->s, &c, 1);
            }
        } else if (st->plen + 1 < sizeof(st->pass)) {
            st->pass[st->plen++] = (char)c;
        }
    }
}

static ssize_t
telnet_input(struct ap_session *s, const uint8_t *p, size_t len)
{
    struct telnet_state *st = ap_session_state(s);
    size_t off = 0;

    while (off < len && st->st != TS_DONE) {
        struct tn_item it;
        ssize_t n = tn_parse(p + off, len - off, &it);
        if (n < 0)
            return n;
        if (n == 0)
            break;
        switch (it.kind) {
        case TN_ITEM_DATA:
            data_bytes(st, it.p, it.n);
            break;
        case TN_ITEM_OPT:
            on_option(st, &it);
            break;
        case TN_ITEM_SB:
            on_sb(st, &it);
            break;
        case TN_ITEM_CMD:
            if (it.cmd == TN_AYT)
                tn_write(s, "\r\n[Yes]\r\n", 9);
            else if (it.cmd == TN_IP && st->st == TS_SHELL)
                data_bytes(st, (const uint8_t *)"\x03", 1);
            break;
        }
        off += (size_t)n;
    }
    if (st->st == TS_DONE)
        return (ssize_t)len;
    return (ssize_t)off;
}

static void
telnet_close(struct ap_session *s)
{
    struct telnet_state *st = ap_session_state(s);

    if (st->timer) {
        event_free(st->timer);
        st->timer = NULL;
    }
    if (st->term_live) {
        term_end(&st->term);
        st->term_live = 0;
    }
    ap_buf_release(&st->typeahead);
}

const struct ap_proto ap_proto_telnet = {
    .name = "telnet",
    .default_port = 23,
    .transport = AP_PROTO_TCP,
    .max_frame = TN_SB_MAX + 8,
    .state_size = sizeof(struct telnet_state),
    .conf_size = sizeof(struct telnet_conf),
    .keywords = telnet_keywords,
    .init = telnet_init,
    .start = telnet_start,
    .input = telnet_input,
    .close = telnet_close,
    .try_it = "telnet 127.0.0.1 {port}",
};
