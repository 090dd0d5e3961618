/*
 * `apiary enroll`'s one JSON POST, through libcurl (TLS with certificate
 * and host name verification unless --insecure), and the URL split that
 * write_config needs for the broker address.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "ap/buf.h"
#include "ap/err.h"
#include "http_post.h"
#include "ap/common.h"

int
ap_url_parse(const char *url, struct ap_url *out)
{
    struct ap_url u;
    const char *p, *hend, *pstart;
    char *end;
    long port;

    memset(&u, 0, sizeof(u));
    if (strncmp(url, "https://", 8) == 0) {
        u.tls = 1;
        p = url + 8;
        u.port = 443;
    } else if (strncmp(url, "http://", 7) == 0) {
        p = url + 7;
        u.port = 80;
    } else {
        return AP_EINVAL;
    }
    pstart = p + strcspn(p, "/?#");
    if (*p == '[') {
        if ((hend = memchr(p, ']', (size_t)(pstart - p))) == NULL ||
            (size_t)(hend - p - 1) >= sizeof(u.host))
            return AP_EINVAL;
        memcpy(u.host, p + 1, (size_t)(hend - p - 1));
        hend++;
    } else {
        hend = memchr(p, ':', (size_t)(pstart - p));
        if (hend == NULL)
            hend = pstart;
        if ((size_t)(hend - p) >= sizeof(u.host))
            return AP_EINVAL;
        memcpy(u.host, p, (size_t)(hend - p));
    }
    if (u.host[0] == '\0')
        return AP_EINVAL;
    if (hend < pstart) {
        if (*hend != ':')
            return AP_EINVAL;
        port = strtol(hend + 1, &end, 10);
        if (end != pstart || port < 1 || port > 65535)
            return AP_EINVAL;
        u.port = (int)port;
    }
    if (snprintf(u.path, sizeof(u.path), "%s", *pstart == '/' ? pstart : "/") >=
        (int)sizeof(u.path))
        return AP_EINVAL;
    *out = u;
    return 0;
}

static size_t
on_body(char *p, size_t size, size_t nmemb, void *ud)
{
    size_t n = size * nmemb;

    return ap_buf_append(ud, p, n) == 0 ? n : 0; /* 0: past the cap */
}

int
ap_http_post_json(const struct ap_url *u, const char *ca_file, int insecure,
                  const char *body, int timeout_secs, int *status,
                  struct ap_buf *resp, char *err, size_t errlen)
{
    char url[1400], cerr[CURL_ERROR_SIZE] = "";
    struct curl_slist *hdr = NULL;
    long code = 0;
    CURLcode rc;
    CURL *h;
    int r = AP_EIO;

    /* rebuilt from the parsed parts, so what we check is what we send */
    if ((size_t)snprintf(url, sizeof(url), "%s://%s%s%s:%d%s",
                         u->tls ? "https" : "http",
                         strchr(u->host, ':') ? "[" : "", u->host,
                         strchr(u->host, ':') ? "]" : "", u->port,
                         u->path) >= sizeof(url)) {
        snprintf(err, errlen, "URL too long");
        return AP_EINVAL;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
        (h = curl_easy_init()) == NULL) {
        snprintf(err, errlen, "cannot initialise libcurl");
        return AP_ENOMEM;
    }
    if ((hdr = curl_slist_append(hdr, "Content-Type: application/json")) ==
        NULL) {
        r = AP_ENOMEM;
        goto out;
    }
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)timeout_secs);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "apiary-enroll");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, resp);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, cerr);
    if (ca_file != NULL)
        curl_easy_setopt(h, CURLOPT_CAINFO, ca_file);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, insecure ? 0L : 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, insecure ? 0L : 2L);
    if ((rc = curl_easy_perform(h)) != CURLE_OK) {
        if (rc == CURLE_WRITE_ERROR)
            snprintf(err, errlen, "the server's answer is larger than %zu "
                                  "bytes", resp->max);
        else
            snprintf(err, errlen, "%s: %s", url,
                     cerr[0] ? cerr : curl_easy_strerror(rc));
        goto out;
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    *status = (int)code;
    r = 0;
out:
    curl_slist_free_all(hdr);
    curl_easy_cleanup(h);
    curl_global_cleanup();
    return r;
}
