/*
 * Shared framing for line- and length-delimited protocols, so no module
 * writes its own "read until CRLF" (nginx's ngx_mail_parse.c is shared by
 * POP3, IMAP and SMTP for the same reason).
 *
 * All return > 0 (bytes that make up one complete frame), 0 (need more
 * input) or a negative AP_E* code.
 */
#ifndef AP_FRAME_H
#define AP_FRAME_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * One line ending in LF (an optional CR before it is not part of the line).
 * *line_len receives the line length without CR/LF.  Returns AP_ETOOBIG if
 * no LF appears within max bytes.
 */
ssize_t ap_frame_line(const uint8_t *p, size_t len, size_t max,
                      size_t *line_len);

/*
 * A frame whose length is a big-endian integer of width 2 or 4 at offset
 * `at`.  The length counts `adjust` more bytes than the value says (for
 * example 5 + value for a header that is not counted, 0 for hpfeeds which
 * counts itself).  Frames shorter than min or longer than max are errors
 * (AP_EPROTO / AP_ETOOBIG).
 */
ssize_t ap_frame_len_be(const uint8_t *p, size_t len, size_t at, int width,
                        size_t adjust, size_t min, size_t max);

#endif
