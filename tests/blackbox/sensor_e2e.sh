#!/bin/bash
# End to end: the tcp honeypot attacked by nc, curl and nmap; events go
# sensor -> spool -> hpfeeds -> broker -> collector -> store, come back
# through the REST API, and the server's acks empty the sensor's spool.
. "$(dirname "$0")/lib.sh"
need nc curl nmap jq
D=$T/data
PW=e2e-admin-pw-$$
"$APIARY" ident --data-dir "$D" add e2e --secret e2e-secret-1 \
    --publish apiary.events,apiary.status --subscribe apiary.ack.e2e >/dev/null ||
    fail "ident add"
bg "$APIARY" server --data-dir "$D" --port-file "$T/ports" \
    --set hpfeeds.listen=127.0.0.1:0 --set metrics.listen=127.0.0.1:0 \
    --set web.listen=127.0.0.1:0 --set "web.admin_password=$PW" 2>>"$T/server.log"
SRV=$LAST_PID
for i in $(seq 1 600); do
    [ -n "$(portfile_get "$T/ports" web 2>/dev/null)" ] && break
    sleep 0.1
done
HP=$(portfile_get "$T/ports" hpfeeds)
W=http://127.0.0.1:$(portfile_get "$T/ports" web)
[ -n "$HP" ] || fail "no hpfeeds port"
cat > "$T/sensor.conf" <<CONF
name e2e
server 127.0.0.1:$HP
ident e2e
secret e2e-secret-1
allow_root yes
spool_dir $T/spool
state_dir $T/state
heartbeat 1
tags e2e-test
[tcp]
listen 127.0.0.1:0
banner "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.10\r\n"
idle_timeout 3
CONF
bg "$APIARY" sensor -c "$T/sensor.conf" --port-file "$T/sports" 2>>"$T/sensor.log"
SEN=$LAST_PID
wait_file "$T/sports"
SP=$(portfile_get "$T/sports" tcp)

printf 'root:toor\r\n' | nc -q 2 127.0.0.1 "$SP" > "$T/nc.out"
grep -q '^SSH-2.0-OpenSSH_8.9p1' "$T/nc.out" || fail "banner: $(cat "$T/nc.out")"
curl -s -m 10 "http://127.0.0.1:$SP/e2e-probe" > /dev/null
nmap -sT -sV --version-intensity 1 -Pn -n -p "$SP" 127.0.0.1 > "$T/nmap.out" ||
    fail "nmap"
grep -q "^$SP/tcp *open" "$T/nmap.out" || fail "nmap: $(cat "$T/nmap.out")"

login() {
    curl -s -c "$T/jar" -H 'Content-Type: application/json' \
        -d "{\"username\":\"admin\",\"password\":\"$PW\"}" "$W/api/v1/login" |
        jq -e .csrf >/dev/null
}
login || fail "login"
api() { curl -s -b "$T/jar" "$W$1"; }
for i in $(seq 1 100); do
    api "/api/v1/events?sensor=e2e&type=data&limit=100" > "$T/data.json"
    n=$(jq '.data | length' "$T/data.json" 2>/dev/null || echo 0)
    [ "$n" -ge 2 ] && break
    sleep 0.3
done
[ "$n" -ge 2 ] || fail "data events in the API: $(head -c 500 "$T/data.json")"
jq -e --arg d "$(printf 'root:toor\r\n' | base64)" \
    'any(.data[]; .data == $d and .honeypot == "tcp" and .sensor == "e2e" and
         .src_ip == "127.0.0.1" and (.tags | index("e2e-test")) != null and
         (.seq | type) == "number")' "$T/data.json" >/dev/null ||
    fail "nc bytes not in the store: $(head -c 800 "$T/data.json")"
jq -e 'any(.data[]; (.data | @base64d | startswith("GET /e2e-probe HTTP/1.1")))' \
    "$T/data.json" >/dev/null || fail "curl request not in the store"
api "/api/v1/events?sensor=e2e&type=connect&limit=1000" > "$T/conn.json"
api "/api/v1/events?sensor=e2e&type=disconnect&limit=1000" > "$T/disc.json"
[ "$(jq '.data | length' "$T/conn.json")" -ge 3 ] || fail "connect events"
# the sensor's spool drains: everything acknowledged
for i in $(seq 1 100); do
    last=$(( $(ls "$T/spool" | wc -l) ))
    acked=$(cat "$T/spool/acked" 2>/dev/null || echo 0)
    total=$(api "/api/v1/events?sensor=e2e&limit=1" | jq .meta.total)
    [ "$acked" -gt 0 ] && [ "$acked" -ge "$total" ] && break
    sleep 0.3
done
[ "$acked" -ge "$total" ] || fail "spool not acknowledged: acked $acked of $total"
kill "$SEN"; wait "$SEN" || fail "sensor exit status"
kill "$SRV"; wait "$SRV" || fail "server exit status"
pass
