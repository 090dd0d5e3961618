#!/bin/bash
# Web security: nothing without a session or key, CSRF enforced, roles
# enforced server-side, API keys hashed/revocable/never echoed, cookies
# and headers as documented, login rate limit, the `apiary user` command.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web/lib_web.sh"
need curl jq openssl sqlite3

web_start --set web.login_burst=5 --set web.login_window=1h

# Every page and every API route refuses an anonymous client: pages
# redirect to /login, the API answers 401.
for p in / /map /search /attacker/1.2.3.4 /session/abc /credentials /files \
    /sensors /deploy /settings; do
    c=$(code GET "$WEB$p")
    [ "$c" = 302 ] || fail "page $p without login: $c"
done
for p in /api/v1/me /api/v1/summary /api/v1/events /api/v1/top/src_ip \
    /api/v1/timeseries /api/v1/attacker/1.2.3.4 /api/v1/session/x \
    /api/v1/credentials /api/v1/files /api/v1/sensors /api/v1/deploy \
    /api/v1/stream /api/v1/settings /api/v1/users /api/v1/apikeys \
    /api/session/ /api/session/x/ /api/feed/ /api/top_attackers/ \
    /api/attacker_stats/1.2.3.4/ /api/intel_feed/ /api/intel_feed.csv/ \
    /api/sensor/ /api/file/ /api/url/ /api/metadata/ /api/dork/; do
    c=$(code GET "$WEB$p")
    [ "$c" = 401 ] || fail "API $p without login: $c"
    c=$(code GET "$WEB$p?api_key=ak_not_a_real_key_000000000000")
    [ "$c" = 401 ] || fail "API $p with a bad key: $c"
done
for m in "POST /api/v1/users" "DELETE /api/v1/users/admin" \
    "POST /api/v1/users/admin/password" "POST /api/v1/apikeys" \
    "DELETE /api/v1/apikeys/1" "POST /api/v1/logout" "POST /api/v1/deploykeys" \
    "DELETE /api/v1/deploykeys/x"; do
    c=$(code ${m% *} "$WEB${m#* }" -H 'Content-Type: application/json' -d '{}')
    [ "$c" = 401 ] || fail "$m without login: $c"
done
[ "$(code GET "$WEB/no/such/page")" = 404 ] || fail "unknown path not 404"
[ "$(code GET "$WEB/static/app.js")" = 200 ] || fail "static asset"
[ "$(code GET "$WEB/static/nope.js")" = 404 ] || fail "missing asset not 404"

# Headers on a page: strict CSP without inline script, and friends.
curl -s -D "$T/h" -o "$T/login.html" "$WEB/login"
grep -qi "^content-security-policy: .*script-src 'self';" "$T/h" || fail "CSP"
if grep -i "^content-security-policy" "$T/h" | grep -q "unsafe-inline"; then
    fail "CSP allows inline"
fi
grep -qi "^x-content-type-options: nosniff" "$T/h" || fail "nosniff"
grep -qi "^x-frame-options: deny" "$T/h" || fail "X-Frame-Options"
grep -qi "^referrer-policy: no-referrer" "$T/h" || fail "Referrer-Policy"
grep -qi "frame-ancestors 'none'" "$T/h" || fail "frame-ancestors"
# No inline script in any embedded page.
for p in /login /static/app.js; do curl -s "$WEB$p" >/dev/null; done
if grep -q "<script>" "$T/login.html"; then fail "inline script in login page"; fi

# Login: wrong password refused, form posts refused, rate limit per source.
c=$(code POST "$WEB/api/v1/login" -H 'Content-Type: application/json' \
    -d '{"username":"admin","password":"wrong-password"}')
[ "$c" = 401 ] || fail "wrong password: $c"
c=$(code POST "$WEB/api/v1/login" -d 'username=admin&password=x')
[ "$c" = 415 ] || fail "form-encoded login (login CSRF) not refused: $c"
c=$(code POST "$WEB/api/v1/login" -H 'Content-Type: application/json' \
    -d '{"username":"nobody","password":"wrong-password"}')
[ "$c" = 401 ] || fail "unknown user: $c"

CSRF=$(login admin "$ADMIN_PW" "$T/admin.jar")
curl -s -D "$T/lh" -o /dev/null -H 'Content-Type: application/json' \
    -d "{\"username\":\"admin\",\"password\":\"$ADMIN_PW\"}" "$WEB/api/v1/login"
grep -i '^set-cookie: apiary_session=' "$T/lh" | grep -qi 'httponly' || fail "cookie not HttpOnly"
grep -i '^set-cookie: apiary_session=' "$T/lh" | grep -qi 'samesite=strict' || fail "cookie not SameSite=Strict"
if grep -i '^set-cookie:' "$T/lh" | grep -qi 'secure'; then fail "Secure cookie over plain HTTP"; fi


# Session works; CSRF is required for every state-changing request.
[ "$(code GET "$WEB/" -b "$T/admin.jar")" = 200 ] || fail "dashboard with session"
[ "$(code GET "$WEB/api/v1/users" -b "$T/admin.jar")" = 200 ] || fail "users"
c=$(code POST "$WEB/api/v1/apikeys" -b "$T/admin.jar" -H 'Content-Type: application/json' -d '{}')
[ "$c" = 403 ] || fail "CSRF-less POST accepted: $c"
c=$(code POST "$WEB/api/v1/apikeys" -b "$T/admin.jar" -H 'X-CSRF-Token: wrongwrongwrongwrongwrongwrongwrongwrongwro' -d '{}')
[ "$c" = 403 ] || fail "POST with a wrong CSRF token accepted: $c"
c=$(code DELETE "$WEB/api/v1/users/nobody" -b "$T/admin.jar")
[ "$c" = 403 ] || fail "CSRF-less DELETE accepted: $c"
c=$(code POST "$WEB/api/v1/logout" -b "$T/admin.jar")
[ "$c" = 403 ] || fail "CSRF-less logout accepted: $c"

# Users: add a viewer through the API (with CSRF) and one with the CLI.
c=$(code POST "$WEB/api/v1/users" -b "$T/admin.jar" -H "X-CSRF-Token: $CSRF" \
    -H 'Content-Type: application/json' -d '{"name":"viewer1","password":"viewer-pass-1","role":"viewer"}')
[ "$c" = 201 ] || fail "add viewer: $c"
echo "viewer-pass-2" | "$APIARY" user add viewer2 --role viewer --data-dir "$T/data" ||
    fail "apiary user add"
"$APIARY" user list --data-dir "$T/data" | grep -qx "viewer2 viewer" || fail "apiary user list"
# Passwords are stored as Argon2id hashes, keys and sessions as SHA-256.
sqlite3 "$T/data/server.db" "select pwhash from web_users" | grep -qv '^\$argon2id\$' &&
    fail "a password not hashed with Argon2id"
if sqlite3 "$T/data/server.db" .dump | grep -q "$ADMIN_PW"; then fail "password in clear"; fi

# Viewer: reads yes, admin actions no (server-side, whatever the UI hides).
VCSRF=$(login viewer1 viewer-pass-1 "$T/viewer.jar")
[ "$(code GET "$WEB/api/v1/me" -b "$T/viewer.jar")" = 200 ] || fail "viewer me"
[ "$(code GET "$WEB/api/v1/users" -b "$T/viewer.jar")" = 403 ] || fail "viewer lists users"
[ "$(code GET "$WEB/api/v1/deploy" -b "$T/viewer.jar")" = 403 ] || fail "viewer deploy"
c=$(code POST "$WEB/api/v1/users" -b "$T/viewer.jar" -H "X-CSRF-Token: $VCSRF" \
    -H 'Content-Type: application/json' -d '{"name":"evil","password":"evil-pass-1","role":"admin"}')
[ "$c" = 403 ] || fail "viewer added a user: $c"
c=$(code DELETE "$WEB/api/v1/users/admin" -b "$T/viewer.jar" -H "X-CSRF-Token: $VCSRF")
[ "$c" = 403 ] || fail "viewer deleted a user: $c"
c=$(code POST "$WEB/api/v1/users/admin/password" -b "$T/viewer.jar" -H "X-CSRF-Token: $VCSRF" \
    -H 'Content-Type: application/json' -d '{"password":"taken-over-1"}')
[ "$c" = 403 ] || fail "viewer changed the admin password: $c"

# Deploy keys (deploy page): admins only, shown once, revocable.
R=$(curl -s -b "$T/admin.jar" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json' \
    -d '{"note":"rack 3","max_uses":1,"lifetime":3600}' "$WEB/api/v1/deploykeys")
DK=$(echo "$R" | jq -er .key) || fail "deploy key: $R"
echo "$R" | jq -er .command | grep -qF -- "$DK" || fail "deploy command lacks the key"
D=$(curl -s -b "$T/admin.jar" "$WEB/api/v1/deploy")
if echo "$D" | grep -qF "$DK"; then fail "deploy key listed after creation"; fi
DKID=$(echo "$D" | jq -er '.keys[0].id') || fail "deploy key list: $D"
c=$(code POST "$WEB/api/v1/deploykeys" -b "$T/viewer.jar" -H "X-CSRF-Token: $VCSRF" \
    -H 'Content-Type: application/json' -d '{}')
[ "$c" = 403 ] || fail "viewer created a deploy key: $c"
[ "$(code DELETE "$WEB/api/v1/deploykeys/$DKID" -b "$T/admin.jar")" = 403 ] || fail "CSRF-less revoke"
[ "$(code DELETE "$WEB/api/v1/deploykeys/$DKID" -b "$T/admin.jar" -H "X-CSRF-Token: $CSRF")" = 200 ] ||
    fail "deploy key revoke"
curl -s -b "$T/admin.jar" "$WEB/api/v1/deploy" | jq -e '.keys[0].valid == false' >/dev/null ||
    fail "revoked deploy key still valid"

# API keys: created once, usable three ways, hashed, never echoed, revocable.
R=$(curl -s -b "$T/viewer.jar" -H "X-CSRF-Token: $VCSRF" -H 'Content-Type: application/json' \
    -d '{"label":"script"}' "$WEB/api/v1/apikeys")
KEY=$(echo "$R" | jq -er .key) || fail "no key in $R"
KID=$(echo "$R" | jq -er .id)
[ "$(curl -s -H "Authorization: Bearer $KEY" "$WEB/api/v1/me" | jq -r .user)" = viewer1 ] || fail "Bearer"
[ "$(curl -s -H "X-Api-Key: $KEY" "$WEB/api/v1/me" | jq -r .user)" = viewer1 ] || fail "X-Api-Key"
[ "$(curl -s "$WEB/api/v1/me?api_key=$KEY" | jq -r .user)" = viewer1 ] || fail "api_key="
# A key-authenticated client is not CSRF-prone (no ambient credential).
[ "$(code GET "$WEB/api/v1/users" -H "X-Api-Key: $KEY")" = 403 ] || fail "viewer key is admin"
for p in /api/v1/me /api/v1/apikeys /api/v1/settings "/api/top_attackers/" "/api/session/"; do
    if curl -s "$WEB$p?api_key=$KEY" | grep -q "$KEY"; then fail "$p echoes the API key"; fi
done
if sqlite3 "$T/data/server.db" .dump | grep -q "$KEY"; then fail "API key stored in clear"; fi
curl -s -b "$T/admin.jar" "$WEB/api/v1/apikeys" | jq -e --arg id "$KID" \
    '.data | map(select(.id == ($id|tonumber))) | length == 1' >/dev/null || fail "admin sees keys"
[ "$(code DELETE "$WEB/api/v1/apikeys/$KID" -b "$T/viewer.jar" -H "X-CSRF-Token: $VCSRF")" = 200 ] ||
    fail "revoke"
[ "$(code GET "$WEB/api/v1/me" -H "X-Api-Key: $KEY")" = 401 ] || fail "revoked key still works"

# Password change ends old sessions; CLI passwd works on a stopped server too.
c=$(code POST "$WEB/api/v1/users/viewer1/password" -b "$T/viewer.jar" -H "X-CSRF-Token: $VCSRF" \
    -H 'Content-Type: application/json' -d '{"password":"viewer-pass-3"}')
[ "$c" = 200 ] || fail "own password change: $c"
[ "$(code GET "$WEB/api/v1/me" -b "$T/viewer.jar")" = 401 ] || fail "session survived passwd"
login viewer1 viewer-pass-3 "$T/viewer.jar" >/dev/null

# Logout ends the session.
[ "$(code POST "$WEB/api/v1/logout" -b "$T/admin.jar" -H "X-CSRF-Token: $CSRF")" = 200 ] || fail "logout"
[ "$(code GET "$WEB/api/v1/me" -b "$T/admin.jar")" = 401 ] || fail "session survived logout"

# Rate limit: 2 failures so far; 3 more use up the budget of 5, and the
# next try is 429 even with the right password (no hashing is done).
for i in 1 2 3; do
    c=$(code POST "$WEB/api/v1/login" -H 'Content-Type: application/json' \
        -d '{"username":"admin","password":"wrong-again"}')
    [ "$c" = 401 ] || fail "failure $i: $c"
done
c=$(code POST "$WEB/api/v1/login" -H 'Content-Type: application/json' \
    -d "{\"username\":\"admin\",\"password\":\"$ADMIN_PW\"}")
[ "$c" = 429 ] || fail "login rate limit: $c"

# HTTPS: Secure cookie and HSTS.
web_stop
rm -f "$T/ports"
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -days 1 \
    -keyout "$T/key.pem" -out "$T/cert.pem" 2>/dev/null || fail "openssl"
web_start --set "web.tls_cert=$T/cert.pem" --set "web.tls_key=$T/key.pem"
WEB=${WEB/http:/https:}
curl -sk -D "$T/th" -o /dev/null -H 'Content-Type: application/json' \
    -d "{\"username\":\"admin\",\"password\":\"$ADMIN_PW\"}" "$WEB/api/v1/login"
grep -i '^set-cookie: apiary_session=' "$T/th" | grep -qi '; secure' || fail "no Secure cookie under HTTPS"
grep -qi '^strict-transport-security:' "$T/th" || fail "no HSTS under HTTPS"
web_stop
pass
