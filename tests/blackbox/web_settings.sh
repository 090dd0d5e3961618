#!/bin/bash
# Settings kept in server.db and applied by the running server: retention
# set through the API empties a store of 2017 events without a restart;
# alert rules are listed, created, edited and deleted (the alerts engine
# reloads them; config rules are read-only); sensor tags are edited.
# Viewers can read but change nothing; every change needs the CSRF token.
# Chromium: an admin saves retention and a rule through the page; a
# viewer gets no forms.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web/lib_web.sh"
need curl jq python3 chromium
[ -r "$COWRIE_LOG" ] || fail "cowrie log $COWRIE_LOG missing"
mkdir -p "$T/data"
"$APIARY" import --store "sqlite:$T/data/events.db" --ident cowrie1 \
    "$COWRIE_LOG" >"$T/import.out" 2>&1 || fail "import: $(cat "$T/import.out")"
"$APIARY" ident --data-dir "$T/data" add sens-a --secret "s-$$" \
    --publish apiary.events >/dev/null || fail "ident add"
cat >"$T/server.conf" <<'CONF'
[alert cfgrule]
type internal
severity critical
CONF
web_start -c "$T/server.conf"
echo "viewer-pass-$$" | "$APIARY" user add viewer1 --role viewer \
    --data-dir "$T/data" || fail "user add viewer"
A=$(login admin "$ADMIN_PW" "$T/a.jar")
V=$(login viewer1 "viewer-pass-$$" "$T/v.jar")
J=(-H 'Content-Type: application/json')
W="since=2017-11-01T00:00:00Z&until=2017-11-10T00:00:00Z"

# admin PUT/POST/DELETE with the token: print the status
acall() { local m=$1 u=$2; shift 2; code "$m" "$WEB$u" -b "$T/a.jar" -H "X-CSRF-Token: $A" "${J[@]}" "$@"; }

# --- who may change what ---------------------------------------------------
for m in "PUT /api/v1/settings/retention" "POST /api/v1/alerts/rules" \
    "PUT /api/v1/alerts/rules/x" "DELETE /api/v1/alerts/rules/x" \
    "PUT /api/v1/sensortags/sens-a"; do
    c=$(code ${m% *} "$WEB${m#* }" -b "$T/v.jar" -H "X-CSRF-Token: $V" "${J[@]}" -d '{}')
    [ "$c" = 403 ] || fail "viewer: $m answered $c"
    c=$(code ${m% *} "$WEB${m#* }" -b "$T/a.jar" "${J[@]}" -d '{}')
    [ "$c" = 403 ] || fail "admin without CSRF token: $m answered $c"
    c=$(code ${m% *} "$WEB${m#* }" "${J[@]}" -d '{}')
    [ "$c" = 401 ] || fail "anonymous: $m answered $c"
done
for p in /api/v1/settings/retention /api/v1/alerts/rules /api/v1/sensortags; do
    [ "$(code GET "$WEB$p" -b "$T/v.jar")" = 200 ] || fail "viewer cannot read $p"
    [ "$(code GET "$WEB$p")" = 401 ] || fail "anonymous read $p"
done
for p in "/api/v1/ttylog/$(printf 'c%.0s' {1..64})" "/api/v1/files/$(printf 'c%.0s' {1..64})/download?format=zip"; do
    [ "$(code GET "$WEB$p")" = 401 ] || fail "anonymous $p"
done

# --- retention: applied by the running store -------------------------------
n0=$(curl -s -b "$T/a.jar" "$WEB/api/v1/events?$W&limit=1" | jq .meta.total)
[ "$n0" -gt 1000 ] || fail "import: $n0 events"
curl -s -b "$T/a.jar" "$WEB/api/v1/settings/retention" >"$T/ret0.json"
jq -e '.config.days == 0 and .override.days == null and .effective.days == 0' \
    "$T/ret0.json" >/dev/null || fail "initial retention: $(cat "$T/ret0.json")"
[ "$(acall PUT /api/v1/settings/retention -d '{"days":-3}')" = 400 ] || fail "negative days"
[ "$(acall PUT /api/v1/settings/retention -d '{"days":"30"}')" = 400 ] || fail "string days"
[ "$(acall PUT /api/v1/settings/retention -d '{"days":30}')" = 200 ] || fail "set retention"
for ((i = 0; i < 300; i++)); do
    n=$(curl -s -b "$T/a.jar" "$WEB/api/v1/events?$W&limit=1" | jq .meta.total)
    [ "$n" = 0 ] && break
    sleep 0.1
done
[ "$n" = 0 ] || fail "retention not applied: $n of $n0 events left"
curl -s -b "$T/a.jar" "$WEB/api/v1/settings/retention" >"$T/ret1.json"
jq -e '.config.days == 0 and .override.days == 30 and .effective.days == 30 and .applied_at_us > 0' \
    "$T/ret1.json" >/dev/null || fail "retention state: $(cat "$T/ret1.json")"
[ "$(acall PUT /api/v1/settings/retention -d '{"days":null}')" = 200 ] || fail "clear retention"
for ((i = 0; i < 300; i++)); do
    curl -s -b "$T/a.jar" "$WEB/api/v1/settings/retention" | jq -e '.effective.days == 0' \
        >/dev/null && break
    sleep 0.1
done
curl -s -b "$T/a.jar" "$WEB/api/v1/settings/retention" | jq -e '.effective.days == 0 and .override.days == null' \
    >/dev/null || fail "retention back to the config"

# --- alert rules: the alerts engine's own store ----------------------------
reloads() { grep -c 'alerts: rules reloaded' "$T/server.log"; }
curl -s -b "$T/v.jar" "$WEB/api/v1/alerts/rules" >"$T/rules.json"
jq -e '(.data | map(select(.name == "cfgrule" and .editable == false)) | length == 1) and
       (.schema | length > 3)' "$T/rules.json" >/dev/null ||
    fail "rule list: $(head -c 400 "$T/rules.json")"
[ "$(acall PUT /api/v1/alerts/rules/cfgrule -d '{"settings":{"severity":"low"}}')" = 403 ] ||
    fail "config rule edited"
[ "$(acall DELETE /api/v1/alerts/rules/cfgrule)" = 403 ] || fail "config rule deleted"
[ "$(acall POST /api/v1/alerts/rules -d '{"name":"bad","settings":{"type":"threshold","metric":"bogus"}}')" = 400 ] ||
    fail "bad rule accepted"
[ "$(acall POST /api/v1/alerts/rules -d '{"name":"bad name","settings":{"type":"download"}}')" = 400 ] ||
    fail "bad rule name accepted"
base=$(reloads)
[ "$(acall POST /api/v1/alerts/rules -d '{"name":"creds","settings":{"type":"watchlist","usernames":["oracle"],"severity":"high"}}')" = 201 ] ||
    fail "create rule"
[ "$(acall POST /api/v1/alerts/rules -d '{"name":"creds","settings":{"type":"download"}}')" = 409 ] ||
    fail "duplicate rule name"
[ "$(acall PUT /api/v1/alerts/rules/creds -d '{"settings":{"usernames":["admin","root"]}}')" = 200 ] ||
    fail "edit rule"
curl -s -b "$T/v.jar" "$WEB/api/v1/alerts/rules" |
    jq -e '.data[] | select(.name == "creds") | .editable and .settings.usernames == ["admin","root"] and .settings.severity == "high"' \
    >/dev/null || fail "edited rule"
for ((i = 0; i < 300; i++)); do [ "$(reloads)" -gt "$base" ] && break; sleep 0.1; done
[ "$(reloads)" -gt "$base" ] || fail "the alerts engine did not reload the rules"
[ "$(acall DELETE /api/v1/alerts/rules/creds)" = 200 ] || fail "delete rule"
[ "$(acall DELETE /api/v1/alerts/rules/creds)" = 404 ] || fail "delete twice"

# --- sensor tags ------------------------------------------------------------
[ "$(acall PUT /api/v1/sensortags/sens-a -d '{"edits":["+internal","+dmz"]}')" = 200 ] || fail "tag"
[ "$(acall PUT /api/v1/sensortags/sens-a -d '{"edits":["-dmz"]}')" = 200 ] || fail "untag"
[ "$(acall PUT /api/v1/sensortags/sens-a -d '{"edits":["+bad tag!"]}')" = 400 ] || fail "bad tag"
[ "$(acall PUT /api/v1/sensortags/sens-a -d '{"edits":[]}')" = 400 ] || fail "no edits"
curl -s -b "$T/v.jar" "$WEB/api/v1/sensortags" | jq -e '.data["sens-a"] == ["internal"]' \
    >/dev/null || fail "tags: $(curl -s -b "$T/v.jar" "$WEB/api/v1/sensortags")"

# --- the page -----------------------------------------------------------------
(cd "$(dirname "$0")/web" && timeout 200 python3 settings_scenario.py "$WEB" \
    "$ADMIN_PW" viewer1 "viewer-pass-$$") >"$T/page.out" 2>&1 ||
    fail "settings page: $(tail -20 "$T/page.out")"
grep -q "settings scenario ok" "$T/page.out" || fail "settings scenario did not finish"
curl -s -b "$T/a.jar" "$WEB/api/v1/settings/retention" | jq -e '.override.days == 90' \
    >/dev/null || fail "retention from the page not stored"
curl -s -b "$T/a.jar" "$WEB/api/v1/alerts/rules" | jq -e '.data[] | select(.name == "pagerule") | .settings.type == "download"' \
    >/dev/null || fail "rule from the page not stored"
web_stop
pass
