#!/bin/bash
# The broker under load: the largest (10 MiB) message intact, a slow
# subscriber cut with the backpressure error while a fast one keeps up,
# and 1,000 concurrent authenticated clients.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/broker_lib.sh"
need python3 curl

ident add pub1 --secret pubsecret --publish chan1,chan2,sync,many \
    --subscribe chan1,chan2,sync,many >/dev/null || fail "ident add"
start_broker --set hpfeeds.sub_soft_limit=1M --set hpfeeds.sub_hard_limit=4M \
    --set hpfeeds.sub_soft_seconds=1 --set hpfeeds.close_timeout=60
timeout 240 python3 "$AP_SRC/tests/blackbox/hpf_raw.py" "$HP" big slow_subscriber \
    many_clients || fail "load cases"
curl -sf "http://127.0.0.1:$MP/metrics" >"$T/metrics" || fail "metrics"
grep -qxF 'hpfeeds_broker_backpressure_disconnects_total{ident="pub1"} 1' "$T/metrics" ||
    { grep -i backpressure "$T/metrics"; fail "backpressure metric"; }
grep -qxF 'hpfeeds_broker_connection_error_total{ident="pub1",category="deadline-timer-expired"} 1' "$T/metrics" ||
    fail "deadline category"
stop_broker
pass
