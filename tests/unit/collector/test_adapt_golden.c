/*
 * Adapters, byte for byte: the exact JSON text (JSON_COMPACT, insertion
 * order, as the store writes it) of every event, every id and every
 * refusal message must stay what it was when the golden file was made.
 * test_adapters checks meaning; this checks bytes, so that speed work on
 * the adapters and the event model cannot change a stored event or an id
 * (ids are derived from content so that resent payloads dedupe).
 *
 * Sections (each hashed with SHA-256, see tests/data/adapters/golden.sha256):
 *   examples  every tests/data/adapters file through every channel
 *   corpus    the fuzz_adapters corpus, read as the fuzzer reads it
 *   edge      hand-made shapes: bad UTF-8, "::FFFF:", IPv6, offsets, huge
 *             strings, times before 1970 and after 9999, odd idents
 *   bench     the first 4000 ingest_bench payloads
 *   cowrie    /work/shared/data/cowrie/cowrie-2017-11-04.json via import
 *
 * AP_GOLDEN_DUMP=dir writes each section's text to dir/<section>.txt (to
 * diff against a dump from main); AP_REGEN=1 rewrites the golden file --
 * only after a deliberate change of output, reviewed.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "adapters.h"
#include "ap/limits.h"
#include "ap/util.h"
#include "harness.h"
#include "import.h"
#include "ingest_payload.h"

#define RX_US 1700000000000000LL /* 2023-11-14T22:13:20Z */
#define GOLDEN AP_TEST_DATA "/adapters/golden.sha256"

struct section {
    const char *name;
    EVP_MD_CTX *md;
    FILE *dump;
    long long bytes, calls;
};

static void
put(struct section *s, const void *p, size_t n)
{
    if (EVP_DigestUpdate(s->md, p, n) != 1)
        TH_FAIL("digest");
    if (s->dump != NULL && fwrite(p, 1, n, s->dump) != n)
        TH_FAIL("dump write");
    s->bytes += (long long)n;
}

/* One adaptation as one line: channel, result, then the events or the
 * refusal. */
static void
adapt_line(struct section *s, const char *ident, const char *channel,
           const void *p, size_t n, int64_t rx_us)
{
    struct ap_adapt_in in = {channel, ident, p, n, rx_us, NULL};
    char err[512], head[256];
    json_t *out = NULL;
    char *text;
    int r;

    err[0] = '\0';
    r = ap_adapt(&in, &out, err, sizeof(err));
    snprintf(head, sizeof(head), "%s %d ", channel, r);
    put(s, head, strlen(head));
    if (r == 0) {
        if ((text = json_dumps(out, JSON_COMPACT)) == NULL)
            TH_FAIL("json_dumps");
        put(s, text, strlen(text));
        free(text);
        json_decref(out);
    } else {
        put(s, err, strlen(err));
    }
    put(s, "\n", 1);
    s->calls++;
}

static char *
slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *b = NULL;
    long n;

    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) != 0 || (b = malloc((size_t)n + 1)) == NULL ||
        fread(b, 1, (size_t)n, f) != (size_t)n)
        TH_FAIL("cannot read %s", path);
    fclose(f);
    b[n] = '\0';
    *len = (size_t)n;
    return b;
}

static int
by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

/* Regular files of dir, sorted, excluding subdirectories. */
static int
list(const char *dir, struct dirent ***names)
{
    int n = scandir(dir, names, NULL, by_name);

    if (n < 0)
        TH_FAIL("cannot list %s", dir);
    return n;
}

static void
examples(struct section *s)
{
    char path[1024];
    const char *ch;
    struct dirent **names;
    size_t len, k;
    char *p;
    int i, n = list(AP_TEST_DATA "/adapters", &names);

    for (i = 0; i < n; i++) {
        if (names[i]->d_name[0] == '.' || strcmp(names[i]->d_name, "expect") == 0 ||
            strcmp(names[i]->d_name, "golden.sha256") == 0) {
            free(names[i]);
            continue;
        }
        snprintf(path, sizeof(path), "%s/adapters/%s", AP_TEST_DATA,
                 names[i]->d_name);
        p = slurp(path, &len);
        for (k = 0; (ch = ap_adapter_channel(k)) != NULL; k++)
            adapt_line(s, "sensor-1", ch, p, len, RX_US);
        free(p);
        free(names[i]);
    }
    free(names);
}

static void
corpus(struct section *s)
{
    char path[1024];
    struct dirent **names;
    size_t len, nchan = 0;
    char *p;
    int i, n = list(AP_FUZZ_CORPUS, &names);

    while (ap_adapter_channel(nchan) != NULL)
        nchan++;
    for (i = 0; i < n; i++) {
        if (names[i]->d_name[0] == '.') {
            free(names[i]);
            continue;
        }
        snprintf(path, sizeof(path), "%s/%s", AP_FUZZ_CORPUS,
                 names[i]->d_name);
        p = slurp(path, &len);
        if (len > 0)
            adapt_line(s, "fuzz",
                       ap_adapter_channel((unsigned char)p[0] % nchan), p + 1,
                       len - 1, RX_US);
        free(p);
        free(names[i]);
    }
    free(names);
}

static const struct {
    const char *channel, *payload;
} edge_cases[] = {
    {"cowrie.sessions",
     "{\"session\":\"s1\",\"startTime\":\"2018-05-06T17:44:05.000000Z\","
     "\"endTime\":\"2018-05-06T17:44:15.500000Z\",\"peerIP\":\"1.2.3.4\","
     "\"peerPort\":1,\"hostIP\":\"5.6.7.8\",\"hostPort\":22,"
     "\"loggedin\":[\"root\",\"x\"],\"credentials\":[[\"a\",\"b\"],[\"\",\"\"]"
     ",[\"u\"]],\"commands\":[\"ls\",\"foo\",\"\"],\"unknownCommands\":[\"foo\""
     ",\"x\"],\"urls\":[\"http://e/x\"],\"hashes\":[\"ab\"],\"version\":\"V\","
     "\"hassh\":\"h\",\"hasshAlgorithms\":\"a;b\",\"width\":\"80\","
     "\"height\":24.0,\"tags\":[\"t1\",\"\",7,\"t1\",\"t2\"]}"},
    {"cowrie.sessions",
     "{\"peerIP\":\"1.2.3.4\",\"peerPort\":\"x\",\"hostIP\":7,"
     "\"hostPort\":99999,\"credentials\":[1,[2,3],[\"u\"]],"
     "\"commands\":{\"a\":1},\"loggedin\":\"root\",\"startTime\":5,"
     "\"session\":[],\"urls\":[null,\"\"],\"version\":{}}"},
    {"cowrie.sessions",
     "{\"session\":\"v6\",\"peerIP\":\"::FFFF:9.8.7.6\",\"peerPort\":\" 42\","
     "\"hostIP\":\"2001:db8::1\",\"hostPort\":\"22\",\"protocol\":\"telnet\","
     "\"startTime\":\"2017-11-04 01:02:03+02:00\",\"endTime\":"
     "\"2017-11-04T01:02:03.5-0130\",\"urls\":[\"a\",\"b\"],\"hashes\":"
     "[\"h1\"],\"commands\":[\"\\u00e9\\u4e2d\\ud83d\\ude00\"]}"},
    {"cowrie.sessions",
     "{\"session\":\"old\",\"peerIP\":\"10.0.0.1\",\"startTime\":"
     "\"1969-12-31T23:59:59.999999Z\",\"endTime\":\"1960-01-01T00:00:00Z\"}"},
    {"cowrie.sessions",
     "{\"session\":\"far\",\"peerIP\":\"10.0.0.1\",\"startTime\":"
     "\"9999-12-31T23:59:59.999999-23:59\",\"endTime\":"
     "\"2000-02-29T12:00:00 UTC +05:30\"}"},
    {"cowrie.sessions",
     "{\"session\":\"zero\",\"peerIP\":\"0.0.0.0\",\"hostIP\":\"::\","
     "\"startTime\":\"1970-01-01T00:00:00Z\",\"endTime\":"
     "\"1970-01-01T00:00:00.000001Z\"}"},
    {"kippo.sessions",
     "{\"peerIP\":\"1.2.3.4\",\"hostIP\":\"host.example\",\"startTime\":"
     "\"2014/10/23 19:51:41\",\"credentials\":[[\"r\",\"p\"]]}"},
    {"dionaea.connections",
     "{\"connection_type\":\"connect\",\"local_host\":\"10.0.0.6\","
     "\"local_port\":1025,\"remote_host\":\"::ffff:1.2.3.4\",\"remote_port\":"
     "80,\"connection_transport\":\"tls\",\"connection_protocol\":\"http\"}"},
    {"dionaea.connections",
     "{\"connection_type\":\"reject\",\"remote_host\":[\"1.2.3.4\",5],"
     "\"remote_port\":\"5\",\"local_port\":-1,\"connection_transport\":"
     "\"udp\"}"},
    {"dionaea.connections",
     "{\"connection_type\":\"listen\",\"local_host\":\"::\","
     "\"remote_host\":\"not an address\",\"local_port\":65536}"},
    {"dionaea.connections", "{\"remote_host\":\"1.2.3.4\",\"x\":1.5e300}"},
    {"honeydb-agent.events",
     "{\"remote_host\":\"1.2.3.4\",\"data\":\"50commandd0a\"}"},
    {"honeydb-agent.events",
     "{\"remote_host\":\"1.2.3.4\",\"remote_port\":1,\"local_port\":23,"
     "\"data\":\"ff00fe41c3\",\"service\":\"TELNET\"}"},
    {"glastopf.files", "name.php !!!!"},
    {"glastopf.files", "x YWJjZA=="},
    {"mwbinary.dionaea.sensorunique", "\xff\xfe\x00MZ binary"},
    {"apiary.events",
     "{\"id\":\"01JDQ8Z8K3M4N5P6Q7R8S9T0VW\",\"ts\":\"2026-11-29T07:00:"
     "00Z\",\"seq\":7,\"sensor\":\"other\",\"honeypot\":\"ssh\","
     "\"type\":\"login\",\"username\":\"u\",\"password\":\"\\u00ff\","
     "\"password_b64\":\"/w==\",\"success\":false,\"src_ip\":\"1.2.3.4\"}"},
    {"apiary.events",
     "[{\"id\":\"01JDQ8Z8K3M4N5P6Q7R8S9T0VW\",\"ts\":\"2026-11-29T07:00:00Z\","
     "\"honeypot\":\"x\",\"type\":\"connect\"},{\"ts\":\"x\"}]"},
    /* native events that fail validation, one reason each */
    {"apiary.events",
     "{\"ts\":\"2026-11-29T07:00:00Z\",\"honeypot\":\"x\",\"type\":"
     "\"connect\"}"},
    {"apiary.events",
     "{\"id\":\"01JDQ8Z8K3M4N5P6Q7R8S9T0VW\",\"ts\":\"2026-11-29T07:00:00Z\",\"honeypot\":\"x\","
     "\"type\":\"nosuchtype\"}"},
    {"apiary.events",
     "{\"id\":\"01JDQ8Z8K3M4N5P6Q7R8S9T0VW\",\"ts\":\"2026-11-29T07:00:00Z\",\"honeypot\":\"x\","
     "\"type\":\"login\",\"username\":1,\"success\":true}"},
    {"apiary.events",
     "{\"id\":\"01JDQ8Z8K3M4N5P6Q7R8S9T0VW\",\"ts\":\"2026-11-29T07:00:00Z\",\"honeypot\":\"x\","
     "\"type\":\"login\",\"success\":true}"},
    {"apiary.events",
     "{\"id\":\"01JDQ8Z8K3M4N5P6Q7R8S9T0VW\",\"ts\":\"2026-11-29T07:00:00Z\",\"honeypot\":\"x\","
     "\"type\":\"upload\",\"sha256\":\"s\",\"size\":1,\"size_b64\":\"x\"}"},
    {"apiary.events",
     "{\"id\":\"01JDQ8Z8K3M4N5P6Q7R8S9T0VW\",\"ts\":\"2026-11-29T07:00:00Z\",\"honeypot\":\"x\","
     "\"type\":\"upload\",\"sha256\":\"s\",\"filename_b64\":\"x\","
     "\"content_b64\":\"eA==\",\"url\":\"u\"}"},
    {"apiary.events",
     "{\"id\":\"01JDQ8Z8K3M4N5P6Q7R8S9T0VW\",\"ts\":\"2026-11-29T07:00:00Z\",\"honeypot\":\"x\","
     "\"type\":\"ttylog\",\"sha256\":\"s\",\"duration\":1,\"width\":"
     "2.5,\"_b64\":\"\"}"},
    {"apiary.events",
     "{\"id\":\"01JDQ8Z8K3M4N5P6Q7R8S9T0VW\",\"ts\":\"2026-11-29T07:00:00Z\",\"honeypot\":\"x\","
     "\"type\":\"alert\",\"signature\":\"s\",\"src_lat\":1,\"tags\":{}}"},
    {"apiary.events",
     "{\"id\":\"01JDQ8Z8K3M4N5P6Q7R8S9T0VW\",\"ts\":\"2026-11-29T07:00:00Z\",\"honeypot\":\"x\","
     "\"type\":\"request\",\"body\":\"eA==\",\"headers\":{},\"status\":"
     "200,\"b64\":1}"},
    {"snort.alerts",
     "{\"source_ip\":\"1.2.3.4\",\"destination_ip\":\"5.6.7.8\","
     "\"signature\":\"ET SCAN\",\"sig_id\":\"2001219\",\"priority\":\"2\","
     "\"timestamp\":\"2014/10/23 19:51:41.123\"}"},
};

/* A string far over the cap, with the cap falling inside a character. */
static char *
huge_command(void)
{
    size_t n = AP_LIMIT_EVENT_STR * 2, i;
    char *p = malloc(n + 200);

    if (p == NULL)
        TH_FAIL("malloc");
    i = (size_t)snprintf(p, 200, "{\"peerIP\":\"1.2.3.4\",\"commands\":[\"");
    p[i++] = 'x';
    while (i < n) {
        p[i++] = (char)0xc3;
        p[i++] = (char)0xa9;
    }
    memcpy(p + i, "\"]}", 4);
    return p;
}

static void
edge(struct section *s)
{
    static const char *const idents[] = {"sensor-1", "s\xffx", "", "a\"b\\c"};
    static const int64_t times[] = {RX_US, 0, -1, -1500001, 1,
                                    253402300799999999LL,
                                    253402300800000000LL};
    size_t i, k;
    char *p;

    for (i = 0; i < sizeof(edge_cases) / sizeof(edge_cases[0]); i++)
        for (k = 0; k < sizeof(times) / sizeof(times[0]); k++)
            adapt_line(s, idents[k % 4], edge_cases[i].channel,
                       edge_cases[i].payload, strlen(edge_cases[i].payload),
                       times[k]);
    p = huge_command();
    adapt_line(s, "sensor-1", "cowrie.sessions", p, strlen(p), RX_US);
    free(p);
}

static void
bench(struct section *s)
{
    const char *chan;
    char buf[2048];
    long i;
    int n;

    for (i = 0; i < 4000; i++) {
        n = ingest_payload(i, &chan, buf, sizeof(buf));
        adapt_line(s, "bench", chan, buf, (size_t)n, RX_US + i * 1000003);
    }
}

static int
emit(void *ctx, const char *ident, const char *channel, const void *payload,
     size_t len, int64_t rx_us)
{
    adapt_line(ctx, ident ? ident : "import", channel, payload, len, rx_us);
    return 0;
}

static void
cowrie(struct section *s)
{
    FILE *f = fopen(AP_COWRIE_LOG, "r");
    struct imp_counts n = {0, 0, 0};

    if (f == NULL)
        TH_FAIL("cannot open %s", AP_COWRIE_LOG);
    if (imp_cowrie(f, "import", emit, s, &n) != 0)
        TH_FAIL("imp_cowrie");
    fclose(f);
}

static void
run(const char *name, void (*fn)(struct section *), FILE *golden_out,
    const char *golden)
{
    struct section s;
    unsigned char h[EVP_MAX_MD_SIZE];
    unsigned int hl = 0;
    char hex[2 * EVP_MAX_MD_SIZE + 1], line[256], path[1024];
    const char *dump = getenv("AP_GOLDEN_DUMP");

    memset(&s, 0, sizeof(s));
    s.name = name;
    if ((s.md = EVP_MD_CTX_new()) == NULL ||
        EVP_DigestInit_ex(s.md, EVP_sha256(), NULL) != 1)
        TH_FAIL("digest");
    if (dump != NULL) {
        snprintf(path, sizeof(path), "%s/%s.txt", dump, name);
        if ((s.dump = fopen(path, "w")) == NULL)
            TH_FAIL("cannot write %s", path);
    }
    fn(&s);
    if (EVP_DigestFinal_ex(s.md, h, &hl) != 1)
        TH_FAIL("digest");
    EVP_MD_CTX_free(s.md);
    if (s.dump != NULL)
        fclose(s.dump);
    ap_hex(h, hl, hex);
    snprintf(line, sizeof(line), "%s %s %lld %lld\n", name, hex, s.calls,
             s.bytes);
    printf("  %s", line);
    if (golden_out != NULL) {
        fputs(line, golden_out);
        return;
    }
    if (strstr(golden, line) == NULL)
        TH_FAIL("section %s differs from %s (AP_GOLDEN_DUMP=dir to see it)",
                name, GOLDEN);
}

TEST(adapter_output_is_byte_identical_to_the_golden_file)
{
    static const struct {
        const char *name;
        void (*fn)(struct section *);
    } sections[] = {
        {"examples", examples}, {"corpus", corpus}, {"edge", edge},
        {"bench", bench},       {"cowrie", cowrie},
    };
    FILE *out = NULL;
    char *golden = NULL;
    size_t len, i;

    if (getenv("AP_REGEN") != NULL) {
        if ((out = fopen(GOLDEN, "w")) == NULL)
            TH_FAIL("cannot write %s", GOLDEN);
    } else {
        golden = slurp(GOLDEN, &len);
    }
    for (i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
        run(sections[i].name, sections[i].fn, out, golden);
    if (out != NULL)
        fclose(out);
    free(golden);
}

int
main(void)
{
    RUN(adapter_output_is_byte_identical_to_the_golden_file);
    return DONE();
}
