#!/bin/bash
# Intel exports read first/last sightings with one statement per 40
# values (server/store/store_seen.c): the MISP attributes' first_seen and
# last_seen equal the earliest and latest event time of each value,
# computed here from the input, on SQLite and on a throwaway PostgreSQL,
# and both engines give the same export.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../pg.sh"
need python3
pg_start || exit $?
trap 'pg_stop; cleanup' EXIT

# 120 sources (three statements' worth), each seen 1..3 times, plus URLs
python3 - >"$T/ev.jsonl" <<'PY'
import json, time, datetime
now = time.time()
iso = lambda t: datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
n = 0
for i in range(120):
    for k in range(1 + i % 3):
        n += 1
        e = {"id": "01JAPX4RYSEEN%013d" % n, "ts": iso(now - 3000 + i * 7 + k * 300),
             "sensor": "s1", "honeypot": "ssh", "type": "connect",
             "src_ip": "198.51.%d.%d" % (100 + i // 200, i % 200 + 1), "src_port": 40000,
             "dst_ip": "192.0.2.1", "dst_port": 22}
        if i % 10 == 0:
            e.update(type="download", url="http://198.51.100.%d/x%d.sh" % (i % 200 + 1, k % 2))
        print(json.dumps(e))
PY
: >"$T/empty.conf"
"$APIARY" relay -c "$T/empty.conf" --store "sqlite:$T/ev.db" "$T/ev.jsonl" 2>"$T/relay1.log" ||
    { cat "$T/relay1.log"; fail "loading sqlite"; }
"$APIARY" relay -c "$T/empty.conf" --store "$AP_PG_URL" "$T/ev.jsonl" 2>"$T/relay2.log" ||
    { cat "$T/relay2.log"; fail "loading postgresql"; }
"$APIARY" export --store "sqlite:$T/ev.db" --since 2h --format misp >"$T/misp-sqlite.json" || fail "export sqlite"
"$APIARY" export --store "$AP_PG_URL" --since 2h --format misp >"$T/misp-pg.json" || fail "export pg"
"$APIARY" export --store "$AP_PG_URL" --since 2h --format stix -o "$T/stix-pg.json" || fail "stix pg"

python3 - "$T" <<'PY' || fail "sightings"
import json, sys, datetime
T = sys.argv[1]
def t(s):
    return datetime.datetime.strptime(s[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc).timestamp() + float("0" + s[19:].rstrip("Z") if s[19:20] == "." else 0)
seen = {}
for l in open(T + "/ev.jsonl"):
    e = json.loads(l)
    for k in ("src_ip", "url"):
        if k in e:
            ts = t(e["ts"])
            a, b = seen.get(e[k], (ts, ts))
            seen[e[k]] = (min(a, ts), max(b, ts))
def attrs(path):
    out = {}
    for a in json.load(open(path))["Event"]["Attribute"]:
        out[a["value"]] = (a["type"], a["first_seen"], a["last_seen"])
    return out
s, p = attrs(T + "/misp-sqlite.json"), attrs(T + "/misp-pg.json")
assert len([v for v in s.values() if v[0] == "ip-src"]) == 120, len(s)
assert len([v for v in s.values() if v[0] == "url"]) >= 12, s
for v, (ty, f, l) in s.items():
    a, b = seen[v]
    assert abs(t(f) - a) < 0.002 and abs(t(l) - b) < 0.002, (v, f, l, a, b)
    assert p[v][0] == ty and abs(t(p[v][1]) - t(f)) < 0.002 and abs(t(p[v][2]) - t(l)) < 0.002, (v, p[v], f, l)
assert set(s) == set(p)
b = json.load(open(T + "/stix-pg.json"))
obs = [o for o in b["objects"] if o["type"] == "observed-data"]
assert len(obs) >= 132 and all(o["first_observed"] <= o["last_observed"] for o in obs)
PY
pass
