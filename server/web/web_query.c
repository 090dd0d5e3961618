/* Query parameters -> store filters (see web_query.h). */
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ap/err.h"
#include "ap/event.h"
#include "ap/util.h"
#include "web.h"
#include "web_query.h"
#include "ap/common.h"

/* A text filter; the store binds it as a parameter, so only its length
 * is checked here. */
static const char *
text(struct web_req *r, const char *name, const char *alt)
{
    const char *v = web_param(r, name);

    if (v == NULL && alt != NULL)
        v = web_param(r, alt);
    return v;
}

int
web_filter_from_req(struct web_req *r, struct ap_filter *f, int def_hours,
                    char *err, size_t errlen)
{
    const char *v;
    long long n;

    memset(f, 0, sizeof(*f));
    if ((v = web_param(r, "since")) != NULL &&
        web_parse_time(v, &f->since_us) != 0)
        goto bad_since;
    if ((v = web_param(r, "until")) != NULL &&
        web_parse_time(v, &f->until_us) != 0) {
        snprintf(err, errlen, "until: not a time");
        return AP_EINVAL;
    }
    v = web_param(r, "hours");
    if (v == NULL)
        v = web_param(r, "hours_ago");
    if (v != NULL) {
        if (web_parse_int(v, 1, 24LL * 366 * 10, &n) != 0) {
            snprintf(err, errlen, "hours: a whole number of hours");
            return AP_EINVAL;
        }
        f->since_us = ap_now_us() - (int64_t)n * 3600 * 1000000;
    } else if (f->since_us == 0 && f->until_us == 0 && def_hours > 0) {
        f->since_us = ap_now_us() - (int64_t)def_hours * 3600 * 1000000;
    }
    f->sensor = text(r, "sensor", NULL);
    f->honeypot = text(r, "honeypot", NULL);
    f->type = text(r, "type", NULL);
    f->session = text(r, "session", NULL);
    f->src_ip = text(r, "src_ip", "ip");
    f->src_country = text(r, "country", "src_country");
    f->protocol = text(r, "protocol", NULL);
    f->username = text(r, "username", NULL);
    f->password = text(r, "password", NULL);
    f->command = text(r, "command", NULL);
    f->url = text(r, "url", NULL);
    f->sha256 = text(r, "sha256", NULL);
    f->signature = text(r, "signature", NULL);
    if ((v = text(r, "port", "dst_port")) != NULL) {
        if (web_parse_int(v, 1, 65535, &n) != 0) {
            snprintf(err, errlen, "port: 1 to 65535");
            return AP_EINVAL;
        }
        f->dst_port = (int)n;
    }
    if ((v = text(r, "asn", "src_asn")) != NULL) {
        if (web_parse_int(v, 1, 4294967295LL, &n) != 0) {
            snprintf(err, errlen, "asn: a number");
            return AP_EINVAL;
        }
        f->src_asn = n;
    }
    return 0;
bad_since:
    snprintf(err, errlen, "since: not a time");
    return AP_EINVAL;
}

int
web_page_from_req(struct web_req *r, size_t def_limit, size_t *limit,
                  size_t *offset, char *err, size_t errlen)
{
    const char *v;
    long long n;

    *limit = def_limit;
    *offset = 0;
    if ((v = web_param(r, "limit")) != NULL) {
        if (web_parse_int(v, 1, AP_STORE_MAX_LIMIT, &n) != 0) {
            snprintf(err, errlen, "limit: 1 to %d", AP_STORE_MAX_LIMIT);
            return AP_EINVAL;
        }
        *limit = (size_t)n;
    }
    if ((v = web_param(r, "offset")) != NULL) {
        if (web_parse_int(v, 0, 1000000, &n) != 0) {
            snprintf(err, errlen, "offset: 0 to 1000000");
            return AP_EINVAL;
        }
        *offset = (size_t)n;
    }
    return 0;
}


static const struct {
    const char *name;
    enum ap_store_sort sort;
} sorts[] = {
    {"ts", AP_SORT_TS},
    {"src_ip", AP_SORT_SRC_IP},
    {"port", AP_SORT_DST_PORT},
    {"sensor", AP_SORT_SENSOR},
    {"honeypot", AP_SORT_HONEYPOT},
    {"country", AP_SORT_SRC_COUNTRY},
};

int
web_sort_parse(const char *s, enum ap_store_sort *out)
{
    size_t i;

    for (i = 0; i < AP_ARRAY_SIZE(sorts); i++)
        if (strcmp(s, sorts[i].name) == 0) {
            *out = sorts[i].sort;
            return 0;
        }
    return AP_EINVAL;
}

const char *
web_sort_name(enum ap_store_sort s)
{
    size_t i;

    for (i = 0; i < AP_ARRAY_SIZE(sorts); i++)
        if (sorts[i].sort == s)
            return sorts[i].name;
    return "ts";
}

int
web_sort_from_req(struct web_req *r, enum ap_store_sort *out)
{
    const char *v = web_param(r, "sort");

    if (v == NULL) {
        *out = AP_SORT_TS;
        return 0;
    }
    return web_sort_parse(v, out);
}
