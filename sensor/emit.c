/*
 * Event emission: every event a module (or the core) produces passes
 * here.  It gets the next spool sequence number, goes to the spool first
 * (so a crash after this point loses nothing), then to the optional JSON
 * lines file, then delivery is told there is work.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ap/err.h"
#include "ap/event.h"
#include "ap/log.h"
#include "ap/util.h"
#include "deliver.h"
#include "sensor.h"
#include "spool.h"
#include "ap/common.h"

/* Append one record to the spool, counting refusals. */
static int
spool_put(struct ap_sensor *sn, const char *text, size_t n)
{
    int r;

    if (sn->spool == NULL)
        return 0;
    r = ap_spool_append(sn->spool, text, n);
    if (r == AP_EFULL) {
        sn->m.events_refused++; /* logged (rate-limited) by the spool */
    } else if (r == AP_ETOOBIG) {
        sn->m.events_too_big++;
        ap_log_error("event of %zu bytes refused: larger than a spool "
                     "record may be",
                     n);
    } else if (r != 0) {
        sn->m.events_refused++;
        ap_log_error("spool write failed: %s", ap_strerror(r));
    }
    return r;
}

int
ap_sensor_emit(struct ap_sensor *sn, json_t *ev)
{
    char *text = NULL;
    char why[256];
    size_t n;
    int r = 0;

    if (ev == NULL)
        return AP_EINVAL;
    /* Our own events must match the declared table; a mismatch is a bug
     * in a module, logged loudly but the event is still kept. */
    if (ap_event_validate(ev, why, sizeof(why)) != 0)
        ap_log_error("event does not match event_types.def: %s", why);
    if (sn->spool != NULL &&
        json_object_set_new(ev, "seq",
                            json_integer((json_int_t)ap_spool_next_seq(
                                sn->spool))) != 0) {
        r = AP_ENOMEM;
        goto out;
    }
    if ((text = json_dumps(ev, JSON_COMPACT | JSON_REAL_PRECISION(9))) == NULL) {
        r = AP_ENOMEM;
        goto out;
    }
    n = strlen(text);
    if ((r = spool_put(sn, text, n)) != 0)
        goto out;
    sn->m.events++;
    if (sn->events_out != NULL) {
        if (fwrite(text, 1, n, sn->events_out) != n ||
            fputc('\n', sn->events_out) == EOF ||
            fflush(sn->events_out) != 0)
            ap_log_warn("events_file: %s", strerror(errno));
    }
    if (sn->deliver != NULL)
        ap_deliver_kick(sn->deliver);
out:
    free(text);
    json_decref(ev);
    return r;
}

int
ap_sensor_publish(struct ap_sensor *sn, const char *channel, json_t *msg)
{
    char *body = NULL, *text = NULL;
    size_t cl = strlen(channel), bl;
    int r = AP_ENOMEM;

    if (msg == NULL)
        return AP_EINVAL;
    if (cl == 0 || cl > 255 || memchr(channel, '\n', cl) != NULL) {
        r = AP_EINVAL;
        goto out;
    }
    if ((body = json_dumps(msg, JSON_COMPACT | JSON_REAL_PRECISION(9))) ==
        NULL)
        goto out;
    bl = strlen(body);
    if ((text = malloc(cl + 2 + bl)) == NULL)
        goto out;
    text[0] = '@';
    memcpy(text + 1, channel, cl);
    text[cl + 1] = '\n';
    memcpy(text + cl + 2, body, bl);
    if ((r = spool_put(sn, text, cl + 2 + bl)) == 0 && sn->deliver != NULL)
        ap_deliver_kick(sn->deliver);
out:
    free(text);
    free(body);
    json_decref(msg);
    return r;
}

int
ap_sensor_rec_channel(const uint8_t *p, size_t n, const char **chan,
                      size_t *chanlen, const uint8_t **payload, size_t *plen)
{
    const uint8_t *nl;

    if (n < 3 || p[0] != '@' ||
        (nl = memchr(p, '\n', AP_MIN(n, (size_t)257))) == NULL || nl == p + 1)
        return 0;
    *chan = (const char *)p + 1;
    *chanlen = (size_t)(nl - p - 1);
    *payload = nl + 1;
    *plen = n - (size_t)(nl + 1 - p);
    return 1;
}
