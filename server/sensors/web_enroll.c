/*
 * The web side of enrollment: routes POST /api/sensor/ (MHN's endpoint,
 * used by MHN deploy scripts and `apiary enroll`) and GET /deploy.sh to
 * enroll.c and deploy.c.  The deploy key in the body is the
 * authorization, as in MHN, so the route is public and CSRF-exempt.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ap/err.h"
#include "ap/util.h"
#include "deploy.h"
#include "enroll.h"
#include "server.h"
#include "web/web.h"
#include "web/web_handlers.h"
#include "ap/common.h"

int
web_enroll_sensor(struct web_req *r)
{
    struct ap_enroll_ctx c;
    json_t *resp = NULL;
    int status;

    if (r->body_too_big)
        return web_reply_error(r, 413, "request body too large");
    memset(&c, 0, sizeof(c));
    c.db = r->w->db;
    c.hpfeeds_port = ap_server_port("hpfeeds");
    status = ap_enroll_handle(&c, (const char *)ap_buf_data(&r->body),
                              ap_buf_len(&r->body), r->client_ip, ap_now_us(),
                              &resp);
    return web_reply_json(r, (unsigned)status, resp);
}

int
web_deploy_script(struct web_req *r)
{
    const char *url = r->w->conf->public_url;
    struct ap_buf b;
    int rc;

    if (url == NULL)
        return web_reply_error(r, 404, "the server has no public_url set; "
                                       "see the deploy page");
    ap_buf_init(&b, 16 * 1024);
    if (ap_deploy_script(url, &b) != 0) {
        ap_buf_release(&b);
        return web_reply_error(r, 500, "public_url cannot be used in a "
                                       "shell script");
    }
    rc = web_reply_text(r, 200, "text/x-shellscript",
                        (const char *)ap_buf_data(&b), ap_buf_len(&b));
    ap_buf_release(&b);
    return rc;
}

/* The binary the deploy script installs: this server's own executable,
 * so sensors run exactly the server's version. */
int
web_deploy_binary(struct web_req *r)
{
    char path[4096];
    struct stat st;
    int fd;

    if (ap_deploy_binary_path(path, sizeof(path)) != 0 ||
        (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        return web_reply_error(r, 500, "cannot read the apiary binary");
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return web_reply_error(r, 500, "cannot read the apiary binary");
    }
    r->status = 200;
    r->ctype = "application/octet-stream";
    r->disposition = strdup("attachment; filename=\"apiary\"");
    r->file_fd = fd;
    r->file_size = (uint64_t)st.st_size;
    r->has_file = 1;
    return 0;
}
