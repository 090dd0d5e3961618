/*
 * The adapter table (channel -> adapter) and the dispatcher that runs an
 * adapter, gives every foreign event a deterministic id and validates
 * everything an adapter returns against the event table.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "adapt.h"
#include "ap/err.h"
#include "ap/common.h"

static const struct ad_entry adapters[] = {
    {"apiary.events", NULL, ad_apiary_events, 1},
    {"cowrie.sessions", "cowrie", ad_cowrie_sessions, 0},
    {"kippo.sessions", "kippo", ad_kippo_sessions, 0},
    {"dionaea.connections", "dionaea", ad_dionaea_connections, 0},
    {"dionaea.capture", "dionaea", ad_dionaea_capture, 0},
    {"dionaea.capture.anon", "dionaea", ad_dionaea_capture, 0},
    {"dionaea.caputres", "dionaea", ad_dionaea_capture, 0}, /* sic (MHN ACL) */
    {"dionaea.captures", "dionaea", ad_dionaea_capture, 0},
    {"mwbinary.dionaea.sensorunique", "dionaea", ad_dionaea_mwbinary, 0},
    {"conpot.events", "conpot", ad_conpot_events, 0},
    {"glastopf.events", "glastopf", ad_glastopf_events, 0},
    {"glastopf.files", "glastopf", ad_glastopf_files, 0},
    {"amun.events", "amun", ad_amun_events, 0},
    {"wordpot.events", "wordpot", ad_wordpot_events, 0},
    {"shockpot.events", "shockpot", ad_shockpot_events, 0},
    {"elastichoney.events", "elastichoney", ad_elastichoney_events, 0},
    {"p0f.events", "p0f", ad_p0f_events, 0},
    {"snort.alerts", "snort", ad_snort_alerts, 0},
    {"suricata.events", "suricata", ad_suricata_events, 0},
    {"agave.events", "agave", ad_agave_events, 0},
    {"drupot.events", "drupot", ad_agave_events, 0},
    {"beeswarm.hive", "beeswarm", ad_beeswarm_hive, 0},
    {"rdphoney.sessions", "rdphoney", ad_rdphoney_sessions, 0},
    {"uhp.events", "uhp", ad_uhp_events, 0},
    {"elasticpot.events", "elasticpot", ad_elasticpot_events, 0},
    {"big-hp.events", "big-hp", ad_spylex_events, 0},
    {"spylex.events", "spylex", ad_spylex_events, 0},
    {"ssh-auth-logger.events", "ssh-auth-logger", ad_ssh_auth_logger_events,
     0},
    {"honeydb-agent.events", "honeydb-agent", ad_honeydb_events, 0},
};

const char *
ap_adapter_channel(size_t i)
{
    return i < AP_ARRAY_SIZE(adapters) ? adapters[i].channel : NULL;
}

static const struct ad_entry *
find(const char *channel)
{
    size_t i;

    for (i = 0; i < AP_ARRAY_SIZE(adapters); i++)
        if (strcmp(adapters[i].channel, channel) == 0)
            return &adapters[i];
    return NULL;
}

const char *
ap_adapter_honeypot(const char *channel)
{
    const struct ad_entry *e = find(channel);

    return e ? e->honeypot : NULL;
}

const char *
ad_honeypot(const struct ad_ctx *c)
{
    const char *h = ap_adapter_honeypot(c->in->channel);

    return h ? h : "unknown";
}

/* id = ULID(event time, SHA-256(ident NUL channel NUL payload) || index):
 * the same payload from the same sensor always gives the same ids. */
static int
derive_ids(const struct ap_adapt_in *in, json_t *evs)
{
    unsigned char key[EVP_MAX_MD_SIZE + 4];
    unsigned int dlen = 0;
    char id[AP_EVENT_ID_LEN + 1];
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    json_t *ev;
    size_t i;
    int r = AP_ENOMEM;

    if (md == NULL)
        return AP_ENOMEM;
    if (EVP_DigestInit_ex(md, ap_sha256_md(), NULL) != 1 ||
        EVP_DigestUpdate(md, in->ident, strlen(in->ident) + 1) != 1 ||
        EVP_DigestUpdate(md, in->channel, strlen(in->channel) + 1) != 1 ||
        EVP_DigestUpdate(md, in->payload, in->len) != 1 ||
        EVP_DigestFinal_ex(md, key, &dlen) != 1)
        goto out;
    json_array_foreach(evs, i, ev)
    {
        key[dlen] = (unsigned char)(i >> 24);
        key[dlen + 1] = (unsigned char)(i >> 16);
        key[dlen + 2] = (unsigned char)(i >> 8);
        key[dlen + 3] = (unsigned char)i;
        ap_event_id_derive_ctx(md, id, ap_event_ts_us(ev), key, dlen + 4);
        if (json_object_set_new_nocheck(
                ev, "id", json_stringn_nocheck(id, AP_EVENT_ID_LEN)) != 0)
            goto out;
    }
    r = 0;
out:
    EVP_MD_CTX_free(md);
    return r;
}

int
ap_adapt(const struct ap_adapt_in *in, json_t **out, char *err, size_t errlen)
{
    const struct ad_entry *e = find(in->channel);
    struct ad_ctx c;
    char verr[200];
    json_t *ev, *chan = NULL;
    size_t i;
    int r;

    if (e == NULL) {
        snprintf(err, errlen, "no adapter for channel");
        return AP_ENOENT;
    }
    memset(&c, 0, sizeof(c));
    c.in = in;
    c.err = err;
    c.errlen = errlen;
    if ((c.out = json_array()) == NULL)
        return AP_ENOMEM;
    if ((r = e->fn(&c)) != 0)
        goto fail;
    if (c.oom || (!e->native && derive_ids(in, c.out) != 0)) {
        snprintf(err, errlen, "out of memory");
        r = AP_ENOMEM;
        goto fail;
    }
    json_array_foreach(c.out, i, ev)
    {
        /* one value for every event of the payload */
        if (chan == NULL && (chan = json_string(in->channel)) == NULL) {
            r = AP_ENOMEM;
            goto fail;
        }
        if (json_object_set_nocheck(ev, "channel", chan) != 0) {
            r = AP_ENOMEM;
            goto fail;
        }
        if (ap_event_validate(ev, verr, sizeof(verr)) != 0) {
            snprintf(err, errlen, "event %zu invalid: %s", i, verr);
            r = AP_EINVAL;
            goto fail;
        }
    }
    *out = c.out;
    json_decref(chan);
    ad_ctx_release(&c);
    return 0;
fail:
    json_decref(chan);
    ad_ctx_release(&c);
    json_decref(c.out);
    return r;
}
