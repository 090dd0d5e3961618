/*
 * Identity profiles: one real machine that the SSH and Telnet honeypots
 * claim to be.  Everything the attacker can observe -- the SSH banner and
 * algorithm lists, the kernel, CPU, memory, users, OS release -- comes
 * from one profile, so the answers agree with one another.  The tables are
 * in profile.c; docs/SSH.md lists how each differs from the real build.
 */
#ifndef AP_SH_PROFILE_H
#define AP_SH_PROFILE_H

#include <stdint.h>

struct sh_profile {
    const char *name;           /* "ubuntu-22.04" */
    /* SSH: what libssh sends after "SSH-2.0-", and the server algorithm
     * lists in the claimed build's order, restricted to what libssh has */
    const char *ssh_version;
    const char *ssh_kex;
    const char *ssh_hostkeys;
    const char *ssh_ciphers;
    const char *ssh_macs;
    /* host */
    const char *kernel_release; /* uname -r */
    const char *kernel_version; /* uname -v */
    const char *machine;        /* uname -m */
    const char *os_pretty;      /* PRETTY_NAME */
    const char *os_release;     /* /etc/os-release, whole file */
    const char *issue;          /* /etc/issue */
    const char *lsb_codename;
    const char *gcc_version;    /* in /proc/version */
    const char *cpu_model;
    const char *cpu_vendor;
    unsigned cpu_family, cpu_model_no, cpu_stepping;
    double cpu_mhz;
    unsigned cpu_cache_kb;
    const char *cpu_flags;
    unsigned ncpu;
    uint64_t mem_kb;
    uint64_t disk_kb;           /* size of / */
    const char *user;           /* the one ordinary user (uid 1000) */
    const char *busybox;        /* "BusyBox v1.30.1 (Ubuntu 1:1.30.1-7ubuntu3)" */
    const char *telnet_product; /* what nmap should name: "Linux telnetd" */
};

/* The profile named name, or NULL. */
const struct sh_profile *sh_profile_find(const char *name);
/* The default profile ("ubuntu-22.04"). */
const struct sh_profile *sh_profile_default(void);

/* Per-sensor facts fixed at start so that every session agrees:
 * hostname, boot time, MAC and IP shown by ifconfig. */
struct sh_host {
    const struct sh_profile *p;
    char hostname[64];
    int64_t boot_time;          /* Unix seconds */
    char ip[48];                /* the sensor's address as the attacker saw it */
    uint8_t mac[6];
};

#endif
