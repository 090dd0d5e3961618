/*
 * Alert rules ("[alert NAME]" sections) and the engine that evaluates
 * them.  The engine is pure state: events and clock ticks in, alert
 * objects out; no I/O, so unit tests drive it with chosen times.
 *
 * Every rule has a severity, a cooldown and a grouping key (group_by
 * fields of the event): within one group, one alert per cooldown, so a
 * scan of 10,000 ports is one alert, not 10,000.
 */
#ifndef AP_ALERT_RULES_H
#define AP_ALERT_RULES_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ap/conf.h"

struct ap_alert_rule_conf {
    char *type;         /* internal, threshold, watchlist, download, ids,
                           silent_sensor, new_country */
    int enabled;
    char *severity;     /* low, medium, high, critical */
    long long cooldown; /* seconds */
    struct ap_strlist group_by;
    struct ap_strlist sensors; /* internal: the internal sensors; else a filter */
    char *metric;       /* threshold: events, connections, logins, ports */
    long long threshold;
    long long window;   /* seconds */
    struct ap_strlist usernames, passwords, credentials; /* "user:pass" */
    char *match;        /* ids: signature substring */
    long long ids_severity; /* ids: fire when the IDS severity <= this */
    long long interval; /* silent_sensor */
    long long learn;    /* new_country: quiet learning period after start */
    struct ap_strlist notify; /* notifier names; empty = all */
    /* firewall: follow a firewall/flow log (server/alerts/fwwatch.c) */
    char *fw_log;
    char *fw_format;    /* iptables, nft, csv; unset = detect */
    int fw_from_start;  /* read an existing log from its start */
    long long top;      /* the top N honeypot sources ... */
    long long days;     /* ... of the last M days */
    long long min_duration; /* seconds */
    size_t min_bytes;
    struct ap_strlist honeypots; /* CIDRs that are honeypots too */
    long long refresh;  /* how often the top N is recomputed */
};

extern const struct ap_conf_kw ap_alert_rule_keywords[];

/* "low" 1 .. "critical" 4; -1 if unknown. */
int ap_alert_severity_lookup(const char *s);

struct ap_alert_engine;

/*
 * Build an engine over n rules (names and confs borrowed; they must
 * outlive the engine).  Disabled rules are skipped.  now_us starts the
 * silent-sensor and learning clocks.
 */
int ap_alert_engine_new(const char *const *names,
                        const struct ap_alert_rule_conf *const *confs, size_t n,
                        int64_t now_us, struct ap_alert_engine **out,
                        char *err, size_t errlen);
void ap_alert_engine_free(struct ap_alert_engine *e);

/*
 * The operator's sensor tags (server.db, sensor_tags.h): an object
 * ident -> [tags], referenced (the engine takes a reference; NULL
 * clears).  A sensor tagged "internal" here counts as tagged on every
 * event it sends.
 */
void ap_alert_engine_set_sensor_tags(struct ap_alert_engine *e, json_t *tags);

/* Check one rule as ap_alert_engine_new would (type, severity, metric,
 * watch lists): 0, or AP_ECONF with "[alert NAME]: reason" in err. */
int ap_alert_rule_check(const char *name, const struct ap_alert_rule_conf *c,
                        char *err, size_t errlen);
/*
 * Carry the state of old into e (a rebuilt engine after a rule change):
 * the sensors seen, the start clock, and the groups (cooldowns, windows)
 * of every rule whose name and settings are unchanged.  old keeps
 * nothing of value afterwards; free it.
 */
void ap_alert_engine_adopt(struct ap_alert_engine *e,
                           struct ap_alert_engine *old);
size_t ap_alert_engine_nrules(const struct ap_alert_engine *e);

/*
 * Evaluate one canonical event (ev borrows).  Windows and cooldowns run
 * on the event's own time (so a replay alerts as the live run would);
 * now_us is the receive time (silent sensors).  Fired alerts (owned JSON
 * objects) are appended to the array fired.  Returns how many fired.
 */
int ap_alert_engine_event(struct ap_alert_engine *e, const json_t *ev,
                          int64_t now_us, json_t *fired);
/*
 * A firewall rule's connection (from fwwatch.c): a JSON object with
 * src_ip, dst_ip, dst_port, src_port, proto, start, end, duration, bytes,
 * packets, attacker_events, that crossed the rule's thresholds at ts_us
 * (log time).  Grouped (default src_ip, dst_ip) and cooled down as any
 * rule.  Returns how many fired (0 or 1).
 */
int ap_alert_engine_flow(struct ap_alert_engine *e, const char *rule,
                         const json_t *conn, int64_t ts_us, json_t *fired);
/* Time-based rules (silent sensors); call about once a second. */
int ap_alert_engine_tick(struct ap_alert_engine *e, int64_t now_us,
                         json_t *fired);

#endif
