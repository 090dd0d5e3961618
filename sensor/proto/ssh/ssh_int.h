/*
 * Internals of the SSH honeypot, shared by its files:
 *   ssh_module.c   vtable, config, host keys, the byte relay to libssh
 *   ssh_server.c   what libssh reports: auth, channels, requests
 *   ssh_sftp.c     SFTP and scp uploads into the capture store
 *
 * The relay: the sensor core owns the attacker's socket and hands us its
 * bytes; we write them into one end of a socketpair whose other end
 * libssh owns (ssh_bind_accept_fd), reading the cleartext version line
 * and KEXINIT on the way (HASSH), and send what libssh writes back with
 * ap_session_write.  libssh runs non-blocking, driven from the sensor's
 * libevent loop: no thread per session.
 */
#ifndef AP_SSH_INT_H
#define AP_SSH_INT_H

#include <stddef.h>
#include <stdint.h>

#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <libssh/server.h>

#include "ap/buf.h"
#include "ssh_kexinit_parse.h"
#include "term.h"

struct event;
struct ap_session;

struct ssh_conf {
    struct term_conf term; /* first: TERM_CONF_KEYWORDS */
    char *host_keys;       /* directory; default state_dir/ssh */
    size_t max_upload;
    size_t tunnel_capture;
    /* built by init or on the first session */
    ssh_bind bind;
    int bind_ready;
    char keydir[512];
};

/* One channel the attacker opened. */
enum ch_kind { CH_SESSION, CH_TUNNEL };

struct ssh_chan {
    struct ssh_chan *next;
    struct ssh_state *st;
    ssh_channel ch;
    enum ch_kind kind;
    struct ssh_channel_callbacks_struct cb;
    /* session channels */
    int pty;
    char term[32];
    unsigned width, height;
    json_t *env;
    struct term term_ui;
    int term_live;
    int shell;          /* a shell runs on this channel */
    int sftp;           /* the sftp subsystem runs on this channel */
    int scp;            /* "scp -t" sink */
    struct ap_buf in;   /* sftp/scp framing buffer */
    struct sftp_state *sftpst;
    struct scp_state *scpst;
    int closed;
    struct event *exit_ev; /* exec: the exit waits for the command's sleep */
    int exit_status;
    /* tunnels */
    char target[256];
    int target_port;
    struct ap_buf tunnel_data;
    int reported;
};

struct ssh_state {
    struct ap_session *s;
    const struct ssh_conf *conf;
    int fd;             /* our end of the socketpair */
    ssh_session ssh;
    ssh_event sev;
    struct event *rev;  /* fd readable: libssh wrote for the attacker */
    struct event *wev;  /* fd writable again: flush to_libssh */
    struct event *hold; /* failed-auth delay timer */
    struct event *late; /* creates the libssh session if no KEXINIT comes */
    int holding;
    int kex_done;
    int dead;
    size_t skip_banner; /* libssh's banner: we sent it already */
    struct ap_buf to_libssh;
    /* cleartext hello, until KEXINIT is parsed */
    struct ap_buf hello;
    int hello_state;    /* 0 version, 1 packet, 2 done */
    char client_version[SSH_VERSION_MAX + 1];
    /* auth */
    char user[256];
    unsigned failed;
    int authed;
    int kbdint_pending;
    struct ssh_chan *chans;
    int64_t start_us;
};

/* ssh_module.c */
void ssh_drive(struct ssh_state *st);
void ssh_hold_output(struct ssh_state *st, long long ms);

/* ssh_server.c */
int ssh_on_message(ssh_session session, ssh_message msg, void *userdata);
void ssh_chans_free(struct ssh_state *st);

/* ssh_sftp.c: feed channel data; returns 0 or <0 to close the channel. */
int ssh_sftp_input(struct ssh_chan *c, const uint8_t *p, size_t n);
int ssh_scp_start(struct ssh_chan *c, const char *cmd);
int ssh_scp_input(struct ssh_chan *c, const uint8_t *p, size_t n);
void ssh_sftp_free(struct ssh_chan *c);
/* Store an upload by SHA-256 under state_dir/files and emit the event. */
void ssh_store_upload(struct ssh_state *st, const char *name,
                      const uint8_t *p, size_t n, int truncated);

#endif
