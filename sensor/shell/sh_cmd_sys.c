/*
 * System information commands.  Every figure comes from the profile and
 * the sensor's boot time, the same sources as /proc, so `uname -a`,
 * `cat /proc/version`, `nproc`, `lscpu`, `free`, `uptime` and `w` agree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sh_cmds.h"

#include "ap/common.h"

int
sh_cmd_uname(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    const struct sh_profile *p = sh->host->p;
    int i, s = 0, n = 0, r = 0, v = 0, m = 0, o = 0, all = 0, first = 1;

    if (strcmp(argv[0], "arch") == 0) {
        sh_out(io, "%s\n", p->machine);
        return 0;
    }
    for (i = 1; i < argc; i++) {
        const char *c;
        if (strcmp(argv[i], "--all") == 0) {
            s = n = r = v = m = o = all = 1;
            continue;
        }
        if (argv[i][0] != '-') {
            sh_err(io, "uname: extra operand '%s'\nTry 'uname --help' for "
                       "more information.\n",
                   argv[i]);
            return 1;
        }
        for (c = argv[i] + 1; *c; c++) {
            switch (*c) {
            case 'a': s = n = r = v = m = o = all = 1; break;
            case 's': s = 1; break;
            case 'n': n = 1; break;
            case 'r': r = 1; break;
            case 'v': v = 1; break;
            case 'm': case 'p': case 'i': m = 1; break;
            case 'o': o = 1; break;
            default:
                sh_err(io, "uname: invalid option -- '%c'\nTry 'uname "
                           "--help' for more information.\n",
                       *c);
                return 1;
            }
        }
    }
    if (!(n || r || v || m || o))
        s = 1;
#define PART(flag, val)                                                        \
    if (flag) {                                                                \
        sh_out(io, "%s%s", first ? "" : " ", val);                             \
        first = 0;                                                             \
    }
    PART(s, "Linux");
    PART(n, sh->host->hostname);
    PART(r, p->kernel_release);
    PART(v, p->kernel_version);
    if (all) {
        /* -a prints machine, processor and hardware platform */
        PART(m, p->machine);
        PART(m, p->machine);
        PART(m, p->machine);
    } else {
        PART(m, p->machine);
    }
    PART(o, "GNU/Linux");
#undef PART
    sh_out(io, "\n");
    return 0;
}

static const char *
group_list(const struct sh *sh)
{
    if (sh->uid == 0)
        return "0(root)";
    return NULL;
}

int
sh_cmd_id(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "-u") == 0) {
        sh_out(io, "%u\n", sh->uid);
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "-un") == 0) {
        sh_out(io, "%s\n", sh->user);
        return 0;
    }
    if (group_list(sh))
        sh_out(io, "uid=0(root) gid=0(root) groups=0(root)\n");
    else if (sh->uid == 1000)
        sh_out(io,
               "uid=1000(%s) gid=1000(%s) groups=1000(%s),4(adm),24(cdrom),"
               "27(sudo),30(dip),46(plugdev),110(lxd)\n",
               sh->user, sh->user, sh->user);
    else
        sh_out(io, "uid=%u(%s) gid=%u(%s) groups=%u(%s)\n", sh->uid, sh->user,
               sh->uid, sh->user, sh->uid, sh->user);
    return 0;
}

int
sh_cmd_whoami(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    AP_UNUSED(argc);
    AP_UNUSED(argv);
    sh_out(io, "%s\n", sh->user);
    return 0;
}

int
sh_cmd_hostname(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    if (argc > 1 && argv[1][0] != '-') {
        if (sh->uid != 0) {
            sh_err(io, "hostname: you must be root to change the host name\n");
            return 1;
        }
        return 0;
    }
    if (argc > 1 && (strcmp(argv[1], "-I") == 0 || strcmp(argv[1], "-i") == 0)) {
        sh_out(io, "%s \n", sh->host->ip);
        return 0;
    }
    sh_out(io, "%s\n", sh->host->hostname);
    return 0;
}

static void
uptime_line(struct sh *sh, struct sh_io *io)
{
    time_t now = (time_t)sh_now();
    int64_t up = (int64_t)now - sh->host->boot_time;
    struct tm tm;
    long days = (long)(up / 86400), hours = (long)(up % 86400 / 3600),
         mins = (long)(up % 3600 / 60);

    gmtime_r(&now, &tm);
    sh_out(io, " %02d:%02d:%02d up ", tm.tm_hour, tm.tm_min, tm.tm_sec);
    if (days > 0)
        sh_out(io, "%ld day%s, ", days, days == 1 ? "" : "s");
    if (hours > 0)
        sh_out(io, "%2ld:%02ld,  ", hours, mins);
    else
        sh_out(io, "%ld min,  ", mins);
    sh_out(io, "1 user,  load average: 0.%02d, 0.%02d, 0.%02d\n",
           (int)(up % 13), (int)(up % 11) + 3, (int)(up % 7) + 5);
}

int
sh_cmd_uptime(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "-p") == 0) {
        int64_t up = sh_now() - sh->host->boot_time;
        sh_out(io, "up %lld weeks, %lld days, %lld hours, %lld minutes\n",
               (long long)(up / 604800), (long long)(up % 604800 / 86400),
               (long long)(up % 86400 / 3600), (long long)(up % 3600 / 60));
        return 0;
    }
    AP_UNUSED(argv);
    uptime_line(sh, io);
    return 0;
}

int
sh_cmd_w(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    time_t now = (time_t)sh_now();
    struct tm tm;
    AP_UNUSED(argc);
    gmtime_r(&now, &tm);
    if (strcmp(argv[0], "who") == 0) {
        sh_out(io, "%-8s pts/0        %04d-%02d-%02d %02d:%02d (%s)\n",
               sh->user, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
               tm.tm_hour, tm.tm_min, "");
        return 0;
    }
    uptime_line(sh, io);
    sh_out(io, "USER     TTY      FROM             LOGIN@   IDLE   JCPU   "
               "PCPU WHAT\n");
    sh_out(io, "%-8.8s pts/0    -                %02d:%02d    0.00s  0.01s  "
               "0.00s w\n",
           sh->user, tm.tm_hour, tm.tm_min);
    return 0;
}

int
sh_cmd_free(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    unsigned long long t = sh->host->p->mem_kb, used = t * 20 / 100,
                       fr = t * 52 / 100, sh_ = t / 400,
                       bc = t - used - fr, av = t * 80 / 100;
    int h = argc > 1 && (strchr(argv[1], 'h') || strchr(argv[1], 'm'));
    int m = argc > 1 && strchr(argv[1], 'm');
    if (h) {
        double g = 1024.0 * 1024.0;
        if (m)
            sh_out(io,
                   "               total        used        free      shared  "
                   "buff/cache   available\nMem:    %12llu%12llu%12llu%12llu%"
                   "12llu%12llu\nSwap:              0           0           "
                   "0\n",
                   t / 1024, used / 1024, fr / 1024, sh_ / 1024, bc / 1024,
                   av / 1024);
        else
            sh_out(io,
                   "               total        used        free      shared  "
                   "buff/cache   available\nMem:           %.1fGi       "
                   "%.0fMi       %.1fGi       %.0fMi       %.0fMi       "
                   "%.1fGi\nSwap:             0B          0B          0B\n",
                   (double)t / g, (double)used / 1024, (double)fr / g,
                   (double)sh_ / 1024, (double)bc / 1024, (double)av / g);
        return 0;
    }
    sh_out(io,
           "               total        used        free      shared  "
           "buff/cache   available\nMem:    %12llu%12llu%12llu%12llu%12llu%"
           "12llu\nSwap:              0           0           0\n",
           t, used, fr, sh_, bc, av);
    return 0;
}

int
sh_cmd_nproc(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    AP_UNUSED(argc);
    AP_UNUSED(argv);
    sh_out(io, "%u\n", sh->host->p->ncpu);
    return 0;
}

static const struct {
    int pid;
    const char *user, *cmd;
    unsigned vsz, rss;
} procs[] = {
    {1, "root", "/sbin/init", 167744, 13012},
    {2, "root", "[kthreadd]", 0, 0},
    {3, "root", "[rcu_gp]", 0, 0},
    {4, "root", "[rcu_par_gp]", 0, 0},
    {10, "root", "[mm_percpu_wq]", 0, 0},
    {11, "root", "[ksoftirqd/0]", 0, 0},
    {12, "root", "[rcu_sched]", 0, 0},
    {13, "root", "[migration/0]", 0, 0},
    {22, "root", "[kdevtmpfs]", 0, 0},
    {381, "root", "/lib/systemd/systemd-journald", 48192, 15636},
    {419, "root", "/lib/systemd/systemd-udevd", 25436, 6340},
    {552, "systemd+", "/lib/systemd/systemd-networkd", 16256, 8032},
    {554, "systemd+", "/lib/systemd/systemd-resolved", 25536, 12816},
    {621, "root", "/usr/sbin/cron -f -P", 9492, 2788},
    {622, "message+", "@dbus-daemon --system --address=systemd: --nofork",
     8648, 4968},
    {629, "root", "/usr/bin/python3 /usr/bin/networkd-dispatcher", 32788,
     19448},
    {631, "syslog", "/usr/sbin/rsyslogd -n -iNONE", 222404, 5936},
    {634, "root", "/lib/systemd/systemd-logind", 15216, 7396},
    {683, "root", "/sbin/agetty -o -p -- \\u --noclear tty1 linux", 6172,
     1092},
    {812, "root", "sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups",
     15428, 9100},
};

int
sh_cmd_ps(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    size_t i;
    int full = 0, bash_pid = sh->next_pid - 7;
    for (int k = 1; k < argc; k++)
        if (strpbrk(argv[k], "aefxu"))
            full = 1;
    if (strcmp(argv[0], "top") == 0)
        full = 1;
    if (!full) {
        sh_out(io, "    PID TTY          TIME CMD\n"
                   "%7d pts/0    00:00:00 bash\n%7d pts/0    00:00:00 ps\n",
               bash_pid, sh->next_pid++);
        return 0;
    }
    sh_out(io, "USER         PID %%CPU %%MEM    VSZ   RSS TTY      STAT START   "
               "TIME COMMAND\n");
    for (i = 0; i < AP_ARRAY_SIZE(procs); i++)
        sh_out(io, "%-8s %7d  0.0  %3.1f %6u %5u %-8s %-4s %5s   0:%02d %s\n",
               procs[i].user, procs[i].pid,
               (double)procs[i].rss * 100.0 / (double)sh->host->p->mem_kb,
               procs[i].vsz, procs[i].rss,
               procs[i].pid == 683 ? "tty1" : "?",
               procs[i].vsz ? "Ss" : "S", "Oct01", (int)(i % 7),
               procs[i].cmd);
    sh_out(io,
           "root     %7d  0.0  0.2  17176 10904 ?        Ss   %5s   0:00 "
           "sshd: %s@pts/0\n",
           bash_pid - 12, "10:02", sh->user);
    sh_out(io,
           "%-8.8s %7d  0.0  0.1   8788  5456 pts/0    Ss   %5s   0:00 "
           "-bash\n",
           sh->user, bash_pid, "10:02");
    sh_out(io,
           "%-8.8s %7d  0.0  0.0  10072  1600 pts/0    R+   %5s   0:00 "
           "ps aux\n",
           sh->user, sh->next_pid++, "10:02");
    return 0;
}

int
sh_cmd_kill(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    int i;
    for (i = 1; i < argc; i++) {
        long pid;
        char *end;
        if (argv[i][0] == '-')
            continue;
        pid = strtol(argv[i], &end, 10);
        if (*end != '\0' || strcmp(argv[0], "killall") == 0) {
            if (strcmp(argv[0], "killall") == 0) {
                sh_err(io, "%s: no process found\n", argv[i]);
                return 1;
            }
            sh_err(io, "-bash: kill: %s: arguments must be process or job "
                       "IDs\n",
                   argv[i]);
            return 1;
        }
        if (pid == 1 || pid < 1000) {
            if (sh->uid != 0) {
                sh_err(io, "-bash: kill: (%ld) - Operation not permitted\n",
                       pid);
                return 1;
            }
            continue;
        }
        sh_err(io, "-bash: kill: (%ld) - No such process\n", pid);
        return 1;
    }
    if (argc < 2) {
        sh_err(io, "kill: usage: kill [-s sigspec | -n signum | -sigspec] "
                   "pid | jobspec ... or kill -l [sigspec]\n");
        return 2;
    }
    return 0;
}

int
sh_cmd_pkill(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    int i;
    for (i = 1; i < argc; i++) {
        size_t k;
        if (argv[i][0] == '-')
            continue;
        for (k = 0; k < AP_ARRAY_SIZE(procs); k++) {
            if (strstr(procs[k].cmd, argv[i])) {
                if (strcmp(argv[0], "pgrep") == 0)
                    sh_out(io, "%d\n", procs[k].pid);
                else if (sh->uid != 0)
                    sh_err(io, "pkill: killing pid %d failed: Operation not "
                               "permitted\n",
                           procs[k].pid);
                return 0;
            }
        }
    }
    return 1;
}

int
sh_cmd_df(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    unsigned long long t = sh->host->p->disk_kb, used = t * 23 / 100,
                       mem = sh->host->p->mem_kb;
    int h = argc > 1 && strchr(argv[1], 'h');
    if (h) {
        sh_out(io,
               "Filesystem      Size  Used Avail Use%% Mounted on\n"
               "tmpfs           %lluM  1.1M  %lluM   1%% /run\n"
               "/dev/vda1        %lluG  %lluG   %lluG  %llu%% /\n"
               "tmpfs           %.1fG     0  %.1fG   0%% /dev/shm\n"
               "tmpfs           5.0M     0  5.0M   0%% /run/lock\n"
               "/dev/vda15      105M  6.1M   99M   6%% /boot/efi\n"
               "tmpfs           %lluM  4.0K  %lluM   1%% /run/user/0\n",
               mem / 10 / 1024, mem / 10 / 1024, t / 1024 / 1024,
               used / 1024 / 1024, (t - used) / 1024 / 1024,
               used * 100 / t + 1, (double)mem / 2 / 1024 / 1024,
               (double)mem / 2 / 1024 / 1024, mem / 10 / 1024,
               mem / 10 / 1024);
        return 0;
    }
    sh_out(io,
           "Filesystem     1K-blocks    Used Available Use%% Mounted on\n"
           "tmpfs             %7llu    1112   %7llu   1%% /run\n"
           "/dev/vda1        %8llu %8llu  %8llu  %llu%% /\n"
           "tmpfs             %7llu       0   %7llu   0%% /dev/shm\n"
           "tmpfs                5120       0      5120   0%% /run/lock\n"
           "/dev/vda15         106858    6186    100673   6%% /boot/efi\n"
           "tmpfs              %7llu       4   %7llu   1%% /run/user/0\n",
           mem / 10, mem / 10 - 1112, t, used, t - used, used * 100 / t + 1,
           mem / 2, mem / 2, mem / 10, mem / 10 - 4);
    return 0;
}

int
sh_cmd_mount(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    struct vfs_node n;
    struct ap_buf b;
    size_t k;
    if (argc > 1) {
        if (sh->uid != 0) {
            sh_err(io, "mount: only root can do that\n");
            return 1;
        }
        sh_err(io, "mount: %s: can't find in /etc/fstab.\n", argv[argc - 1]);
        return 1;
    }
    memset(&n, 0, sizeof(n));
    n.type = VFS_FILE;
    n.gen = VFS_GEN_MOUNTS;
    ap_buf_init(&b, 8192);
    sh_read_node(sh, &n, &b);
    /* "dev /dir type opts 0 0" -> "dev on /dir type type (opts)" */
    char *d = (char *)(uintptr_t)ap_buf_cstr(&b);
    for (k = 0; d && *d; k++) {
        char *nl = strchr(d, '\n'), *f[6];
        int i = 0;
        if (nl)
            *nl = '\0';
        for (char *p = d; i < 6 && p;) {
            f[i++] = p;
            p = strchr(p, ' ');
            if (p)
                *p++ = '\0';
        }
        if (i >= 4)
            sh_out(io, "%s on %s type %s (%s)\n", f[0], f[1], f[2], f[3]);
        d = nl ? nl + 1 : NULL;
    }
    ap_buf_release(&b);
    return 0;
}

int
sh_cmd_ifconfig(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    const uint8_t *m = sh->host->mac;
    AP_UNUSED(argc);
    AP_UNUSED(argv);
    sh_out(io,
           "eth0: flags=4163<UP,BROADCAST,RUNNING,MULTICAST>  mtu 1500\n"
           "        inet %s  netmask 255.255.255.0  broadcast 0.0.0.0\n"
           "        inet6 fe80::%x%02x:%xff:fe%02x:%x%02x  prefixlen 64  "
           "scopeid 0x20<link>\n"
           "        ether %02x:%02x:%02x:%02x:%02x:%02x  txqueuelen 1000  "
           "(Ethernet)\n"
           "        RX packets 1873043  bytes 1024983712 (1.0 GB)\n"
           "        RX errors 0  dropped 0  overruns 0  frame 0\n"
           "        TX packets 1021877  bytes 211877362 (211.8 MB)\n"
           "        TX errors 0  dropped 0 overruns 0  carrier 0  "
           "collisions 0\n\n"
           "lo: flags=73<UP,LOOPBACK,RUNNING>  mtu 65536\n"
           "        inet 127.0.0.1  netmask 255.0.0.0\n"
           "        inet6 ::1  prefixlen 128  scopeid 0x10<host>\n"
           "        loop  txqueuelen 1000  (Local Loopback)\n"
           "        RX packets 20376  bytes 1843297 (1.8 MB)\n"
           "        RX errors 0  dropped 0  overruns 0  frame 0\n"
           "        TX packets 20376  bytes 1843297 (1.8 MB)\n"
           "        TX errors 0  dropped 0 overruns 0  carrier 0  "
           "collisions 0\n\n",
           sh->host->ip, m[0] ^ 2, m[1], m[2], m[3], m[4], m[5], m[0], m[1],
           m[2], m[3], m[4], m[5]);
    return 0;
}

int
sh_cmd_ip(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    const uint8_t *m = sh->host->mac;
    if (argc > 1 && (strcmp(argv[1], "r") == 0 || strncmp(argv[1], "ro", 2) == 0)) {
        sh_out(io, "default via %s dev eth0 proto dhcp src %s metric 100\n",
               "10.0.0.1", sh->host->ip);
        return 0;
    }
    if (argc > 1 && argv[1][0] == 'a') {
        sh_out(io,
               "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state "
               "UNKNOWN group default qlen 1000\n"
               "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n"
               "    inet 127.0.0.1/8 scope host lo\n"
               "       valid_lft forever preferred_lft forever\n"
               "2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc "
               "fq_codel state UP group default qlen 1000\n"
               "    link/ether %02x:%02x:%02x:%02x:%02x:%02x brd "
               "ff:ff:ff:ff:ff:ff\n"
               "    inet %s/24 metric 100 brd 0.0.0.0 scope global dynamic "
               "eth0\n"
               "       valid_lft 85733sec preferred_lft 85733sec\n",
               m[0], m[1], m[2], m[3], m[4], m[5], sh->host->ip);
        return 0;
    }
    sh_err(io, "Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }\n"
               "       ip [ -force ] -batch filename\n");
    return 255;
}

int
sh_cmd_netstat(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    AP_UNUSED(argc);
    if (strcmp(argv[0], "ss") == 0) {
        sh_out(io,
               "Netid State  Recv-Q Send-Q Local Address:Port Peer "
               "Address:Port Process\n"
               "tcp   LISTEN 0      4096   127.0.0.53%%lo:53        "
               "0.0.0.0:*\n"
               "tcp   LISTEN 0      128          0.0.0.0:22        "
               "0.0.0.0:*\n"
               "tcp   ESTAB  0      0         %s:22  %s\n",
               sh->host->ip, "");
        return 0;
    }
    sh_out(io,
           "Active Internet connections (servers and established)\n"
           "Proto Recv-Q Send-Q Local Address           Foreign Address      "
           "   State\n"
           "tcp        0      0 127.0.0.53:53           0.0.0.0:*            "
           "   LISTEN\n"
           "tcp        0      0 0.0.0.0:22              0.0.0.0:*            "
           "   LISTEN\n"
           "tcp6       0      0 :::22                   :::*                 "
           "   LISTEN\n"
           "udp        0      0 127.0.0.53:53           0.0.0.0:*\n");
    return 0;
}

int
sh_cmd_lscpu(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    const struct sh_profile *p = sh->host->p;
    AP_UNUSED(argc);
    AP_UNUSED(argv);
    sh_out(io,
           "Architecture:            %s\n"
           "  CPU op-mode(s):        32-bit, 64-bit\n"
           "  Address sizes:         46 bits physical, 48 bits virtual\n"
           "  Byte Order:            Little Endian\n"
           "CPU(s):                  %u\n"
           "  On-line CPU(s) list:   0-%u\n"
           "Vendor ID:               %s\n"
           "  Model name:            %s\n"
           "    CPU family:          %u\n"
           "    Model:               %u\n"
           "    Thread(s) per core:  1\n"
           "    Core(s) per socket:  %u\n"
           "    Socket(s):           1\n"
           "    Stepping:            %u\n"
           "    BogoMIPS:            %.2f\n"
           "Virtualization features: \n"
           "  Hypervisor vendor:     KVM\n"
           "  Virtualization type:   full\n",
           p->machine, p->ncpu, p->ncpu - 1, p->cpu_vendor, p->cpu_model,
           p->cpu_family, p->cpu_model_no, p->ncpu, p->cpu_stepping,
           p->cpu_mhz * 2);
    return 0;
}

int
sh_cmd_date(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    time_t now = (time_t)sh_now();
    struct tm tm;
    char buf[128];
    AP_UNUSED(sh);
    gmtime_r(&now, &tm);
    if (argc > 1 && argv[1][0] == '+') {
        if (strftime(buf, sizeof(buf), argv[1] + 1, &tm) == 0)
            buf[0] = '\0';
    } else {
        strftime(buf, sizeof(buf), "%a %b %e %H:%M:%S UTC %Y", &tm);
    }
    sh_out(io, "%s\n", buf);
    return 0;
}

int
sh_cmd_crontab(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    char path[256];
    struct vfs_node *n;
    snprintf(path, sizeof(path), "/var/spool/cron/crontabs/%s", sh->user);
    if (argc > 1 && strcmp(argv[1], "-l") == 0) {
        if (vfs_lookup(sh->fs, "/", path, 1, &n) != 0) {
            sh_err(io, "no crontab for %s\n", sh->user);
            return 1;
        }
        sh_read_node(sh, n, io->out);
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "-r") == 0) {
        if (vfs_remove(sh->fs, "/", path, 0, 0, 0) != 0) {
            sh_err(io, "no crontab for %s\n", sh->user);
            return 1;
        }
        return 0;
    }
    /* crontab FILE or crontab - : install */
    {
        struct ap_buf b;
        char *files[1];
        int nf = 0, status;
        if (argc > 1 && strcmp(argv[1], "-") != 0 && argv[1][0] != '-') {
            files[0] = argv[1];
            nf = 1;
        }
        ap_buf_init(&b, 65536);
        status = sh_gather(sh, io, "crontab", nf, files, &b);
        if (status == 0 &&
            vfs_open_write(sh->fs, "/", path, 0, 0, sh_now(), &n) == 0)
            vfs_append(sh->fs, n, ap_buf_data(&b), ap_buf_len(&b));
        ap_buf_release(&b);
        return status;
    }
}

int
sh_cmd_env(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    size_t k;
    if (argc > 1 && strchr(argv[1], '=') == NULL)
        return sh_run_argv(sh, io, argc - 1, argv + 1);
    for (k = 0; k < sh->nvars; k++)
        if (sh->vars[k].exported)
            sh_out(io, "%s=%s\n", sh->vars[k].name, sh->vars[k].value);
    return 0;
}

int
sh_cmd_lsb_release(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    const struct sh_profile *p = sh->host->p;
    AP_UNUSED(argc);
    AP_UNUSED(argv);
    sh_err(io, "No LSB modules are available.\n");
    sh_out(io,
           "Distributor ID:\t%s\nDescription:\t%s\nRelease:\t%.*s\n"
           "Codename:\t%s\n",
           strncmp(p->name, "ubuntu", 6) == 0 ? "Ubuntu" : "Debian",
           p->os_pretty, strncmp(p->name, "ubuntu", 6) == 0 ? 5 : 2,
           strchr(p->name, '-') + 1, p->lsb_codename);
    return 0;
}

int
sh_cmd_last(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    time_t b = (time_t)sh->host->boot_time;
    struct tm tm;
    char when[64];
    AP_UNUSED(argc);
    AP_UNUSED(argv);
    gmtime_r(&b, &tm);
    strftime(when, sizeof(when), "%a %b %e %H:%M", &tm);
    sh_out(io,
           "reboot   system boot  %-16s %s   still running\n\nwtmp begins "
           "%s:%02d %d\n",
           sh->host->p->kernel_release, when, when, tm.tm_sec,
           tm.tm_year + 1900);
    return 0;
}

int
sh_cmd_getconf(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "LONG_BIT") == 0)
        sh_out(io, "64\n");
    else if (argc > 1 && strstr(argv[1], "NPROCESSORS"))
        sh_out(io, "%u\n", sh->host->p->ncpu);
    else if (argc > 1 && strcmp(argv[1], "PAGESIZE") == 0)
        sh_out(io, "4096\n");
    else {
        sh_err(io, "getconf: Unrecognized variable '%s'\n",
               argc > 1 ? argv[1] : "");
        return 1;
    }
    return 0;
}

int
sh_cmd_dmesg(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    AP_UNUSED(argc);
    AP_UNUSED(argv);
    if (sh->uid != 0) {
        sh_err(io, "dmesg: read kernel buffer failed: Operation not "
                   "permitted\n");
        return 1;
    }
    sh_out(io, "[    0.000000] Linux version %s (buildd@lcy02-amd64-045) "
               "(%s) %s\n[    0.000000] Command line: "
               "BOOT_IMAGE=/boot/vmlinuz-%s root=LABEL=cloudimg-rootfs ro "
               "console=tty1 console=ttyS0\n",
           sh->host->p->kernel_release, sh->host->p->gcc_version,
           sh->host->p->kernel_version, sh->host->p->kernel_release);
    return 0;
}

int
sh_cmd_ulimit(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    AP_UNUSED(sh);
    if (argc > 1 && strcmp(argv[1], "-n") == 0 && argc == 2)
        sh_out(io, "1024\n");
    else if (argc == 1)
        sh_out(io, "unlimited\n");
    return 0;
}

int
sh_cmd_clear(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    AP_UNUSED(sh);
    AP_UNUSED(argc);
    AP_UNUSED(argv);
    ap_buf_puts(io->out, "\033[H\033[2J\033[3J");
    return 0;
}
