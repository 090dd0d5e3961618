#include <stddef.h>

#include "commands.h"

/* One line per subcommand, grouped by component; keep the blank comment
 * lines between groups so that parallel additions merge cleanly. */
const struct ap_cmd ap_commands[] = {
    /* server: broker, collector, store, web */
    {"server", cmd_server, "run the server (broker, collector, store, web)"},
    {"query", cmd_query, "query an event store (count, top, events ...)"},
    {"user", cmd_user, "manage web dashboard accounts"},

    /* hpfeeds client and idents */
    {"hpfeeds", cmd_hpfeeds, "publish or subscribe from the command line"},
    {"ident", cmd_ident, "manage hpfeeds idents (add, list, del, import)"},

    /* sensor, enroll, demo */
    {"sensor", cmd_sensor, "run the honeypot modules and publish events"},
    {"deploykey", cmd_deploykey, "add, list or revoke sensor deploy keys"},
    {"enroll", cmd_enroll, "register this host as a sensor, write its config"},
    {"demo", cmd_demo, "a server and a sensor with every module, on loopback"},

    /* import, export, correlate */
    {"alerts", cmd_alerts, "list or acknowledge alerts (apiary alerts list|ack)"},
    {"import", cmd_import, "load cowrie/dionaea logs or hpfeeds dumps into a store or server"},
    {"export", cmd_export, "intel feeds: blocklist, MHN intel, creds CSV, STIX 2.1, MISP"},
    {"correlate", cmd_correlate, "firewall/flow logs vs. the top honeypot attackers"},
    {"relay", cmd_relay, "send canonical events (JSON lines) through configured outputs"},

    /* misc */
    {"version", cmd_version, "print the version"},
    {NULL, NULL, NULL},
};
