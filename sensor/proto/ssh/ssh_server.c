/*
 * What happens inside the SSH connection, as libssh reports it through
 * its message callback: authentication (password, keyboard-interactive,
 * publickey), session channels (pty, env, shell, exec, subsystem) and
 * port forwarding (direct-tcpip channels, tcpip-forward requests), each
 * answered as OpenSSH's sshd would and recorded as canonical events.
 *
 * libssh 0.10 marks the server-side message accessors for pty size and
 * public keys deprecated without offering a replacement for servers that
 * use the message API; the pragma below is for those.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "ap/err.h"
#include "ap/event.h"
#include "ap/limits.h"
#include "ap/log.h"
#include "ap/proto.h"
#include "ssh_int.h"

#include "ap/common.h"

#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

static struct ssh_chan *
chan_find(struct ssh_state *st, ssh_channel ch)
{
    struct ssh_chan *c;
    for (c = st->chans; c; c = c->next)
        if (c->ch == ch)
            return c;
    return NULL;
}

/* --- authentication -------------------------------------------------- */

static int
password_attempt(struct ssh_state *st, ssh_message msg, const char *method,
                 const char *user, const char *pass)
{
    const struct ssh_conf *c = st->conf;

    if (term_login(st->s, &c->term, method, user, pass ? pass : "",
                   st->failed, NULL, NULL)) {
        if (user != st->user)
            snprintf(st->user, sizeof(st->user), "%s", user);
        st->authed = 1;
        ssh_message_auth_reply_success(msg, 0);
        return 0;
    }
    st->failed++;
    /* sshd (PAM) waits before it says no; so do we */
    ssh_hold_output(st, c->term.fail_delay_ms);
    if (st->failed >= (unsigned)c->term.max_tries) {
        ssh_message_reply_default(msg);
        ssh_disconnect(st->ssh); /* "Too many authentication failures" */
        return 0;
    }
    return 1; /* failure with the list of methods */
}

static void
publickey_attempt(struct ssh_state *st, const char *user, ssh_key key)
{
    unsigned char *hash = NULL;
    size_t hlen = 0;
    char *fp = NULL;
    const char *type = key ? ssh_key_type_to_char(ssh_key_type(key)) : NULL;

    if (key && ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash,
                                      &hlen) == 0)
        fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hlen);
    term_login(st->s, &st->conf->term, "publickey", user, NULL, st->failed,
               type, fp);
    ssh_clean_pubkey_hash(&hash);
    ssh_string_free_char(fp);
}

static int
on_auth(struct ssh_state *st, ssh_message msg)
{
    const char *user = ssh_message_auth_user(msg);

    switch (ssh_message_subtype(msg)) {
    case SSH_AUTH_METHOD_PASSWORD:
        return password_attempt(st, msg, "password", user ? user : "",
                                ssh_message_auth_password(msg));
    case SSH_AUTH_METHOD_INTERACTIVE:
        if (ssh_message_auth_kbdint_is_response(msg)) {
            const char *ans = ssh_userauth_kbdint_getnanswers(st->ssh) > 0
                                  ? ssh_userauth_kbdint_getanswer(st->ssh, 0)
                                  : "";
            st->kbdint_pending = 0;
            return password_attempt(st, msg, "keyboard-interactive", st->user,
                                    ans ? ans : "");
        } else {
            /* PAM's single prompt, as sshd with KbdInteractive sends it */
            static const char *prompts[] = {"Password: "};
            char echo[] = {0};
            snprintf(st->user, sizeof(st->user), "%s", user ? user : "");
            st->kbdint_pending = 1;
            ssh_message_auth_interactive_request(msg, "", "", 1, prompts,
                                                 echo);
            return 0;
        }
    case SSH_AUTH_METHOD_PUBLICKEY:
        /* record the key the client offers; no key is ever accepted */
        if (ssh_message_auth_publickey_state(msg) == SSH_PUBLICKEY_STATE_NONE)
            publickey_attempt(st, user ? user : "",
                              ssh_message_auth_pubkey(msg));
        return 1;
    default:
        return 1; /* "none" and the rest: the list of methods */
    }
}

/* --- channels ---------------------------------------------------------- */

static int
chan_write(void *ctx, const void *p, size_t n)
{
    struct ssh_chan *c = ctx;
    if (c->closed || n == 0)
        return 0;
    return ssh_channel_write(c->ch, p, (uint32_t)n) < 0 ? AP_EIO : 0;
}

static int
chan_write_err(void *ctx, const void *p, size_t n)
{
    struct ssh_chan *c = ctx;
    if (c->closed || n == 0)
        return 0;
    return ssh_channel_write_stderr(c->ch, p, (uint32_t)n) < 0 ? AP_EIO : 0;
}

/* exit-status, EOF, close: the order OpenSSH's client needs for a clean
 * exit code (deps-notes 1). */
static void
chan_finish(struct ssh_chan *c, int status)
{
    if (c->closed)
        return;
    c->closed = 1;
    ssh_channel_request_send_exit_status(c->ch, status);
    ssh_channel_send_eof(c->ch);
    ssh_channel_close(c->ch);
}

static void
exit_now(evutil_socket_t fd, short what, void *arg)
{
    struct ssh_chan *c = arg;
    AP_UNUSED(fd);
    AP_UNUSED(what);
    chan_finish(c, c->exit_status);
}

/* Send the exec's exit after ms (capped like an interactive sleep). */
static int
exit_later(struct ssh_chan *c, int status, unsigned ms)
{
    struct timeval tv;

    ms = AP_MIN(ms, AP_LIMIT_SH_SLEEP_MS);
    tv.tv_sec = (time_t)(ms / 1000);
    tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
    if (c->exit_ev == NULL &&
        (c->exit_ev = evtimer_new(ap_session_base(c->st->s), exit_now, c)) ==
            NULL)
        return AP_ENOMEM;
    c->exit_status = status;
    return evtimer_add(c->exit_ev, &tv) == 0 ? 0 : AP_ENOMEM;
}

static void
tunnel_report(struct ssh_chan *c)
{
    json_t *ev;
    if (c->kind != CH_TUNNEL || c->reported)
        return;
    c->reported = 1;
    if ((ev = ap_session_event(c->st->s, AP_EV_TUNNEL)) == NULL)
        return;
    if (ap_event_set_str(ev, "kind", "direct-tcpip") != 0 ||
        ap_event_set_bytes(ev, "target_host", c->target, strlen(c->target)) !=
            0 ||
        ap_event_set_int(ev, "target_port", c->target_port) != 0 ||
        (ap_buf_len(&c->tunnel_data) > 0 &&
         ap_event_set_b64(ev, "data", ap_buf_data(&c->tunnel_data),
                          ap_buf_len(&c->tunnel_data),
                          ap_buf_len(&c->tunnel_data)) != 0)) {
        json_decref(ev);
        return;
    }
    ap_session_emit(c->st->s, ev);
}

static int
on_data(ssh_session session, ssh_channel channel, void *data, uint32_t len,
        int is_stderr, void *userdata)
{
    struct ssh_chan *c = userdata;
    AP_UNUSED(session);
    AP_UNUSED(channel);
    AP_UNUSED(is_stderr);

    if (c->closed)
        return (int)len;
    if (c->kind == CH_TUNNEL) {
        size_t room = c->st->conf->tunnel_capture -
                      AP_MIN(c->st->conf->tunnel_capture,
                             ap_buf_len(&c->tunnel_data));
        ap_buf_append(&c->tunnel_data, data, AP_MIN(room, (size_t)len));
        if (ap_buf_len(&c->tunnel_data) >= c->st->conf->tunnel_capture) {
            tunnel_report(c);
            c->closed = 1;
            ssh_channel_close(c->ch);
        }
        return (int)len;
    }
    if (c->sftp) {
        if (ssh_sftp_input(c, data, len) != 0)
            chan_finish(c, 1);
    } else if (c->scp) {
        if (ssh_scp_input(c, data, len) != 0)
            chan_finish(c, 1);
    } else if (c->shell && c->term_live) {
        if (term_input(&c->term_ui, data, len))
            chan_finish(c, c->term_ui.sh ? c->term_ui.sh->status : 0);
    }
    return (int)len;
}

static void
on_eof(ssh_session session, ssh_channel channel, void *userdata)
{
    struct ssh_chan *c = userdata;
    AP_UNUSED(session);
    AP_UNUSED(channel);

    if (c->kind == CH_TUNNEL) {
        tunnel_report(c);
        return;
    }
    if (c->shell && c->term_live && !c->pty) {
        /* `echo cmds | ssh host`: run a last unterminated line, exit */
        term_input(&c->term_ui, (const uint8_t *)"\n", 1);
        chan_finish(c, c->term_ui.sh ? c->term_ui.sh->status : 0);
    } else if (c->scp || c->sftp) {
        chan_finish(c, 0);
    }
}

static void
on_close(ssh_session session, ssh_channel channel, void *userdata)
{
    struct ssh_chan *c = userdata;
    AP_UNUSED(session);
    AP_UNUSED(channel);
    tunnel_report(c);
    if (!c->closed) {
        c->closed = 1;
        ssh_channel_close(c->ch);
    }
}

static struct ssh_chan *
chan_new(struct ssh_state *st, ssh_channel ch, enum ch_kind kind)
{
    struct ssh_chan *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return NULL;
    c->st = st;
    c->ch = ch;
    c->kind = kind;
    c->width = 80;
    c->height = 24;
    ap_buf_init(&c->tunnel_data, 65536);
    ap_buf_init(&c->in, 256u * 1024u);
    c->cb.userdata = c;
    c->cb.channel_data_function = on_data;
    c->cb.channel_eof_function = on_eof;
    c->cb.channel_close_function = on_close;
    ssh_callbacks_init(&c->cb);
    ssh_set_channel_callbacks(ch, &c->cb);
    c->next = st->chans;
    st->chans = c;
    return c;
}

static int
on_open(struct ssh_state *st, ssh_message msg)
{
    ssh_channel ch;
    struct ssh_chan *c;

    ap_log_debug("channel open type %d (authed %d)", ssh_message_subtype(msg),
                 st->authed);
    if (!st->authed)
        return 1;
    switch (ssh_message_subtype(msg)) {
    case SSH_CHANNEL_SESSION:
        if ((ch = ssh_message_channel_request_open_reply_accept(msg)) == NULL)
            return 0;
        if (chan_new(st, ch, CH_SESSION) == NULL)
            ssh_channel_close(ch);
        return 0;
    case SSH_CHANNEL_DIRECT_TCPIP: {
        /* accepted so that the first bytes can be recorded; nothing is
         * ever connected onward */
        const char *dst = ssh_message_channel_request_open_destination(msg);
        int port = ssh_message_channel_request_open_destination_port(msg);
        if ((ch = ssh_message_channel_request_open_reply_accept(msg)) == NULL)
            return 0;
        if ((c = chan_new(st, ch, CH_TUNNEL)) == NULL) {
            ssh_channel_close(ch);
            return 0;
        }
        snprintf(c->target, sizeof(c->target), "%s", dst ? dst : "");
        c->target_port = port;
        return 0;
    }
    default:
        return 1;
    }
}

static void
env_event(struct ssh_chan *c)
{
    json_t *ev;
    if (c->env == NULL || json_object_size(c->env) == 0)
        return;
    if ((ev = ap_session_event(c->st->s, AP_EV_FINGERPRINT)) == NULL)
        return;
    if (json_object_set(ev, "env", c->env) != 0) {
        json_decref(ev);
        return;
    }
    ap_session_emit(c->st->s, ev);
}

/* The shell exited after a `sleep` (not inside on_data). */
static void
term_exited(void *ctx, int status)
{
    chan_finish(ctx, status);
}

static int
start_term(struct ssh_chan *c)
{
    int rc = term_start(&c->term_ui, c->st->s, &c->st->conf->term,
                        c->st->user, c->pty, c->term, c->width, c->height,
                        chan_write, c);
    if (rc == 0) {
        c->term_live = 1;
        c->term_ui.write_err = chan_write_err;
        c->term_ui.exited = term_exited;
    }
    env_event(c);
    return rc;
}

static void
request_event(struct ssh_state *st, const char *method, const char *path)
{
    json_t *ev = ap_session_event(st->s, AP_EV_REQUEST);
    if (ev == NULL)
        return;
    if (ap_event_set_str(ev, "method", method) != 0 ||
        ap_event_set_bytes(ev, "path", path, strlen(path)) != 0) {
        json_decref(ev);
        return;
    }
    ap_session_emit(st->s, ev);
}

static int
on_channel_request(struct ssh_state *st, ssh_message msg)
{
    struct ssh_chan *c =
        chan_find(st, ssh_message_channel_request_channel(msg));

    if (c == NULL || c->kind != CH_SESSION || c->closed)
        return 1;
    switch (ssh_message_subtype(msg)) {
    case SSH_CHANNEL_REQUEST_PTY: {
        const char *t = ssh_message_channel_request_pty_term(msg);
        int w = ssh_message_channel_request_pty_width(msg);
        int h = ssh_message_channel_request_pty_height(msg);
        c->pty = 1;
        snprintf(c->term, sizeof(c->term), "%s", t ? t : "");
        c->width = w > 0 && w < 10000 ? (unsigned)w : 80;
        c->height = h > 0 && h < 10000 ? (unsigned)h : 24;
        ssh_message_channel_request_reply_success(msg);
        return 0;
    }
    case SSH_CHANNEL_REQUEST_WINDOW_CHANGE: {
        int w = ssh_message_channel_request_pty_width(msg);
        int h = ssh_message_channel_request_pty_height(msg);
        if (c->term_live && w > 0 && h > 0 && w < 10000 && h < 10000)
            term_resize(&c->term_ui, (unsigned)w, (unsigned)h);
        ssh_message_channel_request_reply_success(msg);
        return 0;
    }
    case SSH_CHANNEL_REQUEST_ENV: {
        const char *n = ssh_message_channel_request_env_name(msg);
        const char *v = ssh_message_channel_request_env_value(msg);
        if (n == NULL)
            return 1;
        if (c->env == NULL)
            c->env = json_object();
        if (c->env && json_object_size(c->env) < 64 && ap_utf8_valid(n, strlen(n)) &&
            v && ap_utf8_valid(v, strlen(v)))
            json_object_set_new(c->env, n, json_string(v));
        /* sshd_config: AcceptEnv LANG LC_* */
        if (strcmp(n, "LANG") == 0 || strncmp(n, "LC_", 3) == 0) {
            ssh_message_channel_request_reply_success(msg);
            return 0;
        }
        return 1;
    }
    case SSH_CHANNEL_REQUEST_SHELL:
        ssh_message_channel_request_reply_success(msg);
        c->shell = 1;
        if (start_term(c) != 0) {
            chan_finish(c, 1);
            return 0;
        }
        if (c->pty)
            term_banner(&c->term_ui);
        return 0;
    case SSH_CHANNEL_REQUEST_EXEC: {
        const char *cmd = ssh_message_channel_request_command(msg);
        int status;
        ssh_message_channel_request_reply_success(msg);
        if (cmd == NULL)
            cmd = "";
        if (strncmp(cmd, "scp ", 4) == 0 && strstr(cmd, " -t")) {
            request_event(st, "exec", cmd);
            c->scp = 1;
            if (ssh_scp_start(c, cmd) != 0)
                chan_finish(c, 1);
            return 0;
        }
        if (start_term(c) != 0) {
            chan_finish(c, 1);
            return 0;
        }
        status = term_exec(&c->term_ui, cmd, strlen(cmd));
        /* `ssh host 'sleep 3'` takes three seconds, as on a real host */
        if (c->term_ui.sh != NULL && c->term_ui.sh->delay_ms > 0 &&
            exit_later(c, status, c->term_ui.sh->delay_ms) == 0)
            return 0;
        chan_finish(c, status);
        return 0;
    }
    case SSH_CHANNEL_REQUEST_SUBSYSTEM: {
        const char *name = ssh_message_channel_request_subsystem(msg);
        request_event(st, "subsystem", name ? name : "");
        if (name && strcmp(name, "sftp") == 0) {
            c->sftp = 1;
            ssh_message_channel_request_reply_success(msg);
            return 0;
        }
        return 1;
    }
    default:
        return 1; /* x11, auth-agent: refused as by a default sshd */
    }
}

static int
on_global(struct ssh_state *st, ssh_message msg)
{
    if (ssh_message_subtype(msg) == SSH_GLOBAL_REQUEST_TCPIP_FORWARD) {
        const char *addr = ssh_message_global_request_address(msg);
        json_t *ev = ap_session_event(st->s, AP_EV_TUNNEL);
        if (ev) {
            if (ap_event_set_str(ev, "kind", "tcpip-forward") != 0 ||
                ap_event_set_bytes(ev, "target_host", addr ? addr : "",
                                   addr ? strlen(addr) : 0) != 0 ||
                ap_event_set_int(ev, "target_port",
                                 ssh_message_global_request_port(msg)) != 0)
                json_decref(ev);
            else
                ap_session_emit(st->s, ev);
        }
    }
    return 1; /* refused: the client warns that forwarding failed */
}

int
ssh_on_message(ssh_session session, ssh_message msg, void *userdata)
{
    struct ssh_state *st = userdata;
    AP_UNUSED(session);

    ap_log_debug("message %d/%d", ssh_message_type(msg),
                 ssh_message_subtype(msg));
    switch (ssh_message_type(msg)) {
    case SSH_REQUEST_AUTH:
        return on_auth(st, msg);
    case SSH_REQUEST_CHANNEL_OPEN:
        return on_open(st, msg);
    case SSH_REQUEST_CHANNEL:
        return on_channel_request(st, msg);
    case SSH_REQUEST_GLOBAL:
        return on_global(st, msg);
    default:
        return 1;
    }
}

void
ssh_chans_free(struct ssh_state *st)
{
    while (st->chans) {
        struct ssh_chan *c = st->chans;
        st->chans = c->next;
        tunnel_report(c);
        if (c->exit_ev)
            event_free(c->exit_ev);
        if (c->term_live)
            term_end(&c->term_ui);
        ssh_sftp_free(c);
        json_decref(c->env);
        ap_buf_release(&c->tunnel_data);
        ap_buf_release(&c->in);
        free(c);
    }
}
