/*
 * HTML pages and static files, all embedded in the binary (web_assets.c
 * is generated from web/ at build time).  Every page is the same shell
 * (web/index.html); web/app.js draws the page named by the path.
 */
#include <string.h>

#include "web.h"
#include "web_handlers.h"
#include "ap/common.h"

const struct web_asset *
web_asset_find(const char *path)
{
    size_t i;

    for (i = 0; i < web_nassets; i++)
        if (strcmp(web_assets[i].path, path) == 0)
            return &web_assets[i];
    return NULL;
}

static int
serve(struct web_req *r, const char *path)
{
    const struct web_asset *a = web_asset_find(path);

    if (a == NULL)
        return web_reply_error(r, 404, "Requested resource was not found.");
    return web_reply_text(r, 200, a->ctype, a->data, a->len);
}

int
web_page_app(struct web_req *r)
{
    return serve(r, "/index.html");
}

/* The session page: the same shell, allowed to run the TTY player. */
int
web_page_session(struct web_req *r)
{
    r->csp_wasm = 1;
    return serve(r, "/index.html");
}

int
web_page_login(struct web_req *r)
{
    return serve(r, "/login.html");
}

int
web_static(struct web_req *r)
{
    char path[256];
    int rc;

    if (strlen(r->args[0]) > 200)
        return web_reply_error(r, 404, "Requested resource was not found.");
    memcpy(path, "/static/", 8);
    memcpy(path + 8, r->args[0], strlen(r->args[0]) + 1);
    rc = serve(r, path);
    if (r->status == 200)
        r->cache_static = 1;
    return rc;
}
