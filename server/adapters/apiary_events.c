/*
 * apiary.events: native sensors publish one canonical event per PUBLISH
 * (docs/EVENTS.md), with their own "id" and "seq".  The event is checked
 * against the table; "sensor" is forced to the authenticated ident so a
 * sensor cannot speak for another.
 */
#include <string.h>

#include "adapt.h"
#include "ap/err.h"
#include "ap/common.h"

int
ad_apiary_events(struct ad_ctx *c)
{
    json_t *o = ad_parse_object(c);
    const char *id;
    char verr[200];

    if (o == NULL)
        return AP_EINVAL;
    id = ad_str(o, "id");
    if (id == NULL || strlen(id) != AP_EVENT_ID_LEN ||
        strspn(id, "0123456789ABCDEFGHJKMNPQRSTVWXYZ") != AP_EVENT_ID_LEN) {
        json_decref(o);
        return ad_fail(c, "event without a valid id");
    }
    json_object_del(o, "sensor_b64");
    json_object_del(o, "rx_ts");
    if (ap_event_set_bytes(o, "sensor", c->in->ident,
                           strlen(c->in->ident)) != 0) {
        json_decref(o);
        return AP_ENOMEM;
    }
    if (ap_event_validate(o, verr, sizeof(verr)) != 0) {
        json_decref(o);
        return ad_fail(c, "invalid event: %s", verr);
    }
    if (ap_event_ts_us(o) == 0) {
        json_decref(o);
        return ad_fail(c, "invalid event: bad ts");
    }
    if (json_array_append_new(c->out, o) != 0)
        c->oom = 1;
    return 0;
}
