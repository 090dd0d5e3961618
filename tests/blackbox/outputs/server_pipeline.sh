#!/bin/bash
# The real pipeline: a sensor publishes a canonical event over hpfeeds to
# `apiary server`; the collector stores it and hands it to the outputs
# (a file in Splunk format) and to the alert rules (an internal sensor:
# a webhook POST and an alert in server.db that `apiary alerts` lists).
. "$(dirname "$0")/../lib.sh"
need /usr/bin/python3 jq
HERE=$(dirname "$0")
D="$T/d"
mkdir -p "$D"

bg /usr/bin/python3 "$HERE/sinks.py" http "$T/http.port" "$T/hook.jsonl"
wait_file "$T/http.port"
HP=$(cat "$T/http.port")
"$APIARY" ident --data-dir "$D" add hr-laptop --secret s3cret --publish apiary.events >/dev/null ||
    fail "ident add"
cat >"$T/server.conf" <<CONF
[hpfeeds]
listen 127.0.0.1:0
[metrics]
listen 127.0.0.1:0
[web]
listen 127.0.0.1:0

[output splunk]
type file
format splunk
path $T/splunk.log

[alert internal]
type internal
sensors hr-laptop
severity critical

[notify hook]
type webhook
url http://127.0.0.1:$HP/alert
CONF
bg "$APIARY" server -c "$T/server.conf" --data-dir "$D" --port-file "$T/ports" 2>"$T/server.log"
SERVER=$LAST_PID
wait_file "$T/ports" 30
for ((i = 0; i < 100; i++)); do
    PORT=$(portfile_get "$T/ports" hpfeeds); [ -n "$PORT" ] && break; sleep 0.1
done
[ -n "$PORT" ] || { cat "$T/server.log"; fail "no hpfeeds port"; }
for ((i = 0; i < 100; i++)); do grep -q 'apiary server running' "$T/server.log" && break; sleep 0.1; done

ID=01JAPX4RYTESTEVENT0000000A
EV='{"id":"'$ID'","ts":"'$(date -u +%Y-%m-%dT%H:%M:%S.%6NZ)'","sensor":"hr-laptop","honeypot":"ssh","type":"login","src_ip":"198.51.100.23","src_port":51000,"dst_ip":"10.0.0.5","dst_port":22,"protocol":"ssh","username":"root","password":"a\"b|c=d","success":false}'
"$APIARY" hpfeeds publish --host 127.0.0.1 --port "$PORT" -i hr-laptop -s s3cret \
    -c apiary.events "$EV" || fail "publish"
for ((i = 0; i < 100; i++)); do [ -s "$T/splunk.log" ] && [ -s "$T/hook.jsonl" ] && break; sleep 0.1; done
[ -s "$T/splunk.log" ] || { cat "$T/server.log"; fail "no output line"; }
grep -q "event_id=\"$ID\"" "$T/splunk.log" || fail "output line: $(cat "$T/splunk.log")"
grep -q 'ssh_password="a\\"b|c=d"' "$T/splunk.log" || fail "escaping: $(cat "$T/splunk.log")"
[ -s "$T/hook.jsonl" ] || { cat "$T/server.log"; fail "no webhook POST"; }
jq -e '.body | fromjson | .rule == "internal" and .src_ip == "198.51.100.23"' "$T/hook.jsonl" >/dev/null ||
    fail "webhook body"
kill -TERM "$SERVER"; wait "$SERVER" || fail "server exit status"
"$APIARY" alerts list --data-dir "$D" --json | jq -e 'length == 1 and .[0].rule == "internal"' >/dev/null ||
    fail "alert not stored"
pass
