/*
 * What the SSH and Telnet honeypots share once an attacker has a shell or
 * is logging in: the common config keywords (profile, hostname, auth
 * rules, failure delay, TTY recording), the per-sensor host identity, the
 * login decision + login event, and the interactive terminal: a line
 * editor feeding the emulated shell (sensor/shell), command and download
 * events, and the asciicast recording.
 */
#ifndef AP_TERM_H
#define AP_TERM_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ap/buf.h"
#include "ap/conf.h"
#include "auth_policy.h"
#include "profile.h"
#include "sh.h"
#include "ttylog.h"

struct ap_session;

/* The part of the ssh and telnet config sections they have in common;
 * each module's conf struct starts with one (TERM_CONF_KEYWORDS). */
struct term_conf {
    char *profile;
    char *hostname;
    struct ap_strlist auth_rules;
    long long allow_after;
    long long fail_delay_ms;
    long long max_tries;
    int ttylog;
    /* filled by term_conf_init */
    struct auth_policy auth;
    struct sh_host host;
};

#define TERM_CONF_KEYWORDS(type)                                               \
    {"profile", AP_CONF_STR, offsetof(type, term.profile), "ubuntu-22.04", 0,  \
     0, NULL, "identity: ubuntu-22.04 or debian-12 (docs/SSH.md)"},            \
    {"hostname", AP_CONF_STR, offsetof(type, term.hostname), NULL, 0, 0,       \
     NULL, "host name shown by the shell (default: made up once per start)"},  \
    {"auth_rule", AP_CONF_LIST, offsetof(type, term.auth_rules),               \
     "root:!root,root:!123456,root:*", 0, 0, NULL,                             \
     "USER:PASSWORD patterns, first match wins, !PASSWORD denies"},            \
    {"auth_allow_after", AP_CONF_INT, offsetof(type, term.allow_after), "0",   \
     0, 1000, NULL, "let the Nth+1 attempt of a session in (0: never)"},       \
    {"fail_delay_ms", AP_CONF_INT, offsetof(type, term.fail_delay_ms),         \
     "2000", 0, 10000, NULL, "wait after a wrong password, as PAM does"},      \
    {"max_tries", AP_CONF_INT, offsetof(type, term.max_tries), "6", 1, 100,    \
     NULL, "failed logins before the connection is closed"},                   \
    {"ttylog", AP_CONF_BOOL, offsetof(type, term.ttylog), "yes", 0, 0, NULL,   \
     "record interactive sessions as asciicast v2 in state_dir/tty"}

/* Resolve the profile, compile the auth rules, make up the host identity
 * (hostname, boot time, MAC).  0 or AP_ECONF with a message. */
int term_conf_init(struct term_conf *c, char *err, size_t errlen);

/* A login attempt: decides with the auth policy, emits the login event.
 * Returns 1 when the attacker is let in. */
int term_login(struct ap_session *s, const struct term_conf *c,
               const char *method, const char *user, const char *pass,
               unsigned failed, const char *key_type, const char *key_fp);

/* mkdir -p with mode 0700 for the parts it creates.  0 or AP_EIO. */
int term_mkdirs(const char *path);

/* The interactive terminal of one session. */
struct term {
    struct ap_session *s;
    const struct term_conf *conf;
    struct sh_host host;       /* the conf's, with this session's address */
    struct sh *sh;
    struct ttylog log;
    struct ap_buf line, pending;
    int tty;                   /* a pty: echo, line editing, \r\n output */
    int esc;                   /* inside an escape sequence */
    int last_cr;
    int done;                  /* the shell exited */
    int telnet;                /* login(1) rather than sshd messages */
    /* `sleep` really waits (tty sessions): the line's output and the
     * prompt come when the timer fires; keys typed meanwhile wait in
     * typeahead; ^C ends the wait as it kills sleep. */
    struct event *sleep_ev;
    int sleeping;
    struct ap_buf held, typeahead;
    /* the shell exited outside term_input (after a wait); NULL: close
     * the session */
    void (*exited)(void *ctx, int status);
    unsigned width, height;
    char termname[32];
    /* writes to the attacker (telnet escapes IAC, ssh writes a channel) */
    int (*write)(void *ctx, const void *p, size_t n);
    /* stderr when there is no tty (ssh exec); NULL: same as write */
    int (*write_err)(void *ctx, const void *p, size_t n);
    void *ctx;
};

/* Start a shell for user.  tty: interactive (prompt, echo, recording). */
int term_start(struct term *t, struct ap_session *s,
               const struct term_conf *c, const char *user, int tty,
               const char *termname, unsigned width, unsigned height,
               int (*write)(void *ctx, const void *p, size_t n), void *ctx);
/* Keystrokes from the attacker.  Returns 0, or 1 once the shell exited. */
int term_input(struct term *t, const uint8_t *p, size_t n);
/* Run one command line non-interactively (ssh exec); returns its exit
 * status.  Output goes through write. */
int term_exec(struct term *t, const char *cmd, size_t len);
/* Write the motd, the "Last login" line and the first prompt
 * (interactive logins). */
void term_banner(struct term *t);
/* term_motd.c: the login messages of the claimed build into b; telnet:
 * login(1)'s order and format instead of sshd's. */
void term_motd(struct term *t, const char *user, int telnet,
               struct ap_buf *b);
void term_resize(struct term *t, unsigned width, unsigned height);
/* Free everything; an interactive session's recording is published as a
 * ttylog event first.  Safe on a zeroed or already ended term. */
void term_end(struct term *t);

/* term_files.c: file contents inside events (docs/EVENTS.md). */
int term_sha256_hex(const void *p, size_t n, char out[65]);
/* content_b64 = p[0..n) when n <= files_max_size; 0 or AP_ENOMEM. */
int term_event_content(struct ap_session *s, json_t *ev, const void *p,
                       size_t n);
/* The ttylog event of a finished recording (once). */
void term_publish_ttylog(struct term *t);

#endif
