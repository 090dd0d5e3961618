/*
 * The command table and the shell builtins (echo, printf, cd, export,
 * test ...).  File commands are in sh_cmd_fs.c, system information in
 * sh_cmd_sys.c, downloads and wrappers (busybox, sudo, sh) in
 * sh_cmd_net.c.  A name not in the table is "command not found", exactly
 * as bash says it, and is reported as an unknown command.
 */
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ap/err.h"
#include "ap/limits.h"
#include "sh.h"
#include "sh_cmds.h"

#include "ap/common.h"

/* echo's and printf's backslash escapes; returns 1 when \c ends output. */
int
sh_unescape(struct ap_buf *out, const char *s, int octal_needs_zero)
{
    for (; *s; s++) {
        unsigned v = 0;
        int k;
        char c;
        if (*s != '\\' || s[1] == '\0') {
            ap_buf_append(out, s, 1);
            continue;
        }
        switch (*++s) {
        case 'n': c = '\n'; break;
        case 't': c = '\t'; break;
        case 'r': c = '\r'; break;
        case 'a': c = '\a'; break;
        case 'b': c = '\b'; break;
        case 'f': c = '\f'; break;
        case 'v': c = '\v'; break;
        case 'e': c = 033; break;
        case '\\': c = '\\'; break;
        case 'c': return 1;
        case 'x':
            for (k = 0; k < 2 && strchr("0123456789abcdefABCDEF", s[1]) &&
                        s[1];
                 k++) {
                char h = *++s;
                v = v * 16 + (unsigned)(h <= '9' ? h - '0' : (h | 32) - 'a' + 10);
            }
            if (k == 0) {
                ap_buf_append(out, "\\x", 2);
                continue;
            }
            c = (char)v;
            break;
        case '0': case '1': case '2': case '3':
        case '4': case '5': case '6': case '7': {
            const char *q = s;
            if (octal_needs_zero) {
                /* echo -e knows only \0NNN */
                if (*s != '0') {
                    ap_buf_append(out, s - 1, 2);
                    continue;
                }
                q = s + 1;
            }
            for (k = 0; k < 3 && *q >= '0' && *q <= '7'; k++, q++)
                v = v * 8 + (unsigned)(*q - '0');
            s = q - 1;
            c = (char)v;
            break;
        }
        default:
            ap_buf_append(out, s - 1, 2);
            continue;
        }
        ap_buf_append(out, &c, 1);
    }
    return 0;
}

static int
cmd_echo(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    int i = 1, nl = 1, esc = 0, j;
    AP_UNUSED(sh);
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        for (j = 1; argv[i][j] && strchr("neE", argv[i][j]); j++)
            ;
        if (argv[i][j])
            break;
        for (j = 1; argv[i][j]; j++) {
            if (argv[i][j] == 'n')
                nl = 0;
            else if (argv[i][j] == 'e')
                esc = 1;
            else
                esc = 0;
        }
    }
    for (; i < argc; i++) {
        if (esc) {
            if (sh_unescape(io->out, argv[i], 1))
                return 0;
        } else {
            ap_buf_puts(io->out, argv[i]);
        }
        if (i + 1 < argc)
            ap_buf_puts(io->out, " ");
    }
    if (nl)
        ap_buf_puts(io->out, "\n");
    return 0;
}

/* printf FORMAT [ARG...]: %s %d %i %x %o %c %% and escapes, the format
 * reused while arguments remain. */
static int
cmd_printf(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    int ai = 2, rounds = 0;
    AP_UNUSED(sh);
    if (argc < 2) {
        sh_err(io, "printf: usage: printf [-v var] format [arguments]\n");
        return 2;
    }
    do {
        const char *f = argv[1];
        struct ap_buf lit;
        ap_buf_init(&lit, 65536);
        for (; *f; f++) {
            if (*f != '%') {
                ap_buf_append(&lit, f, 1);
                continue;
            }
            ap_buf_cstr(&lit);
            sh_unescape(io->out, (const char *)ap_buf_data(&lit), 0);
            ap_buf_reset(&lit);
            f++;
            while (*f && strchr("-+ #0123456789.", *f))
                f++;
            const char *arg = ai < argc ? argv[ai] : NULL;
            switch (*f) {
            case '%': ap_buf_puts(io->out, "%"); continue;
            case 's': ap_buf_puts(io->out, arg ? arg : ""); break;
            case 'b':
                if (arg)
                    sh_unescape(io->out, arg, 1);
                break;
            case 'c':
                if (arg && arg[0])
                    ap_buf_append(io->out, arg, 1);
                break;
            case 'd': case 'i':
                ap_buf_printf(io->out, "%lld", arg ? strtoll(arg, NULL, 0) : 0);
                break;
            case 'u':
                ap_buf_printf(io->out, "%llu", arg ? strtoull(arg, NULL, 0) : 0);
                break;
            case 'x':
                ap_buf_printf(io->out, "%llx", arg ? strtoull(arg, NULL, 0) : 0);
                break;
            case 'X':
                ap_buf_printf(io->out, "%llX", arg ? strtoull(arg, NULL, 0) : 0);
                break;
            case 'o':
                ap_buf_printf(io->out, "%llo", arg ? strtoull(arg, NULL, 0) : 0);
                break;
            case '\0':
                f--;
                continue;
            default:
                continue;
            }
            ai++;
        }
        ap_buf_cstr(&lit);
        sh_unescape(io->out, (const char *)ap_buf_data(&lit), 0);
        ap_buf_release(&lit);
    } while (ai < argc && ++rounds < 1000);
    return 0;
}

static int
cmd_cd(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : sh->home;
    struct vfs_node *n;
    char path[4096];
    int rc;

    if (argc > 2) {
        sh_err(io, "-bash: cd: too many arguments\n");
        return 1;
    }
    if (strcmp(dir, "-") == 0) {
        const char *old = sh_getvar(sh, "OLDPWD");
        if (old == NULL) {
            sh_err(io, "-bash: cd: OLDPWD not set\n");
            return 1;
        }
        dir = old;
        sh_out(io, "%s\n", old);
    }
    rc = vfs_lookup(sh->fs, sh->cwd, dir, 1, &n);
    if (rc == 0 && n->type != VFS_DIR)
        rc = -ENOTDIR;
    if (rc == 0 && !(sh->uid == 0 || (n->uid == sh->uid && (n->mode & 0100)) ||
                     (n->mode & 0001)))
        rc = -EACCES;
    if (rc != 0) {
        sh_err(io, "-bash: cd: %s: %s\n", dir, vfs_strerror(rc));
        return 1;
    }
    vfs_path(n, path, sizeof(path));
    sh_setvar(sh, "OLDPWD", sh->cwd, 1);
    snprintf(sh->cwd, sizeof(sh->cwd), "%s", path);
    sh_setvar(sh, "PWD", sh->cwd, 1);
    return 0;
}

static int
cmd_pwd(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    AP_UNUSED(argc);
    AP_UNUSED(argv);
    sh_out(io, "%s\n", sh->cwd);
    return 0;
}

static int
cmd_true(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    AP_UNUSED(sh);
    AP_UNUSED(io);
    AP_UNUSED(argc);
    AP_UNUSED(argv);
    return 0;
}

static int
cmd_false(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    AP_UNUSED(sh);
    AP_UNUSED(io);
    AP_UNUSED(argc);
    AP_UNUSED(argv);
    return 1;
}

static int
cmd_exit(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    AP_UNUSED(io);
    sh->exit_req = 1;
    if (sh->interactive && sh->depth == 0)
        sh_out(io, "logout\n");
    return argc > 1 ? (int)(strtol(argv[1], NULL, 10) & 255) : sh->status;
}

static int
cmd_export(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    int i;
    if (argc == 1 || (argc == 2 && strcmp(argv[1], "-p") == 0)) {
        size_t k;
        for (k = 0; k < sh->nvars; k++)
            if (sh->vars[k].exported)
                sh_out(io, "declare -x %s=\"%s\"\n", sh->vars[k].name,
                       sh->vars[k].value);
        return 0;
    }
    for (i = 1; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (argv[i][0] == '-')
            continue;
        if (eq) {
            *eq = '\0';
            sh_setvar(sh, argv[i], eq + 1, 1);
            *eq = '=';
        } else {
            sh_setvar(sh, argv[i], NULL, 1);
        }
    }
    return 0;
}

static int
cmd_unset(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    int i;
    AP_UNUSED(io);
    for (i = 1; i < argc; i++)
        if (argv[i][0] != '-')
            sh_unsetvar(sh, argv[i]);
    return 0;
}

static int
cmd_history(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    size_t i;
    if (argc > 1 && strcmp(argv[1], "-c") == 0) {
        for (i = 0; i < sh->nhistory; i++)
            free(sh->history[i]);
        sh->nhistory = 0;
        return 0;
    }
    AP_UNUSED(argv);
    for (i = 0; i < sh->nhistory; i++)
        sh_out(io, "%5zu  %s\n", i + 1, sh->history[i]);
    return 0;
}

static int
cmd_sleep(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    double s, total = 0;
    char *end;
    int i;

    if (argc < 2) {
        sh_err(io, "sleep: missing operand\nTry 'sleep --help' for more "
                   "information.\n");
        return 1;
    }
    /* GNU sleep: the sum of its operands, each with an s/m/h/d suffix */
    for (i = 1; i < argc; i++) {
        s = strtod(argv[i], &end);
        if (end != argv[i] && *end && !end[1] && strchr("smhd", *end))
            s *= *end == 'm' ? 60 : *end == 'h' ? 3600 : *end == 'd' ? 86400 : 1;
        else if (end == argv[i] || *end || s != s || s < 0) {
            sh_err(io, "sleep: invalid time interval \xe2\x80\x98%s\xe2\x80\x99\n"
                       "Try 'sleep --help' for more information.\n",
                   argv[i]);
            return 1;
        }
        total += s;
    }
    /* the terminal waits this long, capped (AP_LIMIT_SH_SLEEP_MS) */
    total = total * 1000 + sh->delay_ms;
    sh->delay_ms = total > AP_LIMIT_SH_SLEEP_MS ? AP_LIMIT_SH_SLEEP_MS
                                                : (unsigned)total;
    return 0;
}

/* which/type/command -v */
static int
cmd_which(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    int i, status = 0, type = strcmp(argv[0], "type") == 0;
    AP_UNUSED(sh);
    for (i = 1; i < argc; i++) {
        const struct sh_cmd *c;
        if (argv[i][0] == '-')
            continue;
        c = sh_cmd_find(argv[i]);
        if (c == NULL || (c->dir && c->dir[0] == '\0')) {
            if (type)
                sh_err(io, "-bash: type: %s: not found\n", argv[i]);
            status = 1;
        } else if (c->dir == NULL || c->builtin) {
            if (type)
                sh_out(io, "%s is a shell builtin\n", argv[i]);
            else if (strcmp(argv[0], "command") == 0)
                sh_out(io, "%s\n", argv[i]);
            else if (c->dir)
                sh_out(io, "%s/%s\n", c->dir, argv[i]);
            else
                status = 1;
        } else if (type) {
            sh_out(io, "%s is %s/%s\n", argv[i], c->dir, argv[i]);
        } else {
            sh_out(io, "%s/%s\n", c->dir, argv[i]);
        }
    }
    return status;
}

static int
cmd_command(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "-v") == 0)
        return cmd_which(sh, io, argc - 1, argv + 1) ? 1 : 0;
    if (argc > 1)
        return sh_run_argv(sh, io, argc - 1, argv + 1);
    return 0;
}

/* test / [ : files, strings, integers, ! -a -o (no parentheses) */
static int
test_unary(struct sh *sh, const char *op, const char *arg)
{
    struct vfs_node *n;
    int ok = vfs_lookup(sh->fs, sh->cwd, arg, 1, &n) == 0;
    switch (op[1]) {
    case 'e': return ok;
    case 'f': return ok && n->type == VFS_FILE;
    case 'd': return ok && n->type == VFS_DIR;
    case 'r': return ok && vfs_can_read(n, sh->uid);
    case 'w': return ok && vfs_can_write(n, sh->uid);
    case 'x': return ok && (n->mode & 0111);
    case 's': return ok && n->size > 0;
    case 'h':
    case 'L': return vfs_lookup(sh->fs, sh->cwd, arg, 0, &n) == 0 &&
                     n->type == VFS_LINK;
    case 'c': return ok && n->type == VFS_CHR;
    case 'z': return arg[0] == '\0';
    case 'n': return arg[0] != '\0';
    }
    return 0;
}

static int
test_expr(struct sh *sh, int argc, char **argv)
{
    int i;
    for (i = 0; i < argc; i++) {
        if (strcmp(argv[i], "-o") == 0)
            return test_expr(sh, i, argv) || test_expr(sh, argc - i - 1, argv + i + 1);
    }
    for (i = 0; i < argc; i++) {
        if (strcmp(argv[i], "-a") == 0)
            return test_expr(sh, i, argv) && test_expr(sh, argc - i - 1, argv + i + 1);
    }
    if (argc > 0 && strcmp(argv[0], "!") == 0)
        return !test_expr(sh, argc - 1, argv + 1);
    if (argc == 0)
        return 0;
    if (argc == 1)
        return argv[0][0] != '\0';
    if (argc == 2 && argv[0][0] == '-' && argv[0][1] && !argv[0][2])
        return test_unary(sh, argv[0], argv[1]);
    if (argc == 3) {
        const char *op = argv[1];
        long long a = strtoll(argv[0], NULL, 10), b = strtoll(argv[2], NULL, 10);
        if (strcmp(op, "=") == 0 || strcmp(op, "==") == 0)
            return strcmp(argv[0], argv[2]) == 0;
        if (strcmp(op, "!=") == 0)
            return strcmp(argv[0], argv[2]) != 0;
        if (strcmp(op, "-eq") == 0) return a == b;
        if (strcmp(op, "-ne") == 0) return a != b;
        if (strcmp(op, "-lt") == 0) return a < b;
        if (strcmp(op, "-le") == 0) return a <= b;
        if (strcmp(op, "-gt") == 0) return a > b;
        if (strcmp(op, "-ge") == 0) return a >= b;
    }
    return 0;
}

static int
cmd_test(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    if (strcmp(argv[0], "[") == 0) {
        if (strcmp(argv[argc - 1], "]") != 0) {
            sh_err(io, "-bash: [: missing `]'\n");
            return 2;
        }
        argc--;
    }
    return test_expr(sh, argc - 1, argv + 1) ? 0 : 1;
}

/* . FILE / source FILE: run a script from the session file system */
static int
cmd_source(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    if (argc < 2) {
        sh_err(io, "-bash: %s: filename argument required\n", argv[0]);
        return 2;
    }
    return sh_run_script(sh, io, argv[1], argv[0]);
}

static int
cmd_set(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    size_t k;
    AP_UNUSED(argv);
    if (argc > 1)
        return 0;
    for (k = 0; k < sh->nvars; k++)
        sh_out(io, "%s=%s\n", sh->vars[k].name, sh->vars[k].value);
    return 0;
}

/* Builtins and commands, sorted by name for bsearch. */
const struct sh_cmd sh_cmds[] = {
    {".", cmd_source, NULL, 0},
    {"[", cmd_test, "/usr/bin", 1},
    {"alias", cmd_true, NULL, 0},
    {"apt", sh_cmd_apt, "/usr/bin", 0},
    {"apt-get", sh_cmd_apt, "/usr/bin", 0},
    {"arch", sh_cmd_uname, "/usr/bin", 0},
    {"awk", sh_cmd_awk, "/usr/bin", 0},
    {"base64", sh_cmd_base64, "/usr/bin", 0},
    {"bash", sh_cmd_sh, "/usr/bin", 0},
    {"busybox", sh_cmd_busybox, "/usr/bin", 0},
    {"cat", sh_cmd_cat, "/usr/bin", 0},
    {"cd", cmd_cd, NULL, 0},
    {"chattr", cmd_true, "/usr/bin", 0},
    {"chgrp", sh_cmd_chown, "/usr/bin", 0},
    {"chmod", sh_cmd_chmod, "/usr/bin", 0},
    {"chown", sh_cmd_chown, "/usr/bin", 0},
    {"chpasswd", sh_cmd_chpasswd, "/usr/sbin", 0},
    {"clear", sh_cmd_clear, "/usr/bin", 0},
    {"command", cmd_command, NULL, 0},
    {"cp", sh_cmd_cp, "/usr/bin", 0},
    {"crontab", sh_cmd_crontab, "/usr/bin", 0},
    {"curl", sh_cmd_curl, "/usr/bin", 0},
    {"cut", sh_cmd_cut, "/usr/bin", 0},
    {"dash", sh_cmd_sh, "/usr/bin", 0},
    {"date", sh_cmd_date, "/usr/bin", 0},
    {"dd", sh_cmd_dd, "/usr/bin", 0},
    {"df", sh_cmd_df, "/usr/bin", 0},
    {"dmesg", sh_cmd_dmesg, "/usr/bin", 0},
    {"echo", cmd_echo, "/usr/bin", 1},
    {"env", sh_cmd_env, "/usr/bin", 0},
    {"exit", cmd_exit, NULL, 0},
    {"export", cmd_export, NULL, 0},
    {"false", cmd_false, "/usr/bin", 1},
    {"free", sh_cmd_free, "/usr/bin", 0},
    {"ftpget", sh_cmd_ftpget, "", 0},
    {"getconf", sh_cmd_getconf, "/usr/bin", 0},
    {"grep", sh_cmd_grep, "/usr/bin", 0},
    {"head", sh_cmd_head, "/usr/bin", 0},
    {"history", cmd_history, NULL, 0},
    {"hostname", sh_cmd_hostname, "/usr/bin", 0},
    {"id", sh_cmd_id, "/usr/bin", 0},
    {"ifconfig", sh_cmd_ifconfig, "/usr/sbin", 0},
    {"ip", sh_cmd_ip, "/usr/sbin", 0},
    {"iptables", sh_cmd_iptables, "/usr/sbin", 0},
    {"kill", sh_cmd_kill, "/usr/bin", 1},
    {"killall", sh_cmd_kill, "/usr/bin", 0},
    {"last", sh_cmd_last, "/usr/bin", 0},
    {"ln", sh_cmd_ln, "/usr/bin", 0},
    {"logout", cmd_exit, NULL, 0},
    {"ls", sh_cmd_ls, "/usr/bin", 0},
    {"lscpu", sh_cmd_lscpu, "/usr/bin", 0},
    {"lsb_release", sh_cmd_lsb_release, "/usr/bin", 0},
    {"md5sum", sh_cmd_md5sum, "/usr/bin", 0},
    {"mkdir", sh_cmd_mkdir, "/usr/bin", 0},
    {"mount", sh_cmd_mount, "/usr/bin", 0},
    {"mv", sh_cmd_mv, "/usr/bin", 0},
    {"netstat", sh_cmd_netstat, "/usr/bin", 0},
    {"nohup", sh_cmd_nohup, "/usr/bin", 0},
    {"nproc", sh_cmd_nproc, "/usr/bin", 0},
    {"passwd", sh_cmd_passwd, "/usr/bin", 0},
    {"perl", sh_cmd_perl, "/usr/bin", 0},
    {"pgrep", sh_cmd_pkill, "/usr/bin", 0},
    {"pkill", sh_cmd_pkill, "/usr/bin", 0},
    {"printf", cmd_printf, "/usr/bin", 1},
    {"ps", sh_cmd_ps, "/usr/bin", 0},
    {"pwd", cmd_pwd, "/usr/bin", 1},
    {"python3", sh_cmd_python3, "/usr/bin", 0},
    {"rm", sh_cmd_rm, "/usr/bin", 0},
    {"rmdir", sh_cmd_rmdir, "/usr/bin", 0},
    {"scp", sh_cmd_scp, "/usr/bin", 0},
    {"sed", sh_cmd_sed, "/usr/bin", 0},
    {"service", sh_cmd_service, "/usr/sbin", 0},
    {"set", cmd_set, NULL, 0},
    {"sh", sh_cmd_sh, "/usr/bin", 0},
    {"sleep", cmd_sleep, "/usr/bin", 0},
    {"sort", sh_cmd_sort, "/usr/bin", 0},
    {"source", cmd_source, NULL, 0},
    {"ss", sh_cmd_netstat, "/usr/bin", 0},
    {"su", sh_cmd_sudo, "/usr/bin", 0},
    {"sudo", sh_cmd_sudo, "/usr/bin", 0},
    {"systemctl", sh_cmd_service, "/usr/bin", 0},
    {"tail", sh_cmd_tail, "/usr/bin", 0},
    {"tar", sh_cmd_tar, "/usr/bin", 0},
    {"test", cmd_test, "/usr/bin", 1},
    {"tftp", sh_cmd_tftp, "", 0},
    {"top", sh_cmd_ps, "/usr/bin", 0},
    {"touch", sh_cmd_touch, "/usr/bin", 0},
    {"tr", sh_cmd_tr, "/usr/bin", 0},
    {"true", cmd_true, "/usr/bin", 1},
    {"type", cmd_which, NULL, 0},
    {"ulimit", sh_cmd_ulimit, NULL, 0},
    {"uname", sh_cmd_uname, "/usr/bin", 0},
    {"uniq", sh_cmd_uniq, "/usr/bin", 0},
    {"unset", cmd_unset, NULL, 0},
    {"uptime", sh_cmd_uptime, "/usr/bin", 0},
    {"useradd", sh_cmd_useradd, "/usr/sbin", 0},
    {"w", sh_cmd_w, "/usr/bin", 0},
    {"wc", sh_cmd_wc, "/usr/bin", 0},
    {"wget", sh_cmd_wget, "/usr/bin", 0},
    {"which", cmd_which, "/usr/bin", 0},
    {"who", sh_cmd_w, "/usr/bin", 0},
    {"whoami", sh_cmd_whoami, "/usr/bin", 0},
    {"xargs", sh_cmd_xargs, "/usr/bin", 0},
};
const size_t sh_ncmds = AP_ARRAY_SIZE(sh_cmds);

static int
cmd_cmp(const void *key, const void *elem)
{
    return strcmp((const char *)key, ((const struct sh_cmd *)elem)->name);
}

const struct sh_cmd *
sh_cmd_find(const char *name)
{
    return bsearch(name, sh_cmds, sh_ncmds, sizeof(sh_cmds[0]), cmd_cmp);
}

/* "./x", "/tmp/x", "sh x": a script from the file system runs as shell
 * text (it is the attacker's own, so still nothing real executes); an
 * ELF binary that is not one of ours cannot be run on this "CPU". */
int
sh_run_script(struct sh *sh, struct sh_io *io, const char *path,
              const char *who)
{
    struct vfs_node *n;
    struct ap_buf src;
    int rc;

    rc = vfs_lookup(sh->fs, sh->cwd, path, 1, &n);
    if (rc == 0 && n->type == VFS_DIR)
        rc = -EISDIR;
    if (rc != 0) {
        sh_err(io, "%s: %s: %s\n", who, path, vfs_strerror(rc));
        return 127;
    }
    ap_buf_init(&src, 1u << 20);
    sh_read_node(sh, n, &src);
    if (ap_buf_len(&src) >= 4 && memcmp(ap_buf_data(&src), "\x7f" "ELF", 4) == 0) {
        ap_buf_release(&src);
        sh_err(io, "%s: %s: cannot execute binary file: Exec format error\n",
               who, path);
        return 126;
    }
    rc = sh_capture(sh, (const char *)ap_buf_data(&src), ap_buf_len(&src),
                    io->out, io->err);
    ap_buf_release(&src);
    return rc < 0 ? 2 : rc;
}

int
sh_run_argv(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    const struct sh_cmd *c;
    const char *name = argv[0];
    int st;

    if (strchr(name, '/') != NULL) {
        struct vfs_node *n;
        const char *base = strrchr(name, '/') + 1;
        int rc = vfs_lookup(sh->fs, sh->cwd, name, 1, &n);
        if (rc == 0 && n->type == VFS_DIR)
            rc = -EISDIR;
        if (rc != 0) {
            sh->unknown = rc != -EISDIR; /* Cowrie's command.failed */
            sh_err(io, "-bash: %s: %s\n", name, vfs_strerror(rc));
            return rc == -EISDIR ? 126 : 127;
        }
        if (!(n->mode & 0111) && n->type == VFS_FILE) {
            sh_err(io, "-bash: %s: Permission denied\n", name);
            return 126;
        }
        if (n->gen == VFS_GEN_ELF && (c = sh_cmd_find(base)) != NULL)
            return c->fn(sh, io, argc, argv);
        return sh_run_script(sh, io, name, "-bash");
    }
    if ((st = sh_call_function(sh, io, argc, argv)) >= 0)
        return st;
    c = sh_cmd_find(name);
    if (c == NULL) {
        sh->unknown = 1;
        if (sh->event)
            sh->event(sh->event_ctx, SH_EV_UNKNOWN, name, NULL);
        if (sh->interactive)
            sh_err(io, "%s: command not found\n", name);
        else
            sh_err(io, "bash: line 1: %s: command not found\n", name);
        return 127;
    }
    return c->fn(sh, io, argc, argv);
}
