#!/bin/bash
# The `firewall` alert rule on a continuously fed iptables LOG file: a
# connection from a current top honeypot source to a non-honeypot that
# lasts > 30 s fires once (more packets of it stay within the cooldown);
# short connections, connections to honeypots and non-attackers do not;
# a big (> 1 MB) connection after rotation by rename, and a long one
# after truncation (copytruncate), fire too.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/server_lib.sh"
need /usr/bin/python3 jq
PY=/usr/bin/python3
D="$T/d"
mkdir -p "$D"
start_webhook
add_idents hp-1
: >"$T/fw.log"
cat >"$T/fw.conf" <<CONF
[alert fw]
type firewall
fw_log $T/fw.log
fw_format iptables
top 5
days 1
min_duration 30s
min_bytes 1M
refresh 1s
severity high

[notify hook]
type webhook
url http://127.0.0.1:$HP/alert
CONF
start_server "$T/fw.conf"

# the attacker hits the honeypot 10.0.0.5 (so 10.0.0.5 is a honeypot)
for n in 1 2 3; do
    publish_as hp-1 \
        '{"id":"01JAPX4RYFW0000000000000'$n'0","ts":"'$(date -u +%Y-%m-%dT%H:%M:%S.%6NZ)'","sensor":"hp-1","honeypot":"ssh","type":"connect","src_ip":"203.0.113.66","src_port":5100'$n',"dst_ip":"10.0.0.5","dst_port":22}'
done
for ((i = 0; i < 150; i++)); do grep -q 'alert fw: watching 1 top source' "$T/server.log" && break; sleep 0.1; done
grep -q 'alert fw: watching 1 top source' "$T/server.log" || { cat "$T/server.log"; fail "top sources not loaded"; }

pkts() { # SRC DST DPORT LEN COUNT SPAN_SECONDS [SPORT]  (appends LOG lines)
    $PY - "$@" <<'PY' >>"$T/fw.log"
import sys, time, datetime
src, dst, dport, ln, count, span = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6])
sport = int(sys.argv[7]) if len(sys.argv) > 7 else 40000
t0 = time.time() - 120
for i in range(count):
    t = t0 + (span * i / max(count - 1, 1))
    ts = datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")
    print("%s gw kernel: [1.0] FW IN=eth0 OUT=eth1 SRC=%s DST=%s LEN=%d TOS=0x00 PREC=0x00 TTL=50 ID=1 DF "
          "PROTO=TCP SPT=%d DPT=%d WINDOW=1 RES=0x00 ACK URGP=0" % (ts, src, dst, ln, sport, dport))
PY
}
alerts_to() { hook_count ".rule == \"fw\" and .event.dst_ip == \"$1\""; }
wait_alert() {
    for ((i = 0; i < 100; i++)); do [ "$(alerts_to "$1")" -ge 1 ] && return 0; sleep 0.1; done
    cat "$T/server.log" >&2
    fail "no alert for $1"
}

pkts 203.0.113.66 192.0.2.21 80 60 2 5          # short, small: nothing
pkts 203.0.113.66 10.0.0.5 22 60 5 100          # long, but to the honeypot
pkts 198.51.100.99 192.0.2.22 443 60 5 100      # long, not an attacker
pkts 203.0.113.66 192.0.2.20 443 60 4 40        # long: fires
wait_alert 192.0.2.20
pkts 203.0.113.66 192.0.2.20 443 60 10 80       # more of it: reported once
pkts 203.0.113.66 192.0.2.20 443 60 4 60 40001  # a second connection: same group, cooldown
jq -s -e 'map(.body | fromjson | select(.rule == "fw")) | .[0] |
          .severity == "high" and .src_ip == "203.0.113.66" and .event.dst_port == 443 and
          .event.duration >= 40 and .event.attacker_events == 3' "$T/hook.jsonl" >/dev/null ||
    fail "alert body: $(cat "$T/hook.jsonl")"

# rotation by rename: the new file is followed from its start
mv "$T/fw.log" "$T/fw.log.1"
pkts 203.0.113.66 192.0.2.30 22 60000 20 2       # 1.2 MB in 2 s: fires
wait_alert 192.0.2.30
# truncation in place (copytruncate); give the follower a poll to see it
: >"$T/fw.log"
sleep 1
pkts 203.0.113.66 192.0.2.31 8080 60 3 45
wait_alert 192.0.2.31

sleep 1
[ "$(alerts_to 192.0.2.20)" = 1 ] || fail "one connection, want one alert: $(alerts_to 192.0.2.20)"
for d in 192.0.2.21 10.0.0.5 192.0.2.22; do
    [ "$(alerts_to $d)" = 0 ] || fail "unexpected alert for $d"
done
stop_server
pass
