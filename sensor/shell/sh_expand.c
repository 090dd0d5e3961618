/*
 * Word expansion as sh does it, in order: tilde, parameters ($x ${x}
 * ${#x} ${x:-y} $? $$ $# $0..$9), command substitution ($( ) and ` `),
 * arithmetic ($(( ))), quote removal, field splitting of unquoted results
 * and pathname globbing against the session file system.  Every
 * intermediate string is capped at AP_LIMIT_SH_WORD.
 */
#include <stdio.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "ap/err.h"
#include "ap/limits.h"
#include "sh.h"

#include "ap/common.h"

struct exp {
    struct sh *sh;
    struct sh_fields *out;
    struct ap_buf cur;
    int have;    /* cur holds a field (possibly empty but quoted) */
    int split;
    int glob;    /* an unquoted glob character was seen in cur */
    struct sh_io *io;
};

void
sh_fields_free(struct sh_fields *f)
{
    size_t i;
    for (i = 0; i < f->n; i++)
        free(f->v[i]);
    free(f->v);
    f->v = NULL;
    f->n = 0;
}

static int
fields_push(struct sh_fields *f, const char *s, size_t n)
{
    char **v, *c;

    if (f->n >= AP_LIMIT_SH_WORDS)
        return AP_ETOOBIG;
    if ((v = realloc(f->v, (f->n + 1) * sizeof(*v))) == NULL)
        return AP_ENOMEM;
    f->v = v;
    if ((c = malloc(n + 1)) == NULL)
        return AP_ENOMEM;
    memcpy(c, s, n);
    c[n] = '\0';
    f->v[f->n++] = c;
    return 0;
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Globbing: wildcards in the last path component only (what bots use:
 * rm -rf *, chmod 777 *.sh). */
static int
glob_push(struct exp *e, const char *pat)
{
    const char *slash = strrchr(pat, '/');
    char dir[4096];
    const char *base = slash ? slash + 1 : pat;
    struct vfs_node *d, *c;
    size_t first = e->out->n;
    int rc;

    if (strpbrk(base, "*?[") == NULL)
        return fields_push(e->out, pat, strlen(pat));
    if (slash) {
        size_t n = (size_t)(slash - pat);
        if (n >= sizeof(dir))
            return fields_push(e->out, pat, strlen(pat));
        memcpy(dir, pat, n);
        dir[n] = '\0';
        if (n == 0)
            dir[0] = '/', dir[1] = '\0';
    } else {
        dir[0] = '.';
        dir[1] = '\0';
    }
    if (strpbrk(dir, "*?[") != NULL ||
        vfs_lookup(e->sh->fs, e->sh->cwd, dir, 1, &d) != 0 ||
        d->type != VFS_DIR)
        return fields_push(e->out, pat, strlen(pat));
    for (c = d->child; c; c = c->sibling) {
        if (c->name[0] == '.' && base[0] != '.')
            continue;
        if (fnmatch(base, c->name, FNM_PERIOD) != 0)
            continue;
        if (slash) {
            char full[4096];
            int w = snprintf(full, sizeof(full), "%.*s/%s",
                             (int)(slash - pat), pat, c->name);
            if (w < 0 || (size_t)w >= sizeof(full))
                continue;
            rc = fields_push(e->out, full, (size_t)w);
        } else {
            rc = fields_push(e->out, c->name, strlen(c->name));
        }
        if (rc != 0)
            return rc;
    }
    if (e->out->n == first)
        return fields_push(e->out, pat, strlen(pat));
    qsort(e->out->v + first, e->out->n - first, sizeof(char *), cmp_str);
    return 0;
}

/* End the current field. */
static int
flush(struct exp *e)
{
    int rc = 0;
    if (e->have) {
        const char *s = ap_buf_cstr(&e->cur);
        if (s == NULL)
            return AP_ENOMEM;
        if (e->split && e->glob)
            rc = glob_push(e, s);
        else
            rc = fields_push(e->out, s, ap_buf_len(&e->cur));
    }
    ap_buf_reset(&e->cur);
    e->have = 0;
    e->glob = 0;
    return rc;
}

static int
put(struct exp *e, const char *s, size_t n)
{
    e->have = 1;
    return ap_buf_append(&e->cur, s, n);
}

/* Text produced by an expansion: split on IFS when unquoted. */
static int
put_expanded(struct exp *e, const char *s, size_t n, int quoted)
{
    size_t i;
    int rc;

    if (quoted || !e->split) {
        e->have = 1;
        return ap_buf_append(&e->cur, s, n);
    }
    for (i = 0; i < n; i++) {
        if (s[i] == ' ' || s[i] == '\t' || s[i] == '\n') {
            if ((rc = flush(e)) != 0)
                return rc;
            continue;
        }
        if (s[i] == '*' || s[i] == '?')
            e->glob = 1;
        if ((rc = put(e, s + i, 1)) != 0)
            return rc;
    }
    return 0;
}

/* Parameter value by name ("?" "$" "#" "0" or a variable). */
static const char *
param(struct exp *e, const char *name, char *tmp, size_t tmplen)
{
    struct sh *sh = e->sh;
    if (strcmp(name, "?") == 0) {
        snprintf(tmp, tmplen, "%d", sh->status);
        return tmp;
    }
    if (strcmp(name, "$") == 0) {
        snprintf(tmp, tmplen, "%d", 1000 + (int)(sh->host->boot_time % 9000));
        return tmp;
    }
    if (strcmp(name, "#") == 0) {
        snprintf(tmp, tmplen, "%d", sh->nargs);
        return tmp;
    }
    if (strcmp(name, "0") == 0)
        return "-bash";
    if (name[0] >= '1' && name[0] <= '9' && name[1] == '\0')
        return name[0] - '0' <= sh->nargs ? sh->args[name[0] - '1'] : "";
    if ((strcmp(name, "@") == 0 || strcmp(name, "*") == 0) && sh->nargs > 0) {
        /* one field: enough for "echo $@" in a bot's helper function */
        size_t o = 0;
        int k;
        tmp[0] = '\0';
        for (k = 0; k < sh->nargs && o + 1 < tmplen; k++)
            o += (size_t)snprintf(tmp + o, tmplen - o, "%s%s", k ? " " : "",
                                  sh->args[k]);
        return tmp;
    }
    if (strcmp(name, "!") == 0 || strcmp(name, "@") == 0 ||
        strcmp(name, "*") == 0 || (name[0] >= '1' && name[0] <= '9'))
        return "";
    return sh_getvar(sh, name);
}

static int
do_subst(struct exp *e, const char *src, size_t len, int quoted)
{
    struct ap_buf out;
    size_t n;
    int rc;

    ap_buf_init(&out, AP_LIMIT_SH_WORD);
    rc = sh_capture(e->sh, src, len, &out, e->io->err);
    if (rc >= 0) {
        n = ap_buf_len(&out);
        while (n > 0 && ap_buf_data(&out)[n - 1] == '\n')
            n--;
        rc = put_expanded(e, (const char *)ap_buf_data(&out), n, quoted);
    }
    ap_buf_release(&out);
    return rc;
}

/* $... at s[*i] (just past the '$'). */
static int
dollar(struct exp *e, const char *s, size_t len, size_t *i, int quoted)
{
    char name[128], tmp[32];
    const char *v;
    size_t j = *i, n;
    int rc;

    if (j < len && s[j] == '(') {
        if (j + 1 < len && s[j + 1] == '(') {
            /* $(( expr )) */
            size_t k = j + 1;
            long long val;
            char *expr;
            if (sh_scan_subst(s, len, &k, 0) != 0 || k < j + 4 ||
                s[k - 2] != ')')
                return AP_EPROTO;
            n = k - 2 - (j + 2);
            if ((expr = malloc(n + 1)) == NULL)
                return AP_ENOMEM;
            memcpy(expr, s + j + 2, n);
            expr[n] = '\0';
            {
                /* $x and $(cmd) inside are expanded first */
                struct sh_fields f = {0};
                rc = sh_expand(e->sh, expr, 0, &f, e->io);
                free(expr);
                if (rc == 0)
                    rc = sh_arith(e->sh, f.n ? f.v[0] : "", &val);
                sh_fields_free(&f);
            }
            if (rc != 0) {
                sh_err(e->io, "-bash: arithmetic syntax error\n");
                return AP_EINVAL;
            }
            snprintf(tmp, sizeof(tmp), "%lld", val);
            *i = k;
            return put_expanded(e, tmp, strlen(tmp), quoted);
        }
        size_t k = j + 1;
        if (sh_scan_subst(s, len, &k, 0) != 0)
            return AP_EPROTO;
        *i = k;
        return do_subst(e, s + j + 1, k - j - 2, quoted);
    }
    if (j < len && s[j] == '{') {
        const char *close = memchr(s + j, '}', len - j);
        const char *body = s + j + 1, *op;
        int hash = 0;
        if (close == NULL)
            return AP_EPROTO;
        *i = (size_t)(close - s) + 1;
        n = (size_t)(close - body);
        if (n > 0 && body[0] == '#') {
            hash = 1;
            body++;
            n--;
        }
        op = memchr(body, ':', n);
        size_t nl = op ? (size_t)(op - body) : n;
        if (nl == 0 || nl >= sizeof(name))
            return put(e, "", 0);
        memcpy(name, body, nl);
        name[nl] = '\0';
        v = param(e, name, tmp, sizeof(tmp));
        if (hash) {
            snprintf(tmp, sizeof(tmp), "%zu", v ? strlen(v) : 0);
            return put_expanded(e, tmp, strlen(tmp), quoted);
        }
        if (op && n - nl >= 2 && (op[1] == '-' || op[1] == '=')) {
            if (v == NULL || v[0] == '\0') {
                /* the default is itself a word */
                struct sh_fields f = {0};
                char *w = strndup(op + 2, n - nl - 2);
                if (w == NULL)
                    return AP_ENOMEM;
                rc = sh_expand(e->sh, w, 0, &f, e->io);
                free(w);
                if (rc == 0 && f.n > 0) {
                    if (op[1] == '=')
                        sh_setvar(e->sh, name, f.v[0], 0);
                    rc = put_expanded(e, f.v[0], strlen(f.v[0]), quoted);
                }
                sh_fields_free(&f);
                return rc;
            }
        }
        if (v == NULL)
            return quoted ? put(e, "", 0) : 0;
        return put_expanded(e, v, strlen(v), quoted);
    }
    if (j < len && strchr("?$#!@*0123456789", s[j])) {
        name[0] = s[j];
        name[1] = '\0';
        *i = j + 1;
    } else if (j < len && sh_name_char((unsigned char)s[j], 1)) {
        n = 0;
        while (j < len && sh_name_char((unsigned char)s[j], 0) &&
               n < sizeof(name) - 1)
            name[n++] = s[j++];
        name[n] = '\0';
        *i = j;
    } else {
        return put(e, "$", 1); /* a lone $ */
    }
    v = param(e, name, tmp, sizeof(tmp));
    if (v == NULL)
        return quoted ? put(e, "", 0) : 0;
    return put_expanded(e, v, strlen(v), quoted);
}

/* `...`: backslash before ` \ $ is removed, then the text runs. */
static int
backquote(struct exp *e, const char *s, size_t len, size_t *i, int quoted)
{
    size_t k = *i;
    struct ap_buf src;
    int rc;

    if (sh_scan_subst(s, len, &k, 1) != 0)
        return AP_EPROTO;
    ap_buf_init(&src, AP_LIMIT_SH_WORD);
    for (size_t j = *i; j + 1 < k; j++) {
        if (s[j] == '\\' && j + 2 < k && strchr("`\\$", s[j + 1]))
            j++;
        if ((rc = ap_buf_append(&src, s + j, 1)) != 0)
            goto out;
    }
    *i = k;
    rc = do_subst(e, (const char *)ap_buf_data(&src), ap_buf_len(&src),
                  quoted);
out:
    ap_buf_release(&src);
    return rc;
}

int
sh_expand(struct sh *sh, const char *raw, int split, struct sh_fields *out,
          struct sh_io *io)
{
    struct exp e;
    size_t len = strlen(raw), i = 0;
    int dq = 0, rc = 0;

    memset(&e, 0, sizeof(e));
    e.sh = sh;
    e.out = out;
    e.split = split;
    e.io = io;
    ap_buf_init(&e.cur, AP_LIMIT_SH_WORD);

    if (raw[0] == '~' && (raw[1] == '\0' || raw[1] == '/')) {
        const char *home = sh_getvar(sh, "HOME");
        if ((rc = put(&e, home ? home : sh->home,
                      strlen(home ? home : sh->home))) != 0)
            goto out;
        i = 1;
    }
    while (i < len && rc == 0) {
        char c = raw[i];
        if (c == '\\') {
            if (i + 1 >= len) {
                rc = put(&e, "\\", 1);
                i++;
            } else if (!dq || strchr("$`\"\\\n", raw[i + 1])) {
                if (raw[i + 1] != '\n')
                    rc = put(&e, raw + i + 1, 1);
                i += 2;
            } else {
                rc = put(&e, raw + i, 2);
                i += 2;
            }
        } else if (c == '\'' && !dq) {
            const char *q = memchr(raw + i + 1, '\'', len - i - 1);
            size_t n = q ? (size_t)(q - raw) - i - 1 : len - i - 1;
            rc = put(&e, raw + i + 1, n);
            i += n + 2;
        } else if (c == '"') {
            dq = !dq;
            e.have = 1;
            i++;
        } else if (c == '$') {
            i++;
            rc = dollar(&e, raw, len, &i, dq);
        } else if (c == '`') {
            i++;
            rc = backquote(&e, raw, len, &i, dq);
        } else {
            if (!dq && (c == '*' || c == '?' || c == '['))
                e.glob = 1;
            rc = put(&e, raw + i, 1);
            i++;
        }
    }
    if (rc == 0)
        rc = flush(&e);
out:
    ap_buf_release(&e.cur);
    return rc;
}
