#include "ap/escape.h"
#include "harness.h"

TEST(escapes_everything_unsafe)
{
    struct ap_buf b;
    char out[64];

    ap_buf_init(&b, 256);
    ASSERT_EQ(ap_escape_c(&b, "a\nb\"c\\d\x1b[31m\xff", 13), 0);
    ASSERT_STR_EQ(ap_buf_cstr(&b), "a\\x0ab\\\"c\\\\d\\x1b[31m\\xff");
    ap_buf_release(&b);
    ASSERT_STR_EQ(ap_escape_cstr(out, sizeof(out), "x\0y", 3), "x\\x00y");
}

TEST(truncates_at_escape_boundary)
{
    char out[6];

    /* "ab" + \x0a would need 6 chars + NUL: the escape is dropped whole */
    ASSERT_STR_EQ(ap_escape_cstr(out, sizeof(out), "ab\ncd", 5), "ab");
    ASSERT_STR_EQ(ap_escape_cstr(out, 1, "abc", 3), "");
}

int
main(void)
{
    RUN(escapes_everything_unsafe);
    RUN(truncates_at_escape_boundary);
    return DONE();
}
