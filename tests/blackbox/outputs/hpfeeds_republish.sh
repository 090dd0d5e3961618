#!/bin/bash
# hpfeeds re-publish: an [output] of type hpfeeds sends every canonical
# event to a broker (here `apiary server` itself), where a subscriber
# (`apiary hpfeeds subscribe`) receives each one exactly as sent.
. "$(dirname "$0")/../lib.sh"
need jq
D="$T/d"
mkdir -p "$D"
EVENTS="$AP_SRC/tests/data/outputs/events.jsonl"
N=$(wc -l <"$EVENTS")
"$APIARY" ident --data-dir "$D" add community-pub --secret pubsecret --publish apiary.community >/dev/null ||
    fail "ident add"
"$APIARY" ident --data-dir "$D" add community-sub --secret subsecret --subscribe apiary.community >/dev/null ||
    fail "ident add"
bg "$APIARY" server --data-dir "$D" --set hpfeeds.listen=127.0.0.1:0 --set metrics.listen=127.0.0.1:0 \
    --set web.listen=127.0.0.1:0 --port-file "$T/ports" 2>"$T/server.log"
wait_file "$T/ports" 30
for ((i = 0; i < 100; i++)); do
    PORT=$(portfile_get "$T/ports" hpfeeds); [ -n "$PORT" ] && break; sleep 0.1
done
[ -n "$PORT" ] || fail "no hpfeeds port"
bg "$APIARY" hpfeeds subscribe --host 127.0.0.1 --port "$PORT" -i community-sub -s subsecret \
    -c apiary.community --json --count "$N" >"$T/got.jsonl" 2>"$T/sub.log"
SUB=$LAST_PID
sleep 1   # subscribed
cat >"$T/relay.conf" <<CONF
[output community]
type hpfeeds
host 127.0.0.1
port $PORT
ident community-pub
secret pubsecret
channel apiary.community
CONF
"$APIARY" relay -c "$T/relay.conf" --drain 10 "$EVENTS" 2>"$T/relay.log" || { cat "$T/relay.log"; fail "relay"; }
for ((i = 0; i < 100; i++)); do [ "$(wc -l <"$T/got.jsonl")" -ge "$N" ] && break; sleep 0.1; done
[ "$(wc -l <"$T/got.jsonl")" = "$N" ] || { cat "$T/relay.log" "$T/sub.log"; fail "got $(wc -l <"$T/got.jsonl") of $N"; }
jq -r '.payload | fromjson | .id' "$T/got.jsonl" | sort >"$T/got.ids"
jq -r .id "$EVENTS" | sort >"$T/want.ids"
cmp -s "$T/got.ids" "$T/want.ids" || fail "event ids differ"
jq -e 'select(.channel != "apiary.community" or .ident != "community-pub")' "$T/got.jsonl" >/dev/null &&
    fail "wrong channel or ident"
wait "$SUB" 2>/dev/null
pass
