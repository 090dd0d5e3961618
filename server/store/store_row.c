/*
 * An event's JSON becomes a row: the indexed columns pulled out once,
 * and the compact serialization written into the batch's arena.  Runs on
 * the collector's adapting thread (ap_store_prepare), off the writer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ap/err.h"
#include "ap/event.h"
#include "ap/json_dump.h"
#include "store_int.h"
#include "ap/common.h"

struct st_chunk {
    struct st_chunk *next;
    size_t cap, used;
    char data[];
};

#define ST_CHUNK (1u << 20)
/* Chunks kept by st_arena_reset: a batch of 5000 events of ~350 bytes
 * fills two. */
#define ST_CHUNKS_KEPT 4

void
st_arena_free(struct st_arena *a)
{
    struct st_chunk *c;

    while ((c = a->head) != NULL) {
        a->head = c->next;
        free(c);
    }
    a->cur = NULL;
}

void
st_arena_reset(struct st_arena *a)
{
    struct st_chunk *c, **pp = &a->head;
    size_t kept = 0;

    /* Chunks made for one big event, and those past the few a batch
     * usually needs, go back to malloc. */
    while ((c = *pp) != NULL) {
        if (c->cap > ST_CHUNK || kept == ST_CHUNKS_KEPT) {
            *pp = c->next;
            free(c);
            continue;
        }
        kept++;
        pp = &c->next;
    }
    if ((a->cur = a->head) != NULL)
        a->cur->used = 0;
}

/* Make the chunk after the current one (a kept chunk if it has room for
 * need bytes, else a new one) the current one. */
static struct st_chunk *
arena_next(struct st_arena *a, size_t need)
{
    struct st_chunk *c = a->cur != NULL ? a->cur->next : a->head;
    size_t cap;

    if (c == NULL || c->cap < need) {
        /* an event bigger than a chunk gets its own */
        cap = AP_MAX((size_t)ST_CHUNK, need);
        if ((c = malloc(sizeof(*c) + cap)) == NULL)
            return NULL;
        c->cap = cap;
        if (a->cur != NULL) {
            c->next = a->cur->next;
            a->cur->next = c;
        } else {
            c->next = a->head;
            a->head = c;
        }
    }
    c->used = 0;
    a->cur = c;
    return c;
}

/* The compact JSON of ev, NUL-terminated, in the arena; fn gets ev's
 * members (ap_json_dumpb_compact_each), even when it fails. */
static char *
arena_dump(struct st_arena *a, const json_t *ev, ap_json_member_fn *fn,
           void *ctx)
{
    struct st_chunk *c = a->cur;
    size_t need;
    char *out;

    if (c != NULL) {
        need = ap_json_dumpb_compact_each(ev, c->data + c->used,
                                          c->cap - c->used, fn, ctx);
        if (need == 0)
            return NULL;
        if (need < c->cap - c->used)
            goto done;
    } else {
        need = ap_json_dumpb_compact_each(ev, NULL, 0, fn, ctx);
        if (need == 0)
            return NULL;
    }
    /* Did not fit: the next chunk, and serialize again. */
    if ((c = arena_next(a, need + 1)) == NULL)
        return NULL;
    if (ap_json_dumpb_compact(ev, c->data, c->cap) != need)
        return NULL;
done:
    out = c->data + c->used;
    out[need] = '\0';
    c->used += need + 1;
    return out;
}

/* The fields a row reads; one pass over the event's members finds them
 * (json_object_get hashes the key and walks a bucket, twenty times per
 * event). */
enum {
    F_ID, F_TYPE, F_TS, F_RX_TS, F_SENSOR, F_HONEYPOT, F_SESSION, F_SRC_IP,
    F_DST_IP, F_TRANSPORT, F_PROTOCOL, F_SRC_COUNTRY, F_SRC_PORT, F_DST_PORT,
    F_SRC_ASN, F_SIZE, F_USERNAME, F_PASSWORD, F_SUCCESS, F_COMMAND, F_URL,
    F_SHA256, F_FILENAME, F_SIGNATURE, F__N
};

/* The row field named k (n bytes), or -1.  By length, then compared with
 * constant-size memcmps the compiler inlines (a library call per member
 * was 2 % of the adapting thread). */
static int
row_field(const char *k, size_t n)
{
#define IS(f, name) if (memcmp(k, name, sizeof(name) - 1) == 0) return F_##f
    switch (n) {
    case 2: IS(ID, "id"); IS(TS, "ts"); break;
    case 3: IS(URL, "url"); break;
    case 4: IS(TYPE, "type"); IS(SIZE, "size"); break;
    case 5: IS(RX_TS, "rx_ts"); break;
    case 6:
        IS(SRC_IP, "src_ip"); IS(DST_IP, "dst_ip"); IS(SENSOR, "sensor");
        IS(SHA256, "sha256");
        break;
    case 7:
        IS(SESSION, "session"); IS(SRC_ASN, "src_asn");
        IS(SUCCESS, "success"); IS(COMMAND, "command");
        break;
    case 8:
        IS(HONEYPOT, "honeypot"); IS(PROTOCOL, "protocol");
        IS(SRC_PORT, "src_port"); IS(DST_PORT, "dst_port");
        IS(USERNAME, "username"); IS(PASSWORD, "password");
        IS(FILENAME, "filename");
        break;
    case 9: IS(TRANSPORT, "transport"); IS(SIGNATURE, "signature"); break;
    case 11: IS(SRC_COUNTRY, "src_country"); break;
    }
#undef IS
    return -1;
}

static void
take_field(void *ctx, const char *key, size_t key_len, json_t *v)
{
    json_t **f = ctx;
    int k = row_field(key, key_len);

    if (k >= 0)
        f[k] = v;
}

static const char *
fstr(json_t *const *f, int i)
{
    return json_string_value(f[i]);
}

static long long
fint(json_t *const *f, int i)
{
    return json_is_integer(f[i]) ? (long long)json_integer_value(f[i]) : -1;
}

/* "%lld" of v >= 0 into b (24 bytes). */
static void
ll_text(char *b, long long v)
{
    char d[24];
    size_t i = sizeof(d);

    do {
        d[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    memcpy(b, d + i, sizeof(d) - i);
    b[sizeof(d) - i] = '\0';
}

int
st_row_from_event(const json_t *ev, struct st_row *r, const char **why,
                  struct st_arena *a)
{
    json_t *f[F__N] = {NULL};
    const char *rx, *ts;
    char *json;
    int64_t us;

    memset(r, 0, sizeof(*r));
    if (!json_is_object(ev)) {
        *why = "event is not a JSON object";
        return AP_EINVAL;
    }
    /* serialized first: the members are found on the way */
    json = arena_dump(a, ev, take_field, f);
    r->id = fstr(f, F_ID);
    r->type = fstr(f, F_TYPE);
    ts = fstr(f, F_TS);
    r->ts = ts != NULL && ap_time_parse_iso(ts, &us) == 0 ? us : 0;
    if (r->id == NULL || r->id[0] == '\0' || r->type == NULL || r->ts == 0) {
        *why = "event lacks id, type or a valid ts";
        return AP_EINVAL;
    }
    rx = fstr(f, F_RX_TS);
    r->rx_ts = rx != NULL && ap_time_parse_iso(rx, &us) == 0 ? us : 0;
    r->sensor = fstr(f, F_SENSOR);
    r->honeypot = fstr(f, F_HONEYPOT);
    r->session = fstr(f, F_SESSION);
    r->src_ip = fstr(f, F_SRC_IP);
    r->dst_ip = fstr(f, F_DST_IP);
    r->transport = fstr(f, F_TRANSPORT);
    r->protocol = fstr(f, F_PROTOCOL);
    r->src_country = fstr(f, F_SRC_COUNTRY);
    r->src_port = fint(f, F_SRC_PORT);
    r->dst_port = fint(f, F_DST_PORT);
    r->src_asn = fint(f, F_SRC_ASN);
    r->size = fint(f, F_SIZE);
    r->success = -1;
    if (strcmp(r->type, "login") == 0) {
        r->username = fstr(f, F_USERNAME);
        r->password = fstr(f, F_PASSWORD);
        if (json_is_boolean(f[F_SUCCESS]))
            r->success = json_is_true(f[F_SUCCESS]);
    } else if (strcmp(r->type, "command") == 0) {
        r->command = fstr(f, F_COMMAND);
    } else if (strcmp(r->type, "download") == 0 ||
               strcmp(r->type, "upload") == 0) {
        r->url = fstr(f, F_URL);
        r->sha256 = fstr(f, F_SHA256);
        r->filename = fstr(f, F_FILENAME);
    } else if (strcmp(r->type, "alert") == 0) {
        r->signature = fstr(f, F_SIGNATURE);
    }
    if (r->dst_port >= 0)
        ll_text(r->dst_port_s, r->dst_port);
    if (r->src_asn >= 0)
        ll_text(r->src_asn_s, r->src_asn);
    if ((r->json = json) == NULL) {
        *why = "cannot serialize event";
        return AP_ENOMEM;
    }
    return 0;
}
