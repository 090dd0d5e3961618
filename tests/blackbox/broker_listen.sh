#!/bin/bash
# Several listeners, IPv4 and IPv6: a subscriber on 127.0.0.1 gets what a
# publisher sends through [::1]; both ports are in the port file; a bad
# listen address is a config error naming the keyword.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/broker_lib.sh"

ident add p --secret ps --publish c --subscribe c >/dev/null || fail "ident add"
start_broker --set 'hpfeeds.listen=[::1]:0'
[ "$(grep -c '^hpfeeds ' "$T/ports")" = 2 ] || { cat "$T/ports"; fail "two hpfeeds ports expected"; }
P4=$(awk '$1 == "hpfeeds" { print $2; exit }' "$T/ports")
P6=$(awk '$1 == "hpfeeds" { p = $2 } END { print p }' "$T/ports")
[ "$P4" != "$P6" ] || fail "same port twice"
bg "$APIARY" hpfeeds subscribe --host 127.0.0.1 --port "$P4" -i p -s ps -c c --count 1 >"$T/sub.out"
SUB=$LAST_PID
sleep 1
"$APIARY" hpfeeds publish --host ::1 --port "$P6" -i p -s ps -c c via-v6 || fail "publish over IPv6"
wait "$SUB" || fail "subscriber"
[ "$(cat "$T/sub.out")" = via-v6 ] || fail "delivery across listeners"
# the IPv6 listener is IPv6 only
if "$APIARY" hpfeeds publish --host 127.0.0.1 --port "$P6" -i p -s ps -c c x 2>/dev/null; then
    fail "[::1] listener accepted IPv4"
fi
stop_broker

if "$APIARY" server --data-dir "$D" --set hpfeeds.listen=999.1.1.1:5 \
    --set metrics.listen=127.0.0.1:0 --set web.listen=127.0.0.1:0 2>"$T/err"; then
    fail "bad listen address accepted"
fi
grep -q 'listen 999.1.1.1:5: bad address' "$T/err" || fail "bad address message: $(cat "$T/err")"
pass
