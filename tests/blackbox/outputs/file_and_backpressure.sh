#!/bin/bash
# File output: reopens when its file is renamed (checked every second) and
# on SIGHUP.  Backpressure: a syslog receiver that accepts and never reads
# must not slow ingestion: every event still reaches the file output, the
# stalled output drops (and counts) what its bounded queue cannot hold.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/tlsca.sh"
need python3 timeout

EVENTS="$AP_SRC/tests/data/outputs/events.jsonl"

# --- rename and SIGHUP ---
cat >"$T/file.conf" <<CONF
[output f]
type file
format json
path $T/out.log
CONF
mkfifo "$T/in"
bg "$APIARY" relay -c "$T/file.conf" --drain 5 "$T/in"
RELAY=$LAST_PID
exec 3>"$T/in"
lines() { [ -f "$1" ] && wc -l <"$1" || echo 0; }
wait_lines() { # FILE N
    local i
    for ((i = 0; i < 100; i++)); do [ "$(lines "$1")" -ge "$2" ] && return 0; sleep 0.1; done
    fail "$1: $(lines "$1") lines, want $2"
}
head -5 "$EVENTS" >&3
wait_lines "$T/out.log" 5
mv "$T/out.log" "$T/out.log.1"
for ((i = 0; i < 50; i++)); do [ -e "$T/out.log" ] && break; sleep 0.1; done
[ -e "$T/out.log" ] || fail "file not reopened after rename"
sed -n 6,10p "$EVENTS" >&3
wait_lines "$T/out.log" 5
mv "$T/out.log" "$T/out.log.2"
kill -HUP "$RELAY"
for ((i = 0; i < 50; i++)); do [ -e "$T/out.log" ] && break; sleep 0.1; done
[ -e "$T/out.log" ] || fail "file not reopened after SIGHUP"
sed -n 11,13p "$EVENTS" >&3
exec 3>&-
wait "$RELAY" || fail "relay exit status"
[ "$(lines "$T/out.log.1")" = 5 ] || fail "out.log.1: $(lines "$T/out.log.1")"
[ "$(lines "$T/out.log.2")" = 5 ] || fail "out.log.2: $(lines "$T/out.log.2")"
[ "$(lines "$T/out.log")" = 3 ] || fail "out.log: $(lines "$T/out.log")"

# --- a stalled syslog receiver ---
P=$(free_port)
cat >"$T/stall.py" <<'PY'
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16)
conns = []
deadline = time.time() + 120
while time.time() < deadline:
    c, _ = s.accept()
    conns.append(c)   # accept, never read
PY
bg python3 "$T/stall.py" "$P"
wait_port "$P"
N=20000
python3 - "$EVENTS" "$N" >"$T/many.jsonl" <<'PY'
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1])]
for i in range(int(sys.argv[2])):
    e = dict(evs[i % len(evs)]); e["seq"] = i
    print(json.dumps(e))
PY
cat >"$T/stall.conf" <<CONF
[output all]
type file
format splunk
path $T/all.log

[output stalled]
type syslog
protocol tcp
host 127.0.0.1
port $P
format ecs
queue 1000
timeout 2s
CONF
start=$(date +%s)
timeout 60 "$APIARY" relay -c "$T/stall.conf" --drain 1 "$T/many.jsonl" 2>"$T/stall.log" ||
    { cat "$T/stall.log"; fail "relay with a stalled receiver"; }
took=$(( $(date +%s) - start ))
[ "$(lines "$T/all.log")" = "$N" ] || fail "file output got $(lines "$T/all.log") of $N"
dropped=$(sed -n 's/^relay: output stalled: [0-9]* queued, \([0-9]*\) dropped$/\1/p' "$T/stall.log")
[ -n "$dropped" ] && [ "$dropped" -gt 0 ] || { cat "$T/stall.log"; fail "no drops counted"; }
# Generous bound for a loaded machine; blocking would take N x 2 s.
[ "$took" -lt 45 ] || fail "ingestion took ${took}s"
echo "stalled receiver: $N events in ${took}s, $dropped dropped by the stalled output"
pass
