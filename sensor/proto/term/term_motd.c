/*
 * What an interactive login prints before the first prompt, as the
 * claimed build does: Ubuntu's update-motd (welcome, landscape-sysinfo
 * with figures that agree with df/free/uptime/ifconfig, the ESM notice)
 * or Debian's /etc/motd, and the "Last login: ... from ..." line (sshd's
 * PrintLastLog after the motd; login(1)'s pam_lastlog before it, with the
 * tty).  The last login of each user is remembered for the life of the
 * sensor, so an attacker who comes back sees their own previous visit;
 * the very first one is made up once per start, before the boot time.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ap/buf.h"
#include "ap/proto.h"
#include "ap/util.h"
#include "term.h"

#include "ap/common.h"

#define LASTLOG_USERS 32

static struct {
    char user[32];
    int64_t at;
    char from[48];
} lastlog[LASTLOG_USERS];
static size_t nlastlog;

/* The previous login of user (made up on the first), then record this
 * one.  Returns 0 when there is nothing to show. */
static int
lastlog_swap(const struct term *t, const char *user, int64_t now,
             int64_t *at, char *from, size_t fromlen)
{
    const struct sh_host *h = &t->host;
    const uint8_t *m = h->mac;
    size_t i;

    for (i = 0; i < nlastlog; i++)
        if (strcmp(lastlog[i].user, user) == 0)
            break;
    if (i == nlastlog) {
        if (nlastlog == LASTLOG_USERS)
            i = (size_t)(m[5] % LASTLOG_USERS); /* reuse a slot */
        else
            nlastlog++;
        snprintf(lastlog[i].user, sizeof(lastlog[i].user), "%s", user);
        /* an administrator from the office network, a while before boot */
        lastlog[i].at = h->boot_time - 3600 - (m[3] * 97 + m[4] * 13) % 86400;
        snprintf(lastlog[i].from, sizeof(lastlog[i].from), "10.%u.%u.%u",
                 m[3] % 200 + 10, m[4], m[5] % 250 + 2);
    }
    *at = lastlog[i].at;
    snprintf(from, fromlen, "%s", lastlog[i].from);
    lastlog[i].at = now;
    snprintf(lastlog[i].from, sizeof(lastlog[i].from), "%s",
             ap_session_peer_ip(t->s));
    if (strncmp(lastlog[i].from, "::ffff:", 7) == 0)
        memmove(lastlog[i].from, lastlog[i].from + 7,
                strlen(lastlog[i].from + 7) + 1);
    return 1;
}

static void
last_login(struct term *t, const char *user, int telnet, struct ap_buf *b)
{
    char from[48], when[64];
    int64_t at, now = ap_now_us() / 1000000;
    time_t tt;
    struct tm tm;

    if (!lastlog_swap(t, user, now, &at, from, sizeof(from)))
        return;
    tt = (time_t)at;
    gmtime_r(&tt, &tm);
    if (telnet) {
        strftime(when, sizeof(when), "%a %b %e %H:%M:%S UTC %Y", &tm);
        ap_buf_printf(b, "Last login: %s from %s on pts/%u\n", when, from,
                      (unsigned)(t->host.mac[5] % 3));
    } else {
        strftime(when, sizeof(when), "%a %b %e %H:%M:%S %Y", &tm);
        ap_buf_printf(b, "Last login: %s from %s\n", when, from);
    }
}

static void
ubuntu_motd(struct term *t, struct ap_buf *b)
{
    const struct sh_profile *p = t->host.p;
    int64_t now = ap_now_us() / 1000000, up = now - t->host.boot_time;
    double disk_gb = (double)p->disk_kb / 1024 / 1024;
    char when[64], load[16];
    time_t tt = (time_t)now;
    struct tm tm;

    gmtime_r(&tt, &tm);
    strftime(when, sizeof(when), "%a %b %e %H:%M:%S UTC %Y", &tm);
    /* the 1-minute figure uptime shows */
    snprintf(load, sizeof(load), "0.%02d", (int)(up % 13));
    ap_buf_printf(b,
                  "Welcome to %s (GNU/Linux %s %s)\n\n"
                  " * Documentation:  https://help.ubuntu.com\n"
                  " * Management:     https://landscape.canonical.com\n"
                  " * Support:        https://ubuntu.com/advantage\n\n"
                  "  System information as of %s\n\n"
                  "  System load:  %-16s  Processes:             %u\n"
                  "  Usage of /:   %4.1f%% of %.2fGB   Users logged in:       0\n"
                  "  Memory usage: %-16s  IPv4 address for eth0: %s\n"
                  "  Swap usage:   0%%\n\n\n"
                  "Expanded Security Maintenance for Applications is not "
                  "enabled.\n\n"
                  "0 updates can be applied immediately.\n\n"
                  "Enable ESM Apps to receive additional future security "
                  "updates.\nSee https://ubuntu.com/esm or run: sudo pro "
                  "status\n\n\n",
                  p->os_pretty, p->kernel_release, p->machine, when, load,
                  100 + p->ncpu * 4, 23.0 + (double)(p->disk_kb % 10) / 10,
                  disk_gb, "20%", t->host.ip);
}

void
term_motd(struct term *t, const char *user, int telnet, struct ap_buf *b)
{
    const struct sh_profile *p = t->host.p;
    int ubuntu = strncmp(p->name, "ubuntu", 6) == 0;

    if (telnet)
        last_login(t, user, 1, b);
    if (ubuntu)
        ubuntu_motd(t, b);
    else
        ap_buf_printf(b,
                      "Linux %s %s %s %s\n\n"
                      "The programs included with the Debian GNU/Linux "
                      "system are free software;\nthe exact distribution "
                      "terms for each program are described in the\n"
                      "individual files in /usr/share/doc/*/copyright.\n\n"
                      "Debian GNU/Linux comes with ABSOLUTELY NO WARRANTY, "
                      "to the extent\npermitted by applicable law.\n",
                      t->host.hostname, p->kernel_release,
                      p->kernel_version, p->machine);
    if (!telnet)
        last_login(t, user, 0, b);
}
