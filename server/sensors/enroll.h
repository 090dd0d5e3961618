/*
 * Enrollment: the logic behind MHN's POST /api/sensor/ (mhn-reference.md
 * C3/C4), so MHN deploy scripts and `apiary enroll` register the same
 * way.  The web component routes the HTTP request here; this file knows
 * nothing about HTTP beyond the status code it returns.
 */
#ifndef AP_ENROLL_H
#define AP_ENROLL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>

struct ap_enroll_ctx {
    sqlite3 *db;            /* server.db */
    const char *hpfeeds_host; /* what sensors connect to (may be NULL) */
    int hpfeeds_port;       /* 0 = unknown */
    int hpfeeds_tls;
};

/*
 * Handle one enrollment request body (JSON: name, hostname, honeypot,
 * deploy_key; name/hostname/honeypot required as in MHN).  remote_ip is
 * the caller's address (recorded as the sensor ip, as MHN does).
 * Returns the HTTP status (200, 400, 401, 500) and sets *resp (owned):
 * on 200 MHN's sensor object {uuid, name, hostname, honeypot, ip,
 * created_date, identifier, secret, publish} plus Apiary's "subscribe"
 * and "hpfeeds" {host, port, tls}; otherwise {"error": "..."} with MHN's
 * wording where MHN has one.
 *
 * The new hpfeeds ident is the uuid; it may publish the channels of that
 * honeypot type (MHN's HONEYPOT_CHANNELS), and for "apiary" publish
 * apiary.events and apiary.status and subscribe apiary.ack.<uuid>.
 */
int ap_enroll_handle(const struct ap_enroll_ctx *c, const char *body,
                     size_t len, const char *remote_ip, int64_t now_us,
                     json_t **resp);

/* The publish channels of a honeypot type, NULL-terminated; NULL if the
 * type is unknown. */
const char *const *ap_enroll_channels(const char *honeypot);

#endif
