#!/bin/bash
# apiary correlate on generated firewall logs with a known answer: the
# store (filled through `apiary relay --store`) says which sources attack
# the honeypots most; the iptables log and the flow CSV hold connections
# of those sources to real servers, to the honeypot, and of a minor
# attacker; exactly the long or big ones of the top attackers come out.
. "$(dirname "$0")/../lib.sh"
need python3 jq

python3 - "$T" <<'PY'
import json, sys, time, datetime, random
T = sys.argv[1]
now = time.time()
def iso(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
CROCK = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
def rid():
    return "".join(random.choice(CROCK) for _ in range(26))
with open(T + "/events.jsonl", "w") as f:
    for ip, n in (("203.0.113.5", 100), ("203.0.113.6", 50), ("203.0.113.7", 5)):
        for i in range(n):
            f.write(json.dumps({"id": rid(), "ts": iso(now - 3600 + i), "sensor": "hp-1",
                                "honeypot": "ssh", "type": "connect", "src_ip": ip,
                                "src_port": 40000 + i, "dst_ip": "10.9.9.9",
                                "dst_port": 22}) + "\n")
# iptables LOG lines (RFC 3339 timestamps) for packets of:
#  A .5 -> 10.1.1.1:22   40 packets over 39 s        -> reported (long)
#  A .5 -> 10.9.9.9:22   long, but to the honeypot   -> not reported
#  B .6 -> 10.1.1.2:443  2 packets, 2 MB in 1 s      -> reported (big)
#  B .6 -> 10.1.1.3:80   short and small             -> not reported
#  C .7 -> 10.1.1.4:22   long, but C is not in the top 2 -> not reported
base = now - 1800
with open(T + "/fw.log", "w") as f:
    def pkt(t, src, dst, spt, dpt, ln):
        f.write("%s gw kernel: [1.0] FW IN=eth0 OUT=eth1 SRC=%s DST=%s LEN=%d TOS=0x00 "
                "PREC=0x00 TTL=50 ID=1 DF PROTO=TCP SPT=%d DPT=%d WINDOW=1 RES=0x00 ACK URGP=0\n"
                % (iso(t), src, dst, ln, spt, dpt))
    for i in range(40):
        pkt(base + i, "203.0.113.5", "10.1.1.1", 50000, 22, 100)
        pkt(base + i * 10, "203.0.113.5", "10.9.9.9", 50001, 22, 100)
        pkt(base + i * 10, "203.0.113.7", "10.1.1.4", 50002, 22, 100)
    pkt(base, "203.0.113.6", "10.1.1.2", 50003, 443, 1048576)
    pkt(base + 1, "203.0.113.6", "10.1.1.2", 50003, 443, 1048576)
    pkt(base, "203.0.113.6", "10.1.1.3", 50004, 80, 60)
    f.write("%s gw sshd[42]: not a packet line\n" % iso(base))
    f.write("%s gw kernel: FW SRC=1.2.3.999 DST=1.1.1.1 PROTO=TCP\n" % iso(base))
with open(T + "/flows.csv", "w") as f:
    f.write("src,dst,sport,dport,proto,start,end,bytes\n")
    f.write("203.0.113.5,10.1.1.1,50000,22,tcp,%s,%s,4000\n" % (iso(base), iso(base + 39)))
    f.write("203.0.113.5,10.9.9.9,50001,22,tcp,%s,%s,4000\n" % (iso(base), iso(base + 390)))
    f.write("203.0.113.6,10.1.1.2,50003,443,tcp,%d,%d,2097152\n" % (base, base + 1))
    f.write("203.0.113.6,10.1.1.3,50004,80,tcp,%d,%d,60\n" % (base, base))
    f.write("203.0.113.7,10.1.1.4,50002,22,tcp,%d,%d,4000\n" % (base, base + 390))
PY
: >"$T/empty.conf"
"$APIARY" relay -c "$T/empty.conf" --store "sqlite:$T/events.db" "$T/events.jsonl" 2>"$T/relay.log" ||
    { cat "$T/relay.log"; fail "loading the store"; }

check() { # FILE FORMAT
    "$APIARY" correlate --store "sqlite:$T/events.db" --fw "$1" --format "$2" --top 2 \
        --days 1 --min-duration 30 --min-bytes 1M --output json >"$T/out.json" 2>"$T/corr.log" ||
        { cat "$T/corr.log"; fail "correlate $2"; }
    jq -e 'length == 2
           and .[0].src == "203.0.113.5" and .[0].dst == "10.1.1.1" and .[0].dport == 22
           and .[0].duration >= 39 and .[0].attacker_events == 100
           and .[1].src == "203.0.113.6" and .[1].dst == "10.1.1.2" and .[1].bytes == 2097152' \
        "$T/out.json" >/dev/null || { cat "$T/out.json" "$T/corr.log"; fail "correlate $2: wrong answer"; }
}
check "$T/fw.log" iptables
grep -q '1 bad line' "$T/corr.log" || { cat "$T/corr.log"; fail "bad line not counted"; }
check "$T/fw.log" nft
check "$T/flows.csv" csv
# auto-detected format, CSV and table output
"$APIARY" correlate --store "sqlite:$T/events.db" --fw "$T/flows.csv" --top 2 --days 1 \
    --output csv 2>/dev/null >"$T/out.csv" || fail "csv output"
[ "$(wc -l <"$T/out.csv")" = 3 ] || fail "csv rows"
head -1 "$T/out.csv" | grep -q '^src,dst,proto,sport,dport,start,end,duration,bytes' || fail "csv header"
"$APIARY" correlate --store "sqlite:$T/events.db" --fw "$T/fw.log" --top 3 --days 1 2>/dev/null |
    grep -q '^3 connection(s)$' || fail "top 3 should add the minor attacker"
pass
