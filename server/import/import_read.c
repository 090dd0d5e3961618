/*
 * The simpler readers: dionaea's log_json and hpfeeds dumps, plus format
 * detection.  Each line is one JSON object; other lines are counted as
 * bad and skipped.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "ap/err.h"
#include "ap/event.h"
#include "ap/limits.h"
#include "import.h"
#include "ap/common.h"

const char *
imp_detect(const char *first)
{
    json_t *o = json_loads(first, 0, NULL);
    const char *eid, *fmt = NULL;

    if (o == NULL)
        return NULL;
    eid = json_string_value(json_object_get(o, "eventid"));
    if (eid != NULL && strncmp(eid, "cowrie.", 7) == 0)
        fmt = "cowrie";
    else if (json_object_get(o, "channel") != NULL &&
             (json_object_get(o, "payload") != NULL ||
              json_object_get(o, "payload_b64") != NULL))
        fmt = "hpfeeds";
    else if (json_object_get(o, "connection") != NULL)
        fmt = "dionaea";
    json_decref(o);
    return fmt;
}

/* a JSON null for a missing key, for json_pack "O" */
static json_t *
orn(json_t *v)
{
    return v != NULL ? v : json_null();
}

/* dionaea log_json: {"timestamp", "src_ip", "src_port", "dst_ip",
 * "dst_port", "connection": {"type", "transport", "protocol"},
 * "credentials": [{"username", "password"}], "downloads": [{"url",
 * "md5_hash"}]} */
static int
dionaea_line(json_t *o, imp_emit_fn emit, void *ctx, struct imp_counts *n)
{
    const json_t *conn = json_object_get(o, "connection"), *v;
    const char *ts = json_string_value(json_object_get(o, "timestamp"));
    int64_t rx = 0;
    json_t *m;
    char *s;
    size_t i;
    int r;

    if (!json_is_object(conn) || json_object_get(o, "src_ip") == NULL)
        return 1;
    if (ts == NULL || ap_time_parse_iso(ts, &rx) != 0)
        rx = 0;
    m = json_pack("{sOsOsOsOsOsOsO}", "connection_type",
                  orn(json_object_get(conn, "type")),
                  "connection_transport",
                  orn(json_object_get(conn, "transport")),
                  "connection_protocol",
                  orn(json_object_get(conn, "protocol")),
                  "remote_host", json_object_get(o, "src_ip"), "remote_port",
                  orn(json_object_get(o, "src_port")), "local_host",
                  orn(json_object_get(o, "dst_ip")), "local_port",
                  orn(json_object_get(o, "dst_port")));
    if (m == NULL || (s = json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS)) == NULL) {
        json_decref(m);
        return AP_ENOMEM;
    }
    json_decref(m);
    r = emit(ctx, NULL, "dionaea.connections", s, strlen(s), rx);
    free(s);
    n->messages++;
    json_array_foreach(json_object_get(o, "credentials"), i, v)
    {
        if (r != 0)
            return r;
        m = json_pack("{sssOsOsOsOsOsOsO}", "event_type", "login",
                      "time", orn(json_object_get(o, "timestamp")),
                      "saddr", json_object_get(o, "src_ip"), "sport",
                      orn(json_object_get(o, "src_port")), "daddr",
                      orn(json_object_get(o, "dst_ip")), "dport",
                      orn(json_object_get(o, "dst_port")),
                      "username",
                      orn(json_object_get(v, "username")),
                      "password",
                      orn(json_object_get(v, "password")));
        if (m == NULL ||
            (s = json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS)) == NULL) {
            json_decref(m);
            return AP_ENOMEM;
        }
        json_decref(m);
        r = emit(ctx, NULL, "dionaea.capture", s, strlen(s), rx);
        free(s);
        n->messages++;
    }
    json_array_foreach(json_object_get(o, "downloads"), i, v)
    {
        if (r != 0)
            return r;
        m = json_pack("{sOsOsOsOsOsOsO}", "time",
                      orn(json_object_get(o, "timestamp")), "saddr",
                      json_object_get(o, "src_ip"), "sport",
                      orn(json_object_get(o, "src_port")), "daddr",
                      orn(json_object_get(o, "dst_ip")), "dport",
                      orn(json_object_get(o, "dst_port")), "url",
                      orn(json_object_get(v, "url")), "md5",
                      orn(json_object_get(v, "md5_hash")));
        if (m == NULL ||
            (s = json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS)) == NULL) {
            json_decref(m);
            return AP_ENOMEM;
        }
        json_decref(m);
        r = emit(ctx, NULL, "dionaea.capture", s, strlen(s), rx);
        free(s);
        n->messages++;
    }
    return r;
}

static int
hpfeeds_line(json_t *o, imp_emit_fn emit, void *ctx, struct imp_counts *n)
{
    const char *chan = json_string_value(json_object_get(o, "channel"));
    const char *ident = json_string_value(json_object_get(o, "ident"));
    const char *p = json_string_value(json_object_get(o, "payload"));
    const char *b64 = json_string_value(json_object_get(o, "payload_b64"));
    unsigned char *bin;
    size_t bl;
    int dl, r;

    if (chan == NULL || *chan == '\0' || strlen(chan) > 255)
        return 1;
    n->messages++;
    if (p != NULL)
        return emit(ctx, ident, chan, p,
                    json_string_length(json_object_get(o, "payload")), 0);
    if (b64 == NULL || (bl = strlen(b64)) % 4 != 0)
        return 1;
    if ((bin = malloc(bl / 4 * 3 + 1)) == NULL)
        return AP_ENOMEM;
    dl = EVP_DecodeBlock(bin, (const unsigned char *)b64, (int)bl);
    if (dl < 0) {
        free(bin);
        return 1;
    }
    if (bl > 0 && b64[bl - 1] == '=')
        dl--;
    if (bl > 1 && b64[bl - 2] == '=')
        dl--;
    r = emit(ctx, ident, chan, bin, (size_t)dl, 0);
    free(bin);
    return r;
}

static int
each_line(FILE *f, int (*fn)(json_t *, imp_emit_fn, void *, struct imp_counts *),
          imp_emit_fn emit, void *ctx, struct imp_counts *n)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    json_t *o;
    int r = 0;

    while ((len = getline(&line, &cap, f)) > 0) {
        n->lines++;
        if ((size_t)len > AP_LIMIT_HPF_MSG * 2) {
            n->bad_lines++;
            continue;
        }
        o = json_loadb(line, (size_t)len, 0, NULL);
        r = json_is_object(o) ? fn(o, emit, ctx, n) : 1;
        json_decref(o);
        if (r > 0) {
            n->bad_lines++;
            r = 0;
        }
        if (r < 0)
            break;
    }
    free(line);
    return r;
}

int
imp_dionaea(FILE *f, imp_emit_fn emit, void *ctx, struct imp_counts *n)
{
    return each_line(f, dionaea_line, emit, ctx, n);
}

int
imp_hpfeeds(FILE *f, imp_emit_fn emit, void *ctx, struct imp_counts *n)
{
    return each_line(f, hpfeeds_line, emit, ctx, n);
}
