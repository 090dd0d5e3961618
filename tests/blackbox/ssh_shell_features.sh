#!/bin/bash
# Interactive-login deception with real OpenSSH: the claimed Ubuntu's motd
# and a "Last login: ... from ..." line that names the attacker's own
# address on the next visit, `sleep` that really waits (and ^C that
# interrupts it), sed/perl/python3 one-liners, and host keys that exist
# as soon as the sensor listens (before any connection).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ssh/lib.sh"
need ssh sshpass python3 jq
start_sensor bb-shell
for k in rsa ecdsa ed25519; do
    [ -s "$STATE/ssh/ssh_host_${k}_key" ] || fail "no $k host key at start-up"
done

login_once() {
    (sleep 2; echo exit) | timeout 60 sshpass -p x ssh "${SSH_OPTS[@]}" -tt \
        -p "$SSH_PORT" root@127.0.0.1 2>&1 | tr -d '\r'
}
login_once > "$T/first.txt"
grep -q '^  System information as of ' "$T/first.txt" || fail "motd: $(cat "$T/first.txt")"
grep -q '^  Usage of /: ' "$T/first.txt" || fail "sysinfo"
grep -q '^Last login: ... ... .. ..:..:.. 20.. from 10\.' "$T/first.txt" ||
    fail "first Last login: $(grep Last "$T/first.txt")"
login_once > "$T/second.txt"
grep -q '^Last login: .* from 127\.0\.0\.1$' "$T/second.txt" ||
    fail "second Last login: $(grep Last "$T/second.txt")"

cat > "$T/script" <<'S'
send sleep 2; echo slept-$((20+22))
expect slept-42
send sleep 30; echo never-marker
pause 1
ctrl-c
expect ^C
send echo after-$((40+2))
expect after-42
send echo 'PermitRootLogin no' > /tmp/c; sed -i 's/no/yes/' /tmp/c; cat /tmp/c
expect PermitRootLogin yes
send python3 -c 'print("py-marker")'; perl -e 'print "pl-marker\n"'
expect \npl-marker
S
timeout 120 python3 "$(dirname "$0")/ssh/shell_timing.py" "$SSH_PORT" \
    "$T/script" > "$T/times" || fail "session: $(cat "$T/times")"
s=$(awk '$1 == "slept-42" {print $2}' "$T/times")
awk -v s="$s" 'BEGIN { exit !(s >= 1.9 && s < 15) }' ||
    fail "sleep 2 took $s s"
a=$(awk '$1 == "after-42" {print $2}' "$T/times")
awk -v s="$a" 'BEGIN { exit !(s < 10) }' || fail "^C did not end the wait ($a s)"
# ssh host cmd: the exit status comes after the command's sleep
start=$(date +%s%N)
out=$(timeout 60 sshpass -p x ssh "${SSH_OPTS[@]}" -p "$SSH_PORT" root@127.0.0.1 \
    'sleep 2; echo exec-done') || fail "exec with sleep failed"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$out" = exec-done ] || fail "exec output: $out"
[ "$ms" -ge 1900 ] || fail "exec with sleep 2 returned after $ms ms"
wait_events 'any(.[]; .type == "command" and
    .command == "sleep 30; echo never-marker")'
wait_events 'any(.[]; .type == "command" and (.command | startswith("python3 -c")) and .known)'
jq -e -s 'all(.[]; .type != "command" or .command != "echo never-marker")' \
    "$EV" >/dev/null || fail "interrupted line ran"
pass
