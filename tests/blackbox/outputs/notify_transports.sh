#!/bin/bash
# Alert notifiers over their real transports: syslog to a real rsyslog
# (UDP, TCP and TLS verified against the test's CA; RFC 5424, MSGID alert,
# the alert JSON as message, one line per alert even with hostile text),
# and email with STARTTLS (certificate verified by default): delivered
# over TLS with the right CA, never sent with an untrusted certificate,
# and never sent in clear to a server that does not offer STARTTLS.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/rsyslog_lib.sh"
need jq /usr/bin/python3
need_rsyslog
PY=/usr/bin/python3
HERE=$(dirname "$0")
start_rsyslog '%inputname%|%hostname%|%app-name%|%msgid%|%pri%|%msg%'

bg $PY "$HERE/sinks.py" smtp-starttls "$T/smtps.port" "$T/mail.jsonl" "$T/good-srv.pem" "$T/good-srv.key"
bg $PY "$HERE/sinks.py" smtp "$T/smtp.port" "$T/plain.jsonl"
wait_file "$T/smtps.port"
wait_file "$T/smtp.port"
SP=$(cat "$T/smtps.port"); PP=$(cat "$T/smtp.port")

cat >"$T/relay.conf" <<CONF
[alert creds]
type watchlist
usernames svc_backup
severity high
cooldown 0

[notify udp]
type syslog
host 127.0.0.1
port $PU
protocol udp
facility 4

[notify tcp]
type syslog
host 127.0.0.1
port $PT
protocol tcp

[notify tls]
type syslog
host 127.0.0.1
port $PS
protocol tls
tls_ca $T/good-ca.pem

[notify mail]
type email
smtp_host 127.0.0.1
smtp_port $SP
smtp_starttls yes
tls_ca $T/good-ca.pem
from apiary@example.org
to soc@example.org

[notify mail-untrusted]
type email
smtp_host 127.0.0.1
smtp_port $SP
smtp_starttls yes
tls_ca $T/other-ca.pem
from apiary@example.org
to untrusted@example.org
retries 0
timeout 3s

[notify mail-no-starttls]
type email
smtp_host 127.0.0.1
smtp_port $PP
smtp_starttls yes
from apiary@example.org
to clear@example.org
retries 0
timeout 3s
CONF
ev() { # SRC USERNAME
    printf '{"id":"01JAPX4RYNT%015d","ts":"%s","sensor":"web-1","honeypot":"ssh","type":"login","src_ip":"%s","src_port":40000,"dst_ip":"192.0.2.1","dst_port":22,"username":%s,"password":"x","success":false}\n' \
        "$RANDOM$RANDOM" "$(date -u +%Y-%m-%dT%H:%M:%S.%6NZ)" "$1" "$2"
}
{
    ev 198.51.100.7 '"svc_backup"'
    ev 198.51.100.8 '"svc_backup"'
} >"$T/events.jsonl"
# the second alert's title carries hostile text through the event
$PY - "$T/events.jsonl" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
e = json.loads(lines[1]); e["password"] = "a\nb|c=d\"\u0007"; lines[1] = json.dumps(e)
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
PY
"$APIARY" relay -c "$T/relay.conf" --drain 15 "$T/events.jsonl" 2>"$T/relay.log" || { cat "$T/relay.log"; fail "relay"; }
: ||
    { cat "$T/relay.log"; fail "relay"; }

# syslog: two alerts on each transport, one line each
for ((i = 0; i < 100; i++)); do
    [ "$(grep -c '' "$T/got.log" 2>/dev/null)" -ge 6 ] && break; sleep 0.1
done
for input in imudp imptcp imtcp; do
    [ "$(grep -c "^$input|" "$T/got.log")" = 2 ] || { cat "$T/got.log"; fail "syslog $input: want 2 alerts"; }
done
[ "$(wc -l <"$T/got.log")" = 6 ] || { cat "$T/got.log"; fail "a hostile string broke a syslog line"; }
grep '^imudp|' "$T/got.log" | head -1 | cut -d'|' -f3-5 | grep -qx 'apiary|alert|35' ||
    fail "udp: app-name/msgid/pri (facility 4, high = syslog error 3): $(grep '^imudp|' "$T/got.log" | head -1)"
grep '^imtcp|' "$T/got.log" | cut -d'|' -f6- | while read -r m; do
    echo "$m" | jq -e '.rule == "creds" and .severity == "high"' >/dev/null || fail "tls message not the alert JSON: $m"
done || exit 1

# email: over TLS with the trusted CA; nothing with an untrusted one or in clear
[ -s "$T/mail.jsonl" ] || { cat "$T/relay.log"; fail "no mail over STARTTLS"; }
jq -s -e 'length == 2 and all(.[]; .tls == true and .rcpt == ["<soc@example.org>"])' "$T/mail.jsonl" >/dev/null ||
    fail "mail: $(cat "$T/mail.jsonl")"
grep -q 'untrusted@example.org' "$T/mail.jsonl" && fail "mail sent despite an untrusted certificate"
[ -s "$T/plain.jsonl" ] && fail "mail sent in clear to a server without STARTTLS"
grep -q 'does not offer STARTTLS' "$T/relay.log" || { cat "$T/relay.log"; fail "no STARTTLS refusal logged"; }
grep -qi 'certificate' "$T/relay.log" || { cat "$T/relay.log"; fail "no certificate failure logged"; }
pass
