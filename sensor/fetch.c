/* Fetching what attackers download (fetch.h). */
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <openssl/evp.h>

#include "ap/buf.h"
#include "ap/err.h"
#include "ap/event.h"
#include "ap/log.h"
#include "ap/util.h"
#include "fetch.h"
#include "ap/common.h"

struct job {
    struct job *next;
    struct ap_fetcher *f;
    char *url;
    json_t *ev;             /* touched on the loop only */
    CURL *h;
    struct ap_buf body;
    int too_big;
    char refused[96];       /* why on_open_socket said no */
    /* results, set by the worker */
    int ok;
    char sha256[65];
    char why[CURL_ERROR_SIZE];
};

struct ap_fetcher {
    struct ap_fetch_conf conf;
    struct event_base *base;
    struct event *done_ev;
    ap_fetch_emit_fn emit;
    void *ctx;
    CURLM *multi;
    pthread_t thread;
    int thread_started;
    pthread_mutex_t mu;
    int stop;
    struct job *pending, **pending_tail; /* mu */
    struct job *done;                    /* mu */
    struct job *running;                 /* the worker's, then free's */
    size_t queued;                       /* mu: pending, not yet running */
    unsigned long long ok, failed, refused;
};

static void
job_free(struct job *j)
{
    if (j == NULL)
        return;
    if (j->h)
        curl_easy_cleanup(j->h);
    ap_buf_release(&j->body);
    json_decref(j->ev);
    free(j->url);
    free(j);
}

/* --- the worker thread ------------------------------------------------ */

static size_t
on_body(char *p, size_t size, size_t nmemb, void *ud)
{
    struct job *j = ud;
    size_t n = size * nmemb;

    if (ap_buf_append(&j->body, p, n) != 0) {
        j->too_big = 1;
        return 0; /* abort: past fetch_max_size */
    }
    return n;
}

/* Every connection (redirects too) passes here before connect(). */
static curl_socket_t
on_open_socket(void *ud, curlsocktype purpose, struct curl_sockaddr *a)
{
    struct job *j = ud;
    char ip[INET6_ADDRSTRLEN];
    const void *in;

    if (purpose != CURLSOCKTYPE_IPCXN)
        return CURL_SOCKET_BAD;
    if (a->family == AF_INET)
        in = &((const struct sockaddr_in *)(const void *)&a->addr)->sin_addr;
    else if (a->family == AF_INET6)
        in = &((const struct sockaddr_in6 *)(const void *)&a->addr)->sin6_addr;
    else
        return CURL_SOCKET_BAD;
    if (inet_ntop(a->family, in, ip, sizeof(ip)) == NULL ||
        !ap_fetch_addr_allowed(ip, j->f->conf.allow)) {
        snprintf(j->refused, sizeof(j->refused),
                 "address %s is not public (fetch_allow)", ip);
        return CURL_SOCKET_BAD;
    }
    return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

static int
job_start(struct ap_fetcher *f, struct job *j)
{
    const struct ap_fetch_conf *c = &f->conf;

    if ((j->h = curl_easy_init()) == NULL)
        return AP_ENOMEM;
    if (curl_easy_setopt(j->h, CURLOPT_URL, j->url) != CURLE_OK ||
        /* what bots' loaders use; never file:, dict:, gopher: ... */
        curl_easy_setopt(j->h, CURLOPT_PROTOCOLS_STR, "http,https,ftp,tftp") !=
            CURLE_OK ||
        curl_easy_setopt(j->h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") !=
            CURLE_OK)
        return AP_EINVAL;
    curl_easy_setopt(j->h, CURLOPT_PRIVATE, j);
    curl_easy_setopt(j->h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(j->h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(j->h, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(j->h, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(j->h, CURLOPT_TIMEOUT, (long)c->timeout);
    curl_easy_setopt(j->h, CURLOPT_CONNECTTIMEOUT, (long)AP_MIN(c->timeout, 15));
    curl_easy_setopt(j->h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)c->max_size);
    curl_easy_setopt(j->h, CURLOPT_USERAGENT, c->user_agent);
    /* malware hosts rarely have valid certificates; we want the bytes */
    curl_easy_setopt(j->h, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(j->h, CURLOPT_SSL_VERIFYHOST, 0L);
    curl_easy_setopt(j->h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(j->h, CURLOPT_WRITEDATA, j);
    curl_easy_setopt(j->h, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
    curl_easy_setopt(j->h, CURLOPT_OPENSOCKETDATA, j);
    curl_easy_setopt(j->h, CURLOPT_ERRORBUFFER, j->why);
    if (curl_multi_add_handle(f->multi, j->h) != CURLM_OK)
        return AP_EIO;
    return 0;
}

/* The file, once, by content; never executable. */
static void
store_file(const char *state_dir, const char *hex, const uint8_t *p, size_t n)
{
    char path[4096];
    size_t off = 0;
    ssize_t k;
    int fd;

    if (state_dir == NULL)
        return;
    snprintf(path, sizeof(path), "%s/files", state_dir);
    if (mkdir(path, 0700) != 0 && errno != EEXIST)
        return;
    if ((size_t)snprintf(path, sizeof(path), "%s/files/%s", state_dir, hex) >=
        sizeof(path))
        return;
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return; /* EEXIST: already captured */
    while (off < n && (k = write(fd, p + off, n - off)) > 0)
        off += (size_t)k;
    close(fd);
    if (off < n)
        unlink(path);
}

static void
job_finish(struct ap_fetcher *f, struct job *j, CURLcode rc)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;

    if (rc == CURLE_OK &&
        EVP_Digest(ap_buf_data(&j->body), ap_buf_len(&j->body), md, &mdlen,
                   EVP_sha256(), NULL) == 1) {
        ap_hex(md, mdlen, j->sha256);
        store_file(f->conf.state_dir, j->sha256, ap_buf_data(&j->body),
                   ap_buf_len(&j->body));
        j->ok = 1;
    } else if (j->too_big || rc == CURLE_FILESIZE_EXCEEDED) {
        snprintf(j->why, sizeof(j->why), "larger than fetch_max_size (%zu)",
                 f->conf.max_size);
    } else if (j->refused[0] != '\0') {
        /* curl's own message would only say the connect failed */
        snprintf(j->why, sizeof(j->why), "%s", j->refused);
    } else if (j->why[0] == '\0') {
        snprintf(j->why, sizeof(j->why), "%s", curl_easy_strerror(rc));
    }
    curl_multi_remove_handle(f->multi, j->h);
    curl_easy_cleanup(j->h);
    j->h = NULL;
}

static void
unlink_running(struct ap_fetcher *f, struct job *j)
{
    struct job **pp;

    for (pp = &f->running; *pp; pp = &(*pp)->next)
        if (*pp == j) {
            *pp = j->next;
            break;
        }
    j->next = NULL;
}

/* To the loop, which builds and emits the event. */
static void
hand_back(struct ap_fetcher *f, struct job *j)
{
    pthread_mutex_lock(&f->mu);
    j->next = f->done;
    f->done = j;
    pthread_mutex_unlock(&f->mu);
    event_active(f->done_ev, EV_READ, 0);
}

static void *
worker(void *arg)
{
    struct ap_fetcher *f = arg;
    struct job *j, *start = NULL, **tail;
    CURLMsg *m;
    long long running = 0;
    int still, left;

    for (;;) {
        pthread_mutex_lock(&f->mu);
        if (f->stop) {
            pthread_mutex_unlock(&f->mu);
            break;
        }
        /* take as many waiting jobs as there are free slots */
        tail = &start;
        while (f->pending && running < f->conf.max_active) {
            j = f->pending;
            f->pending = j->next;
            if (f->pending == NULL)
                f->pending_tail = &f->pending;
            f->queued--;
            j->next = NULL;
            *tail = j;
            tail = &j->next;
            running++;
        }
        pthread_mutex_unlock(&f->mu);
        while ((j = start) != NULL) {
            start = j->next;
            j->next = NULL;
            if (job_start(f, j) != 0) {
                snprintf(j->why, sizeof(j->why), "cannot start the fetch");
                job_finish(f, j, CURLE_FAILED_INIT);
                running--;
                hand_back(f, j);
            } else {
                j->next = f->running;
                f->running = j;
            }
        }
        curl_multi_perform(f->multi, &still);
        while ((m = curl_multi_info_read(f->multi, &left)) != NULL) {
            if (m->msg != CURLMSG_DONE)
                continue;
            j = NULL;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&j);
            if (j == NULL)
                continue;
            job_finish(f, j, m->data.result);
            running--;
            unlink_running(f, j);
            hand_back(f, j);
        }
        curl_multi_poll(f->multi, NULL, 0, 1000, NULL);
    }
    return NULL;
}

/* --- the loop side ----------------------------------------------------- */

static void
on_done(evutil_socket_t fd, short what, void *arg)
{
    struct ap_fetcher *f = arg;
    struct job *list, *j;

    (void)fd;
    (void)what;
    pthread_mutex_lock(&f->mu);
    list = f->done;
    f->done = NULL;
    pthread_mutex_unlock(&f->mu);
    while ((j = list) != NULL) {
        list = j->next;
        if (!j->ok) {
            f->failed++;
            ap_log_info("fetch %s: %s", j->url, j->why);
        } else if (ap_event_set_str(j->ev, "sha256", j->sha256) != 0 ||
                   ap_event_set_int(j->ev, "size",
                                    (long long)ap_buf_len(&j->body)) != 0 ||
                   (ap_buf_len(&j->body) <= f->conf.content_max &&
                    ap_event_set_b64(j->ev, "content_b64",
                                     ap_buf_data(&j->body),
                                     ap_buf_len(&j->body),
                                     f->conf.content_max) != 0)) {
            f->failed++;
            ap_log_warn("fetch %s: out of memory building its event", j->url);
        } else {
            f->ok++;
            ap_log_info("fetched %s: %zu bytes, sha256 %s", j->url,
                        ap_buf_len(&j->body), j->sha256);
            f->emit(f->ctx, j->ev);
            j->ev = NULL;
        }
        job_free(j);
    }
}

int
ap_fetcher_new(struct event_base *base, const struct ap_fetch_conf *conf,
               ap_fetch_emit_fn emit, void *ctx, struct ap_fetcher **out,
               char *err, size_t errlen)
{
    struct ap_fetcher *f = calloc(1, sizeof(*f));

    if (f == NULL)
        return AP_ENOMEM;
    f->conf = *conf;
    f->base = base;
    f->emit = emit;
    f->ctx = ctx;
    f->pending_tail = &f->pending;
    pthread_mutex_init(&f->mu, NULL);
    if ((f->multi = curl_multi_init()) == NULL ||
        (f->done_ev = event_new(base, -1, 0, on_done, f)) == NULL) {
        snprintf(err, errlen, "fetch: cannot initialise libcurl");
        ap_fetcher_free(f);
        return AP_ENOMEM;
    }
    if (pthread_create(&f->thread, NULL, worker, f) != 0) {
        snprintf(err, errlen, "fetch: cannot start its thread");
        ap_fetcher_free(f);
        return AP_ENOMEM;
    }
    f->thread_started = 1;
    *out = f;
    return 0;
}

int
ap_fetcher_submit(struct ap_fetcher *f, const char *url, json_t *ev)
{
    struct job *j;

    if (f == NULL || url == NULL || ev == NULL) {
        json_decref(ev);
        return AP_EINVAL;
    }
    if ((j = calloc(1, sizeof(*j))) == NULL || (j->url = strdup(url)) == NULL) {
        free(j);
        json_decref(ev);
        return AP_ENOMEM;
    }
    j->f = f;
    j->ev = ev;
    ap_buf_init(&j->body, f->conf.max_size);
    pthread_mutex_lock(&f->mu);
    if (f->queued >= AP_FETCH_QUEUE_MAX) {
        pthread_mutex_unlock(&f->mu);
        f->refused++;
        ap_log_warn("fetch %s: %u fetches already waiting; not fetched", url,
                    AP_FETCH_QUEUE_MAX);
        job_free(j);
        return AP_EFULL;
    }
    *f->pending_tail = j;
    f->pending_tail = &j->next;
    f->queued++;
    pthread_mutex_unlock(&f->mu);
    curl_multi_wakeup(f->multi);
    return 0;
}

void
ap_fetcher_stats(struct ap_fetcher *f, unsigned long long *ok,
                 unsigned long long *failed, unsigned long long *refused)
{
    *ok = f ? f->ok : 0;
    *failed = f ? f->failed : 0;
    *refused = f ? f->refused : 0;
}

void
ap_fetcher_free(struct ap_fetcher *f)
{
    struct job *j;

    if (f == NULL)
        return;
    if (f->thread_started) {
        pthread_mutex_lock(&f->mu);
        f->stop = 1;
        pthread_mutex_unlock(&f->mu);
        curl_multi_wakeup(f->multi);
        pthread_join(f->thread, NULL);
    }
    /* fetches still running are abandoned (the attempt's own download
     * event was emitted when the command ran) */
    while ((j = f->running) != NULL) {
        f->running = j->next;
        curl_multi_remove_handle(f->multi, j->h);
        job_free(j);
    }
    while ((j = f->pending) != NULL) {
        f->pending = j->next;
        job_free(j);
    }
    while ((j = f->done) != NULL) {
        f->done = j->next;
        job_free(j);
    }
    if (f->multi)
        curl_multi_cleanup(f->multi);
    if (f->done_ev)
        event_free(f->done_ev);
    pthread_mutex_destroy(&f->mu);
    free(f);
}
