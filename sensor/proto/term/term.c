/*
 * The terminal shared by the SSH and Telnet honeypots (term.h): login
 * decisions, the line editor in front of the emulated shell, command and
 * download events, TTY recording.
 */
#include <sys/stat.h>

#include <errno.h>

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ap/err.h"
#include "ap/event.h"
#include "ap/limits.h"
#include "ap/log.h"
#include "ap/proto.h"
#include "ap/util.h"
#include "term.h"

#include "ap/common.h"

/* Keys kept while a command sleeps (a tty's input queue is 4 KiB). */
#define TERM_TYPEAHEAD_MAX 4096u

/* Bytes of one line the editor keeps (a longer line is cut, as a real
 * tty's 4096-byte canonical buffer does). */
#define TERM_LINE_MAX 4096u

int
term_conf_init(struct term_conf *c, char *err, size_t errlen)
{
    static const char *const names[] = {"web", "srv", "app", "db", "node",
                                        "prod-web", "backend", "vps"};
    uint8_t rnd[16];
    size_t i;
    int rc;

    c->host.p = sh_profile_find(c->profile ? c->profile : "ubuntu-22.04");
    if (c->host.p == NULL) {
        snprintf(err, errlen, "unknown profile '%s' (ubuntu-22.04, debian-12)",
                 c->profile);
        return AP_ECONF;
    }
    if (ap_random_bytes(rnd, sizeof(rnd)) != 0) {
        snprintf(err, errlen, "no randomness");
        return AP_ECONF;
    }
    if (c->hostname) {
        if (strlen(c->hostname) >= sizeof(c->host.hostname) ||
            strspn(c->hostname, "abcdefghijklmnopqrstuvwxyz"
                                "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.") !=
                strlen(c->hostname)) {
            snprintf(err, errlen, "hostname '%s' is not a host name",
                     c->hostname);
            return AP_ECONF;
        }
        snprintf(c->host.hostname, sizeof(c->host.hostname), "%s",
                 c->hostname);
    } else {
        /* a plausible name, different for every deployment: a fixed
         * default would be a fingerprint (Cowrie's svr04) */
        snprintf(c->host.hostname, sizeof(c->host.hostname), "%s-%02u",
                 names[rnd[0] % AP_ARRAY_SIZE(names)], 1u + rnd[1] % 24u);
    }
    /* booted 9 to 120 days ago, at a random second */
    c->host.boot_time = ap_now_us() / 1000000 - 86400 * (9 + rnd[2] % 112) -
                        (rnd[3] << 8 | rnd[4]);
    /* a locally administered MAC like a cloud VM's (fa:16:3e OpenStack) */
    c->host.mac[0] = 0xfa;
    c->host.mac[1] = 0x16;
    c->host.mac[2] = 0x3e;
    memcpy(c->host.mac + 3, rnd + 5, 3);
    auth_policy_free(&c->auth);
    c->auth.allow_after = (unsigned)c->allow_after;
    for (i = 0; i < c->auth_rules.n; i++)
        if ((rc = auth_policy_add(&c->auth, c->auth_rules.v[i], err, errlen)) !=
            0)
            return AP_ECONF;
    return 0;
}

int
term_mkdirs(const char *path)
{
    char buf[512];
    size_t i, n = strlen(path);

    if (n == 0 || n >= sizeof(buf))
        return AP_EINVAL;
    memcpy(buf, path, n + 1);
    for (i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        buf[i] = '\0';
        if (mkdir(buf, 0700) != 0 && errno != EEXIST)
            return AP_EIO;
        buf[i] = path[i];
    }
    return 0;
}

int
term_login(struct ap_session *s, const struct term_conf *c,
           const char *method, const char *user, const char *pass,
           unsigned failed, const char *key_type, const char *key_fp)
{
    int ok = pass ? auth_policy_check(&c->auth, user, pass, failed) : 0;
    json_t *ev = ap_session_event(s, AP_EV_LOGIN);

    if (ev == NULL)
        return ok;
    if (ap_event_set_bytes(ev, "username", user, strlen(user)) != 0 ||
        (pass && ap_event_set_bytes(ev, "password", pass, strlen(pass)) != 0) ||
        ap_event_set_bool(ev, "success", ok) != 0 ||
        (method && ap_event_set_str(ev, "method", method) != 0) ||
        (key_type && ap_event_set_str(ev, "key_type", key_type) != 0) ||
        (key_fp && ap_event_set_str(ev, "key_fp", key_fp) != 0)) {
        json_decref(ev);
        return ok;
    }
    ap_session_emit(s, ev);
    return ok;
}

/* Write shell output, turning \n into \r\n on a tty, and record it. */
static void
out(struct term *t, const void *p, size_t n)
{
    const uint8_t *b = p;
    size_t i, start = 0;

    if (n == 0)
        return;
    if (!t->tty) {
        t->write(t->ctx, p, n);
        return;
    }
    struct ap_buf conv;
    ap_buf_init(&conv, 2 * n + 2);
    for (i = 0; i < n; i++) {
        if (b[i] == '\n' && (i == 0 || b[i - 1] != '\r')) {
            ap_buf_append(&conv, b + start, i - start);
            ap_buf_append(&conv, "\r\n", 2);
            start = i + 1;
        }
    }
    ap_buf_append(&conv, b + start, n - start);
    t->write(t->ctx, ap_buf_data(&conv), ap_buf_len(&conv));
    if (t->log.f)
        ttylog_write(&t->log, 'o', ap_buf_data(&conv), ap_buf_len(&conv),
                     ap_now_us());
    ap_buf_release(&conv);
}

static void
prompt(struct term *t)
{
    char p[512];
    if (!t->tty)
        return;
    if (ap_buf_len(&t->pending) > 0)
        snprintf(p, sizeof(p), "> ");
    else
        sh_prompt(t->sh, p, sizeof(p));
    out(t, p, strlen(p));
}

/* Shell events: downloads become download events. */
static void
on_sh_event(void *ctx, enum sh_event kind, const char *a, const char *b)
{
    struct term *t = ctx;
    json_t *ev;

    if (kind != SH_EV_DOWNLOAD)
        return;
    /* the attempt now; the file itself later, if the sensor fetches */
    for (int i = 0; i < 2; i++) {
        if ((ev = ap_session_event(t->s, AP_EV_DOWNLOAD)) == NULL)
            return;
        if (ap_event_set_bytes(ev, "url", a, strlen(a)) != 0 ||
            (b && ap_event_set_bytes(ev, "filename", b, strlen(b)) != 0)) {
            json_decref(ev);
            return;
        }
        if (i == 0)
            ap_session_emit(t->s, ev);
        else
            ap_session_fetch(t->s, a, ev);
    }
}

static void
command_event(struct term *t, const char *line, size_t n, int known)
{
    json_t *ev = ap_session_event(t->s, AP_EV_COMMAND);
    if (ev == NULL)
        return;
    if (ap_event_set_bytes(ev, "command", line, n) != 0 ||
        ap_event_set_bool(ev, "known", known) != 0) {
        json_decref(ev);
        return;
    }
    ap_session_emit(t->s, ev);
}

/* The recording lives in state_dir/tty/SESSION.cast. */
static void
start_recording(struct term *t)
{
    char dir[512];
    const char *sd = ap_session_state_dir(t->s);
    int w;

    if (!t->conf->ttylog || sd == NULL)
        return;
    w = snprintf(dir, sizeof(dir), "%s/tty", sd);
    if (w < 0 || (size_t)w >= sizeof(dir))
        return;
    if (term_mkdirs(dir) != 0)
        return;
    if (ttylog_open(&t->log, dir, ap_session_id(t->s), t->width, t->height,
                    t->termname, ap_now_us()) != 0)
        ap_log_warn("cannot record %s/%s.cast", dir, ap_session_id(t->s));
}

/* A fingerprint event with what the client told about its terminal. */
static void
terminal_event(struct term *t)
{
    json_t *ev = ap_session_event(t->s, AP_EV_FINGERPRINT);
    if (ev == NULL)
        return;
    if ((t->termname[0] &&
         ap_event_set_bytes(ev, "terminal", t->termname,
                            strlen(t->termname)) != 0) ||
        ap_event_set_int(ev, "width", t->width) != 0 ||
        ap_event_set_int(ev, "height", t->height) != 0 ||
        (t->log.f && ap_event_set_str(ev, "ttylog", t->log.path) != 0)) {
        json_decref(ev);
        return;
    }
    ap_session_emit(t->s, ev);
}

int
term_start(struct term *t, struct ap_session *s, const struct term_conf *c,
           const char *user, int tty, const char *termname, unsigned width,
           unsigned height, int (*write)(void *ctx, const void *p, size_t n),
           void *ctx)
{
    memset(t, 0, sizeof(*t));
    t->s = s;
    t->conf = c;
    t->host = c->host;
    snprintf(t->host.ip, sizeof(t->host.ip), "%s",
             strncmp(ap_session_local_ip(s), "::ffff:", 7) == 0
                 ? ap_session_local_ip(s) + 7
                 : ap_session_local_ip(s));
    t->tty = tty;
    t->width = width ? width : 80;
    t->height = height ? height : 24;
    snprintf(t->termname, sizeof(t->termname), "%s", termname ? termname : "");
    t->write = write;
    t->ctx = ctx;
    ap_buf_init(&t->line, TERM_LINE_MAX);
    ap_buf_init(&t->pending, AP_LIMIT_SH_INPUT);
    ap_buf_init(&t->held, AP_LIMIT_SH_OUTPUT + 1024);
    ap_buf_init(&t->typeahead, TERM_TYPEAHEAD_MAX);
    if ((t->sh = sh_new(&t->host, user, tty)) == NULL)
        return AP_ENOMEM;
    t->sh->event = on_sh_event;
    t->sh->event_ctx = t;
    if (tty) {
        if (t->termname[0])
            sh_setvar(t->sh, "TERM", t->termname, 1);
        start_recording(t);
        terminal_event(t);
    }
    return 0;
}

void
term_banner(struct term *t)
{
    struct ap_buf b;

    ap_buf_init(&b, 8192);
    term_motd(t, t->sh->user, t->telnet, &b);
    out(t, ap_buf_data(&b), ap_buf_len(&b));
    ap_buf_release(&b);
    prompt(t);
}

void
term_resize(struct term *t, unsigned width, unsigned height)
{
    t->width = width;
    t->height = height;
    if (t->log.f)
        ttylog_resize(&t->log, width, height, ap_now_us());
}

static int feed(struct term *t, const uint8_t *p, size_t n);

static void
sleep_done(evutil_socket_t fd, short what, void *arg)
{
    struct term *t = arg;
    struct ap_buf keys;

    AP_UNUSED(fd);
    AP_UNUSED(what);
    t->sleeping = 0;
    out(t, ap_buf_data(&t->held), ap_buf_len(&t->held));
    ap_buf_reset(&t->held);
    if (t->sh->exit_req) {
        t->done = 1;
    } else {
        prompt(t);
        /* what was typed during the wait, as the tty would deliver it */
        keys = t->typeahead;
        ap_buf_init(&t->typeahead, TERM_TYPEAHEAD_MAX);
        feed(t, ap_buf_data(&keys), ap_buf_len(&keys));
        ap_buf_release(&keys);
    }
    if (t->done) {
        if (t->exited)
            t->exited(t->ctx, t->sh->status);
        else
            ap_session_close(t->s);
    }
}

/* Hold this line's output until its sleeps are over.  0, or an error
 * (then the caller shows the output at once). */
static int
start_sleep(struct term *t)
{
    unsigned ms = AP_MIN(t->sh->delay_ms, AP_LIMIT_SH_SLEEP_MS);
    struct timeval tv = {(time_t)(ms / 1000),
                         (suseconds_t)(ms % 1000) * 1000};

    if (t->sleep_ev == NULL &&
        (t->sleep_ev = evtimer_new(ap_session_base(t->s), sleep_done, t)) ==
            NULL)
        return AP_ENOMEM;
    ap_buf_reset(&t->held);
    if (ap_buf_append(&t->held, ap_buf_data(&t->sh->out),
                      ap_buf_len(&t->sh->out)) != 0 ||
        evtimer_add(t->sleep_ev, &tv) != 0)
        return AP_ENOMEM;
    t->sleeping = 1;
    return 0;
}

/* Keys during a wait: ^C interrupts it (the rest of the line's output
 * is lost with the killed commands); anything else waits. */
static size_t
sleeping_input(struct term *t, const uint8_t *p, size_t n)
{
    const uint8_t *intr = memchr(p, 0x03, n);

    if (intr == NULL) {
        if (ap_buf_append(&t->typeahead, p, n) != 0)
            ap_buf_reset(&t->typeahead); /* a full queue: the tty drops */
        return n;
    }
    evtimer_del(t->sleep_ev);
    t->sleeping = 0;
    ap_buf_reset(&t->held);
    ap_buf_reset(&t->typeahead);
    out(t, "^C\r\n", 4);
    if (t->sh->exit_req)
        t->done = 1;
    else
        prompt(t);
    return (size_t)(intr - p) + 1;
}

/* Run what has been typed (pending + line). */
static void
run_line(struct term *t)
{
    const char *src;
    size_t n;
    int c;

    if (ap_buf_len(&t->pending) > 0 &&
        ap_buf_append(&t->pending, "\n", 1) != 0)
        ap_buf_reset(&t->pending);
    if (ap_buf_append(&t->pending, ap_buf_data(&t->line),
                      ap_buf_len(&t->line)) != 0)
        ap_buf_reset(&t->pending);
    ap_buf_reset(&t->line);
    src = (const char *)ap_buf_data(&t->pending);
    n = ap_buf_len(&t->pending);
    if (n == 0 || strspn(src, " \t") == n) {
        ap_buf_reset(&t->pending);
        prompt(t);
        return;
    }
    c = sh_complete(src, n);
    if (c == 0) { /* an open quote or `if`: bash asks for more */
        prompt(t);
        return;
    }
    ap_buf_reset(&t->sh->out);
    sh_run(t->sh, src, n);
    command_event(t, src, n, !t->sh->unknown && c > 0);
    ap_buf_reset(&t->pending);
    if (t->tty && t->sh->delay_ms > 0 && start_sleep(t) == 0)
        return; /* output and prompt when the wait is over */
    out(t, ap_buf_data(&t->sh->out), ap_buf_len(&t->sh->out));
    if (t->sh->exit_req)
        t->done = 1;
    else
        prompt(t);
}

int
term_input(struct term *t, const uint8_t *p, size_t n)
{
    if (t->done)
        return 1;
    if (t->log.f)
        ttylog_write(&t->log, 'i', p, n, ap_now_us());
    return feed(t, p, n);
}

/* The line editor over keys already recorded. */
static int
feed(struct term *t, const uint8_t *p, size_t n)
{
    size_t i;

    for (i = 0; i < n && !t->done; i++) {
        if (t->sleeping) {
            i += sleeping_input(t, p + i, n - i) - 1;
            continue;
        }
        uint8_t c = p[i];
        int was_cr = t->last_cr;

        t->last_cr = c == '\r';
        if (t->esc) {
            /* ESC [ ... final byte: arrow keys and friends are ignored */
            if ((t->esc == 1 && c != '[' && c != 'O') || (t->esc == 2 && c >= 0x40))
                t->esc = 0;
            else
                t->esc = 2;
            continue;
        }
        switch (c) {
        case '\n':
            if (was_cr)
                break; /* CR LF is one end of line */
            __attribute__((fallthrough)); /* clang needs the attribute */
        case '\r':
            if (t->tty)
                out(t, "\r\n", 2);
            run_line(t);
            break;
        case '\0':
            break; /* CR NUL */
        case 0x7f:
        case 0x08:
            if (ap_buf_len(&t->line) > 0) {
                t->line.len--;
                if (t->tty)
                    out(t, "\b \b", 3);
            }
            break;
        case 0x03: /* ^C */
            ap_buf_reset(&t->line);
            ap_buf_reset(&t->pending);
            if (t->tty) {
                out(t, "^C\r\n", 4);
                prompt(t);
            }
            break;
        case 0x04: /* ^D on an empty line logs out */
            if (ap_buf_len(&t->line) == 0 && ap_buf_len(&t->pending) == 0) {
                out(t, "logout\r\n", 8);
                t->done = 1;
            }
            break;
        case 0x15: /* ^U */
            ap_buf_reset(&t->line);
            break;
        case 0x1b:
            t->esc = 1;
            break;
        case '\t':
            break; /* no completion */
        default:
            if (c < 0x20)
                break;
            if (ap_buf_append(&t->line, &c, 1) == 0 && t->tty)
                out(t, &c, 1);
            break;
        }
    }
    return t->done;
}

int
term_exec(struct term *t, const char *cmd, size_t len)
{
    int c = sh_complete(cmd, len), status;

    ap_buf_reset(&t->sh->out);
    ap_buf_reset(&t->sh->err);
    t->sh->split_err = !t->tty && t->write_err != NULL;
    if (c <= 0) {
        /* bash -c with a syntax error */
        sh_run(t->sh, cmd, len);
        status = 2;
    } else {
        status = sh_run(t->sh, cmd, len);
    }
    command_event(t, cmd, len, c > 0 && !t->sh->unknown);
    out(t, ap_buf_data(&t->sh->out), ap_buf_len(&t->sh->out));
    if (t->sh->split_err && ap_buf_len(&t->sh->err) > 0)
        t->write_err(t->ctx, ap_buf_data(&t->sh->err), ap_buf_len(&t->sh->err));
    return status < 0 ? 2 : status;
}

void
term_end(struct term *t)
{
    if (t->sh == NULL && t->log.f == NULL && t->log.start_us == 0)
        return;
    if (t->sleep_ev)
        event_free(t->sleep_ev);
    t->sleep_ev = NULL;
    t->sleeping = 0;
    ap_buf_release(&t->held);
    ap_buf_release(&t->typeahead);
    ttylog_close(&t->log);
    term_publish_ttylog(t);
    sh_free(t->sh);
    t->sh = NULL;
    ap_buf_release(&t->line);
    ap_buf_release(&t->pending);
}
