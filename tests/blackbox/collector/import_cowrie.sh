#!/bin/bash
# `apiary import` of a real cowrie log (an internet honeypot, 2017-11-04)
# into a fresh SQLite store.  The expected figures are computed here from
# the log itself with python3; the store's answers (apiary query) must
# equal them.  A second import of the same file stores nothing new.
. "$(dirname "$0")/../lib.sh"
need python3 jq
LOG=${AP_COWRIE_LOG:-/work/shared/data/cowrie/cowrie-2017-11-04.json}
[ -r "$LOG" ] || fail "cowrie log $LOG missing"
S="sqlite:$T/events.db"
q() { "$APIARY" query --store "$S" "$@"; }

"$APIARY" import --store "$S" "$LOG" >"$T/imp1" 2>"$T/imp1.err" ||
    { cat "$T/imp1.err"; fail "import"; }

python3 - "$LOG" >"$T/expect" <<'PY'
import json, sys, collections
sess, ips = set(), set()
failed = success = tunnels = downloads = unknown = 0
pw = collections.Counter()
typed = collections.defaultdict(list)
commands = 0
for line in open(sys.argv[1]):
    e = json.loads(line)
    k = e["eventid"]
    if k == "cowrie.session.connect":
        sess.add(e["session"]); ips.add(e["src_ip"])
    elif k in ("cowrie.login.failed", "cowrie.login.success"):
        pw[e.get("password") or ""] += 1
        if k.endswith("failed"): failed += 1
        else: success += 1
    elif k == "cowrie.direct-tcpip.request":
        tunnels += 1
    elif k == "cowrie.session.file_download":
        downloads += 1
    elif k == "cowrie.command.input" and e["input"]:
        typed[e["session"]].append(e["input"]); commands += 1
    elif k == "cowrie.command.failed" and e["input"]:
        # a failed part of "a; b" that is not a whole typed line counts
        # as a command of its own
        unknown += 1
        if e["input"] in typed[e["session"]]:
            typed[e["session"]].remove(e["input"])
        else:
            commands += 1
top = sorted(pw.items(), key=lambda kv: (-kv[1], kv[0].encode()))[:10]
print(json.dumps({"sessions": len(sess), "ips": len(ips), "failed": failed,
                  "success": success, "commands": commands,
                  "unknown": unknown, "tunnels": tunnels,
                  "downloads": downloads,
                  "top_passwords": [{"value": v, "count": c} for v, c in top]},
                 sort_keys=True))
PY
exp() { jq -cS ".$1" "$T/expect"; }
cnt() { q count "$@" | jq .count; }

[ "$(cnt --type connect)" = "$(exp sessions)" ] || fail "sessions: $(cnt --type connect) != $(exp sessions)"
[ "$(cnt --type disconnect)" = "$(exp sessions)" ] || fail "disconnects"
got=$(q top src_ip --limit 1000 | jq length)
[ "$got" = "$(exp ips)" ] || fail "distinct source IPs: $got != $(exp ips)"
q events --type login --limit 1000 >"$T/logins"
got=$(jq '[.[] | select(.success == false)] | length' "$T/logins")
[ "$got" = "$(exp failed)" ] || fail "failed logins: $got != $(exp failed)"
got=$(jq '[.[] | select(.success == true)] | length' "$T/logins")
[ "$got" = "$(exp success)" ] || fail "successful logins: $got != $(exp success)"
got=$(q top password --limit 10 | jq -cS '[.[] | {value, count}]')
[ "$got" = "$(exp top_passwords)" ] || fail "top passwords: $got != $(exp top_passwords)"
[ "$(cnt --type command)" = "$(exp commands)" ] || fail "commands: $(cnt --type command) != $(exp commands)"
got=$(q events --type command --limit 1000 | jq '[.[] | select(.known == false)] | length')
[ "$got" = "$(exp unknown)" ] || fail "unknown commands: $got != $(exp unknown)"
[ "$(cnt --type tunnel)" = "$(exp tunnels)" ] || fail "direct-tcpip: $(cnt --type tunnel) != $(exp tunnels)"
[ "$(cnt --type download)" = "$(exp downloads)" ] || fail "downloads: $(cnt --type download) != $(exp downloads)"
# every tunnel says where it wanted to go
{ q events --type tunnel --limit 1000; q events --type tunnel --limit 1000 --offset 1000; } |
    jq -s 'add | [.[] | select(.kind == "direct-tcpip" and (.target_host | length) > 0 and .target_port > 0)] | length' >"$T/tun"
[ "$(cat "$T/tun")" = "$(exp tunnels)" ] || fail "tunnel targets: $(cat "$T/tun")"
# event time is the honeypot's, receive time is kept too
q events --type connect --limit 1 --asc | jq -e '.[0].ts == "2017-11-04T13:09:47.519075Z" and (.[0].rx_ts | length) > 0' >/dev/null ||
    fail "connect time: $(q events --type connect --limit 1 --asc)"

total=$(cnt)
stored=$(jq .stored "$T/imp1")
[ "$total" = "$stored" ] || fail "store holds $total events, import said $stored"
[ "$(jq .parse_errors "$T/imp1")" = 0 ] || fail "parse errors on a clean log"

# same file again: nothing new
"$APIARY" import --store "$S" "$LOG" >"$T/imp2" 2>/dev/null || fail "second import"
[ "$(jq .stored "$T/imp2")" = 0 ] || fail "second import stored $(jq .stored "$T/imp2")"
[ "$(jq .duplicates "$T/imp2")" = "$stored" ] || fail "second import duplicates"
[ "$(cnt)" = "$total" ] || fail "count changed after re-import"

# a broken line is counted, not fatal
{ head -5 "$LOG"; echo 'not json'; echo '{"eventid":"cowrie.x"}'; } >"$T/bad.json"
"$APIARY" import --store "sqlite:$T/b.db" --format cowrie "$T/bad.json" >"$T/imp3" 2>/dev/null ||
    fail "import with bad lines"
[ "$(jq .bad_lines "$T/imp3")" = 2 ] || fail "bad lines: $(cat "$T/imp3")"
pass
