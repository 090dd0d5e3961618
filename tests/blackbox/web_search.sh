#!/bin/bash
# Search sorting and the newer filters over a store filled by `apiary
# import` with the real cowrie log: every sort order (source IP, port,
# sensor, honeypot, country; asc/desc) returns exactly the order this test
# computes from the store's own events; the signature filter finds exactly
# the alerts published over hpfeeds; bad sort keys are refused.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web/lib_web.sh"
need curl jq python3
[ -r "$COWRIE_LOG" ] || fail "cowrie log $COWRIE_LOG missing"
mkdir -p "$T/data"
"$APIARY" import --store "sqlite:$T/data/events.db" --ident cowrie1 \
    "$COWRIE_LOG" >"$T/import.out" 2>&1 || fail "import: $(cat "$T/import.out")"
"$APIARY" ident --data-dir "$T/data" add ids1 --secret "s-$$" \
    --publish apiary.events >/dev/null || fail "ident add"
web_start
CSRF=$(login admin "$ADMIN_PW" "$T/jar")
W="since=2017-11-01T00:00:00Z&until=2017-11-10T00:00:00Z"

# Two IDS signatures, published as a native sensor would.
python3 - "$T" <<'PY' || fail "events"
import datetime, json, os, sys
B32 = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
def ulid():
    n = int.from_bytes(os.urandom(16), "big")
    return "".join(B32[(n >> (5 * i)) & 31] for i in range(25, -1, -1))
for i in range(5):
    sig = "ET SCAN Test <b>%d</b>" % (i % 2)
    e = {"id": ulid(), "seq": i + 1, "type": "alert", "sensor": "ids1",
         "honeypot": "suricata", "signature": sig, "src_ip": "198.51.100.%d" % i,
         "dst_port": 445, "ts": "2017-11-04T12:00:0%dZ" % i}
    open("%s/al%d.json" % (sys.argv[1], i), "w").write(json.dumps(e))
PY
for i in 0 1 2 3 4; do
    "$APIARY" hpfeeds publish --host 127.0.0.1 --port "$HP" -i ids1 \
        -s "s-$$" -c apiary.events --file "$T/al$i.json" || fail "publish"
done
for ((i = 0; i < 300; i++)); do
    n=$(curl -s -b "$T/jar" "$WEB/api/v1/events?$W&type=alert" | jq '.meta.total')
    [ "$n" = 5 ] && break
    sleep 0.1
done
[ "$n" = 5 ] || fail "alerts not stored: $n"
n=$(curl -s -b "$T/jar" "$WEB/api/v1/events?$W&signature=ET%20SCAN%20Test%20%3Cb%3E0%3C%2Fb%3E" |
    jq '[.data[] | select(.signature == "ET SCAN Test <b>0</b>")] | length')
[ "$n" = 3 ] || fail "signature filter: $n events, want 3"
n=$(curl -s -b "$T/jar" "$WEB/api/v1/events?$W&signature=nope" | jq '.meta.total')
[ "$n" = 0 ] || fail "unknown signature matched $n"

# Every event of the window, oldest first, as the reference set.
total=$(curl -s -b "$T/jar" "$WEB/api/v1/events?$W&count=1&limit=1" | jq .meta.total)
[ "$total" -gt 1000 ] || fail "too few events in the window: $total"
off=0
: >"$T/all.jsonl"
while [ "$off" -lt "$total" ]; do
    curl -s -b "$T/jar" "$WEB/api/v1/events?$W&order=asc&count=0&limit=1000&offset=$off" |
        jq -c '.data[]' >>"$T/all.jsonl"
    off=$((off + 1000))
done
[ "$(wc -l <"$T/all.jsonl")" = "$total" ] || fail "reference set incomplete"

for sort in src_ip port sensor honeypot country; do
    for order in asc desc; do
        curl -s -b "$T/jar" "$WEB/api/v1/events?$W&sort=$sort&order=$order&limit=300&offset=100" \
            >"$T/got.json"
        jq -e --arg s "$sort" '.meta.sort == $s' "$T/got.json" >/dev/null ||
            fail "sort=$sort: $(head -c 300 "$T/got.json")"
        python3 - "$T/all.jsonl" "$T/got.json" "$sort" "$order" <<'PY' ||
import json, sys
allp, gotp, sort, order = sys.argv[1:5]
col = {"src_ip": "src_ip", "port": "dst_port", "sensor": "sensor",
       "honeypot": "honeypot", "country": "src_country"}[sort]
evs = [json.loads(l) for l in open(allp)]
desc = order == "desc"
# events without the column last, in both orders; then time
have = [e for e in evs if e.get(col) is not None]
none = [e for e in evs if e.get(col) is None]
have.sort(key=lambda e: e["ts"], reverse=desc)
have.sort(key=lambda e: e[col], reverse=desc)
none.sort(key=lambda e: e["ts"], reverse=desc)
want = [(e.get(col), e["ts"]) for e in have + none][100:400]
got = [(e.get(col), e["ts"]) for e in json.load(open(gotp))["data"]]
if got != want:
    i = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), len(got))
    sys.exit("sort=%s %s: row %d got %r want %r (of %d/%d)" % (
        sort, order, i, got[i:i + 2], want[i:i + 2], len(got), len(want)))
PY
            fail "order differs for sort=$sort order=$order"
    done
done
c=$(code GET "$WEB/api/v1/events?sort=password" -b "$T/jar")
[ "$c" = 400 ] || fail "unknown sort key: $c"
c=$(code GET "$WEB/api/v1/events?sort=src_ip;DROP%20TABLE%20events" -b "$T/jar")
[ "$c" = 400 ] || fail "sort injection: $c"
web_stop
pass
