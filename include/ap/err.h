/*
 * One error convention for all of Apiary: a function returns 0 (or a byte
 * count) on success and a negative AP_E* code on failure.  Out-parameters
 * are set only on success.
 */
#ifndef AP_ERR_H
#define AP_ERR_H

enum ap_err {
    AP_OK = 0,
    AP_ENOMEM = -1,   /* allocation failed */
    AP_ESHORT = -2,   /* not enough input bytes (checked readers) */
    AP_EPROTO = -3,   /* peer violated the protocol */
    AP_ETOOBIG = -4,  /* a named limit from limits.h was exceeded */
    AP_EIO = -5,      /* I/O error; errno may tell more */
    AP_ECONF = -6,    /* bad configuration */
    AP_EINVAL = -7,   /* bad argument from our own code or the user */
    AP_EAUTH = -8,    /* authentication or authorization failed */
    AP_ENOENT = -9,   /* no such thing */
    AP_EEXIST = -10,  /* already exists */
    AP_EDB = -11,     /* database error */
    AP_EAGAIN = -12,  /* try again later */
    AP_ECLOSED = -13, /* peer closed the connection */
    AP_ETIMEDOUT = -14,
    AP_EFULL = -15,   /* a bounded queue or spool is full */
    AP_ELAST = -16
};

/* Returns a static string describing err (any AP_E* code, or 0). */
const char *ap_strerror(int err);

#endif
