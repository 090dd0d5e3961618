/* A minimal SMTP client (RFC 5321): EHLO, MAIL, RCPT, DATA, QUIT over a
 * blocking connection (plain or implicit TLS).  For alert emails. */
#ifndef AP_SMTP_H
#define AP_SMTP_H

#include <stddef.h>

#include "ap/conf.h"
#include "conn.h"

/* msg: headers + body with CRLF line ends, dot-stuffed, no final ".". */
int ap_smtp_send(const struct ap_conn_opts *o, const char *from,
                 const struct ap_strlist *to, const void *msg, size_t n,
                 char *err, size_t errlen);

#endif
