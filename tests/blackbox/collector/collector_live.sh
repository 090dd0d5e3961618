#!/bin/bash
# The collector inside `apiary server`: payloads published over hpfeeds
# (apiary hpfeeds publish, apiary import --host) are adapted, stored and
# acknowledged; an unknown channel and a broken payload are kept raw and
# counted; a channel matching collector.ignore is relayed, not stored; a
# resent native event is stored once and acked again.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../broker_lib.sh"
need curl jq
S="sqlite:$D/events.db"
q() { "$APIARY" query --store "$S" "$@"; }
cnt() { q count "$@" | jq .count; }
# wait_count N ARGS...: until the store holds N matching events
wait_count() {
    local want=$1 i got; shift
    for ((i = 0; i < 300; i++)); do
        got=$(cnt "$@" 2>/dev/null)
        [ "$got" = "$want" ] && return 0
        sleep 0.1
    done
    fail "store has '$got' events for [$*], want $want"
}

ident add sens1 --secret s1 \
    --publish apiary.events,cowrie.sessions,bogus.chan,relay.x \
    --subscribe apiary.ack.sens1 >/dev/null || fail "ident add sens1"
ident add imp --secret s2 --publish cowrie.sessions,apiary.events \
    >/dev/null || fail "ident add imp"
start_broker --set 'collector.ignore=test.*, relay.*'

bg hpf subscribe -i sens1 -s s1 -c apiary.ack.sens1 >"$T/acks"
for ((i = 0; i < 100; i++)); do
    curl -s "http://127.0.0.1:$MP/metrics" |
        grep -q '^hpfeeds_broker_subscriptions{chan="apiary.ack.sens1"} 1$' && break
    sleep 0.1
done
[ $i -lt 100 ] || fail "ack subscriber never registered"

native() { # seq id
    printf '{"id":"%s","seq":%d,"ts":"2026-11-29T07:00:0%d.000000Z","sensor":"x","honeypot":"ssh","type":"login","src_ip":"203.0.113.%d","username":"root","password":"p%d","success":false}' \
        "$2" "$1" "$1" "$1" "$1"
}
hpf publish -i sens1 -s s1 -c apiary.events \
    "$(native 1 01JDQ8Z8K3M4N5P6Q7R8S9T0V1)" \
    "$(native 2 01JDQ8Z8K3M4N5P6Q7R8S9T0V2)" \
    "$(native 3 01JDQ8Z8K3M4N5P6Q7R8S9T0V3)" || fail "publish native"
wait_count 3 --type login
for ((i = 0; i < 100; i++)); do grep -q '^{"seq":3}$' "$T/acks" && break; sleep 0.1; done
[ $i -lt 100 ] || { cat "$T/acks"; fail "no ack for seq 3"; }
# the store says who really sent it
[ "$(q events --type login --limit 10 | jq -r '[.[].sensor] | unique | join(",")')" = sens1 ] ||
    fail "sensor not forced to the ident"

# a resend (after a reconnect) is stored once and acked again
: >"$T/acks.before"; cp "$T/acks" "$T/acks.before"
hpf publish -i sens1 -s s1 -c apiary.events "$(native 2 01JDQ8Z8K3M4N5P6Q7R8S9T0V2)" \
    "$(native 4 01JDQ8Z8K3M4N5P6Q7R8S9T0V4)" || fail "publish resend"
wait_count 4 --type login
for ((i = 0; i < 100; i++)); do grep -q '^{"seq":4}$' "$T/acks" && break; sleep 0.1; done
[ $i -lt 100 ] || { cat "$T/acks"; fail "no ack for seq 4"; }

# an ignored channel (published first: the writer is FIFO, so once the
# two raw errors below are in, this one would be too), a foreign payload,
# an unknown channel, a broken payload
hpf publish -i sens1 -s s1 -c relay.x '{"x":1}' 'not json either' || fail "publish relay"
hpf publish -i sens1 -s s1 -c cowrie.sessions --file \
    "$AP_SRC/tests/data/adapters/cowrie.sessions.json" || fail "publish cowrie"
hpf publish -i sens1 -s s1 -c bogus.chan '{"x":1}' || fail "publish bogus"
hpf publish -i sens1 -s s1 -c cowrie.sessions 'this is not json' || fail "publish junk"
wait_count 6 --honeypot cowrie
for ((i = 0; i < 100; i++)); do
    q raw-errors >"$T/raw" 2>/dev/null
    [ "$(jq 'length' "$T/raw")" = 2 ] && break
    sleep 0.1
done
jq -e 'map({(.channel): .count}) | add | .["bogus.chan"] == 1 and .["cowrie.sessions"] == 1' "$T/raw" >/dev/null ||
    fail "raw errors: $(cat "$T/raw")"
q raw --limit 10 | jq -e 'map(.error) | any(test("no adapter")) and any(test("not JSON"))' >/dev/null ||
    fail "raw reasons: $(q raw --limit 10)"
# per-channel metrics
curl -s "http://127.0.0.1:$MP/metrics" >"$T/metrics"
grep -q '^apiary_collector_parse_errors_total{channel="bogus.chan"} 1$' "$T/metrics" ||
    fail "parse error metric: $(grep apiary_collector "$T/metrics")"
! grep '^apiary_collector' "$T/metrics" | grep -q 'relay\.x' || fail "ignored channel reached the collector"
grep -q '^apiary_collector_stored_total{channel="apiary.events"} 4$' "$T/metrics" ||
    fail "stored metric: $(grep apiary_collector "$T/metrics")"
grep -q '^apiary_collector_duplicates_total{channel="apiary.events"} 1$' "$T/metrics" ||
    fail "duplicates metric: $(grep apiary_collector "$T/metrics")"

# apiary import --host: the same as the direct import, over hpfeeds
head -400 /work/shared/data/cowrie/cowrie-2017-11-04.json >"$T/part.json"
"$APIARY" import --host 127.0.0.1 --port "$HP" --ident imp --secret s2 \
    "$T/part.json" >"$T/imp.out" || fail "import --host"
"$APIARY" import --store "sqlite:$T/direct.db" --ident imp "$T/part.json" >"$T/direct.out" ||
    fail "import --store"
want=$(jq .stored "$T/direct.out")
wait_count "$want" --sensor imp
# the same ids either way
q events --sensor imp --limit 1000 | jq -r '.[].id' | sort >"$T/ids.live"
"$APIARY" query --store "sqlite:$T/direct.db" events --limit 1000 | jq -r '.[].id' | sort >"$T/ids.direct"
cmp -s "$T/ids.live" "$T/ids.direct" || fail "live and direct import give different ids"

stop_broker
pass
