/*
 * Line-oriented configuration, sshd_config / redis.conf style:
 *
 *     # comment
 *     keyword value            (top-level section, name "")
 *     [ssh]                    (a section owned by one module)
 *     port 2222
 *     [output splunk]          (a section with an instance argument)
 *
 * Each module owns a keyword table (nginx ngx_command_t): keyword -> type
 * -> offsetof(field) -> default.  Defaults live in the table, not in code.
 * Unknown keywords and bad values are errors reported as "file:line: msg".
 */
#ifndef AP_CONF_H
#define AP_CONF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum ap_conf_type {
    AP_CONF_STR,    /* char *, owned by the conf struct */
    AP_CONF_INT,    /* long long, within [min, max] */
    AP_CONF_BOOL,   /* int: yes/no, on/off, true/false, 1/0 */
    AP_CONF_PORT,   /* int 0..65535 */
    AP_CONF_SIZE,   /* size_t: 4096, 64k, 10M, 1G */
    AP_CONF_SECS,   /* long long seconds: 30, 30s, 5m, 2h, 7d */
    AP_CONF_LIST,   /* struct ap_strlist: keyword may repeat; commas split */
    AP_CONF_CUSTOM, /* kw->set does the work */
};

struct ap_strlist {
    char **v;
    size_t n;
};

struct ap_conf_kw {
    const char *name;
    enum ap_conf_type type;
    size_t off;
    const char *def; /* default written as in a config file; NULL = none */
    long long min, max; /* INT/SIZE/SECS bounds; both 0 = unbounded */
    /* For AP_CONF_CUSTOM: parse value into conf; write a message into err
     * and return a negative code on error. */
    int (*set)(void *conf, const char *value, char *err, size_t errlen);
    const char *help;
};

struct ap_conf_section {
    const char *name;              /* "" for the top level */
    const struct ap_conf_kw *kws;  /* NULL-name terminated */
    void *conf;                    /* single-instance sections */
    /* Sections with an argument ("[output splunk]") get a fresh conf from
     * this hook for each occurrence; defaults are applied to it. */
    void *(*instance)(void *ctx, const char *arg, char *err, size_t errlen);
    void *ctx;
};

/* Apply every default in kws to conf.  Returns 0 or AP_ECONF (a bad
 * default is a programming error and names the keyword in err). */
int ap_conf_defaults(const struct ap_conf_kw *kws, void *conf, char *err,
                     size_t errlen);

/* Set one keyword from its textual value. */
int ap_conf_set(const struct ap_conf_kw *kws, void *conf, const char *key,
                const char *value, char *err, size_t errlen);

/*
 * Parse a whole config file.  Single-instance sections must already hold
 * their defaults (ap_conf_defaults).  On error, err holds "file:line: msg".
 */
int ap_conf_parse_file(const char *path, const struct ap_conf_section *secs,
                       size_t nsecs, char *err, size_t errlen);
/* Same over a string (tests); name is used in messages. */
int ap_conf_parse_string(const char *name, const char *text,
                         const struct ap_conf_section *secs, size_t nsecs,
                         char *err, size_t errlen);

/*
 * Apply a command-line override "section.key=value" (no dot: the top-level
 * section "") to already parsed sections.  Shared by `apiary server` and
 * `apiary sensor` (--set).  On error err holds "--set SPEC: reason".
 */
int ap_conf_override(const char *spec, const struct ap_conf_section *secs,
                     size_t nsecs, char *err, size_t errlen);
/*
 * The same, and "SECTION.NAME.KEY=VALUE" reaches instance sections
 * ("--set output.splunk.path=/x" for "[output splunk]"; the name runs
 * to the last dot before '=').  find(ctx, section, name) returns the
 * conf of an existing instance (the config file's); when it returns NULL
 * (or find is NULL) the section's instance hook makes a new one with the
 * defaults, as a "[output splunk]" header would.
 */
typedef void *(*ap_conf_find_fn)(void *ctx, const char *section,
                                 const char *name);
int ap_conf_override_find(const char *spec, const struct ap_conf_section *secs,
                          size_t nsecs, ap_conf_find_fn find, void *find_ctx,
                          char *err, size_t errlen);

/*
 * The names of the "[section]" headers in a config file, in order (the
 * sensor runs a module iff its section is present).  Does not validate:
 * call after ap_conf_parse_file succeeded.
 */
int ap_conf_file_sections(const char *path, struct ap_strlist *names);

/* Write conf back as config lines (like `sshd -T`). */
void ap_conf_dump(FILE *f, const struct ap_conf_kw *kws, const void *conf);

/* Free strings and lists owned by conf. */
void ap_conf_release(const struct ap_conf_kw *kws, void *conf);

/* Helpers also used outside config files (command-line flags). */
int ap_conf_parse_size(const char *s, size_t *out);
int ap_conf_parse_secs(const char *s, long long *out);
int ap_conf_parse_bool(const char *s, int *out);
void ap_strlist_free(struct ap_strlist *l);
int ap_strlist_add(struct ap_strlist *l, const char *s);
int ap_strlist_has(const struct ap_strlist *l, const char *s);
/* Split s at commas (spaces around items trimmed, empty items skipped). */
int ap_strlist_split(struct ap_strlist *l, const char *s);

#endif
