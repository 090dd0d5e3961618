/*
 * hpfeeds idents ("authkeys"): who may connect to the broker, and which
 * channels each may publish and subscribe to (exact names, no wildcards,
 * as in every reference broker).  Kept in server.db, table
 * hpfeeds_idents.
 *
 * Secrets are stored in clear text: hpfeeds authentication is
 * SHA1(nonce || secret) with a fresh nonce per connection, so the broker
 * needs the secret itself, exactly like hpfeeds3 and MHN.  server.db is
 * created mode 0600 inside a 0700 data directory; that is the protection.
 *
 * The broker reads an ident on every AUTH, so changes made with
 * `apiary ident` or this API apply to the next connection without a
 * restart (connections already authenticated keep their ACL).
 */
#ifndef AP_IDENTS_H
#define AP_IDENTS_H

#include <sqlite3.h>

#include "ap/conf.h"

/* Longest generated secret; hpfeeds idents are s8 strings (<= 255). */
#define AP_IDENT_SECRET_LEN 32

struct ap_ident {
    char *name;
    char *secret;
    char *owner; /* "" when none */
    struct ap_strlist pub;
    struct ap_strlist sub;
};

/* CREATE TABLE IF NOT EXISTS.  0 or AP_EDB. */
int ap_idents_init(sqlite3 *db);

/* Add a new ident.  secret NULL: generate AP_IDENT_SECRET_LEN random
 * characters, returned in *secret_out (malloc'd; may be NULL if not
 * wanted).  pub/sub may be NULL (empty).  AP_EEXIST if the name is taken,
 * AP_EINVAL for an empty name or a name/channel over 255 bytes. */
int ap_ident_create(sqlite3 *db, const char *name, const char *secret,
                    const struct ap_strlist *pub, const struct ap_strlist *sub,
                    const char *owner, char **secret_out);

/* Insert or replace (imports). */
int ap_ident_put(sqlite3 *db, const struct ap_ident *id);

/* Look up by exact name (n bytes, may contain anything).  AP_ENOENT if
 * unknown; out is filled only on success (free with ap_ident_release). */
int ap_ident_get(sqlite3 *db, const char *name, size_t n, struct ap_ident *out);

/* AP_ENOENT if unknown. */
int ap_ident_delete(sqlite3 *db, const char *name);

/* Call fn for each ident in name order; the secret field is NULL (lists
 * never see secrets).  Stops early and returns fn's value if non-zero. */
int ap_ident_foreach(sqlite3 *db,
                     int (*fn)(void *ctx, const struct ap_ident *id),
                     void *ctx);

void ap_ident_release(struct ap_ident *id);

/*
 * Import idents from a JSON text: an hpfeeds3 auth file
 * ({"ident": {"owner", "secret", "pubchans", "subchans"}, ...}), MHN
 * auth_key documents (one JSON array of documents, or one document per
 * line as mongoexport writes them: identifier, secret, publish,
 * subscribe, optional owner; any _id is ignored).  Existing idents of the
 * same name are replaced.  Returns the number imported, or a negative
 * code with a message in err.
 */
int ap_ident_import_json(sqlite3 *db, const char *text, size_t len, char *err,
                         size_t errlen);

#endif
