/*
 * The alert engine: per rule, a bounded table of groups; per group the
 * cooldown clock and, for thresholds, the recent event times or the
 * distinct ports seen in the window.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "ghash.h"
#include "rules.h"
#include "ap/err.h"
#include "ap/event.h"
#include "ap/util.h"
#include "ap/common.h"

/* Groups kept per rule; past it, stale groups are pruned, then new
 * groups are not tracked (counted in the rule's overflow). */
#define RULE_MAX_GROUPS 100000u
/* Distinct ports tracked per group for the ports metric. */
#define RULE_MAX_PORTS 65536u

#define OFF(f) offsetof(struct ap_alert_rule_conf, f)
const struct ap_conf_kw ap_alert_rule_keywords[] = {
    {"type", AP_CONF_STR, OFF(type), NULL, 0, 0, NULL,
     "internal, threshold, watchlist, download, ids, silent_sensor, new_country, "
     "firewall"},
    {"enabled", AP_CONF_BOOL, OFF(enabled), "yes", 0, 0, NULL, NULL},
    {"severity", AP_CONF_STR, OFF(severity), "medium", 0, 0, NULL,
     "low, medium, high or critical"},
    {"cooldown", AP_CONF_SECS, OFF(cooldown), "1h", 0, 30 * 86400LL, NULL,
     "one alert per group per cooldown"},
    {"group_by", AP_CONF_LIST, OFF(group_by), NULL, 0, 0, NULL,
     "event fields that make the grouping key (default per type)"},
    {"sensors", AP_CONF_LIST, OFF(sensors), NULL, 0, 0, NULL,
     "internal: the internal sensors; other types: only these sensors"},
    {"metric", AP_CONF_STR, OFF(metric), "events", 0, 0, NULL,
     "threshold: events, connections, logins or ports (distinct)"},
    {"threshold", AP_CONF_INT, OFF(threshold), "100", 1, 1000000, NULL, NULL},
    {"window", AP_CONF_SECS, OFF(window), "60s", 1, 30 * 86400LL, NULL, NULL},
    {"usernames", AP_CONF_LIST, OFF(usernames), NULL, 0, 0, NULL, "watchlist"},
    {"passwords", AP_CONF_LIST, OFF(passwords), NULL, 0, 0, NULL, "watchlist"},
    {"credentials", AP_CONF_LIST, OFF(credentials), NULL, 0, 0, NULL,
     "watchlist: user:password pairs"},
    {"match", AP_CONF_STR, OFF(match), NULL, 0, 0, NULL,
     "ids: only signatures containing this text"},
    {"ids_severity", AP_CONF_INT, OFF(ids_severity), "4", 1, 255, NULL,
     "ids: only IDS severities up to this (1 = highest)"},
    {"interval", AP_CONF_SECS, OFF(interval), "15m", 1, 30 * 86400LL, NULL,
     "silent_sensor: longest normal silence"},
    {"learn", AP_CONF_SECS, OFF(learn), "0", 0, 365 * 86400LL, NULL,
     "new_country: learn countries silently this long after start"},
    {"notify", AP_CONF_LIST, OFF(notify), NULL, 0, 0, NULL,
     "notifier names (default: all)"},
    {"fw_log", AP_CONF_STR, OFF(fw_log), NULL, 0, 0, NULL,
     "firewall: the firewall/flow log file to follow"},
    {"fw_format", AP_CONF_STR, OFF(fw_format), NULL, 0, 0, NULL,
     "firewall: iptables, nft or csv (default: detect)"},
    {"fw_from_start", AP_CONF_BOOL, OFF(fw_from_start), "no", 0, 0, NULL,
     "firewall: read an existing log from its start, not its end"},
    {"top", AP_CONF_INT, OFF(top), "10", 1, 10000, NULL,
     "firewall: watch the top N honeypot sources"},
    {"days", AP_CONF_INT, OFF(days), "7", 1, 3650, NULL,
     "firewall: top sources of the last M days"},
    {"min_duration", AP_CONF_SECS, OFF(min_duration), "30s", 0, 30 * 86400LL, NULL,
     "firewall: a connection this long fires"},
    {"min_bytes", AP_CONF_SIZE, OFF(min_bytes), "1M", 0, 0, NULL,
     "firewall: a connection moving this many bytes fires"},
    {"honeypots", AP_CONF_LIST, OFF(honeypots), NULL, 0, 0, NULL,
     "firewall: more honeypot addresses (CIDRs) besides those in the store"},
    {"refresh", AP_CONF_SECS, OFF(refresh), "60s", 1, 86400, NULL,
     "firewall: how often the top sources are recomputed"},
    {NULL, 0, 0, NULL, 0, 0, NULL, NULL},
};

enum kind {
    K_INTERNAL,
    K_THRESHOLD,
    K_WATCHLIST,
    K_DOWNLOAD,
    K_IDS,
    K_SILENT,
    K_COUNTRY,
    K_FIREWALL
};
enum metric { M_EVENTS, M_CONNECTIONS, M_LOGINS, M_PORTS };

static const struct {
    const char *name;
    enum kind kind;
    const char *group_by;
} kinds[] = {
    {"internal", K_INTERNAL, "sensor,src_ip"},
    {"threshold", K_THRESHOLD, "src_ip"},
    {"watchlist", K_WATCHLIST, "src_ip"},
    {"download", K_DOWNLOAD, "src_ip,url,sha256"},
    {"ids", K_IDS, "src_ip,signature"},
    {"silent_sensor", K_SILENT, "sensor"},
    {"new_country", K_COUNTRY, "sensor,src_country"},
    {"firewall", K_FIREWALL, "src_ip,dst_ip"},
};

static const char *const sev_names[] = {"", "low", "medium", "high", "critical"};

int
ap_alert_severity_lookup(const char *s)
{
    int i;

    for (i = 1; s && i <= 4; i++)
        if (strcmp(s, sev_names[i]) == 0)
            return i;
    return -1;
}

struct portseen {
    int port;
    int64_t ts;
};

struct gstate {
    int64_t last_fired, last_seen;
    uint64_t suppressed;
    int64_t *times; /* ring of the last `threshold` matching times */
    size_t ntimes, head;
    struct portseen *ports;
    size_t nports;
};

static void
gfini(void *v)
{
    struct gstate *g = v;

    free(g->times);
    free(g->ports);
}

struct rule {
    const char *name;
    const struct ap_alert_rule_conf *c;
    enum kind kind;
    enum metric metric;
    int sev;
    struct ap_strlist group_by;
    struct ap_ghash *groups;
    uint64_t overflow;
};

struct ap_alert_engine {
    struct rule *r;
    size_t n;
    int64_t started_us;
    struct ap_ghash *sensors; /* sensor -> int64_t last seen (receive time) */
    json_t *sensor_tags;      /* server.db tags: ident -> [tags] */
};

void
ap_alert_engine_set_sensor_tags(struct ap_alert_engine *e, json_t *tags)
{
    json_decref(e->sensor_tags);
    e->sensor_tags = tags ? json_incref(tags) : NULL;
}

size_t
ap_alert_engine_nrules(const struct ap_alert_engine *e)
{
    return e->n;
}

static int
rule_init(struct rule *r, const char *name, const struct ap_alert_rule_conf *c,
          char *err, size_t errlen)
{
    size_t i;

    memset(r, 0, sizeof(*r));
    r->name = name;
    r->c = c;
    for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (c->type && strcmp(c->type, kinds[i].name) == 0)
            break;
    if (i == sizeof(kinds) / sizeof(kinds[0])) {
        snprintf(err, errlen, "[alert %s]: unknown type '%s'", name,
                 c->type ? c->type : "(none)");
        return AP_ECONF;
    }
    r->kind = kinds[i].kind;
    if ((r->sev = ap_alert_severity_lookup(c->severity)) < 0) {
        snprintf(err, errlen, "[alert %s]: severity must be low, medium, high or critical",
                 name);
        return AP_ECONF;
    }
    if (r->kind == K_THRESHOLD) {
        if (strcmp(c->metric, "events") == 0)
            r->metric = M_EVENTS;
        else if (strcmp(c->metric, "connections") == 0)
            r->metric = M_CONNECTIONS;
        else if (strcmp(c->metric, "logins") == 0)
            r->metric = M_LOGINS;
        else if (strcmp(c->metric, "ports") == 0)
            r->metric = M_PORTS;
        else {
            snprintf(err, errlen, "[alert %s]: metric must be events, connections, "
                     "logins or ports", name);
            return AP_ECONF;
        }
    }
    /* type internal with no 'sensors' still matches events tagged
     * "internal" (sensor tags from enrollment). */
    if (r->kind == K_WATCHLIST && c->usernames.n + c->passwords.n + c->credentials.n == 0) {
        snprintf(err, errlen, "[alert %s]: watchlist needs usernames, passwords "
                 "or credentials", name);
        return AP_ECONF;
    }
    if (r->kind == K_FIREWALL) {
        if (c->fw_log == NULL || c->fw_log[0] != '/') {
            snprintf(err, errlen, "[alert %s]: firewall needs fw_log (an absolute path)",
                     name);
            return AP_ECONF;
        }
        if (c->fw_format && strcmp(c->fw_format, "iptables") != 0 &&
            strcmp(c->fw_format, "nft") != 0 && strcmp(c->fw_format, "csv") != 0) {
            snprintf(err, errlen, "[alert %s]: fw_format must be iptables, nft or csv",
                     name);
            return AP_ECONF;
        }
    }
    if ((c->group_by.n ? 0 : ap_strlist_split(&r->group_by, kinds[i].group_by)) != 0 ||
        (r->groups = ap_ghash_new(sizeof(struct gstate))) == NULL) {
        ap_strlist_free(&r->group_by);
        return AP_ENOMEM;
    }
    return 0;
}

int
ap_alert_engine_new(const char *const *names,
                    const struct ap_alert_rule_conf *const *confs, size_t n,
                    int64_t now_us, struct ap_alert_engine **out, char *err,
                    size_t errlen)
{
    struct ap_alert_engine *e = calloc(1, sizeof(*e));
    size_t i;
    int r = AP_ENOMEM;

    if (e == NULL || (e->r = calloc(n + 1, sizeof(*e->r))) == NULL ||
        (e->sensors = ap_ghash_new(sizeof(int64_t))) == NULL) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    e->started_us = now_us;
    for (i = 0; i < n; i++) {
        if (!confs[i]->enabled)
            continue;
        if ((r = rule_init(&e->r[e->n], names[i], confs[i], err, errlen)) != 0)
            goto fail;
        e->n++;
    }
    *out = e;
    return 0;
fail:
    ap_alert_engine_free(e);
    return r;
}

int
ap_alert_rule_check(const char *name, const struct ap_alert_rule_conf *c,
                    char *err, size_t errlen)
{
    struct rule r;
    int rc;

    if ((rc = rule_init(&r, name, c, err, errlen)) != 0)
        return rc;
    ap_ghash_free(r.groups, gfini);
    ap_strlist_free(&r.group_by);
    return 0;
}

/* Settings equal iff their config dumps are equal (every keyword). */
static int
conf_same(const struct ap_alert_rule_conf *a, const struct ap_alert_rule_conf *b)
{
    char *da = NULL, *db = NULL;
    size_t la = 0, lb = 0;
    FILE *fa = open_memstream(&da, &la), *fb = open_memstream(&db, &lb);
    int same = 0;

    if (fa && fb) {
        ap_conf_dump(fa, ap_alert_rule_keywords, a);
        ap_conf_dump(fb, ap_alert_rule_keywords, b);
    }
    if (fa)
        fclose(fa);
    if (fb)
        fclose(fb);
    same = da && db && la == lb && memcmp(da, db, la) == 0;
    free(da);
    free(db);
    return same;
}

void
ap_alert_engine_adopt(struct ap_alert_engine *e, struct ap_alert_engine *old)
{
    struct ap_ghash *t;
    size_t i, j;

    e->started_us = old->started_us;
    if (e->sensor_tags == NULL) {
        e->sensor_tags = old->sensor_tags;
        old->sensor_tags = NULL;
    }
    t = e->sensors;
    e->sensors = old->sensors;
    old->sensors = t;
    for (i = 0; i < e->n; i++)
        for (j = 0; j < old->n; j++) {
            struct rule *r = &e->r[i], *o = &old->r[j];
            if (strcmp(r->name, o->name) != 0)
                continue;
            if (r->kind == o->kind && conf_same(r->c, o->c)) {
                t = r->groups;
                r->groups = o->groups;
                o->groups = t;
                r->overflow = o->overflow;
            }
            break;
        }
}

void
ap_alert_engine_free(struct ap_alert_engine *e)
{
    size_t i;

    if (e == NULL)
        return;
    for (i = 0; e->r && i < e->n; i++) {
        ap_ghash_free(e->r[i].groups, gfini);
        ap_strlist_free(&e->r[i].group_by);
    }
    ap_ghash_free(e->sensors, NULL);
    json_decref(e->sensor_tags);
    free(e->r);
    free(e);
}

/* ---- helpers ---- */

static const struct ap_strlist *
rule_group_by(const struct rule *r)
{
    return r->c->group_by.n ? &r->c->group_by : &r->group_by;
}

/* "src_ip=1.2.3.4 sensor=x": the grouping key of ev under r. */
static void
group_key(const struct rule *r, const json_t *ev, char *key, size_t len)
{
    const struct ap_strlist *gb = rule_group_by(r);
    size_t i, o = 0;
    const json_t *v;
    int w;

    key[0] = '\0';
    for (i = 0; i < gb->n && o < len; i++) {
        v = json_object_get(ev, gb->v[i]);
        if (json_is_string(v))
            w = snprintf(key + o, len - o, "%s%s=%s", i ? " " : "", gb->v[i],
                         json_string_value(v));
        else if (json_is_integer(v))
            w = snprintf(key + o, len - o, "%s%s=%lld", i ? " " : "", gb->v[i],
                         (long long)json_integer_value(v));
        else
            w = snprintf(key + o, len - o, "%s%s=", i ? " " : "", gb->v[i]);
        if (w < 0)
            break;
        o += (size_t)w;
    }
}

static int
prune_stale(void *v, void *arg)
{
    const struct gstate *g = v;
    int64_t cutoff = *(const int64_t *)arg;

    return g->last_seen < cutoff && g->last_fired < cutoff;
}

static struct gstate *
group_get(struct rule *r, const char *key, int64_t ts)
{
    struct gstate *g = ap_ghash_get(r->groups, key);
    int64_t span, cutoff;
    int created;

    if (g != NULL)
        return g;
    if (ap_ghash_count(r->groups) >= RULE_MAX_GROUPS) {
        span = (r->c->window > r->c->cooldown ? r->c->window : r->c->cooldown);
        cutoff = ts - span * 1000000LL;
        ap_ghash_prune(r->groups, prune_stale, &cutoff, gfini);
        if (ap_ghash_count(r->groups) >= RULE_MAX_GROUPS) {
            r->overflow++;
            return NULL;
        }
    }
    return ap_ghash_put(r->groups, key, &created);
}

static void
copy_field(json_t *a, const json_t *ev, const char *f)
{
    json_t *v = json_object_get(ev, f);

    if (v != NULL)
        json_object_set_new(a, f, json_deep_copy(v));
}

/* Fire (or swallow within the cooldown).  Returns 1 if an alert was
 * appended. */
static int
fire(struct rule *r, struct gstate *g, const char *key, const json_t *ev,
     int64_t ts, long long count, const char *title, json_t *fired)
{
    char id[AP_EVENT_ID_LEN + 1], tsb[40];
    json_t *a;
    int64_t now = ap_now_us();

    if (g->last_fired != 0 && ts - g->last_fired < r->c->cooldown * 1000000LL) {
        g->suppressed++;
        return 0;
    }
    if ((a = json_object()) == NULL)
        return 0;
    ap_event_id_new(id, now);
    ap_format_time_us(now, tsb, sizeof(tsb));
    json_object_set_new(a, "id", json_string(id));
    json_object_set_new(a, "ts", json_string(tsb));
    json_object_set_new(a, "rule", json_string(r->name));
    json_object_set_new(a, "type", json_string(r->c->type));
    json_object_set_new(a, "severity", json_string(sev_names[r->sev]));
    json_object_set_new(a, "group", json_string(key));
    json_object_set_new(a, "title", json_string(title));
    json_object_set_new(a, "count", json_integer(count));
    json_object_set_new(a, "suppressed_before", json_integer((json_int_t)g->suppressed));
    if (ev != NULL) {
        copy_field(a, ev, "sensor");
        copy_field(a, ev, "src_ip");
        copy_field(a, ev, "src_country");
        json_object_set_new(a, "event", json_deep_copy(ev));
    }
    if (r->c->notify.n) {
        json_t *nl = json_array();
        size_t i;
        for (i = 0; i < r->c->notify.n; i++)
            json_array_append_new(nl, json_string(r->c->notify.v[i]));
        json_object_set_new(a, "notify", nl);
    }
    if (json_array_append_new(fired, a) != 0)
        return 0;
    g->last_fired = ts;
    g->suppressed = 0;
    g->ntimes = g->head = 0;
    g->nports = 0;
    return 1;
}

static int
in_tags(const json_t *t, const char *tag)
{
    const json_t *v;
    size_t i;

    json_array_foreach(t, i, v) if (json_is_string(v) && strcmp(json_string_value(v), tag) == 0)
        return 1;
    return 0;
}

/* The event's own tags, or the operator's tags of its sensor. */
static int
has_tag(const struct ap_alert_engine *e, const json_t *ev, const char *tag)
{
    const char *sensor = ap_ev_str(ev, "sensor");

    return in_tags(json_object_get(ev, "tags"), tag) ||
           (sensor && e->sensor_tags &&
            in_tags(json_object_get(e->sensor_tags, sensor), tag));
}

/* Threshold bookkeeping; returns the count reached if it crossed. */
static long long
threshold_hit(struct rule *r, struct gstate *g, const json_t *ev, int64_t ts)
{
    int64_t win = r->c->window * 1000000LL, oldest;
    size_t thr = (size_t)r->c->threshold, i, o;
    long long port;

    if (r->metric == M_PORTS) {
        if ((port = ap_ev_int(ev, "dst_port")) <= 0)
            return 0;
        /* drop ports older than the window, update or add this one */
        for (i = o = 0; i < g->nports; i++)
            if (g->ports[i].ts > ts - win && g->ports[i].port != port)
                g->ports[o++] = g->ports[i];
        g->nports = o;
        if (g->ports == NULL &&
            (g->ports = calloc(thr < RULE_MAX_PORTS ? thr : RULE_MAX_PORTS,
                               sizeof(*g->ports))) == NULL)
            return 0;
        if (g->nports < (thr < RULE_MAX_PORTS ? thr : RULE_MAX_PORTS))
            g->ports[g->nports++] = (struct portseen){(int)port, ts};
        return g->nports >= thr ? (long long)g->nports : 0;
    }
    if (g->times == NULL && (g->times = calloc(thr, sizeof(*g->times))) == NULL)
        return 0;
    g->times[(g->head + g->ntimes) % thr] = ts;
    if (g->ntimes < thr)
        g->ntimes++;
    else
        g->head = (g->head + 1) % thr;
    if (g->ntimes < thr)
        return 0;
    oldest = g->times[g->head];
    return ts - oldest < win ? (long long)thr : 0;
}

static int
watch_hit(const struct rule *r, const json_t *ev, char *what, size_t len)
{
    const char *u = ap_ev_str(ev, "username"), *p = ap_ev_str(ev, "password");
    char pair[1024];
    size_t i;

    if (u && ap_strlist_has(&r->c->usernames, u)) {
        snprintf(what, len, "username %s", u);
        return 1;
    }
    if (p && ap_strlist_has(&r->c->passwords, p)) {
        snprintf(what, len, "password %s", p);
        return 1;
    }
    if (u && p && r->c->credentials.n) {
        snprintf(pair, sizeof(pair), "%s:%s", u, p);
        for (i = 0; i < r->c->credentials.n; i++)
            if (strcmp(r->c->credentials.v[i], pair) == 0) {
                snprintf(what, len, "credential %s", pair);
                return 1;
            }
    }
    return 0;
}

static int
rule_event(struct ap_alert_engine *e, struct rule *r, const json_t *ev,
           int64_t ts, json_t *fired)
{
    const char *type = ap_ev_str(ev, "type"), *sensor = ap_ev_str(ev, "sensor");
    const char *src = ap_ev_str(ev, "src_ip");
    char key[1024], title[4096], what[1100];
    struct gstate *g;
    long long count = 1;

    if (type == NULL)
        return 0;
    if (r->kind != K_INTERNAL && r->c->sensors.n &&
        (sensor == NULL || !ap_strlist_has(&r->c->sensors, sensor)))
        return 0;
    if (src == NULL)
        src = "?";
    switch (r->kind) {
    case K_INTERNAL:
        if (!has_tag(e, ev, "internal") &&
            (sensor == NULL || !ap_strlist_has(&r->c->sensors, sensor)))
            return 0;
        snprintf(title, sizeof(title), "Internal honeypot %s touched by %s (%s)",
                 sensor ? sensor : "?", src, type);
        break;
    case K_THRESHOLD:
        if ((r->metric == M_CONNECTIONS && strcmp(type, "connect") != 0) ||
            (r->metric == M_LOGINS && strcmp(type, "login") != 0))
            return 0;
        break;
    case K_WATCHLIST:
        if (strcmp(type, "login") != 0 || !watch_hit(r, ev, what, sizeof(what)))
            return 0;
        snprintf(title, sizeof(title), "Watched %s tried by %s on %s", what, src,
                 sensor ? sensor : "?");
        break;
    case K_DOWNLOAD:
        if (strcmp(type, "download") != 0 && strcmp(type, "upload") != 0)
            return 0;
        snprintf(title, sizeof(title), "%s of %s by %s on %s",
                 strcmp(type, "download") == 0 ? "Download" : "Upload",
                 ap_ev_str(ev, "url")        ? ap_ev_str(ev, "url")
                 : ap_ev_str(ev, "filename") ? ap_ev_str(ev, "filename")
                                             : "a file",
                 src, sensor ? sensor : "?");
        break;
    case K_IDS:
        if (strcmp(type, "alert") != 0 || ap_ev_str(ev, "signature") == NULL ||
            (r->c->match && !strstr(ap_ev_str(ev, "signature"), r->c->match)) ||
            (json_object_get(ev, "severity") &&
             ap_ev_int(ev, "severity") > r->c->ids_severity))
            return 0;
        snprintf(title, sizeof(title), "IDS: %s from %s", ap_ev_str(ev, "signature"),
                 src);
        break;
    case K_COUNTRY: {
        const char *cc = ap_ev_str(ev, "src_country");
        if (cc == NULL || *cc == '\0' || sensor == NULL)
            return 0;
        group_key(r, ev, key, sizeof(key));
        g = ap_ghash_get(r->groups, key);
        if (g != NULL) {
            g->last_seen = ts;
            return 0;
        }
        if ((g = group_get(r, key, ts)) == NULL)
            return 0;
        g->last_seen = ts;
        if (ts - e->started_us < r->c->learn * 1000000LL)
            return 0;
        snprintf(title, sizeof(title), "New source country %s for sensor %s (%s)", cc,
                 sensor, src);
        return fire(r, g, key, ev, ts, 1, title, fired);
    }
    case K_SILENT:
    case K_FIREWALL:
        return 0;
    }
    group_key(r, ev, key, sizeof(key));
    if ((g = group_get(r, key, ts)) == NULL)
        return 0;
    g->last_seen = ts;
    if (r->kind == K_THRESHOLD) {
        /* Inside the cooldown a crossing is swallowed anyway: skip the
         * bookkeeping so the window starts fresh afterwards. */
        if (g->last_fired && ts - g->last_fired < r->c->cooldown * 1000000LL) {
            g->suppressed++;
            return 0;
        }
        if ((count = threshold_hit(r, g, ev, ts)) == 0)
            return 0;
        snprintf(title, sizeof(title), "%s: %lld %s within %llds", key, count,
                 r->metric == M_PORTS ? "distinct ports" : r->c->metric,
                 (long long)r->c->window);
    }
    return fire(r, g, key, ev, ts, count, title, fired);
}

int
ap_alert_engine_event(struct ap_alert_engine *e, const json_t *ev,
                      int64_t now_us, json_t *fired)
{
    const char *sensor = ap_ev_str(ev, "sensor");
    int64_t ts = ap_event_ts_us(ev);
    int64_t *seen;
    size_t i;
    int n = 0, created;

    if (ts == 0)
        ts = now_us;
    if (sensor && (seen = ap_ghash_put(e->sensors, sensor, &created)) != NULL)
        *seen = now_us;
    for (i = 0; i < e->n; i++)
        n += rule_event(e, &e->r[i], ev, ts, fired);
    return n;
}

int
ap_alert_engine_flow(struct ap_alert_engine *e, const char *rule, const json_t *conn,
                     int64_t ts_us, json_t *fired)
{
    char key[1024], title[1024];
    struct gstate *g;
    struct rule *r;
    size_t i;

    for (i = 0; i < e->n; i++)
        if (e->r[i].kind == K_FIREWALL && strcmp(e->r[i].name, rule) == 0)
            break;
    if (i == e->n)
        return 0;
    r = &e->r[i];
    group_key(r, conn, key, sizeof(key));
    if ((g = group_get(r, key, ts_us)) == NULL)
        return 0;
    g->last_seen = ts_us;
    snprintf(title, sizeof(title),
             "Honeypot attacker %s reached non-honeypot %s port %lld (%s): %.0f s, %lld bytes",
             ap_ev_str(conn, "src_ip") ? ap_ev_str(conn, "src_ip") : "?",
             ap_ev_str(conn, "dst_ip") ? ap_ev_str(conn, "dst_ip") : "?",
             ap_ev_int(conn, "dst_port"),
             ap_ev_str(conn, "proto") ? ap_ev_str(conn, "proto") : "?",
             json_real_value(json_object_get(conn, "duration")),
             ap_ev_int(conn, "bytes"));
    return fire(r, g, key, conn, ts_us, 1, title, fired);
}

struct silent_ctx {
    struct ap_alert_engine *e;
    struct rule *r;
    int64_t now;
    json_t *fired;
    int n;
};

static void
silent_check(struct silent_ctx *sc, const char *sensor, int64_t last)
{
    struct rule *r = sc->r;
    struct gstate *g;
    char key[512], title[600];
    json_t *ev;

    if (sc->now - last <= r->c->interval * 1000000LL)
        return;
    snprintf(key, sizeof(key), "sensor=%s", sensor);
    if ((g = group_get(r, key, sc->now)) == NULL)
        return;
    /* One alert per silence: re-armed when the sensor is heard again. */
    if (g->last_seen == last && g->last_fired != 0)
        return;
    g->last_seen = last;
    g->last_fired = 0;
    snprintf(title, sizeof(title), "Sensor %s silent for %llds", sensor,
             (long long)((sc->now - last) / 1000000));
    ev = json_pack("{s:s}", "sensor", sensor);
    sc->n += fire(r, g, key, ev, sc->now, 1, title, sc->fired);
    json_decref(ev);
}

static void
silent_each(const char *sensor, void *v, void *arg)
{
    struct silent_ctx *sc = arg;

    if (sc->r->c->sensors.n == 0)
        silent_check(sc, sensor, *(int64_t *)v);
}

int
ap_alert_engine_tick(struct ap_alert_engine *e, int64_t now_us, json_t *fired)
{
    struct silent_ctx sc = {e, NULL, now_us, fired, 0};
    const int64_t *seen;
    size_t i, j;

    for (i = 0; i < e->n; i++) {
        if (e->r[i].kind != K_SILENT)
            continue;
        sc.r = &e->r[i];
        ap_ghash_each(e->sensors, silent_each, &sc);
        for (j = 0; j < e->r[i].c->sensors.n; j++) {
            seen = ap_ghash_get(e->sensors, e->r[i].c->sensors.v[j]);
            silent_check(&sc, e->r[i].c->sensors.v[j], seen ? *seen : e->started_us);
        }
    }
    return sc.n;
}
