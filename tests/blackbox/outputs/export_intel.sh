#!/bin/bash
# apiary export: intel feeds from a store filled with the golden events
# (real cowrie events + hostile strings) timed within the window.  STIX
# bundles are checked against rules this test encodes from the STIX 2.1
# spec (required properties, id formats, RFC 3339 UTC timestamps,
# references that resolve, patterns); MISP, MHN intel JSON/CSV, the
# blocklist (with --exclude) and the credentials CSV are checked too.
. "$(dirname "$0")/../lib.sh"
need python3

python3 - "$AP_SRC/tests/data/outputs/events.jsonl" >"$T/recent.jsonl" <<'PY'
import json, sys, time, datetime
now = time.time()
for i, l in enumerate(open(sys.argv[1])):
    e = json.loads(l)
    e["ts"] = datetime.datetime.fromtimestamp(now - 600 + i, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    print(json.dumps(e))
# p0f fingerprints of one source (MHN's intel feed "meta"): the newest
# has no link, so the link comes from the older one
for k, extra in enumerate(({"os": "Linux 2.2.x-3.x", "link": "Ethernet or modem", "app": "???"},
                           {"os": "Linux 3.11 and newer", "uptime": "12 days"})):
    e = {"id": "01JAPX4RYP0F00000000000%03d" % k, "sensor": "p0f-1", "honeypot": "p0f",
         "type": "fingerprint", "src_ip": "195.22.127.83", "src_port": 40000 + k,
         "dst_ip": "192.0.2.1", "dst_port": 22,
         "ts": datetime.datetime.fromtimestamp(now - 30 + k, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")}
    e.update({f: v for f, v in extra.items() if v != "???"})
    print(json.dumps(e))
PY
: >"$T/empty.conf"
"$APIARY" relay -c "$T/empty.conf" --store "sqlite:$T/ev.db" "$T/recent.jsonl" 2>"$T/relay.log" ||
    { cat "$T/relay.log"; fail "loading the store"; }
X() { "$APIARY" export --store "sqlite:$T/ev.db" --since 1h "$@"; }

X --format blocklist --exclude 203.0.113.0/24,27.72.79.91 >"$T/block.txt" || fail "blocklist"
grep -q '^195.22.127.83$' "$T/block.txt" || fail "blocklist misses a source"
grep -q '203.0.113.9\|27.72.79.91' "$T/block.txt" && fail "blocklist ignores --exclude"
[ "$(wc -l <"$T/block.txt")" = 5 ] || { cat "$T/block.txt"; fail "blocklist size"; }
X --format blocklist --since 2000-01-01T00:00:00Z --until 2000-01-02T00:00:00Z >"$T/empty.txt" || fail "window"
[ -s "$T/empty.txt" ] && fail "time window ignored"

X --format intel >"$T/intel.json" || fail "intel"
X --format intel_csv >"$T/intel.csv" || fail "intel_csv"
X --format creds >"$T/creds.csv" || fail "creds"
X --format stix -o "$T/stix.json" || fail "stix"
X --format misp >"$T/misp.json" || fail "misp"

python3 - "$T" <<'PY' || fail "feed checks"
import csv, io, json, re, sys
T = sys.argv[1]
intel = json.load(open(T + "/intel.json"))
assert intel["meta"]["query"] == "intel_feed" and intel["meta"]["size"] == len(intel["data"])
for r in intel["data"]:
    assert set(r) == {"source_ip", "honeypot", "protocol", "destination_port", "count", "meta"}, r
    if r["source_ip"] == "195.22.127.83":
        assert len(r["meta"]) == 1, r
        m = r["meta"][0]
        assert m["ip"] == "195.22.127.83" and m["honeypot"] == "p0f", m
        assert m["os"] == "Linux 3.11 and newer" and m["uptime"] == "12 days", m
        assert m["link"] == "Ethernet or modem" and "app" not in m, m
        assert re.match(r"^\d{4}-\d\d-\d\dT", m["timestamp"]), m
    else:
        assert r["meta"] == [], r
assert any(r["source_ip"] == "195.22.127.83" for r in intel["data"])
rows = open(T + "/intel.csv").read().split("\n")
assert rows[0] == "source_ip\tcount\ttags" and rows[-1] == "", rows[:2]
for r in rows[1:-1]:
    ip, n, tags = r.split("\t")
    assert int(n) > 0 and "port-" in tags, r
    if ip == "195.22.127.83":
        assert tags.endswith(",Linux 3.11 and newer,Ethernet or modem"), tags
# credentials: every record one physical line, parseable, hostile bytes escaped
text = open(T + "/creds.csv").read()
lines = text.split("\n")[:-1]
recs = list(csv.reader(io.StringIO(text)))
assert len(recs) == len(lines), "a CSV record spans lines"
assert recs[0] == ["kind", "value", "username", "password", "count"]
kinds = {r[0] for r in recs[1:]}
assert kinds == {"username", "password", "pair"}, kinds
assert ["pair", "root:0000", "root", "0000", "1"] in recs
assert any(r[0] == "username" and r[1].startswith('a"b\\\\c|d=e\\x0af') for r in recs), recs
# MISP
m = json.load(open(T + "/misp.json"))["Event"]
assert m["info"] and re.match(r"^\d{4}-\d\d-\d\d$", m["date"]) and m["Attribute"]
types = {a["type"] for a in m["Attribute"]}
assert types == {"ip-src", "url", "sha256"}, types
for a in m["Attribute"]:
    assert re.match(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", a["uuid"])
    assert a["category"] in ("Network activity", "Payload delivery") and a["to_ids"] is True
PY

# STIX 2.1 rules, encoded from the specification
python3 - "$T/stix.json" <<'PY' || fail "STIX bundle invalid"
import json, re, sys
b = json.load(open(sys.argv[1]))
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
TS_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
def idok(i, t):
    assert re.match("^%s--%s$" % (re.escape(t), UUID), i), i
assert b["type"] == "bundle"; idok(b["id"], "bundle")
assert "spec_version" not in b  # 2.1 bundles carry none
objs = {}
for o in b["objects"]:
    assert o["id"] not in objs, "duplicate id " + o["id"]
    objs[o["id"]] = o
    assert o["spec_version"] == "2.1"
    idok(o["id"], o["type"])
SDO = {"identity", "indicator", "observed-data", "sighting"}
SCO = {"ipv4-addr", "ipv6-addr", "url", "file"}
count = {}
for o in b["objects"]:
    t = o["type"]; count[t] = count.get(t, 0) + 1
    assert t in SDO | SCO, t
    if t in SDO:
        for k in ("created", "modified"):
            assert TS_MS.match(o[k]), (k, o[k])
        assert o["modified"] >= o["created"]
    if t in SDO - {"identity"}:
        assert objs[o["created_by_ref"]]["type"] == "identity"
    if t == "identity":
        assert o["name"] and o["identity_class"]
    if t == "indicator":
        assert o["pattern_type"] == "stix" and TS.match(o["valid_from"])
        assert o["indicator_types"] and o["name"]
        assert re.match(r"^\[(ipv4-addr|ipv6-addr|url):value = '.*'\]$|^\[file:hashes\.'SHA-256' = '[0-9a-f]{64}'\]$", o["pattern"], re.S), o["pattern"]
    if t == "observed-data":
        assert TS.match(o["first_observed"]) and TS.match(o["last_observed"])
        assert o["last_observed"] >= o["first_observed"]
        assert 1 <= o["number_observed"] <= 999999999
        for r in o["object_refs"]:
            assert objs[r]["type"] in SCO
    if t == "sighting":
        assert objs[o["sighting_of_ref"]]["type"] == "indicator"
        for r in o["observed_data_refs"]:
            assert objs[r]["type"] == "observed-data"
        for r in o["where_sighted_refs"]:
            assert objs[r]["type"] == "identity"
        assert o["count"] >= 1 and o["last_seen"] >= o["first_seen"]
    if t in ("ipv4-addr", "ipv6-addr", "url"):
        assert o["value"]
    if t == "file":
        assert re.match("^[0-9a-f]{64}$", o["hashes"]["SHA-256"])
# ipv4 SCO ids are UUIDv5 of {"value": ...} in the STIX namespace (2.9)
import uuid
ns = uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7")
for o in b["objects"]:
    if o["type"] == "ipv4-addr":
        want = "ipv4-addr--" + str(uuid.uuid5(ns, json.dumps({"value": o["value"]}, separators=(",", ":"))))
        assert o["id"] == want, (o["id"], want)
assert count["indicator"] == count["sighting"] == count["observed-data"] >= 8, count
assert count["url"] == 2 and count["file"] == 2, count
PY
pass
