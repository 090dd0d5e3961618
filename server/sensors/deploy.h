/*
 * What a new sensor host fetches from the server (the deploy page's
 * one-line command): the install script and the apiary binary itself.
 *
 *     curl -fsS https://SERVER/deploy.sh | sh -s -- DEPLOY_KEY [NAME]
 *
 * The web component serves GET /deploy.sh with ap_deploy_script and
 * GET /deploy/apiary with the file named by ap_deploy_binary_path.
 */
#ifndef AP_DEPLOY_H
#define AP_DEPLOY_H

#include <stddef.h>

#include "ap/buf.h"

/*
 * Append the install script for a server reachable at url (the server's
 * public URL, e.g. "https://hp.example.com:8080").  The URL is checked
 * (scheme http/https, no quotes, blanks or shell metacharacters) because
 * it is pasted into a shell script: AP_EINVAL otherwise.
 */
int ap_deploy_script(const char *url, struct ap_buf *out);

/* The path of the running executable (what /deploy/apiary serves). */
int ap_deploy_binary_path(char *buf, size_t len);

#endif
