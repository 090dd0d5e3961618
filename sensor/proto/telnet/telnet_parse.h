/*
 * Telnet (RFC 854/855) stream parser: pure, over (bytes, length).  Each
 * call takes one item off the front of the stream:
 *   TN_DATA  a run of ordinary bytes (IAC IAC yields one 0xff byte)
 *   TN_CMD   IAC <cmd> (NOP, AYT, IP, EC, EL, GA, BRK, AO, DM)
 *   TN_OPT   IAC WILL/WONT/DO/DONT <option>
 *   TN_SB    IAC SB <option> payload IAC SE (payload still IAC-escaped)
 * Returns bytes consumed (> 0), 0 when the item is incomplete, AP_EPROTO
 * for a subnegotiation longer than TN_SB_MAX.
 */
#ifndef AP_TELNET_PARSE_H
#define AP_TELNET_PARSE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define TN_IAC 255
#define TN_DONT 254
#define TN_DO 253
#define TN_WONT 252
#define TN_WILL 251
#define TN_SB 250
#define TN_GA 249
#define TN_EL 248
#define TN_EC 247
#define TN_AYT 246
#define TN_AO 245
#define TN_IP 244
#define TN_BRK 243
#define TN_DM 242
#define TN_NOP 241
#define TN_SE 240

#define TN_OPT_ECHO 1
#define TN_OPT_SGA 3
#define TN_OPT_STATUS 5
#define TN_OPT_TTYPE 24
#define TN_OPT_NAWS 31
#define TN_OPT_TSPEED 32
#define TN_OPT_LFLOW 33
#define TN_OPT_LINEMODE 34
#define TN_OPT_XDISPLOC 35
#define TN_OPT_OLD_ENVIRON 36
#define TN_OPT_NEW_ENVIRON 39

#define TN_SB_MAX 1024

enum tn_kind { TN_ITEM_DATA, TN_ITEM_CMD, TN_ITEM_OPT, TN_ITEM_SB };

struct tn_item {
    enum tn_kind kind;
    uint8_t cmd;      /* TN_ITEM_CMD: the command; TN_ITEM_OPT: WILL..DONT */
    uint8_t opt;      /* TN_ITEM_OPT, TN_ITEM_SB */
    const uint8_t *p; /* TN_ITEM_DATA bytes, TN_ITEM_SB payload (borrows) */
    size_t n;
};

ssize_t tn_parse(const uint8_t *p, size_t len, struct tn_item *out);

/* Decode an SB payload: NAWS -> width/height (0 ok, AP_EPROTO if short);
 * TTYPE IS -> name (NUL-terminated, printable ASCII only). */
int tn_sb_naws(const struct tn_item *it, unsigned *w, unsigned *h);
int tn_sb_ttype(const struct tn_item *it, char *name, size_t len);

#endif
