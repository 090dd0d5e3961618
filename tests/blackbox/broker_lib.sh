# Helpers for the broker tests (source after lib.sh).
#   start_broker [--set ...]...  starts `apiary server` on loopback port 0
#   sets HP (hpfeeds port), MP (metrics port), D (data dir)
D=$T/d

start_broker() {
    rm -f "$T/ports"
    bg "$APIARY" server --data-dir "$D" --set hpfeeds.listen=127.0.0.1:0 \
        --set metrics.listen=127.0.0.1:0 --set web.listen=127.0.0.1:0 \
        --port-file "$T/ports" "$@" \
        2>>"$T/server.log"
    SERVER_PID=$LAST_PID
    wait_file "$T/ports" 30
    local i
    # the port file is complete once the server logs that it runs
    for ((i = 0; i < 300; i++)); do
        grep -q 'apiary server running' "$T/server.log" && break
        kill -0 "$SERVER_PID" 2>/dev/null || { cat "$T/server.log" >&2; fail "server exited"; }
        sleep 0.1
    done
    HP=$(portfile_get "$T/ports" hpfeeds)
    MP=$(portfile_get "$T/ports" metrics)
    [ -n "$HP" ] && [ -n "$MP" ] || fail "server did not report its ports"
}

# stop_broker: SIGTERM, and the server must exit 0 (under ASan a leak
# or any sanitizer report makes it fail).
stop_broker() {
    local rc=0
    kill "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null || rc=$?
    if [ "$rc" != 0 ]; then
        tail -50 "$T/server.log" >&2
        fail "server exited with status $rc"
    fi
}

ident() { "$APIARY" ident --data-dir "$D" "$@"; }
hpf() { "$APIARY" hpfeeds "$1" --host 127.0.0.1 --port "$HP" "${@:2}"; }
