/* `apiary alerts rules ...` (called by cmd_alerts with its options
 * parsed and server.db open); argv[0] is the rules subcommand. */
#ifndef AP_ALERT_RULES_CMD_H
#define AP_ALERT_RULES_CMD_H

#include <sqlite3.h>

int ap_alert_rules_cmd(sqlite3 *db, int asjson, int argc, char **argv);

#endif
