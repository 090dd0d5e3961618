/*
 * The SSH honeypot's vtable, configuration, host keys and the byte relay
 * in front of libssh (see ssh_int.h for the design).
 *
 * Idle connections are cheap: the banner is sent by us at once (byte for
 * byte what libssh would send, and what OpenSSH sends: the server speaks
 * first) and the libssh session is only created when the client's first
 * bytes arrive; libssh's own copy of the banner is then dropped.
 */
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "ap/conf.h"
#include "ap/err.h"
#include "ap/event.h"
#include "ap/log.h"
#include "ap/proto.h"
#include "ap/util.h"
#include "ssh_int.h"

#include "ap/common.h"

#define SSH_HELLO_MAX (SSH_VERSION_MAX + SSH_FIRST_PACKET_MAX + 8)
#define SSH_RELAY_CHUNK 16384
/* What we hold for libssh when its socket is full, before giving up. */
#define SSH_TO_LIBSSH_MAX (4u * 1024u * 1024u)

static const struct ap_conf_kw ssh_keywords[] = {
    TERM_CONF_KEYWORDS(struct ssh_conf),
    {"host_keys", AP_CONF_STR, offsetof(struct ssh_conf, host_keys), NULL, 0,
     0, NULL, "directory of the host keys (default: state_dir/ssh)"},
    {"max_upload", AP_CONF_SIZE, offsetof(struct ssh_conf, max_upload), "1M",
     1, 64LL * 1024 * 1024, NULL, "bytes of one SFTP/scp upload kept"},
    {"tunnel_capture", AP_CONF_SIZE, offsetof(struct ssh_conf, tunnel_capture),
     "4096", 0, 65536, NULL, "first bytes of a port-forward kept"},
    {NULL, 0, 0, NULL, 0, 0, NULL, NULL},
};

static int
sshm_init(void *conf, char *err, size_t errlen)
{
    struct ssh_conf *c = conf;
    return term_conf_init(&c->term, err, errlen);
}

/* Load DIR/NAME or generate it (first start) and keep it there. */
static int
host_key(const char *dir, const char *name, enum ssh_keytypes_e type,
         int bits, ssh_key *out)
{
    char path[600];
    ssh_key key = NULL;
    int w = snprintf(path, sizeof(path), "%s/%s", dir, name);

    if (w < 0 || (size_t)w >= sizeof(path))
        return AP_EINVAL;
    if (ssh_pki_import_privkey_file(path, NULL, NULL, NULL, &key) == SSH_OK) {
        *out = key;
        return 0;
    }
    if (ssh_pki_generate(type, bits, &key) != SSH_OK)
        return AP_EIO;
    /* private: 0600 through the umask (the sandbox has no chmod) */
    mode_t old = umask(077);
    int rc = ssh_pki_export_privkey_file(key, NULL, NULL, NULL, path);
    umask(old);
    if (rc != SSH_OK) {
        ssh_key_free(key);
        return AP_EIO;
    }
    ap_log_info("generated SSH host key %s", path);
    *out = key;
    return 0;
}

/* The sensor has no module teardown hook; the bind (keys, lists) lives
 * until exit and is freed there so leak checkers stay quiet. */
static ssh_bind the_bind;

static void
bind_free_at_exit(void)
{
    if (the_bind)
        ssh_bind_free(the_bind);
    the_bind = NULL;
}

/* The ssh_bind: the profile's banner and algorithm lists, and the host
 * keys (ed25519, ECDSA P-256, RSA 3072, as a stock install has). */
static int
bind_setup(struct ssh_conf *c, const char *state_dir)
{
    static const struct {
        const char *file;
        enum ssh_keytypes_e type;
        int bits;
    } keys[] = {
        {"ssh_host_rsa_key", SSH_KEYTYPE_RSA, 3072},
        {"ssh_host_ecdsa_key", SSH_KEYTYPE_ECDSA_P256, 256},
        {"ssh_host_ed25519_key", SSH_KEYTYPE_ED25519, 0},
    };
    const struct sh_profile *p = c->term.host.p;
    size_t i;
    int no = 0;

    if (c->bind_ready)
        return 0;
    if (c->host_keys)
        snprintf(c->keydir, sizeof(c->keydir), "%s", c->host_keys);
    else
        snprintf(c->keydir, sizeof(c->keydir), "%s/ssh",
                 state_dir ? state_dir : ".");
    if (term_mkdirs(c->keydir) != 0) {
        ap_log_error("cannot create %s: %s", c->keydir, strerror(errno));
        return AP_EIO;
    }
    if (the_bind != NULL)
        return AP_EINVAL; /* one ssh section per sensor */
    if ((c->bind = ssh_bind_new()) == NULL)
        return AP_ENOMEM;
    the_bind = c->bind;
    atexit(bind_free_at_exit);
    for (i = 0; i < AP_ARRAY_SIZE(keys); i++) {
        ssh_key k;
        if (host_key(c->keydir, keys[i].file, keys[i].type, keys[i].bits,
                     &k) != 0) {
            ap_log_error("cannot load or create %s/%s", c->keydir,
                         keys[i].file);
            return AP_EIO;
        }
        /* the bind owns the key from here */
        if (ssh_bind_options_set(c->bind, SSH_BIND_OPTIONS_IMPORT_KEY, k) !=
            SSH_OK) {
            ssh_key_free(k);
            return AP_EIO;
        }
    }
    if (ssh_bind_options_set(c->bind, SSH_BIND_OPTIONS_PROCESS_CONFIG, &no) !=
            SSH_OK ||
        ssh_bind_options_set(c->bind, SSH_BIND_OPTIONS_BANNER,
                             p->ssh_version) != SSH_OK ||
        ssh_bind_options_set(c->bind, SSH_BIND_OPTIONS_KEY_EXCHANGE,
                             p->ssh_kex) != SSH_OK ||
        ssh_bind_options_set(c->bind, SSH_BIND_OPTIONS_HOSTKEY_ALGORITHMS,
                             p->ssh_hostkeys) != SSH_OK ||
        ssh_bind_options_set(c->bind, SSH_BIND_OPTIONS_CIPHERS_C_S,
                             p->ssh_ciphers) != SSH_OK ||
        ssh_bind_options_set(c->bind, SSH_BIND_OPTIONS_CIPHERS_S_C,
                             p->ssh_ciphers) != SSH_OK ||
        ssh_bind_options_set(c->bind, SSH_BIND_OPTIONS_HMAC_C_S,
                             p->ssh_macs) != SSH_OK ||
        ssh_bind_options_set(c->bind, SSH_BIND_OPTIONS_HMAC_S_C,
                             p->ssh_macs) != SSH_OK) {
        ap_log_error("libssh refused the %s algorithm lists", p->name);
        return AP_ECONF;
    }
    c->bind_ready = 1;
    return 0;
}

/* Host keys at start-up, not on the first connection (a fresh sensor
 * would otherwise make its first attacker wait for an RSA key). */
static int
sshm_ready(void *conf, const char *state_dir, char *err, size_t errlen)
{
    struct ssh_conf *c = conf;
    int r = bind_setup(c, state_dir);

    if (r != 0)
        snprintf(err, errlen, "host keys in %s: %s",
                 c->keydir[0] ? c->keydir : "state_dir/ssh", ap_strerror(r));
    return r;
}

/* --- the relay ------------------------------------------------------ */

static void
fingerprint_event(struct ssh_state *st, const struct ssh_kexinit *k)
{
    json_t *ev = ap_session_event(st->s, AP_EV_FINGERPRINT);
    char algos[4096], md5[33];

    if (ev == NULL)
        return;
    if (st->client_version[0] &&
        ap_event_set_bytes(ev, "client_version", st->client_version,
                           strlen(st->client_version)) != 0)
        goto fail;
    if (k && ssh_hassh(k, algos, sizeof(algos), md5) == 0 &&
        (ap_event_set_str(ev, "hassh", md5) != 0 ||
         ap_event_set_str(ev, "hassh_algorithms", algos) != 0))
        goto fail;
    ap_session_emit(st->s, ev);
    return;
fail:
    json_decref(ev);
}

/* Read the cleartext client version and KEXINIT off the stream. */
static void
parse_hello(struct ssh_state *st, const uint8_t *p, size_t n)
{
    const uint8_t *payload;
    size_t plen;
    ssize_t r;

    if (st->hello_state >= 2)
        return;
    if (ap_buf_append(&st->hello, p, n) != 0) {
        st->hello_state = 2;
        fingerprint_event(st, NULL);
        ap_buf_release(&st->hello);
        return;
    }
    if (st->hello_state == 0) {
        r = ssh_version_parse(ap_buf_data(&st->hello), ap_buf_len(&st->hello),
                              st->client_version,
                              sizeof(st->client_version));
        if (r == 0)
            return;
        if (r < 0) {
            st->hello_state = 2; /* not SSH; libssh answers it */
            ap_buf_release(&st->hello);
            return;
        }
        ap_buf_consume(&st->hello, (size_t)r);
        st->hello_state = 1;
    }
    r = ssh_packet_parse(ap_buf_data(&st->hello), ap_buf_len(&st->hello),
                         SSH_FIRST_PACKET_MAX, &payload, &plen);
    if (r == 0)
        return;
    {
        struct ssh_kexinit k;
        int ok = r > 0 && ssh_kexinit_parse(payload, plen, &k) == 0;
        fingerprint_event(st, ok ? &k : NULL);
    }
    st->hello_state = 2;
    ap_buf_release(&st->hello);
}

static void
flush_to_libssh(struct ssh_state *st)
{
    while (ap_buf_len(&st->to_libssh) > 0) {
        ssize_t w = write(st->fd, ap_buf_data(&st->to_libssh),
                          ap_buf_len(&st->to_libssh));
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && errno == EAGAIN) {
            event_add(st->wev, NULL);
            return;
        }
        if (w <= 0) {
            st->dead = 1;
            return;
        }
        ap_buf_consume(&st->to_libssh, (size_t)w);
    }
    /* drained: give the memory back (a held session keeps none) */
    ap_buf_release(&st->to_libssh);
}

static void
relay_read(evutil_socket_t fd, short what, void *arg)
{
    struct ssh_state *st = arg;
    uint8_t buf[SSH_RELAY_CHUNK];
    AP_UNUSED(what);

    if (st->holding)
        return;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            break;
        if (n <= 0) {
            /* libssh closed the connection (disconnect or error) */
            event_del(st->rev);
            ap_session_close(st->s);
            return;
        }
        const uint8_t *p = buf;
        size_t len = (size_t)n;
        if (st->skip_banner > 0) {
            size_t k = AP_MIN(len, st->skip_banner);
            st->skip_banner -= k;
            p += k;
            len -= k;
        }
        if (len > 0 && ap_session_write(st->s, p, len) != 0)
            return;
    }
    /* room in the socket again: libssh may have output waiting */
    ssh_drive(st);
}

static void
relay_writable(evutil_socket_t fd, short what, void *arg)
{
    struct ssh_state *st = arg;
    AP_UNUSED(fd);
    AP_UNUSED(what);
    flush_to_libssh(st);
    ssh_drive(st);
}

static void
hold_done(evutil_socket_t fd, short what, void *arg)
{
    struct ssh_state *st = arg;
    AP_UNUSED(fd);
    AP_UNUSED(what);
    st->holding = 0;
    event_add(st->rev, NULL);
    event_active(st->rev, EV_READ, 0);
}

void
ssh_hold_output(struct ssh_state *st, long long ms)
{
    struct timeval tv;

    if (ms <= 0 || st->hold == NULL)
        return;
    st->holding = 1;
    event_del(st->rev);
    tv.tv_sec = (time_t)(ms / 1000);
    tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
    evtimer_add(st->hold, &tv);
}

void
ssh_drive(struct ssh_state *st)
{
    int rc, i;

    if (st->ssh == NULL || st->dead)
        return;
    if (!st->kex_done) {
        rc = ssh_handle_key_exchange(st->ssh);
        if (rc == SSH_AGAIN)
            return;
        if (rc != SSH_OK) {
            /* bad client, or one that left: libssh has said why */
            st->dead = 1;
            return;
        }
        st->kex_done = 1;
        if ((st->sev = ssh_event_new()) == NULL ||
            ssh_event_add_session(st->sev, st->ssh) != SSH_OK) {
            st->dead = 1;
            return;
        }
    }
    /* process everything the relay has handed libssh: one poll reads
     * only part of a large burst (an upload), and the client may be
     * waiting for our answer before it sends more */
    for (i = 0; i < 256; i++) {
        int pending = 0;
        rc = ssh_event_dopoll(st->sev, 0);
        if (rc == SSH_ERROR ||
            (ssh_get_status(st->ssh) & (SSH_CLOSED | SSH_CLOSED_ERROR))) {
            st->dead = 1;
            return;
        }
        if (ioctl(ssh_get_fd(st->ssh), FIONREAD, &pending) != 0 ||
            pending == 0)
            break;
    }
}

/* The libssh session, on the client's first bytes. */
static int
session_setup(struct ssh_state *st)
{
    struct ssh_conf *c = (struct ssh_conf *)(uintptr_t)st->conf;
    int sv[2];

    if (bind_setup(c, ap_session_state_dir(st->s)) != 0)
        return AP_EIO;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
                   sv) != 0)
        return AP_EIO;
    st->fd = sv[0];
    st->rev = event_new(ap_session_base(st->s), sv[0], EV_READ | EV_PERSIST,
                        relay_read, st);
    st->wev = event_new(ap_session_base(st->s), sv[0], EV_WRITE, relay_writable,
                        st);
    st->hold = evtimer_new(ap_session_base(st->s), hold_done, st);
    if ((st->ssh = ssh_new()) == NULL || st->rev == NULL || st->wev == NULL ||
        st->hold == NULL) {
        close(sv[1]);
        return AP_ENOMEM;
    }
    if (ssh_bind_accept_fd(c->bind, st->ssh, sv[1]) != SSH_OK) {
        ap_log_warn("ssh_bind_accept_fd: %s", ssh_get_error(c->bind));
        close(sv[1]);
        return AP_EIO;
    }
    ssh_set_blocking(st->ssh, 0);
    ssh_set_auth_methods(st->ssh, SSH_AUTH_METHOD_PUBLICKEY |
                                      SSH_AUTH_METHOD_PASSWORD |
                                      SSH_AUTH_METHOD_INTERACTIVE);
    ssh_set_message_callback(st->ssh, ssh_on_message, st);
    event_add(st->rev, NULL);
    return 0;
}

static int
sshm_start(struct ap_session *s)
{
    struct ssh_state *st = ap_session_state(s);
    const struct ssh_conf *c = ap_session_conf(s);
    char banner[300];
    int n;

    st->s = s;
    st->conf = c;
    st->fd = -1;
    st->start_us = ap_now_us();
    ap_buf_init(&st->to_libssh, SSH_TO_LIBSSH_MAX);
    ap_buf_init(&st->hello, SSH_HELLO_MAX);
    n = snprintf(banner, sizeof(banner), "SSH-2.0-%s\r\n",
                 c->term.host.p->ssh_version);
    st->skip_banner = (size_t)n;
    return ap_session_write(s, banner, (size_t)n);
}

/* Hand everything buffered to libssh and let it run. */
static int
feed(struct ssh_state *st)
{
    int rc;

    if (st->ssh == NULL && (rc = session_setup(st)) != 0)
        return rc;
    flush_to_libssh(st);
    ssh_drive(st);
    if (st->dead && !st->holding) {
        /* let libssh's last words (a disconnect message) out first */
        relay_read(st->fd, EV_READ, st);
        ap_session_close(st->s);
    }
    return 0;
}

static void
start_late(evutil_socket_t fd, short what, void *arg)
{
    struct ssh_state *st = arg;
    AP_UNUSED(fd);
    AP_UNUSED(what);
    if (st->ssh == NULL && feed(st) != 0)
        ap_session_close(st->s);
}

static ssize_t
sshm_input(struct ap_session *s, const uint8_t *p, size_t len)
{
    struct ssh_state *st = ap_session_state(s);
    int rc;

    parse_hello(st, p, len);
    if (ap_buf_append(&st->to_libssh, p, len) != 0)
        return AP_ETOOBIG;
    if (st->ssh == NULL && st->hello_state < 2) {
        /* A libssh session costs ~25 KB: create it once the client's
         * KEXINIT is here (clients send it right after their version
         * line), or after a second for a client that waits for ours.
         * A scanner that sends a version line and idles stays cheap. */
        struct timeval tv = {1, 0};
        if (st->late == NULL &&
            (st->late = evtimer_new(ap_session_base(s), start_late, st)) ==
                NULL)
            return AP_ENOMEM;
        if (!evtimer_pending(st->late, NULL))
            evtimer_add(st->late, &tv);
        return (ssize_t)len;
    }
    if (st->late)
        evtimer_del(st->late);
    if ((rc = feed(st)) != 0)
        return rc;
    return (ssize_t)len;
}

static void
sshm_close(struct ap_session *s)
{
    struct ssh_state *st = ap_session_state(s);

    if (st->hello_state == 1 && st->client_version[0])
        fingerprint_event(st, NULL); /* a version but never a KEXINIT */
    if (st->sev) {
        if (st->ssh)
            ssh_event_remove_session(st->sev, st->ssh);
        ssh_event_free(st->sev);
        st->sev = NULL;
    }
    if (st->ssh) {
        ssh_free(st->ssh); /* closes libssh's end of the pair */
        st->ssh = NULL;
    }
    /* after ssh_free: libssh no longer holds our channel callbacks */
    ssh_chans_free(st);
    if (st->rev)
        event_free(st->rev);
    if (st->wev)
        event_free(st->wev);
    if (st->hold)
        event_free(st->hold);
    if (st->late)
        event_free(st->late);
    st->rev = st->wev = st->hold = st->late = NULL;
    if (st->fd >= 0)
        close(st->fd);
    st->fd = -1;
    ap_buf_release(&st->to_libssh);
    ap_buf_release(&st->hello);
}

const struct ap_proto ap_proto_ssh = {
    .name = "ssh",
    .default_port = 22,
    .transport = AP_PROTO_TCP,
    .max_frame = 1, /* input() takes everything it is given */
    .state_size = sizeof(struct ssh_state),
    .conf_size = sizeof(struct ssh_conf),
    .keywords = ssh_keywords,
    .init = sshm_init,
    .ready = sshm_ready,
    .start = sshm_start,
    .input = sshm_input,
    .close = sshm_close,
    .try_it = "ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null "
              "-p {port} root@127.0.0.1",
};
