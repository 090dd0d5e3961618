/*
 * Route matching: a pure function over (table, method, path), so unit
 * tests and the fuzzer drive it without a server.
 */
#include <stdlib.h>
#include <string.h>

#include "web.h"
#include "ap/common.h"

/* Length of the next segment of s (up to '/' or the end). */
static size_t
seglen(const char *s)
{
    return strcspn(s, "/");
}

/* Match path against pat; on success the "<>" segments go to args. */
static int
match_one(const char *pat, const char *path, char **args, int *nargs)
{
    size_t pl, sl;
    int n = 0;

    for (;;) {
        while (*pat == '/')
            pat++;
        while (*path == '/')
            path++;
        if (*pat == '\0' || *path == '\0')
            break;
        pl = seglen(pat);
        sl = seglen(path);
        if (pl == 2 && memcmp(pat, "<>", 2) == 0) {
            if (n == WEB_MAX_ARGS)
                goto no;
            if ((args[n] = strndup(path, sl)) == NULL)
                goto no;
            n++;
        } else if (pl != sl || memcmp(pat, path, pl) != 0) {
            goto no;
        }
        pat += pl;
        path += sl;
    }
    if (*pat != '\0' || *path != '\0')
        goto no;
    *nargs = n;
    return 1;
no:
    web_route_args_free(args, n);
    return 0;
}

const struct web_route *
web_route_find(const struct web_route *table, const char *method,
               const char *path, char **args, int *nargs, int *method_mismatch)
{
    const struct web_route *rt;
    int n = 0, head;

    *method_mismatch = 0;
    *nargs = 0;
    if (path == NULL || path[0] != '/')
        return NULL;
    /* Empty segments ("//") would let two spellings reach one route;
     * refuse them, and any dot segment, outright. */
    if (strstr(path, "//") != NULL || strstr(path, "/./") != NULL ||
        strstr(path, "/../") != NULL)
        return NULL;
    head = strcmp(method, "HEAD") == 0;
    for (rt = table; rt->pattern != NULL; rt++) {
        if (!match_one(rt->pattern, path, args, &n))
            continue;
        if (strcmp(rt->method, method) == 0 ||
            (head && strcmp(rt->method, "GET") == 0)) {
            *nargs = n;
            return rt;
        }
        web_route_args_free(args, n);
        *method_mismatch = 1;
    }
    return NULL;
}

void
web_route_args_free(char **args, int nargs)
{
    int i;

    for (i = 0; i < nargs; i++) {
        free(args[i]);
        args[i] = NULL;
    }
}
