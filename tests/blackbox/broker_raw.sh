#!/bin/bash
# The broker on the wire, with raw sockets (tests/blackbox/hpf_raw.py):
# INFO, refusals with hpfeeds3's exact texts, silence after AUTH,
# pipelining, ACLs, duplicate subscribe, every malformed frame closing
# only its own connection while another pair keeps exchanging messages,
# streaming publishers, and the idle-before-auth timeout.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/broker_lib.sh"
need python3 curl

ident add pub1 --secret pubsecret --publish chan1,chan2,sync \
    --subscribe chan1,chan2,sync >/dev/null || fail "ident add"
start_broker --set hpfeeds.auth_timeout=2
timeout 120 python3 "$AP_SRC/tests/blackbox/hpf_raw.py" "$HP" info first_not_auth \
    bad_auth silent_after_auth pipelined acl duplicate_subscribe malformed \
    streaming auth_timeout || fail "raw cases"
curl -sf "http://127.0.0.1:$MP/metrics" >"$T/metrics" || fail "metrics"
for want in \
    'hpfeeds_broker_connection_error_total{ident="",category="invalid-first-message"} 1' \
    'hpfeeds_broker_connection_error_total{ident="",category="auth-timeout"} 2' \
    'hpfeeds_broker_connection_error_total{ident="pub1",category="ident-mismatch-pub"} 1' \
    'hpfeeds_broker_connection_error_total{ident="",category="oversize-frame"} 1' \
    'hpfeeds_broker_connection_error_total{ident="pub1",category="oversize-frame"} 1' \
    ; do
    grep -qxF "$want" "$T/metrics" || { grep connection_error "$T/metrics"; fail "metrics line: $want"; }
done
grep -q '^hpfeeds_broker_connection_error_total{ident="",category="malformed-frame"} 5$' "$T/metrics" ||
    { grep connection_error "$T/metrics"; fail "malformed count"; }
stop_broker
pass
