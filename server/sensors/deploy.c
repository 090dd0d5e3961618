#include <string.h>
#include <unistd.h>

#include "ap/err.h"
#include "deploy.h"
#include "ap/common.h"

/* The script runs as root on the new host: it only fetches the binary
 * from this server, enrolls, and installs the systemd unit.  Nothing in
 * it comes from a request except the URL, which is checked below. */
static const char script_head[] =
    "#!/bin/sh\n"
    "# Apiary sensor installer.  Usage:\n"
    "#   curl -fsS URL/deploy.sh | sh -s -- DEPLOY_KEY [NAME] [MODULES]\n"
    "set -eu\n";

static const char script_body[] =
    "KEY=\"${1:?usage: sh -s -- DEPLOY_KEY [NAME] [MODULES]}\"\n"
    "NAME=\"${2:-$(hostname)}\"\n"
    "MODULES=\"${3:-}\"\n"
    "[ \"$(id -u)\" = 0 ] || { echo 'run as root' >&2; exit 1; }\n"
    "tmp=$(mktemp)\n"
    "curl -fsS -o \"$tmp\" \"$APIARY_URL/deploy/apiary\"\n"
    "install -m 0755 \"$tmp\" /usr/local/bin/apiary\n"
    "rm -f \"$tmp\"\n"
    "id apiary >/dev/null 2>&1 || useradd --system --no-create-home "
    "--shell /usr/sbin/nologin apiary\n"
    "install -d -m 0750 /etc/apiary\n"
    "install -d -m 0700 -o apiary -g apiary /var/lib/apiary\n"
    "set -- --deploy-key \"$KEY\" --name \"$NAME\" -o /etc/apiary/sensor.conf\n"
    "[ -n \"$MODULES\" ] && set -- \"$@\" --modules \"$MODULES\"\n"
    "/usr/local/bin/apiary enroll \"$APIARY_URL\" \"$@\"\n"
    "/usr/local/bin/apiary enroll --print-unit > "
    "/etc/systemd/system/apiary-sensor.service\n"
    "systemctl daemon-reload\n"
    "systemctl enable --now apiary-sensor\n"
    "echo \"apiary sensor $NAME enrolled and running\"\n";

/* Characters allowed in the URL: enough for scheme://host:port/path. */
static int
url_ok(const char *u)
{
    const char *p;

    if (strncmp(u, "http://", 7) != 0 && strncmp(u, "https://", 8) != 0)
        return 0;
    for (p = u; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9') || strchr(":/.-_[]%", *p)))
            return 0;
    return p - u < 512;
}

int
ap_deploy_script(const char *url, struct ap_buf *out)
{
    size_t n;
    int r;

    if (url == NULL || !url_ok(url))
        return AP_EINVAL;
    n = strlen(url);
    while (n > 0 && url[n - 1] == '/')
        n--;
    if ((r = ap_buf_puts(out, script_head)) != 0 ||
        (r = ap_buf_printf(out, "APIARY_URL='%.*s'\n", (int)n, url)) != 0 ||
        (r = ap_buf_puts(out, script_body)) != 0)
        return r;
    return 0;
}

int
ap_deploy_binary_path(char *buf, size_t len)
{
    ssize_t n = readlink("/proc/self/exe", buf, len - 1);

    if (n <= 0)
        return AP_EIO;
    buf[n] = '\0';
    return 0;
}
