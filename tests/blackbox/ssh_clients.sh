#!/bin/bash
# The SSH honeypot against OpenSSH's own client: password and
# keyboard-interactive logins, exec and an interactive shell, a wrong
# password (delayed like sshd), scp and sftp uploads, -L and -R, the TTY
# recording (played back with asciinema), and the recorded HASSH against
# what tshark computes for the same connection.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ssh/lib.sh"
need ssh sshpass scp sftp nc jq tshark asciinema script

start_sensor bb-ssh "auth_rule root:!root
auth_rule root:*
auth_rule admin:admin"

# tshark watches the first connection, for the HASSH oracle
tshark -q -i lo -f "tcp port $SSH_PORT" -w "$T/cap.pcap" -a duration:60 \
    >/dev/null 2>&1 &
TSHARK=$!
AP_PIDS+=($TSHARK)
for i in $(seq 1 50); do [ -s "$T/cap.pcap" ] && break; sleep 0.2; done
sleep 1

# exec over password authentication
out=$(timeout 60 sshpass -p hunter2 ssh "${SSH_OPTS[@]}" -p "$SSH_PORT" \
    -o PreferredAuthentications=password root@127.0.0.1 \
    'uname -a; id; echo $((6*7)); nosuchcmd' 2>"$T/exec.err")
rc=$?
[ $rc = 127 ] || fail "exec exit code $rc (want 127 from the last command)"
echo "$out" | grep -q "^Linux web-07 5.15.0-91-generic #101-Ubuntu" || fail "uname: $out"
echo "$out" | grep -qx "uid=0(root) gid=0(root) groups=0(root)" || fail "id: $out"
echo "$out" | grep -qx 42 || fail "arithmetic: $out"
grep -q "bash: line 1: nosuchcmd: command not found" "$T/exec.err" ||
    fail "stderr: $(cat "$T/exec.err")"
sleep 2
kill "$TSHARK" 2>/dev/null; wait "$TSHARK" 2>/dev/null
tshark_hassh=$(tshark -r "$T/cap.pcap" -d "tcp.port==$SSH_PORT,ssh" \
    -Y "ssh.message_code==20 && tcp.dstport==$SSH_PORT" -T fields \
    -e ssh.kex.hassh 2>/dev/null | head -1)
[ -n "$tshark_hassh" ] || fail "tshark saw no client KEXINIT"
wait_events 'any(.[]; .type == "login" and .username == "root" and .success)'
jq -e -s --arg h "$tshark_hassh" 'any(.[]; .type == "fingerprint" and
    .hassh == $h and (.client_version | startswith("SSH-2.0-OpenSSH_")) and
    (.hassh_algorithms | test("^[^;]+;[^;]+;[^;]+;[^;]+$")))' "$EV" >/dev/null ||
    fail "recorded HASSH differs from tshark's $tshark_hassh"
jq -e -s 'any(.[]; .type == "command" and
    .command == "uname -a; id; echo $((6*7)); nosuchcmd" and .known == false)' \
    "$EV" >/dev/null || fail "exec command not recorded"

# a wrong password is refused after the configured delay
start=$(date +%s%N)
timeout 60 sshpass -p root ssh "${SSH_OPTS[@]}" -p "$SSH_PORT" \
    -o PreferredAuthentications=password -o NumberOfPasswordPrompts=1 \
    root@127.0.0.1 true 2>/dev/null && fail "root/root let in"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$ms" -ge 300 ] || fail "refusal came after ${ms} ms, before the 300 ms delay"
wait_events 'any(.[]; .type == "login" and .password == "root" and
    .success == false and .method == "password")'

# keyboard-interactive and an interactive shell on a pty
(sleep 2; echo 'cd /tmp; echo hello > f; cat f'; sleep 1
 echo 'for i in 1 2; do echo n$i; done'; sleep 1; echo exit) |
    timeout 60 sshpass -p admin ssh "${SSH_OPTS[@]}" -tt -p "$SSH_PORT" \
    -o PreferredAuthentications=keyboard-interactive admin@127.0.0.1 \
    > "$T/tty.out" 2>&1 || fail "interactive session: $(cat "$T/tty.out")"
tr -d '\r' < "$T/tty.out" > "$T/tty.txt"
grep -q "^Welcome to Ubuntu 22.04.3 LTS" "$T/tty.txt" || fail "motd: $(cat "$T/tty.txt")"
grep -q '^admin@web-07:/tmp\$ for i in 1 2' "$T/tty.txt" || fail "prompt: $(cat "$T/tty.txt")"
grep -qx "n2" "$T/tty.txt" || fail "loop output"
wait_events 'any(.[]; .type == "login" and .username == "admin" and
    .method == "keyboard-interactive" and .success)'
wait_events 'any(.[]; .type == "command" and .command == "for i in 1 2; do echo n$i; done")'
cast=$(jq -r -s '[.[] | select(.type == "fingerprint" and .ttylog)][0].ttylog' "$EV")
[ -s "$cast" ] || fail "no TTY recording ($cast)"
jq -e -s '.[0].version == 2 and .[0].width == 80' "$cast" >/dev/null ||
    fail "asciicast header"
timeout 30 script -qec "asciinema cat $cast" /dev/null < /dev/null | tr -d '\r' |
    grep -qx "hello" || fail "asciinema cannot replay $cast"
# the recording travels in a ttylog event at session end, before the
# disconnect of the same session (docs/EVENTS.md "File contents")
sid=$(jq -r -s '[.[] | select(.type == "fingerprint" and .ttylog)][0].session' "$EV")
wait_events "any(.[]; .type == \"ttylog\" and .session == \"$sid\")"
jq -r -s --arg s "$sid" '[.[] | select(.type == "ttylog" and .session == $s)][0]
    .content_b64' "$EV" | base64 -d > "$T/cast.sent"
cmp -s "$T/cast.sent" "$cast" || fail "ttylog content differs from $cast"
jq -e -s --arg s "$sid" --arg h "$(sha256sum "$cast" | cut -d' ' -f1)" \
    --argjson n "$(stat -c %s "$cast")" '[.[] | select(.session == $s)] as $e |
    ([$e[] | select(.type == "ttylog")] | length == 1) and
    ($e | map(.type) | index("ttylog") < index("disconnect")) and
    ($e[] | select(.type == "ttylog") | .sha256 == $h and .size == $n and
     .width == 80 and .height > 0 and .duration > 1 and (.truncated | not))' \
    "$EV" >/dev/null || fail "ttylog event: $(jq -c -s --arg s "$sid" \
    '[.[] | select(.session == $s) | del(.content_b64)]' "$EV")"

# uploads: scp (SFTP protocol), legacy scp, sftp
head -c 70000 /dev/urandom > "$T/payload.bin"
sum=$(sha256sum "$T/payload.bin" | cut -d' ' -f1)
timeout 60 sshpass -p x scp "${SSH_OPTS[@]}" -P "$SSH_PORT" "$T/payload.bin" \
    root@127.0.0.1:/tmp/a.bin || fail "scp"
timeout 60 sshpass -p x scp -O "${SSH_OPTS[@]}" -P "$SSH_PORT" "$T/payload.bin" \
    root@127.0.0.1:/tmp/ || fail "scp -O"
printf 'put %s /tmp/../../x/evil.bin\nbye\n' "$T/payload.bin" |
    timeout 60 sshpass -p x sftp "${SSH_OPTS[@]}" -P "$SSH_PORT" root@127.0.0.1 \
    >/dev/null || fail "sftp"
wait_events "[.[] | select(.type == \"upload\" and .sha256 == \"$sum\" and
    .size == 70000)] | length == 3"
jq -e -s 'any(.[]; .type == "upload" and .filename == "evil.bin")' "$EV" \
    >/dev/null || fail "upload name"
[ "$(ls "$STATE/files")" = "$sum" ] || fail "store: $(ls -R "$STATE/files")"
cmp -s "$STATE/files/$sum" "$T/payload.bin" || fail "stored bytes differ"
# each upload event carries the whole file (under files_max_size)
for b in $(jq -r -s '.[] | select(.type == "upload") | .content_b64' "$EV"); do
    printf '%s' "$b" | base64 -d | cmp -s - "$T/payload.bin" ||
        fail "upload content_b64 differs from the file"
done
[ "$(stat -c %a "$STATE/files/$sum")" = 600 ] || fail "stored file mode"
jq -e -s 'any(.[]; .type == "request" and .method == "subsystem" and
    .path == "sftp")' "$EV" >/dev/null || fail "subsystem request"

# port forwarding: -L records the target and first bytes, -R the request
lp=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
timeout 20 sshpass -p x ssh "${SSH_OPTS[@]}" -N -p "$SSH_PORT" \
    -L "127.0.0.1:$lp:198.51.100.7:80" root@127.0.0.1 &
FWD=$!
for i in $(seq 1 50); do nc -z 127.0.0.1 "$lp" 2>/dev/null && break; sleep 0.2; done
printf 'GET /x HTTP/1.0\r\n\r\n' | timeout 5 nc -q 1 127.0.0.1 "$lp" >/dev/null
sleep 1
kill "$FWD" 2>/dev/null; wait "$FWD" 2>/dev/null
timeout 30 sshpass -p x ssh "${SSH_OPTS[@]}" -N -o ExitOnForwardFailure=yes \
    -p "$SSH_PORT" -R 127.0.0.1:2323:127.0.0.1:22 root@127.0.0.1 2>/dev/null &&
    fail "-R should be refused"
wait_events 'any(.[]; .type == "tunnel" and .kind == "direct-tcpip" and
    .target_host == "198.51.100.7" and .target_port == 80 and
    (.data | @base64d) == "GET /x HTTP/1.0\r\n\r\n")'
wait_events 'any(.[]; .type == "tunnel" and .kind == "tcpip-forward" and
    .target_port == 2323)'

# every event carries the common fields
jq -e -s 'all(.[]; .id and .ts and .sensor == "bb-ssh" and .honeypot == "ssh"
    and .session and .src_ip == "127.0.0.1")' "$EV" >/dev/null ||
    fail "events without common fields"
pass
