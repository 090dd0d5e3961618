/*
 * Text filters bots chain after cat /proc/cpuinfo and friends: awk (the
 * `{print $N ...}` subset), cut, sort, uniq, tr, base64, xargs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ap/limits.h"
#include "sh_cmds.h"

#include "ap/common.h"

/* Split line into fields on sep (NULL: runs of blanks). */
static size_t
split_fields(char *line, const char *sep, char **f, size_t max)
{
    size_t n = 0;
    char *p = line;
    if (sep == NULL || sep[0] == '\0' || strcmp(sep, " ") == 0) {
        while (*p && n < max) {
            while (*p == ' ' || *p == '\t')
                p++;
            if (*p == '\0')
                break;
            f[n++] = p;
            while (*p && *p != ' ' && *p != '\t')
                p++;
            if (*p)
                *p++ = '\0';
        }
        return n;
    }
    while (n < max) {
        char *s = strstr(p, sep);
        f[n++] = p;
        if (s == NULL)
            break;
        *s = '\0';
        p = s + strlen(sep);
    }
    return n;
}

/* Call fn for each line of the gathered input. */
#define FOR_LINES(buf, line)                                                   \
    for (char *line##_p = (char *)(uintptr_t)ap_buf_cstr(&(buf)), *line;       \
         line##_p && *line##_p &&                                              \
         ((line = line##_p), (line##_p = strchr(line##_p, '\n'))              \
                                 ? (*line##_p++ = '\0', 1)                     \
                                 : (line##_p = line + strlen(line), 1));)

int
sh_cmd_awk(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    const char *sep = NULL, *prog = NULL;
    char **files = calloc((size_t)argc + 1, sizeof(char *));
    int nf = 0, i, status;
    struct ap_buf b;
    long nr = 0;

    if (files == NULL)
        return 2;
    for (i = 1; i < argc; i++) {
        if (strncmp(argv[i], "-F", 2) == 0)
            sep = argv[i][2] ? argv[i] + 2 : (i + 1 < argc ? argv[++i] : " ");
        else if (prog == NULL)
            prog = argv[i];
        else
            files[nf++] = argv[i];
    }
    if (prog == NULL) {
        sh_err(io, "usage: awk [-F fs][-v var=value][prog | -f progfile]"
                   "[file ...]\n");
        free(files);
        return 2;
    }
    /* pattern: NR==N or /re/ (substring) before the { */
    const char *brace = strchr(prog, '{');
    long want_nr = 0;
    char pat[256] = "";
    if (brace && brace > prog) {
        if (strncmp(prog, "NR==", 4) == 0)
            want_nr = strtol(prog + 4, NULL, 10);
        else if (prog[0] == '/') {
            const char *e = strchr(prog + 1, '/');
            if (e && (size_t)(e - prog - 1) < sizeof(pat)) {
                memcpy(pat, prog + 1, (size_t)(e - prog - 1));
                pat[e - prog - 1] = '\0';
            }
        }
    }
    const char *act = brace ? strstr(brace, "print") : NULL;
    ap_buf_init(&b, AP_LIMIT_SH_OUTPUT);
    status = sh_gather(sh, io, "awk", nf, files, &b);
    FOR_LINES(b, line) {
        char copy[4096], *f[256];
        size_t n, len = strlen(line);
        const char *a;
        nr++;
        if (want_nr && nr != want_nr)
            continue;
        if (pat[0] && strstr(line, pat) == NULL)
            continue;
        if (act == NULL)
            continue;
        if (len >= sizeof(copy))
            len = sizeof(copy) - 1;
        memcpy(copy, line, len);
        copy[len] = '\0';
        n = split_fields(copy, sep, f, AP_ARRAY_SIZE(f));
        a = act + 5;
        int first = 1, any = 0;
        while (*a && *a != '}' && *a != ';') {
            if (*a == ' ' || *a == '\t') {
                a++;
                continue;
            }
            if (*a == ',') {
                first = 0;
                sh_out(io, " ");
                a++;
                continue;
            }
            if (*a == '$') {
                long k;
                a++;
                if (strncmp(a, "NF", 2) == 0) {
                    k = (long)n;
                    a += 2;
                } else {
                    char *end;
                    k = strtol(a, &end, 10);
                    a = end;
                }
                any = 1;
                if (k == 0)
                    sh_out(io, "%s", line);
                else if (k > 0 && (size_t)k <= n)
                    sh_out(io, "%s", f[k - 1]);
                continue;
            }
            if (*a == '"') {
                const char *e = strchr(a + 1, '"');
                if (e == NULL)
                    break;
                sh_out(io, "%.*s", (int)(e - a - 1), a + 1);
                any = 1;
                a = e + 1;
                continue;
            }
            if (strncmp(a, "NF", 2) == 0) {
                sh_out(io, "%zu", n);
                any = 1;
                a += 2;
                continue;
            }
            if (strncmp(a, "NR", 2) == 0) {
                sh_out(io, "%ld", nr);
                any = 1;
                a += 2;
                continue;
            }
            a++;
        }
        if (!any && first)
            sh_out(io, "%s", line);
        sh_out(io, "\n");
    }
    ap_buf_release(&b);
    free(files);
    return status;
}

int
sh_cmd_cut(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    const char *delim = "\t", *list = NULL;
    char **files = calloc((size_t)argc + 1, sizeof(char *));
    int nf = 0, i, status, chars = 0;
    struct ap_buf b;

    if (files == NULL)
        return 1;
    for (i = 1; i < argc; i++) {
        if (strncmp(argv[i], "-d", 2) == 0)
            delim = argv[i][2] ? argv[i] + 2 : (i + 1 < argc ? argv[++i] : "\t");
        else if (strncmp(argv[i], "-f", 2) == 0 || strncmp(argv[i], "-c", 2) == 0) {
            chars = argv[i][1] == 'c';
            list = argv[i][2] ? argv[i] + 2 : (i + 1 < argc ? argv[++i] : NULL);
        } else
            files[nf++] = argv[i];
    }
    if (list == NULL) {
        sh_err(io, "cut: you must specify a list of bytes, characters, or "
                   "fields\nTry 'cut --help' for more information.\n");
        free(files);
        return 1;
    }
    long lo = strtol(list, NULL, 10), hi = lo;
    const char *dash = strchr(list, '-');
    if (dash)
        hi = dash[1] ? strtol(dash + 1, NULL, 10) : 1L << 30;
    if (lo <= 0)
        lo = 1;
    ap_buf_init(&b, AP_LIMIT_SH_OUTPUT);
    status = sh_gather(sh, io, "cut", nf, files, &b);
    char d[2] = {delim[0], '\0'};
    FOR_LINES(b, line) {
        if (chars) {
            size_t len = strlen(line);
            if ((size_t)lo <= len)
                sh_out(io, "%.*s", (int)AP_MIN(len - (size_t)lo + 1,
                                               (size_t)(hi - lo + 1)),
                       line + lo - 1);
            sh_out(io, "\n");
            continue;
        }
        if (strchr(line, d[0]) == NULL) {
            sh_out(io, "%s\n", line);
            continue;
        }
        char *f[256];
        size_t n = split_fields(line, d, f, AP_ARRAY_SIZE(f)), k;
        int first = 1;
        for (k = (size_t)lo; k <= n && (long)k <= hi; k++) {
            sh_out(io, "%s%s", first ? "" : d, f[k - 1]);
            first = 0;
        }
        sh_out(io, "\n");
    }
    ap_buf_release(&b);
    free(files);
    return status;
}

static int
cmp_line(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
sort_uniq(struct sh *sh, struct sh_io *io, int argc, char **argv, int sort)
{
    char opts[16] = "";
    char **files = calloc((size_t)argc + 1, sizeof(char *));
    char **lines = NULL;
    size_t n = 0, cap = 0, i;
    int nf = 0, k, status;
    struct ap_buf b;

    if (files == NULL)
        return 1;
    for (k = 1; k < argc; k++) {
        if (argv[k][0] == '-' && argv[k][1])
            snprintf(opts + strlen(opts), sizeof(opts) - strlen(opts), "%s",
                     argv[k] + 1);
        else
            files[nf++] = argv[k];
    }
    ap_buf_init(&b, AP_LIMIT_SH_OUTPUT);
    status = sh_gather(sh, io, argv[0], nf, files, &b);
    FOR_LINES(b, line) {
        if (n == cap) {
            char **v = realloc(lines, (cap = cap ? cap * 2 : 64) * sizeof(*v));
            if (v == NULL)
                break;
            lines = v;
        }
        lines[n++] = line;
    }
    if (sort && n)
        qsort(lines, n, sizeof(*lines), cmp_line);
    if (sort && strchr(opts, 'r'))
        for (i = 0; i < n / 2; i++) {
            char *t = lines[i];
            lines[i] = lines[n - 1 - i];
            lines[n - 1 - i] = t;
        }
    for (i = 0; i < n; i++) {
        size_t j = i;
        if (!sort || strchr(opts, 'u'))
            while (j + 1 < n && strcmp(lines[j + 1], lines[i]) == 0)
                j++;
        if (!sort && strchr(opts, 'c'))
            sh_out(io, "%7zu %s\n", j - i + 1, lines[i]);
        else
            sh_out(io, "%s\n", lines[i]);
        i = j;
    }
    free(lines);
    ap_buf_release(&b);
    free(files);
    return status;
}

int
sh_cmd_sort(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    return sort_uniq(sh, io, argc, argv, 1);
}

int
sh_cmd_uniq(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    return sort_uniq(sh, io, argc, argv, 0);
}

/* tr SET1 SET2 / tr -d SET (ranges a-z; no classes) */
static size_t
expand_set(const char *s, char *out, size_t max)
{
    size_t n = 0;
    for (; *s && n < max; s++) {
        if (s[1] == '-' && s[2]) {
            int c;
            for (c = (unsigned char)s[0]; c <= (unsigned char)s[2] && n < max; c++)
                out[n++] = (char)c;
            s += 2;
        } else {
            out[n++] = *s;
        }
    }
    return n;
}

int
sh_cmd_tr(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    char s1[256], s2[256];
    size_t n1, n2, k, j;
    int del = argc > 1 && strcmp(argv[1], "-d") == 0;
    AP_UNUSED(sh);
    if (argc < (del ? 3 : 3)) {
        sh_err(io, "tr: missing operand\nTry 'tr --help' for more "
                   "information.\n");
        return 1;
    }
    n1 = expand_set(argv[del ? 2 : 1], s1, sizeof(s1));
    n2 = del ? 0 : expand_set(argv[2], s2, sizeof(s2));
    for (k = 0; k < io->inlen; k++) {
        char c = (char)io->in[k];
        const char *hit = memchr(s1, c, n1);
        if (hit && del)
            continue;
        if (hit && n2) {
            j = (size_t)(hit - s1);
            c = s2[j < n2 ? j : n2 - 1];
        }
        ap_buf_append(io->out, &c, 1);
    }
    return 0;
}

static int
b64val(int c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

int
sh_cmd_base64(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    static const char tbl[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    struct ap_buf b;
    int i, dec = 0, nf = 0, status;
    char **files = calloc((size_t)argc + 1, sizeof(char *));
    size_t k, col = 0;

    if (files == NULL)
        return 1;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-d") == 0 || strcmp(argv[i], "--decode") == 0)
            dec = 1;
        else
            files[nf++] = argv[i];
    }
    ap_buf_init(&b, AP_LIMIT_SH_OUTPUT);
    status = sh_gather(sh, io, "base64", nf, files, &b);
    const uint8_t *d = ap_buf_data(&b);
    size_t len = ap_buf_len(&b);
    if (dec) {
        unsigned acc = 0;
        int bits = 0;
        for (k = 0; k < len; k++) {
            int v = b64val(d[k]);
            if (v < 0)
                continue;
            acc = (acc << 6) | (unsigned)v;
            bits += 6;
            if (bits >= 8) {
                bits -= 8;
                char c = (char)((acc >> bits) & 0xff);
                ap_buf_append(io->out, &c, 1);
            }
        }
    } else {
        for (k = 0; k < len; k += 3) {
            unsigned v = (unsigned)d[k] << 16;
            char q[4];
            if (k + 1 < len)
                v |= (unsigned)d[k + 1] << 8;
            if (k + 2 < len)
                v |= d[k + 2];
            q[0] = tbl[(v >> 18) & 63];
            q[1] = tbl[(v >> 12) & 63];
            q[2] = k + 1 < len ? tbl[(v >> 6) & 63] : '=';
            q[3] = k + 2 < len ? tbl[v & 63] : '=';
            ap_buf_append(io->out, q, 4);
            if ((col += 4) >= 76) {
                ap_buf_puts(io->out, "\n");
                col = 0;
            }
        }
        if (col)
            ap_buf_puts(io->out, "\n");
    }
    ap_buf_release(&b);
    free(files);
    return status;
}

/* xargs CMD ARGS: append the words of stdin to the command. */
int
sh_cmd_xargs(struct sh *sh, struct sh_io *io, int argc, char **argv)
{
    char *words = strndup((const char *)io->in, io->inlen);
    char **v = calloc((size_t)argc + io->inlen / 2 + 2, sizeof(char *));
    int n = 0, i, status = 0;
    char *p;
    struct sh_io sub = {NULL, 0, io->out, io->err};

    if (words == NULL || v == NULL) {
        free(words);
        free(v);
        return 1;
    }
    for (i = 1; i < argc; i++)
        v[n++] = argv[i];
    if (n == 0)
        v[n++] = "echo";
    for (p = words; *p;) {
        while (*p == ' ' || *p == '\n' || *p == '\t')
            p++;
        if (*p == '\0')
            break;
        v[n++] = p;
        while (*p && *p != ' ' && *p != '\n' && *p != '\t')
            p++;
        if (*p)
            *p++ = '\0';
    }
    status = sh_run_argv(sh, &sub, n, v);
    free(v);
    free(words);
    return status;
}
