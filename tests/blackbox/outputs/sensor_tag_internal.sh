#!/bin/bash
# Internal sensors by server.db tags: `apiary sensor tag web-9 +internal`
# while the server runs; an event published by web-9 (no tags of its
# own) reaches the webhook of an `internal` rule within 1 s; an untagged
# sensor does not alert; `-internal` removes the tag again.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/server_lib.sh"
need /usr/bin/python3 jq
PY=/usr/bin/python3
D="$T/d"
mkdir -p "$D"

start_webhook
add_idents web-9 web-10
cat >"$T/tags.conf" <<CONF
[alert internal]
type internal
severity critical
cooldown 0

[notify hook]
type webhook
url http://127.0.0.1:$HP/alert
CONF
start_server "$T/tags.conf"

n=0
publish() { # SENSOR SRC
    n=$((n + 1))
    publish_as "$1" \
        '{"id":"01JAPX4RYTAGS00000000000'$(printf %02d $n)'","ts":"'$(date -u +%Y-%m-%dT%H:%M:%S.%6NZ)'","sensor":"'$1'","honeypot":"ssh","type":"connect","src_ip":"'$2'","src_port":51000,"dst_ip":"10.0.0.5","dst_port":22,"protocol":"ssh"}'
}
hooks_from() { hook_count ".src_ip == \"$1\""; }
tag_reloads() { grep -c 'alerts: sensor tags reloaded' "$T/server.log"; }
wait_tag_reload() {
    for ((i = 0; i < 100; i++)); do [ "$(tag_reloads)" -ge "$1" ] && return 0; sleep 0.1; done
    fail "sensor tags not reloaded"
}

# CLI: add, list, refuse bad tags
"$APIARY" sensor tag web-9 +internal +dmz --data-dir "$D" >"$T/out" || fail "sensor tag"
grep -qx 'web-9 dmz,internal' "$T/out" || fail "tag output: $(cat "$T/out")"
"$APIARY" sensor tag web-9 '+Bad Tag' --data-dir "$D" 2>/dev/null && fail "a bad tag was accepted"
"$APIARY" sensor tag --json --data-dir "$D" | jq -e '. == {"web-9": ["dmz", "internal"]}' >/dev/null ||
    fail "tag list"
wait_tag_reload 1

# a tagged sensor: webhook within 1 s of the publish
t0=$(date +%s.%N)
publish web-9 198.51.100.50
for ((i = 0; i < 100; i++)); do [ "$(hooks_from 198.51.100.50)" -ge 1 ] && break; sleep 0.02; done
[ "$(hooks_from 198.51.100.50)" -ge 1 ] || { cat "$T/server.log"; fail "no webhook for the tagged sensor"; }
t1=$(jq -s -r 'map(select((.body | fromjson).src_ip == "198.51.100.50")) | .[0].t' "$T/hook.jsonl")
$PY -c "import sys; d=float(sys.argv[2])-float(sys.argv[1]); print('publish to webhook %.3fs' % d); sys.exit(0 if d < 1.0 else 1)" "$t0" "$t1" ||
    fail "webhook later than 1 s"
jq -s -e 'map(.body | fromjson | select(.src_ip == "198.51.100.50")) | .[0] |
          .rule == "internal" and .sensor == "web-9" and .severity == "critical"' "$T/hook.jsonl" >/dev/null ||
    fail "webhook body"

# an untagged sensor does not alert; removing the tag stops the alerts
"$APIARY" sensor tag web-9 -internal --data-dir "$D" >/dev/null || fail "untag"
wait_tag_reload 2
publish web-10 198.51.100.51
publish web-9 198.51.100.52
"$APIARY" sensor tag web-10 +internal --data-dir "$D" >/dev/null || fail "tag web-10"
wait_tag_reload 3
publish web-10 198.51.100.53
for ((i = 0; i < 100; i++)); do [ "$(hooks_from 198.51.100.53)" -ge 1 ] && break; sleep 0.05; done
[ "$(hooks_from 198.51.100.53)" -ge 1 ] || fail "no webhook after tagging web-10"
[ "$(hooks_from 198.51.100.51)" = 0 ] || fail "an untagged sensor alerted"
[ "$(hooks_from 198.51.100.52)" = 0 ] || fail "an untagged (removed) sensor alerted"

stop_server
pass
