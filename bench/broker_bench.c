/*
 * Broker benchmark: starts `apiary server` on loopback, then measures
 *   - messages/s delivered, 1 -> 1 and 1 -> 4 subscribers, 200 B and
 *     4 KiB payloads (the publisher keeps a bounded window in flight so
 *     no subscriber hits the backpressure limits);
 *   - p50/p99 publish -> deliver latency at half the 1 -> 1 peak rate;
 *   - the server's RSS with N idle authenticated connections.
 *
 *   broker_bench --apiary build-rel/apiary [--count N] [--idle N] [--smoke]
 *
 * Clients are plain blocking sockets in threads, so the client side costs
 * little next to the broker.  Only 127.0.0.1 is used.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ap/buf.h"
#include "ap/hpfeeds.h"
#include "ap/util.h"
#include "ap/common.h"

extern char **environ;

static const char *apiary_bin;
static char dir[64];
static pid_t server_pid;
static int port;

#define IDENT "bench"
#define SECRET "benchsecret"
#define WINDOW_BYTES (12u << 20) /* in flight per subscriber */

static void
die(const char *what)
{
    fprintf(stderr, "broker_bench: %s: %s\n", what, strerror(errno));
    if (server_pid > 0)
        kill(server_pid, SIGTERM);
    exit(1);
}

static pid_t
spawn(char *const argv[], int quiet)
{
    posix_spawn_file_actions_t fa;
    pid_t pid;

    posix_spawn_file_actions_init(&fa);
    if (quiet)
        posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    if (posix_spawn(&pid, argv[0], &fa, NULL, argv, environ) != 0)
        die("spawn");
    posix_spawn_file_actions_destroy(&fa);
    return pid;
}

static void
run(char *const argv[])
{
    int st;
    pid_t pid = spawn(argv, 1);

    if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        errno = EINVAL;
        die(argv[1]);
    }
}

static void
start_server(void)
{
    char ddir[96], pfile[96], line[128];
    FILE *f;
    int i;

    snprintf(dir, sizeof(dir), "/tmp/apiary-bench.XXXXXX");
    if (mkdtemp(dir) == NULL)
        die("mkdtemp");
    snprintf(ddir, sizeof(ddir), "%s", dir);
    snprintf(pfile, sizeof(pfile), "%s/ports", dir);
    {
        char *argv[] = {(char *)apiary_bin, "ident", "--data-dir", ddir, "add",
                        IDENT, "--secret", SECRET, "--publish", "b,idle",
                        "--subscribe", "b,idle", NULL};
        run(argv);
    }
    {
        char *argv[] = {(char *)apiary_bin, "server", "--data-dir", ddir,
                        "--set", "hpfeeds.listen=127.0.0.1:0",
                        "--set", "metrics.listen=127.0.0.1:0",
                        "--set", "web.listen=127.0.0.1:0",
                        /* a broker figure: the bench's payloads are not
                         * events, so the collector must not queue them */
                        "--set", "collector.ignore=b,idle",
                        "--port-file", pfile, "--log-level", "warn", NULL};
        server_pid = spawn(argv, 0);
    }
    for (i = 0; i < 300 && port == 0; i++) {
        usleep(100000);
        if ((f = fopen(pfile, "r")) == NULL)
            continue;
        while (fgets(line, sizeof(line), f))
            if (strncmp(line, "hpfeeds ", 8) == 0)
                port = (int)strtol(line + 8, NULL, 10);
        fclose(f);
    }
    if (port == 0)
        die("server did not start");
}

static void
stop_server(void)
{
    char *argv[] = {"/bin/rm", "-rf", dir, NULL};

    kill(server_pid, SIGTERM);
    waitpid(server_pid, NULL, 0);
    run(argv);
}

static void
write_all(int fd, const void *p, size_t n)
{
    const uint8_t *s = p;
    ssize_t w;

    while (n > 0) {
        if ((w = write(fd, s, n)) < 0) {
            if (errno == EINTR)
                continue;
            die("write");
        }
        s += w;
        n -= (size_t)w;
    }
}

static void
read_all(int fd, void *p, size_t n)
{
    uint8_t *d = p;
    ssize_t r;

    while (n > 0) {
        if ((r = read(fd, d, n)) <= 0) {
            if (r < 0 && errno == EINTR)
                continue;
            die("read");
        }
        d += r;
        n -= (size_t)r;
    }
}

/* Connect, read INFO, AUTH, optionally SUBSCRIBE. */
static int
hpf_open(const char *sub)
{
    struct sockaddr_in sin;
    uint8_t info[5 + 1 + 255 + 4], digest[HPF_DIGEST_LEN];
    struct ap_buf b;
    uint32_t len;
    int fd, one = 1;

    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t)port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
        die("socket");
    if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0)
        die("connect");
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    read_all(fd, info, 5);
    len = (uint32_t)info[0] << 24 | (uint32_t)info[1] << 16 |
          (uint32_t)info[2] << 8 | info[3];
    if (len < 10 || len > sizeof(info))
        die("INFO");
    read_all(fd, info + 5, len - 5);
    hpf_auth_digest(info + len - 4, SECRET, strlen(SECRET), digest);
    ap_buf_init(&b, 1024);
    hpf_put_auth(&b, IDENT, strlen(IDENT), digest);
    if (sub)
        hpf_put_subscribe(&b, IDENT, strlen(IDENT), sub, strlen(sub));
    write_all(fd, ap_buf_data(&b), ap_buf_len(&b));
    ap_buf_release(&b);
    return fd;
}

static int64_t
now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- throughput and latency ---- */

struct sub {
    pthread_t th;
    int fd;
    size_t fsize;      /* every frame has the same size */
    uint64_t target;   /* frames to read before stopping */
    uint64_t frames;   /* updated as we go (atomic) */
    int64_t done_ns;
    int64_t *lat;      /* latency mode: one entry per frame */
    size_t nlat, lat_cap;
    size_t stamp_off;  /* offset of the timestamp in a frame */
};

static void *
sub_main(void *arg)
{
    struct sub *s = arg;
    static const size_t bufsz = 1 << 20;
    uint8_t *buf = malloc(bufsz), cur[8] = {0};
    uint64_t bytes = 0, frames;
    size_t i, pos = 0;
    ssize_t r;

    for (;;) {
        r = read(s->fd, buf, bufsz);
        if (r <= 0) {
            if (r < 0 && errno == EINTR)
                continue;
            die("subscriber read");
        }
        if (s->lat) {
            /* copy out the 8 timestamp bytes of every frame, frame by
             * frame (pos = offset inside the current frame) */
            for (i = 0; i < (size_t)r;) {
                size_t take = AP_MIN((size_t)r - i, s->fsize - pos);
                size_t lo = AP_MAX(pos, s->stamp_off);
                size_t hi = AP_MIN(pos + take, s->stamp_off + 8);
                int64_t t;
                if (lo < hi)
                    memcpy(cur + (lo - s->stamp_off), buf + i + (lo - pos),
                           hi - lo);
                pos += take;
                i += take;
                if (pos == s->fsize) {
                    pos = 0;
                    memcpy(&t, cur, 8);
                    if (t != 0 && s->nlat < s->lat_cap)
                        s->lat[s->nlat++] = now_ns() - t;
                }
            }
        }
        bytes += (uint64_t)r;
        frames = bytes / s->fsize;
        __atomic_store_n(&s->frames, frames, __ATOMIC_RELEASE);
        if (frames >= __atomic_load_n(&s->target, __ATOMIC_ACQUIRE)) {
            s->done_ns = now_ns();
            free(buf);
            return NULL;
        }
    }
}

static uint64_t
min_frames(struct sub *subs, int n)
{
    uint64_t m = UINT64_MAX, f;
    int i;

    for (i = 0; i < n; i++)
        if ((f = __atomic_load_n(&subs[i].frames, __ATOMIC_ACQUIRE)) < m)
            m = f;
    return m;
}

static int
cmp(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;

    return a < b ? -1 : a > b;
}

/*
 * One run.  rate 0: as fast as the window allows, returns msgs/s
 * delivered.  rate > 0: paced, 1 subscriber, fills p50/p99 (us).
 */
static double
bench_run(int nsubs, size_t payload, uint64_t count, double rate,
          double *p50, double *p99)
{
    struct sub subs[8];
    struct ap_buf frame, batch;
    size_t fsize, per_batch, stamp_off;
    uint64_t sent = 0, probes = 0, window;
    uint8_t *pl = calloc(1, payload);
    int64_t t0, tick = 0;
    int pub, i;
    double el;

    ap_buf_init(&frame, 1 << 20);
    hpf_put_publish(&frame, IDENT, strlen(IDENT), "b", 1, pl, payload);
    fsize = ap_buf_len(&frame);
    stamp_off = fsize - payload;
    window = WINDOW_BYTES / fsize + 1;
    per_batch = (64 * 1024) / fsize + 1;
    ap_buf_init(&batch, per_batch * fsize + 64);
    for (i = 0; i < (int)per_batch; i++)
        ap_buf_append(&batch, ap_buf_data(&frame), fsize);

    memset(subs, 0, sizeof(subs));
    for (i = 0; i < nsubs; i++) {
        subs[i].fd = hpf_open("b");
        subs[i].fsize = fsize;
        subs[i].target = UINT64_MAX;
        subs[i].stamp_off = stamp_off;
        if (rate > 0) {
            subs[i].lat = calloc(count, sizeof(int64_t));
            subs[i].lat_cap = count;
        }
        pthread_create(&subs[i].th, NULL, sub_main, &subs[i]);
    }
    pub = hpf_open(NULL);
    /* Probe until every subscription is live (timestamp 0 = ignore). */
    while (min_frames(subs, nsubs) == 0) {
        write_all(pub, ap_buf_data(&frame), fsize);
        probes++;
        usleep(10000);
    }
    usleep(50000);
    for (i = 0; i < nsubs; i++)
        __atomic_store_n(&subs[i].target, probes + count, __ATOMIC_RELEASE);
    t0 = now_ns();
    if (rate <= 0) {
        while (sent < count) {
            uint64_t n = AP_MIN(per_batch, count - sent);
            while ((int64_t)(sent + n) >
                   (int64_t)min_frames(subs, nsubs) - (int64_t)probes +
                       (int64_t)window) {
                struct timespec w = {0, 20000};
                nanosleep(&w, NULL); /* leave the CPU to the broker */
            }
            write_all(pub, ap_buf_data(&batch), n * fsize);
            sent += n;
        }
    } else {
        /* paced: every 200 us, the messages due by now, stamped */
        uint8_t *bp = (uint8_t *)ap_buf_data(&batch);
        struct timespec nap = {0, 200000};
        tick = t0;
        while (sent < count) {
            uint64_t due = (uint64_t)((double)(now_ns() - t0) * rate / 1e9);
            uint64_t n = AP_MIN(AP_MIN(due > sent ? due - sent : 0, per_batch),
                                count - sent);
            int64_t ts = now_ns();
            size_t k;
            for (k = 0; k < n; k++)
                memcpy(bp + k * fsize + stamp_off, &ts, 8);
            if (n)
                write_all(pub, bp, n * fsize);
            sent += n;
            tick += 200000;
            nanosleep(&nap, NULL);
        }
    }
    for (i = 0; i < nsubs; i++)
        pthread_join(subs[i].th, NULL);
    el = 0;
    for (i = 0; i < nsubs; i++)
        el = AP_MAX(el, (double)(subs[i].done_ns - t0) / 1e9);
    if (rate > 0) {
        int64_t *l = subs[0].lat;
        size_t n = subs[0].nlat, a, b2;
        qsort(l, n, sizeof(*l), cmp);
        a = n / 2;
        b2 = n * 99 / 100;
        *p50 = n ? (double)l[a] / 1000.0 : 0;
        *p99 = n ? (double)l[b2 < n ? b2 : n - 1] / 1000.0 : 0;
    }
    for (i = 0; i < nsubs; i++) {
        close(subs[i].fd);
        free(subs[i].lat);
    }
    close(pub);
    ap_buf_release(&frame);
    ap_buf_release(&batch);
    free(pl);
    return (double)count * nsubs / el;
}

static long
rss_kb(pid_t pid)
{
    char path[64], line[256];
    long kb = -1;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    if ((f = fopen(path, "r")) == NULL)
        return -1;
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, "VmRSS:", 6) == 0)
            kb = strtol(line + 6, NULL, 10);
    fclose(f);
    return kb;
}

static void
bench_idle(int n)
{
    struct rlimit rl;
    long before, after;
    int *fds = calloc((size_t)n, sizeof(int)), i, last;
    uint8_t hdr[5];

    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    before = rss_kb(server_pid);
    for (i = 0; i < n; i++)
        fds[i] = hpf_open("idle");
    /* The last connection's self-delivered publish proves all were
     * handled (frames are processed in order per connection, and the
     * loop serves every socket). */
    last = fds[n - 1];
    {
        struct ap_buf b;
        ap_buf_init(&b, 256);
        hpf_put_publish(&b, IDENT, strlen(IDENT), "idle", 4, "x", 1);
        write_all(last, ap_buf_data(&b), ap_buf_len(&b));
        ap_buf_release(&b);
        read_all(last, hdr, 5);
    }
    sleep(1);
    after = rss_kb(server_pid);
    printf("idle: %d authenticated, subscribed connections: server RSS %.1f MB"
           " (%.1f MB before; %.0f bytes per connection)\n",
           n, (double)after / 1024, (double)before / 1024,
           (double)(after - before) * 1024 / n);
    for (i = 0; i < n; i++)
        close(fds[i]);
    free(fds);
}

int
main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"apiary", required_argument, NULL, 'a'},
        {"count", required_argument, NULL, 'c'},
        {"idle", required_argument, NULL, 'i'},
        {"smoke", no_argument, NULL, 's'},
        {NULL, 0, NULL, 0},
    };
    uint64_t count = 2000000;
    int idle = 10000, c, smoke = 0;
    double peak, r, p50, p99;
    static const size_t sizes[] = {200, 4096};
    static const int fan[] = {1, 4};
    size_t si, fi;

    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'a':
            apiary_bin = optarg;
            break;
        case 'c':
            count = strtoull(optarg, NULL, 10);
            break;
        case 'i':
            idle = (int)strtol(optarg, NULL, 10);
            break;
        case 's':
            smoke = 1;
            break;
        default:
            return 2;
        }
    }
    if (apiary_bin == NULL) {
        fprintf(stderr, "usage: broker_bench --apiary PATH [--count N]"
                        " [--idle N] [--smoke]\n");
        return 2;
    }
    if (smoke) {
        count = 20000;
        idle = 200;
    }
    signal(SIGPIPE, SIG_IGN);
    start_server();
    peak = 0;
    for (si = 0; si < AP_ARRAY_SIZE(sizes); si++) {
        for (fi = 0; fi < AP_ARRAY_SIZE(fan); fi++) {
            uint64_t n = sizes[si] > 1000 ? count / 4 : count;
            r = bench_run(fan[fi], sizes[si], n, 0, NULL, NULL);
            printf("1 -> %d, %4zu B: %10.0f msg/s delivered (%llu messages"
                   " per subscriber)\n",
                   fan[fi], sizes[si], r, (unsigned long long)n);
            fflush(stdout);
            if (si == 0 && fi == 0)
                peak = r;
        }
    }
    r = peak / 2;
    bench_run(1, 200, (uint64_t)(r * (smoke ? 0.2 : 3.0)) + 1, r, &p50, &p99);
    printf("latency 1 -> 1, 200 B at %.0f msg/s (half the peak): p50 %.0f us,"
           " p99 %.0f us\n",
           r, p50, p99);
    fflush(stdout);
    bench_idle(idle);
    stop_server();
    return 0;
}
