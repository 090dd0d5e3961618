/* The cowrie.sessions message of one session (mhn_compat.h). */
#include <string.h>

#include <jansson.h>

#include "mhn_compat.h"
#include "ap/common.h"

json_t *
mhn_compat_new(void)
{
    /* cowrie's field set, in its order; null until something sets it */
    return json_pack("{s:n, s:n, s:n, s:n, s:n, s:n, s:n, s:n, s:[], s:[], "
                     "s:[], s:[], s:n, s:n, s:[], s:n}",
                     "session", "startTime", "endTime", "peerIP", "peerPort",
                     "hostIP", "hostPort", "loggedin", "credentials",
                     "commands", "unknownCommands", "urls", "version",
                     "ttylog", "hashes", "protocol");
}

static const char *
str(const json_t *ev, const char *k)
{
    return json_string_value(json_object_get(ev, k));
}

/* Set acc[k] from ev[k] (or ev[from]) the first time it is seen. */
static void
first(json_t *acc, const char *k, const json_t *ev, const char *from)
{
    json_t *v = json_object_get(ev, from);

    if (v != NULL && json_is_null(json_object_get(acc, k)))
        json_object_set(acc, k, v);
}

static void
append_str(json_t *acc, const char *k, const char *s)
{
    if (s != NULL)
        json_array_append_new(json_object_get(acc, k), json_string(s));
}

void
mhn_compat_observe(json_t *acc, const json_t *ev)
{
    const char *type = str(ev, "type"), *pass;
    json_t *pair;

    if (acc == NULL || type == NULL)
        return;
    first(acc, "session", ev, "session");
    first(acc, "startTime", ev, "ts");
    first(acc, "peerIP", ev, "src_ip");
    first(acc, "peerPort", ev, "src_port");
    first(acc, "hostIP", ev, "dst_ip");
    first(acc, "hostPort", ev, "dst_port");
    first(acc, "protocol", ev, "protocol");
    if (strcmp(type, "fingerprint") == 0) {
        first(acc, "version", ev, "client_version");
    } else if (strcmp(type, "login") == 0 && str(ev, "username") != NULL) {
        /* cowrie records a public-key login without a password as "" */
        pass = str(ev, "password");
        pair = json_pack("[s,s]", str(ev, "username"), pass ? pass : "");
        if (json_is_true(json_object_get(ev, "success")))
            json_object_set_new(acc, "loggedin", pair);
        else
            json_array_append_new(json_object_get(acc, "credentials"), pair);
    } else if (strcmp(type, "command") == 0) {
        /* every line is a command; an unknown one is listed again */
        append_str(acc, "commands", str(ev, "command"));
        if (json_is_false(json_object_get(ev, "known")))
            append_str(acc, "unknownCommands", str(ev, "command"));
    } else if (strcmp(type, "download") == 0) {
        append_str(acc, "urls", str(ev, "url"));
        append_str(acc, "hashes", str(ev, "sha256"));
    } else if (strcmp(type, "upload") == 0) {
        append_str(acc, "hashes", str(ev, "sha256"));
    }
}

json_t *
mhn_compat_finish(json_t *acc, const char *end_ts)
{
    if (acc == NULL)
        return NULL;
    json_object_set_new(acc, "endTime", end_ts ? json_string(end_ts)
                                               : json_null());
    return json_incref(acc);
}
