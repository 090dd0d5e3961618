/*
 * Alert notifiers ("[notify NAME]" sections): webhook (JSON POST; Slack-
 * and Teams-compatible bodies as options), email over SMTP, syslog
 * (RFC 5424 over UDP/TCP/TLS) and a command run with the alert JSON on
 * stdin (argv from the config only, no shell).  Each notifier has its own
 * bounded queue and worker thread, so a slow mail server delays nothing
 * else.
 */
#ifndef AP_NOTIFY_H
#define AP_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ap/buf.h"
#include "ap/conf.h"

struct ap_notify_conf {
    char *type;          /* webhook, email, syslog, command */
    int enabled;
    char *min_severity;  /* low, medium, high, critical */
    char *url;           /* webhook */
    char *style;         /* webhook: json, slack, teams */
    char *tls_ca;
    int tls_verify;
    char *smtp_host;     /* email */
    int smtp_port;
    int smtp_tls;        /* implicit TLS (port 465) */
    int smtp_starttls;   /* STARTTLS required (port 25/587) */
    char *from;
    struct ap_strlist to;
    char *host;          /* syslog */
    int port;
    char *protocol;
    long long facility;
    char *command;       /* command: argv split at spaces, no shell */
    long long timeout;
    long long retries;
    long long queue;
};

extern const struct ap_conf_kw ap_notify_keywords[];

struct ap_notifier;

int ap_notifier_new(const char *name, const struct ap_notify_conf *c,
                    struct ap_notifier **out, char *err, size_t errlen);
const char *ap_notifier_name(const struct ap_notifier *n);
/* Does this notifier take alert a (its severity and "notify" list)? */
int ap_notifier_wants(const struct ap_notifier *n, const json_t *a);
/* Queue alert a (borrows); never blocks; AP_EFULL when dropped. */
int ap_notifier_submit(struct ap_notifier *n, const json_t *a);
/* Deliver what is queued for up to drain_ms, then stop and free. */
void ap_notifier_free(struct ap_notifier *n, int drain_ms);

/* The webhook body for a style ("json", "slack", "teams"); owned. */
json_t *ap_notify_webhook_body(const char *style, const json_t *alert);
/* The email message (headers + body, CRLF, dot-stuffed, without the final
 * "."), appended to out.  Header values never carry CR or LF. */
int ap_notify_email_message(struct ap_buf *out, const char *from,
                            const struct ap_strlist *to, const json_t *alert,
                            int64_t now_us);

#endif
