# Sourced by the outputs/alerts tests after lib.sh (D = data dir):
#   start_webhook            sinks.py http on loopback; sets HP, records $T/hook.jsonl
#   add_idents NAME...       idents allowed to publish apiary.events (secret s3cret)
#   start_server CONF        `apiary server` with hpfeeds/metrics/web on port 0 plus
#                            the sections in CONF; sets SERVER and PORT (hpfeeds)
#   publish_as IDENT JSON    one event on apiary.events
#   stop_server              SIGTERM; the server must exit 0 (leaks fail under ASan)
start_webhook() {
    bg /usr/bin/python3 "$(dirname "$0")/sinks.py" http "$T/http.port" "$T/hook.jsonl"
    wait_file "$T/http.port"
    HP=$(cat "$T/http.port")
}

add_idents() {
    local s
    for s in "$@"; do
        "$APIARY" ident --data-dir "$D" add "$s" --secret s3cret --publish apiary.events \
            >/dev/null || fail "ident add $s"
    done
}

start_server() {
    local i
    { printf '[hpfeeds]\nlisten 127.0.0.1:0\n[metrics]\nlisten 127.0.0.1:0\n'
      printf '[web]\nlisten 127.0.0.1:0\n\n'; cat "$1"; } >"$T/server.conf"
    bg "$APIARY" server -c "$T/server.conf" --data-dir "$D" --port-file "$T/ports" 2>"$T/server.log"
    SERVER=$LAST_PID
    wait_file "$T/ports" 30
    for ((i = 0; i < 300; i++)); do grep -q 'apiary server running' "$T/server.log" && break; sleep 0.1; done
    PORT=$(portfile_get "$T/ports" hpfeeds)
    [ -n "$PORT" ] || { cat "$T/server.log"; fail "no hpfeeds port"; }
}

publish_as() {
    "$APIARY" hpfeeds publish --host 127.0.0.1 --port "$PORT" -i "$1" -s s3cret \
        -c apiary.events "$2" || fail "publish"
}

stop_server() {
    kill -TERM "$SERVER"
    wait "$SERVER" || { tail -30 "$T/server.log" >&2; fail "server exit status"; }
}

# hook_count COND: webhook alerts matching the jq condition COND (a line
# still being written is skipped, not an error)
hook_count() {
    [ -s "$T/hook.jsonl" ] || { echo 0; return; }
    jq -R -s "[split(\"\\n\")[] | fromjson? | .body | fromjson | select($1)] | length" "$T/hook.jsonl"
}
