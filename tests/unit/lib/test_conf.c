#include <stdlib.h>
#include <unistd.h>

#include "ap/conf.h"
#include "ap/err.h"
#include "harness.h"

struct tconf {
    char *name;
    long long workers;
    int tls;
    int port;
    size_t maxmsg;
    long long timeout;
    struct ap_strlist listen;
};

static const struct ap_conf_kw tkws[] = {
    {"name", AP_CONF_STR, offsetof(struct tconf, name), "hpfeeds", 0, 0, NULL, NULL},
    {"workers", AP_CONF_INT, offsetof(struct tconf, workers), "2", 1, 64, NULL, NULL},
    {"tls", AP_CONF_BOOL, offsetof(struct tconf, tls), "no", 0, 0, NULL, NULL},
    {"port", AP_CONF_PORT, offsetof(struct tconf, port), "10000", 0, 0, NULL, NULL},
    {"max_message", AP_CONF_SIZE, offsetof(struct tconf, maxmsg), "10M", 0, 0, NULL, NULL},
    {"timeout", AP_CONF_SECS, offsetof(struct tconf, timeout), "30s", 0, 0, NULL, NULL},
    {"listen", AP_CONF_LIST, offsetof(struct tconf, listen), NULL, 0, 0, NULL, NULL},
    {NULL, 0, 0, NULL, 0, 0, NULL, NULL},
};

struct inst {
    char *arg;
    struct tconf c;
};
static struct inst insts[4];
static int ninst;

static void *
mk_instance(void *ctx, const char *arg, char *err, size_t errlen)
{
    (void)ctx;
    if (ninst == 4) {
        snprintf(err, errlen, "too many");
        return NULL;
    }
    insts[ninst].arg = strdup(arg);
    return &insts[ninst++].c;
}

static int
parse(const char *text, struct tconf *top, struct tconf *ssh, char *err)
{
    struct ap_conf_section secs[] = {
        {"", tkws, top, NULL, NULL},
        {"ssh", tkws, ssh, NULL, NULL},
        {"output", tkws, NULL, mk_instance, NULL},
    };
    char e[256];

    ap_conf_release(tkws, top);
    ap_conf_release(tkws, ssh);
    ASSERT_EQ(ap_conf_defaults(tkws, top, e, sizeof(e)), 0);
    ASSERT_EQ(ap_conf_defaults(tkws, ssh, e, sizeof(e)), 0);
    return ap_conf_parse_string("test.conf", text, secs, 3, err, 256);
}

TEST(defaults_and_values)
{
    struct tconf top = {0}, ssh = {0};
    char err[256];

    ASSERT_EQ(parse("# comment\n"
                    "name \"my broker # 1\"   # trailing\n"
                    "workers 8\n"
                    "listen 127.0.0.1:10000, [::1]:10000\n"
                    "listen 0.0.0.0:20000\n"
                    "\n[ssh]\n"
                    "  port 2222\r\n"
                    "tls yes\n"
                    "max_message 64k\n"
                    "timeout 5m\n",
                    &top, &ssh, err),
              0);
    ASSERT_STR_EQ(top.name, "my broker # 1");
    ASSERT_EQ(top.workers, 8);
    ASSERT_EQ(top.port, 10000);
    ASSERT_EQ(top.maxmsg, 10 * 1024 * 1024);
    ASSERT_EQ(top.timeout, 30);
    ASSERT_EQ(top.listen.n, 3);
    ASSERT_STR_EQ(top.listen.v[1], "[::1]:10000");
    ASSERT_STR_EQ(ssh.name, "hpfeeds");
    ASSERT_EQ(ssh.port, 2222);
    ASSERT_EQ(ssh.tls, 1);
    ASSERT_EQ(ssh.maxmsg, 65536);
    ASSERT_EQ(ssh.timeout, 300);
    ap_conf_release(tkws, &top);
    ap_conf_release(tkws, &ssh);
    ASSERT(top.name == NULL);
}

TEST(errors_name_file_and_line)
{
    struct tconf top = {0}, ssh = {0};
    char err[256];

    ASSERT_EQ(parse("name x\nbogus 1\n", &top, &ssh, err), AP_ECONF);
    ASSERT_STR_EQ(err, "test.conf:2: unknown keyword 'bogus'");
    ap_conf_release(tkws, &top);
    ASSERT_EQ(parse("\n\n[ssh]\nworkers 100\n", &top, &ssh, err), AP_ECONF);
    ASSERT_STR_EQ(err, "test.conf:4: workers: value 100 out of range 1..64");
    ap_conf_release(tkws, &top);
    ap_conf_release(tkws, &ssh);
    ASSERT_EQ(parse("port 70000\n", &top, &ssh, err), AP_ECONF);
    ASSERT_STR_EQ(err, "test.conf:1: port: '70000' is not a port (0-65535)");
    ASSERT_EQ(parse("[smtp]\n", &top, &ssh, err), AP_ECONF);
    ASSERT_STR_EQ(err, "test.conf:1: unknown section [smtp]");
    ASSERT_EQ(parse("tls maybe\n", &top, &ssh, err), AP_ECONF);
    ASSERT_STR_EQ(err, "test.conf:1: tls: 'maybe' is not yes or no");
    ASSERT_EQ(parse("name \"open\n", &top, &ssh, err), AP_ECONF);
    ASSERT_STR_EQ(err, "test.conf:1: unterminated quoted value");
    ASSERT_EQ(parse("workers\n", &top, &ssh, err), AP_ECONF);
    ASSERT_STR_EQ(err, "test.conf:1: keyword 'workers' needs a value");
    ASSERT_EQ(parse("max_message 10Q\n", &top, &ssh, err), AP_ECONF);
    ASSERT_EQ(parse("timeout -1\n", &top, &ssh, err), AP_ECONF);
    ASSERT_EQ(parse("[ssh\n", &top, &ssh, err), AP_ECONF);
    ASSERT_STR_EQ(err, "test.conf:1: section header without ']'");
    ASSERT_EQ(parse("[ssh] x\n", &top, &ssh, err), AP_ECONF);
    ASSERT_EQ(parse("[output]\n", &top, &ssh, err), AP_ECONF);
    ap_conf_release(tkws, &top);
    ap_conf_release(tkws, &ssh);
}

TEST(instances)
{
    struct tconf top = {0}, ssh = {0};
    char err[256];
    int i;

    ninst = 0;
    ASSERT_EQ(parse("[output splunk]\nport 1\n[ output  cef ]\nport 2\n", &top,
                    &ssh, err),
              0);
    ASSERT_EQ(ninst, 2);
    ASSERT_STR_EQ(insts[0].arg, "splunk");
    ASSERT_EQ(insts[0].c.port, 1);
    ASSERT_STR_EQ(insts[1].arg, "cef");
    ASSERT_EQ(insts[1].c.port, 2);
    ASSERT_STR_EQ(insts[1].c.name, "hpfeeds");
    for (i = 0; i < ninst; i++) {
        free(insts[i].arg);
        ap_conf_release(tkws, &insts[i].c);
    }
    ap_conf_release(tkws, &top);
    ap_conf_release(tkws, &ssh);
}

static void *
find_inst(void *ctx, const char *section, const char *name)
{
    int i;

    (void)ctx;
    ASSERT_STR_EQ(section, "output");
    for (i = 0; i < ninst; i++)
        if (strcmp(insts[i].arg, name) == 0)
            return &insts[i].c;
    return NULL;
}

/* --set reaches instance sections: SECTION.NAME.KEY=VALUE, names with
 * dots, a new instance created with its defaults. */
TEST(override_instances)
{
    struct tconf top = {0}, ssh = {0};
    struct ap_conf_section secs[] = {
        {"", tkws, &top, NULL, NULL},
        {"ssh", tkws, &ssh, NULL, NULL},
        {"output", tkws, NULL, mk_instance, NULL},
    };
    char err[256];
    int i;

    ninst = 0;
    ASSERT_EQ(parse("[output splunk]\nport 1\n[output my.cef]\nport 2\n", &top, &ssh, err),
              0);
    ASSERT_EQ(ap_conf_override_find("output.splunk.port=5", secs, 3, find_inst, NULL, err,
                                    sizeof(err)),
              0);
    ASSERT_EQ(insts[0].c.port, 5);
    ASSERT_EQ(ap_conf_override_find("output.my.cef.name=x=y", secs, 3, find_inst, NULL, err,
                                    sizeof(err)),
              0);
    ASSERT_STR_EQ(insts[1].c.name, "x=y");
    ASSERT_EQ(insts[1].c.port, 2);
    ASSERT_EQ(ap_conf_override_find("output.new.workers=9", secs, 3, find_inst, NULL, err,
                                    sizeof(err)),
              0);
    ASSERT_EQ(ninst, 3);
    ASSERT_STR_EQ(insts[2].arg, "new");
    ASSERT_EQ(insts[2].c.workers, 9);
    ASSERT_EQ(insts[2].c.port, 10000);
    ASSERT_EQ(ap_conf_override_find("output.port=1", secs, 3, find_inst, NULL, err,
                                    sizeof(err)),
              AP_ECONF);
    ASSERT_STR_EQ(err, "--set output.port=1: expected output.NAME.KEY=VALUE");
    ASSERT_EQ(ap_conf_override_find("output.splunk.bogus=1", secs, 3, find_inst, NULL, err,
                                    sizeof(err)),
              AP_ECONF);
    ASSERT(strstr(err, "unknown keyword 'bogus'") != NULL);
    ASSERT_EQ(ap_conf_override_find("output.splunk.port=99999", secs, 3, find_inst, NULL,
                                    err, sizeof(err)),
              AP_ECONF);
    ASSERT_EQ(insts[0].c.port, 5);
    /* plain sections as before */
    ASSERT_EQ(ap_conf_override("ssh.port=22", secs, 3, err, sizeof(err)), 0);
    ASSERT_EQ(ssh.port, 22);
    ASSERT_EQ(ap_conf_override("workers=3", secs, 3, err, sizeof(err)), 0);
    ASSERT_EQ(top.workers, 3);
    ASSERT_EQ(ap_conf_override("nosuch.x=1", secs, 3, err, sizeof(err)), AP_ECONF);
    ASSERT_STR_EQ(err, "--set nosuch.x=1: unknown section 'nosuch'");
    for (i = 0; i < ninst; i++) {
        free(insts[i].arg);
        ap_conf_release(tkws, &insts[i].c);
    }
    ap_conf_release(tkws, &top);
    ap_conf_release(tkws, &ssh);
}

TEST(long_line_and_file)
{
    struct ap_conf_section secs[] = {{"", tkws, NULL, NULL, NULL}};
    char err[256], *big = malloc(10000), path[] = "/tmp/ap_conf_XXXXXX";
    struct tconf c;
    int fd;

    memset(big, 'a', 9999);
    big[9999] = 0;
    memset(&c, 0, sizeof(c));
    secs[0].conf = &c;
    ASSERT_EQ(ap_conf_parse_string("x", big, secs, 1, err, sizeof(err)),
              AP_ECONF);
    ASSERT_STR_EQ(err, "x:1: line longer than 4095 bytes");
    free(big);
    fd = mkstemp(path);
    ASSERT(fd >= 0);
    ASSERT_EQ(write(fd, "workers 3\nnope\n", 15), 15);
    close(fd);
    ASSERT_EQ(ap_conf_parse_file(path, secs, 1, err, sizeof(err)), AP_ECONF);
    ASSERT(strstr(err, ":2: keyword 'nope' needs a value") != NULL);
    ASSERT_EQ(c.workers, 3);
    unlink(path);
    ASSERT_EQ(ap_conf_parse_file("/nonexistent/x.conf", secs, 1, err,
                                 sizeof(err)),
              AP_ECONF);
    ASSERT_STR_EQ(err, "/nonexistent/x.conf: No such file or directory");
    ap_conf_release(tkws, &c);
}

TEST(scalars)
{
    size_t sz;
    long long s;

    ASSERT_EQ(ap_conf_parse_size("1G", &sz), 0);
    ASSERT_EQ(sz, 1u << 30);
    ASSERT_EQ(ap_conf_parse_size("64KB", &sz), 0);
    ASSERT_EQ(sz, 65536);
    ASSERT_EQ(ap_conf_parse_size("k", &sz), AP_EINVAL);
    ASSERT_EQ(ap_conf_parse_size("99999999999999999999", &sz), AP_EINVAL);
    ASSERT_EQ(ap_conf_parse_secs("7d", &s), 0);
    ASSERT_EQ(s, 7 * 86400);
    ASSERT_EQ(ap_conf_parse_secs("2h", &s), 0);
    ASSERT_EQ(s, 7200);
}

int
main(void)
{
    RUN(defaults_and_values);
    RUN(errors_name_file_and_line);
    RUN(instances);
    RUN(override_instances);
    RUN(long_line_and_file);
    RUN(scalars);
    return DONE();
}
