/* libFuzzer target for the web's parsers of untrusted request text: the
 * route matcher (URL paths) and the query value parsers. */
#include <stdlib.h>
#include <string.h>

#include "web.h"
#include "web_query.h"
#include "ap/common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
h(struct web_req *r)
{
    (void)r;
    return 0;
}

static const struct web_route table[] = {
    {"GET", "/", WEB_ROLE_VIEWER, WEB_PAGE, h},
    {"GET", "/api/v1/top/<>", WEB_ROLE_VIEWER, 0, h},
    {"POST", "/api/v1/users/<>/password", WEB_ROLE_VIEWER, 0, h},
    {"GET", "/a/<>/<>/<>/<>", WEB_ROLE_VIEWER, 0, h},
    {"GET", "/api/session/<>/", WEB_ROLE_VIEWER, 0, h},
    {NULL, NULL, WEB_ROLE_PUBLIC, 0, NULL},
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1), *args[WEB_MAX_ARGS];
    const struct web_route *rt;
    long long v;
    int64_t t;
    int n = 0, mm, i;

    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    rt = web_route_find(table, size % 2 ? "GET" : "POST", s, args, &n, &mm);
    if (rt != NULL) {
        for (i = 0; i < n; i++)
            if (args[i] == NULL || strchr(args[i], '/') != NULL)
                abort();
        web_route_args_free(args, n);
    }
    (void)web_parse_int(s, -1000, 1000, &v);
    (void)web_parse_time(s, &t);
    (void)web_ip_ok(s);
    (void)web_ulid_time_us(s, &t);
    free(s);
    return 0;
}
