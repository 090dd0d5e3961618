/* Alert notifiers; see notify.h. */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conn.h"
#include "format.h"
#include "notify.h"
#include "outq.h"
#include "rules.h"
#include "smtp.h"
#include "ap/err.h"
#include "ap/limits.h"
#include "ap/log.h"
#include "ap/util.h"
#include "ap/common.h"

extern char **environ;

#define OFF(f) offsetof(struct ap_notify_conf, f)
const struct ap_conf_kw ap_notify_keywords[] = {
    {"type", AP_CONF_STR, OFF(type), NULL, 0, 0, NULL,
     "webhook, email, syslog or command"},
    {"enabled", AP_CONF_BOOL, OFF(enabled), "yes", 0, 0, NULL, NULL},
    {"min_severity", AP_CONF_STR, OFF(min_severity), "low", 0, 0, NULL,
     "low, medium, high or critical"},
    {"url", AP_CONF_STR, OFF(url), NULL, 0, 0, NULL, "webhook: http[s]://..."},
    {"style", AP_CONF_STR, OFF(style), "json", 0, 0, NULL,
     "webhook body: json, slack or teams"},
    {"tls_ca", AP_CONF_STR, OFF(tls_ca), NULL, 0, 0, NULL, NULL},
    {"tls_verify", AP_CONF_BOOL, OFF(tls_verify), "yes", 0, 0, NULL, NULL},
    {"smtp_host", AP_CONF_STR, OFF(smtp_host), "localhost", 0, 0, NULL, NULL},
    {"smtp_port", AP_CONF_PORT, OFF(smtp_port), "25", 0, 0, NULL, NULL},
    {"smtp_tls", AP_CONF_BOOL, OFF(smtp_tls), "no", 0, 0, NULL,
     "implicit TLS (port 465)"},
    {"smtp_starttls", AP_CONF_BOOL, OFF(smtp_starttls), "no", 0, 0, NULL,
     "require STARTTLS (port 25/587); tls_ca/tls_verify check the certificate"},
    {"from", AP_CONF_STR, OFF(from), "apiary@localhost", 0, 0, NULL, NULL},
    {"to", AP_CONF_LIST, OFF(to), NULL, 0, 0, NULL, "email recipients"},
    {"host", AP_CONF_STR, OFF(host), NULL, 0, 0, NULL, "syslog receiver"},
    {"port", AP_CONF_PORT, OFF(port), "514", 0, 0, NULL, NULL},
    {"protocol", AP_CONF_STR, OFF(protocol), "udp", 0, 0, NULL, "udp, tcp or tls"},
    {"facility", AP_CONF_INT, OFF(facility), "16", 0, 23, NULL, NULL},
    {"command", AP_CONF_STR, OFF(command), NULL, 0, 0, NULL,
     "program and arguments, split at spaces; the alert JSON is on stdin"},
    {"timeout", AP_CONF_SECS, OFF(timeout), "10s", 1, 600, NULL, NULL},
    {"retries", AP_CONF_INT, OFF(retries), "3", 0, 100, NULL, NULL},
    {"queue", AP_CONF_INT, OFF(queue), "1000", 1, 1000000, NULL, NULL},
    {NULL, 0, 0, NULL, 0, 0, NULL, NULL},
};

enum ntype { N_WEBHOOK, N_EMAIL, N_SYSLOG, N_COMMAND };

struct ap_notifier {
    char *name;
    const struct ap_notify_conf *c;
    enum ntype type;
    int min_sev;
    char **argv;
    struct ap_outq *q;
    pthread_t th;
    atomic_llong stop_at_ms;
    atomic_ullong sent, failed;
};

const char *
ap_notifier_name(const struct ap_notifier *n)
{
    return n->name;
}

int
ap_notifier_wants(const struct ap_notifier *n, const json_t *a)
{
    const json_t *list = json_object_get(a, "notify"), *v;
    size_t i;
    int found = 0;

    if (ap_alert_severity_lookup(json_string_value(json_object_get(a, "severity"))) <
        n->min_sev)
        return 0;
    if (!json_is_array(list))
        return 1;
    json_array_foreach(list, i, v) if (json_is_string(v) &&
                                       strcmp(json_string_value(v), n->name) == 0)
        found = 1;
    return found;
}

static const char *
astr(const json_t *a, const char *k)
{
    const char *s = json_string_value(json_object_get(a, k));

    return s ? s : "";
}

json_t *
ap_notify_webhook_body(const char *style, const json_t *alert)
{
    char text[2048];

    snprintf(text, sizeof(text), "[%s] %s (rule %s)", astr(alert, "severity"),
             astr(alert, "title"), astr(alert, "rule"));
    if (strcmp(style, "slack") == 0)
        /* Slack incoming webhooks: "text" is required; mrkdwn off so
         * attacker text cannot format or link. */
        return json_pack("{s:s, s:b}", "text", text, "mrkdwn", 0);
    if (strcmp(style, "teams") == 0)
        return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "@type", "MessageCard",
                         "@context", "https://schema.org/extensions", "summary",
                         astr(alert, "title"), "themeColor",
                         strcmp(astr(alert, "severity"), "critical") == 0 ||
                                 strcmp(astr(alert, "severity"), "high") == 0
                             ? "D70000"
                             : "FFA500",
                         "title", "Apiary alert", "text", text);
    return json_deep_copy(alert);
}

/* Header text: printable ASCII only (RFC 5322), so attacker bytes can
 * neither end the header nor add one. */
static int
put_header_text(struct ap_buf *out, const char *s, size_t max)
{
    size_t i;
    int r;

    for (i = 0; s[i] && i < max; i++) {
        char ch = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
        if ((r = ap_buf_append(out, &ch, 1)) != 0)
            return r;
    }
    return 0;
}

int
ap_notify_email_message(struct ap_buf *out, const char *from,
                        const struct ap_strlist *to, const json_t *alert,
                        int64_t now_us)
{
    char date[64], *js;
    time_t t = (time_t)(now_us / 1000000);
    struct tm tm;
    size_t i;
    const char *p;
    int r = 0;

    gmtime_r(&t, &tm);
    strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
    r |= ap_buf_puts(out, "From: ");
    r |= put_header_text(out, from, 256);
    r |= ap_buf_puts(out, "\r\nTo: ");
    for (i = 0; i < to->n; i++) {
        r |= i ? ap_buf_puts(out, ", ") : 0;
        r |= put_header_text(out, to->v[i], 256);
    }
    r |= ap_buf_printf(out, "\r\nDate: %s\r\nMessage-ID: <%s@apiary>\r\n", date,
                       astr(alert, "id"));
    r |= ap_buf_puts(out, "Subject: [apiary ");
    r |= put_header_text(out, astr(alert, "severity"), 16);
    r |= ap_buf_puts(out, "] ");
    r |= put_header_text(out, astr(alert, "title"), 200);
    r |= ap_buf_puts(out, "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; "
                          "charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n");
    if (r != 0)
        return AP_ETOOBIG;
    /* Body: the alert as indented JSON (jansson escapes control bytes),
     * CRLF line ends, leading dots doubled (RFC 5321 4.5.2). */
    if ((js = json_dumps(alert, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) == NULL)
        return AP_ENOMEM;
    for (p = js; *p && r == 0;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (*p == '.')
            r |= ap_buf_puts(out, ".");
        r |= ap_buf_append(out, p, len);
        r |= ap_buf_puts(out, "\r\n");
        p += len + (nl ? 1 : 0);
    }
    free(js);
    return r ? AP_ETOOBIG : 0;
}

static int
run_command(struct ap_notifier *n, const char *js, size_t len, char *err,
            size_t errlen)
{
    posix_spawn_file_actions_t fa;
    int pfd[2], status = 0, r = AP_EIO;
    long long deadline = ap_mono_us() / 1000 + n->c->timeout * 1000;
    pid_t pid;
    size_t off = 0;
    ssize_t w;

    if (pipe2(pfd, O_CLOEXEC) != 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        return AP_EIO;
    }
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pfd[0], 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    if ((errno = posix_spawn(&pid, n->argv[0], &fa, NULL, n->argv, environ)) != 0) {
        snprintf(err, errlen, "%s: %s", n->argv[0], strerror(errno));
        posix_spawn_file_actions_destroy(&fa);
        close(pfd[0]);
        close(pfd[1]);
        return AP_EIO;
    }
    posix_spawn_file_actions_destroy(&fa);
    close(pfd[0]);
    fcntl(pfd[1], F_SETFL, O_NONBLOCK);
    signal(SIGPIPE, SIG_IGN);
    while (off < len && ap_mono_us() / 1000 < deadline) {
        w = write(pfd[1], js + off, len - off);
        if (w > 0)
            off += (size_t)w;
        else if (w < 0 && errno != EAGAIN && errno != EINTR)
            break; /* the program does not read its stdin: fine */
        else
            (void)poll(NULL, 0, 10);
    }
    close(pfd[1]);
    for (;;) {
        pid_t got = waitpid(pid, &status, WNOHANG);
        if (got == pid)
            break;
        if (ap_mono_us() / 1000 >= deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            snprintf(err, errlen, "%s: killed after %llds", n->argv[0],
                     (long long)n->c->timeout);
            return AP_ETIMEDOUT;
        }
        (void)poll(NULL, 0, 20);
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        r = 0;
    else
        snprintf(err, errlen, "%s: exit status %d", n->argv[0],
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return r;
}

static int
deliver(struct ap_notifier *n, const char *js, size_t len, char *err, size_t errlen)
{
    struct ap_conn_opts o;
    struct ap_buf b;
    json_t *a = json_loadb(js, len, 0, NULL), *body = NULL;
    char *s = NULL;
    int r = AP_EINVAL, status = 0;

    if (a == NULL)
        return AP_EINVAL;
    memset(&o, 0, sizeof(o));
    o.timeout_ms = (int)n->c->timeout * 1000;
    o.ca_file = n->c->tls_ca;
    o.verify = n->c->tls_verify;
    ap_buf_init(&b, AP_LIMIT_ALERT_JSON * 2);
    switch (n->type) {
    case N_WEBHOOK:
        if ((body = ap_notify_webhook_body(n->c->style, a)) == NULL ||
            (s = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER)) == NULL) {
            r = AP_ENOMEM;
            break;
        }
        r = ap_http_post(n->c->url, "application/json", NULL, s, strlen(s),
                         n->c->tls_ca, n->c->tls_verify, o.timeout_ms, &status,
                         err, errlen);
        if (r == 0 && status / 100 != 2) {
            snprintf(err, errlen, "HTTP status %d", status);
            r = AP_EPROTO;
        }
        break;
    case N_EMAIL:
        o.host = n->c->smtp_host;
        o.port = n->c->smtp_port;
        o.tls = n->c->smtp_tls;
        if ((r = ap_notify_email_message(&b, n->c->from, &n->c->to, a,
                                         ap_now_us())) == 0)
            r = ap_smtp_send(&o, n->c->smtp_starttls && !n->c->smtp_tls, n->c->from,
                             &n->c->to, ap_buf_data(&b), ap_buf_len(&b), err, errlen);
        break;
    case N_SYSLOG: {
        struct ap_conn c;
        struct ap_buf fr;
        char host[256];
        int sev = ap_alert_severity_lookup(astr(a, "severity"));
        if (gethostname(host, sizeof(host) - 1) != 0)
            snprintf(host, sizeof(host), "apiary");
        host[sizeof(host) - 1] = '\0';
        o.host = n->c->host;
        o.port = n->c->port;
        o.udp = strcmp(n->c->protocol, "udp") == 0;
        o.tls = strcmp(n->c->protocol, "tls") == 0;
        /* critical -> crit(2), high -> err(3), medium -> warning(4), low -> notice(5) */
        if ((r = ap_syslog_5424(&b, (int)n->c->facility, 6 - (sev > 0 ? sev : 1),
                                ap_now_us(), host, "apiary", (int)getpid(), "alert",
                                js, len)) != 0)
            break;
        if ((r = ap_conn_open(&c, &o, err, errlen)) != 0)
            break;
        ap_buf_init(&fr, ap_buf_len(&b) + 32);
        if (o.udp)
            r = ap_conn_write(&c, ap_buf_data(&b), ap_buf_len(&b));
        else if ((r = ap_syslog_octet_frame(&fr, ap_buf_data(&b), ap_buf_len(&b))) == 0)
            r = ap_conn_write(&c, ap_buf_data(&fr), ap_buf_len(&fr));
        ap_buf_release(&fr);
        ap_conn_close(&c);
        if (r != 0)
            snprintf(err, errlen, "syslog write failed");
        break;
    }
    case N_COMMAND: /* one JSON line on stdin */
        if ((r = ap_buf_append(&b, js, len)) == 0 && (r = ap_buf_puts(&b, "\n")) == 0)
            r = run_command(n, (const char *)ap_buf_data(&b), ap_buf_len(&b), err,
                            errlen);
        break;
    }
    free(s);
    json_decref(body);
    json_decref(a);
    ap_buf_release(&b);
    return r;
}

static void *
worker(void *arg)
{
    struct ap_notifier *n = arg;
    char *rec = NULL, err[512];
    size_t len;
    long long stop_at;
    int r, attempt;

    for (;;) {
        r = ap_outq_pop(n->q, &rec, &len, 200);
        stop_at = atomic_load(&n->stop_at_ms);
        if (r == AP_ECLOSED)
            break;
        if (r != 0)
            continue;
        for (attempt = 0;; attempt++) {
            err[0] = '\0';
            if (deliver(n, rec, len, err, sizeof(err)) == 0) {
                atomic_fetch_add(&n->sent, 1);
                break;
            }
            stop_at = atomic_load(&n->stop_at_ms);
            if (attempt >= n->c->retries ||
                (stop_at && ap_mono_us() / 1000 >= stop_at)) {
                ap_log_warn("notify %s: giving up on an alert: %s", n->name, err);
                atomic_fetch_add(&n->failed, 1);
                break;
            }
            ap_log_warn("notify %s: %s (retrying)", n->name, err);
            (void)poll(NULL, 0, 500 << (attempt < 4 ? attempt : 4));
        }
        free(rec);
        rec = NULL;
        if (stop_at && ap_mono_us() / 1000 >= stop_at)
            break;
    }
    free(rec);
    return NULL;
}

int
ap_notifier_submit(struct ap_notifier *n, const json_t *a)
{
    char *s = json_dumps(a, JSON_COMPACT | JSON_PRESERVE_ORDER);
    int r;

    if (s == NULL)
        return AP_ENOMEM;
    r = strlen(s) > AP_LIMIT_ALERT_JSON ? AP_ETOOBIG : ap_outq_push(n->q, s, strlen(s));
    free(s);
    return r;
}

static void
argv_free(char **v)
{
    size_t i;

    for (i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

static char **
argv_split(const char *s)
{
    char **v = calloc(strlen(s) / 2 + 2, sizeof(*v));
    size_t n = 0;
    const char *p = s, *e;

    if (v == NULL)
        return NULL;
    while (*p) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        for (e = p; *e && *e != ' ' && *e != '\t'; e++)
            ;
        if ((v[n++] = strndup(p, (size_t)(e - p))) == NULL) {
            argv_free(v);
            return NULL;
        }
        p = e;
    }
    return v;
}

int
ap_notifier_new(const char *name, const struct ap_notify_conf *c,
                struct ap_notifier **out, char *err, size_t errlen)
{
    struct ap_notifier *n = calloc(1, sizeof(*n));
    char host[256], path[2048];
    int tls, port;

    if (n == NULL)
        return AP_ENOMEM;
    n->c = c;
    if ((n->min_sev = ap_alert_severity_lookup(c->min_severity)) < 0) {
        snprintf(err, errlen, "[notify %s]: min_severity must be low, medium, high "
                 "or critical", name);
        goto bad;
    }
    if (c->type && strcmp(c->type, "webhook") == 0) {
        n->type = N_WEBHOOK;
        if (c->url == NULL ||
            ap_url_split(c->url, &tls, host, sizeof(host), &port, path, sizeof(path)) != 0 ||
            (strcmp(c->style, "json") && strcmp(c->style, "slack") &&
             strcmp(c->style, "teams"))) {
            snprintf(err, errlen, "[notify %s]: webhook needs 'url' (http[s]://...) "
                     "and style json, slack or teams", name);
            goto bad;
        }
    } else if (c->type && strcmp(c->type, "email") == 0) {
        n->type = N_EMAIL;
        if (c->to.n == 0 || strpbrk(c->from, "\r\n<>")) {
            snprintf(err, errlen, "[notify %s]: email needs 'to' and a plain 'from'",
                     name);
            goto bad;
        }
    } else if (c->type && strcmp(c->type, "syslog") == 0) {
        n->type = N_SYSLOG;
        if (c->host == NULL || (strcmp(c->protocol, "udp") && strcmp(c->protocol, "tcp") &&
                                strcmp(c->protocol, "tls"))) {
            snprintf(err, errlen, "[notify %s]: syslog needs 'host' and protocol "
                     "udp, tcp or tls", name);
            goto bad;
        }
    } else if (c->type && strcmp(c->type, "command") == 0) {
        n->type = N_COMMAND;
        if (c->command == NULL || (n->argv = argv_split(c->command)) == NULL ||
            n->argv[0] == NULL || n->argv[0][0] != '/') {
            snprintf(err, errlen, "[notify %s]: command needs an absolute program path",
                     name);
            goto bad;
        }
    } else {
        snprintf(err, errlen, "[notify %s]: type must be webhook, email, syslog or "
                 "command", name);
        goto bad;
    }
    if ((n->name = strdup(name)) == NULL ||
        (n->q = ap_outq_new((size_t)c->queue, (size_t)c->queue * AP_LIMIT_ALERT_JSON)) == NULL ||
        pthread_create(&n->th, NULL, worker, n) != 0) {
        snprintf(err, errlen, "[notify %s]: cannot start", name);
        ap_outq_free(n->q);
        goto bad;
    }
    *out = n;
    return 0;
bad:
    argv_free(n->argv);
    free(n->name);
    free(n);
    return AP_ECONF;
}

void
ap_notifier_free(struct ap_notifier *n, int drain_ms)
{
    if (n == NULL)
        return;
    atomic_store(&n->stop_at_ms, ap_mono_us() / 1000 + (drain_ms > 0 ? drain_ms : 1));
    ap_outq_close(n->q);
    pthread_join(n->th, NULL);
    ap_log_info("notify %s: %llu sent, %llu failed", n->name,
                (unsigned long long)atomic_load(&n->sent),
                (unsigned long long)atomic_load(&n->failed));
    ap_outq_free(n->q);
    argv_free(n->argv);
    free(n->name);
    free(n);
}
