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

static const char *
str_field(const json_t *ev, const char *k)
{
    return json_string_value(json_object_get(ev, k));
}

static long long
int_field(const json_t *ev, const char *k, long long def)
{
    json_t *v = json_object_get(ev, k);

    return json_is_integer(v) ? (long long)json_integer_value(v) : def;
}

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

/* The compact JSON of ev, NUL-terminated, in the arena. */
static char *
arena_dump(struct st_arena *a, const json_t *ev)
{
    struct st_chunk *c = a->cur;
    size_t need;
    char *out;

    if (c != NULL) {
        need = ap_json_dumpb_compact(ev, c->data + c->used,
                                     c->cap - c->used);
        if (need == 0)
            return NULL;
        if (need < c->cap - c->used)
            goto done;
    } else {
        need = ap_json_dumpb_compact(ev, NULL, 0);
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

int
st_row_from_event(const json_t *ev, struct st_row *r, const char **why,
                  struct st_arena *a)
{
    const char *rx;
    int64_t us;

    memset(r, 0, sizeof(*r));
    if (!json_is_object(ev)) {
        *why = "event is not a JSON object";
        return AP_EINVAL;
    }
    r->id = str_field(ev, "id");
    r->type = str_field(ev, "type");
    r->ts = ap_event_ts_us(ev);
    if (r->id == NULL || r->id[0] == '\0' || r->type == NULL || r->ts == 0) {
        *why = "event lacks id, type or a valid ts";
        return AP_EINVAL;
    }
    rx = str_field(ev, "rx_ts");
    r->rx_ts = rx != NULL && ap_time_parse_iso(rx, &us) == 0 ? us : 0;
    r->sensor = str_field(ev, "sensor");
    r->honeypot = str_field(ev, "honeypot");
    r->session = str_field(ev, "session");
    r->src_ip = str_field(ev, "src_ip");
    r->dst_ip = str_field(ev, "dst_ip");
    r->transport = str_field(ev, "transport");
    r->protocol = str_field(ev, "protocol");
    r->src_country = str_field(ev, "src_country");
    r->src_port = int_field(ev, "src_port", -1);
    r->dst_port = int_field(ev, "dst_port", -1);
    r->src_asn = int_field(ev, "src_asn", -1);
    r->size = int_field(ev, "size", -1);
    r->success = -1;
    if (strcmp(r->type, "login") == 0) {
        r->username = str_field(ev, "username");
        r->password = str_field(ev, "password");
        if (json_is_boolean(json_object_get(ev, "success")))
            r->success = json_is_true(json_object_get(ev, "success"));
    } else if (strcmp(r->type, "command") == 0) {
        r->command = str_field(ev, "command");
    } else if (strcmp(r->type, "download") == 0 ||
               strcmp(r->type, "upload") == 0) {
        r->url = str_field(ev, "url");
        r->sha256 = str_field(ev, "sha256");
        r->filename = str_field(ev, "filename");
    } else if (strcmp(r->type, "alert") == 0) {
        r->signature = str_field(ev, "signature");
    }
    if (r->dst_port >= 0)
        snprintf(r->dst_port_s, sizeof(r->dst_port_s), "%lld", r->dst_port);
    if (r->src_asn >= 0)
        snprintf(r->src_asn_s, sizeof(r->src_asn_s), "%lld", r->src_asn);
    r->json = arena_dump(a, ev);
    if (r->json == NULL) {
        *why = "cannot serialize event";
        return AP_ENOMEM;
    }
    return 0;
}
