/*
 * The "web" server component: libmicrohttpd with an internal epoll thread
 * pool, one access handler that routes, authenticates, checks the role and
 * the CSRF token, then calls the route's handler and adds the security
 * headers to whatever it answers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>
#include <sodium.h>

#include "ap/err.h"
#include "ap/log.h"
#include "ap/net.h"
#include "server.h"
#include "web.h"
#include "ap/common.h"

/* No inline script or style anywhere: every page loads /static/ files. */
#define WEB_DEFAULT_LISTEN "127.0.0.1:8080"

#define WEB_CSP_REST                                                           \
    " style-src 'self'; "                                                      \
    "img-src 'self' data:; connect-src 'self'; font-src 'self'; "              \
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
#define WEB_CSP "default-src 'none'; script-src 'self';" WEB_CSP_REST
/* The session page runs the TTY player, whose terminal emulator is
 * WebAssembly: compiling it needs 'wasm-unsafe-eval' (still no inline
 * script, no eval of JavaScript), on that page only. */
#define WEB_CSP_WASM                                                           \
    "default-src 'none'; script-src 'self' 'wasm-unsafe-eval';" WEB_CSP_REST

static const struct ap_conf_kw web_keywords[] = {
    /* No table default: an unset listen means WEB_DEFAULT_LISTEN, and a
     * busy default port only disables the web (see web_start). */
    {"listen", AP_CONF_STR, offsetof(struct web_conf, listen), NULL, 0, 0,
     NULL,
     "address:port of the dashboard and API (port 0 = any free port; "
     "default " WEB_DEFAULT_LISTEN ")"},
    {"threads", AP_CONF_INT, offsetof(struct web_conf, threads), "2", 1, 64,
     NULL, "HTTP worker threads"},
    {"tls_cert", AP_CONF_STR, offsetof(struct web_conf, tls_cert), NULL, 0, 0,
     NULL, "PEM certificate chain; with tls_key, serve HTTPS"},
    {"tls_key", AP_CONF_STR, offsetof(struct web_conf, tls_key), NULL, 0, 0,
     NULL, "PEM private key"},
    {"admin_password", AP_CONF_STR, offsetof(struct web_conf, admin_password),
     NULL, 0, 0, NULL,
     "password of the first admin (first start only; else random, printed)"},
    {"session_lifetime", AP_CONF_SECS, offsetof(struct web_conf, session_secs),
     "12h", 60, 30LL * 86400, NULL, "how long a login session lasts"},
    {"login_burst", AP_CONF_INT, offsetof(struct web_conf, login_burst), "10",
     1, 10000, NULL, "failed logins per source address before 429"},
    {"login_window", AP_CONF_SECS, offsetof(struct web_conf, login_window),
     "5m", 1, 86400, NULL, "time over which the login budget refills"},
    {"public_url", AP_CONF_STR, offsetof(struct web_conf, public_url), NULL, 0,
     0, NULL, "URL sensors use to reach this server (deploy page)"},
    {NULL, 0, 0, NULL, 0, 0, NULL, NULL},
};

int
web_reply_text(struct web_req *r, unsigned status, const char *ctype,
               const void *p, size_t n)
{
    ap_buf_reset(&r->out);
    r->status = status;
    r->ctype = ctype;
    return ap_buf_append(&r->out, p, n);
}

int
web_reply_json(struct web_req *r, unsigned status, json_t *j)
{
    char *s;
    int rc;

    if (j == NULL)
        return web_reply_error(r, 500, "out of memory");
    s = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(j);
    if (s == NULL)
        return web_reply_error(r, 500, "out of memory");
    rc = web_reply_text(r, status, "application/json", s, strlen(s));
    free(s);
    if (rc != 0)
        return web_reply_error(r, 500, "response too large");
    return 0;
}

int
web_reply_error(struct web_req *r, unsigned status, const char *msg)
{
    json_t *j = json_pack("{s:s}", "error", msg);
    char *s = j ? json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;

    json_decref(j);
    ap_buf_reset(&r->out);
    r->status = status;
    r->ctype = "application/json";
    if (s != NULL)
        (void)ap_buf_puts(&r->out, s);
    free(s);
    return 0;
}

const char *
web_param(struct web_req *r, const char *name)
{
    const char *v =
        MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);

    if (v == NULL || *v == '\0' || strlen(v) > WEB_MAX_PARAM)
        return NULL;
    return v;
}

const char *
web_header(struct web_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

json_t *
web_body_json(struct web_req *r)
{
    json_t *j;

    if (ap_buf_len(&r->body) == 0)
        return NULL;
    j = json_loadb((const char *)ap_buf_data(&r->body), ap_buf_len(&r->body),
                   JSON_REJECT_DUPLICATES, NULL);
    if (j != NULL && !json_is_object(j)) {
        json_decref(j);
        return NULL;
    }
    return j;
}

static void
req_free(struct web_req *r)
{
    if (r == NULL)
        return;
    web_route_args_free(r->args, r->nargs);
    ap_buf_release(&r->body);
    ap_buf_release(&r->out);
    if (r->async_free && r->async)
        r->async_free(r->async);
    free(r->set_cookie);
    free(r->location);
    free(r->disposition);
    if (r->has_file)
        close(r->file_fd);
    sodium_memzero(&r->user, sizeof(r->user));
    free(r);
}

static void
add_security_headers(struct web_req *r, struct MHD_Response *resp)
{
    MHD_add_response_header(resp, "Content-Security-Policy",
                            r->csp_wasm ? WEB_CSP_WASM : WEB_CSP);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "Cross-Origin-Opener-Policy", "same-origin");
    MHD_add_response_header(resp, "Cross-Origin-Resource-Policy",
                            "same-origin");
    if (r->w->tls)
        MHD_add_response_header(resp, "Strict-Transport-Security",
                                "max-age=31536000");
    MHD_add_response_header(resp, "Cache-Control",
                            r->cache_static ? "private, max-age=300"
                                            : "no-store");
}

static enum MHD_Result
send_reply(struct web_req *r)
{
    struct MHD_Response *resp;
    enum MHD_Result ret;
    char ctype[96];

    if (r->sse_client != NULL) {
        resp = web_sse_response(r);
    } else if (r->has_file) {
        /* MHD owns (and closes) the fd from here on */
        resp = MHD_create_response_from_fd(r->file_size, r->file_fd);
        r->has_file = 0;
    } else
        resp = MHD_create_response_from_buffer(
            ap_buf_len(&r->out), (void *)ap_buf_data(&r->out),
            MHD_RESPMEM_MUST_COPY);
    if (resp == NULL)
        return MHD_NO;
    add_security_headers(r, resp);
    if (r->ctype != NULL) {
        if (strncmp(r->ctype, "text/", 5) == 0 ||
            strcmp(r->ctype, "application/javascript") == 0 ||
            strcmp(r->ctype, "application/json") == 0)
            snprintf(ctype, sizeof(ctype), "%s; charset=utf-8", r->ctype);
        else
            snprintf(ctype, sizeof(ctype), "%s", r->ctype);
        MHD_add_response_header(resp, "Content-Type", ctype);
    }
    if (r->set_cookie)
        MHD_add_response_header(resp, "Set-Cookie", r->set_cookie);
    if (r->location)
        MHD_add_response_header(resp, "Location", r->location);
    if (r->disposition)
        MHD_add_response_header(resp, "Content-Disposition", r->disposition);
    ret = MHD_queue_response(r->conn, r->status ? r->status : 500, resp);
    MHD_destroy_response(resp);
    return ret;
}

static int
is_safe_method(const char *m)
{
    return strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
}

/* Route, authenticate, authorise and check CSRF; then run the handler.
 * Returns WEB_SUSPENDED when the handler deferred its work. */
static int
dispatch(struct web_req *r)
{
    int mismatch = 0, rc;

    if (r->route == NULL) {
        r->route = web_route_find(web_routes, r->method, r->url, r->args,
                                  &r->nargs, &mismatch);
        if (r->route == NULL) {
            if (mismatch)
                return web_reply_error(r, 405, "Method not allowed.");
            return web_reply_error(r, 404,
                                   "Requested resource was not found.");
        }
        if (r->body_too_big)
            return web_reply_error(r, 413, "Request body too large.");
        if (r->route->role != WEB_ROLE_PUBLIC) {
            if (web_auth_request(r) != 0) {
                if (r->route->flags & WEB_PAGE) {
                    r->status = 302;
                    r->location = strdup("/login");
                    r->ctype = "text/plain";
                    return 0;
                }
                return web_reply_error(
                    r, 401, "Not authorized to perform this request.");
            }
            if ((int)r->user.role < (int)r->route->role)
                return web_reply_error(r, 403,
                                       "This needs the admin role.");
            if (!is_safe_method(r->method) && r->user.via_session &&
                !(r->route->flags & WEB_NOCSRF) && !web_auth_csrf_ok(r))
                return web_reply_error(r, 403,
                                       "Missing or bad CSRF token.");
        }
    }
    rc = r->route->handler(r);
    if (rc == WEB_SUSPENDED)
        return rc;
    if (rc < 0 && r->status == 0)
        web_reply_error(r, 500, ap_strerror(rc));
    return 0;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
           const char *method, const char *version, const char *upload,
           size_t *upload_size, void **con_cls)
{
    struct web *w = cls;
    struct web_req *r = *con_cls;
    const union MHD_ConnectionInfo *ci;

    (void)version;
    if (r == NULL) {
        /* First call: only the headers are in.  Answering now would make
         * MHD close keep-alive connections, so answer on a later call. */
        if ((r = calloc(1, sizeof(*r))) == NULL)
            return MHD_NO;
        r->w = w;
        r->conn = conn;
        r->method = method;
        r->url = url;
        ap_buf_init(&r->body, WEB_MAX_BODY);
        ap_buf_init(&r->out, WEB_MAX_RESPONSE);
        ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        if (ci != NULL && ci->client_addr != NULL)
            ap_addr_ip(ci->client_addr, r->client_ip, sizeof(r->client_ip));
        *con_cls = r;
        return MHD_YES;
    }
    if (*upload_size != 0) {
        if (!r->body_too_big &&
            ap_buf_append(&r->body, upload, *upload_size) != 0)
            r->body_too_big = 1;
        *upload_size = 0;
        return MHD_YES;
    }
    if (r->suspended) {
        r->suspended = 0; /* resumed by the deferred work */
    }
    if (dispatch(r) == WEB_SUSPENDED) {
        /* The handler suspended the connection; it is called again
         * once its work resumes it. */
        r->suspended = 1;
        return MHD_YES;
    }
    return send_reply(r);
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
             enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    req_free(*con_cls);
    *con_cls = NULL;
}

static void
on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[512];

    (void)cls;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    msg[strcspn(msg, "\n")] = '\0';
    ap_log_debug("microhttpd: %s", msg);
}

static int
read_pem(const char *path, char **out, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    struct ap_buf b;
    char chunk[4096];
    size_t n;
    int rc = 0;

    if (f == NULL) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return AP_EIO;
    }
    ap_buf_init(&b, 1024 * 1024);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        if ((rc = ap_buf_append(&b, chunk, n)) != 0)
            break;
    fclose(f);
    if (rc != 0 || ap_buf_cstr(&b) == NULL) {
        snprintf(err, errlen, "%s: too large", path);
        ap_buf_release(&b);
        return AP_ETOOBIG;
    }
    *out = strdup(ap_buf_cstr(&b));
    ap_buf_release(&b);
    return *out ? 0 : AP_ENOMEM;
}

static struct web *the_web; /* one web component per process */

static int
web_start(struct ap_server *srv, void *confp, char *err, size_t errlen)
{
    struct web_conf *conf = confp;
    struct web *w;
    struct ap_addr addr;
    const union MHD_DaemonInfo *di;
    char *cert = NULL, *key = NULL;
    const char *listen = conf->listen ? conf->listen : WEB_DEFAULT_LISTEN;
    unsigned flags;
    int fd = -1, rc = AP_EIO;

    if (sodium_init() < 0) {
        snprintf(err, errlen, "libsodium failed to initialise");
        return AP_EIO;
    }
    if (ap_addr_parse(listen, 8080, &addr) != 0) {
        snprintf(err, errlen, "listen: bad address '%s'", listen);
        return AP_ECONF;
    }
    if (ap_listen_tcp(&addr, &fd) != 0) {
        /* The default port may be taken by another instance (tests run
         * servers side by side): the web is not worth failing the server
         * for unless its address was asked for explicitly. */
        if (conf->listen == NULL) {
            ap_log_warn("web: listen %s: %s (dashboard disabled; set "
                        "[web] listen)",
                        listen, strerror(errno));
            return 0;
        }
        snprintf(err, errlen, "listen %s: %s", listen, strerror(errno));
        return AP_EIO;
    }
    if ((w = calloc(1, sizeof(*w))) == NULL) {
        close(fd);
        return AP_ENOMEM;
    }
    w->srv = srv;
    w->conf = conf;
    pthread_mutex_init(&w->hash_mu, NULL);
    pthread_cond_init(&w->hash_cv, NULL);
    if ((rc = web_auth_open(w, err, errlen)) != 0)
        goto fail;
    if ((rc = web_auth_bootstrap(w, conf->admin_password, err, errlen)) != 0)
        goto fail;
    if ((rc = web_sse_start(w)) != 0) {
        snprintf(err, errlen, "live stream: %s", ap_strerror(rc));
        goto fail;
    }
    flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
            MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    if ((conf->tls_cert != NULL) != (conf->tls_key != NULL)) {
        snprintf(err, errlen, "tls_cert and tls_key go together");
        rc = AP_ECONF;
        goto fail;
    }
    if (conf->tls_cert != NULL) {
        if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
            snprintf(err, errlen, "this libmicrohttpd has no TLS support");
            rc = AP_ECONF;
            goto fail;
        }
        if ((rc = read_pem(conf->tls_cert, &cert, err, errlen)) != 0 ||
            (rc = read_pem(conf->tls_key, &key, err, errlen)) != 0)
            goto fail;
        flags |= MHD_USE_TLS;
        w->tls = 1;
    }
    if (w->tls)
        w->mhd = MHD_start_daemon(
            flags, 0, NULL, NULL, on_request, w, MHD_OPTION_LISTEN_SOCKET, fd,
            MHD_OPTION_THREAD_POOL_SIZE, (unsigned)conf->threads,
            MHD_OPTION_NOTIFY_COMPLETED, on_completed, w,
            MHD_OPTION_CONNECTION_TIMEOUT, 60u, MHD_OPTION_CONNECTION_LIMIT,
            4000u, MHD_OPTION_PER_IP_CONNECTION_LIMIT, 512u,
            MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, w,
            MHD_OPTION_HTTPS_MEM_CERT, cert, MHD_OPTION_HTTPS_MEM_KEY, key,
            MHD_OPTION_END);
    else
        w->mhd = MHD_start_daemon(
            flags, 0, NULL, NULL, on_request, w, MHD_OPTION_LISTEN_SOCKET, fd,
            MHD_OPTION_THREAD_POOL_SIZE, (unsigned)conf->threads,
            MHD_OPTION_NOTIFY_COMPLETED, on_completed, w,
            MHD_OPTION_CONNECTION_TIMEOUT, 60u, MHD_OPTION_CONNECTION_LIMIT,
            4000u, MHD_OPTION_PER_IP_CONNECTION_LIMIT, 512u,
            MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, w, MHD_OPTION_END);
    if (cert)
        sodium_memzero(cert, strlen(cert));
    if (key)
        sodium_memzero(key, strlen(key));
    free(cert);
    free(key);
    cert = key = NULL;
    if (w->mhd == NULL) {
        snprintf(err, errlen, "cannot start the HTTP server on %s", listen);
        rc = AP_EIO;
        goto fail;
    }
    fd = -1; /* MHD owns it now */
    di = MHD_get_daemon_info(w->mhd, MHD_DAEMON_INFO_BIND_PORT);
    w->port = di ? (int)di->port : 0;
    ap_server_note_port(srv, "web", w->port);
    ap_log_info("web: %s://%s (port %d)", w->tls ? "https" : "http", listen,
                w->port);
    the_web = w;
    return 0;
fail:
    free(cert);
    free(key);
    if (fd >= 0)
        close(fd);
    web_sse_stop(w);
    web_sse_free(w);
    web_auth_close(w);
    pthread_mutex_destroy(&w->hash_mu);
    pthread_cond_destroy(&w->hash_cv);
    free(w);
    return rc;
}

static void
web_stop(struct ap_server *srv, void *confp)
{
    struct web *w = the_web;

    (void)srv;
    (void)confp;
    if (w == NULL)
        return;
    /* MHD must not be stopped with suspended connections: wake the
     * stream clients and wait for the hashing threads first. */
    web_sse_stop(w);
    pthread_mutex_lock(&w->hash_mu);
    while (w->hashing > 0)
        pthread_cond_wait(&w->hash_cv, &w->hash_mu);
    pthread_mutex_unlock(&w->hash_mu);
    MHD_stop_daemon(w->mhd);
    web_sse_free(w);
    web_auth_close(w);
    pthread_mutex_destroy(&w->hash_mu);
    pthread_cond_destroy(&w->hash_cv);
    free(w);
    the_web = NULL;
}

const struct ap_server_component ap_web_component = {
    .name = "web",
    .keywords = web_keywords,
    .conf_size = sizeof(struct web_conf),
    .start = web_start,
    .stop = web_stop,
    .reload = NULL,
};
