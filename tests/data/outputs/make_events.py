#!/usr/bin/python3
"""Build events.jsonl, the input of the output-format golden tests.

Real events: the first cowrie record of each kind in
/work/shared/data/cowrie/cowrie-2017-11-04.json, turned into canonical
events the way the cowrie adapter does (type, fields, ids derived from the
record), plus the geo fields the collector adds for one known source.
Hostile events: attacker strings with newlines, |, =, quotes, backslashes
and control bytes, which must never break a line in any format.

Run once; the output is committed.  Usage: make_events.py COWRIE.json
"""
import hashlib
import json
import sys

MAP = {
    "cowrie.session.connect": "connect",
    "cowrie.client.version": "fingerprint",
    "cowrie.login.failed": "login",
    "cowrie.login.success": "login",
    "cowrie.command.input": "command",
    "cowrie.command.failed": "command",
    "cowrie.session.file_download": "download",
    "cowrie.direct-tcpip.request": "tunnel",
    "cowrie.session.closed": "disconnect",
}
CROCK = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def ulid_like(ts, key):
    # Deterministic 26-char Crockford id, time first (like ap_event_id_derive).
    ms = int(ts * 1000)
    h = int.from_bytes(hashlib.sha256(key.encode()).digest()[:10], "big")
    v = (ms << 80) | h
    return "".join(CROCK[(v >> (5 * (25 - i))) & 31] for i in range(26))


def ts_of(s):
    from datetime import datetime, timezone
    d = datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    return d.timestamp()


def convert(r, dst):
    t = MAP[r["eventid"]]
    ev = {"id": ulid_like(ts_of(r["timestamp"]), json.dumps(r, sort_keys=True)),
          "ts": r["timestamp"], "sensor": r["sensor"], "honeypot": "cowrie",
          "channel": "cowrie.sessions", "type": t, "session": r["session"],
          "src_ip": r["src_ip"]}
    if "src_port" in r:
        ev["src_port"] = r["src_port"]
    d = dst.get(r["session"])
    if d:
        ev["dst_ip"], ev["dst_port"] = d
    ev["transport"] = "tcp"
    ev["protocol"] = "ssh"
    if t == "fingerprint":
        ev["client_version"] = r["version"]
    elif t == "login":
        ev["username"] = r["username"]
        ev["password"] = r["password"]
        ev["success"] = r["eventid"] == "cowrie.login.success"
        ev["method"] = "password"
    elif t == "command":
        ev["command"] = r["input"]
        ev["known"] = r["eventid"] == "cowrie.command.input"
    elif t == "download":
        ev["url"] = r["url"]
        ev["sha256"] = r["shasum"]
    elif t == "tunnel":
        ev["kind"] = "direct-tcpip"
        ev["target_host"] = r["dst_ip"]
        ev["target_port"] = r["dst_port"]
    elif t == "disconnect":
        ev["duration"] = round(r["duration"], 6)
    if r["src_ip"] == "198.199.98.246":  # what the collector's GeoIP adds
        ev.update({"src_country": "US", "src_asn": 14061,
                   "src_org": "DigitalOcean, LLC"})
    return ev


def hostile():
    nasty = 'a"b\\c|d=e\nf\rg\x01h\x7fi\tj \u00e9 ] } ,'
    base = {"ts": "2017-11-04T14:00:00.000001Z", "sensor": "s|1=x",
            "honeypot": "ssh", "src_ip": "203.0.113.9", "src_port": 40000,
            "dst_ip": "192.0.2.1", "dst_port": 22, "transport": "tcp",
            "protocol": "ssh", "session": "sess\n1"}
    evs = []
    for i, extra in enumerate([
        {"type": "login", "username": nasty, "password": "pw\nCEF:0|x|y|z|1|2|3|",
         "success": False},
        {"type": "command", "command": "echo " + nasty + " | sh; x=1", "known": False},
        {"type": "download", "url": "http://198.51.100.7/x.sh?a=1|b=\"2\"\n",
         "sha256": "0" * 64, "filename": nasty},
        {"type": "request", "honeypot": "http", "protocol": "http",
         "method": "GET", "path": "/?q=" + nasty, "user_agent": nasty,
         "dst_port": 80, "status": 404},
        {"type": "alert", "honeypot": "suricata", "protocol": "tcp",
         "signature": "ET POLICY |bad=sig\\" + "\n", "signature_id": 2019284,
         "severity": 1, "category": nasty},
        {"type": "error", "reason": nasty},
    ]):
        ev = dict(base)
        ev.update(extra)
        ev["id"] = ulid_like(ts_of(ev["ts"]) + i, json.dumps(ev, sort_keys=True))
        evs.append(ev)
    return evs


def main():
    seen, dst, out = set(), {}, []
    for line in open(sys.argv[1]):
        r = json.loads(line)
        if r["eventid"] == "cowrie.session.connect":
            dst[r["session"]] = (r["dst_ip"], r["dst_port"])
        if r["eventid"] in MAP and r["eventid"] not in seen:
            seen.add(r["eventid"])
            out.append(convert(r, dst))
    out += hostile()
    for ev in out:
        print(json.dumps(ev, ensure_ascii=False))


main()
