#!/bin/bash
# `apiary demo`: server and sensor come up on loopback, the printed
# password logs in, the printed command attacks the tcp honeypot, the
# sensor's heartbeat reaches the server, and Ctrl-C (SIGINT) stops both.
. "$(dirname "$0")/lib.sh"
need curl jq nc sqlite3

bg "$APIARY" demo --data-dir "$T/demo" --port 0 > "$T/demo.out" 2>&1
DEMO=$LAST_PID
for i in $(seq 1 900); do
    grep -q "Ctrl-C stops both" "$T/demo.out" && break
    kill -0 "$DEMO" 2>/dev/null || fail "demo exited: $(cat "$T/demo.out")"
    sleep 0.1
done
grep -q "Ctrl-C stops both" "$T/demo.out" || fail "demo never came up"
URL=$(awk '$1 == "dashboard" {print $2}' "$T/demo.out")
PW=$(awk '$1 == "login" {print $4}' "$T/demo.out")
[[ "$URL" =~ ^http://127\.0\.0\.1:[0-9]+/$ ]] || fail "dashboard URL: $URL"
[ "${#PW}" -ge 12 ] || fail "admin password: $PW"
# the admin password works
curl -s -c "$T/jar" -H 'Content-Type: application/json' \
    -d "{\"username\":\"admin\",\"password\":\"$PW\"}" "${URL}api/v1/login" |
    jq -e .csrf >/dev/null || fail "cannot log in with the printed password"
# the printed command attacks the honeypot
cmd=$(grep -E '^  tcp ' "$T/demo.out" | sed -E 's/^  tcp +port [0-9]+ +//')
[ -n "$cmd" ] || fail "no tcp command: $(cat "$T/demo.out")"
out=$(bash -c "$cmd" 2>&1)
# the sensor reports to the server
for i in $(seq 1 150); do
    st=$(sqlite3 "$T/demo/server.db" \
        "SELECT status FROM sensor_status WHERE ident = 'demo-sensor'" 2>/dev/null)
    [ -n "$st" ] && echo "$st" | jq -e '.events >= 3' >/dev/null && break
    sleep 0.2
done
echo "$st" | jq -e '.modules | map(.name) | index("tcp") != null' >/dev/null ||
    fail "no status from the demo sensor: $st"
kill -INT "$DEMO"
wait "$DEMO" || fail "demo exit status $?"
pgrep -f "$T/demo/sensor.conf" >/dev/null && fail "sensor left running"
pass
