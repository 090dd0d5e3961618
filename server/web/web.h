/*
 * The web component ("web"): dashboard, live stream and REST API served by
 * libmicrohttpd from its own thread pool.  One route table (web_routes.c)
 * maps (method, path pattern) to a handler and the role it requires; the
 * core (web.c) authenticates every request before the handler runs, so a
 * handler never sees a request its role does not allow.
 *
 * Threads: MHD worker threads run the handlers.  They use their own
 * connection to server.db (w->db, SQLITE_OPEN_FULLMUTEX) and the store
 * (thread-safe by contract); the main loop's srv->db is never touched.
 */
#ifndef AP_WEB_H
#define AP_WEB_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>

#include "ap/buf.h"
#include "ap/conf.h"

struct MHD_Connection;
struct MHD_Daemon;
struct ap_server;
struct web_sse;
struct web_ratelimit;

/* Caps for the web side, next to its code (the store caps rows). */
#define WEB_MAX_BODY (64u * 1024u)       /* request body (JSON forms) */
#define WEB_MAX_RESPONSE (16u * 1024u * 1024u)
#define WEB_MAX_PARAM 512u               /* one query parameter value */
#define WEB_SSE_QUEUE 256u               /* events queued per SSE client */
#define WEB_SSE_CLIENTS 256u             /* concurrent SSE clients */
#define WEB_MAX_HASHING 4                /* concurrent Argon2id hashes */

enum web_role {
    WEB_ROLE_PUBLIC = 0, /* no authentication (login, static assets) */
    WEB_ROLE_VIEWER = 1,
    WEB_ROLE_ADMIN = 2,
};

/* Route flags. */
#define WEB_PAGE 0x1  /* an HTML page: unauthenticated -> 302 /login */
#define WEB_NOCSRF 0x2 /* state-changing but exempt (login itself) */

struct web_conf {
    char *listen;         /* "127.0.0.1:8080", "[::1]:0", "*:8443" */
    long long threads;
    char *tls_cert;       /* PEM; both set -> HTTPS */
    char *tls_key;
    char *admin_password; /* first start only; otherwise random + printed */
    long long session_secs;
    long long login_burst;    /* failed logins per source before 429 */
    long long login_window;   /* seconds that budget refills over */
    char *public_url;     /* shown on the deploy page */
};

struct web {
    struct ap_server *srv;
    struct web_conf *conf;
    struct MHD_Daemon *mhd;
    sqlite3 *db;
    int tls;
    int port;
    struct web_sse *sse;
    struct web_ratelimit *rl;
    /* Argon2id hashing runs on its own threads (web_auth.c). */
    pthread_mutex_t hash_mu;
    pthread_cond_t hash_cv;
    int hashing;
    char dummy_hash[128]; /* for unknown users: same cost */
};

struct web_user {
    long long id;
    char name[64];
    enum web_role role;
    int via_session;   /* authenticated by cookie (CSRF applies) */
    char csrf[48];     /* the session's synchroniser token */
};

struct web_route;
struct web_req;
typedef int (*web_handler_fn)(struct web_req *r);

struct web_route {
    const char *method;  /* "GET", "POST", "DELETE" */
    const char *pattern; /* "/api/v1/attacker/<>"; <> matches one segment */
    enum web_role role;
    int flags;
    web_handler_fn handler;
};

#define WEB_MAX_ARGS 4

/* One request, from the first access-handler call to completion. */
struct web_req {
    struct web *w;
    struct MHD_Connection *conn;
    const char *method;
    const char *url;
    const struct web_route *route;
    char *args[WEB_MAX_ARGS]; /* the <> segments, URL-decoded */
    int nargs;
    struct ap_buf body;       /* uploaded body, capped at WEB_MAX_BODY */
    int body_too_big;
    int calls;
    struct web_user user;
    char client_ip[64];
    /* The response, built by the handler. */
    unsigned status;
    struct ap_buf out;
    const char *ctype;
    char *set_cookie;         /* owned */
    char *location;           /* owned, for redirects */
    char *disposition;        /* owned, Content-Disposition */
    int cache_static;         /* immutable asset: allow caching */
    int csp_wasm;             /* page may compile WebAssembly (TTY player) */
    /* A file response (the deploy binary): sent from file_fd instead of
     * out; the fd is owned by the request until handed to MHD. */
    int has_file;
    int file_fd;
    uint64_t file_size;
    /* Deferred work (login hashing): the handler returns WEB_SUSPENDED
     * and is called again once done. */
    int suspended;
    int async_done;
    void *async;              /* handler-owned state; freed by async_free */
    void (*async_free)(void *);
    /* SSE: set by the stream handler; the core builds a callback
     * response from it. */
    void *sse_client;
};

#define WEB_SUSPENDED 1

/* web_routes.c: the table (NULL-pattern terminated) */
extern const struct web_route web_routes[];
/* web_match.c: the route of table for (method, path); fills args.
 * Returns the route, or NULL with *method_mismatch set when the path
 * exists for another method.  Pure: path is the decoded URL path. */
const struct web_route *web_route_find(const struct web_route *table,
                                       const char *method, const char *path,
                                       char **args, int *nargs,
                                       int *method_mismatch);
/* Free what web_route_find put in args. */
void web_route_args_free(char **args, int nargs);

/* web.c: response helpers for handlers. */
int web_reply_json(struct web_req *r, unsigned status, json_t *j); /* steals */
int web_reply_error(struct web_req *r, unsigned status, const char *msg);
int web_reply_text(struct web_req *r, unsigned status, const char *ctype,
                   const void *p, size_t n);
const char *web_param(struct web_req *r, const char *name);
const char *web_header(struct web_req *r, const char *name);
/* Parse the request body as a JSON object (NULL on bad/missing body). */
json_t *web_body_json(struct web_req *r);

/* web_auth.c */
int web_auth_open(struct web *w, char *err, size_t errlen);
/* Authenticate r from cookie, Authorization: Bearer, X-Api-Key or
 * api_key=.  0 and r->user filled, or AP_EAUTH. */
int web_auth_request(struct web_req *r);
/* Does the request carry the session's CSRF token (header X-CSRF-Token)? */
int web_auth_csrf_ok(struct web_req *r);
/* Create or find the first admin (first start). */
int web_auth_bootstrap(struct web *w, const char *password, char *err,
                       size_t errlen);
void web_auth_close(struct web *w);
/* SHA-256 hex of s (65 bytes out). */
void web_sha256_hex(const char *s, char out[65]);

/* web_sse.c */
int web_sse_start(struct web *w);
/* Wake every stream client so it ends (before MHD_stop_daemon). */
void web_sse_stop(struct web *w);
/* Free the stream state (after MHD_stop_daemon). */
void web_sse_free(struct web *w);
/* Build the MHD response for a stream client created by the handler. */
struct MHD_Response *web_sse_response(struct web_req *r);

/* web_assets.c (generated at build time from web/) */
struct web_asset {
    const char *path; /* "/static/app.js" */
    const char *ctype;
    const unsigned char *data;
    size_t len;
};
extern const struct web_asset web_assets[];
extern const size_t web_nassets;
const struct web_asset *web_asset_find(const char *path);

#endif
