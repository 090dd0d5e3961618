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
#include "deliver.h"
#include "sensor.h"
#include "spool.h"
#include "ap/common.h"

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
    if (sn->spool != NULL) {
        r = ap_spool_append(sn->spool, text, n);
        if (r == AP_EFULL) {
            sn->m.events_refused++;
            goto out; /* logged (rate-limited) and counted by the spool */
        }
        if (r == AP_ETOOBIG) {
            sn->m.events_too_big++;
            ap_log_error("event of %zu bytes refused: larger than a spool "
                         "record may be",
                         n);
            goto out;
        }
        if (r != 0) {
            sn->m.events_refused++;
            ap_log_error("spool write failed: %s", ap_strerror(r));
            goto out;
        }
    }
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
