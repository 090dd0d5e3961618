#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ap/buf.h"
#include "ap/conf.h"
#include "ap/err.h"
#include "ap/limits.h"
#include "ap/common.h"

void
ap_strlist_free(struct ap_strlist *l)
{
    size_t i;

    for (i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

int
ap_strlist_add(struct ap_strlist *l, const char *s)
{
    char **nv, *d;

    if ((d = strdup(s)) == NULL)
        return AP_ENOMEM;
    nv = realloc(l->v, (l->n + 1) * sizeof(*nv));
    if (nv == NULL) {
        free(d);
        return AP_ENOMEM;
    }
    l->v = nv;
    l->v[l->n++] = d;
    return 0;
}

int
ap_strlist_has(const struct ap_strlist *l, const char *s)
{
    size_t i;

    for (i = 0; i < l->n; i++)
        if (strcmp(l->v[i], s) == 0)
            return 1;
    return 0;
}

int
ap_strlist_split(struct ap_strlist *l, const char *s)
{
    const char *p = s, *e, *a, *b;
    char tmp[AP_LIMIT_CONF_LINE];
    int r;

    while (*p) {
        e = strchr(p, ',');
        if (e == NULL)
            e = p + strlen(p);
        for (a = p; a < e && isspace((unsigned char)*a); a++)
            ;
        for (b = e; b > a && isspace((unsigned char)b[-1]); b--)
            ;
        if (b > a) {
            if ((size_t)(b - a) >= sizeof(tmp))
                return AP_ETOOBIG;
            memcpy(tmp, a, (size_t)(b - a));
            tmp[b - a] = '\0';
            if ((r = ap_strlist_add(l, tmp)) != 0)
                return r;
        }
        p = *e ? e + 1 : e;
    }
    return 0;
}

int
ap_conf_parse_bool(const char *s, int *out)
{
    static const char *const yes[] = {"yes", "on", "true", "1"};
    static const char *const no[] = {"no", "off", "false", "0"};
    size_t i;

    for (i = 0; i < AP_ARRAY_SIZE(yes); i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = 1;
            return 0;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *out = 0;
            return 0;
        }
    }
    return AP_EINVAL;
}

/* Parse an unsigned decimal with an optional one-letter unit suffix. */
static int
parse_scaled(const char *s, const char *units, const unsigned long long *mult,
             unsigned long long *out)
{
    unsigned long long v;
    const char *u;
    char *end;

    if (!isdigit((unsigned char)*s))
        return AP_EINVAL;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0)
        return AP_EINVAL;
    if (*end != '\0') {
        if (end[1] != '\0' && !(end[1] == 'b' || end[1] == 'B') )
            return AP_EINVAL;
        if (end[1] != '\0' && end[2] != '\0')
            return AP_EINVAL;
        u = strchr(units, tolower((unsigned char)*end));
        if (u == NULL || *end == '\0')
            return AP_EINVAL;
        if (v > ULLONG_MAX / mult[u - units])
            return AP_EINVAL;
        v *= mult[u - units];
    }
    *out = v;
    return 0;
}

int
ap_conf_parse_size(const char *s, size_t *out)
{
    static const unsigned long long m[] = {1ull, 1ull << 10, 1ull << 20,
                                           1ull << 30, 1ull << 40};
    unsigned long long v;
    int r;

    if ((r = parse_scaled(s, "bkmgt", m, &v)) != 0)
        return r;
    if (v > SIZE_MAX)
        return AP_EINVAL;
    *out = (size_t)v;
    return 0;
}

int
ap_conf_parse_secs(const char *s, long long *out)
{
    static const unsigned long long m[] = {1, 60, 3600, 86400, 604800};
    unsigned long long v;
    int r;

    if ((r = parse_scaled(s, "smhdw", m, &v)) != 0)
        return r;
    if (v > LLONG_MAX)
        return AP_EINVAL;
    *out = (long long)v;
    return 0;
}

static const struct ap_conf_kw *
kw_find(const struct ap_conf_kw *kws, const char *key)
{
    for (; kws && kws->name; kws++)
        if (strcmp(kws->name, key) == 0)
            return kws;
    return NULL;
}

static int
check_range(const struct ap_conf_kw *kw, long long v, char *err, size_t errlen)
{
    if ((kw->min != 0 || kw->max != 0) && (v < kw->min || v > kw->max)) {
        snprintf(err, errlen, "%s: value %lld out of range %lld..%lld",
                 kw->name, v, kw->min, kw->max);
        return AP_ECONF;
    }
    return 0;
}

static int
kw_set(const struct ap_conf_kw *kw, void *conf, const char *value, char *err,
       size_t errlen)
{
    char *field = (char *)conf + kw->off;
    long long ll;
    size_t sz;
    char *end, *dup;
    int b, r;

    switch (kw->type) {
    case AP_CONF_STR:
        if ((dup = strdup(value)) == NULL)
            return AP_ENOMEM;
        free(*(char **)(void *)field);
        *(char **)(void *)field = dup;
        return 0;
    case AP_CONF_INT:
        errno = 0;
        ll = strtoll(value, &end, 10);
        if (errno != 0 || end == value || *end != '\0') {
            snprintf(err, errlen, "%s: '%s' is not an integer", kw->name,
                     value);
            return AP_ECONF;
        }
        if ((r = check_range(kw, ll, err, errlen)) != 0)
            return r;
        *(long long *)(void *)field = ll;
        return 0;
    case AP_CONF_BOOL:
        if (ap_conf_parse_bool(value, &b) != 0) {
            snprintf(err, errlen, "%s: '%s' is not yes or no", kw->name, value);
            return AP_ECONF;
        }
        *(int *)(void *)field = b;
        return 0;
    case AP_CONF_PORT:
        errno = 0;
        ll = strtoll(value, &end, 10);
        if (errno != 0 || end == value || *end != '\0' || ll < 0 ||
            ll > 65535) {
            snprintf(err, errlen, "%s: '%s' is not a port (0-65535)", kw->name,
                     value);
            return AP_ECONF;
        }
        *(int *)(void *)field = (int)ll;
        return 0;
    case AP_CONF_SIZE:
        if (ap_conf_parse_size(value, &sz) != 0) {
            snprintf(err, errlen, "%s: '%s' is not a size (e.g. 64k, 10M)",
                     kw->name, value);
            return AP_ECONF;
        }
        if (sz > LLONG_MAX || (r = check_range(kw, (long long)sz, err, errlen)) != 0)
            return AP_ECONF;
        *(size_t *)(void *)field = sz;
        return 0;
    case AP_CONF_SECS:
        if (ap_conf_parse_secs(value, &ll) != 0) {
            snprintf(err, errlen,
                     "%s: '%s' is not a duration (e.g. 30s, 5m, 2h, 7d)",
                     kw->name, value);
            return AP_ECONF;
        }
        if ((r = check_range(kw, ll, err, errlen)) != 0)
            return r;
        *(long long *)(void *)field = ll;
        return 0;
    case AP_CONF_LIST:
        if ((r = ap_strlist_split((struct ap_strlist *)(void *)field, value)) !=
            0) {
            snprintf(err, errlen, "%s: %s", kw->name, ap_strerror(r));
            return AP_ECONF;
        }
        return 0;
    case AP_CONF_CUSTOM:
        err[0] = '\0';
        if ((r = kw->set(conf, value, err, errlen)) != 0) {
            if (err[0] == '\0')
                snprintf(err, errlen, "%s: bad value '%s'", kw->name, value);
            return AP_ECONF;
        }
        return 0;
    }
    snprintf(err, errlen, "%s: unknown keyword type", kw->name);
    return AP_ECONF;
}

int
ap_conf_set(const struct ap_conf_kw *kws, void *conf, const char *key,
            const char *value, char *err, size_t errlen)
{
    const struct ap_conf_kw *kw = kw_find(kws, key);

    if (kw == NULL) {
        snprintf(err, errlen, "unknown keyword '%.64s'", key);
        return AP_ECONF;
    }
    return kw_set(kw, conf, value, err, errlen);
}

int
ap_conf_defaults(const struct ap_conf_kw *kws, void *conf, char *err,
                 size_t errlen)
{
    for (; kws && kws->name; kws++) {
        if (kws->def == NULL)
            continue;
        if (kw_set(kws, conf, kws->def, err, errlen) != 0)
            return AP_ECONF;
    }
    return 0;
}

void
ap_conf_release(const struct ap_conf_kw *kws, void *conf)
{
    char *field;

    for (; kws && kws->name; kws++) {
        field = (char *)conf + kws->off;
        if (kws->type == AP_CONF_STR) {
            free(*(char **)(void *)field);
            *(char **)(void *)field = NULL;
        } else if (kws->type == AP_CONF_LIST) {
            ap_strlist_free((struct ap_strlist *)(void *)field);
        }
    }
}

void
ap_conf_dump(FILE *f, const struct ap_conf_kw *kws, const void *conf)
{
    const char *field;
    const struct ap_strlist *l;
    const char *s;
    size_t i;

    for (; kws && kws->name; kws++) {
        field = (const char *)conf + kws->off;
        switch (kws->type) {
        case AP_CONF_STR:
            s = *(char *const *)(const void *)field;
            if (s)
                fprintf(f, "%s %s\n", kws->name, s);
            break;
        case AP_CONF_INT:
        case AP_CONF_SECS:
            fprintf(f, "%s %lld\n", kws->name,
                    *(const long long *)(const void *)field);
            break;
        case AP_CONF_BOOL:
            fprintf(f, "%s %s\n", kws->name,
                    *(const int *)(const void *)field ? "yes" : "no");
            break;
        case AP_CONF_PORT:
            fprintf(f, "%s %d\n", kws->name, *(const int *)(const void *)field);
            break;
        case AP_CONF_SIZE:
            fprintf(f, "%s %zu\n", kws->name,
                    *(const size_t *)(const void *)field);
            break;
        case AP_CONF_LIST:
            l = (const struct ap_strlist *)(const void *)field;
            for (i = 0; i < l->n; i++)
                fprintf(f, "%s %s\n", kws->name, l->v[i]);
            break;
        case AP_CONF_CUSTOM:
            break;
        }
    }
}

/*
 * Split one line into keyword and value.  The value is the rest of the
 * line with surrounding blanks removed; a value in double quotes may hold
 * '#' and blanks, with \" and \\ escapes.  Returns 0 for a blank or
 * comment line (key[0] == 0), or a negative code with a message.
 */
static int
split_line(char *line, char **key, char **value, char *err, size_t errlen)
{
    char *p = line, *v, *o, *e;

    *key = *value = NULL;
    while (isspace((unsigned char)*p))
        p++;
    if (*p == '\0' || *p == '#') {
        *key = p;
        *p = '\0';
        return 0;
    }
    *key = p;
    while (*p && !isspace((unsigned char)*p))
        p++;
    if (*p)
        *p++ = '\0';
    while (isspace((unsigned char)*p))
        p++;
    if (*p == '"') {
        v = o = ++p;
        for (;;) {
            if (*p == '\0') {
                snprintf(err, errlen, "unterminated quoted value");
                return AP_ECONF;
            }
            if (*p == '"')
                break;
            if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
                p++;
            *o++ = *p++;
        }
        *o = '\0';
        p++;
        while (isspace((unsigned char)*p))
            p++;
        if (*p != '\0' && *p != '#') {
            snprintf(err, errlen, "text after quoted value");
            return AP_ECONF;
        }
        *value = v;
        return 0;
    }
    v = p;
    /* A '#' starts a comment only at the start of a word. */
    for (e = p; *e; e++)
        if (*e == '#' && (e == v || isspace((unsigned char)e[-1]))) {
            *e = '\0';
            break;
        }
    e = v + strlen(v);
    while (e > v && isspace((unsigned char)e[-1]))
        *--e = '\0';
    *value = v;
    return 0;
}

static const struct ap_conf_section *
section_find(const struct ap_conf_section *secs, size_t n, const char *name)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (strcmp(secs[i].name, name) == 0)
            return &secs[i];
    return NULL;
}

/* Handle a "[name arg]" header: find the section and its conf. */
static int
open_section(char *hdr, const struct ap_conf_section *secs, size_t nsecs,
             const struct ap_conf_section **cur, void **curconf, char *err,
             size_t errlen)
{
    char *end = strchr(hdr, ']'), *name, *arg, *p;
    const struct ap_conf_section *s;
    char sub[256];

    if (end == NULL) {
        snprintf(err, errlen, "section header without ']'");
        return AP_ECONF;
    }
    *end = '\0';
    for (p = end + 1; *p; p++)
        if (*p == '#')
            break;
        else if (!isspace((unsigned char)*p)) {
            snprintf(err, errlen, "text after section header");
            return AP_ECONF;
        }
    name = hdr + 1;
    while (isspace((unsigned char)*name))
        name++;
    for (arg = name; *arg && !isspace((unsigned char)*arg); arg++)
        ;
    if (*arg)
        *arg++ = '\0';
    while (isspace((unsigned char)*arg))
        arg++;
    for (p = arg + strlen(arg); p > arg && isspace((unsigned char)p[-1]);)
        *--p = '\0';
    if ((s = section_find(secs, nsecs, name)) == NULL) {
        snprintf(err, errlen, "unknown section [%s]", name);
        return AP_ECONF;
    }
    if (s->instance == NULL) {
        if (*arg) {
            snprintf(err, errlen, "section [%s] takes no argument", name);
            return AP_ECONF;
        }
        *cur = s;
        *curconf = s->conf;
        return 0;
    }
    if (*arg == '\0') {
        snprintf(err, errlen, "section [%s] needs a name, e.g. [%s main]", name,
                 name);
        return AP_ECONF;
    }
    sub[0] = '\0';
    *curconf = s->instance(s->ctx, arg, sub, sizeof(sub));
    if (*curconf == NULL) {
        snprintf(err, errlen, "[%s %s]: %s", name, arg,
                 sub[0] ? sub : "cannot create");
        return AP_ECONF;
    }
    if (ap_conf_defaults(s->kws, *curconf, sub, sizeof(sub)) != 0) {
        snprintf(err, errlen, "[%s %s]: %s", name, arg, sub);
        return AP_ECONF;
    }
    *cur = s;
    return 0;
}

int
ap_conf_parse_string(const char *fname, const char *text,
                     const struct ap_conf_section *secs, size_t nsecs,
                     char *err, size_t errlen)
{
    const struct ap_conf_section *cur = section_find(secs, nsecs, "");
    void *curconf = cur ? cur->conf : NULL;
    char line[AP_LIMIT_CONF_LINE], msg[512], *key, *value;
    const char *p = text, *nl;
    size_t n;
    int lineno = 0, r;

    while (*p) {
        lineno++;
        nl = strchr(p, '\n');
        n = nl ? (size_t)(nl - p) : strlen(p);
        if (n >= sizeof(line)) {
            snprintf(err, errlen, "%s:%d: line longer than %u bytes", fname,
                     lineno, AP_LIMIT_CONF_LINE - 1);
            return AP_ECONF;
        }
        memcpy(line, p, n);
        line[n] = '\0';
        p = nl ? nl + 1 : p + n;
        if (n > 0 && line[n - 1] == '\r')
            line[n - 1] = '\0';
        msg[0] = '\0';
        for (key = line; isspace((unsigned char)*key); key++)
            ;
        if (*key == '[') {
            if ((r = open_section(key, secs, nsecs, &cur, &curconf, msg,
                                  sizeof(msg))) != 0)
                goto bad;
            continue;
        }
        if ((r = split_line(line, &key, &value, msg, sizeof(msg))) != 0)
            goto bad;
        if (key[0] == '\0')
            continue;
        if (cur == NULL) {
            snprintf(msg, sizeof(msg), "keyword '%.64s' outside any section", key);
            goto bad;
        }
        if (value == NULL || value[0] == '\0') {
            snprintf(msg, sizeof(msg), "keyword '%.64s' needs a value", key);
            goto bad;
        }
        if ((r = ap_conf_set(cur->kws, curconf, key, value, msg,
                             sizeof(msg))) != 0) {
            if (cur->name[0] && strncmp(msg, "unknown keyword", 15) == 0) {
                size_t ml = strlen(msg);
                snprintf(msg + ml, sizeof(msg) - ml, " in section [%s]",
                         cur->name);
            }
            goto bad;
        }
    }
    return 0;
bad:
    snprintf(err, errlen, "%s:%d: %s", fname, lineno, msg);
    return AP_ECONF;
}

int
ap_conf_parse_file(const char *path, const struct ap_conf_section *secs,
                   size_t nsecs, char *err, size_t errlen)
{
    struct ap_buf b;
    char chunk[8192];
    const char *text;
    size_t n;
    FILE *f;
    int r;

    if ((f = fopen(path, "r")) == NULL) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return AP_ECONF;
    }
    ap_buf_init(&b, AP_LIMIT_CONF_FILE);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (memchr(chunk, '\0', n) != NULL) {
            snprintf(err, errlen, "%s: contains a NUL byte", path);
            r = AP_ECONF;
            goto out;
        }
        if ((r = ap_buf_append(&b, chunk, n)) != 0) {
            snprintf(err, errlen, "%s: %s", path,
                     r == AP_ETOOBIG ? "file too large" : ap_strerror(r));
            r = AP_ECONF;
            goto out;
        }
    }
    if (ferror(f)) {
        snprintf(err, errlen, "%s: read error", path);
        r = AP_ECONF;
        goto out;
    }
    if ((text = ap_buf_cstr(&b)) == NULL) {
        r = AP_ENOMEM;
        goto out;
    }
    r = ap_conf_parse_string(path, text, secs, nsecs, err, errlen);
out:
    fclose(f);
    ap_buf_release(&b);
    return r;
}

/* An instance section's conf for --set: the existing instance (find),
 * else a new one from the section's hook, defaults applied, as a config
 * file's "[section name]" would make it. */
static void *
override_instance(const struct ap_conf_section *s, const char *name,
                  ap_conf_find_fn find, void *find_ctx, char *msg, size_t msglen)
{
    void *conf = find ? find(find_ctx, s->name, name) : NULL;

    if (conf != NULL)
        return conf;
    msg[0] = '\0';
    if ((conf = s->instance(s->ctx, name, msg, msglen)) == NULL) {
        if (msg[0] == '\0')
            snprintf(msg, msglen, "cannot create [%.64s %.64s]", s->name, name);
        return NULL;
    }
    if (ap_conf_defaults(s->kws, conf, msg, msglen) != 0)
        return NULL;
    return conf;
}

int
ap_conf_override_find(const char *spec, const struct ap_conf_section *secs,
                      size_t nsecs, ap_conf_find_fn find, void *find_ctx,
                      char *err, size_t errlen)
{
    const char *dot = strchr(spec, '.'), *eq = strchr(spec, '='), *kdot;
    char sec[64], name[256], key[64], msg[256];
    const char *k;
    void *conf;
    size_t i;

    if (eq == NULL) {
        snprintf(err, errlen, "--set %.200s: expected SECTION.KEY=VALUE", spec);
        return AP_ECONF;
    }
    if (dot == NULL || dot > eq) {
        sec[0] = '\0';
        dot = spec - 1;
    } else if ((size_t)(dot - spec) >= sizeof(sec)) {
        snprintf(err, errlen, "--set %.200s: section too long", spec);
        return AP_ECONF;
    } else {
        memcpy(sec, spec, (size_t)(dot - spec));
        sec[dot - spec] = '\0';
    }
    for (i = 0; i < nsecs; i++)
        if (strcmp(secs[i].name, sec) == 0 &&
            (secs[i].conf != NULL || secs[i].instance != NULL))
            break;
    if (i == nsecs) {
        snprintf(err, errlen, "--set %.200s: unknown section '%s'", spec, sec);
        return AP_ECONF;
    }
    k = dot + 1;
    conf = secs[i].conf;
    if (conf == NULL) {
        /* "output.splunk.path=...": the instance name runs to the last
         * dot before '=' (names may hold dots, keywords do not). */
        for (kdot = eq; kdot > k && kdot[-1] != '.'; kdot--)
            ;
        if (kdot == k || (size_t)(kdot - 1 - k) >= sizeof(name)) {
            snprintf(err, errlen, "--set %.200s: expected %s.NAME.KEY=VALUE", spec,
                     sec);
            return AP_ECONF;
        }
        memcpy(name, k, (size_t)(kdot - 1 - k));
        name[kdot - 1 - k] = '\0';
        if ((conf = override_instance(&secs[i], name, find, find_ctx, msg,
                                      sizeof(msg))) == NULL) {
            snprintf(err, errlen, "--set %.200s: %s", spec, msg);
            return AP_ECONF;
        }
        k = kdot;
    }
    if ((size_t)(eq - k) >= sizeof(key)) {
        snprintf(err, errlen, "--set %.200s: keyword too long", spec);
        return AP_ECONF;
    }
    memcpy(key, k, (size_t)(eq - k));
    key[eq - k] = '\0';
    if (ap_conf_set(secs[i].kws, conf, key, eq + 1, msg, sizeof(msg)) != 0) {
        snprintf(err, errlen, "--set %.200s: %s", spec, msg);
        return AP_ECONF;
    }
    return 0;
}

int
ap_conf_override(const char *spec, const struct ap_conf_section *secs,
                 size_t nsecs, char *err, size_t errlen)
{
    return ap_conf_override_find(spec, secs, nsecs, NULL, NULL, err, errlen);
}

int
ap_conf_file_sections(const char *path, struct ap_strlist *names)
{
    char line[AP_LIMIT_CONF_LINE], *p, *e;
    FILE *f;
    int r = 0;

    if ((f = fopen(path, "r")) == NULL)
        return AP_EIO;
    while (r == 0 && fgets(line, sizeof(line), f) != NULL) {
        for (p = line; isspace((unsigned char)*p); p++)
            ;
        if (*p++ != '[')
            continue;
        while (isspace((unsigned char)*p))
            p++;
        for (e = p; *e && *e != ']' && !isspace((unsigned char)*e); e++)
            ;
        *e = '\0';
        if (*p && !ap_strlist_has(names, p))
            r = ap_strlist_add(names, p);
    }
    fclose(f);
    return r;
}
