/*
 * `apiary demo`: a server (embedded SQLite, loopback, unprivileged ports)
 * and a local sensor running every module in the registry, as two child
 * processes of this one.  Prints the dashboard URL, the admin password
 * and one command per honeypot to attack it from this machine.  Ctrl-C
 * stops both.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ap/buf.h"
#include "ap/conf.h"
#include "ap/err.h"
#include "ap/util.h"
#include "commands.h"
#include "idents.h"
#include "sensor.h"
#include "server.h"
#include "ap/common.h"

#define DEMO_IDENT "demo-sensor"
#define DEMO_WAIT_SECS 90

static volatile sig_atomic_t stop_sig;

static void
on_signal(int sig)
{
    stop_sig = sig;
}

/* Is 127.0.0.1:port free right now?  (The server binds it a moment
 * later; a lost race only means the server reports the error.) */
static int
port_free(int port)
{
    struct sockaddr_in a;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), ok, one = 1;

    if (fd < 0)
        return 0;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    ok = bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
    close(fd);
    return ok;
}

static pid_t
spawn(char *const argv[], const char *log)
{
    pid_t pid = fork();
    int fd;

    if (pid != 0)
        return pid;
    /* The child's messages go to its log, not over the demo's banner. */
    if ((fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600)) >= 0)
        dup2(fd, STDERR_FILENO);
    execv("/proc/self/exe", argv);
    _exit(127);
}

/* Wait until every name in want appears in the port file. */
static int
wait_ports(const char *path, const char *const *want, pid_t child)
{
    char line[256], name[64];
    int i, found, port, st;
    FILE *f;

    for (i = 0; i < DEMO_WAIT_SECS * 10 && !stop_sig; i++) {
        if (waitpid(child, &st, WNOHANG) == child)
            return AP_EIO;
        found = 0;
        if ((f = fopen(path, "r")) != NULL) {
            while (fgets(line, sizeof(line), f))
                if (sscanf(line, "%63s %d", name, &port) == 2)
                    for (const char *const *w = want; *w; w++)
                        found += strcmp(*w, name) == 0;
            fclose(f);
        }
        int n = 0;
        while (want[n])
            n++;
        if (found >= n)
            return 0;
        usleep(100000);
    }
    return AP_ETIMEDOUT;
}

static int
port_of(const char *path, const char *name, int nth)
{
    char line[256], n[64];
    int port, k = 0, r = 0;
    FILE *f = fopen(path, "r");

    if (f == NULL)
        return 0;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "%63s %d", n, &port) == 2 && strcmp(n, name) == 0 &&
            k++ == nth) {
            r = port;
            break;
        }
    fclose(f);
    return r;
}

/* The sensor's ident in server.db, created before the server starts. */
static int
make_ident(const char *dir, char **secret)
{
    struct ap_strlist pub = {0}, sub = {0};
    sqlite3 *db = NULL;
    int r = AP_ENOMEM;

    if (ap_strlist_add(&pub, "apiary.events") != 0 ||
        ap_strlist_add(&pub, "apiary.status") != 0 ||
        ap_strlist_add(&sub, "apiary.ack." DEMO_IDENT) != 0)
        goto out;
    if ((r = ap_server_db_open(dir, &db)) != 0 ||
        (r = ap_idents_init(db)) != 0)
        goto out;
    ap_ident_delete(db, DEMO_IDENT); /* a re-run gets a fresh secret */
    r = ap_ident_create(db, DEMO_IDENT, NULL, &pub, &sub, "demo", secret);
out:
    sqlite3_close(db);
    ap_strlist_free(&pub);
    ap_strlist_free(&sub);
    return r;
}

static int
write_sensor_conf(const char *path, const char *dir, int hp_port,
                  const char *secret)
{
    struct ap_buf b;
    size_t i;
    int r;

    ap_buf_init(&b, 64 * 1024);
    r = ap_buf_printf(&b,
                      "# apiary demo: every module on loopback, port 0\n"
                      "name demo\nserver 127.0.0.1:%d\nident %s\n"
                      "secret \"%s\"\nspool_dir %s/spool\n"
                      "state_dir %s/state\nheartbeat 5\n"
                      "allow_root yes\ntags demo\n",
                      hp_port, DEMO_IDENT, secret, dir, dir);
    for (i = 0; r == 0 && ap_protos[i]; i++)
        r = ap_buf_printf(&b, "\n[%s]\nlisten 127.0.0.1:0\n",
                          ap_protos[i]->name);
    if (r == 0)
        r = ap_write_file_atomic(path, ap_buf_data(&b), ap_buf_len(&b),
                                 0600);
    ap_buf_release(&b);
    return r;
}

static void
print_try(const struct ap_proto *p, int port)
{
    const char *t = p->try_it, *at;

    printf("  %-8s port %-5d  ", p->name, port);
    if (t == NULL) {
        printf("nc 127.0.0.1 %d\n", port);
        return;
    }
    while ((at = strstr(t, "{port}")) != NULL) {
        printf("%.*s%d", (int)(at - t), t, port);
        t = at + 6;
    }
    printf("%s\n", t);
}

int
cmd_demo(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"data-dir", required_argument, NULL, 'd'},
        {"port", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static const char *const srv_want[] = {"hpfeeds", "web", NULL};
    char dir[1024], pw[17], web_listen[64], ports[1100], sports[1100];
    char conf[1100], slog[1100], vlog[1100], pw_set[64];
    char *secret = NULL, tmpl[] = "/tmp/apiary-demo.XXXXXX";
    const char *given = NULL;
    pid_t srv = -1, sen = -1, dead;
    int c, web_port = 8080, hp, wp, st, rc = 1;
    size_t i;

    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c == 'd')
            given = optarg;
        else if (c == 'p')
            web_port = (int)strtol(optarg, NULL, 10);
        else {
            printf("usage: apiary demo [--data-dir DIR] [--port WEBPORT]\n");
            return c == 'h' ? 0 : 2;
        }
    }
    if (given) {
        snprintf(dir, sizeof(dir), "%s", given);
        if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
            fprintf(stderr, "apiary demo: %s: %s\n", dir, strerror(errno));
            return 1;
        }
    } else if (mkdtemp(tmpl) != NULL) {
        snprintf(dir, sizeof(dir), "%s", tmpl);
    } else {
        fprintf(stderr, "apiary demo: mkdtemp: %s\n", strerror(errno));
        return 1;
    }
    snprintf(ports, sizeof(ports), "%s/ports", dir);
    snprintf(sports, sizeof(sports), "%s/sensor.ports", dir);
    snprintf(conf, sizeof(conf), "%s/sensor.conf", dir);
    snprintf(vlog, sizeof(vlog), "%s/server.log", dir);
    snprintf(slog, sizeof(slog), "%s/sensor.log", dir);
    unlink(ports);
    unlink(sports);
    if (ap_random_token(pw, 16) != 0 || make_ident(dir, &secret) != 0) {
        fprintf(stderr, "apiary demo: cannot prepare %s/server.db\n", dir);
        goto out;
    }
    snprintf(web_listen, sizeof(web_listen), "web.listen=127.0.0.1:%d",
             port_free(web_port) ? web_port : 0);
    snprintf(pw_set, sizeof(pw_set), "web.admin_password=%s", pw);
    {
        /* No SA_RESTART: the signal must interrupt waitpid below. */
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
    }
    {
        char *sargv[] = {"apiary", "server", "--data-dir", dir,
                         "--port-file", ports, "--set", web_listen,
                         "--set", pw_set, "--set",
                         "hpfeeds.listen=127.0.0.1:0", "--set",
                         "metrics.listen=127.0.0.1:0", NULL};
        srv = spawn(sargv, vlog);
    }
    if (srv < 0 || wait_ports(ports, srv_want, srv) != 0) {
        fprintf(stderr, "apiary demo: the server did not start; see %s\n",
                vlog);
        goto out;
    }
    hp = port_of(ports, "hpfeeds", 0);
    wp = port_of(ports, "web", 0);
    if (write_sensor_conf(conf, dir, hp, secret) != 0) {
        fprintf(stderr, "apiary demo: cannot write %s\n", conf);
        goto out;
    }
    {
        char *eargv[] = {"apiary", "sensor", "-c", conf, "--port-file",
                         sports, NULL};
        const char *const sen_want[] = {ap_protos[0]->name, NULL};
        sen = spawn(eargv, slog);
        if (sen < 0 || wait_ports(sports, sen_want, sen) != 0) {
            fprintf(stderr, "apiary demo: the sensor did not start; see %s\n",
                    slog);
            goto out;
        }
    }
    printf("\nApiary demo is running (data in %s).\n\n"
           "  dashboard  http://127.0.0.1:%d/\n"
           "  login      admin / %s\n"
           "  hpfeeds    127.0.0.1:%d (sensor ident %s)\n\n"
           "Attack the honeypots from this machine:\n",
           dir, wp, pw, hp, DEMO_IDENT);
    for (i = 0; ap_protos[i]; i++)
        print_try(ap_protos[i], port_of(sports, ap_protos[i]->name, 0));
    printf("\nLogs: %s, %s.  Ctrl-C stops both.\n", vlog, slog);
    fflush(stdout);
    while (!stop_sig) {
        dead = waitpid(-1, &st, 0);
        if (stop_sig)
            break; /* Ctrl-C reached the children too */
        if (dead == srv || dead == sen) {
            fprintf(stderr, "apiary demo: the %s stopped; see %s\n",
                    dead == srv ? "server" : "sensor",
                    dead == srv ? vlog : slog);
            if (dead == srv)
                srv = -1;
            else
                sen = -1;
            goto out;
        }
        if (dead < 0 && errno == ECHILD)
            break;
    }
    rc = 0;
out:
    /* Sensor first: its last events still reach the server. */
    if (sen > 0) {
        kill(sen, SIGTERM);
        waitpid(sen, NULL, 0);
    }
    if (srv > 0) {
        kill(srv, SIGTERM);
        waitpid(srv, NULL, 0);
    }
    free(secret);
    return rc;
}
