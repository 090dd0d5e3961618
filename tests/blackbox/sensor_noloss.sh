#!/bin/bash
# No loss: while a load generator attacks the tcp honeypot and 100,000
# events flow (AP_NOLOSS_EVENTS to change), kill -9 the server and
# restart it, kill -9 the sensor and restart it, then cut the connection
# for 30 s by stopping the server.  At the end the store holds every
# sequence number the sensor's spool ever assigned, each exactly once,
# and every event the sensor logged.
. "$(dirname "$0")/lib.sh"
need python3 sqlite3 jq
EVENTS=${AP_NOLOSS_EVENTS:-100000}
SESSIONS=$(( (EVENTS + 2) / 3 + 50 ))   # 3 events per session, margin
D=$T/data
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
HP=$(free_port)
SP=$(free_port)

"$APIARY" ident --data-dir "$D" add nl --secret nl-secret-1 \
    --publish apiary.events,apiary.status --subscribe apiary.ack.nl >/dev/null ||
    fail "ident add"

start_server() {
    bg "$APIARY" server --data-dir "$D" --set "hpfeeds.listen=127.0.0.1:$HP" \
        --set metrics.listen=127.0.0.1:0 --set web.listen=127.0.0.1:0 \
        --set web.admin_password=noloss-admin-pw 2>>"$T/server.log"
    SRV=$LAST_PID
    wait_port "$HP"
}
cat > "$T/sensor.conf" <<CONF
name noloss
server 127.0.0.1:$HP
ident nl
secret nl-secret-1
allow_root yes
spool_dir $T/spool
state_dir $T/state
events_file $T/events.jsonl
heartbeat 1
source_max_conns 0
source_rate 0
max_sessions 8192
[tcp]
listen 127.0.0.1:$SP
idle_timeout 10
max_sessions 8192
CONF
start_sensor() {
    bg "$APIARY" sensor -c "$T/sensor.conf" 2>>"$T/sensor.log"
    SEN=$LAST_PID
    wait_port "$SP"
}
start_server
start_sensor
t0=$(date +%s)
bg python3 "$AP_SRC/tests/blackbox/sensor_loadgen.py" "$SP" "$SESSIONS" 50 \
    > "$T/loadgen.out"
GEN=$LAST_PID

sleep 6
kill -9 "$SRV"; wait "$SRV" 2>/dev/null
echo "server killed at $(( $(date +%s) - t0 ))s" >&2
start_server
sleep 6
kill -9 "$SEN"; wait "$SEN" 2>/dev/null
echo "sensor killed at $(( $(date +%s) - t0 ))s" >&2
start_sensor
sleep 4
kill "$SRV"; wait "$SRV" 2>/dev/null
echo "server stopped for 30 s at $(( $(date +%s) - t0 ))s" >&2
sleep 30
start_server
echo "server back at $(( $(date +%s) - t0 ))s" >&2
wait "$GEN"
echo "load generator: $(cat "$T/loadgen.out") sessions, $(( $(date +%s) - t0 ))s" >&2

# Everything the spool ever numbered must be stored and acknowledged.
DB=$D/events.db
q() { sqlite3 -cmd '.timeout 10000' "$DB" "$1"; }
for i in $(seq 1 600); do
    N=$(( $(cat "$T/spool/acked" 2>/dev/null || echo 0) ))
    last=$(jq -s 'map(.seq) | max' "$T/events.jsonl")
    [ "$N" -ge "$last" ] && [ "$N" -gt 0 ] && break
    sleep 0.5
done
echo "acked $N, last logged seq $last at $(( $(date +%s) - t0 ))s" >&2
[ "$N" -ge "$last" ] || fail "the server never acknowledged everything ($N < $last)"
[ "$N" -ge "$EVENTS" ] || fail "only $N events generated (wanted $EVENTS)"
read -r total distinct dseq minseq maxseq <<< "$(q "SELECT count(*), count(DISTINCT id),
    count(DISTINCT json_extract(json, '\$.seq')), min(json_extract(json, '\$.seq')),
    max(json_extract(json, '\$.seq')) FROM events WHERE sensor = 'nl'" | tr '|' ' ')"
echo "store: $total events, $distinct ids, $dseq seqs ($minseq..$maxseq)" >&2
[ "$dseq" = "$total" ] || fail "duplicate sequence numbers stored ($total rows, $dseq seqs)"
[ "$distinct" = "$total" ] || fail "duplicate ids stored"
[ "$minseq" = 1 ] && [ "$maxseq" -ge "$N" ] || fail "seq range $minseq..$maxseq, acked $N"
[ "$dseq" = "$maxseq" ] || fail "gaps: $dseq seqs in 1..$maxseq"
# and every event the sensor logged is there, with the same id
jq -r .id "$T/events.jsonl" | sort -u > "$T/logged.ids"
q "SELECT id FROM events WHERE sensor = 'nl'" | sort -u > "$T/stored.ids"
missing=$(comm -23 "$T/logged.ids" "$T/stored.ids" | wc -l)
[ "$missing" = 0 ] || fail "$missing logged events are not in the store"
grep -q '"type":"error","sensor":"noloss"' "$T/events.jsonl" &&
    fail "spool errors: $(grep '"type":"error"' "$T/events.jsonl" | head -3)"
kill "$SEN"; wait "$SEN" || fail "sensor exit status"
kill "$SRV"; wait "$SRV" || fail "server exit status"
pass
