/*
 * `apiary server`: the process that hosts the broker, collector, store,
 * web/API, alerts and outputs.  Each of those is a component: a config
 * section with its own keyword table, and start/stop hooks, listed in
 * server/components.c in start order.
 */
#ifndef AP_SERVER_H
#define AP_SERVER_H

#include <stddef.h>

#include <sqlite3.h>

#include "ap/conf.h"

struct event_base;
struct ap_broker;
struct ap_store;
struct ap_collector;

struct ap_server {
    struct event_base *base;  /* the main loop (broker, collector timers) */
    const char *data_dir;     /* server.db, files/, keys, certificates */
    const char *config_path;  /* NULL when running on defaults */
    /* Server state that is not events: idents, users, API keys, deploy
     * keys, sensor status.  Always SQLite (server.db in data_dir), even
     * when events go to PostgreSQL.  Used from the main thread only. */
    sqlite3 *db;
    /* Set by the components that own them, NULL until then. */
    struct ap_broker *broker;
    struct ap_store *store;
    struct ap_collector *collector;
    /* Instance sections ("[output splunk]"), in file order; see
     * ap_server_instances(). */
    struct ap_server_instance *instances;
    size_t ninstances;
};

struct ap_server_component {
    const char *name;                  /* config section, e.g. "hpfeeds" */
    const struct ap_conf_kw *keywords; /* may be NULL */
    size_t conf_size;                  /* 0 if no config */
    /* Called in table order after config is loaded.  Returns 0, or a
     * negative code after writing a message to err. */
    int (*start)(struct ap_server *srv, void *conf, char *err, size_t errlen);
    /* Called in reverse order at shutdown.  May be NULL. */
    void (*stop)(struct ap_server *srv, void *conf);
    /* SIGHUP: reopen files, reload what can be reloaded.  May be NULL. */
    void (*reload)(struct ap_server *srv, void *conf);
};

extern const struct ap_server_component *const ap_server_components[];

/*
 * Sections with an instance argument ("[output splunk]", "[alert scan]"):
 * each occurrence gets its own conf (the table's defaults applied), kept
 * in file order in srv->instances for the component that owns the type.
 * Listed in server/components.c next to the components.
 */
struct ap_server_instance_type {
    const char *name;                  /* section name, e.g. "output" */
    const struct ap_conf_kw *keywords;
    size_t conf_size;
};
extern const struct ap_server_instance_type *const ap_server_instance_types[];

struct ap_server_instance {
    const struct ap_server_instance_type *type;
    char *name; /* the argument: "splunk" in [output splunk] */
    void *conf;
};

/* The next instance of section type after *it (start with *it = 0);
 * NULL when there are no more. */
const struct ap_server_instance *
ap_server_instance_next(const struct ap_server *srv, const char *type,
                        size_t *it);
/* Append an instance (a fresh zeroed conf, returned; NULL with a reason
 * in err on a duplicate name or ENOMEM), and free them all.  Used by the
 * config loader and by tools that read the same sections. */
void *ap_server_instance_add(struct ap_server *srv,
                             const struct ap_server_instance_type *type,
                             const char *name, char *err, size_t errlen);
void ap_server_instances_free(struct ap_server *srv);

/* Record a bound port ("hpfeeds 10000") for --port-file, so tests can
 * start the server on port 0 and find it. */
void ap_server_note_port(struct ap_server *srv, const char *name, int port);
/* The first port noted under name ("hpfeeds"), or 0.  Stable once the
 * components have started (enrollment tells sensors where to connect). */
int ap_server_port(const char *name);

/* Ask the main loop to stop (from any thread). */
void ap_server_shutdown(struct ap_server *srv);

/* Open (creating) server.db with WAL and a busy timeout. */
int ap_server_db_open(const char *data_dir, sqlite3 **out);

#endif
