#!/bin/bash
# Enrollment end to end: deploy keys (add/list/revoke, limited uses and
# lifetime), `apiary enroll` against a running server, MHN's POST
# /api/sensor/ as MHN deploy scripts call it, refusals with a clear
# message, the written config (0600) running as a sensor whose heartbeat
# reaches server.db and the metrics, the deploy script and unit file.
. "$(dirname "$0")/lib.sh"
need curl jq sqlite3
D=$T/data
PW=enroll-admin-$$

bg "$APIARY" server --data-dir "$D" --port-file "$T/ports" \
    --set web.listen=127.0.0.1:0 --set "web.admin_password=$PW" \
    --set hpfeeds.listen=127.0.0.1:0 --set metrics.listen=127.0.0.1:0 \
    --set web.public_url=http://127.0.0.1:1 2>>"$T/server.log"
SRV=$LAST_PID
for i in $(seq 1 600); do
    [ -n "$(portfile_get "$T/ports" web 2>/dev/null)" ] && break
    sleep 0.1
done
W=http://127.0.0.1:$(portfile_get "$T/ports" web)
HP=$(portfile_get "$T/ports" hpfeeds)
MP=$(portfile_get "$T/ports" metrics)
[ -n "$HP" ] && [ -n "$MP" ] || fail "server ports: $(cat "$T/ports")"
dk() { "$APIARY" deploykey --data-dir "$D" "$@"; }

# --- deploy keys ---
KEY1=$(dk add --uses 1 --note "one use") || fail "deploykey add"
[[ "$KEY1" =~ ^apk_[A-Za-z0-9]{40}$ ]] || fail "key format: $KEY1"
KEY_EXP=$(dk add --expires 1 --note short)
KEY_REV=$(dk add --note revoked)
dk revoke "${KEY_REV:0:12}" | grep -q "^revoked ${KEY_REV:0:12}" || fail "revoke"
dk revoke apk_nosuchkey 2>/dev/null && fail "revoking an unknown key worked"
dk list > "$T/keys"
[ "$(wc -l < "$T/keys")" = 3 ] || fail "list: $(cat "$T/keys")"
grep -q "$KEY1" "$T/keys" && fail "list shows a whole key"
sqlite3 "$D/server.db" 'SELECT hash FROM deploy_keys' | grep -q "$KEY1" &&
    fail "a key is stored in clear"
dk list --json | jq -e 'map(select(.note == "revoked"))[0].valid == false' \
    >/dev/null || fail "revoked key still valid"

# --- apiary enroll ---
"$APIARY" enroll "$W" --deploy-key "$KEY1" --name edge-1 --modules tcp \
    -o "$T/sensor.conf" --spool-dir "$T/spool" --state-dir "$T/state" \
    > "$T/enroll.out" || fail "enroll: $(cat "$T/enroll.out")"
grep -q "apiary sensor -c $T/sensor.conf" "$T/enroll.out" || fail "no start hint"
[ "$(stat -c %a "$T/sensor.conf")" = 600 ] || fail "config is not 0600"
IDENT=$(awk '$1 == "ident" {print $2}' "$T/sensor.conf")
[[ "$IDENT" =~ ^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$ ]] ||
    fail "ident is not a uuid4: $IDENT"
grep -q "^server 127.0.0.1:$HP$" "$T/sensor.conf" || fail "hpfeeds address"
"$APIARY" ident --data-dir "$D" list | grep -q \
    $'^'"$IDENT"$'\towner=edge-1\tpublish=apiary.events,apiary.status\tsubscribe=apiary.ack.'"$IDENT"'$' ||
    fail "ident ACL: $("$APIARY" ident --data-dir "$D" list)"

# refusals: used up, expired, revoked, unknown -- each says why
refused() {
    if "$APIARY" enroll "$W" --deploy-key "$1" -o "$T/x.conf" 2> "$T/err"; then
        fail "enrollment with a $2 key succeeded"
    fi
    grep -q "enrollment refused (HTTP 401): .*$2" "$T/err" ||
        fail "$2: $(cat "$T/err")"
    [ -e "$T/x.conf" ] && fail "config written after a refusal"
    return 0
}
refused "$KEY1" "used up"
sleep 1.2
refused "$KEY_EXP" "expired"
refused "$KEY_REV" "revoked"
refused "apk_$(head -c 30 /dev/urandom | base64 | tr -dc A-Za-z0-9 | head -c 40)" \
    "unknown deploy key"
dk list --json | jq -e 'map(select(.note == "one use"))[0].uses == 1' \
    >/dev/null || fail "a refused attempt counted a use"

# --- MHN's POST /api/sensor/ as registration.txt sends it ---
KEY2=$(dk add)
curl -s -o "$T/mhn.json" -w '%{http_code}' -H 'Content-Type: application/json' \
    -d "{\"name\":\"web-cowrie\",\"hostname\":\"web\",\"honeypot\":\"cowrie\",\"deploy_key\":\"$KEY2\"}" \
    "$W/api/sensor/" > "$T/code"
[ "$(cat "$T/code")" = 200 ] || fail "MHN register: $(cat "$T/code") $(cat "$T/mhn.json")"
jq -e '.uuid == .identifier and (.secret | length) >= 16 and
    .publish == ["cowrie.sessions"] and .honeypot == "cowrie" and
    .ip == "127.0.0.1" and .name == "web-cowrie"' "$T/mhn.json" >/dev/null ||
    fail "MHN answer: $(cat "$T/mhn.json")"
c=$(curl -s -o "$T/m2" -w '%{http_code}' -d "{\"name\":\"x\",\"deploy_key\":\"$KEY2\"}" "$W/api/sensor/")
[ "$c" = 400 ] && jq -e '.error == "Missing required fields: [\u0027hostname\u0027, \u0027honeypot\u0027]"' \
    "$T/m2" >/dev/null || fail "missing fields: $c $(cat "$T/m2")"
c=$(curl -s -o "$T/m3" -w '%{http_code}' -d '{"name":"x","hostname":"h","honeypot":"dionaea"}' "$W/api/sensor/")
[ "$c" = 401 ] || fail "no deploy key: $c $(cat "$T/m3")"

# --- the enrolled sensor runs and reports ---
bg "$APIARY" sensor -c "$T/sensor.conf" --set allow_root=yes \
    --set tcp.listen=127.0.0.1:0 --set heartbeat=1 --port-file "$T/sports" \
    2> "$T/sensor.log"
SEN=$LAST_PID
wait_file "$T/sports"
SP=$(portfile_get "$T/sports" tcp)
echo hello | nc -q 1 127.0.0.1 "$SP" > /dev/null
for i in $(seq 1 100); do
    st=$(sqlite3 "$D/server.db" "SELECT status FROM sensor_status WHERE ident = '$IDENT'")
    [ -n "$st" ] && echo "$st" | jq -e '.events >= 3' >/dev/null && break
    sleep 0.2
done
echo "$st" | jq -e '.name == "edge-1" and .version and .heartbeat == 1 and
    .modules[0].name == "tcp" and .modules[0].ports == ['"$SP"'] and
    (.spool.pending | type) == "number"' >/dev/null ||
    fail "status in server.db: $st"
curl -s "http://127.0.0.1:$MP/metrics" |
    grep -q "^apiary_sensor_last_seen_seconds{sensor=\"$IDENT\"} [0-9]" ||
    fail "no last-seen metric"
kill "$SEN"; wait "$SEN" || fail "sensor exit status $?"

# --- deploy script and unit file ---
curl -s "$W/deploy.sh" > "$T/deploy.sh"
grep -q "^APIARY_URL='http://127.0.0.1:1'$" "$T/deploy.sh" || fail "deploy.sh: $(head -5 "$T/deploy.sh")"
sh -n "$T/deploy.sh" || fail "deploy.sh is not valid sh"
# the script fetches the server's own binary: byte for byte the same file
curl -fsS -o "$T/apiary.dl" "$W/deploy/apiary" || fail "GET /deploy/apiary"
cmp -s "$T/apiary.dl" "$(readlink -f "$APIARY")" || fail "/deploy/apiary is not the server binary"
"$APIARY" enroll --print-unit | diff - "$AP_SRC/conf/apiary-sensor.service" ||
    fail "--print-unit differs from conf/apiary-sensor.service"

kill "$SRV"; wait "$SRV" || fail "server exit status $?"
pass
