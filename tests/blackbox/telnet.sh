#!/bin/bash
# The Telnet honeypot: the netkit telnetd negotiation (byte for byte),
# nmap naming it "Linux telnetd", the telnet client logging in, and a
# Mirai-family loader replayed from the real cowrie log in
# ../shared/data (session 87a131a4aa22) through a scripted client.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ssh/lib.sh"
need telnet nmap python3 jq

start_sensor bb-telnet "auth_rule root:!root
auth_rule root:*"

# nmap version detection names the real product
nmap -sV -Pn -n -p "$TELNET_PORT,$SSH_PORT" 127.0.0.1 > "$T/nmap.out" 2>&1
grep -q "^$TELNET_PORT/tcp *open *telnet *Linux telnetd" "$T/nmap.out" ||
    fail "nmap telnet: $(cat "$T/nmap.out")"
grep -q "^$SSH_PORT/tcp *open *ssh *OpenSSH 8.9p1 Ubuntu 3ubuntu0.10" "$T/nmap.out" ||
    fail "nmap ssh: $(cat "$T/nmap.out")"
grep -qi "honeypot\|cowrie\|kippo" "$T/nmap.out" && fail "nmap says honeypot"

# the real telnet client: a wrong password, then a good one
(sleep 2; echo root; sleep 0.5; echo root; sleep 1.5; echo root; sleep 0.5
 echo toor; sleep 1.5; echo 'uname -n; nproc'; sleep 1; echo exit; sleep 1) |
    timeout 60 telnet 127.0.0.1 "$TELNET_PORT" > "$T/telnet.out" 2>&1
tr -d '\r' < "$T/telnet.out" > "$T/telnet.txt"
grep -q "^web-07 login: root" "$T/telnet.txt" || fail "login prompt: $(cat "$T/telnet.txt")"
grep -q "^Login incorrect" "$T/telnet.txt" || fail "no Login incorrect"
grep -qx "web-07" "$T/telnet.txt" || fail "uname -n: $(cat "$T/telnet.txt")"
grep -qx "2" "$T/telnet.txt" || fail "nproc"
wait_events 'any(.[]; .honeypot == "telnet" and .type == "login" and
    .username == "root" and .password == "root" and .success == false)'
wait_events 'any(.[]; .honeypot == "telnet" and .type == "login" and
    .password == "toor" and .success)'
# login(1)'s order: "Last login" before the motd; the session's recording
# arrives as a ttylog event before its disconnect
grep -q '^Last login: .* from 10\..* on pts/' "$T/telnet.txt" ||
    fail "Last login: $(grep -i last "$T/telnet.txt")"
sid=$(jq -r -s '[.[] | select(.honeypot == "telnet" and .type == "login" and
    .success)][0].session' "$EV")
wait_events "any(.[]; .session == \"$sid\" and .type == \"disconnect\")"
jq -e -s --arg s "$sid" '[.[] | select(.session == $s) | .type] as $t |
    ($t | index("ttylog")) != null and ($t | index("ttylog")) < ($t | index("disconnect"))' \
    "$EV" >/dev/null || fail "telnet ttylog event"
jq -r -s --arg s "$sid" '[.[] | select(.session == $s and .type == "ttylog")][0]
    .content_b64' "$EV" | base64 -d | grep -q 'uname -n' ||
    fail "telnet ttylog content"

# a scripted client: exact negotiation bytes, then the loader
python3 - "$TELNET_PORT" "$AP_SRC/tests/data/ssh/mirai_87a131a4aa22.txt" \
    > "$T/py.out" <<'PY' || fail "scripted client: $(cat "$T/py.out")"
import socket, sys, time
port, script = int(sys.argv[1]), sys.argv[2]
s = socket.create_connection(("127.0.0.1", port), timeout=20)
def read_until(token, limit=20.0):
    buf, end = b"", time.time() + limit
    while token not in buf and time.time() < end:
        try:
            d = s.recv(4096)
        except socket.timeout:
            break
        if not d:
            break
        buf += d
    return buf
first = read_until(b"\xff\xfd\x27", 10)
# netkit telnetd: DO TTYPE, DO TSPEED, DO XDISPLOC, DO NEW-ENVIRON
assert first == b"\xff\xfd\x18\xff\xfd\x20\xff\xfd\x23\xff\xfd\x27", first
# answer like a bot: WONT to everything
s.sendall(b"\xff\xfc\x18\xff\xfc\x20\xff\xfc\x23\xff\xfc\x27")
banner = read_until(b"login: ")
assert b"\xff\xfb\x01" in banner and banner.endswith(b"web-07 login: "), banner
s.sendall(b"root\r\n"); read_until(b"Password: ")
s.sendall(b"xc3511\r\n"); read_until(b"# ")
for line in open(script, encoding="utf-8").read().split("\n"):
    s.sendall(line.encode() + b"\r\n")
    out = read_until(b"# ")
    sys.stdout.write(out.decode("utf-8", "replace"))
s.sendall(b"exit\r\n")
PY
tr -d '\r' < "$T/py.out" > "$T/py.txt"
for d in / /tmp /var/tmp /dev /dev/shm; do
    grep -qx "Grop$d" "$T/py.txt" || fail "writable $d not reported: $(cat "$T/py.txt")"
done
grep -q "/proc/.nippon: No such file or directory" "$T/py.txt" ||
    fail "/proc write did not fail"
grep -q "^Grop/proc" "$T/py.txt" && fail "/proc was writable"
grep -q "gweerwe323f: No such file or directory" "$T/py.txt" || fail "missing binary"
grep -q "ELF" "$T/py.txt" || fail "cat /bin/echo shows no ELF header"
n=$(grep -c . "$AP_SRC/tests/data/ssh/mirai_87a131a4aa22.txt")
wait_events "[.[] | select(.honeypot == \"telnet\" and .type == \"command\")] |
    length >= $((n + 1))"
jq -e -s 'any(.[]; .type == "command" and .command == "/gweerwe323f" and
    .known == false)' "$EV" >/dev/null || fail "unknown command not flagged"
pass
