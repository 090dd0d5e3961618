/*
 * File commands over the session file system: cat ls mkdir rm rmdir touch
 * cp mv chmod chown ln head tail wc grep dd md5sum tar.  Options and
 * error texts follow GNU coreutils, which is what the profiles' hosts
 * run.
 */
#include <stdio.h>
#include <errno.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "ap/limits.h"
#include "sh_cmds.h"

#include "ap/common.h"

int
sh_gather(struct sh *sh, struct sh_io *io, const char *cmd, int nfiles,
          char **files, struct ap_buf *out)
{
    int i, status = 0;
    if (nfiles == 0) {
        ap_buf_append(out, io->in, io->inlen);
        return 0;
    }
    for (i = 0; i < nfiles; i++) {
        struct vfs_node *n;
        int rc;
        if (strcmp(files[i], "-") == 0) {
            ap_buf_append(out, io->in, io->inlen);
            continue;
        }
        rc = vfs_lookup(sh->fs, sh->cwd, files[i], 1, &n);
        if (rc == 0 && n->type == VFS_DIR)
            rc = -EISDIR;
        if (rc == 0 && !vfs_can_read(n, sh->uid))
            rc = -EACCES;
        if (rc != 0) {
            sh_err(io, "%s: %s: %s\n", cmd, files[i], vfs_strerror(rc));
            status = 1;
            continue;
        }
        sh_read_node(sh, n, out);
    }
    return status;
}

/* Split argv into options (letters collected into opts) and operands. */
static int
getopts(int argc, char **argv, char *opts, size_t optlen, char **ops)
{
    int i, n = 0, dd = 0;
    size_t k = strlen(opts);
    for (i = 1; i < argc; i++) {
        if (!dd && strcmp(argv[i], "--") == 0) {
            dd = 1;
        } else if (!dd && argv[i][0] == '-' && argv[i][1] && argv[i][1] != '-') {
            const char *c;
            for (c = argv[i] + 1; *c && k + 1 < optlen; c++)
                opts[k++] = *c;
            opts[k] = '\0';
        } else if (!dd && argv[i][0] == '-' && argv[i][1] == '-') {
            continue; /* long options are accepted and ignored */
        } else {
            ops[n++] = argv[i];
        }
    }
    return n;
}

#define OPTS(nops)                                                             \
    char opts[64] = "";                                                        \
    char **ops = calloc((size_t)argc + 1, sizeof(char *));                     \
    int nops;                                                                  \
    if (ops == NULL)                                                           \
        return 1;                                                              \
    nops = getopts(argc, argv, opts, sizeof(opts), ops)
#define HAS(c) (strchr(opts, (c)) != NULL)

int
sh_cmd_cat(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    OPTS(n);
    int rc = sh_gather(sh, io, "cat", n, ops, io->out);
    free(ops);
    return rc;
}

static void
mode_string(const struct vfs_node *n, char *s)
{
    static const char rwx[] = "rwxrwxrwx";
    int i;
    s[0] = n->type == VFS_DIR ? 'd' : n->type == VFS_LINK ? 'l'
                                  : n->type == VFS_CHR ? 'c' : '-';
    for (i = 0; i < 9; i++)
        s[i + 1] = (n->mode & (0400 >> i)) ? rwx[i] : '-';
    if (n->mode & 01000)
        s[9] = (n->mode & 1) ? 't' : 'T';
    s[10] = '\0';
}

static const char *
owner_name(const struct sh *sh, uint32_t uid)
{
    if (uid == 0)
        return "root";
    if (uid == 1000)
        return sh->host->p->user;
    if (uid == 1001)
        return sh->user;
    return "nobody";
}

static void
ls_long(struct sh *sh, struct sh_io *io, const struct vfs_node *n,
        const char *name)
{
    char mode[11], when[32];
    struct tm tm;
    time_t t = (time_t)n->mtime;
    size_t size = n->type == VFS_DIR ? 4096 : n->type == VFS_LINK
                                                  ? strlen(n->target)
                                                  : n->size;
    int nlink = 1;
    const struct vfs_node *c;

    if (n->type == VFS_DIR)
        for (nlink = 2, c = n->child; c; c = c->sibling)
            nlink += c->type == VFS_DIR;
    gmtime_r(&t, &tm);
    if (sh_now() - n->mtime < 180 * 86400)
        strftime(when, sizeof(when), "%b %e %H:%M", &tm);
    else
        strftime(when, sizeof(when), "%b %e  %Y", &tm);
    mode_string(n, mode);
    if (n->type == VFS_CHR)
        sh_out(io, "%s %d %s %s 1, %d %s %s", mode, nlink,
               owner_name(sh, n->uid), owner_name(sh, n->gid), 3, when, name);
    else
        sh_out(io, "%s %2d %s %s %6zu %s %s", mode, nlink,
               owner_name(sh, n->uid), owner_name(sh, n->gid), size, when,
               name);
    if (n->type == VFS_LINK)
        sh_out(io, " -> %s", n->target);
    sh_out(io, "\n");
}

/* Names in ls's column-major layout for an 80-column terminal. */
static void
ls_columns(struct sh_io *io, const char **names, size_t n, int tty)
{
    size_t w = 0, i, cols, rows, r, c;
    if (!tty) {
        for (i = 0; i < n; i++)
            sh_out(io, "%s\n", names[i]);
        return;
    }
    for (i = 0; i < n; i++)
        w = AP_MAX(w, strlen(names[i]));
    cols = AP_MAX((size_t)1, 80 / (w + 2));
    rows = (n + cols - 1) / cols;
    for (r = 0; r < rows; r++) {
        for (c = 0; c < cols; c++) {
            size_t k = c * rows + r;
            if (k >= n)
                break;
            if (c + 1 < cols && k + rows < n)
                sh_out(io, "%-*s", (int)(w + 2), names[k]);
            else
                sh_out(io, "%s", names[k]);
        }
        sh_out(io, "\n");
    }
}

int
sh_cmd_ls(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    OPTS(n);
    int status = 0, i, lng = HAS('l') || HAS('n'),
        all = HAS('a'), almost = HAS('A'), dirself = HAS('d');
    int tty = io->out == &sh->out && !HAS('1');
    char *dot = ".";

    if (n == 0) {
        ops[0] = dot;
        n = 1;
    }
    for (i = 0; i < n; i++) {
        struct vfs_node *d, *c;
        const char **names = NULL;
        size_t nn = 0, cap = 0;
        int rc = vfs_lookup(sh->fs, sh->cwd, ops[i], !lng, &d);
        if (rc != 0) {
            sh_err(io, "ls: cannot access '%s': %s\n", ops[i],
                   vfs_strerror(rc));
            status = 2;
            continue;
        }
        if (d->type != VFS_DIR || dirself) {
            if (lng)
                ls_long(sh, io, d, ops[i]);
            else
                sh_out(io, "%s\n", ops[i]);
            continue;
        }
        if (!vfs_can_read(d, sh->uid)) {
            sh_err(io, "ls: cannot open directory '%s': Permission denied\n",
                   ops[i]);
            status = 2;
            continue;
        }
        if (n > 1)
            sh_out(io, "%s%s:\n", i ? "\n" : "", ops[i]);
        if (lng) {
            size_t blocks = 0;
            for (c = d->child; c; c = c->sibling)
                blocks += 4 + c->size / 1024;
            sh_out(io, "total %zu\n", blocks);
            if (all) {
                ls_long(sh, io, d, ".");
                ls_long(sh, io, d->parent, "..");
            }
            for (c = d->child; c; c = c->sibling)
                if (c->name[0] != '.' || all || almost)
                    ls_long(sh, io, c, c->name);
            continue;
        }
        cap = 2;
        for (c = d->child; c; c = c->sibling)
            cap++;
        names = calloc(cap, sizeof(*names));
        if (names == NULL)
            break;
        if (all) {
            names[nn++] = ".";
            names[nn++] = "..";
        }
        for (c = d->child; c; c = c->sibling)
            if (c->name[0] != '.' || all || almost)
                names[nn++] = c->name;
        ls_columns(io, names, nn, tty);
        free(names);
    }
    free(ops);
    return status;
}

int
sh_cmd_mkdir(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    OPTS(n);
    int i, status = 0;
    for (i = 0; i < n; i++) {
        int rc;
        if (HAS('p')) {
            char path[4096];
            size_t k, len = strlen(ops[i]);
            if (len >= sizeof(path))
                continue;
            memcpy(path, ops[i], len + 1);
            for (k = 1; k <= len; k++) {
                if (path[k] == '/' || path[k] == '\0') {
                    char save = path[k];
                    path[k] = '\0';
                    rc = vfs_mkdir(sh->fs, sh->cwd, path, sh->uid, sh_now());
                    path[k] = save;
                    if (rc != 0 && rc != -EEXIST) {
                        sh_err(io, "mkdir: cannot create directory '%s': %s\n",
                               ops[i], vfs_strerror(rc));
                        status = 1;
                        break;
                    }
                }
            }
            continue;
        }
        rc = vfs_mkdir(sh->fs, sh->cwd, ops[i], sh->uid, sh_now());
        if (rc != 0) {
            sh_err(io, "mkdir: cannot create directory '%s': %s\n", ops[i],
                   vfs_strerror(rc));
            status = 1;
        }
    }
    if (n == 0) {
        sh_err(io, "mkdir: missing operand\nTry 'mkdir --help' for more "
                   "information.\n");
        status = 1;
    }
    free(ops);
    return status;
}

int
sh_cmd_rm(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    OPTS(n);
    int i, status = 0, rec = HAS('r') || HAS('R'), force = HAS('f');
    for (i = 0; i < n; i++) {
        int rc = vfs_remove(sh->fs, sh->cwd, ops[i], sh->uid, rec, 0);
        if (rc == -ENOENT && force)
            continue;
        if (rc == -EISDIR) {
            sh_err(io, "rm: cannot remove '%s': Is a directory\n", ops[i]);
            status = 1;
        } else if (rc != 0) {
            sh_err(io, "rm: cannot remove '%s': %s\n", ops[i],
                   vfs_strerror(rc));
            status = 1;
        }
    }
    if (n == 0 && !force) {
        sh_err(io, "rm: missing operand\nTry 'rm --help' for more "
                   "information.\n");
        status = 1;
    }
    free(ops);
    return status;
}

int
sh_cmd_rmdir(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    OPTS(n);
    int i, status = 0;
    for (i = 0; i < n; i++) {
        int rc = vfs_remove(sh->fs, sh->cwd, ops[i], sh->uid, 0, 1);
        if (rc != 0) {
            sh_err(io, "rmdir: failed to remove '%s': %s\n", ops[i],
                   vfs_strerror(rc));
            status = 1;
        }
    }
    free(ops);
    return status;
}

int
sh_cmd_touch(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    OPTS(n);
    int i, status = 0;
    for (i = 0; i < n; i++) {
        struct vfs_node *f;
        int rc = vfs_open_write(sh->fs, sh->cwd, ops[i], sh->uid, 1,
                                sh_now(), &f);
        if (rc != 0) {
            sh_err(io, "touch: cannot touch '%s': %s\n", ops[i],
                   vfs_strerror(rc));
            status = 1;
        }
    }
    free(ops);
    return status;
}

int
sh_cmd_cp(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    OPTS(n);
    int status = 0, i;
    struct vfs_node *dst;
    char target[4096];

    if (n < 2) {
        sh_err(io, n ? "cp: missing destination file operand after '%s'\n"
                       "Try 'cp --help' for more information.\n"
                     : "cp: missing file operand\nTry 'cp --help' for more "
                       "information.%s\n",
               n ? ops[0] : "");
        free(ops);
        return 1;
    }
    int todir = vfs_lookup(sh->fs, sh->cwd, ops[n - 1], 1, &dst) == 0 &&
                dst->type == VFS_DIR;
    for (i = 0; i < n - 1; i++) {
        struct vfs_node *src, *f;
        struct ap_buf b;
        int rc = vfs_lookup(sh->fs, sh->cwd, ops[i], 1, &src);
        if (rc == 0 && src->type == VFS_DIR) {
            sh_err(io, "cp: -r not specified; omitting directory '%s'\n",
                   ops[i]);
            status = 1;
            continue;
        }
        if (rc != 0) {
            sh_err(io, "cp: cannot stat '%s': %s\n", ops[i], vfs_strerror(rc));
            status = 1;
            continue;
        }
        if (todir) {
            const char *base = strrchr(ops[i], '/');
            snprintf(target, sizeof(target), "%s/%s", ops[n - 1],
                     base ? base + 1 : ops[i]);
        } else {
            snprintf(target, sizeof(target), "%s", ops[n - 1]);
        }
        ap_buf_init(&b, AP_LIMIT_SH_FS_BYTES);
        sh_read_node(sh, src, &b);
        rc = vfs_open_write(sh->fs, sh->cwd, target, sh->uid, 0, sh_now(), &f);
        if (rc == 0) {
            rc = vfs_append(sh->fs, f, ap_buf_data(&b), ap_buf_len(&b));
            if (rc == 0 && src->gen == VFS_GEN_ELF && f->type == VFS_FILE)
                f->mode = 0755;
        }
        if (rc != 0) {
            sh_err(io, "cp: cannot create regular file '%s': %s\n", target,
                   vfs_strerror(rc));
            status = 1;
        }
        ap_buf_release(&b);
    }
    free(ops);
    return status;
}

int
sh_cmd_mv(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    OPTS(n);
    int status = 0, i;
    if (n < 2) {
        sh_err(io, "mv: missing file operand\nTry 'mv --help' for more "
                   "information.\n");
        free(ops);
        return 1;
    }
    for (i = 0; i < n - 1; i++) {
        int rc = vfs_rename(sh->fs, sh->cwd, ops[i], ops[n - 1], sh->uid);
        if (rc == -ENOENT) {
            sh_err(io, "mv: cannot stat '%s': %s\n", ops[i], vfs_strerror(rc));
            status = 1;
        } else if (rc != 0) {
            sh_err(io, "mv: cannot move '%s' to '%s': %s\n", ops[i],
                   ops[n - 1], vfs_strerror(rc));
            status = 1;
        }
    }
    free(ops);
    return status;
}

/* chmod 777 f, chmod +x f, chmod u+x,g-w f */
static int
apply_mode(const char *spec, uint16_t *mode)
{
    char *end;
    long v = strtol(spec, &end, 8);
    if (*spec >= '0' && *spec <= '7' && *end == '\0' && v <= 07777) {
        *mode = (uint16_t)v;
        return 0;
    }
    while (*spec) {
        unsigned who = 0, bits = 0;
        char op;
        for (; strchr("ugoa", *spec) && *spec; spec++)
            who |= *spec == 'u' ? 0700u : *spec == 'g' ? 0070u
                 : *spec == 'o' ? 0007u : 0777u;
        if (*spec != '+' && *spec != '-' && *spec != '=')
            return -1;
        op = *spec++;
        for (; *spec && strchr("rwxst", *spec); spec++)
            bits |= *spec == 'r' ? 0444u : *spec == 'w' ? 0222u
                  : *spec == 'x' ? 0111u : 0;
        if (who == 0)
            who = 0777;
        bits &= who;
        if (op == '+')
            *mode = (uint16_t)(*mode | bits);
        else if (op == '-')
            *mode = (uint16_t)(*mode & ~bits);
        else
            *mode = (uint16_t)((*mode & ~who) | bits);
        if (*spec == ',')
            spec++;
        else if (*spec)
            return -1;
    }
    return 0;
}

int
sh_cmd_chmod(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    int i, status = 0, first = 1;
    const char *spec = NULL;

    for (i = 1; i < argc; i++) {
        if (argv[i][0] == '-' && strchr("Rvcf", argv[i][1]) && argv[i][1]) {
            continue;
        }
        if (spec == NULL) {
            spec = argv[i];
            continue;
        }
        first = 0;
        struct vfs_node *f;
        int rc = vfs_lookup(sh->fs, sh->cwd, argv[i], 1, &f);
        uint16_t m;
        if (rc != 0) {
            sh_err(io, "chmod: cannot access '%s': %s\n", argv[i],
                   vfs_strerror(rc));
            status = 1;
            continue;
        }
        m = f->mode;
        if (apply_mode(spec, &m) != 0) {
            sh_err(io, "chmod: invalid mode: '%s'\nTry 'chmod --help' for "
                       "more information.\n",
                   spec);
            return 1;
        }
        if (sh->uid != 0 && f->uid != sh->uid) {
            sh_err(io, "chmod: changing permissions of '%s': Operation not "
                       "permitted\n",
                   argv[i]);
            status = 1;
            continue;
        }
        f->mode = m;
    }
    if (first) {
        sh_err(io, spec ? "chmod: missing operand after '%s'\nTry 'chmod "
                          "--help' for more information.\n"
                        : "chmod: missing operand%s\nTry 'chmod --help' for "
                          "more information.\n",
               spec ? spec : "");
        return 1;
    }
    return status;
}

int
sh_cmd_chown(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    OPTS(n);
    int i, status = 0;
    for (i = 1; i < n; i++) {
        struct vfs_node *f;
        int rc = vfs_lookup(sh->fs, sh->cwd, ops[i], 1, &f);
        if (rc == 0 && sh->uid != 0)
            rc = -EPERM;
        if (rc != 0) {
            sh_err(io, "%s: %s '%s': %s\n", argv[0],
                   rc == -EPERM ? "changing ownership of" : "cannot access",
                   ops[i], vfs_strerror(rc));
            status = 1;
            continue;
        }
        if (strncmp(ops[0], "root", 4) == 0)
            f->uid = f->gid = 0;
    }
    if (n < 2) {
        sh_err(io, "%s: missing operand\nTry '%s --help' for more "
                   "information.\n",
               argv[0], argv[0]);
        status = 1;
    }
    free(ops);
    return status;
}

int
sh_cmd_ln(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    OPTS(n);
    int status = 0;
    if (n == 2) {
        int rc = vfs_symlink(sh->fs, sh->cwd, ops[0], ops[1], sh->uid,
                             sh_now());
        if (rc != 0) {
            sh_err(io, "ln: failed to create symbolic link '%s': %s\n",
                   ops[1], vfs_strerror(rc));
            status = 1;
        }
    } else {
        sh_err(io, "ln: missing file operand\nTry 'ln --help' for more "
                   "information.\n");
        status = 1;
    }
    free(ops);
    return status;
}

/* head/tail: -n N, -N, -c N */
static int
head_tail(struct sh *sh, struct sh_io *io, int argc, char **argv, int tail)
{
    long lines = 10, bytes = -1;
    char **files = calloc((size_t)argc + 1, sizeof(char *));
    int nf = 0, i, status;
    struct ap_buf b;

    if (files == NULL)
        return 1;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
            lines = strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
            bytes = strtol(argv[++i], NULL, 10);
        else if (strncmp(argv[i], "-n", 2) == 0)
            lines = strtol(argv[i] + 2, NULL, 10);
        else if (argv[i][0] == '-' && argv[i][1] >= '0' && argv[i][1] <= '9')
            lines = strtol(argv[i] + 1, NULL, 10);
        else
            files[nf++] = argv[i];
    }
    if (lines < 0)
        lines = -lines;
    ap_buf_init(&b, AP_LIMIT_SH_OUTPUT);
    status = sh_gather(sh, io, argv[0], nf, files, &b);
    const char *d = (const char *)ap_buf_data(&b);
    size_t len = ap_buf_len(&b), start = 0, end = len;
    if (bytes >= 0) {
        if (tail)
            start = len > (size_t)bytes ? len - (size_t)bytes : 0;
        else
            end = AP_MIN(len, (size_t)bytes);
    } else if (!tail) {
        long seen = 0;
        for (end = 0; end < len && seen < lines; end++)
            if (d[end] == '\n')
                seen++;
    } else {
        long seen = 0;
        size_t k = len;
        if (k > 0 && d[k - 1] == '\n')
            k--;
        while (k > 0) {
            if (d[k - 1] == '\n' && ++seen == lines)
                break;
            k--;
        }
        start = k;
    }
    ap_buf_append(io->out, d + start, end - start);
    ap_buf_release(&b);
    free(files);
    return status;
}

int
sh_cmd_head(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    return head_tail(sh, io, argc, argv, 0);
}

int
sh_cmd_tail(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    return head_tail(sh, io, argc, argv, 1);
}

int
sh_cmd_wc(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    OPTS(n);
    struct ap_buf b;
    size_t lines = 0, words = 0, k;
    int inword = 0, status;

    ap_buf_init(&b, AP_LIMIT_SH_OUTPUT);
    status = sh_gather(sh, io, "wc", n, ops, &b);
    for (k = 0; k < ap_buf_len(&b); k++) {
        char c = (char)ap_buf_data(&b)[k];
        if (c == '\n')
            lines++;
        if (c == ' ' || c == '\n' || c == '\t')
            inword = 0;
        else if (!inword) {
            inword = 1;
            words++;
        }
    }
    if (HAS('l') && !HAS('w') && !HAS('c'))
        sh_out(io, "%zu", lines);
    else if (HAS('c') && !HAS('l') && !HAS('w'))
        sh_out(io, "%zu", ap_buf_len(&b));
    else if (HAS('w') && !HAS('l') && !HAS('c'))
        sh_out(io, "%zu", words);
    else
        sh_out(io, n ? "%zu %zu %zu" : "      %zu       %zu      %zu", lines,
               words, ap_buf_len(&b));
    sh_out(io, n == 1 ? " %s\n" : "%s\n", n == 1 ? ops[0] : "");
    ap_buf_release(&b);
    free(ops);
    return status;
}

int
sh_cmd_grep(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    char opts[64] = "";
    char **ops = calloc((size_t)argc + 1, sizeof(char *));
    int n, status, count = 0, flags = REG_NOSUB;
    regex_t re;
    struct ap_buf b;
    size_t k, start = 0;

    if (ops == NULL)
        return 2;
    n = getopts(argc, argv, opts, sizeof(opts), ops);
    if (n == 0) {
        sh_err(io, "Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep "
                   "--help' for more information.\n");
        free(ops);
        return 2;
    }
    if (HAS('E') || strcmp(argv[0], "egrep") == 0)
        flags |= REG_EXTENDED;
    if (HAS('i'))
        flags |= REG_ICASE;
    if (HAS('F')) {
        /* a fixed string: escape it into a basic regex */
        struct ap_buf pat;
        ap_buf_init(&pat, 4096);
        for (const char *c = ops[0]; *c; c++) {
            if (strchr(".[]*^$\\", *c))
                ap_buf_puts(&pat, "\\");
            ap_buf_append(&pat, c, 1);
        }
        status = regcomp(&re, ap_buf_cstr(&pat) ? ap_buf_cstr(&pat) : "",
                         flags & ~REG_EXTENDED);
        ap_buf_release(&pat);
    } else {
        status = regcomp(&re, ops[0], flags);
    }
    if (status != 0) {
        sh_err(io, "grep: Unmatched ( or \\(\n");
        free(ops);
        return 2;
    }
    ap_buf_init(&b, AP_LIMIT_SH_OUTPUT);
    status = sh_gather(sh, io, "grep", n - 1, ops + 1, &b) ? 2 : 0;
    ap_buf_cstr(&b);
    char *d = (char *)(uintptr_t)ap_buf_data(&b);
    size_t len = ap_buf_len(&b);
    for (k = 0; k <= len; k++) {
        if (k < len && d[k] != '\n')
            continue;
        if (k == len && start == len)
            break;
        char save = d[k];
        d[k] = '\0';
        int m = regexec(&re, d + start, 0, NULL, 0) == 0;
        if (m != HAS('v')) {
            count++;
            if (!HAS('c') && !HAS('q'))
                sh_out(io, "%s\n", d + start);
        }
        d[k] = save;
        start = k + 1;
    }
    if (HAS('c'))
        sh_out(io, "%d\n", count);
    regfree(&re);
    ap_buf_release(&b);
    free(ops);
    return status ? status : count ? 0 : 1;
}

int
sh_cmd_dd(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    const char *in = NULL, *of = NULL;
    long bs = 512, count = -1, skip = 0;
    struct ap_buf b;
    int i;
    size_t start, n;
    long blocks;

    for (i = 1; i < argc; i++) {
        if (strncmp(argv[i], "if=", 3) == 0)
            in = argv[i] + 3;
        else if (strncmp(argv[i], "of=", 3) == 0)
            of = argv[i] + 3;
        else if (strncmp(argv[i], "bs=", 3) == 0)
            bs = strtol(argv[i] + 3, NULL, 10);
        else if (strncmp(argv[i], "count=", 6) == 0)
            count = strtol(argv[i] + 6, NULL, 10);
        else if (strncmp(argv[i], "skip=", 5) == 0)
            skip = strtol(argv[i] + 5, NULL, 10);
    }
    if (bs <= 0 || bs > (long)AP_LIMIT_SH_OUTPUT)
        bs = 512;
    ap_buf_init(&b, AP_LIMIT_SH_OUTPUT);
    if (in) {
        char *files[1] = {(char *)(uintptr_t)in};
        struct vfs_node *nd;
        int rc = vfs_lookup(sh->fs, sh->cwd, in, 1, &nd);
        if (rc != 0) {
            sh_err(io, "dd: failed to open '%s': %s\n", in, vfs_strerror(rc));
            ap_buf_release(&b);
            return 1;
        }
        if (nd->type == VFS_CHR && strstr(in, "zero"))
            ; /* reading /dev/zero gives count*bs zero bytes below */
        else
            sh_gather(sh, io, "dd", 1, files, &b);
    } else {
        ap_buf_append(&b, io->in, io->inlen);
    }
    start = AP_MIN(ap_buf_len(&b), (size_t)(skip > 0 ? skip : 0) * (size_t)bs);
    n = ap_buf_len(&b) - start;
    if (count >= 0 && (size_t)count * (size_t)bs < n)
        n = (size_t)count * (size_t)bs;
    blocks = (long)((n + (size_t)bs - 1) / (size_t)bs);
    if (of) {
        struct vfs_node *f;
        int rc = vfs_open_write(sh->fs, sh->cwd, of, sh->uid, 0, sh_now(), &f);
        if (rc == 0)
            vfs_append(sh->fs, f, ap_buf_data(&b) + start, n);
        else
            sh_err(io, "dd: failed to open '%s': %s\n", of, vfs_strerror(rc));
    } else {
        ap_buf_append(io->out, ap_buf_data(&b) + start, n);
    }
    sh_err(io,
           "%ld+%d records in\n%ld+%d records out\n%zu bytes copied, "
           "0.000%03u s, %.1f kB/s\n",
           (long)(n / (size_t)bs), n % (size_t)bs ? 1 : 0,
           (long)(n / (size_t)bs), n % (size_t)bs ? 1 : 0, n,
           (unsigned)(100 + n % 800), (double)n / 0.4);
    AP_UNUSED(blocks);
    ap_buf_release(&b);
    return 0;
}

int
sh_cmd_md5sum(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    OPTS(n);
    int i, status = 0;
    char *stdin_name = "-";
    if (n == 0) {
        ops[0] = stdin_name;
        n = 1;
    }
    for (i = 0; i < n; i++) {
        struct ap_buf b;
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int mdlen = 0, k;
        ap_buf_init(&b, AP_LIMIT_SH_FS_BYTES);
        if (sh_gather(sh, io, "md5sum", 1, ops + i, &b) != 0) {
            status = 1;
        } else {
            EVP_Digest(ap_buf_data(&b), ap_buf_len(&b), md, &mdlen, EVP_md5(),
                       NULL);
            for (k = 0; k < mdlen; k++)
                sh_out(io, "%02x", md[k]);
            sh_out(io, "  %s\n", ops[i]);
        }
        ap_buf_release(&b);
    }
    free(ops);
    return status;
}

int
sh_cmd_tar(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    OPTS(n);
    int i;
    AP_UNUSED(sh);
    for (i = 0; i < n; i++) {
        struct vfs_node *f;
        if (vfs_lookup(sh->fs, sh->cwd, ops[i], 1, &f) != 0) {
            sh_err(io, "tar: %s: Cannot open: No such file or directory\n"
                       "tar: Error is not recoverable: exiting now\n",
                   ops[i]);
            free(ops);
            return 2;
        }
    }
    if (n == 0)
        sh_err(io, "tar: You must specify one of the '-Acdtrux', "
                   "'--delete' or '--test-label' options\nTry 'tar --help' "
                   "or 'tar --usage' for more information.\n");
    else
        sh_err(io, "\ngzip: stdin: not in gzip format\ntar: Child returned "
                   "status 1\ntar: Error is not recoverable: exiting now\n");
    free(ops);
    return 2;
}
