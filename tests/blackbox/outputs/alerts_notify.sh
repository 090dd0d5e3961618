#!/bin/bash
# Alerting end to end through `apiary relay`: an event on an internal
# sensor reaches a webhook (a python3 HTTP server here) within 1 s; a
# watched credential is mailed through a local SMTP server (header
# injection attempt included); a download runs a command with the alert
# JSON on stdin; a scan is one alert, not one per event; alerts are stored
# and `apiary alerts list|ack` shows and acknowledges them.
. "$(dirname "$0")/../lib.sh"
need /usr/bin/python3 jq
PY=/usr/bin/python3   # Debian's 3.11; the pyenv python3 on PATH may differ
HERE=$(dirname "$0")

bg $PY "$HERE/sinks.py" http "$T/http.port" "$T/hook.jsonl"
bg $PY "$HERE/sinks.py" smtp "$T/smtp.port" "$T/mail.jsonl"
wait_file "$T/http.port"
wait_file "$T/smtp.port"
HP=$(cat "$T/http.port"); SP=$(cat "$T/smtp.port")
cat >"$T/handler.sh" <<SH
#!/bin/sh
cat >>"$T/cmd.jsonl"
SH
chmod +x "$T/handler.sh"

cat >"$T/alerts.conf" <<CONF
[alert internal]
type internal
sensors hr-laptop-honeypot
severity critical
cooldown 1h
notify hook

[alert creds]
type watchlist
usernames svc_backup
severity high
notify mail

[alert downloads]
type download
severity medium
notify run

[alert scan]
type threshold
metric connections
threshold 50
window 60s
cooldown 1h
severity high
notify hook

[notify hook]
type webhook
url http://127.0.0.1:$HP/hooks/apiary

[notify mail]
type email
smtp_host 127.0.0.1
smtp_port $SP
from apiary@example.org
to soc@example.org, oncall@example.org

[notify run]
type command
command $T/handler.sh --from-config
CONF

ev() { # TYPE SENSOR SRC [extra json]
    printf '{"id":"%s","ts":"%s","sensor":"%s","honeypot":"ssh","type":"%s","src_ip":"%s","src_port":40000,"dst_ip":"192.0.2.1","dst_port":22%s}\n' \
        "$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' | cut -c1-26 | tr a-f A-F)" \
        "$(date -u +%Y-%m-%dT%H:%M:%S.%6NZ)" "$2" "$1" "$3" "${4:-}"
}

mkfifo "$T/in"
bg "$APIARY" relay -c "$T/alerts.conf" --data-dir "$T/data" --drain 10 "$T/in"
RELAY=$LAST_PID
exec 3>"$T/in"
sleep 0.5   # relay started and reading

# 1. internal sensor -> webhook within 1 s
line=$(ev connect hr-laptop-honeypot 198.51.100.77)
t0=$(date +%s.%N)
echo "$line" >&3
for ((i = 0; i < 50; i++)); do [ -s "$T/hook.jsonl" ] && break; sleep 0.05; done
[ -s "$T/hook.jsonl" ] || fail "no webhook POST"
t1=$(jq -r .t "$T/hook.jsonl" | head -1)
$PY -c "import sys; d=float(sys.argv[2])-float(sys.argv[1]); print('webhook latency %.3fs' % d); sys.exit(0 if d < 1.0 else 1)" "$t0" "$t1" ||
    fail "webhook later than 1 s"
jq -e 'select(.path == "/hooks/apiary") | .body | fromjson | .rule == "internal" and .severity == "critical" and .src_ip == "198.51.100.77"' \
    "$T/hook.jsonl" >/dev/null || fail "webhook body"

# 2. watched username -> email (the username tries to inject a header)
ev login web-1 198.51.100.78 ',"username":"svc_backup","password":"x\r\nBcc: evil@example.com","success":false' >&3
# 3. download -> command with the alert on stdin
ev download web-1 198.51.100.79 ',"url":"http://198.51.100.79/a.sh"' >&3
# 4. a scan: 200 connections from one source = one alert
for ((i = 0; i < 200; i++)); do ev connect web-2 203.0.113.50; done >&3
exec 3>&-
wait "$RELAY" || fail "relay exit status"

[ -s "$T/mail.jsonl" ] || fail "no mail"
jq -e '.rcpt == ["<soc@example.org>", "<oncall@example.org>"] and (.from == "<apiary@example.org>")' "$T/mail.jsonl" >/dev/null ||
    fail "mail envelope"
jq -r .data "$T/mail.jsonl" >"$T/mail.txt"
grep -q '^Subject: \[apiary high\] Watched username svc_backup tried by 198.51.100.78' "$T/mail.txt" || fail "mail subject"
grep -qi '^Bcc:' "$T/mail.txt" && fail "header injected into the mail"
jq -e '.rule == "downloads" and .event.url == "http://198.51.100.79/a.sh"' "$T/cmd.jsonl" >/dev/null ||
    fail "command did not get the alert JSON"
[ "$(jq -s 'map(.body | fromjson | select(.rule == "scan")) | length' "$T/hook.jsonl")" = 1 ] ||
    fail "scan: want exactly one alert"

# stored, listed, acknowledged
"$APIARY" alerts list --data-dir "$T/data" --json >"$T/list.json" || fail "alerts list"
[ "$(jq length "$T/list.json")" = 4 ] || { cat "$T/list.json"; fail "want 4 open alerts"; }
id=$(jq -r '.[] | select(.rule == "internal") | .id' "$T/list.json")
"$APIARY" alerts ack "$id" --by analyst1 --data-dir "$T/data" || fail "ack"
"$APIARY" alerts ack NOSUCHALERT --data-dir "$T/data" 2>/dev/null && fail "ack of a missing alert succeeded"
[ "$("$APIARY" alerts list --data-dir "$T/data" --json | jq length)" = 3 ] || fail "ack did not close the alert"
"$APIARY" alerts list --all --data-dir "$T/data" | grep -q "internal .*(acked)" || fail "list --all"
pass
