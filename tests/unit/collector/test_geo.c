/* GeoIP/ASN enrichment against real MaxMind DB files (written by
 * make_mmdb.pl with Debian's MaxMind::DB::Writer) and a small ASN CSV in
 * the exact format of @ip-location-db/asn. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ap/err.h"
#include "ap/event.h"
#include "geo.h"
#include "harness.h"

static char dir[] = "/tmp/ap-geo-XXXXXX";
static char city4[256], city6[256], asn4[256], asn6[256];

static void
setup(void)
{
    char cmd[1024];
    FILE *f;

    if (mkdtemp(dir) == NULL)
        abort();
    snprintf(city4, sizeof(city4), "%s/c4.mmdb", dir);
    snprintf(city6, sizeof(city6), "%s/c6.mmdb", dir);
    snprintf(asn4, sizeof(asn4), "%s/asn-ipv4.csv", dir);
    snprintf(asn6, sizeof(asn6), "%s/asn-ipv6.csv", dir);
    snprintf(cmd, sizeof(cmd), "perl %s %s %s", AP_MAKE_MMDB, city4, city6);
    if (system(cmd) != 0) {
        printf("cannot run %s (libmaxmind-db-writer-perl missing?)\n", cmd);
        exit(1);
    }
    f = fopen(asn4, "w");
    fputs("1.0.0.0,1.0.0.255,13335,\"Cloudflare, Inc.\"\n"
          "81.2.64.0,81.2.127.255,20712,Andrews & Arnold Ltd\n"
          "not,a,line\n"
          "203.0.113.0,203.0.113.255,64496,\"Doc \"\"Example\"\" AS\"\n",
          f);
    fclose(f);
    f = fopen(asn6, "w");
    fputs("2001:db8::,2001:db8:ffff:ffff:ffff:ffff:ffff:ffff,64500,DocNet6\n",
          f);
    fclose(f);
}

static void
teardown(void)
{
    unlink(city4);
    unlink(city6);
    unlink(asn4);
    unlink(asn6);
    rmdir(dir);
}

TEST(lookups_find_city_country_and_asn)
{
    struct ap_geo_paths p = {city4, city6, asn4, asn6};
    struct ap_geo *g;
    struct ap_geo_result r;

    ASSERT_EQ(ap_geo_open(&p, &g), 0);
    ASSERT_EQ(ap_geo_asn_ranges(g), 4);
    ASSERT(ap_geo_has_city(g));
    ASSERT_EQ(ap_geo_lookup(g, "81.2.69.160", &r), 0);
    ASSERT_STR_EQ(r.country, "GB");
    ASSERT_STR_EQ(r.city, "Bracknell");
    ASSERT(r.has_loc && r.lat > 51.3 && r.lat < 51.5 && r.lon < -0.7);
    ASSERT_EQ(r.asn, 20712);
    ASSERT_STR_EQ(r.org, "Andrews & Arnold Ltd");
    ASSERT_EQ(ap_geo_lookup(g, "1.0.0.1", &r), 0);
    ASSERT_EQ(r.asn, 13335);
    ASSERT_STR_EQ(r.org, "Cloudflare, Inc.");
    ASSERT_STR_EQ(r.country, "");
    ASSERT_EQ(ap_geo_lookup(g, "203.0.113.9", &r), 0);
    ASSERT_STR_EQ(r.org, "Doc \"Example\" AS");
    ASSERT_STR_EQ(r.country, "ZZ");
    ASSERT_EQ(ap_geo_lookup(g, "2001:db8::1", &r), 0);
    ASSERT_STR_EQ(r.city, "Zürich");
    ASSERT_EQ(r.asn, 64500);
    ASSERT_EQ(ap_geo_lookup(g, "10.1.2.3", &r), AP_ENOENT);
    ASSERT_EQ(ap_geo_lookup(g, "1.0.1.0", &r), AP_ENOENT);
    ASSERT_EQ(ap_geo_lookup(g, "not an ip", &r), AP_EINVAL);
    ap_geo_close(g);
}

TEST(enrich_adds_valid_fields_and_keeps_private_addresses)
{
    struct ap_geo_paths p = {city4, city6, asn4, asn6};
    struct ap_geo *g;
    char err[256];
    json_t *ev = ap_event_new(AP_EV_CONNECT, "s", "h", 0);

    ASSERT_EQ(ap_geo_open(&p, &g), 0);
    ASSERT_EQ(ap_event_set_addr(ev, "81.2.69.1", 1, "192.168.1.1", 22), 0);
    ASSERT_EQ(ap_geo_enrich(g, ev), 0);
    ASSERT_EQ(ap_event_validate(ev, err, sizeof(err)), 0);
    ASSERT_STR_EQ(json_string_value(json_object_get(ev, "src_country")),
                  "GB");
    ASSERT_STR_EQ(json_string_value(json_object_get(ev, "src_city")),
                  "Bracknell");
    ASSERT_EQ(json_integer_value(json_object_get(ev, "src_asn")), 20712);
    ASSERT_STR_EQ(json_string_value(json_object_get(ev, "src_org")),
                  "Andrews & Arnold Ltd");
    ASSERT(json_is_real(json_object_get(ev, "src_lat")));
    ASSERT_STR_EQ(json_string_value(json_object_get(ev, "dst_ip")),
                  "192.168.1.1");
    ASSERT(json_object_get(ev, "dst_country") == NULL);
    json_decref(ev);
    ap_geo_close(g);
}

TEST(missing_data_is_not_an_error)
{
    struct ap_geo_paths p = {"/nonexistent/c.mmdb", NULL, "/nonexistent/a",
                             NULL};
    struct ap_geo *g;
    struct ap_geo_result r;
    json_t *ev = ap_event_new(AP_EV_CONNECT, "s", "h", 0);

    ASSERT_EQ(ap_geo_open(&p, &g), 0);
    ASSERT_EQ(ap_geo_asn_ranges(g), 0);
    ASSERT(!ap_geo_has_city(g));
    ASSERT_EQ(ap_geo_lookup(g, "81.2.69.1", &r), AP_ENOENT);
    ASSERT_EQ(ap_event_set_addr(ev, "81.2.69.1", 1, NULL, -1), 0);
    ASSERT_EQ(ap_geo_enrich(g, ev), 0);
    ASSERT(json_object_get(ev, "src_country") == NULL);
    ASSERT_STR_EQ(json_string_value(json_object_get(ev, "src_ip")),
                  "81.2.69.1");
    json_decref(ev);
    ap_geo_close(g);
}

int
main(void)
{
    setup();
    RUN(lookups_find_city_country_and_asn);
    RUN(enrich_adds_valid_fields_and_keeps_private_addresses);
    RUN(missing_data_is_not_an_error);
    teardown();
    return DONE();
}
