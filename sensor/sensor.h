/*
 * The sensor core's internal structures (not for modules: modules see only
 * include/ap/proto.h).  One struct ap_sensor per process; one struct
 * ap_module per protocol module that runs; sessions in session.c.
 */
#ifndef AP_SENSOR_SENSOR_H
#define AP_SENSOR_SENSOR_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "ap/cidr.h"
#include "ap/conf.h"
#include "ap/net.h"
#include "ap/proto.h"

struct event_base;
struct event;
struct ap_spool;
struct ap_deliver;
struct ap_srclimit;
struct ap_session;
struct ap_fetcher;

/* The top-level section of the sensor config (docs/SENSOR.md). */
struct ap_sensor_conf {
    char *name;         /* human name of this sensor */
    char *server;       /* host:port of the hpfeeds broker; NULL = none */
    char *ident, *secret;
    int tls;
    char *tls_ca;       /* CA file to verify the server; NULL = system */
    char *tls_name;     /* expected certificate name; default the host */
    int server_acks;    /* the server acknowledges (apiary); no = MHN */
    long long ack_grace; /* without acks: seconds before sent = delivered */
    char *spool_dir;
    size_t spool_max, spool_segment;
    char *spool_fsync;  /* always, interval, never */
    char *state_dir;    /* modules keep keys, uploads here */
    size_t files_max_size; /* upload/download bytes carried in events */
    int mhn_compat;     /* also publish cowrie.sessions (MHN) */
    char *events_file;  /* also write every event as a JSON line here */
    char *user;         /* drop to this user after binding */
    int allow_root;
    int seccomp;
    struct ap_strlist tags;
    struct ap_strlist modules; /* run these even without a section */
    long long heartbeat;
    char *log_level, *log_file;
    /* per-source limits, across all modules */
    long long source_max_conns;
    long long source_rate;  /* new connections per minute */
    long long source_burst;
    long long max_sessions; /* all modules */
    /* fetching what attackers download (fetch.h); off by default */
    int fetch_downloads;
    size_t fetch_max_size;
    long long fetch_timeout, fetch_max_active;
    struct ap_strlist fetch_allow;
    char *fetch_user_agent;
};

/* Settings every module section has, placed before the module's own
 * config in one allocation so one keyword table covers both. */
struct ap_module_common {
    struct ap_strlist listen;
    long long idle_timeout;
    long long max_secs;
    size_t max_bytes;
    long long max_errors;
    long long max_sessions;
};

struct ap_listener {
    struct ap_sensor *sn;
    struct ap_module *mod;
    int fd;
    int port;
    int udp;
    struct event *ev;
    char spec[64];
};

struct ap_module {
    const struct ap_proto *proto;
    struct ap_sensor *sn;
    void *block;                    /* common + module conf */
    struct ap_module_common *common;
    void *conf;                     /* the module's own part */
    struct ap_conf_kw *kws;         /* common + module keywords */
    char listen_def[8];
    int seen, enabled;
    struct ap_listener *ls;
    size_t nls;
    unsigned long nsessions;
    unsigned long long sessions_total, refused;
};

struct ap_sensor_metrics {
    unsigned long long sessions, refused_limit, refused_rate, events,
        events_refused, events_too_big;
};

struct ap_sensor {
    struct ap_sensor_conf conf;
    struct ap_module *mods;
    size_t nmods;
    struct event_base *base;
    struct ap_spool *spool;
    struct ap_deliver *deliver;
    struct ap_srclimit *src;
    FILE *events_out;
    int stdio;
    const char *ident;            /* conf.ident, or the name, or "local" */
    struct ap_session *sessions;  /* all live sessions */
    unsigned long nsessions;
    int64_t start_us;
    struct ap_sensor_metrics m;
    struct event *fsync_ev, *gc_ev;
    struct ap_fetcher *fetcher;   /* NULL unless fetch_downloads */
    struct ap_cidr_list fetch_allow; /* parsed conf.fetch_allow */
};

/* registry.c: the NULL-terminated table of every module built in. */
extern const struct ap_proto *const ap_protos[];
const struct ap_proto *ap_proto_find(const char *name);

/* sensor_conf.c */
extern const struct ap_conf_kw ap_sensor_keywords[];
/* Build sn->mods (one per registered module) with defaults applied and
 * the merged keyword tables.  Returns 0 or a negative code with err. */
int ap_sensor_modules_init(struct ap_sensor *sn, char *err, size_t errlen);
void ap_sensor_modules_release(struct ap_sensor *sn);
/* Decide which modules run (section present or listed in `modules`) and
 * check their settings. */
int ap_sensor_modules_select(struct ap_sensor *sn, const char *only,
                             char *err, size_t errlen);

/* listen.c: bind every listener of every enabled module; start/stop
 * watching them. */
int ap_sensor_listen(struct ap_sensor *sn, char *err, size_t errlen);
int ap_sensor_listen_start(struct ap_sensor *sn);
void ap_sensor_listen_close(struct ap_sensor *sn);
/* "tcp 2222\n" lines for --port-file. */
int ap_sensor_write_ports(struct ap_sensor *sn, const char *path);

/* session.c */
/* A new TCP session on an accepted fd (takes fd). */
int ap_session_accept(struct ap_module *mod, int fd,
                      const struct sockaddr *peer, socklen_t peerlen);
/* One UDP datagram as a short session. */
void ap_session_datagram(struct ap_listener *l, const uint8_t *p, size_t n,
                         const struct sockaddr *peer, socklen_t peerlen);
/* Serve one session on rfd/wfd (stdio mode); returns when it ends. */
int ap_session_stdio(struct ap_module *mod, int rfd, int wfd);
/* Close every session (shutdown), emitting their disconnect events. */
void ap_session_close_all(struct ap_sensor *sn);

/* emit.c: stamp, spool, write to events_file, kick delivery.  Takes ev. */
int ap_sensor_emit(struct ap_sensor *sn, json_t *ev);
/* A message in another format on another hpfeeds channel (mhn_compat):
 * spooled and delivered in order with the events, but never written to
 * events_file.  Takes msg. */
int ap_sensor_publish(struct ap_sensor *sn, const char *channel, json_t *msg);
/* Spool records of ap_sensor_publish: "@CHANNEL\n" then the payload;
 * events start with '{'.  Returns 1 and sets chan/payload for such a
 * record, 0 for an event. */
int ap_sensor_rec_channel(const uint8_t *p, size_t n, const char **chan,
                          size_t *chanlen, const uint8_t **payload,
                          size_t *plen);

/* privdrop.c */
int ap_sensor_drop_privileges(struct ap_sensor *sn, char *err, size_t errlen);
int ap_sensor_sandbox(struct ap_sensor *sn, char *err, size_t errlen);

#endif
