/*
 * Output formatters: one canonical event (ap/event.h) -> one line of text
 * for a SIEM.  Pure functions: no I/O, no clock, no global state, so the
 * same event always gives the same bytes (golden files in
 * tests/data/outputs/ hold the expected lines).
 *
 * Every attacker string is escaped for the format it lands in; no output
 * line ever contains a newline, a carriage return or a NUL, whatever the
 * event holds (docs/OUTPUTS.md lists each format's escaping).
 */
#ifndef AP_OUT_FORMAT_H
#define AP_OUT_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ap/buf.h"

enum ap_out_format {
    AP_FMT_JSON,    /* the canonical event, compact JSON */
    AP_FMT_ECS,     /* Elastic Common Schema JSON (Filebeat, Logstash) */
    AP_FMT_SPLUNK,  /* MHN hpfeeds-logger key="value" lines */
    AP_FMT_CEF,     /* ArcSight CEF, Apiary's header */
    AP_FMT_CEF_MHN, /* ArcSight CEF, MHN's header and severity map */
};

/* AP_FMT_SPLUNK for "splunk"; -1 if unknown. */
int ap_out_format_lookup(const char *name);
const char *ap_out_format_name(enum ap_out_format f);

/*
 * Append the line for ev (no trailing newline) to out.  Returns 0, or
 * AP_ETOOBIG / AP_ENOMEM with out truncated back to its old length.
 * ev borrows.
 */
int ap_out_format(enum ap_out_format f, const json_t *ev, struct ap_buf *out);

/* The formatters behind ap_out_format (same contract). */
int ap_fmt_json(const json_t *ev, struct ap_buf *out);
int ap_fmt_ecs(const json_t *ev, struct ap_buf *out);
int ap_fmt_splunk(const json_t *ev, struct ap_buf *out);
int ap_fmt_cef(const json_t *ev, int mhn, struct ap_buf *out);

/* The ECS document for ev (owned), also used by Splunk HEC bodies. */
json_t *ap_fmt_ecs_object(const json_t *ev);

/*
 * How MHN's hpfeeds-logger would have described ev (mhn-reference.md C6):
 * its `type`, `signature`, `severity` word, `vendor_product` and `app`.
 * Foreign events keep their channel as type; native events use
 * "apiary.<protocol>" so MHN's Splunk searches can tell them apart.
 */
struct ap_mhn_view {
    char type[96];
    char signature[160];
    const char *severity;       /* high, medium, informational */
    char vendor_product[64];
    char app[64];
};
void ap_mhn_view(const json_t *ev, struct ap_mhn_view *v);

/* Apiary's severity of an event on CEF's 0..10 scale (docs/OUTPUTS.md). */
int ap_event_severity10(const json_t *ev);

/* Small helpers shared by the formatters: the string value of a field of
 * ev (NULL if absent or not a string), and its integer value (0 if absent). */
const char *ap_ev_str(const json_t *ev, const char *field);
long long ap_ev_int(const json_t *ev, const char *field);

/*
 * Escapers (append to out; 0 or AP_ETOOBIG/AP_ENOMEM):
 *  - splunk: \ and " backslashed, \n \r \t, other control bytes \xNN;
 *  - CEF header: \ and | backslashed; CEF extension: \ and = backslashed;
 *    both write newline and CR as \n and \r and every other control byte
 *    as a space (CEF has no hex escape).
 */
int ap_esc_splunk(struct ap_buf *out, const char *s, size_t n);
int ap_esc_cef_header(struct ap_buf *out, const char *s, size_t n);
int ap_esc_cef_ext(struct ap_buf *out, const char *s, size_t n);

/*
 * RFC 5424 syslog message: "<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID
 * MSGID - MSG".  Header fields are cut to the RFC's lengths and any byte
 * outside printable US-ASCII becomes '_'; empty ones become "-".  ts_us 0
 * writes "-" (NILVALUE).  msg is written as is: pass a formatted line.
 */
int ap_syslog_5424(struct ap_buf *out, int facility, int severity,
                   int64_t ts_us, const char *host, const char *app, int pid,
                   const char *msgid, const void *msg, size_t msglen);
/* RFC 6587 octet counting for TCP/TLS: "<length> " then the message. */
int ap_syslog_octet_frame(struct ap_buf *out, const void *msg, size_t n);
/* Syslog severity (0 emerg .. 7 debug) for an event. */
int ap_event_syslog_severity(const json_t *ev);

#endif
