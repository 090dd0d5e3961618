#!/bin/bash
# Splunk HTTP Event Collector output against a local receiver written
# here (python3 on 127.0.0.1) that checks what Splunk checks: the
# "Authorization: Splunk TOKEN" header, a POST to the collector path, a
# body of concatenated HEC event objects ({time (epoch seconds), host,
# source, sourcetype, event}).  The first POST is refused with 503 (Splunk
# "server busy"): the output retries and loses nothing.  Every real event
# arrives exactly once per output (JSON and Splunk key=value bodies); an
# output with a wrong token gets 403 and delivers nothing.
. "$(dirname "$0")/../lib.sh"
need /usr/bin/python3 jq
PY=/usr/bin/python3
EVENTS="$AP_SRC/tests/data/outputs/events.jsonl"
N=$(wc -l <"$EVENTS")

cat >"$T/hec.py" <<'PY'
import http.server, json, sys, threading, time, os
portfile, out = sys.argv[1], sys.argv[2]
TOKENS = {"/services/collector/event": "11111111-2222-3333-4444-555555555555",
          "/splunk/services/collector/event": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"}
lock = threading.Lock()
state = {"posts": 0}
def rec(o):
    with lock:
        with open(out, "a") as f:
            f.write(json.dumps(o) + "\n")
def objects(body):
    """HEC batches are JSON objects one after another (whitespace allowed)."""
    dec, i, res = json.JSONDecoder(), 0, []
    while True:
        while i < len(body) and body[i] in " \t\r\n":
            i += 1
        if i == len(body):
            return res
        o, i = dec.raw_decode(body, i)
        res.append(o)
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def reply(self, code, obj):
        b = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)
    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n).decode("utf-8")
        tok = TOKENS.get(self.path)
        if tok is None:
            rec({"error": "path", "path": self.path}); return self.reply(404, {"text": "not found", "code": 404})
        auth = self.headers.get("Authorization", "")
        if auth != "Splunk " + tok:
            rec({"rejected": self.path, "auth": auth}); return self.reply(403, {"text": "Invalid token", "code": 4})
        with lock:
            state["posts"] += 1
            first = state["posts"] == 1
        if first:
            rec({"busy": self.path}); return self.reply(503, {"text": "Server is busy", "code": 9})
        try:
            objs = objects(body)
        except ValueError as e:
            rec({"error": "json: %s" % e, "body": body[:200]}); return self.reply(400, {"text": "Invalid data format", "code": 6})
        for o in objs:
            bad = [k for k in ("time", "host", "source", "sourcetype", "event") if k not in o]
            if bad or not isinstance(o["time"], (int, float)) or set(o) - {"time", "host", "source", "sourcetype", "event", "index", "fields"}:
                rec({"error": "shape", "obj": o}); return self.reply(400, {"text": "Invalid data format", "code": 6})
            rec({"path": self.path, "ctype": self.headers.get("Content-Type"), "hec": o})
        self.reply(200, {"text": "Success", "code": 0})
    def log_message(self, *a):
        pass
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
threading.Thread(target=srv.serve_forever, daemon=True).start()
open(portfile + ".tmp", "w").write(str(srv.server_address[1])); os.rename(portfile + ".tmp", portfile)
time.sleep(120)
PY
bg $PY "$T/hec.py" "$T/hec.port" "$T/got.jsonl"
wait_file "$T/hec.port"
P=$(cat "$T/hec.port")

cat >"$T/relay.conf" <<CONF
[output hec-json]
type splunk_hec
url http://127.0.0.1:$P/services/collector/event
token 11111111-2222-3333-4444-555555555555
format json
batch_bytes 4096

[output hec-kv]
type splunk_hec
url http://127.0.0.1:$P/splunk/services/collector/event
token aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee
format splunk

[output hec-badtoken]
type splunk_hec
url http://127.0.0.1:$P/services/collector/event
token 00000000-0000-0000-0000-000000000000
format json
CONF
"$APIARY" relay -c "$T/relay.conf" --drain 8 "$EVENTS" 2>"$T/relay.log" || true

jq -e 'select(has("error"))' "$T/got.jsonl" >"$T/errors" && fail "receiver refused: $(head -c 600 "$T/errors")"
grep -q '"busy"' "$T/got.jsonl" || fail "the 503 was never tried"
grep -q '"rejected"' "$T/got.jsonl" || fail "the wrong token never reached the receiver"
# JSON bodies: every event exactly once, as the event object
jq -s -e --argjson n "$N" '[.[] | select(.path == "/services/collector/event")] |
    length == $n and ([.[].hec.event.id] | unique | length) == $n and
    all(.[]; .hec.sourcetype == "_json" and .hec.source == "apiary" and .ctype == "application/json" and
             (.hec.event | type) == "object")' "$T/got.jsonl" >/dev/null ||
    fail "hec-json: want $N distinct events"
diff <(jq -r .id "$EVENTS" | sort) \
     <(jq -r 'select(.path == "/services/collector/event") | .hec.event.id' "$T/got.jsonl" | sort) ||
    fail "hec-json: events differ"
# time is the event's own time in epoch seconds
jq -s -e '[.[] | select(.path == "/services/collector/event") | .hec] |
    all(.[]; (.time - (.event.ts | sub("\\.[0-9]+Z$"; "Z") | fromdateiso8601)) | fabs < 1)' "$T/got.jsonl" >/dev/null ||
    fail "hec time is not the event time"
# key=value bodies (MHN field names): every event once
jq -s -e --argjson n "$N" '[.[] | select(.path == "/splunk/services/collector/event")] |
    length == $n and all(.[]; (.hec.event | type) == "string" and (.hec.event | test("event_id=\"")))' \
    "$T/got.jsonl" >/dev/null || fail "hec-kv: want $N key=value events"
pass
