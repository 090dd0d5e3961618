/*
 * Privilege: ports are bound as root, then the process becomes an
 * unprivileged user; then, where the kernel allows, a seccomp filter
 * limits the system calls to what the event loop, the spool and
 * delivery need (docs/SENSOR.md "Privilege and sandbox" lists exactly
 * what is and is not confined).
 */
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <seccomp.h>

#include "ap/err.h"
#include "ap/log.h"
#include "sensor.h"
#include "ap/common.h"

/* Make dir (and its contents we create later) usable by uid/gid. */
static void
hand_over(const char *dir, uid_t uid, gid_t gid)
{
    if (dir == NULL)
        return;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return;
    if (chown(dir, uid, gid) != 0)
        ap_log_warn("chown %s: %s", dir, strerror(errno));
}

int
ap_sensor_drop_privileges(struct ap_sensor *sn, char *err, size_t errlen)
{
    const char *user = sn->conf.user;
    struct passwd *pw = NULL;

    if (geteuid() != 0)
        return 0; /* already unprivileged */
    if (user != NULL) {
        if ((pw = getpwnam(user)) == NULL) {
            snprintf(err, errlen, "user %s: no such user", user);
            return AP_ECONF;
        }
    } else if ((pw = getpwnam("apiary")) == NULL) {
        pw = getpwnam("nobody");
    }
    if (pw == NULL || pw->pw_uid == 0) {
        if (sn->conf.allow_root) {
            ap_log_warn("running modules as root (allow_root yes)");
            return 0;
        }
        snprintf(err, errlen, "refusing to run modules as root: no user to "
                              "drop to (set 'user', or 'allow_root yes')");
        return AP_ECONF;
    }
    if (user == NULL && sn->conf.allow_root) {
        /* Explicitly allowed and no user named: tests and demos running
         * as root keep their files readable. */
        ap_log_warn("running modules as root (allow_root yes)");
        return 0;
    }
    /* The spool and state must stay writable after the switch. */
    if (sn->conf.server != NULL)
        hand_over(sn->conf.spool_dir, pw->pw_uid, pw->pw_gid);
    hand_over(sn->conf.state_dir, pw->pw_uid, pw->pw_gid);
    if (setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 ||
        setuid(pw->pw_uid) != 0) {
        snprintf(err, errlen, "cannot drop to %s: %s", pw->pw_name,
                 strerror(errno));
        return AP_EIO;
    }
    if (setuid(0) == 0) {
        snprintf(err, errlen, "dropped to %s but could regain root",
                 pw->pw_name);
        return AP_EIO;
    }
    ap_log_info("running as %s (uid %d)", pw->pw_name, (int)pw->pw_uid);
    return 0;
}

/*
 * The allow-list.  Everything the loop does after start-up: socket I/O,
 * accept, timers, epoll, spool files (open/write/rename/unlink/fsync in
 * the spool and state directories -- seccomp cannot filter paths),
 * memory, time, randomness, outbound connect for delivery (DNS lookups
 * happen at start-up or through these same calls).  Not allowed: exec,
 * fork/clone of processes, ptrace, mount, module loading, setuid, ...
 * A denied call kills the process (SCMP_ACT_KILL_PROCESS) so a bug or an
 * exploit cannot continue quietly; the log names the filter.
 */
static const int allowed[] = {
    SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev),
    SCMP_SYS(pread64), SCMP_SYS(pwrite64), SCMP_SYS(close), SCMP_SYS(lseek),
    SCMP_SYS(fstat), SCMP_SYS(newfstatat), SCMP_SYS(stat), SCMP_SYS(lstat),
    SCMP_SYS(statx), SCMP_SYS(openat), SCMP_SYS(open), SCMP_SYS(fcntl),
    SCMP_SYS(ioctl), SCMP_SYS(fsync), SCMP_SYS(fdatasync),
    SCMP_SYS(ftruncate), SCMP_SYS(rename), SCMP_SYS(renameat),
    SCMP_SYS(renameat2), SCMP_SYS(unlink), SCMP_SYS(unlinkat),
    SCMP_SYS(mkdir), SCMP_SYS(mkdirat), SCMP_SYS(getdents64),
    SCMP_SYS(fchmod), SCMP_SYS(umask), SCMP_SYS(getcwd), SCMP_SYS(access),
    SCMP_SYS(faccessat), SCMP_SYS(readlink),
    /* network */
    SCMP_SYS(socket), SCMP_SYS(connect), SCMP_SYS(accept), SCMP_SYS(accept4),
    SCMP_SYS(bind), SCMP_SYS(listen), SCMP_SYS(sendto), SCMP_SYS(recvfrom),
    SCMP_SYS(sendmsg), SCMP_SYS(recvmsg), SCMP_SYS(sendmmsg),
    SCMP_SYS(recvmmsg), SCMP_SYS(shutdown), SCMP_SYS(getsockname),
    SCMP_SYS(getpeername), SCMP_SYS(setsockopt), SCMP_SYS(getsockopt),
    SCMP_SYS(socketpair), SCMP_SYS(pipe), SCMP_SYS(pipe2),
    /* the loop */
    SCMP_SYS(epoll_create), SCMP_SYS(epoll_create1), SCMP_SYS(epoll_ctl),
    SCMP_SYS(epoll_wait), SCMP_SYS(epoll_pwait), SCMP_SYS(poll),
    SCMP_SYS(ppoll), SCMP_SYS(select), SCMP_SYS(pselect6),
    SCMP_SYS(eventfd2), SCMP_SYS(timerfd_create), SCMP_SYS(timerfd_settime),
    SCMP_SYS(dup), SCMP_SYS(dup2), SCMP_SYS(dup3),
    /* memory, time, randomness, signals */
    SCMP_SYS(brk), SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mremap),
    SCMP_SYS(mprotect), SCMP_SYS(madvise), SCMP_SYS(clock_gettime),
    SCMP_SYS(clock_nanosleep), SCMP_SYS(nanosleep), SCMP_SYS(gettimeofday),
    SCMP_SYS(time), SCMP_SYS(getrandom), SCMP_SYS(rt_sigaction),
    SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigreturn), SCMP_SYS(sigaltstack),
    SCMP_SYS(getpid), SCMP_SYS(gettid), SCMP_SYS(getuid), SCMP_SYS(geteuid),
    SCMP_SYS(getgid), SCMP_SYS(getegid), SCMP_SYS(tgkill), SCMP_SYS(kill),
    SCMP_SYS(futex), SCMP_SYS(set_robust_list), SCMP_SYS(rseq),
    SCMP_SYS(sched_yield), SCMP_SYS(sched_getaffinity), SCMP_SYS(uname),
    SCMP_SYS(sysinfo), SCMP_SYS(prlimit64), SCMP_SYS(getrlimit),
    SCMP_SYS(exit), SCMP_SYS(exit_group), SCMP_SYS(restart_syscall),
    SCMP_SYS(membarrier),
};

int
ap_sensor_sandbox(struct ap_sensor *sn, char *err, size_t errlen)
{
    scmp_filter_ctx ctx;
    size_t i;
    int r;

    if (!sn->conf.seccomp)
        return 0;
    /* Sanitizer builds need ptrace-like calls and extra files at exit to
     * report leaks; the filter would turn every report into a kill. */
#if defined(__SANITIZE_ADDRESS__)
    ap_log_info("seccomp: not applied in a sanitizer build");
    return 0;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
    ap_log_info("seccomp: not applied in a sanitizer build");
    return 0;
#endif
#endif
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        snprintf(err, errlen, "no_new_privs: %s", strerror(errno));
        return AP_EIO;
    }
    if ((ctx = seccomp_init(SCMP_ACT_KILL_PROCESS)) == NULL) {
        snprintf(err, errlen, "seccomp_init failed");
        return AP_EIO;
    }
    for (i = 0; i < AP_ARRAY_SIZE(allowed); i++) {
        if (allowed[i] < 0)
            continue; /* not on this architecture */
        if ((r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0)) != 0) {
            snprintf(err, errlen, "seccomp rule %d: %s", allowed[i],
                     strerror(-r));
            goto fail;
        }
    }
    /* Threads (libssh, libevent helpers) but no new processes: clone only
     * with CLONE_THREAD set.  clone3 passes its flags in memory, which a
     * filter cannot read, so it fails with ENOSYS and glibc falls back to
     * clone (what Chromium and systemd do). */
    if ((r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3),
                              0)) != 0) {
        snprintf(err, errlen, "seccomp clone3 rule: %s", strerror(-r));
        goto fail;
    }
    if ((r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
                              SCMP_A0(SCMP_CMP_MASKED_EQ, 0x00010000,
                                      0x00010000))) != 0) {
        snprintf(err, errlen, "seccomp clone rule: %s", strerror(-r));
        goto fail;
    }
    if ((r = seccomp_load(ctx)) != 0) {
        /* Kernels without seccomp (some containers): run unconfined but
         * say so. */
        ap_log_warn("seccomp: cannot load the filter (%s); running "
                    "without it",
                    strerror(-r));
    } else {
        ap_log_info("seccomp: filter loaded (%zu system calls allowed)",
                    AP_ARRAY_SIZE(allowed) + 1);
    }
    seccomp_release(ctx);
    return 0;
fail:
    seccomp_release(ctx);
    return AP_EIO;
}
