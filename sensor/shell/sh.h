/*
 * The emulated shell shared by the SSH and Telnet honeypots: bash on the
 * profile's host as far as bots can tell.  Nothing is executed for real;
 * every command is a C function over the session's emulated file system.
 *
 * A module feeds one line (or an SSH exec string) to sh_run(); the output
 * goes to sh->out ("\n" line ends; the module converts for a tty).  What
 * deserves an event (downloads, unknown commands) is reported through
 * sh->event, so the shell itself stays free of I/O.
 */
#ifndef AP_SH_H
#define AP_SH_H

#include <stddef.h>
#include <stdint.h>

#include "ap/buf.h"
#include "profile.h"
#include "sh_parse.h"
#include "vfs.h"

enum sh_event {
    SH_EV_DOWNLOAD, /* a = url, b = output file name (may be NULL) */
    SH_EV_UNKNOWN,  /* a = command name that does not exist */
};

struct sh_var {
    char *name, *value;
    int exported;
};

struct sh {
    const struct sh_host *host;
    struct vfs *fs;
    char cwd[4096];
    char user[64];
    char home[128];
    uint32_t uid;
    int interactive; /* a tty shell (prompt, job messages) vs exec */
    int status;      /* $? */
    int exit_req;    /* exit/logout was run */
    int depth;       /* nested command substitution */
    unsigned steps;  /* loop iterations + commands in this sh_run */
    unsigned delay_ms; /* what sleep asked for (the module may wait) */
    int unknown;     /* an unknown command ran in this sh_run */
    struct sh_var *vars;
    size_t nvars;
    char **history;
    size_t nhistory;
    int next_pid;
    struct ap_buf out; /* terminal output of the current sh_run */
    /* stderr of the current sh_run when split_err (ssh exec without a
     * pty); otherwise stderr goes to out, in order, like on a tty */
    struct ap_buf err;
    int split_err;
    void (*event)(void *ctx, enum sh_event ev, const char *a, const char *b);
    void *event_ctx;
    /* shell functions (their bodies, taken out of the line's tree) and
     * the positional parameters of the one running */
    struct sh_func *funcs;
    size_t nfuncs;
    unsigned fdepth;
    char **args;
    int nargs;
};

struct sh_func {
    char *name;
    struct sh_node *body;
};

/* What a command reads and where it writes. */
struct sh_io {
    const uint8_t *in;
    size_t inlen;
    struct ap_buf *out;
    struct ap_buf *err;
};

typedef int (*sh_cmd_fn)(struct sh *sh, struct sh_io *io, int argc,
                         char **argv);

struct sh_cmd {
    const char *name;
    sh_cmd_fn fn;
    /* where the binary lives; NULL for shell builtins; "" for programs
     * the host does not have but whose use is still recorded (tftp) */
    const char *dir;
    int builtin; /* bash runs its own (echo, kill) even if a binary exists */
};

/* A new shell for user (uid 0 for "root", 1000 for the profile's user,
 * 1001 for anyone else).  NULL on ENOMEM. */
struct sh *sh_new(const struct sh_host *host, const char *user,
                  int interactive);
void sh_free(struct sh *sh);

/* Run one command line.  Returns the exit status, or a negative AP_E* for
 * a syntax error (already reported in sh->out like bash does). */
int sh_run(struct sh *sh, const char *line, size_t len);
/* Is this line complete?  1 yes, 0 needs more ("> " prompt), <0 error. */
int sh_complete(const char *line, size_t len);
/* The prompt ("root@host:~# "), written into buf. */
void sh_prompt(const struct sh *sh, char *buf, size_t len);

/* Variables. */
const char *sh_getvar(const struct sh *sh, const char *name);
int sh_setvar(struct sh *sh, const char *name, const char *value,
              int exported);
void sh_unsetvar(struct sh *sh, const char *name);

/* --- internals shared by the sh_*.c files -------------------------- */
int sh_exec_node(struct sh *sh, const struct sh_node *n, struct sh_io *io);
/* Expand a raw word into fields (split: field splitting + globbing). */
struct sh_fields {
    char **v;
    size_t n;
};
int sh_expand(struct sh *sh, const char *raw, int split,
              struct sh_fields *out, struct sh_io *io);
void sh_fields_free(struct sh_fields *f);
/* $(( )) */
int sh_arith(struct sh *sh, const char *expr, long long *out);
/* Run src as a nested script, capturing its stdout (command substitution). */
int sh_capture(struct sh *sh, const char *src, size_t len,
               struct ap_buf *out, struct ap_buf *err);

/* Commands: lookup, and the whole table (for which, ls /usr/bin ...). */
const struct sh_cmd *sh_cmd_find(const char *name);
extern const struct sh_cmd sh_cmds[];
extern const size_t sh_ncmds;
/* Run argv (the command part of a simple command). */
int sh_run_argv(struct sh *sh, struct sh_io *io, int argc, char **argv);
/* Run the shell function argv[0]; -1 when there is none. */
int sh_call_function(struct sh *sh, struct sh_io *io, int argc, char **argv);

/* The content of a node, generating /proc files; appended to out. */
int sh_read_node(struct sh *sh, const struct vfs_node *n, struct ap_buf *out);
/* Print "cmd: path: error" style messages. */
void sh_err(struct sh_io *io, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void sh_out(struct sh_io *io, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Output of a command that is only a list of lines (ps, ifconfig ...). */
int64_t sh_now(void);

#endif
