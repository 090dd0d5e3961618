/*
 * python3 and perl, present on the claimed builds (Ubuntu 22.04: Python
 * 3.10.12, perl 5.34.0; Debian 12: 3.11.2, 5.36.0).  Bots use them for
 * one-liners (`python3 -c`, `perl -e`, a script on stdin): the code is
 * recorded (the command event carries the whole line) and never run.
 * What they answer: the version texts; a lone print of a string literal
 * prints it (bots echo a marker to test the interpreter); every http,
 * https or ftp URL in the code is reported as a download, as wget's are;
 * anything else succeeds silently, as a script with no output would.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ap/limits.h"
#include "sh_cmds.h"
#include "vfs.h"

#include "ap/common.h"

static int
is_debian(const struct sh *sh)
{
    return strncmp(sh->host->p->name, "debian", 6) == 0;
}

/* Report each URL in code as a download attempt. */
static void
urls(struct sh *sh, const char *code, size_t n)
{
    static const char *const schemes[] = {"http://", "https://", "ftp://"};
    char url[1024];
    size_t i, k, len;

    for (i = 0; i < n && sh->event; i++)
        for (k = 0; k < AP_ARRAY_SIZE(schemes); k++) {
            if (strncmp(code + i, schemes[k], strlen(schemes[k])) != 0)
                continue;
            len = strcspn(code + i, "\"' \t\n;)`,");
            if (len > strlen(schemes[k]) && len < sizeof(url)) {
                memcpy(url, code + i, len);
                url[len] = '\0';
                sh->event(sh->event_ctx, SH_EV_DOWNLOAD, url, NULL);
                i += len - 1;
            }
            break;
        }
}

/* The string of a code that is only `print("...")` / print '...';
 * with C escapes \n and \t.  Returns 1 and appends it, or 0. */
static int
lone_print(const char *code, int perl, struct ap_buf *out)
{
    const char *p = code, *q;
    char quote;

    while (*p == ' ' || *p == '\t' || *p == '\n')
        p++;
    if (strncmp(p, "print", 5) != 0)
        return 0;
    p += 5;
    while (*p == ' ' || *p == '(')
        p++;
    if (*p != '"' && *p != '\'')
        return 0;
    quote = *p++;
    for (q = p; *q && *q != quote; q++)
        if (*q == '\\' && q[1])
            q++;
    if (*q != quote)
        return 0;
    /* nothing but ) ; and blanks may follow */
    if (q[1 + strspn(q + 1, " );\n\t")] != '\0')
        return 0;
    for (; p < q; p++) {
        char c = *p;
        if (c == '\\' && p + 1 < q && (quote == '"' || !perl)) {
            p++;
            c = *p == 'n' ? '\n' : *p == 't' ? '\t' : *p;
        } else if (perl && quote == '"' && (c == '$' || c == '@')) {
            return 0; /* interpolation: too clever to fake */
        }
        ap_buf_append(out, &c, 1);
    }
    if (!perl)
        ap_buf_append(out, "\n", 1);
    return 1;
}

/* Code from -c/-e, a script file, or stdin.  Returns the exit status. */
static int
interpret(struct sh *sh, struct sh_io *io, const char *code, size_t n,
          int perl)
{
    struct ap_buf z;
    int rc = 0;

    ap_buf_init(&z, n + 1);
    if (ap_buf_append(&z, code, n) != 0 || ap_buf_cstr(&z) == NULL) {
        ap_buf_release(&z);
        return 1;
    }
    urls(sh, code, n);
    lone_print(ap_buf_cstr(&z), perl, io->out);
    ap_buf_release(&z);
    return rc;
}

static int
script(struct sh *sh, struct sh_io *io, const char *path, int perl)
{
    struct vfs_node *f;
    struct ap_buf b;
    int rc = vfs_lookup(sh->fs, sh->cwd, path, 1, &f);

    if (rc != 0 || f->type == VFS_DIR) {
        if (perl)
            sh_err(io, "Can't open perl script \"%s\": %s\n", path,
                   rc ? "No such file or directory" : "Is a directory");
        else
            sh_err(io, "%s: can't open file '%s%s%s': [Errno %d] %s\n",
                   "python3", path[0] == '/' ? "" : sh->cwd,
                   path[0] == '/' || strcmp(sh->cwd, "/") == 0 ? "" : "/",
                   path, rc ? 2 : 21,
                   rc ? "No such file or directory" : "Is a directory");
        return 2;
    }
    ap_buf_init(&b, AP_LIMIT_SH_FS_BYTES);
    sh_read_node(sh, f, &b);
    rc = interpret(sh, io, (const char *)ap_buf_data(&b), ap_buf_len(&b), perl);
    ap_buf_release(&b);
    return rc;
}

int
sh_cmd_python3(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    const char *ver = is_debian(sh) ? "3.11.2" : "3.10.12";
    int i;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
            sh_out(io, "Python %s\n", ver);
            return 0;
        }
        if (strcmp(a, "-c") == 0) {
            if (i + 1 >= argc) {
                sh_err(io, "Argument expected for the -c option\nusage: "
                           "python3 [option] ... [-c cmd | -m mod | file | "
                           "-] [arg] ...\nTry `python -h' for more "
                           "information.\n");
                return 2;
            }
            return interpret(sh, io, argv[i + 1], strlen(argv[i + 1]), 0);
        }
        if (strcmp(a, "-m") == 0)
            return i + 1 < argc && strcmp(argv[i + 1], "http.server") == 0
                       ? 0 /* would serve forever; the session moves on */
                       : 0;
        if (a[0] != '-' || strcmp(a, "-") == 0) {
            if (strcmp(a, "-") != 0)
                return script(sh, io, a, 0);
            break;
        }
    }
    if (io->inlen > 0 || !sh->interactive)
        return interpret(sh, io, (const char *)io->in, io->inlen, 0);
    /* an interactive REPL would start; the banner, then EOF as ^D */
    sh_out(io, "Python %s (main, %s) [GCC %s] on linux\nType \"help\", "
               "\"copyright\", \"credits\" or \"license\" for more "
               "information.\n>>> \n",
           ver, is_debian(sh) ? "Mar 13 2023, 10:26:41" : "Nov 20 2023, 15:14:05",
           is_debian(sh) ? "12.2.0" : "11.4.0");
    return 0;
}

int
sh_cmd_perl(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    int deb = is_debian(sh), i;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-v") == 0 || strcmp(a, "--version") == 0) {
            sh_out(io, "\nThis is perl 5, version %s, subversion 0 (v5.%s.0) "
                       "built for x86_64-linux-gnu-thread-multi\n(with %s "
                       "registered patches, see perl -V for more detail)\n\n"
                       "Copyright 1987-%s, Larry Wall\n\nPerl may be copied "
                       "only under the terms of either the Artistic License "
                       "or the\nGNU General Public License, which may be "
                       "found in the Perl 5 source kit.\n\nComplete "
                       "documentation for Perl, including FAQ lists, should "
                       "be found on\nthis system using \"man perl\" or "
                       "\"perldoc perl\".  If you have access to the\n"
                       "Internet, point your browser at "
                       "https://www.perl.org/, the Perl Home Page.\n\n",
                   deb ? "36" : "34", deb ? "36" : "34", deb ? "53" : "60",
                   deb ? "2022" : "2021");
            return 0;
        }
        if (strcmp(a, "-e") == 0 || strcmp(a, "-E") == 0) {
            if (i + 1 >= argc) {
                sh_err(io, "No code specified for %s.\n", a);
                return 29;
            }
            return interpret(sh, io, argv[i + 1], strlen(argv[i + 1]), 1);
        }
        if (a[0] != '-')
            return script(sh, io, a, 1);
    }
    return interpret(sh, io, (const char *)io->in, io->inlen, 1);
}
