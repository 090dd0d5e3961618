#!/bin/bash
# Headless Chromium against the real server: log in, dashboard figures,
# an event published over hpfeeds during the test shows up on the
# dashboard and the live map without a reload, replay, attacker profile,
# session detail; an attacker username/command carrying HTML is shown as
# text on every page and no script runs.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web/lib_web.sh"
need curl jq python3 chromium
[ -r "$COWRIE_LOG" ] || fail "cowrie log $COWRIE_LOG missing"
mkdir -p "$T/data"

# A recent session whose username and command carry HTML.
XSS_IP=203.0.113.66
XSS_SESSION=abcdef012345
python3 - "$T/xss.json" "$XSS_IP" "$XSS_SESSION" <<'PY'
import datetime, json, sys
path, ip, sess = sys.argv[1:4]
t = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)
def ts(s): return (t + datetime.timedelta(seconds=s)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
base = {"session": sess, "src_ip": ip, "src_port": 40000, "dst_ip": "10.0.0.5",
        "dst_port": 22, "sensor": "x"}
evs = [
    {"eventid": "cowrie.session.connect", "timestamp": ts(0)},
    {"eventid": "cowrie.login.failed", "timestamp": ts(1),
     "username": "<img src=x onerror=alert(1)>", "password": "<b>pw</b>"},
    {"eventid": "cowrie.login.success", "timestamp": ts(2),
     "username": "<img src=x onerror=alert(1)>", "password": "x"},
    {"eventid": "cowrie.command.input", "timestamp": ts(3),
     "input": "<script>alert(2)</script>"},
    {"eventid": "cowrie.session.closed", "timestamp": ts(4), "duration": 4},
]
with open(path, "w") as f:
    for e in evs:
        f.write(json.dumps({**base, **e}) + "\n")
PY
"$APIARY" import --store "sqlite:$T/data/events.db" --ident cowrie1 \
    "$COWRIE_LOG" "$T/xss.json" >"$T/import.out" 2>&1 || fail "import: $(cat "$T/import.out")"
"$APIARY" ident --data-dir "$T/data" add live1 --secret "live-secret-$$" \
    --publish cowrie.sessions >/dev/null || fail "ident add"
web_start
[ -n "$HP" ] || fail "no hpfeeds port"

# publish IP: one cowrie session from IP, as cowrie's hpfeeds3 output.
cat >"$T/publish.sh" <<EOS
#!/bin/bash
now=\$(date -u +%Y-%m-%dT%H:%M:%S.000000Z)
p=\$(printf '{"session":"%s","startTime":"%s","endTime":"%s","peerIP":"%s","peerPort":5555,"hostIP":"10.0.0.5","hostPort":22,"loggedin":null,"credentials":[["root","live"]],"commands":[],"unknownCommands":[],"urls":[],"version":"SSH-2.0-Go","ttylog":null,"hashes":[],"protocol":"ssh"}' \
    "\$(head -c6 /dev/urandom | od -An -tx1 | tr -d ' \n')" "\$now" "\$now" "\$1")
exec "$APIARY" hpfeeds publish --host 127.0.0.1 --port $HP -i live1 -s "live-secret-$$" -c cowrie.sessions "\$p"
EOS
chmod +x "$T/publish.sh"

cd "$(dirname "$0")/web" || fail "cd"
timeout 270 python3 browser_scenario.py "$WEB" "$ADMIN_PW" "$T/publish.sh" \
    "$XSS_IP" "$XSS_SESSION" cowrie1 >"$T/scenario.out" 2>&1 ||
    fail "browser scenario: $(tail -30 "$T/scenario.out")"
grep -q "browser scenario ok" "$T/scenario.out" || fail "scenario did not finish"
web_stop
pass
