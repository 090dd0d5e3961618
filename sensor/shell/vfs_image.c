/*
 * The static image every session starts from: the directories and files
 * of a stock cloud VM that bots look at (/etc, /proc, /tmp, /var/run ...).
 * Files that depend on the profile or the sensor (passwd, hostname,
 * os-release, cpuinfo) are generated from struct sh_host, so they agree
 * with uname, nproc, free and the SSH banner.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ap/buf.h"
#include "profile.h"
#include "vfs.h"

#include "ap/common.h"

struct img {
    const char *path;
    char type; /* d f l c */
    uint16_t mode;
    uint32_t uid;
    const char *data; /* file content or link target */
    enum vfs_gen gen;
};

static const struct img image[] = {
    {"/bin", 'l', 0777, 0, "usr/bin", 0},
    {"/boot", 'd', 0755, 0, NULL, 0},
    {"/dev", 'd', 0755, 0, NULL, 0},
    {"/dev/null", 'c', 0666, 0, NULL, 0},
    {"/dev/zero", 'c', 0666, 0, NULL, 0},
    {"/dev/random", 'c', 0666, 0, NULL, 0},
    {"/dev/urandom", 'c', 0666, 0, NULL, 0},
    {"/dev/tty", 'c', 0666, 0, NULL, 0},
    {"/dev/pts", 'd', 0755, 0, NULL, 0},
    {"/dev/shm", 'd', 01777, 0, NULL, 0},
    {"/etc", 'd', 0755, 0, NULL, 0},
    {"/etc/cron.d", 'd', 0755, 0, NULL, 0},
    {"/etc/crontab", 'f', 0644, 0,
     "# /etc/crontab: system-wide crontab\n"
     "SHELL=/bin/sh\n"
     "PATH=/usr/local/sbin:/usr/local/bin:/sbin:/bin:/usr/sbin:/usr/bin\n\n"
     "17 *\t* * *\troot    cd / && run-parts --report /etc/cron.hourly\n"
     "25 6\t* * *\troot\ttest -x /usr/sbin/anacron || ( cd / && run-parts "
     "--report /etc/cron.daily )\n",
     0},
    {"/etc/init.d", 'd', 0755, 0, NULL, 0},
    {"/etc/init.d/ssh", 'f', 0755, 0, "#! /bin/sh\n", 0},
    {"/etc/network", 'd', 0755, 0, NULL, 0},
    {"/etc/profile", 'f', 0644, 0,
     "# /etc/profile: system-wide .profile file for the Bourne shell (sh(1))\n"
     "if [ \"${PS1-}\" ]; then\n  if [ \"${BASH-}\" ] && [ \"$BASH\" != "
     "\"/bin/sh\" ]; then\n    if [ -f /etc/bash.bashrc ]; then\n      . "
     "/etc/bash.bashrc\n    fi\n  fi\nfi\n",
     0},
    {"/etc/resolv.conf", 'f', 0644, 0,
     "nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch .\n", 0},
    {"/etc/shells", 'f', 0644, 0,
     "# /etc/shells: valid login shells\n/bin/sh\n/bin/bash\n/usr/bin/bash\n"
     "/bin/rbash\n/usr/bin/rbash\n/usr/bin/sh\n/bin/dash\n/usr/bin/dash\n",
     0},
    {"/etc/ssh", 'd', 0755, 0, NULL, 0},
    {"/etc/ssh/sshd_config", 'f', 0644, 0,
     "Include /etc/ssh/sshd_config.d/*.conf\nKbdInteractiveAuthentication "
     "no\nUsePAM yes\nX11Forwarding yes\nPrintMotd no\nAcceptEnv LANG "
     "LC_*\nSubsystem\tsftp\t/usr/lib/openssh/sftp-server\n"
     "PasswordAuthentication yes\nPermitRootLogin yes\n",
     0},
    {"/etc/systemd", 'd', 0755, 0, NULL, 0},
    {"/etc/systemd/system", 'd', 0755, 0, NULL, 0},
    {"/home", 'd', 0755, 0, NULL, 0},
    {"/lib", 'l', 0777, 0, "usr/lib", 0},
    {"/lib64", 'l', 0777, 0, "usr/lib64", 0},
    {"/lost+found", 'd', 0700, 0, NULL, 0},
    {"/media", 'd', 0755, 0, NULL, 0},
    {"/mnt", 'd', 0755, 0, NULL, 0},
    {"/opt", 'd', 0755, 0, NULL, 0},
    {"/proc", 'd', 0555, 0, NULL, 0},
    {"/proc/cpuinfo", 'f', 0444, 0, NULL, VFS_GEN_CPUINFO},
    {"/proc/meminfo", 'f', 0444, 0, NULL, VFS_GEN_MEMINFO},
    {"/proc/uptime", 'f', 0444, 0, NULL, VFS_GEN_UPTIME},
    {"/proc/version", 'f', 0444, 0, NULL, VFS_GEN_VERSION},
    {"/proc/loadavg", 'f', 0444, 0, NULL, VFS_GEN_LOADAVG},
    {"/proc/mounts", 'f', 0444, 0, NULL, VFS_GEN_MOUNTS},
    {"/proc/self", 'd', 0555, 0, NULL, 0},
    {"/proc/self/exe", 'l', 0777, 0, "/usr/bin/bash", 0},
    {"/proc/self/mounts", 'f', 0444, 0, NULL, VFS_GEN_MOUNTS},
    {"/proc/sys", 'd', 0555, 0, NULL, 0},
    {"/root", 'd', 0700, 0, NULL, 0},
    {"/root/.bashrc", 'f', 0644, 0,
     "# ~/.bashrc: executed by bash(1) for non-login shells.\n\n"
     "[ -z \"$PS1\" ] && return\n\nHISTCONTROL=ignoredups:ignorespace\n"
     "shopt -s histappend\nHISTSIZE=1000\nHISTFILESIZE=2000\n",
     0},
    {"/root/.profile", 'f', 0644, 0,
     "# ~/.profile: executed by Bourne-compatible login shells.\n\nif [ "
     "\"$BASH\" ]; then\n  if [ -f ~/.bashrc ]; then\n    . ~/.bashrc\n  "
     "fi\nfi\n\nmesg n 2> /dev/null || true\n",
     0},
    {"/root/.ssh", 'd', 0700, 0, NULL, 0},
    {"/root/.ssh/authorized_keys", 'f', 0600, 0, "", 0},
    {"/run", 'd', 0755, 0, NULL, 0},
    {"/run/lock", 'd', 01777, 0, NULL, 0},
    {"/run/sshd.pid", 'f', 0644, 0, "812\n", 0},
    {"/sbin", 'l', 0777, 0, "usr/sbin", 0},
    {"/snap", 'd', 0755, 0, NULL, 0},
    {"/srv", 'd', 0755, 0, NULL, 0},
    {"/sys", 'd', 0555, 0, NULL, 0},
    {"/sys/class", 'd', 0755, 0, NULL, 0},
    {"/sys/devices", 'd', 0755, 0, NULL, 0},
    {"/sys/kernel", 'd', 0755, 0, NULL, 0},
    {"/tmp", 'd', 01777, 0, NULL, 0},
    {"/usr", 'd', 0755, 0, NULL, 0},
    {"/usr/bin", 'd', 0755, 0, NULL, 0},
    {"/usr/games", 'd', 0755, 0, NULL, 0},
    {"/usr/include", 'd', 0755, 0, NULL, 0},
    {"/usr/lib", 'd', 0755, 0, NULL, 0},
    {"/usr/lib/init", 'd', 0755, 0, NULL, 0},
    {"/usr/lib/init/rw", 'd', 0755, 0, NULL, 0},
    {"/usr/lib/openssh", 'd', 0755, 0, NULL, 0},
    {"/usr/lib/openssh/sftp-server", 'f', 0755, 0, NULL, VFS_GEN_ELF},
    {"/usr/lib64", 'd', 0755, 0, NULL, 0},
    {"/usr/local", 'd', 0755, 0, NULL, 0},
    {"/usr/local/bin", 'd', 0755, 0, NULL, 0},
    {"/usr/local/sbin", 'd', 0755, 0, NULL, 0},
    {"/usr/sbin", 'd', 0755, 0, NULL, 0},
    {"/usr/share", 'd', 0755, 0, NULL, 0},
    {"/usr/src", 'd', 0755, 0, NULL, 0},
    {"/var", 'd', 0755, 0, NULL, 0},
    {"/var/backups", 'd', 0755, 0, NULL, 0},
    {"/var/cache", 'd', 0755, 0, NULL, 0},
    {"/var/lib", 'd', 0755, 0, NULL, 0},
    {"/var/local", 'd', 02775, 0, NULL, 0},
    {"/var/lock", 'l', 0777, 0, "/run/lock", 0},
    {"/var/log", 'd', 0775, 0, NULL, 0},
    {"/var/log/auth.log", 'f', 0640, 0, "", 0},
    {"/var/log/syslog", 'f', 0640, 0, "", 0},
    {"/var/mail", 'd', 02775, 0, NULL, 0},
    {"/var/opt", 'd', 0755, 0, NULL, 0},
    {"/var/run", 'l', 0777, 0, "/run", 0},
    {"/var/spool", 'd', 0755, 0, NULL, 0},
    {"/var/spool/cron", 'd', 0755, 0, NULL, 0},
    {"/var/spool/cron/crontabs", 'd', 01730, 0, NULL, 0},
    {"/var/tmp", 'd', 01777, 0, NULL, 0},
    {"/var/www", 'd', 0755, 0, NULL, 0},
};

static int
add_entry(struct vfs *fs, const char *path, char type, uint16_t mode,
          uint32_t uid, const char *data, size_t len, int copy,
          enum vfs_gen gen, int64_t mtime)
{
    char dir[256];
    const char *slash = strrchr(path, '/');
    struct vfs_node *parent, *n;
    enum vfs_type t = type == 'd'   ? VFS_DIR
                      : type == 'l' ? VFS_LINK
                      : type == 'c' ? VFS_CHR
                                    : VFS_FILE;
    size_t dl = (size_t)(slash - path);

    if (dl >= sizeof(dir))
        return -1;
    memcpy(dir, path, dl);
    dir[dl] = '\0';
    if (vfs_lookup(fs, "/", dl ? dir : "/", 1, &parent) != 0)
        return -1;
    if ((n = vfs_add(fs, parent, slash + 1, t, mode, uid, mtime)) == NULL)
        return -1;
    n->gen = gen;
    if (t == VFS_LINK) {
        if ((n->target = strdup(data)) == NULL)
            return -1;
    } else if (t == VFS_FILE && data) {
        if (copy) {
            if ((n->owned = malloc(len ? len : 1)) == NULL)
                return -1;
            memcpy(n->owned, data, len);
            n->data = n->owned;
            fs->bytes += len;
        } else {
            n->data = (const uint8_t *)data;
        }
        n->size = len;
    }
    return 0;
}

/* Files generated from the profile and the sensor's identity. */
static int
add_generated(struct vfs *fs, const struct sh_host *h, int64_t mtime)
{
    const struct sh_profile *p = h->p;
    struct ap_buf b;
    char path[128];
    int rc = -1;

    ap_buf_init(&b, 16384);
#define GEN(path_, mode_, uid_)                                                \
    do {                                                                       \
        if (add_entry(fs, path_, 'f', mode_, uid_,                             \
                      (const char *)ap_buf_data(&b), ap_buf_len(&b), 1, 0,     \
                      mtime) != 0)                                             \
            goto out;                                                          \
        ap_buf_reset(&b);                                                      \
    } while (0)

    ap_buf_printf(
        &b,
        "root:x:0:0:root:/root:/bin/bash\n"
        "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
        "bin:x:2:2:bin:/bin:/usr/sbin/nologin\n"
        "sys:x:3:3:sys:/dev:/usr/sbin/nologin\n"
        "sync:x:4:65534:sync:/bin:/bin/sync\n"
        "games:x:5:60:games:/usr/games:/usr/sbin/nologin\n"
        "man:x:6:12:man:/var/cache/man:/usr/sbin/nologin\n"
        "lp:x:7:7:lp:/var/spool/lpd:/usr/sbin/nologin\n"
        "mail:x:8:8:mail:/var/mail:/usr/sbin/nologin\n"
        "news:x:9:9:news:/var/spool/news:/usr/sbin/nologin\n"
        "proxy:x:13:13:proxy:/bin:/usr/sbin/nologin\n"
        "www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n"
        "backup:x:34:34:backup:/var/backups:/usr/sbin/nologin\n"
        "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
        "systemd-network:x:100:102:systemd Network "
        "Management,,,:/run/systemd:/usr/sbin/nologin\n"
        "messagebus:x:102:105::/nonexistent:/usr/sbin/nologin\n"
        "syslog:x:104:111::/home/syslog:/usr/sbin/nologin\n"
        "sshd:x:106:65534::/run/sshd:/usr/sbin/nologin\n"
        "%s:x:1000:1000:%s:/home/%s:/bin/bash\n",
        p->user, p->user, p->user);
    GEN("/etc/passwd", 0644, 0);
    ap_buf_printf(&b,
                  "root:x:0:\ndaemon:x:1:\nbin:x:2:\nsys:x:3:\nadm:x:4:syslog,"
                  "%s\ntty:x:5:\nsudo:x:27:%s\nwww-data:x:33:\nusers:x:100:\n"
                  "nogroup:x:65534:\n%s:x:1000:\n",
                  p->user, p->user, p->user);
    GEN("/etc/group", 0644, 0);
    ap_buf_printf(&b,
                  "root:*:19523:0:99999:7:::\ndaemon:*:19523:0:99999:7:::\n"
                  "bin:*:19523:0:99999:7:::\nsshd:*:19523:0:99999:7:::\n"
                  "%s:$6$mJ0.vXq8RbYx2cNf$5cQm1kF9dZp2Hq4oWv3yTn7uE6rLs8aB0gJ"
                  "iK1hDeXfMzN9tPcVbU4oQ2wYr7sL3kHj6gFd5aS8eR1tY0uIoP.:19620:"
                  "0:99999:7:::\n",
                  p->user);
    GEN("/etc/shadow", 0640, 0);
    ap_buf_printf(&b, "%s\n", h->hostname);
    GEN("/etc/hostname", 0644, 0);
    ap_buf_printf(&b,
                  "127.0.0.1 localhost\n127.0.1.1 %s\n\n# The following lines "
                  "are desirable for IPv6 capable hosts\n::1 ip6-localhost "
                  "ip6-loopback\nff02::1 ip6-allnodes\nff02::2 "
                  "ip6-allrouters\n",
                  h->hostname);
    GEN("/etc/hosts", 0644, 0);
    ap_buf_puts(&b, p->os_release);
    GEN("/etc/os-release", 0644, 0);
    ap_buf_puts(&b, p->issue);
    GEN("/etc/issue", 0644, 0);
    ap_buf_printf(&b, "/home/%s", p->user);
    if (add_entry(fs, (const char *)ap_buf_cstr(&b), 'd', 0750, 1000, NULL,
                  0, 0, 0, mtime) != 0)
        goto out;
    ap_buf_reset(&b);
    snprintf(path, sizeof(path), "/home/%s/.bashrc", p->user);
    ap_buf_puts(&b, "# ~/.bashrc: executed by bash(1) for non-login shells.\n");
    GEN(path, 0644, 1000);
    rc = 0;
out:
    ap_buf_release(&b);
    return rc;
#undef GEN
}

struct vfs *
vfs_new(const struct sh_host *host, int64_t now)
{
    struct vfs *fs = calloc(1, sizeof(*fs));
    int64_t mtime = host->boot_time > 0 ? host->boot_time : now;
    size_t i;

    if (fs == NULL)
        return NULL;
    fs->host = host;
    if ((fs->root = vfs_add(fs, NULL, "", VFS_DIR, 0755, 0, mtime)) == NULL)
        goto fail;
    for (i = 0; i < AP_ARRAY_SIZE(image); i++) {
        const struct img *e = &image[i];
        if (add_entry(fs, e->path, e->type, e->mode, e->uid, e->data,
                      e->data ? strlen(e->data) : 0, 0, e->gen, mtime) != 0)
            goto fail;
    }
    if (add_generated(fs, host, mtime) != 0)
        goto fail;
    fs->bytes = 0; /* the image does not count against the session */
    return fs;
fail:
    vfs_free(fs);
    return NULL;
}
