/*
 * The sensor's config tables: the top-level section and, for each
 * module, one section whose keyword table is the common keywords (listen,
 * budgets) followed by the module's own, with offsets shifted so one
 * allocation holds both (struct ap_module_common, then the module conf).
 */
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ap/conf.h"
#include "ap/err.h"
#include "ap/limits.h"
#include "sensor.h"
#include "ap/common.h"

#define SC(f) offsetof(struct ap_sensor_conf, f)

const struct ap_conf_kw ap_sensor_keywords[] = {
    {"name", AP_CONF_STR, SC(name), "sensor", 0, 0, NULL,
     "human name of this sensor"},
    {"server", AP_CONF_STR, SC(server), NULL, 0, 0, NULL,
     "hpfeeds broker host:port; without it events stay local"},
    {"ident", AP_CONF_STR, SC(ident), NULL, 0, 0, NULL,
     "hpfeeds ident (also the 'sensor' field of every event)"},
    {"secret", AP_CONF_STR, SC(secret), NULL, 0, 0, NULL, "hpfeeds secret"},
    {"tls", AP_CONF_BOOL, SC(tls), "no", 0, 0, NULL,
     "connect to the broker over TLS"},
    {"tls_ca", AP_CONF_STR, SC(tls_ca), NULL, 0, 0, NULL,
     "CA file that signs the broker certificate (default: system CAs)"},
    {"tls_name", AP_CONF_STR, SC(tls_name), NULL, 0, 0, NULL,
     "name expected in the broker certificate (default: the host)"},
    {"server_acks", AP_CONF_BOOL, SC(server_acks), "yes", 0, 0, NULL,
     "the server acknowledges stored events (apiary); 'no' for MHN"},
    {"ack_grace", AP_CONF_SECS, SC(ack_grace), "60", 0, 86400, NULL,
     "without acks: seconds after sending before an event may be deleted"},
    {"spool_dir", AP_CONF_STR, SC(spool_dir), "/var/lib/apiary/spool", 0, 0,
     NULL, "where events wait until the server has them"},
    {"spool_max", AP_CONF_SIZE, SC(spool_max), "256M", 65536, 1LL << 40, NULL,
     "total spool size; new events are refused (and counted) beyond it"},
    {"spool_segment", AP_CONF_SIZE, SC(spool_segment), "4M", 4096, 1LL << 30, NULL,
     "size of one spool segment file"},
    {"spool_fsync", AP_CONF_STR, SC(spool_fsync), "interval", 0, 0, NULL,
     "always (every event), interval (every second) or never"},
    {"state_dir", AP_CONF_STR, SC(state_dir), "/var/lib/apiary/state", 0, 0,
     NULL, "modules keep host keys and captured files here"},
    {"files_max_size", AP_CONF_SIZE, SC(files_max_size), "4M", 0,
     6LL * 1024 * 1024, NULL,
     "files up to this size travel to the server inside their event"},
    {"mhn_compat", AP_CONF_BOOL, SC(mhn_compat), "no", 0, 0, NULL,
     "also publish a cowrie.sessions message per ssh/telnet session (MHN)"},
    {"events_file", AP_CONF_STR, SC(events_file), NULL, 0, 0, NULL,
     "also append every event to this file as a JSON line"},
    {"user", AP_CONF_STR, SC(user), NULL, 0, 0, NULL,
     "drop to this user after binding (default: apiary, else nobody)"},
    {"allow_root", AP_CONF_BOOL, SC(allow_root), "no", 0, 0, NULL,
     "keep running as root when there is nobody to drop to"},
    {"seccomp", AP_CONF_BOOL, SC(seccomp), "yes", 0, 0, NULL,
     "confine the process with a seccomp filter after start-up"},
    {"tags", AP_CONF_LIST, SC(tags), NULL, 0, 0, NULL,
     "tags added to every event (e.g. internal, dmz)"},
    {"modules", AP_CONF_LIST, SC(modules), NULL, 0, 0, NULL,
     "run these modules even without a section of their own"},
    {"heartbeat", AP_CONF_SECS, SC(heartbeat), "30", 1, 3600, NULL,
     "seconds between status messages on apiary.status"},
    {"log_level", AP_CONF_STR, SC(log_level), "info", 0, 0, NULL,
     "error, warn, info or debug"},
    {"log_file", AP_CONF_STR, SC(log_file), NULL, 0, 0, NULL,
     "log to this file instead of stderr"},
    {"source_max_conns", AP_CONF_INT, SC(source_max_conns), "64", 0, 100000,
     NULL, "sessions one source address may hold at once (0: no limit)"},
    {"source_rate", AP_CONF_INT, SC(source_rate), "600", 0, 100000000, NULL,
     "new connections per minute per source address (0: no limit)"},
    {"source_burst", AP_CONF_INT, SC(source_burst), "100", 1, 100000000,
     NULL, "connections a source may open at once before the rate applies"},
    {"max_sessions", AP_CONF_INT, SC(max_sessions), "4096", 1, 1000000, NULL,
     "sessions across all modules"},
    {"fetch_downloads", AP_CONF_BOOL, SC(fetch_downloads), "no", 0, 0, NULL,
     "fetch the files attackers' wget/curl/tftp/ftpget name, keep them by "
     "SHA-256 and send them to the server (outbound traffic: see "
     "docs/SENSOR.md)"},
    {"fetch_max_size", AP_CONF_SIZE, SC(fetch_max_size), "4M", 1024,
     64LL << 20, NULL, "larger downloads are abandoned"},
    {"fetch_timeout", AP_CONF_SECS, SC(fetch_timeout), "30", 1, 600, NULL,
     "seconds one fetch may take, redirects included"},
    {"fetch_max_active", AP_CONF_INT, SC(fetch_max_active), "4", 1, 64, NULL,
     "fetches running at once (more wait, up to 256)"},
    {"fetch_allow", AP_CONF_LIST, SC(fetch_allow), NULL, 0, 0, NULL,
     "address ranges the fetcher may reach although not public "
     "(default: public addresses only)"},
    {"fetch_user_agent", AP_CONF_STR, SC(fetch_user_agent), "Wget/1.21.2", 0,
     0, NULL, "User-Agent of fetches (the claimed OS's wget)"},
    {NULL, 0, 0, NULL, 0, 0, NULL, NULL},
};

#define MC(f) offsetof(struct ap_module_common, f)
#define STR_(x) #x
#define STR(x) STR_(x)

/* The keywords every module section has (docs/SENSOR.md).  "listen" has
 * no default in the table (a list default could not be replaced by the
 * file's lines): select() fills in the module's default port. */
static const struct ap_conf_kw common_keywords[] = {
    {"listen", AP_CONF_LIST, MC(listen), NULL, 0, 0, NULL,
     "addresses to listen on: port, host:port, [v6]:port (repeatable)"},
    {"idle_timeout", AP_CONF_SECS, MC(idle_timeout), "60", 1, 86400, NULL,
     "close a session after this long without input"},
    {"max_secs", AP_CONF_SECS, MC(max_secs), STR(AP_LIMIT_SESSION_SECS), 1,
     86400, NULL, "longest a session may last"},
    {"max_bytes", AP_CONF_SIZE, MC(max_bytes), "1M", 1, 1LL << 32, NULL,
     "bytes a session may exchange (in + out)"},
    {"max_errors", AP_CONF_INT, MC(max_errors), STR(AP_LIMIT_SESSION_ERRORS),
     1, 100000, NULL, "protocol errors before a session is closed"},
    {"max_sessions", AP_CONF_INT, MC(max_sessions), "1024", 1, 1000000, NULL,
     "sessions of this module at once"},
};

static size_t
common_size(void)
{
    size_t a = alignof(max_align_t);

    return (sizeof(struct ap_module_common) + a - 1) / a * a;
}

static int
module_init(struct ap_sensor *sn, struct ap_module *m,
            const struct ap_proto *p, char *err, size_t errlen)
{
    size_t nc = AP_ARRAY_SIZE(common_keywords), nm = 0, i;
    char msg[256];

    m->proto = p;
    m->sn = sn;
    while (p->keywords && p->keywords[nm].name)
        nm++;
    if ((m->kws = calloc(nc + nm + 1, sizeof(*m->kws))) == NULL ||
        (m->block = calloc(1, common_size() + p->conf_size)) == NULL)
        return AP_ENOMEM;
    memcpy(m->kws, common_keywords, sizeof(common_keywords));
    for (i = 0; i < nm; i++) {
        m->kws[nc + i] = p->keywords[i];
        m->kws[nc + i].off += common_size();
    }
    snprintf(m->listen_def, sizeof(m->listen_def), "%u",
             (unsigned)p->default_port);
    m->common = m->block;
    m->conf = (char *)m->block + common_size();
    if (ap_conf_defaults(m->kws, m->block, msg, sizeof(msg)) != 0) {
        snprintf(err, errlen, "[%s] defaults: %s", p->name, msg);
        return AP_ECONF;
    }
    return 0;
}

int
ap_sensor_modules_init(struct ap_sensor *sn, char *err, size_t errlen)
{
    size_t n = 0, i;
    int r;

    while (ap_protos[n] != NULL)
        n++;
    if ((sn->mods = calloc(n ? n : 1, sizeof(*sn->mods))) == NULL)
        return AP_ENOMEM;
    sn->nmods = n;
    for (i = 0; i < n; i++)
        if ((r = module_init(sn, &sn->mods[i], ap_protos[i], err, errlen)) !=
            0)
            return r;
    return 0;
}

void
ap_sensor_modules_release(struct ap_sensor *sn)
{
    size_t i;

    for (i = 0; i < sn->nmods; i++) {
        struct ap_module *m = &sn->mods[i];
        if (m->block)
            ap_conf_release(m->kws, m->block);
        free(m->block);
        free(m->kws);
        free(m->ls);
    }
    free(sn->mods);
    sn->mods = NULL;
    sn->nmods = 0;
}

int
ap_sensor_modules_select(struct ap_sensor *sn, const char *only, char *err,
                         size_t errlen)
{
    size_t i, n = 0;
    char msg[256];

    for (i = 0; i < sn->conf.modules.n; i++)
        if (ap_proto_find(sn->conf.modules.v[i]) == NULL) {
            snprintf(err, errlen, "modules: unknown module '%s'",
                     sn->conf.modules.v[i]);
            return AP_ECONF;
        }
    for (i = 0; i < sn->nmods; i++) {
        struct ap_module *m = &sn->mods[i];
        if (only)
            m->enabled = strcmp(only, m->proto->name) == 0;
        else
            m->enabled = m->seen ||
                         ap_strlist_has(&sn->conf.modules, m->proto->name);
        if (!m->enabled)
            continue;
        n++;
        if (m->common->listen.n == 0 &&
            ap_conf_set(m->kws, m->block, "listen", m->listen_def, msg,
                        sizeof(msg)) != 0) {
            snprintf(err, errlen, "[%s] listen: %s", m->proto->name, msg);
            return AP_ECONF;
        }
        if (m->proto->init) {
            msg[0] = '\0';
            if (m->proto->init(m->conf, msg, sizeof(msg)) != 0) {
                snprintf(err, errlen, "[%s]: %s", m->proto->name,
                         msg[0] ? msg : "init failed");
                return AP_ECONF;
            }
        }
    }
    if (only && n == 0) {
        snprintf(err, errlen, "--proto %s: no such module", only);
        return AP_ECONF;
    }
    if (n == 0) {
        snprintf(err, errlen, "no module enabled: add a [module] section "
                              "or a 'modules' line");
        return AP_ECONF;
    }
    return 0;
}
