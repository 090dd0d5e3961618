#include <stdlib.h>

#include "ap/err.h"
#include "ap/event.h"
#include "harness.h"

TEST(ids_sort_by_time_and_derive_stably)
{
    char a[27], b[27], c[27], d[27];

    ap_event_id_new(a, 1000000000000000LL);
    ap_event_id_new(b, 1000000001000000LL);
    ASSERT_EQ(strlen(a), 26);
    ASSERT(strcmp(a, b) < 0);
    ap_event_id_derive(c, 1500000000000000LL, "k", 1);
    ap_event_id_derive(d, 1500000000000000LL, "k", 1);
    ASSERT_STR_EQ(c, d);
    ap_event_id_derive(d, 1500000000000000LL, "j", 1);
    ASSERT(strcmp(c, d) != 0);
}

TEST(build_and_validate)
{
    char err[256];
    json_t *ev = ap_event_new(AP_EV_LOGIN, "sensor-1", "ssh", 0);

    ASSERT(ev != NULL);
    ASSERT_EQ(ap_event_validate(ev, err, sizeof(err)), AP_EINVAL);
    ASSERT_STR_EQ(err, "login event without required field 'username'");
    ASSERT_EQ(ap_event_set_str(ev, "username", "root"), 0);
    ASSERT_EQ(ap_event_set_bool(ev, "success", 0), 0);
    ASSERT_EQ(ap_event_set_addr(ev, "::ffff:1.2.3.4", 5555, "10.0.0.1", 22), 0);
    ASSERT_EQ(ap_event_validate(ev, err, sizeof(err)), 0);
    ASSERT_STR_EQ(json_string_value(json_object_get(ev, "src_ip")), "1.2.3.4");
    ASSERT_EQ(ap_event_set_int(ev, "command", 1), 0);
    ASSERT_EQ(ap_event_validate(ev, err, sizeof(err)), AP_EINVAL);
    ASSERT_STR_EQ(err, "login event with unknown field 'command'");
    json_object_del(ev, "command");
    ASSERT_EQ(ap_event_set_str(ev, "src_port", "22"), 0);
    ASSERT_EQ(ap_event_validate(ev, err, sizeof(err)), AP_EINVAL);
    ASSERT_STR_EQ(err, "login event field 'src_port' has the wrong type");
    json_decref(ev);
}

TEST(invalid_utf8_is_kept_exactly)
{
    char err[256];
    json_t *ev = ap_event_new(AP_EV_LOGIN, "s", "ssh", 0);

    ASSERT_EQ(ap_event_set_bytes(ev, "username", "ro\xffot\0x", 7), 0);
    ASSERT_EQ(ap_event_set_bool(ev, "success", 1), 0);
    ASSERT_STR_EQ(json_string_value(json_object_get(ev, "username")),
                  "ro\\xffot\\x00x");
    ASSERT_STR_EQ(json_string_value(json_object_get(ev, "username_b64")),
                  "cm//b3QAeA==");
    ASSERT_EQ(ap_event_validate(ev, err, sizeof(err)), 0);
    json_decref(ev);
}

TEST(utf8)
{
    ASSERT(ap_utf8_valid("h\xc3\xa9llo", 6));
    ASSERT(!ap_utf8_valid("\xc0\xaf", 2));         /* overlong */
    ASSERT(!ap_utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
    ASSERT(!ap_utf8_valid("\xe2\x82", 2));         /* truncated */
    ASSERT(ap_utf8_valid("\xf0\x9f\x90\x9d", 4));  /* bee */
}

TEST(time_parsing)
{
    int64_t us;

    ASSERT_EQ(ap_time_parse_iso("2018-05-06T17:44:05.866769Z", &us), 0);
    ASSERT_EQ(us, 1525628645866769LL);
    ASSERT_EQ(ap_time_parse_iso("2018-05-06 19:44:05+02:00", &us), 0);
    ASSERT_EQ(us, 1525628645000000LL);
    ASSERT_EQ(ap_time_parse_iso("2018-05-06 17:44:05.5 UTC +0000", &us), 0);
    ASSERT_EQ(us, 1525628645500000LL);
    ASSERT_EQ(ap_time_parse_iso("2018-05-06T17:44:05", &us), 0);
    ASSERT_EQ(ap_time_parse_iso("2018-13-06T17:44:05", &us), AP_EINVAL);
    ASSERT_EQ(ap_time_parse_iso("yesterday", &us), AP_EINVAL);
    ASSERT_EQ(ap_time_parse_iso("2018-05-06T17:44:05Zjunk", &us), AP_EINVAL);
}

TEST(type_table)
{
    ASSERT_EQ(ap_event_type_lookup("login"), AP_EV_LOGIN);
    ASSERT_EQ(ap_event_type_lookup(""), -1);
    ASSERT_EQ(ap_event_type_lookup("bogus"), -1);
    ASSERT_STR_EQ(ap_event_type_name(AP_EV_TUNNEL), "tunnel");
}

int
main(void)
{
    RUN(ids_sort_by_time_and_derive_stably);
    RUN(build_and_validate);
    RUN(invalid_utf8_is_kept_exactly);
    RUN(utf8);
    RUN(time_parsing);
    RUN(type_table);
    return DONE();
}
