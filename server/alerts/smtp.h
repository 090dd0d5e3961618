/* A minimal SMTP client (RFC 5321): EHLO, MAIL, RCPT, DATA, QUIT over a
 * blocking connection (plain, implicit TLS, or STARTTLS, RFC 3207).  For
 * alert emails. */
#ifndef AP_SMTP_H
#define AP_SMTP_H

#include <stddef.h>

#include "ap/conf.h"
#include "conn.h"

/*
 * msg: headers + body with CRLF line ends, dot-stuffed, no final ".".
 * starttls: connect in plain text (o->tls 0), then require STARTTLS and
 * upgrade with o's TLS settings (CA file, verification, name) before
 * anything else is sent; a server that does not offer it is an error, not
 * a reason to send in clear.
 */
int ap_smtp_send(const struct ap_conn_opts *o, int starttls, const char *from,
                 const struct ap_strlist *to, const void *msg, size_t n,
                 char *err, size_t errlen);

#endif
