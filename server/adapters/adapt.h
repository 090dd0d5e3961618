/*
 * Internals shared by the adapters: a context that collects events and
 * remembers allocation failures (so adapters stay short and straight),
 * and readers that accept the shapes real honeypots send (numbers as
 * strings, addresses as [ip, port] arrays, "::ffff:" prefixes, local
 * times).  Not for use outside server/adapters/.
 */
#ifndef AP_ADAPT_H
#define AP_ADAPT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "adapters.h"
#include "ap/event.h"

/*
 * Fields several events of one payload share, captured from the first
 * event that got them and put into the others without building them
 * again: the values are shared (jansson values are reference counted and
 * nothing changes a string or number in place), arrays ("tags") are
 * copied since adapters append to them.  Keys keep their order.
 */
#define AD_TMPL_MAX 12
struct ad_tmpl {
    size_t n;
    int bad; /* did not fit: build the fields every time */
    struct {
        char key[24];
        json_t *v;
    } kv[AD_TMPL_MAX];
};

struct ad_ctx {
    const struct ap_adapt_in *in;
    json_t *out;   /* the array being filled */
    int oom;       /* an allocation failed: the result is discarded */
    char *err;
    size_t errlen;
    /* what ad_event adds after ts and type (sensor, honeypot) for the
     * honeypot ev_honeypot ("" until the first event) */
    struct ad_tmpl ev_tmpl;
    char ev_honeypot[64];
    json_t *type_v[AP_EV__COUNT]; /* "type" values, one per type */
};

/* Release what the context holds besides out (templates, shared values). */
void ad_ctx_release(struct ad_ctx *c);

typedef int (*ad_fn)(struct ad_ctx *c);

struct ad_entry {
    const char *channel;
    const char *honeypot;
    ad_fn fn;
    int native; /* apiary.events: ids come from the sensor */
};

/* Capture the fields of ev from position `from` on (0 or -1 when they do
 * not fit), put them into another event, release them. */
int ad_tmpl_capture(struct ad_tmpl *t, json_t *ev, size_t from);
void ad_tmpl_apply(struct ad_ctx *c, const struct ad_tmpl *t, json_t *ev);
void ad_tmpl_release(struct ad_tmpl *t);

/* Fail with a reason (printf-style); always returns AP_EINVAL. */
int ad_fail(struct ad_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The payload as a JSON object, or NULL after ad_fail. Owned. */
json_t *ad_parse_object(struct ad_ctx *c);

/* A new event appended to c->out (borrowed), or NULL when the per-payload
 * cap is reached or on ENOMEM.  ts_us 0 means the receive time.  The id is
 * filled in by the dispatcher. */
json_t *ad_event(struct ad_ctx *c, enum ap_event_type t, const char *honeypot,
                 int64_t ts_us);

/* Readers: NULL / -1 / 0 when absent or of a type that cannot be read. */
const char *ad_str(const json_t *o, const char *key);
/* Integer, or a string holding one ("445"); 0 and *v, or -1. */
int ad_int(const json_t *o, const char *key, long long *v);
int ad_intv(const json_t *j, long long *v);
/* A port (0..65535) from an int or a numeric string; -1 if none. */
int ad_port(const json_t *o, const char *key);
/* An address: a string, or the first string of an [ip, port] array. */
const char *ad_ip(const json_t *o, const char *key);
/* A time field (ISO-8601, "Y/m/d H:M:S", RFC 3339); 0 if absent/bad.
 * Times without zone are taken as UTC (docs/EVENTS.md). */
int64_t ad_time(const json_t *o, const char *key);
/* The first of several spellings of a key that is present. */
const json_t *ad_any(const json_t *o, const char *const *keys);

/* Setters on an event; failures set c->oom.  Strings are attacker bytes:
 * capped at AP_LIMIT_EVENT_STR (tag "truncated"), invalid UTF-8 kept in
 * <field>_b64.  NULL or empty values are skipped. */
void ad_set_str(struct ad_ctx *c, json_t *ev, const char *field,
                const char *s);
void ad_set_strn(struct ad_ctx *c, json_t *ev, const char *field,
                 const char *s, size_t n);
void ad_set_int(struct ad_ctx *c, json_t *ev, const char *field, long long v);
void ad_set_bool(struct ad_ctx *c, json_t *ev, const char *field, int v);
void ad_set_real(struct ad_ctx *c, json_t *ev, const char *field, double v);
/* Addresses: "::ffff:" stripped, ports outside 0..65535 (or -1) skipped,
 * strings that are not addresses-like (too long) ignored. */
void ad_set_addr(struct ad_ctx *c, json_t *ev, const char *src_ip,
                 int src_port, const char *dst_ip, int dst_port);
void ad_set_b64(struct ad_ctx *c, json_t *ev, const char *field,
                const void *p, size_t n);
/* A JSON value copied into an OBJ/ARR field (deep copy, bounded). */
void ad_set_json(struct ad_ctx *c, json_t *ev, const char *field,
                 const json_t *v);
void ad_add_tag(struct ad_ctx *c, json_t *ev, const char *tag);
/* Copy a "tags" array of strings from a payload (CHN honeypots). */
void ad_copy_tags(struct ad_ctx *c, json_t *ev, const json_t *payload);

/* Hex text to bytes (ttylog, honeydb data); returns bytes or -1. */
long ad_unhex(const char *hex, uint8_t *out, size_t max);

/* A cowrie/kippo session message (cowrie.c; kippo.c shares it). */
int ad_ssh_session(struct ad_ctx *c, const char *honeypot);

/* HTTP helpers (http.c): a raw request ("GET / HTTP/1.1\r\nHost: ...")
 * into method/path/version/headers/user_agent/body; a header list
 * [[name, value], ...] or {name: value} into "headers" + user_agent. */
void ad_http_raw(struct ad_ctx *c, json_t *ev, const char *raw, size_t n);
void ad_http_headers(struct ad_ctx *c, json_t *ev, const json_t *h);

/* The adapters, one file each. */
int ad_cowrie_sessions(struct ad_ctx *c);
int ad_kippo_sessions(struct ad_ctx *c);
int ad_dionaea_connections(struct ad_ctx *c);
int ad_dionaea_capture(struct ad_ctx *c);
int ad_dionaea_mwbinary(struct ad_ctx *c);
int ad_conpot_events(struct ad_ctx *c);
int ad_glastopf_events(struct ad_ctx *c);
int ad_glastopf_files(struct ad_ctx *c);
int ad_amun_events(struct ad_ctx *c);
int ad_wordpot_events(struct ad_ctx *c);
int ad_shockpot_events(struct ad_ctx *c);
int ad_elastichoney_events(struct ad_ctx *c);
int ad_p0f_events(struct ad_ctx *c);
int ad_snort_alerts(struct ad_ctx *c);
int ad_suricata_events(struct ad_ctx *c);
int ad_agave_events(struct ad_ctx *c);
int ad_beeswarm_hive(struct ad_ctx *c);
int ad_rdphoney_sessions(struct ad_ctx *c);
int ad_uhp_events(struct ad_ctx *c);
int ad_elasticpot_events(struct ad_ctx *c);
int ad_spylex_events(struct ad_ctx *c);
int ad_ssh_auth_logger_events(struct ad_ctx *c);
int ad_honeydb_events(struct ad_ctx *c);
int ad_apiary_events(struct ad_ctx *c);

/* The honeypot name for the entry being run (registry.c). */
const char *ad_honeypot(const struct ad_ctx *c);

#endif
