/*
 * The subcommands of the one binary.  Each component defines its entry
 * point in its own directory and adds one line to the table in
 * src/commands.c.  An entry point gets argv with argv[0] = the subcommand
 * name and returns the process exit status.
 */
#ifndef AP_COMMANDS_H
#define AP_COMMANDS_H

struct ap_cmd {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

extern const struct ap_cmd ap_commands[];

/* server/server.c */
int cmd_server(int argc, char **argv);
/* server/store/query_cmd.c */
int cmd_query(int argc, char **argv);
/* server/web/user_cmd.c */
int cmd_user(int argc, char **argv);

/* client/hpfeeds_cmd.c, server/broker/ident_cmd.c */
int cmd_hpfeeds(int argc, char **argv);
int cmd_ident(int argc, char **argv);

/* server/outputs/relay.c, server/alerts/alerts.c */
int cmd_relay(int argc, char **argv);
int cmd_alerts(int argc, char **argv);
/* server/intel/correlate_cmd.c, server/intel/export_cmd.c */
int cmd_correlate(int argc, char **argv);
int cmd_export(int argc, char **argv);
/* server/sensors/sensor_tags.c: `apiary sensor tag` (cmd_sensor hands
 * argv over when argv[1] is "tag") */
int cmd_sensor_tag(int argc, char **argv);

/* sensor/sensor.c, server/sensors/deploykey_cmd.c */
int cmd_sensor(int argc, char **argv);
int cmd_deploykey(int argc, char **argv);
int cmd_enroll(int argc, char **argv);
/* server/import/import_cmd.c */
int cmd_import(int argc, char **argv);
int cmd_demo(int argc, char **argv);

int cmd_version(int argc, char **argv);

#endif
