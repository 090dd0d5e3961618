/*
 * Downloads and wrappers.  wget/curl/tftp/ftpget record the URL (an
 * SH_EV_DOWNLOAD event) and never connect anywhere: they answer as the
 * real tool does when the server refuses the connection.  busybox, sh,
 * sudo, su, nohup run the rest of their command line in this shell.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sh_cmds.h"

#include "ap/common.h"

static void
record(struct sh *sh, const char *url, const char *file)
{
    if (sh->event)
        sh->event(sh->event_ctx, SH_EV_DOWNLOAD, url, file);
}

/* host part of an URL ("http://h:p/x" -> "h", port) */
static void
url_host(const char *url, char *host, size_t len, int *port)
{
    const char *p = strstr(url, "://");
    size_t n;
    *port = strncmp(url, "https", 5) == 0 ? 443 : strncmp(url, "ftp", 3) == 0 ? 21 : 80;
    p = p ? p + 3 : url;
    n = strcspn(p, ":/?#");
    snprintf(host, len, "%.*s", (int)n, p);
    if (p[n] == ':')
        *port = (int)strtol(p + n + 1, NULL, 10);
}

static int
is_ip(const char *h)
{
    return h[0] && strspn(h, "0123456789.") == strlen(h);
}

int
sh_cmd_wget(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    const char *url = NULL, *out = NULL;
    char host[256], when[32];
    time_t now = (time_t)sh_now();
    struct tm tm;
    int i, port, quiet = 0;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-O") == 0 && i + 1 < argc)
            out = argv[++i];
        else if (strncmp(argv[i], "-O", 2) == 0)
            out = argv[i] + 2;
        else if (strcmp(argv[i], "-q") == 0)
            quiet = 1;
        else if (argv[i][0] != '-')
            url = argv[i];
    }
    if (url == NULL) {
        sh_err(io, "wget: missing URL\nUsage: wget [OPTION]... [URL]...\n\n"
                   "Try `wget --help' for more options.\n");
        return 1;
    }
    record(sh, url, out);
    if (quiet)
        return 4;
    gmtime_r(&now, &tm);
    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
    url_host(url, host, sizeof(host), &port);
    sh_err(io, "--%s--  %s%s\n", when,
           strstr(url, "://") ? "" : "http://", url);
    if (!is_ip(host)) {
        sh_err(io, "Resolving %s (%s)... failed: Temporary failure in name "
                   "resolution.\nwget: unable to resolve host address '%s'\n",
               host, host, host);
        return 4;
    }
    sh_err(io, "Connecting to %s:%d... failed: Connection refused.\n", host,
           port);
    return 4;
}

int
sh_cmd_curl(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    const char *url = NULL, *out = NULL;
    char host[256];
    int i, port, silent = 0, remote_name = 0;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
            out = argv[++i];
        else if (strcmp(argv[i], "-O") == 0 ||
                 strcmp(argv[i], "--remote-name") == 0)
            remote_name = 1;
        else if (argv[i][0] == '-' && strchr(argv[i], 's') && argv[i][1] != '-')
            silent = 1;
        else if ((strcmp(argv[i], "-H") == 0 || strcmp(argv[i], "-d") == 0 ||
                  strcmp(argv[i], "-A") == 0 || strcmp(argv[i], "-X") == 0) &&
                 i + 1 < argc)
            i++;
        else if (argv[i][0] != '-')
            url = argv[i];
    }
    if (url == NULL) {
        sh_err(io, "curl: try 'curl --help' or 'curl --manual' for more "
                   "information\n");
        return 2;
    }
    if (remote_name && out == NULL) {
        const char *s = strrchr(url, '/');
        out = s && s[1] ? s + 1 : NULL;
    }
    record(sh, url, out);
    url_host(url, host, sizeof(host), &port);
    if (silent)
        return is_ip(host) ? 7 : 6;
    if (!is_ip(host)) {
        sh_err(io, "curl: (6) Could not resolve host: %s\n", host);
        return 6;
    }
    sh_err(io, "curl: (7) Failed to connect to %s port %d after 0 ms: "
               "Connection refused\n",
           host, port);
    return 7;
}

/* tftp and ftpget are not on the profile's hosts; a bot that calls them
 * still tells us the URL.  Through busybox they exist (busybox_applet). */
static int
not_found(struct sh *sh, struct sh_io *io, const char *name)
{
    if (sh->interactive)
        sh_err(io, "%s: command not found\n", name);
    else
        sh_err(io, "bash: line 1: %s: command not found\n", name);
    return 127;
}

static int busybox_applet;

int
sh_cmd_tftp(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    const char *host = NULL, *file = NULL, *local = NULL;
    char url[1024];
    int i;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-r") == 0 && i + 1 < argc)
            file = argv[++i];
        else if (strcmp(argv[i], "-l") == 0 && i + 1 < argc)
            local = argv[++i];
        else if (strcmp(argv[i], "-c") == 0 && i + 2 < argc &&
                 strcmp(argv[i + 1], "get") == 0) {
            file = argv[i + 2];
            i += 2;
        } else if (argv[i][0] != '-' && host == NULL)
            host = argv[i];
    }
    if (host && file) {
        snprintf(url, sizeof(url), "tftp://%s/%s", host, file);
        record(sh, url, local ? local : file);
    }
    if (!busybox_applet)
        return not_found(sh, io, argv[0]);
    sh_err(io, "tftp: timeout\n");
    return 1;
}

int
sh_cmd_ftpget(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    const char *ops[3] = {NULL, NULL, NULL};
    char url[1024];
    int i, n = 0;
    const char *port = "21";

    for (i = 1; i < argc; i++) {
        if ((strcmp(argv[i], "-u") == 0 || strcmp(argv[i], "-p") == 0) &&
            i + 1 < argc)
            i++;
        else if (strcmp(argv[i], "-P") == 0 && i + 1 < argc)
            port = argv[++i];
        else if (argv[i][0] != '-' && n < 3)
            ops[n++] = argv[i];
    }
    if (n >= 3) {
        snprintf(url, sizeof(url), "ftp://%s:%s/%s", ops[0], port, ops[2]);
        record(sh, url, ops[1]);
    }
    if (!busybox_applet)
        return not_found(sh, io, argv[0]);
    sh_err(io, "ftpget: can't connect to remote host (%s): Connection "
               "refused\n",
           ops[0] ? ops[0] : "");
    return 1;
}

int
sh_cmd_scp(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    AP_UNUSED(sh);
    AP_UNUSED(argc);
    AP_UNUSED(argv);
    sh_err(io, "usage: scp [-346ABCOpqRrsTv] [-c cipher] [-D sftp_server_path] "
               "[-F ssh_config]\n           [-i identity_file] [-J "
               "destination] [-l limit]\n           [-o ssh_option] [-P "
               "port] [-S program] source ... target\n");
    return 1;
}

int
sh_cmd_busybox(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    const struct sh_cmd *c;
    int rc;

    if (argc < 2) {
        sh_out(io, "%s\nBusyBox is copyrighted by many authors between "
                   "1998-2015.\nLicensed under GPLv2. See source "
                   "distribution for detailed\ncopyright notices.\n\nUsage: "
                   "busybox [function [arguments]...]\n   or: busybox "
                   "--list[-full]\n   or: busybox --install [-s] [DIR]\n   "
                   "or: function [arguments]...\n",
               sh->host->p->busybox);
        return 0;
    }
    c = sh_cmd_find(argv[1]);
    if (c == NULL || c->dir == NULL || strcmp(argv[1], "busybox") == 0 ||
        strcmp(argv[1], "bash") == 0 || strcmp(argv[1], "apt") == 0 ||
        strcmp(argv[1], "apt-get") == 0 || strcmp(argv[1], "curl") == 0 ||
        strcmp(argv[1], "lsb_release") == 0 || strcmp(argv[1], "systemctl") == 0) {
        /* builtins such as echo are applets too */
        if (c != NULL && c->dir == NULL)
            return c->fn(sh, io, argc - 1, argv + 1);
        sh_err(io, "%s: applet not found\n", argv[1]);
        return 127;
    }
    busybox_applet = 1;
    rc = c->fn(sh, io, argc - 1, argv + 1);
    busybox_applet = 0;
    return rc;
}

int
sh_cmd_sh(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    int i;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
            return sh_capture(sh, argv[i + 1], strlen(argv[i + 1]), io->out,
                              io->err);
        if (argv[i][0] != '-')
            return sh_run_script(sh, io, argv[i], argv[0]);
    }
    return 0; /* a new interactive shell: it reads the following lines */
}

int
sh_cmd_sudo(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    int i = 1;
    if (strcmp(argv[0], "su") == 0) {
        if (sh->uid != 0) {
            sh_err(io, "Password: \nsu: Authentication failure\n");
            return 1;
        }
        for (; i < argc; i++)
            if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
                return sh_capture(sh, argv[i + 1], strlen(argv[i + 1]),
                                  io->out, io->err);
        return 0;
    }
    if (sh->uid == 1001) {
        sh_err(io, "[sudo] password for %s: \nSorry, try again.\n", sh->user);
        return 1;
    }
    while (i < argc && argv[i][0] == '-')
        i++;
    if (i >= argc) {
        sh_err(io, "usage: sudo -h | -K | -k | -V\n");
        return 1;
    }
    return sh_run_argv(sh, io, argc - i, argv + i);
}

int
sh_cmd_nohup(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    if (argc < 2) {
        sh_err(io, "nohup: missing operand\nTry 'nohup --help' for more "
                   "information.\n");
        return 125;
    }
    sh_err(io, "nohup: ignoring input and appending output to 'nohup.out'\n");
    return sh_run_argv(sh, io, argc - 1, argv + 1);
}
