/*
 * What MHN's hpfeeds-logger called each event (mhn-reference.md C6), so
 * the Splunk and CEF outputs keep MHN's `type`, `signature`, `severity`,
 * `vendor_product` and `app` values and the MHN Splunk app's searches keep
 * working.  Also Apiary's own 0..10 severity.
 */
#include <stdio.h>
#include <string.h>

#include "format.h"
#include "ap/event.h"
#include "ap/common.h"

const char *
ap_ev_str(const json_t *ev, const char *field)
{
    return json_string_value(json_object_get(ev, field));
}

long long
ap_ev_int(const json_t *ev, const char *field)
{
    const json_t *v = json_object_get(ev, field);

    if (json_is_integer(v))
        return json_integer_value(v);
    if (json_is_real(v))
        return (long long)json_real_value(v);
    return 0;
}

/* MHN's honeypots: the channel their events came on, the logger's
 * vendor_product and its severity word. */
static const struct mhn_pot {
    const char *honeypot, *channel, *vendor, *severity;
} mhn_pots[] = {
    {"cowrie", "cowrie.sessions", "Cowrie", "high"},
    {"kippo", "kippo.sessions", "Kippo", "high"},
    {"dionaea", "dionaea.connections", "Dionaea", "high"},
    {"conpot", "conpot.events", "Conpot", "medium"},
    {"glastopf", "glastopf.events", "Glastopf", "high"},
    {"amun", "amun.events", "Amun", "high"},
    {"wordpot", "wordpot.alerts", "Wordpot", "high"},
    {"shockpot", "shockpot.events", "ThreatStream Shockpot", "high"},
    {"elastichoney", "elastichoney.events", "ElasticHoney", "high"},
    {"p0f", "p0f.events", "p0f", "informational"},
    {"snort", "snort.alerts", "Snort", "high"},
    {"suricata", "suricata.events", "Suricata", "high"},
    {"agave", "agave.events", "Agave", "high"},
    {"beeswarm", "beeswarm.hive", "Beeswarm", "high"},
};

static const struct mhn_pot *
mhn_pot_find(const char *hp)
{
    size_t i;

    for (i = 0; hp != NULL && i < sizeof(mhn_pots) / sizeof(mhn_pots[0]); i++)
        if (strcmp(mhn_pots[i].honeypot, hp) == 0)
            return &mhn_pots[i];
    return NULL;
}

static int
is_shell_pot(const char *hp, const char *proto)
{
    return (proto && (strcmp(proto, "ssh") == 0 || strcmp(proto, "telnet") == 0)) ||
           (hp && (strcmp(hp, "cowrie") == 0 || strcmp(hp, "kippo") == 0));
}

static void
mhn_signature(const json_t *ev, const char *type, const char *hp,
              const char *proto, struct ap_mhn_view *v)
{
    char *s = v->signature;
    size_t n = sizeof(v->signature);
    const json_t *known;

    if (strcmp(type, "login") == 0) {
        snprintf(s, n, "%s attempted on %s honeypot",
                 is_shell_pot(hp, proto) ? "SSH login" : "Login", hp);
    } else if (strcmp(type, "command") == 0) {
        known = json_object_get(ev, "known");
        snprintf(s, n, "%scommand attempted on %s honeypot",
                 json_is_false(known) ? "unknown " : "", hp);
    } else if (strcmp(type, "download") == 0) {
        snprintf(s, n, "URL download attempted on %s honeypot", hp);
    } else if (strcmp(type, "upload") == 0) {
        snprintf(s, n, "File upload attempted on %s honeypot", hp);
    } else if (strcmp(type, "alert") == 0) {
        snprintf(s, n, "%s", ap_ev_str(ev, "signature") ? ap_ev_str(ev, "signature") : "IDS alert");
    } else if (strcmp(type, "fingerprint") == 0) {
        if (strcmp(hp, "p0f") == 0)
            snprintf(s, n, "Packet Observed by p0f");
        else if (ap_ev_str(ev, "client_version") && is_shell_pot(hp, proto))
            snprintf(s, n, "SSH session on %s honeypot", hp);
        else
            snprintf(s, n, "Client fingerprinted on %s honeypot", hp);
    } else if (strcmp(type, "request") == 0 && strcmp(hp, "wordpot") == 0) {
        snprintf(s, n, "Wordpress Exploit, Scan, or Enumeration Attempted");
    } else if (strcmp(type, "request") == 0 && strcmp(hp, "shockpot") == 0) {
        snprintf(s, n, "Shellshock Exploit Attempted");
    } else if (strcmp(type, "request") == 0 && strcmp(hp, "elastichoney") == 0) {
        snprintf(s, n, "ElasticSearch Exploit Attempted");
    } else if (strcmp(type, "tunnel") == 0) {
        snprintf(s, n, "Port forwarding attempted on %s honeypot", hp);
    } else if (strcmp(type, "disconnect") == 0) {
        snprintf(s, n, "Session closed on %s honeypot", hp);
    } else if (strcmp(type, "scan") == 0) {
        snprintf(s, n, "Scan of Honeypot");
    } else if (strcmp(type, "error") == 0) {
        snprintf(s, n, "Protocol error on %s honeypot", hp);
    } else if (strcmp(type, "data") == 0) {
        snprintf(s, n, "Unparsed data sent to %s honeypot", hp);
    } else {
        snprintf(s, n, "Connection to Honeypot");
    }
}

void
ap_mhn_view(const json_t *ev, struct ap_mhn_view *v)
{
    const char *type = ap_ev_str(ev, "type"), *hp = ap_ev_str(ev, "honeypot");
    const char *chan = ap_ev_str(ev, "channel"), *proto = ap_ev_str(ev, "protocol");
    const struct mhn_pot *pot;

    if (type == NULL)
        type = "";
    if (hp == NULL || *hp == '\0')
        hp = "apiary";
    pot = mhn_pot_find(hp);
    memset(v, 0, sizeof(*v));

    /* type: the channel for foreign events (with the logger's renames),
     * "apiary.<protocol>" for native ones. */
    if (chan && *chan && strcmp(chan, "apiary.events") != 0) {
        if (strcmp(chan, "conpot.events") == 0)
            snprintf(v->type, sizeof(v->type), "conpot.events-%s",
                     proto ? proto : "");
        else if (strcmp(chan, "wordpot.events") == 0)
            snprintf(v->type, sizeof(v->type), "wordpot.alerts");
        else if (strcmp(chan, "dionaea.connections") == 0 &&
                 strcmp(type, "download") == 0)
            snprintf(v->type, sizeof(v->type), "dionaea.capture");
        else
            snprintf(v->type, sizeof(v->type), "%s", chan);
    } else if (pot != NULL && (chan == NULL || *chan == '\0')) {
        snprintf(v->type, sizeof(v->type), "%s", pot->channel);
    } else {
        snprintf(v->type, sizeof(v->type), "apiary.%s",
                 proto && *proto ? proto : hp);
    }

    mhn_signature(ev, type, hp, proto, v);
    if (strcmp(type, "fingerprint") == 0 || strcmp(type, "disconnect") == 0 ||
        strcmp(type, "error") == 0)
        v->severity = "informational";
    else if (pot != NULL)
        v->severity = pot->severity;
    else
        v->severity = "high";
    snprintf(v->vendor_product, sizeof(v->vendor_product), "%s",
             pot ? pot->vendor : "Apiary");
    snprintf(v->app, sizeof(v->app), "%s", hp);
}

int
ap_event_severity10(const json_t *ev)
{
    const char *type = ap_ev_str(ev, "type");
    long long s;

    if (type == NULL)
        return 1;
    if (strcmp(type, "alert") == 0) {
        s = ap_ev_int(ev, "severity");
        return s == 1 ? 10 : s == 2 ? 7 : s == 3 ? 4 : s >= 4 ? 2 : 7;
    }
    if (strcmp(type, "download") == 0 || strcmp(type, "upload") == 0)
        return 8;
    if (strcmp(type, "login") == 0)
        return json_is_true(json_object_get(ev, "success")) ? 8 : 5;
    if (strcmp(type, "command") == 0)
        return 7;
    if (strcmp(type, "tunnel") == 0)
        return 6;
    if (strcmp(type, "request") == 0)
        return 5;
    if (strcmp(type, "connect") == 0 || strcmp(type, "scan") == 0 ||
        strcmp(type, "data") == 0)
        return 3;
    if (strcmp(type, "error") == 0)
        return 2;
    return 1;
}
