/*
 * Administration commands bots run after login: password changes,
 * accounts, services, firewall, packages.  Root "succeeds" the way the
 * real tools do (mostly silently); other users get the real refusals.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sh_cmds.h"

#include "ap/common.h"

int
sh_cmd_passwd(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    AP_UNUSED(argv);
    if (sh->uid != 0 && argc > 1) {
        sh_err(io, "passwd: You may not view or modify password information "
                   "for %s.\n",
               argv[1]);
        return 1;
    }
    /* no tty to read the new password from in this emulation */
    sh_out(io, "New password: \nRetype new password: \n");
    sh_err(io, "passwd: Authentication token manipulation error\npasswd: "
               "password unchanged\n");
    return 10;
}

int
sh_cmd_chpasswd(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    AP_UNUSED(argc);
    AP_UNUSED(argv);
    if (sh->uid != 0) {
        sh_err(io, "chpasswd: (user %s) pam_chauthtok() failed, error:\n"
                   "Authentication token manipulation error\nchpasswd: (line "
                   "1, user %s) password not changed\n",
               sh->user, sh->user);
        return 1;
    }
    return 0;
}

int
sh_cmd_useradd(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    const char *name = NULL;
    struct vfs_node *f;
    int i;

    for (i = 1; i < argc; i++) {
        if (argv[i][0] == '-') {
            if (strchr("dgGscuepk", argv[i][1]) && argv[i][1] && !argv[i][2])
                i++;
            continue;
        }
        name = argv[i];
    }
    if (sh->uid != 0) {
        sh_err(io, "useradd: Permission denied.\nuseradd: cannot lock "
                   "/etc/passwd; try again later.\n");
        return 1;
    }
    if (name == NULL) {
        sh_err(io, "Usage: useradd [options] LOGIN\n");
        return 2;
    }
    if (strchr(name, ':') || strchr(name, '\n') || strlen(name) > 32) {
        sh_err(io, "useradd: invalid user name '%s'\n", name);
        return 3;
    }
    if (vfs_open_write(sh->fs, "/", "/etc/passwd", 0, 1, sh_now(), &f) == 0) {
        char line[128];
        int w = snprintf(line, sizeof(line), "%s:x:1002:1002::/home/%s:/bin/sh\n",
                         name, name);
        if (w > 0 && (size_t)w < sizeof(line))
            vfs_append(sh->fs, f, line, (size_t)w);
    }
    return 0;
}

int
sh_cmd_service(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    int sysd = strcmp(argv[0], "systemctl") == 0;
    const char *unit = argc > (sysd ? 2 : 1) ? argv[sysd ? 2 : 1] : NULL;
    const char *verb = argc > (sysd ? 1 : 2) ? argv[sysd ? 1 : 2] : NULL;

    if (verb == NULL || unit == NULL) {
        if (!sysd)
            sh_err(io, "Usage: service < option > | --status-all | [ "
                       "service_name [ command | --full-restart ] ]\n");
        return sysd ? 0 : 1;
    }
    if (sh->uid != 0 && strcmp(verb, "status") != 0) {
        sh_err(io, "Failed to %s %s.service: Access denied\n", verb, unit);
        return 1;
    }
    if (strcmp(verb, "status") == 0) {
        sh_err(io, "Unit %s.service could not be found.\n", unit);
        return 4;
    }
    return 0;
}

int
sh_cmd_iptables(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    int i;
    if (sh->uid != 0) {
        sh_err(io, "iptables v1.8.7 (nf_tables): Could not fetch rule set "
                   "generation id: Permission denied (you must be root)\n\n");
        return 4;
    }
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-L") == 0) {
            sh_out(io, "Chain INPUT (policy ACCEPT)\ntarget     prot opt "
                       "source               destination         \n\nChain "
                       "FORWARD (policy ACCEPT)\ntarget     prot opt source  "
                       "             destination         \n\nChain OUTPUT "
                       "(policy ACCEPT)\ntarget     prot opt source          "
                       "     destination         \n");
            return 0;
        }
    }
    return 0;
}

int
sh_cmd_apt(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    int i;
    if (argc < 2) {
        sh_out(io, "apt 2.4.11 (amd64)\nUsage: apt [options] command\n");
        return 1;
    }
    if (sh->uid != 0 && strcmp(argv[1], "list") != 0) {
        sh_err(io, "E: Could not open lock file /var/lib/dpkg/lock-frontend "
                   "- open (13: Permission denied)\nE: Unable to acquire the "
                   "dpkg frontend lock (/var/lib/dpkg/lock-frontend), are you "
                   "root?\n");
        return 100;
    }
    if (strcmp(argv[1], "update") == 0) {
        /* no network: every mirror times out, like a firewalled host */
        sh_err(io, "Err:1 http://archive.ubuntu.com/ubuntu jammy InRelease\n"
                   "  Temporary failure resolving 'archive.ubuntu.com'\n"
                   "Reading package lists... Done\n"
                   "W: Some index files failed to download. They have been "
                   "ignored, or old ones used instead.\n");
        return 0;
    }
    sh_out(io, "Reading package lists... Done\nBuilding dependency tree... "
               "Done\nReading state information... Done\n");
    for (i = 2; i < argc; i++) {
        if (argv[i][0] == '-')
            continue;
        sh_err(io, "E: Unable to locate package %s\n", argv[i]);
        return 100;
    }
    return 0;
}
