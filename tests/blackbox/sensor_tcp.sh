#!/bin/bash
# apiary sensor with the tcp module, attacked by nc, curl and nmap on
# loopback; asserts what the clients saw and the JSON lines events.  Also:
# config errors, stdio mode, budgets and per-source limits.
. "$(dirname "$0")/lib.sh"
need nc curl nmap jq

ev=$T/events.jsonl
cat > "$T/sensor.conf" <<CONF
name bb-tcp
allow_root yes
events_file $ev
state_dir $T/state
source_max_conns 3
[tcp]
listen 127.0.0.1:0
listen [::1]:0
banner "220 ftp.example.com FTP ready\r\n"
idle_timeout 3
max_bytes 64k
CONF
bg "$APIARY" sensor -c "$T/sensor.conf" --port-file "$T/ports"
wait_file "$T/ports"
p4=$(awk 'NR==1 {print $2}' "$T/ports")
p6=$(awk 'NR==2 {print $2}' "$T/ports")
[ -n "$p4" ] && [ -n "$p6" ] || fail "port file: $(cat "$T/ports")"

# nc: the banner arrives; our bytes (with a NUL and 0xff) are recorded exactly
got=$(printf 'USER root\r\n\0\377' | nc -q 2 127.0.0.1 "$p4" | head -c 100)
[ "$got" = $'220 ftp.example.com FTP ready\r' ] || fail "banner over nc: $got"
printf 'over six' | nc -q 2 ::1 "$p6" >/dev/null
# curl: an HTTP request, recorded as data
curl -s -m 10 "http://127.0.0.1:$p4/admin?x=1" >/dev/null
# nmap: a connect scan and version detection probes
nmap -sT -sV --version-intensity 2 -Pn -n -p "$p4" 127.0.0.1 > "$T/nmap.out" ||
    fail "nmap failed"
grep -q "^$p4/tcp *open" "$T/nmap.out" || fail "nmap: $(cat "$T/nmap.out")"

for i in $(seq 1 50); do
    [ "$(jq -s '[.[] | select(.type == "disconnect")] | length' "$ev")" -ge 4 ] && break
    sleep 0.2
done
# every event is valid canonical JSON with the common fields
jq -e -s 'all(.[]; .id and .ts and .sensor == "bb-tcp" and .honeypot == "tcp"
    and .transport == "tcp" and .session)' "$ev" >/dev/null || fail "bad events"
want=$(printf 'USER root\r\n\0\377' | base64)
jq -e -s --arg d "$want" 'any(.[]; .type == "data" and .data == $d and
    .length == 13 and .src_ip == "127.0.0.1")' "$ev" >/dev/null ||
    fail "nc bytes not recorded exactly"
jq -e -s 'any(.[]; .type == "data" and .src_ip == "::1" and
    (.data | @base64d) == "over six")' "$ev" >/dev/null || fail "IPv6 data"
jq -e -s 'any(.[]; .type == "data" and ((.data | @base64d) |
    startswith("GET /admin?x=1 HTTP/1.1\r\n")))' "$ev" >/dev/null ||
    fail "curl request not recorded"
# connect and disconnect for every session, disconnect with the counters
jq -e -s '(group_by(.session) | all(.[]; any(.[]; .type == "connect") and
    any(.[]; .type == "disconnect" and .bytes_out == 31 and
    (.duration | type) == "number")))' "$ev" >/dev/null ||
    fail "sessions without connect/disconnect"

# the idle timeout closes a silent session (idle_timeout 3)
start=$(date +%s)
timeout 10 nc -d 127.0.0.1 "$p4" > /dev/null
took=$(( $(date +%s) - start ))
[ "$took" -ge 2 ] && [ "$took" -le 7 ] || fail "idle close took ${took}s"

# byte budget (64k): the session is closed and an error event says why
head -c 200000 /dev/zero | nc -q 3 127.0.0.1 "$p4" > /dev/null
sleep 0.5
jq -e -s 'any(.[]; .type == "error" and .reason == "session byte budget exceeded")' \
    "$ev" >/dev/null || fail "byte budget not enforced"

# per-source limit (3 at once): the 4th concurrent connection is refused
for i in 1 2 3; do bg nc 127.0.0.1 "$p4" < <(sleep 4) > /dev/null; done
sleep 0.5
out=$(nc -w 2 127.0.0.1 "$p4" < /dev/null | head -c 3)
[ -z "$out" ] || fail "4th concurrent connection was served: $out"

# stdio mode: one session over stdin/stdout, events on stderr
out=$(printf 'ping' | "$APIARY" sensor --proto tcp --stdio \
        --set tcp.banner='hello\n' 2> "$T/stdio.err")
[ "$out" = "hello" ] || fail "stdio banner: $out"
grep '"type":"data"' "$T/stdio.err" | jq -e '.data == "cGluZw==" and .length == 4' \
    >/dev/null || fail "stdio data event: $(cat "$T/stdio.err")"

# config errors are file:line: message, and the sensor refuses to start
printf 'name x\n[tcp]\nbanner "a\\q"\n' > "$T/bad1.conf"
"$APIARY" sensor -c "$T/bad1.conf" 2> "$T/bad1.err" && fail "bad banner accepted"
grep -q "banner: bad escape" "$T/bad1.err" || fail "bad banner: $(cat "$T/bad1.err")"
printf 'name x\n[tcp]\nlisten 1\nnonsense 1\n' > "$T/bad2.conf"
"$APIARY" sensor -c "$T/bad2.conf" 2> "$T/bad2.err" && fail "unknown keyword accepted"
grep -q "bad2.conf:4: unknown keyword 'nonsense' in section \[tcp\]" "$T/bad2.err" ||
    fail "bad2: $(cat "$T/bad2.err")"
printf 'name x\n' > "$T/bad3.conf"
"$APIARY" sensor -c "$T/bad3.conf" 2> "$T/bad3.err" && fail "no module accepted"
grep -q "no module enabled" "$T/bad3.err" || fail "bad3: $(cat "$T/bad3.err")"
# root without a user to drop to and without allow_root: refused
if [ "$(id -u)" = 0 ]; then
    printf 'user root\n[tcp]\nlisten 127.0.0.1:0\n' > "$T/bad4.conf"
    "$APIARY" sensor -c "$T/bad4.conf" 2> "$T/bad4.err" && fail "ran as root"
    grep -q "refusing to run modules as root" "$T/bad4.err" ||
        fail "bad4: $(cat "$T/bad4.err")"
fi
pass
