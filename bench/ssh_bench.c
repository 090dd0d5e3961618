/*
 * SSH honeypot benchmark (docs/PERFORMANCE.md): starts `apiary sensor`
 * with the ssh module on 127.0.0.1:0 and measures
 *   - handshakes per second (connect + key exchange + disconnect),
 *   - password attempts per second under a hydra-style load (threads,
 *     5 attempts per connection, then reconnect) and the sensor's CPU time
 *     per attempt, from /proc/PID/stat, which gives the CPU-equivalent
 *     attempts/s of 2 cores (the failed-password delay is set to 0 here:
 *     it costs wall time, not CPU; production keeps it),
 *   - sensor RSS with 1,000 and 5,000 idle connections: the banner read
 *     and a client version line sent, so each holds a libssh session, or
 *     with --idle-silent nothing sent (a port scanner's connection).
 * Clients are libssh in threads on the same 2 cores as the sensor.
 *
 *   ssh_bench --apiary build-rel/apiary [--threads 8] [--secs 10]
 *             [--idle 1000,5000] [--idle-silent] [--smoke]
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libssh/libssh.h>

#include "ap/common.h"

static int port;
static pid_t sensor_pid;
static atomic_long counter;
static atomic_int stop;
static int mode_auth;
static int idle_version = 1; /* idle sessions send a version line */

static double
now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sensor CPU seconds (user + system) from /proc/PID/stat. */
static double
sensor_cpu(void)
{
    char path[64], buf[2048], *p;
    unsigned long ut = 0, st = 0;
    FILE *f;
    int i;

    snprintf(path, sizeof(path), "/proc/%d/stat", (int)sensor_pid);
    if ((f = fopen(path, "r")) == NULL)
        return 0;
    if (fgets(buf, sizeof(buf), f) == NULL) {
        fclose(f);
        return 0;
    }
    fclose(f);
    p = strrchr(buf, ')');
    for (i = 0; p && i < 12; i++)
        p = strchr(p + 1, ' ');
    if (p == NULL || sscanf(p + 1, "%lu %lu", &ut, &st) != 2)
        return 0;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static long
sensor_rss_kb(void)
{
    char path[64], line[256];
    long kb = -1;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%d/status", (int)sensor_pid);
    if ((f = fopen(path, "r")) == NULL)
        return -1;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
            break;
    fclose(f);
    return kb;
}

static ssh_session
client(void)
{
    ssh_session s = ssh_new();
    long timeout = 30;
    int verbosity = SSH_LOG_NOLOG;

    if (s == NULL)
        return NULL;
    ssh_options_set(s, SSH_OPTIONS_HOST, "127.0.0.1");
    ssh_options_set(s, SSH_OPTIONS_PORT, &port);
    ssh_options_set(s, SSH_OPTIONS_USER, "root");
    ssh_options_set(s, SSH_OPTIONS_TIMEOUT, &timeout);
    ssh_options_set(s, SSH_OPTIONS_LOG_VERBOSITY, &verbosity);
    if (ssh_connect(s) != SSH_OK) {
        ssh_free(s);
        return NULL;
    }
    return s;
}

static void *
worker(void *arg)
{
    AP_UNUSED(arg);
    while (!atomic_load(&stop)) {
        ssh_session s = client();
        int i;
        if (s == NULL)
            continue;
        if (!mode_auth) {
            atomic_fetch_add(&counter, 1);
        } else {
            for (i = 0; i < 5 && !atomic_load(&stop); i++) {
                char pw[32];
                snprintf(pw, sizeof(pw), "pw%d", rand());
                if (ssh_userauth_password(s, NULL, pw) == SSH_AUTH_ERROR)
                    break;
                atomic_fetch_add(&counter, 1);
            }
        }
        ssh_disconnect(s);
        ssh_free(s);
    }
    return NULL;
}

static void
run(const char *what, int auth, int threads, double secs)
{
    pthread_t th[64];
    double t0, t1, c0, c1;
    long n;
    int i;

    mode_auth = auth;
    atomic_store(&counter, 0);
    atomic_store(&stop, 0);
    c0 = sensor_cpu();
    t0 = now_s();
    for (i = 0; i < threads; i++)
        pthread_create(&th[i], NULL, worker, NULL);
    while (now_s() - t0 < secs)
        usleep(100000);
    atomic_store(&stop, 1);
    for (i = 0; i < threads; i++)
        pthread_join(th[i], NULL);
    t1 = now_s();
    c1 = sensor_cpu();
    n = atomic_load(&counter);
    printf("%-11s %8ld in %5.1f s = %8.0f/s; sensor CPU %.2f s = %.0f us each "
           "-> %.0f/s CPU-equivalent on 2 cores\n",
           what, n, t1 - t0, (double)n / (t1 - t0), c1 - c0,
           n ? (c1 - c0) * 1e6 / (double)n : 0.0,
           c1 > c0 ? 2.0 * (double)n / (c1 - c0) : 0.0);
}

/* n idle connections: banner read, client version sent. */
static int
idle(int n, int *fds)
{
    struct sockaddr_in a;
    char buf[256];
    int i, ok = 0;

    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (i = 0; i < n; i++) {
        fds[i] = socket(AF_INET, SOCK_STREAM, 0);
        if (fds[i] < 0 || connect(fds[i], (struct sockaddr *)&a, sizeof(a))) {
            fprintf(stderr, "connect %d: %s\n", i, strerror(errno));
            break;
        }
        if (read(fds[i], buf, sizeof(buf)) <= 0 ||
            (idle_version &&
             write(fds[i], "SSH-2.0-OpenSSH_9.2p1\r\n", 23) != 23))
            break;
        ok++;
    }
    sleep(2);
    return ok;
}

int
main(int argc, char **argv)
{
    const char *apiary = NULL;
    int threads = 8, smoke = 0, i, n;
    double secs = 10;
    char dir[] = "/tmp/ssh_bench.XXXXXX", conf[256], ports[256], line[256];
    int idles[8] = {1000, 5000}, nidle = 2;
    struct rlimit rl;
    FILE *f;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--apiary") == 0 && i + 1 < argc)
            apiary = argv[++i];
        else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
            threads = (int)strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--secs") == 0 && i + 1 < argc)
            secs = strtod(argv[++i], NULL);
        else if (strcmp(argv[i], "--idle") == 0 && i + 1 < argc) {
            char *p = argv[++i];
            for (nidle = 0; nidle < 8 && *p;) {
                idles[nidle++] = (int)strtol(p, &p, 10);
                if (*p == ',')
                    p++;
            }
        } else if (strcmp(argv[i], "--idle-silent") == 0)
            idle_version = 0;
        else if (strcmp(argv[i], "--smoke") == 0)
            smoke = 1;
    }
    if (apiary == NULL || threads < 1 || threads > 64) {
        fprintf(stderr, "usage: ssh_bench --apiary PATH [--threads N] "
                        "[--secs S] [--idle 1000,5000] [--smoke]\n");
        return 2;
    }
    if (smoke) {
        threads = 2;
        secs = 1;
        idles[0] = 50;
        nidle = 1;
    }
    /* the sensor inherits this: 5,000 sessions are 10,000 of its fds */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (mkdtemp(dir) == NULL)
        return 1;
    snprintf(conf, sizeof(conf), "%s/sensor.conf", dir);
    snprintf(ports, sizeof(ports), "%s/ports", dir);
    if ((f = fopen(conf, "w")) == NULL)
        return 1;
    fprintf(f,
            "name bench\nallow_root yes\nevents_file %s/events.jsonl\n"
            "state_dir %s/state\nspool_dir %s/spool\nlog_level error\n"
            "source_max_conns 100000\nsource_rate 100000000\n"
            "source_burst 100000000\nmax_sessions 100000\n"
            "[ssh]\nlisten 127.0.0.1:0\nfail_delay_ms 0\nmax_tries 100\n"
            "auth_rule *:!*\nidle_timeout 600\nmax_sessions 100000\n",
            dir, dir, dir);
    fclose(f);
    if ((sensor_pid = fork()) == 0) {
        execl(apiary, apiary, "sensor", "-c", conf, "--port-file", ports,
              (char *)NULL);
        _exit(127);
    }
    for (i = 0; i < 300 && port == 0; i++) {
        usleep(100000);
        if ((f = fopen(ports, "r")) != NULL) {
            if (fgets(line, sizeof(line), f))
                sscanf(line, "ssh %d", &port);
            fclose(f);
        }
    }
    if (port == 0) {
        fprintf(stderr, "the sensor did not start\n");
        kill(sensor_pid, SIGTERM);
        return 1;
    }
    ssh_init();
    /* the first session generates the host keys: not part of a figure */
    {
        ssh_session s = client();
        if (s) {
            ssh_disconnect(s);
            ssh_free(s);
        }
    }
    printf("ssh_bench: sensor pid %d port %d, %d client threads\n",
           (int)sensor_pid, port, threads);
    run("handshakes", 0, threads, secs);
    run("auth", 1, threads, secs);
    for (i = 0; i < nidle; i++) {
        int *fds = calloc((size_t)idles[i], sizeof(int));
        long before = sensor_rss_kb(), after;
        if (fds == NULL)
            break;
        n = idle(idles[i], fds);
        after = sensor_rss_kb();
        printf("idle %5d %s sensor RSS %.1f MB (%.1f MB before; %.1f KB per "
               "session)\n",
               n, idle_version ? "(version sent)" : "(silent)      ",
               (double)after / 1024, (double)before / 1024,
               n ? (double)(after - before) / n : 0.0);
        for (int k = 0; k < n; k++)
            close(fds[k]);
        free(fds);
        sleep(2);
    }
    ssh_finalize();
    kill(sensor_pid, SIGTERM);
    waitpid(sensor_pid, NULL, 0);
    snprintf(line, sizeof(line), "rm -rf %s", dir);
    if (system(line) != 0)
        return 1;
    return 0;
}
