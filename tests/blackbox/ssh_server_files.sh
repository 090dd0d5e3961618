#!/bin/bash
# File contents and TTY recordings reach the server (docs/EVENTS.md "File
# contents"), and mhn_compat: through a real `apiary server`, an scp
# upload and an interactive ssh session.  The published events are read
# with `apiary hpfeeds subscribe`: upload events carry the file as
# content_b64, the session's asciicast arrives as a ttylog event before
# its disconnect; the server keeps both under data_dir/files.  A second sensor with mhn_compat (server_acks no, as for
# an MHN broker) publishes a cowrie.sessions message per session, which
# the server's own cowrie.sessions adapter turns into the same logins and
# commands as the native events.
. "$(dirname "$0")/lib.sh"
need ssh sshpass scp jq curl
D=$T/data
PW=files-admin-pw-$$
ident() { "$APIARY" ident --data-dir "$D" add "$@" >/dev/null || fail "ident add $1"; }
ident fs1 --secret fs1-secret --publish apiary.events,apiary.status \
    --subscribe apiary.ack.fs1
ident mhn1 --secret mhn1-secret --publish apiary.events,apiary.status,cowrie.sessions
ident watch --secret watch-secret --subscribe apiary.events,cowrie.sessions
bg "$APIARY" server --data-dir "$D" --port-file "$T/ports" \
    --set hpfeeds.listen=127.0.0.1:0 --set metrics.listen=127.0.0.1:0 \
    --set web.listen=127.0.0.1:0 --set "web.admin_password=$PW" 2>>"$T/server.log"
for i in $(seq 1 600); do
    [ -n "$(portfile_get "$T/ports" web 2>/dev/null)" ] && break
    sleep 0.1
done
HP=$(portfile_get "$T/ports" hpfeeds)
W=http://127.0.0.1:$(portfile_get "$T/ports" web)
[ -n "$HP" ] || fail "no hpfeeds port"

bg "$APIARY" hpfeeds subscribe --host 127.0.0.1 --port "$HP" -i watch \
    -s watch-secret -c apiary.events -c cowrie.sessions --json > "$T/sub.jsonl"
SUB=$LAST_PID
sleep 1

# sensor NAME EXTRA: ssh on loopback, talking to the server; sets PORT
sensor() {
    cat > "$T/$1.conf" <<CONF
name $1
server 127.0.0.1:$HP
ident $1
secret $1-secret
allow_root yes
spool_dir $T/$1/spool
state_dir $T/$1/state
events_file $T/$1/events.jsonl
$2
[ssh]
listen 127.0.0.1:0
hostname files-01
fail_delay_ms 100
CONF
    mkdir -p "$T/$1"
    bg "$APIARY" sensor -c "$T/$1.conf" --port-file "$T/$1/ports" 2>>"$T/$1/log"
    wait_file "$T/$1/ports" 20
    PORT=$(portfile_get "$T/$1/ports" ssh)
    [ -n "$PORT" ] || fail "$1: no ssh port"
}
SSH_OPTS=(-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
          -o LogLevel=ERROR -o ConnectTimeout=20)
sensor fs1 ""
P1=$PORT

# an scp upload and an interactive session
head -c 50000 /dev/urandom > "$T/up.bin"
sum=$(sha256sum "$T/up.bin" | cut -d' ' -f1)
timeout 60 sshpass -p x scp "${SSH_OPTS[@]}" -P "$P1" "$T/up.bin" \
    root@127.0.0.1:/tmp/up.bin || fail "scp"
(sleep 2; echo 'echo files-marker'; sleep 1; echo exit) |
    timeout 60 sshpass -p x ssh "${SSH_OPTS[@]}" -tt -p "$P1" root@127.0.0.1 \
    > "$T/tty.out" 2>&1 || fail "interactive session: $(cat "$T/tty.out")"

# published events (the subscriber sees what the broker got)
sub_events() { jq -c 'select(.channel == "apiary.events") | .payload |
    if type == "string" then fromjson else . end' "$T/sub.jsonl"; }
for i in $(seq 1 150); do
    sub_events > "$T/pub.jsonl" 2>/dev/null
    [ "$(jq -s '[.[] | select(.type == "ttylog")] | length' "$T/pub.jsonl")" -ge 1 ] &&
        [ "$(jq -s '[.[] | select(.type == "upload")] | length' "$T/pub.jsonl")" -ge 1 ] &&
        break
    sleep 0.2
done
jq -r -s --arg h "$sum" '[.[] | select(.type == "upload" and .sha256 == $h)][0]
    .content_b64' "$T/pub.jsonl" | base64 -d | cmp -s - "$T/up.bin" ||
    fail "published upload does not carry the file: $(head -c 600 "$T/pub.jsonl")"
jq -r -s '[.[] | select(.type == "ttylog")][0].content_b64' "$T/pub.jsonl" |
    base64 -d > "$T/cast"
grep -q 'files-marker' "$T/cast" || fail "published cast: $(head -c 300 "$T/cast")"
jq -e -s --arg h "$(sha256sum "$T/cast" | cut -d' ' -f1)" \
    'any(.[]; .type == "ttylog" and .sha256 == $h and .size > 100)' \
    "$T/pub.jsonl" >/dev/null || fail "ttylog sha256/size"
sid=$(jq -r -s '[.[] | select(.type == "ttylog")][0].session' "$T/pub.jsonl")
for i in $(seq 1 100); do
    sub_events > "$T/pub.jsonl"
    jq -e -s --arg s "$sid" 'any(.[]; .session == $s and .type == "disconnect")' \
        "$T/pub.jsonl" >/dev/null && break
    sleep 0.2
done
jq -e -s --arg s "$sid" '[.[] | select(.session == $s) | .type] |
    index("ttylog") < index("disconnect")' "$T/pub.jsonl" >/dev/null ||
    fail "ttylog not before the disconnect"

# the server keeps both files by SHA-256 (collector: files/ab/cd/<sha256>)
castsum=$(sha256sum "$T/cast" | cut -d' ' -f1)
at() { echo "$D/files/${1:0:2}/${1:2:2}/$1"; }
for i in $(seq 1 100); do
    [ -s "$(at "$sum")" ] && [ -s "$(at "$castsum")" ] && break
    sleep 0.2
done
cmp -s "$(at "$sum")" "$T/up.bin" || fail "server copy of the upload: $(ls -R "$D/files" 2>&1 | head)"
cmp -s "$(at "$castsum")" "$T/cast" || fail "server copy of the ttylog"

# mhn_compat refuses a server that acks (it would stall the acks)
cat > "$T/bad.conf" <<CONF
server 127.0.0.1:$HP
ident x
secret y
mhn_compat yes
allow_root yes
spool_dir $T/bad/spool
state_dir $T/bad/state
[ssh]
listen 127.0.0.1:0
CONF
"$APIARY" sensor -c "$T/bad.conf" > "$T/bad.out" 2>&1 && fail "mhn_compat with acks accepted"
grep -q "mhn_compat needs server_acks no" "$T/bad.out" || fail "bad: $(cat "$T/bad.out")"

sensor mhn1 "server_acks no
ack_grace 1
mhn_compat yes"
P2=$PORT
timeout 60 sshpass -p root ssh "${SSH_OPTS[@]}" -p "$P2" \
    -o PreferredAuthentications=password -o NumberOfPasswordPrompts=1 \
    root@127.0.0.1 true 2>/dev/null && fail "root/root let in"
timeout 60 sshpass -p x ssh "${SSH_OPTS[@]}" -p "$P2" root@127.0.0.1 \
    'uname -a; nosuchtool -x' > /dev/null 2>&1
EV2=$T/mhn1/events.jsonl
for i in $(seq 1 150); do
    [ "$(jq -c 'select(.channel == "cowrie.sessions")' "$T/sub.jsonl" | wc -l)" -ge 2 ] && break
    sleep 0.2
done
jq -c 'select(.channel == "cowrie.sessions") | .payload |
    if type == "string" then fromjson else . end' "$T/sub.jsonl" > "$T/cowrie.jsonl"
[ "$(wc -l < "$T/cowrie.jsonl")" -eq 2 ] || fail "cowrie.sessions: $(cat "$T/cowrie.jsonl")"
# cowrie's field set, exactly, and the native facts
jq -e -s 'all(.[]; keys == (["commands","credentials","endTime","hashes",
    "hostIP","hostPort","loggedin","peerIP","peerPort","protocol","session",
    "startTime","ttylog","unknownCommands","urls","version"]) and
    .protocol == "ssh" and .peerIP == "127.0.0.1" and .hostIP == "127.0.0.1"
    and (.version | startswith("SSH-2.0-OpenSSH_")))' "$T/cowrie.jsonl" \
    >/dev/null || fail "cowrie.sessions fields: $(cat "$T/cowrie.jsonl")"
jq -e -s 'any(.[]; .credentials == [["root","root"]] and .loggedin == null)
    and any(.[]; .loggedin == ["root","x"] and
    .commands == ["uname -a; nosuchtool -x"] and
    .unknownCommands == ["uname -a; nosuchtool -x"])' "$T/cowrie.jsonl" \
    >/dev/null || fail "cowrie.sessions content: $(cat "$T/cowrie.jsonl")"
# the server's cowrie adapter yields the same logins and commands as the
# native events of the same sessions
login() {
    curl -s -c "$T/jar" -H 'Content-Type: application/json' \
        -d "{\"username\":\"admin\",\"password\":\"$PW\"}" "$W/api/v1/login" |
        jq -e .csrf >/dev/null
}
login || fail "web login"
api() { curl -s -b "$T/jar" "$W$1"; }
proj='[.data[] | select(.type == "login" or .type == "command") |
    [.session, .type, .username, .password, .success, .command, .known]] | sort'
for i in $(seq 1 100); do
    api "/api/v1/events?sensor=mhn1&honeypot=cowrie&limit=1000" > "$T/c.json"
    api "/api/v1/events?sensor=mhn1&honeypot=ssh&limit=1000" > "$T/n.json"
    a=$(jq -c "$proj" "$T/c.json" 2>/dev/null)
    b=$(jq -c "$proj" "$T/n.json" 2>/dev/null)
    [ -n "$a" ] && [ "$a" = "$b" ] && [ "$(jq length <<<"$a")" -eq 3 ] && break
    sleep 0.3
done
[ -n "$a" ] && [ "$a" = "$b" ] && [ "$(jq length <<<"$a")" -eq 3 ] ||
    fail "adapted cowrie.sessions differ from the native events:
$a
$b"
kill "$SUB" 2>/dev/null
pass
