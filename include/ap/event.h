/*
 * The canonical event: one JSON object (jansson json_t) per thing that
 * happened, with the fields declared in event_types.def.  The same object
 * is the payload sensors publish on `apiary.events`, what adapters return,
 * what the store keeps and what outputs format.
 *
 * Attacker bytes: a STR field holds valid UTF-8 without NUL.  Bytes that
 * are not (a password with 0xff in it) are stored by ap_event_set_bytes as
 * an escaped string ("\xff") plus the exact bytes in "<field>_b64", so
 * nothing is lost and nothing invalid reaches JSON, SQL or HTML.
 */
#ifndef AP_EVENT_H
#define AP_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

enum ap_event_type {
#define AP_EVENT_TYPE(e, name, summary) AP_EV_##e,
#define AP_EVENT_FIELD(e, field, kind, req)
#include "ap/event_types.def"
#undef AP_EVENT_TYPE
#undef AP_EVENT_FIELD
    AP_EV__COUNT
};

enum ap_field_kind {
    AP_FK_STR,
    AP_FK_INT,
    AP_FK_BOOL,
    AP_FK_REAL,
    AP_FK_OBJ,
    AP_FK_ARR,
    AP_FK_B64,
};

struct ap_event_field {
    enum ap_event_type type; /* AP_EV_COMMON for common fields */
    const char *name;
    enum ap_field_kind kind;
    int required;
};

/* The field table, in declaration order, and its length. */
extern const struct ap_event_field ap_event_fields[];
extern const size_t ap_event_nfields;

/* "login" for AP_EV_LOGIN; "" for AP_EV_COMMON. */
const char *ap_event_type_name(enum ap_event_type t);
/* AP_EV_LOGIN for "login"; -1 if unknown. */
int ap_event_type_lookup(const char *name);

/* Length of an event id: 26 characters of Crockford base32 (ULID). */
#define AP_EVENT_ID_LEN 26

/*
 * A new id: 48 bits of milliseconds since the epoch, then 80 random bits,
 * so ids sort by time.  out must hold AP_EVENT_ID_LEN + 1 bytes.
 */
void ap_event_id_new(char *out, int64_t now_us);

/*
 * Deterministic id for an event derived from a foreign payload: the same
 * (time, key bytes) always yield the same id, so a re-sent or re-imported
 * payload is stored once.  key is typically channel+payload+index.
 */
void ap_event_id_derive(char *out, int64_t ts_us, const void *key,
                        size_t keylen);

/* OpenSSL's SHA-256 (an EVP_MD), fetched once per process: EVP_sha256()
 * makes OpenSSL 3 look the algorithm up again on every digest. */
struct evp_md_st;
const struct evp_md_st *ap_sha256_md(void);

/* ap_event_id_derive with the caller's EVP_MD_CTX, reused for many ids
 * (same result, without a context allocated per id). */
struct evp_md_ctx_st;
void ap_event_id_derive_ctx(struct evp_md_ctx_st *md, char *out, int64_t ts_us,
                            const void *key, size_t keylen);

/*
 * A new event object with id, ts (now if ts_us is 0), type, sensor and
 * honeypot set.  Returns owned, or NULL on ENOMEM.
 */
json_t *ap_event_new(enum ap_event_type t, const char *sensor,
                     const char *honeypot, int64_t ts_us);

/* Setters.  All copy their input.  Return 0 or AP_ENOMEM. */
int ap_event_set_str(json_t *ev, const char *field, const char *s);
int ap_event_set_int(json_t *ev, const char *field, long long v);
int ap_event_set_bool(json_t *ev, const char *field, int v);
int ap_event_set_real(json_t *ev, const char *field, double v);
/* Attacker bytes into a STR field (see the header comment). */
int ap_event_set_bytes(json_t *ev, const char *field, const void *p,
                       size_t n);
/* Attacker bytes into a B64 field, truncated to max bytes. */
int ap_event_set_b64(json_t *ev, const char *field, const void *p, size_t n,
                     size_t max);
/* Set src_ip/src_port/dst_ip/dst_port from text, stripping "::ffff:". */
int ap_event_set_addr(json_t *ev, const char *src_ip, int src_port,
                      const char *dst_ip, int dst_port);

/* Read the time of an event ("ts") as microseconds; 0 if absent/bad. */
int64_t ap_event_ts_us(const json_t *ev);
/* Parse ISO-8601 ("2018-05-06T17:44:05.866769Z", "2018-05-06 17:44:05",
 * with or without zone/offset) to microseconds; returns 0 or AP_EINVAL. */
int ap_time_parse_iso(const char *s, int64_t *us);

/*
 * Check ev against the table: type known, every required field present,
 * every known field of the right kind, no unknown field (except
 * "<STR field>_b64").  On failure writes a reason to err.
 */
int ap_event_validate(const json_t *ev, char *err, size_t errlen);

/* Does s[0..n) hold valid UTF-8 without NUL? */
int ap_utf8_valid(const void *s, size_t n);

#endif
