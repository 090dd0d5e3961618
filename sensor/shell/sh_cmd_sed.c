/*
 * sed: the part bot one-liners use (GNU sed 4.8 messages).  Scripts from
 * -e or the first operand; commands s///[gpiN], p, d, q, =, y///, a, i, c,
 * with line, $, /re/ and ranges as addresses and ! to negate; -n, -E/-r,
 * -i[SUFFIX] (rewrites the session's file), -s.  Regular expressions are
 * POSIX (regcomp); a pattern with a back-reference is refused rather than
 * run, since glibc's matcher is exponential on those and the sensor has
 * one thread.  Nothing here touches the real file system.
 */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ap/limits.h"
#include "sh_cmds.h"
#include "vfs.h"

#include "ap/common.h"

#define SED_CMDS 64
#define SED_TEXT 1024

struct sed_addr {
    int kind; /* 0 none, 1 line, 2 last, 3 regex */
    long line;
    regex_t re;
};

struct sed_cmd {
    struct sed_addr a1, a2;
    int neg, in_range;
    char c;
    regex_t re;           /* s */
    int has_re;
    char repl[SED_TEXT];  /* s replacement, a/i/c text, y source */
    char to[SED_TEXT];    /* y destination */
    int global, print, nth, quit_code;
};

struct sed {
    struct sed_cmd cmd[SED_CMDS];
    size_t n;
    int quiet, ere;
    char err[160];
};

static void
sed_free(struct sed *s)
{
    size_t i;
    for (i = 0; i < s->n; i++) {
        if (s->cmd[i].a1.kind == 3)
            regfree(&s->cmd[i].a1.re);
        if (s->cmd[i].a2.kind == 3)
            regfree(&s->cmd[i].a2.re);
        if (s->cmd[i].has_re)
            regfree(&s->cmd[i].re);
    }
}

/* Read up to the unescaped delimiter d into out (escapes of d dropped,
 * \n as newline).  Returns the position after d, or NULL. */
static const char *
delimited(const char *p, char d, char *out, size_t len, int keep_escapes)
{
    size_t o = 0;
    for (; *p && *p != d; p++) {
        char c = *p;
        if (c == '\\' && p[1]) {
            p++;
            if (*p == d) {
                c = d;
            } else if (*p == 'n' && !keep_escapes) {
                c = '\n';
            } else {
                if (o + 1 >= len)
                    return NULL;
                out[o++] = '\\';
                c = *p;
            }
        }
        if (o + 1 >= len)
            return NULL;
        out[o++] = c;
    }
    out[o] = '\0';
    return *p == d ? p + 1 : NULL;
}

static int
compile(struct sed *s, regex_t *re, const char *pat, int icase)
{
    const char *b;
    /* back-references make glibc's matcher exponential */
    for (b = strchr(pat, '\\'); b; b = strchr(b + 2, '\\'))
        if (b[1] >= '1' && b[1] <= '9') {
            snprintf(s->err, sizeof(s->err), "Invalid back reference");
            return -1;
        } else if (b[1] == '\0') {
            break;
        }
    if (regcomp(re, pat, (s->ere ? REG_EXTENDED : 0) | (icase ? REG_ICASE : 0)) !=
        0) {
        snprintf(s->err, sizeof(s->err), "Invalid preceding regular expression");
        return -1;
    }
    return 0;
}

static const char *
parse_addr(struct sed *s, const char *p, struct sed_addr *a)
{
    char pat[SED_TEXT], d;
    if (*p >= '0' && *p <= '9') {
        a->kind = 1;
        a->line = strtol(p, (char **)&p, 10);
    } else if (*p == '$') {
        a->kind = 2;
        p++;
    } else if (*p == '/' || *p == '\\') {
        d = *p == '\\' ? p[1] : '/';
        p += *p == '\\' ? 2 : 1;
        if (d == '\0' || (p = delimited(p, d, pat, sizeof(pat), 1)) == NULL) {
            snprintf(s->err, sizeof(s->err), "unterminated address regex");
            return NULL;
        }
        if (compile(s, &a->re, pat, 0) != 0)
            return NULL;
        a->kind = 3;
    }
    return p;
}

static const char *
parse_text(const char *p, char *out, size_t len)
{
    /* GNU one-liner forms: "a text", "a\text", "a\" newline text */
    while (*p == ' ')
        p++;
    if (*p == '\\')
        p++;
    if (*p == '\n')
        p++;
    snprintf(out, len, "%.*s", (int)strcspn(p, "\n"), p);
    return p + strcspn(p, "\n");
}

/* Parse one -e script.  0, or -1 with s->err. */
static int
sed_parse(struct sed *s, const char *p)
{
    char pat[SED_TEXT], d;
    int icase;
    while (*p) {
        struct sed_cmd *c;
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == ';')
            p++;
        if (*p == '\0' || *p == '#')
            break;
        if (s->n == SED_CMDS) {
            snprintf(s->err, sizeof(s->err), "too many commands");
            return -1;
        }
        c = &s->cmd[s->n];
        memset(c, 0, sizeof(*c));
        s->n++;
        if ((p = parse_addr(s, p, &c->a1)) == NULL)
            return -1;
        if (c->a1.kind && *p == ',' &&
            ((p = parse_addr(s, p + 1, &c->a2)) == NULL || !c->a2.kind)) {
            snprintf(s->err, sizeof(s->err), "unexpected `,'");
            return -1;
        }
        while (*p == ' ')
            p++;
        if (*p == '!') {
            c->neg = 1;
            p++;
        }
        c->c = *p ? *p++ : '\0';
        switch (c->c) {
        case 's':
            if ((d = *p++) == '\0' || d == '\n' || d == '\\' ||
                (p = delimited(p, d, pat, sizeof(pat), 1)) == NULL ||
                (p = delimited(p, d, c->repl, sizeof(c->repl), 1)) == NULL) {
                snprintf(s->err, sizeof(s->err), "unterminated `s' command");
                return -1;
            }
            for (icase = 0; *p && strchr("gpiI0123456789", *p); p++) {
                if (*p == 'i' || *p == 'I')
                    icase = 1;
                else if (*p == 'g')
                    c->global = 1;
                else if (*p == 'p')
                    c->print = 1;
                else if (*p >= '0' && *p <= '9')
                    c->nth = c->nth * 10 + (*p - '0');
            }
            if (compile(s, &c->re, pat, icase) != 0)
                return -1;
            c->has_re = 1;
            break;
        case 'y':
            if ((d = *p++) == '\0' ||
                (p = delimited(p, d, c->repl, sizeof(c->repl), 0)) == NULL ||
                (p = delimited(p, d, c->to, sizeof(c->to), 0)) == NULL ||
                strlen(c->repl) != strlen(c->to)) {
                snprintf(s->err, sizeof(s->err),
                         "strings for `y' command are different lengths");
                return -1;
            }
            break;
        case 'a':
        case 'i':
        case 'c':
            p = parse_text(p, c->repl, sizeof(c->repl));
            break;
        case 'q':
        case 'Q':
            c->quit_code = (int)strtol(p, (char **)&p, 10);
            break;
        case 'p':
        case 'd':
        case '=':
        case 'n':
            break;
        case '\0':
            snprintf(s->err, sizeof(s->err), "missing command");
            return -1;
        default:
            snprintf(s->err, sizeof(s->err), "unknown command: `%c'", c->c);
            return -1;
        }
        while (*p == ' ')
            p++;
        if (*p && *p != ';' && *p != '\n' && *p != '}') {
            snprintf(s->err, sizeof(s->err), "extra characters after command");
            return -1;
        }
    }
    return 0;
}

static int
addr_match(const struct sed_addr *a, const char *line, long nr, int last)
{
    switch (a->kind) {
    case 1:
        return nr == a->line;
    case 2:
        return last;
    case 3:
        return regexec(&a->re, line, 0, NULL, 0) == 0;
    }
    return 1;
}

static int
selected(struct sed_cmd *c, const char *line, long nr, int last)
{
    int m;
    if (c->a1.kind == 0) {
        m = 1;
    } else if (c->a2.kind == 0) {
        m = addr_match(&c->a1, line, nr, last);
    } else if (c->in_range) {
        m = 1;
        if (c->a2.kind == 1 ? nr >= c->a2.line
                            : addr_match(&c->a2, line, nr, last))
            c->in_range = 0;
    } else if ((m = addr_match(&c->a1, line, nr, last)) != 0) {
        /* a line-number end at or before the start closes at once */
        c->in_range = !(c->a2.kind == 1 && c->a2.line <= nr) &&
                      !(c->a2.kind == 2 && last);
    }
    return c->neg ? !m : m;
}

/* s/// on line (a NUL-terminated copy) into out. */
static int
substitute(struct sed_cmd *c, const char *line, struct ap_buf *out)
{
    regmatch_t m[10];
    const char *p = line;
    int count = 0, done = 0, flags = 0;

    while (!done && regexec(&c->re, p, 10, m, flags) == 0) {
        const char *r;
        count++;
        ap_buf_append(out, p, (size_t)m[0].rm_so);
        if (c->nth && count < c->nth) {
            ap_buf_append(out, p + m[0].rm_so,
                          (size_t)(m[0].rm_eo - m[0].rm_so));
        } else {
            for (r = c->repl; *r; r++) {
                if (*r == '&') {
                    ap_buf_append(out, p + m[0].rm_so,
                                  (size_t)(m[0].rm_eo - m[0].rm_so));
                } else if (*r == '\\' && r[1] >= '0' && r[1] <= '9') {
                    int k = *++r - '0';
                    if (m[k].rm_so >= 0)
                        ap_buf_append(out, p + m[k].rm_so,
                                      (size_t)(m[k].rm_eo - m[k].rm_so));
                } else if (*r == '\\' && r[1]) {
                    r++;
                    ap_buf_append(out, *r == 'n' ? "\n" : *r == 't' ? "\t" : r,
                                  1);
                } else {
                    ap_buf_append(out, r, 1);
                }
            }
            done = !c->global;
        }
        if (m[0].rm_eo == m[0].rm_so) { /* empty match: step one char */
            if (p[m[0].rm_eo] == '\0')
                return count > 0 ? (ap_buf_puts(out, p + m[0].rm_eo), 1) : 0;
            ap_buf_append(out, p + m[0].rm_eo, 1);
            p += m[0].rm_eo + 1;
        } else {
            p += m[0].rm_eo;
        }
        flags = REG_NOTBOL;
    }
    ap_buf_puts(out, p);
    return count >= (c->nth ? c->nth : 1);
}

/* Run the script over text; output to out.  Returns the exit status. */
static int
sed_run(struct sed *s, const char *text, size_t len, struct ap_buf *out)
{
    struct ap_buf pat, tmp;
    const char *p = text, *end = text + len;
    long nr = 0;
    int status = 0, quit = 0;
    size_t i;

    ap_buf_init(&pat, AP_LIMIT_SH_WORD + 1);
    ap_buf_init(&tmp, AP_LIMIT_SH_WORD + 1);
    while (p < end && !quit) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        int deleted = 0, last = (nl ? nl + 1 : end) >= end;
        struct ap_buf after;

        nr++;
        ap_buf_reset(&pat);
        ap_buf_append(&pat, p, AP_MIN(n, (size_t)AP_LIMIT_SH_WORD));
        ap_buf_init(&after, AP_LIMIT_SH_OUTPUT);
        for (i = 0; i < s->n && !deleted; i++) {
            struct sed_cmd *c = &s->cmd[i];
            const char *line = ap_buf_cstr(&pat);
            if (line == NULL || !selected(c, line, nr, last))
                continue;
            switch (c->c) {
            case 's':
                ap_buf_reset(&tmp);
                if (substitute(c, line, &tmp)) {
                    ap_buf_reset(&pat);
                    ap_buf_append(&pat, ap_buf_data(&tmp), ap_buf_len(&tmp));
                    if (c->print)
                        ap_buf_printf(out, "%s\n", ap_buf_cstr(&pat));
                }
                break;
            case 'y': {
                size_t k, ln = strlen(line);
                ap_buf_reset(&tmp);
                for (k = 0; k < ln; k++) {
                    const char *hit = strchr(c->repl, line[k]);
                    char ch = hit ? c->to[hit - c->repl] : line[k];
                    ap_buf_append(&tmp, &ch, 1);
                }
                ap_buf_reset(&pat);
                ap_buf_append(&pat, ap_buf_data(&tmp), ap_buf_len(&tmp));
                break;
            }
            case 'p':
                ap_buf_printf(out, "%s\n", line);
                break;
            case '=':
                ap_buf_printf(out, "%ld\n", nr);
                break;
            case 'd':
                deleted = 1;
                break;
            case 'a':
                ap_buf_printf(&after, "%s\n", c->repl);
                break;
            case 'i':
                ap_buf_printf(out, "%s\n", c->repl);
                break;
            case 'c':
                if (c->a2.kind == 0 || !c->in_range)
                    ap_buf_printf(out, "%s\n", c->repl);
                deleted = 1;
                break;
            case 'q':
            case 'Q':
                quit = 1;
                status = c->quit_code;
                deleted = c->c == 'Q';
                i = s->n; /* stop the script */
                break;
            case 'n':
                break;
            }
        }
        if (!deleted && !s->quiet) {
            ap_buf_append(out, ap_buf_data(&pat), ap_buf_len(&pat));
            if (nl) /* GNU sed keeps a missing final newline missing */
                ap_buf_append(out, "\n", 1);
        }
        ap_buf_append(out, ap_buf_data(&after), ap_buf_len(&after));
        ap_buf_release(&after);
        p = nl ? nl + 1 : end;
    }
    ap_buf_release(&pat);
    ap_buf_release(&tmp);
    return status;
}

/* The input: the files (stdin without any), with GNU sed's message for
 * one it cannot read.  Returns 0, or 2 when a file was unreadable. */
static int
sed_input(struct sh *sh, struct sh_io *io, char **files, int nf,
          struct ap_buf *out)
{
    int i, status = 0;

    if (nf == 0)
        return ap_buf_append(out, io->in, io->inlen) == 0 ? 0 : 2;
    for (i = 0; i < nf; i++) {
        struct vfs_node *n;
        int rc;
        if (strcmp(files[i], "-") == 0) {
            ap_buf_append(out, io->in, io->inlen);
            continue;
        }
        rc = vfs_lookup(sh->fs, sh->cwd, files[i], 1, &n);
        if (rc == 0 && n->type == VFS_DIR) {
            sh_err(io, "sed: couldn't edit %s: not a regular file\n",
                   files[i]);
            status = 2;
            continue;
        }
        if (rc == 0 && !vfs_can_read(n, sh->uid))
            rc = -13; /* EACCES */
        if (rc != 0) {
            sh_err(io, "sed: can't read %s: %s\n", files[i],
                   vfs_strerror(rc));
            status = 2;
            continue;
        }
        sh_read_node(sh, n, out);
    }
    return status;
}

/* -i: rewrite each file in the session's file system. */
static int
sed_in_place(struct sh *sh, struct sh_io *io, struct sed *s, char **files,
             int nf)
{
    int i, status = 0;
    for (i = 0; i < nf; i++) {
        struct ap_buf in, out;
        struct vfs_node *f;
        int rc;
        ap_buf_init(&in, AP_LIMIT_SH_FS_BYTES);
        ap_buf_init(&out, AP_LIMIT_SH_FS_BYTES);
        if (sed_input(sh, io, &files[i], 1, &in) != 0) {
            status = 4;
        } else {
            sed_run(s, (const char *)ap_buf_data(&in), ap_buf_len(&in), &out);
            rc = vfs_open_write(sh->fs, sh->cwd, files[i], sh->uid, 0,
                                sh_now(), &f);
            if (rc == 0)
                rc = vfs_append(sh->fs, f, ap_buf_data(&out), ap_buf_len(&out));
            if (rc != 0) {
                sh_err(io, "sed: couldn't open temporary file %s: %s\n",
                       files[i], vfs_strerror(rc));
                status = 4;
            }
        }
        ap_buf_release(&in);
        ap_buf_release(&out);
    }
    return status;
}

int
sh_cmd_sed(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    struct sed *s = calloc(1, sizeof(*s));
    char **files = calloc((size_t)argc + 1, sizeof(char *));
    int i, nf = 0, inplace = 0, have_script = 0, status = 0;
    struct ap_buf in;

    if (s == NULL || files == NULL) {
        free(s);
        free(files);
        return 4;
    }
    for (i = 1; i < argc && status == 0; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--version") == 0) {
            sh_out(io, "sed (GNU sed) 4.8\nCopyright (C) 2020 Free Software "
                       "Foundation, Inc.\n");
            goto out;
        } else if (strcmp(a, "-e") == 0 || strcmp(a, "--expression") == 0) {
            if (i + 1 >= argc) {
                sh_err(io, "sed: option requires an argument -- 'e'\n");
                status = 1;
            } else if (sed_parse(s, argv[++i]) != 0) {
                status = 1;
            }
            have_script = 1;
        } else if (a[0] == '-' && a[1] && a[1] != '-') {
            const char *o;
            for (o = a + 1; *o; o++) {
                if (*o == 'n')
                    s->quiet = 1;
                else if (*o == 'E' || *o == 'r')
                    s->ere = 1;
                else if (*o == 'i') {
                    inplace = 1;
                    break; /* the rest is a backup suffix */
                } else if (*o == 'e' && i + 1 < argc) {
                    if (sed_parse(s, argv[++i]) != 0)
                        status = 1;
                    have_script = 1;
                    break;
                } else if (*o != 's' && *o != 'u' && *o != 'z') {
                    sh_err(io, "sed: invalid option -- '%c'\n", *o);
                    status = 1;
                    break;
                }
            }
        } else if (!have_script) {
            if (sed_parse(s, a) != 0)
                status = 1;
            have_script = 1;
        } else {
            files[nf++] = argv[i];
        }
    }
    if (status == 0 && !have_script) {
        sh_err(io, "Usage: sed [OPTION]... {script-only-if-no-other-script} "
                   "[input-file]...\n\n");
        status = 1;
        goto out;
    }
    if (status != 0) {
        if (s->err[0])
            sh_err(io, "sed: -e expression #1, char %zu: %s\n",
                   strlen(argv[argc - 1]), s->err);
        goto out;
    }
    if (inplace) {
        if (nf == 0) {
            sh_err(io, "sed: no input files\n");
            status = 1;
        } else {
            status = sed_in_place(sh, io, s, files, nf);
        }
        goto out;
    }
    ap_buf_init(&in, AP_LIMIT_SH_OUTPUT);
    status = sed_input(sh, io, files, nf, &in);
    i = sed_run(s, (const char *)ap_buf_data(&in), ap_buf_len(&in), io->out);
    if (i)
        status = i;
    ap_buf_release(&in);
out:
    sed_free(s);
    free(s);
    free(files);
    return status;
}
