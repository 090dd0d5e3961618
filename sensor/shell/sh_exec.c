/*
 * The interpreter: walks the syntax tree from sh_parse.c.  Pipelines run
 * their commands one after the other, each reading the previous one's
 * output (bounded); redirections collect output and write it into the
 * session file system afterwards.  Loops and commands count against
 * AP_LIMIT_SH_STEPS per command line, so `while true` ends.
 */
#include <stdarg.h>
#include <stdio.h>
#include <fnmatch.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ap/err.h"
#include "ap/limits.h"
#include "sh.h"

#include "ap/common.h"

#define SH_MAX_REDIRS 8
#define SH_MAX_SUBST_DEPTH 8

int64_t
sh_now(void)
{
    return (int64_t)time(NULL);
}

void
sh_err(struct sh_io *io, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    (void)ap_buf_vprintf(io->err, fmt, ap);
    va_end(ap);
}

void
sh_out(struct sh_io *io, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    (void)ap_buf_vprintf(io->out, fmt, ap);
    va_end(ap);
}

/* --- variables ----------------------------------------------------- */

static struct sh_var *
var_find(const struct sh *sh, const char *name)
{
    size_t i;
    for (i = 0; i < sh->nvars; i++)
        if (strcmp(sh->vars[i].name, name) == 0)
            return &sh->vars[i];
    return NULL;
}

const char *
sh_getvar(const struct sh *sh, const char *name)
{
    const struct sh_var *v = var_find(sh, name);
    return v ? v->value : NULL;
}

int
sh_setvar(struct sh *sh, const char *name, const char *value, int exported)
{
    struct sh_var *v = var_find(sh, name);
    char *nv;

    if (value == NULL)
        value = v ? v->value : "";
    if ((nv = strdup(value)) == NULL)
        return AP_ENOMEM;
    if (v == NULL) {
        struct sh_var *vs;
        if (sh->nvars >= AP_LIMIT_SH_VARS) {
            free(nv);
            return AP_ETOOBIG;
        }
        vs = realloc(sh->vars, (sh->nvars + 1) * sizeof(*vs));
        if (vs == NULL) {
            free(nv);
            return AP_ENOMEM;
        }
        sh->vars = vs;
        v = &sh->vars[sh->nvars];
        if ((v->name = strdup(name)) == NULL) {
            free(nv);
            return AP_ENOMEM;
        }
        v->value = NULL;
        v->exported = 0;
        sh->nvars++;
    }
    free(v->value);
    v->value = nv;
    v->exported |= exported;
    return 0;
}

void
sh_unsetvar(struct sh *sh, const char *name)
{
    struct sh_var *v = var_find(sh, name);
    if (v == NULL)
        return;
    free(v->name);
    free(v->value);
    *v = sh->vars[--sh->nvars];
}

/* --- life cycle ---------------------------------------------------- */

static int
install_binaries(struct sh *sh)
{
    size_t i;
    for (i = 0; i < sh_ncmds; i++) {
        struct vfs_node *d, *n;
        if (sh_cmds[i].dir == NULL || sh_cmds[i].dir[0] == '\0')
            continue;
        if (vfs_lookup(sh->fs, "/", sh_cmds[i].dir, 1, &d) != 0)
            return AP_ENOMEM;
        n = vfs_add(sh->fs, d, sh_cmds[i].name, VFS_FILE, 0755, 0,
                    sh->host->boot_time - 86400 * 200);
        if (n == NULL)
            return AP_ENOMEM;
        n->gen = VFS_GEN_ELF;
        n->size = 14648 + (strlen(sh_cmds[i].name) * 7919) % 120000;
    }
    return 0;
}

struct sh *
sh_new(const struct sh_host *host, const char *user, int interactive)
{
    struct sh *sh = calloc(1, sizeof(*sh));
    char buf[256];

    if (sh == NULL)
        return NULL;
    sh->host = host;
    sh->interactive = interactive;
    sh->next_pid = 2000 + (int)(sh_now() % 5000);
    ap_buf_init(&sh->out, AP_LIMIT_SH_OUTPUT);
    ap_buf_init(&sh->err, AP_LIMIT_SH_OUTPUT);
    if ((sh->fs = vfs_new(host, sh_now())) == NULL)
        goto fail;
    if (install_binaries(sh) != 0)
        goto fail;
    snprintf(sh->user, sizeof(sh->user), "%s", user);
    if (strcmp(user, "root") == 0) {
        sh->uid = 0;
        snprintf(sh->home, sizeof(sh->home), "/root");
    } else {
        sh->uid = strcmp(user, host->p->user) == 0 ? 1000 : 1001;
        snprintf(sh->home, sizeof(sh->home), "/home/%s", user);
        if (sh->uid == 1001) {
            /* an account the attacker's credentials "created": give it
             * a home and a passwd line so id, ls and cat agree */
            struct vfs_node *f;
            if (strchr(user, '/') == NULL && strlen(user) < 32 &&
                vfs_mkdir(sh->fs, "/", sh->home, 0, host->boot_time) == 0 &&
                vfs_lookup(sh->fs, "/", sh->home, 1, &f) == 0) {
                f->uid = f->gid = 1001;
                if (vfs_open_write(sh->fs, "/", "/etc/passwd", 0, 1,
                                   host->boot_time, &f) == 0) {
                    int w = snprintf(buf, sizeof(buf),
                                     "%s:x:1001:1001::/home/%s:/bin/bash\n",
                                     user, user);
                    if (w > 0 && (size_t)w < sizeof(buf))
                        vfs_append(sh->fs, f, buf, (size_t)w);
                }
            } else {
                snprintf(sh->home, sizeof(sh->home), "/");
            }
        }
    }
    snprintf(sh->cwd, sizeof(sh->cwd), "%s", sh->home);
    if (sh_setvar(sh, "HOME", sh->home, 1) || sh_setvar(sh, "USER", user, 1) ||
        sh_setvar(sh, "LOGNAME", user, 1) ||
        sh_setvar(sh, "SHELL", "/bin/bash", 1) ||
        sh_setvar(sh, "PATH",
                  "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:"
                  "/bin:/usr/games:/usr/local/games:/snap/bin",
                  1) ||
        sh_setvar(sh, "LANG", "C.UTF-8", 1) ||
        sh_setvar(sh, "PWD", sh->cwd, 1) ||
        sh_setvar(sh, "HOSTNAME", host->hostname, 0) ||
        sh_setvar(sh, "IFS", " \t\n", 0))
        goto fail;
    return sh;
fail:
    sh_free(sh);
    return NULL;
}

void
sh_free(struct sh *sh)
{
    size_t i;
    if (sh == NULL)
        return;
    for (i = 0; i < sh->nvars; i++) {
        free(sh->vars[i].name);
        free(sh->vars[i].value);
    }
    free(sh->vars);
    for (i = 0; i < sh->nhistory; i++)
        free(sh->history[i]);
    free(sh->history);
    for (i = 0; i < sh->nfuncs; i++) {
        free(sh->funcs[i].name);
        sh_node_free(sh->funcs[i].body);
    }
    free(sh->funcs);
    vfs_free(sh->fs);
    ap_buf_release(&sh->out);
    ap_buf_release(&sh->err);
    free(sh);
}

void
sh_prompt(const struct sh *sh, char *buf, size_t len)
{
    const char *cwd = sh->cwd;
    size_t hl = strlen(sh->home);
    char tilde[4096];

    if (strcmp(sh->home, "/") != 0 && strncmp(cwd, sh->home, hl) == 0 &&
        (cwd[hl] == '\0' || cwd[hl] == '/')) {
        snprintf(tilde, sizeof(tilde), "~%s", cwd + hl);
        cwd = tilde;
    }
    snprintf(buf, len, "%s@%s:%s%c ", sh->user, sh->host->hostname, cwd,
             sh->uid == 0 ? '#' : '$');
}

/* --- redirections -------------------------------------------------- */

struct sink {
    struct ap_buf buf;
    struct vfs_node *file; /* NULL: discard (/dev/null) */
};

struct redir_state {
    struct sink sinks[SH_MAX_REDIRS];
    size_t n;
    struct ap_buf inbuf;
};

/* A here-document body with $var, $(...) and `...` expanded: the body
 * becomes a double-quoted word (its own double quotes escaped, as they
 * are literal in a here-document). */
static void
heredoc_expand(struct sh *sh, const char *body, struct sh_io *io,
               struct ap_buf *out)
{
    struct sh_fields f = {0};
    struct ap_buf w;
    const char *p;

    ap_buf_init(&w, AP_LIMIT_SH_INPUT * 2 + 4);
    ap_buf_append(&w, "\"", 1);
    for (p = body; *p; p++) {
        if (*p == '"' && ap_buf_append(&w, "\\", 1) != 0)
            break;
        if (ap_buf_append(&w, p, 1) != 0)
            break;
    }
    ap_buf_append(&w, "\"", 1);
    if (ap_buf_cstr(&w) != NULL &&
        sh_expand(sh, ap_buf_cstr(&w), 0, &f, io) == 0 && f.n > 0)
        ap_buf_puts(out, f.v[0]);
    else
        ap_buf_puts(out, body);
    sh_fields_free(&f);
    ap_buf_release(&w);
}

static int
apply_redirs(struct sh *sh, const struct sh_redir *r, struct sh_io *io,
             struct redir_state *st)
{
    ap_buf_init(&st->inbuf, AP_LIMIT_SH_OUTPUT);
    for (; r; r = r->next) {
        struct sh_fields f = {0};
        const char *target;
        struct ap_buf **slot;
        int rc;

        if (r->op == SH_R_HEREDOC) {
            ap_buf_reset(&st->inbuf);
            if (r->quoted)
                ap_buf_puts(&st->inbuf, r->word);
            else
                heredoc_expand(sh, r->word, io, &st->inbuf);
            io->in = ap_buf_data(&st->inbuf);
            io->inlen = ap_buf_len(&st->inbuf);
            continue;
        }
        if ((rc = sh_expand(sh, r->word, 0, &f, io)) != 0) {
            sh_fields_free(&f);
            return rc;
        }
        target = f.n ? f.v[0] : "";
        slot = r->fd == 2 ? &io->err : r->fd == 1 ? &io->out : NULL;
        if (r->op == SH_R_DUP) {
            if (slot) {
                if (strcmp(target, "1") == 0)
                    *slot = io->out;
                else if (strcmp(target, "2") == 0)
                    *slot = io->err;
                else if (strcmp(target, "-") == 0 && st->n < SH_MAX_REDIRS) {
                    struct sink *s = &st->sinks[st->n++];
                    ap_buf_init(&s->buf, AP_LIMIT_SH_OUTPUT);
                    s->file = NULL;
                    *slot = &s->buf;
                }
            }
        } else if (r->op == SH_R_IN) {
            struct vfs_node *n;
            rc = vfs_lookup(sh->fs, sh->cwd, target, 1, &n);
            if (rc == 0 && n->type == VFS_DIR)
                rc = -21; /* EISDIR */
            if (rc != 0) {
                sh_err(io, "-bash: %s: %s\n", target, vfs_strerror(rc));
                sh_fields_free(&f);
                return 1;
            }
            ap_buf_reset(&st->inbuf);
            sh_read_node(sh, n, &st->inbuf);
            io->in = ap_buf_data(&st->inbuf);
            io->inlen = ap_buf_len(&st->inbuf);
        } else {
            struct vfs_node *file;
            rc = vfs_open_write(sh->fs, sh->cwd, target, sh->uid,
                                r->op == SH_R_APPEND, sh_now(), &file);
            if (rc != 0) {
                sh_err(io, "-bash: %s: %s\n", target, vfs_strerror(rc));
                sh_fields_free(&f);
                return 1;
            }
            if (st->n < SH_MAX_REDIRS) {
                struct sink *s = &st->sinks[st->n++];
                ap_buf_init(&s->buf, AP_LIMIT_SH_OUTPUT);
                s->file = file->type == VFS_FILE ? file : NULL;
                if (slot)
                    *slot = &s->buf;
            }
        }
        sh_fields_free(&f);
    }
    return 0;
}

static void
finish_redirs(struct sh *sh, struct redir_state *st)
{
    size_t i;
    for (i = 0; i < st->n; i++) {
        struct sink *s = &st->sinks[i];
        if (s->file)
            (void)vfs_append(sh->fs, s->file, ap_buf_data(&s->buf),
                             ap_buf_len(&s->buf));
        ap_buf_release(&s->buf);
    }
    st->n = 0;
    ap_buf_release(&st->inbuf);
}

/* --- execution ----------------------------------------------------- */

/* Functions a session may define, and how deep calls may nest (a fork
 * bomb ends here, bounded also by AP_LIMIT_SH_STEPS). */
#define SH_MAX_FUNCS 64u
#define SH_MAX_FUNC_DEPTH 32u

static int
budget(struct sh *sh)
{
    return ++sh->steps <= AP_LIMIT_SH_STEPS && !sh->exit_req;
}

/* Is word an assignment "NAME=value"? */
static int
is_assignment(const char *w)
{
    size_t i;
    if (!sh_name_char((unsigned char)w[0], 1))
        return 0;
    for (i = 1; w[i] && w[i] != '='; i++)
        if (!sh_name_char((unsigned char)w[i], 0))
            return 0;
    return w[i] == '=';
}

static int
exec_cmd(struct sh *sh, const struct sh_node *n, struct sh_io *io)
{
    struct sh_fields argv = {0};
    struct redir_state st;
    struct sh_io lio = *io;
    size_t i = 0;
    int status = 0, rc;

    memset(&st, 0, sizeof(st));
    if (!budget(sh))
        return sh->status;
    /* leading assignments */
    for (; i < n->nwords && is_assignment(n->words[i]); i++) {
        struct sh_fields v = {0};
        char *eq = strchr(n->words[i], '=');
        char name[128];
        size_t nl = (size_t)(eq - n->words[i]);
        if (nl >= sizeof(name)) {
            continue;
        }
        memcpy(name, n->words[i], nl);
        name[nl] = '\0';
        if (sh_expand(sh, eq + 1, 0, &v, io) == 0)
            sh_setvar(sh, name, v.n ? v.v[0] : "", 0);
        sh_fields_free(&v);
    }
    for (; i < n->nwords; i++) {
        if ((rc = sh_expand(sh, n->words[i], 1, &argv, io)) != 0) {
            status = 1;
            goto out;
        }
    }
    if ((rc = apply_redirs(sh, n->redirs, &lio, &st)) != 0) {
        status = 1;
        goto out;
    }
    if (argv.n > 0)
        status = sh_run_argv(sh, &lio, (int)argv.n, argv.v);
out:
    finish_redirs(sh, &st);
    sh_fields_free(&argv);
    return status;
}

static int
exec_pipe(struct sh *sh, const struct sh_node *first, struct sh_io *io)
{
    struct ap_buf bufs[2];
    const struct sh_node *c;
    int cur = 0, status = 0;

    ap_buf_init(&bufs[0], AP_LIMIT_SH_OUTPUT);
    ap_buf_init(&bufs[1], AP_LIMIT_SH_OUTPUT);
    struct sh_io lio = *io;
    for (c = first; c; c = c->next) {
        struct sh_io pio = lio;
        if (c->next) {
            ap_buf_reset(&bufs[cur]);
            pio.out = &bufs[cur];
        }
        status = sh_exec_node(sh, c, &pio);
        if (c->next) {
            lio.in = ap_buf_data(&bufs[cur]);
            lio.inlen = ap_buf_len(&bufs[cur]);
            cur = !cur;
        }
    }
    ap_buf_release(&bufs[0]);
    ap_buf_release(&bufs[1]);
    return status;
}

static int
exec_for(struct sh *sh, const struct sh_node *n, struct sh_io *io)
{
    struct sh_fields items = {0};
    size_t i;
    int status = 0;

    for (i = 0; i < n->nwords; i++)
        if (sh_expand(sh, n->words[i], 1, &items, io) != 0)
            break;
    for (i = 0; i < items.n && budget(sh); i++) {
        sh_setvar(sh, n->name, items.v[i], 0);
        status = sh_exec_node(sh, n->a, io);
    }
    sh_fields_free(&items);
    return status;
}

/* case: the first item with a pattern that matches runs (fnmatch, as
 * the globbing of file names does). */
static int
exec_case(struct sh *sh, const struct sh_node *n, struct sh_io *io)
{
    struct sh_fields subj = {0};
    const struct sh_node *it;
    const char *s;
    size_t k;
    int status = 0, hit = 0;

    if (n->nwords < 1 || sh_expand(sh, n->words[0], 0, &subj, io) != 0) {
        sh_fields_free(&subj);
        return 1;
    }
    s = subj.n ? subj.v[0] : "";
    for (it = n->a; it && !hit; it = it->next) {
        for (k = 0; k < it->nwords && !hit; k++) {
            struct sh_fields pat = {0};
            if (sh_expand(sh, it->words[k], 0, &pat, io) == 0)
                hit = fnmatch(pat.n ? pat.v[0] : "", s, 0) == 0;
            sh_fields_free(&pat);
        }
        if (hit)
            status = sh_exec_node(sh, it->a, io);
    }
    sh_fields_free(&subj);
    return status;
}

/* name() { ... }: the body leaves this line's tree (freed after the
 * line) and stays with the shell; a redefinition replaces it. */
static int
define_function(struct sh *sh, struct sh_node *n)
{
    struct sh_func *f;
    size_t i;

    if (n->name == NULL || n->a == NULL)
        return 1;
    for (i = 0; i < sh->nfuncs; i++)
        if (strcmp(sh->funcs[i].name, n->name) == 0) {
            sh_node_free(sh->funcs[i].body);
            sh->funcs[i].body = n->a;
            n->a = NULL;
            return 0;
        }
    if (sh->nfuncs >= SH_MAX_FUNCS)
        return 1;
    f = realloc(sh->funcs, (sh->nfuncs + 1) * sizeof(*f));
    if (f == NULL)
        return 1;
    sh->funcs = f;
    if ((f[sh->nfuncs].name = strdup(n->name)) == NULL)
        return 1;
    f[sh->nfuncs].body = n->a;
    n->a = NULL;
    sh->nfuncs++;
    return 0;
}

int
sh_call_function(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    char **args = sh->args;
    int nargs = sh->nargs, status;
    size_t i;

    for (i = 0; i < sh->nfuncs; i++)
        if (strcmp(sh->funcs[i].name, argv[0]) == 0)
            break;
    if (i == sh->nfuncs)
        return -1;
    if (sh->fdepth >= SH_MAX_FUNC_DEPTH) {
        /* :(){ :|:& };: on a real host ends like this */
        sh_err(io, "-bash: fork: retry: Resource temporarily unavailable\n");
        return 254;
    }
    sh->fdepth++;
    sh->args = argv + 1;
    sh->nargs = argc - 1;
    status = sh_exec_node(sh, sh->funcs[i].body, io);
    sh->args = args;
    sh->nargs = nargs;
    sh->fdepth--;
    return status;
}

int
sh_exec_node(struct sh *sh, const struct sh_node *n, struct sh_io *io)
{
    struct redir_state st;
    struct sh_io lio = *io;
    int status = 0;

    if (n == NULL)
        return 0;
    if (sh->exit_req || sh->steps > AP_LIMIT_SH_STEPS)
        return sh->status;
    memset(&st, 0, sizeof(st));
    if (n->kind != SH_CMD && n->redirs) {
        if (apply_redirs(sh, n->redirs, &lio, &st) != 0) {
            finish_redirs(sh, &st);
            return 1;
        }
    }
    switch (n->kind) {
    case SH_LIST: {
        const struct sh_node *c;
        for (c = n->a; c && !sh->exit_req; c = c->next) {
            status = sh_exec_node(sh, c, &lio);
            sh->status = status;
            if (c->bg && sh->interactive)
                sh_out(&lio, "[1] %d\n", sh->next_pid++);
        }
        break;
    }
    case SH_AND:
        status = sh_exec_node(sh, n->a, &lio);
        sh->status = status;
        if (status == 0)
            status = sh_exec_node(sh, n->b, &lio);
        break;
    case SH_OR:
        status = sh_exec_node(sh, n->a, &lio);
        sh->status = status;
        if (status != 0)
            status = sh_exec_node(sh, n->b, &lio);
        break;
    case SH_NOT:
        status = !sh_exec_node(sh, n->a, &lio);
        break;
    case SH_PIPE:
        status = exec_pipe(sh, n->a, &lio);
        break;
    case SH_CMD:
        status = exec_cmd(sh, n, &lio);
        break;
    case SH_IF:
        sh->status = sh_exec_node(sh, n->a, &lio);
        if (sh->status == 0)
            status = sh_exec_node(sh, n->b, &lio);
        else if (n->c)
            status = sh_exec_node(sh, n->c, &lio);
        break;
    case SH_FOR:
        status = exec_for(sh, n, &lio);
        break;
    case SH_WHILE:
    case SH_UNTIL:
        while (budget(sh)) {
            int c = sh_exec_node(sh, n->a, &lio);
            if ((n->kind == SH_WHILE) != (c == 0))
                break;
            status = sh_exec_node(sh, n->b, &lio);
        }
        break;
    case SH_GROUP:
        status = sh_exec_node(sh, n->a, &lio);
        break;
    case SH_CASE:
        status = exec_case(sh, n, &lio);
        break;
    case SH_CASE_ITEM:
        break; /* run through its SH_CASE */
    case SH_FUNC:
        status = define_function(sh, (struct sh_node *)(uintptr_t)n);
        break;
    case SH_SUBSHELL: {
        char cwd[sizeof(sh->cwd)];
        memcpy(cwd, sh->cwd, sizeof(cwd));
        status = sh_exec_node(sh, n->a, &lio);
        memcpy(sh->cwd, cwd, sizeof(cwd));
        if (sh->exit_req) /* exit in ( ) leaves the subshell only */
            sh->exit_req = 0;
        break;
    }
    }
    finish_redirs(sh, &st);
    sh->status = status;
    return status;
}

int
sh_complete(const char *line, size_t len)
{
    struct sh_node *n = NULL;
    int rc = sh_parse(line, len, &n);
    sh_node_free(n);
    return rc > 0 ? 1 : rc;
}

int
sh_capture(struct sh *sh, const char *src, size_t len, struct ap_buf *out,
           struct ap_buf *err)
{
    struct sh_node *n = NULL;
    struct sh_io io = {NULL, 0, out, err};
    int rc, status;

    if (sh->depth >= SH_MAX_SUBST_DEPTH)
        return AP_ETOOBIG;
    if (len == 0)
        return 0;
    rc = sh_parse(src, len, &n);
    if (rc <= 0) {
        sh_err(&io, "-bash: command substitution: syntax error\n");
        return rc == 0 ? AP_EPROTO : rc;
    }
    sh->depth++;
    status = sh_exec_node(sh, n, &io);
    sh->depth--;
    sh_node_free(n);
    return status;
}

static void
history_add(struct sh *sh, const char *line, size_t len)
{
    char *h;
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        len--;
    if (len == 0 || line[0] == ' ')
        return;
    if ((h = strndup(line, len)) == NULL)
        return;
    if (sh->nhistory >= AP_LIMIT_SH_HISTORY) {
        free(sh->history[0]);
        memmove(sh->history, sh->history + 1,
                (sh->nhistory - 1) * sizeof(char *));
        sh->nhistory--;
    } else {
        char **v = realloc(sh->history, (sh->nhistory + 1) * sizeof(char *));
        if (v == NULL) {
            free(h);
            return;
        }
        sh->history = v;
    }
    sh->history[sh->nhistory++] = h;
}

int
sh_run(struct sh *sh, const char *line, size_t len)
{
    struct sh_node *n = NULL;
    struct sh_io io = {NULL, 0, &sh->out,
                       sh->split_err ? &sh->err : &sh->out};
    int rc;

    sh->steps = 0;
    sh->unknown = 0;
    sh->delay_ms = 0;
    if (sh->interactive)
        history_add(sh, line, len);
    rc = sh_parse(line, len, &n);
    if (rc <= 0) {
        if (rc == 0 && len > 0)
            sh_err(&io, "-bash: syntax error: unexpected end of file\n");
        else if (rc < 0)
            sh_err(&io, "-bash: syntax error near unexpected token\n");
        sh->status = 2;
        return rc < 0 ? rc : AP_EPROTO;
    }
    rc = sh_exec_node(sh, n, &io);
    sh_node_free(n);
    sh->status = rc;
    return rc;
}
