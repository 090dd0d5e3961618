/*
 * `apiary enroll URL --deploy-key KEY`: register this host with a server
 * (POST URL/api/sensor/, the MHN endpoint), receive an hpfeeds ident and
 * secret, and write the sensor config (mode 0600).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "ap/buf.h"
#include "ap/conf.h"
#include "ap/err.h"
#include "ap/util.h"
#include "commands.h"
#include "http_post.h"
#include "sensor.h"
#include "unit_text.h" /* generated from conf/apiary-sensor.service */
#include "ap/common.h"

struct enroll_opts {
    const char *url, *key, *name, *modules, *out, *server, *ca;
    const char *spool_dir, *state_dir;
    int insecure;
};

static void
usage(FILE *f)
{
    fprintf(f,
            "usage: apiary enroll URL --deploy-key KEY [--name NAME] "
            "[--modules LIST]\n"
            "                     [-o FILE] [--server HOST:PORT] [--ca FILE]"
            "\n"
            "       apiary enroll --print-unit\n"
            "  URL               the server's web address "
            "(https://host:port)\n"
            "  --deploy-key KEY  from the server's deploy page or "
            "'apiary deploykey add'\n"
            "  --name NAME       sensor name (default: this host's name)\n"
            "  --modules LIST    modules to run, e.g. ssh,tcp (default: all)\n"
            "  -o FILE           config to write (default "
            "/etc/apiary/sensor.conf)\n"
            "  --server H:P      hpfeeds address, if not the URL's host\n"
            "  --ca FILE         CA certificate that signs the server\n"
            "  --spool-dir DIR, --state-dir DIR   for the written config\n"
            "  --print-unit      print the systemd unit and exit\n");
}

/* The names of every module, or the checked --modules list. */
static int
module_list(const char *want, struct ap_buf *out, char *err, size_t errlen)
{
    struct ap_strlist l = {0};
    size_t i;
    int r = 0;

    if (want == NULL) {
        for (i = 0; ap_protos[i]; i++)
            r |= ap_buf_printf(out, "%s%s", i ? "," : "", ap_protos[i]->name);
        return r ? AP_ENOMEM : 0;
    }
    if (ap_strlist_split(&l, want) != 0 || l.n == 0) {
        snprintf(err, errlen, "--modules: a comma-separated list");
        ap_strlist_free(&l);
        return AP_EINVAL;
    }
    for (i = 0; i < l.n && r == 0; i++) {
        if (ap_proto_find(l.v[i]) == NULL) {
            snprintf(err, errlen, "--modules: unknown module '%s'", l.v[i]);
            r = AP_EINVAL;
        } else {
            r = ap_buf_printf(out, "%s%s", i ? "," : "", l.v[i]);
        }
    }
    ap_strlist_free(&l);
    return r;
}

/* A value that goes into the config file must stay on one line. */
static int
conf_safe(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == '"' || *s == '#' ||
            *s == 0x7f)
            return 0;
    return 1;
}

static int
write_config(const struct enroll_opts *o, const struct ap_url *u,
             json_t *resp, const char *modules, char *err, size_t errlen)
{
    const char *ident = json_string_value(json_object_get(resp, "identifier"));
    const char *secret = json_string_value(json_object_get(resp, "secret"));
    json_t *hp = json_object_get(resp, "hpfeeds");
    const char *hhost = json_string_value(json_object_get(hp, "host"));
    long long hport = json_integer_value(json_object_get(hp, "port"));
    struct ap_buf b;
    char server[300], when[32];
    int r;

    if (ident == NULL || secret == NULL || !conf_safe(ident) ||
        !conf_safe(secret)) {
        snprintf(err, errlen, "the server's answer has no usable identifier "
                              "and secret");
        return AP_EPROTO;
    }
    if (o->server)
        snprintf(server, sizeof(server), "%s", o->server);
    else
        snprintf(server, sizeof(server), strchr(hhost ? hhost : u->host, ':')
                                             ? "[%s]:%lld"
                                             : "%s:%lld",
                 hhost ? hhost : u->host, hport > 0 ? hport : 10000LL);
    if (!conf_safe(server) || !conf_safe(o->name)) {
        snprintf(err, errlen, "server address or name not usable in a "
                              "config file");
        return AP_EINVAL;
    }
    ap_format_time_us(ap_now_us(), when, sizeof(when));
    ap_buf_init(&b, 64 * 1024);
    r = ap_buf_printf(
        &b,
        "# Written by 'apiary enroll %s' on %s.\n"
        "# Keep it private: it holds this sensor's hpfeeds secret.\n"
        "name \"%s\"\n"
        "server %s\n"
        "ident %s\n"
        "secret \"%s\"\n"
        "tls %s\n%s%s%s"
        "spool_dir %s\n"
        "state_dir %s\n"
        "modules %s\n",
        u->host, when, o->name, server, ident, secret,
        json_is_true(json_object_get(hp, "tls")) ? "yes" : "no",
        o->ca ? "tls_ca " : "", o->ca ? o->ca : "", o->ca ? "\n" : "",
        o->spool_dir, o->state_dir, modules);
    if (r == 0 &&
        ap_write_file_atomic(o->out, ap_buf_data(&b), ap_buf_len(&b), 0600) !=
            0) {
        snprintf(err, errlen, "%s: %s", o->out, strerror(errno));
        r = AP_EIO;
    }
    ap_buf_release(&b);
    return r;
}

static int
parse_args(int argc, char **argv, struct enroll_opts *o)
{
    static const struct option longopts[] = {
        {"deploy-key", required_argument, NULL, 'k'},
        {"name", required_argument, NULL, 'n'},
        {"modules", required_argument, NULL, 'm'},
        {"output", required_argument, NULL, 'o'},
        {"server", required_argument, NULL, 's'},
        {"ca", required_argument, NULL, 'C'},
        {"insecure", no_argument, NULL, 'I'},
        {"spool-dir", required_argument, NULL, 'S'},
        {"state-dir", required_argument, NULL, 'T'},
        {"print-unit", no_argument, NULL, 'U'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;

    optind = 1;
    while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'k':
            o->key = optarg;
            break;
        case 'n':
            o->name = optarg;
            break;
        case 'm':
            o->modules = optarg;
            break;
        case 'o':
            o->out = optarg;
            break;
        case 's':
            o->server = optarg;
            break;
        case 'C':
            o->ca = optarg;
            break;
        case 'I':
            o->insecure = 1;
            break;
        case 'S':
            o->spool_dir = optarg;
            break;
        case 'T':
            o->state_dir = optarg;
            break;
        case 'U':
            fputs(ap_unit_text, stdout);
            return -1;
        case 'h':
            usage(stdout);
            return -1;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind + 1 != argc || o->key == NULL) {
        usage(stderr);
        return 2;
    }
    o->url = argv[optind];
    return 0;
}

int
cmd_enroll(int argc, char **argv)
{
    struct enroll_opts o = {0};
    struct ap_url u;
    struct ap_buf resp, mods;
    json_t *req = NULL, *ans = NULL;
    char host[256], err[512] = "", *body = NULL;
    const char *msg;
    int status = 0, rc = 1, r;

    o.out = "/etc/apiary/sensor.conf";
    o.spool_dir = "/var/lib/apiary/spool";
    o.state_dir = "/var/lib/apiary/state";
    if ((r = parse_args(argc, argv, &o)) != 0)
        return r < 0 ? 0 : r;
    ap_buf_init(&resp, AP_HTTP_RESPONSE_MAX);
    ap_buf_init(&mods, 4096);
    if (gethostname(host, sizeof(host)) != 0)
        snprintf(host, sizeof(host), "sensor");
    host[sizeof(host) - 1] = '\0';
    if (o.name == NULL)
        o.name = host;
    if (ap_url_parse(o.url, &u) != 0) {
        snprintf(err, sizeof(err), "%s: expected http[s]://host[:port]",
                 o.url);
        goto out;
    }
    if (module_list(o.modules, &mods, err, sizeof(err)) != 0)
        goto out;
    /* The MHN endpoint, whatever path the URL had. */
    snprintf(u.path, sizeof(u.path), "/api/sensor/");
    req = json_pack("{s:s, s:s, s:s, s:s}", "name", o.name, "hostname", host,
                    "honeypot", "apiary", "deploy_key", o.key);
    if (req == NULL || (body = json_dumps(req, JSON_COMPACT)) == NULL)
        goto out;
    if (ap_http_post_json(&u, o.ca, o.insecure, body, 30, &status, &resp, err,
                          sizeof(err)) != 0)
        goto out;
    ans = json_loadb((const char *)ap_buf_data(&resp), ap_buf_len(&resp), 0,
                     NULL);
    if (status != 200) {
        msg = json_string_value(json_object_get(ans, "error"));
        snprintf(err, sizeof(err), "enrollment refused (HTTP %d): %s", status,
                 msg ? msg : "no reason given");
        goto out;
    }
    if (!json_is_object(ans)) {
        snprintf(err, sizeof(err), "the server's answer is not JSON");
        goto out;
    }
    if (write_config(&o, &u, ans, (const char *)ap_buf_cstr(&mods), err,
                     sizeof(err)) != 0)
        goto out;
    printf("enrolled as %s (sensor \"%s\"); config written to %s\n"
           "start it with:  apiary sensor -c %s\n"
           "or as a service: apiary enroll --print-unit > "
           "/etc/systemd/system/apiary-sensor.service &&\n"
           "                 systemctl enable --now apiary-sensor\n",
           json_string_value(json_object_get(ans, "identifier")), o.name,
           o.out, o.out);
    rc = 0;
out:
    if (rc != 0)
        fprintf(stderr, "apiary enroll: %s\n", err[0] ? err : "out of memory");
    free(body);
    json_decref(req);
    json_decref(ans);
    ap_buf_release(&resp);
    ap_buf_release(&mods);
    return rc;
}
