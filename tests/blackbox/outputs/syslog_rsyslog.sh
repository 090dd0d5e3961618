#!/bin/bash
# Syslog output (RFC 5424; RFC 6587 octet counting on TCP/TLS) received by
# a real rsyslog started here on loopback ports with its own config: UDP
# with JSON bodies, TCP with CEF, TLS (verified against the test's CA)
# with ECS.  Every event arrives as exactly one message, hostile strings
# included; a TLS output that does not trust the server's CA sends nothing.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/rsyslog_lib.sh"
need python3
need_rsyslog

EVENTS="$AP_SRC/tests/data/outputs/events.jsonl"
N=$(wc -l <"$EVENTS")
start_rsyslog '%inputname%|%hostname%|%app-name%|%msgid%|%msg%'

cat >"$T/relay.conf" <<CONF
[output udp]
type syslog
protocol udp
host 127.0.0.1
port $PU
format json
hostname apiary-test
max_message 60000

[output tcp]
type syslog
protocol tcp
host 127.0.0.1
port $PT
format cef
hostname apiary-test

[output tls]
type syslog
protocol tls
host 127.0.0.1
port $PS
tls_ca $T/good-ca.pem
tls_server_name localhost
format ecs
hostname apiary-test

[output untrusted]
type syslog
protocol tls
host 127.0.0.1
port $PS
tls_ca $T/other-ca.pem
tls_server_name localhost
format splunk
hostname untrusted
timeout 2s
CONF
"$APIARY" relay -c "$T/relay.conf" --drain 2 "$EVENTS" 2>"$T/relay.log" ||
    { cat "$T/relay.log"; fail "relay"; }

count() { grep -c "^$1|" "$T/got.log" 2>/dev/null || true; }
for i in $(seq 1 100); do
    [ "$(count imudp)" -ge "$N" ] && [ "$(count imptcp)" -ge "$N" ] &&
        [ "$(count imtcp)" -ge "$N" ] && break
    sleep 0.1
done
for input in imudp imptcp imtcp; do
    got=$(count $input)
    [ "$got" = "$N" ] || { cat "$T/got.log"; fail "$input: $got messages, want $N"; }
done
# Nothing from the output that did not trust the CA; its failure is logged.
grep -q '|untrusted|' "$T/got.log" && fail "untrusted TLS output delivered"
grep -q 'output untrusted: .*certificate' "$T/relay.log" ||
    { cat "$T/relay.log"; fail "no certificate error logged"; }
# Every line is whole: fields as sent, hostile strings escaped in place.
awk -F'|' '$2 != "apiary-test" || $3 != "apiary" { print "bad header: " $0; bad=1 } END { exit bad }' "$T/got.log" ||
    fail "header fields"
grep '^imudp|' "$T/got.log" | cut -d'|' -f5- | python3 -c '
import json, sys
n = 0
for line in sys.stdin:
    ev = json.loads(line.strip())
    assert ev["type"] and ev["id"], ev
    n += 1
print(n)' >"$T/udp.count" || fail "UDP bodies are not JSON"
grep '^imtcp|' "$T/got.log" | cut -d'|' -f5- | python3 -c '
import json, sys
for line in sys.stdin:
    d = json.loads(line.strip())
    assert d["event"]["module"] == "apiary" and "@timestamp" in d, d' || fail "TLS bodies are not ECS"
grep '^imptcp|' "$T/got.log" | grep -c 'CEF:0|Apiary|Apiary|1.0|' | grep -qx "$N" || fail "TCP bodies are not CEF"
# The hostile login keeps its username in one CEF field.
grep '^imptcp|.*|login|.*suser=a"b\\\\c|d\\=e\\nf\\rg h i' "$T/got.log" >/dev/null ||
    { grep '^imptcp|.*login' "$T/got.log"; fail "hostile CEF field"; }
pass
