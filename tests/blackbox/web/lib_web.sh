# Helpers for the web tests: start a server with a known admin password,
# log in, call the API.  Source after tests/blackbox/lib.sh.

ADMIN_PW=admin-pass-$$
COWRIE_LOG=${AP_COWRIE_LOG:-/work/shared/data/cowrie/cowrie-2017-11-04.json}
# web_start [extra server args...]: start `apiary server` on a free port;
# sets WEB (base URL) and SRV_PID.
web_start() {
    rm -f "$T/ports"
    local n0
    n0=$(cat "$T/server.log" 2>/dev/null | wc -l)
    bg "$APIARY" server --data-dir "$T/data" --port-file "$T/ports" \
        --set web.listen=127.0.0.1:0 --set "web.admin_password=$ADMIN_PW" \
        --set hpfeeds.listen=127.0.0.1:0 --set metrics.listen=127.0.0.1:0 \
        "$@" 2>>"$T/server.log"
    SRV_PID=$LAST_PID
    local i p=""
    # the port file is complete once the server logs that it runs
    for ((i = 0; i < 600; i++)); do
        tail -n +$((n0 + 1)) "$T/server.log" 2>/dev/null |
            grep -q 'apiary server running' && break
        kill -0 "$SRV_PID" 2>/dev/null || fail "server exited: $(tail -20 "$T/server.log")"
        sleep 0.1
    done
    p=$(portfile_get "$T/ports" web)
    [ -n "$p" ] || fail "no web port in $T/ports"
    WEB=http://127.0.0.1:$p
    HP=$(portfile_get "$T/ports" hpfeeds)
}

# login USER PASS JAR: log in, keep the cookie in JAR, print the CSRF token.
login() {
    local out
    out=$(curl -s -c "$3" -H 'Content-Type: application/json' \
        -d "$(jq -cn --arg u "$1" --arg p "$2" '{username:$u,password:$p}')" \
        "$WEB/api/v1/login") || fail "login request"
    echo "$out" | jq -er .csrf || fail "login as $1 failed: $out"
}

# code METHOD URL [curl args...]: print the HTTP status.
code() {
    local m=$1 u=$2
    shift 2
    curl -s -o /dev/null -w '%{http_code}' -X "$m" "$@" "$u"
}

# web_stop: SIGTERM the server; it must exit 0 with no sanitizer report
# (leaks and races in shutdown are failures too).
web_stop() {
    kill -TERM "$SRV_PID" 2>/dev/null
    local rc=0
    wait "$SRV_PID" || rc=$?
    [ "$rc" = 0 ] || fail "server exited with $rc: $(tail -20 "$T/server.log")"
    if grep -q "Sanitizer" "$T/server.log"; then
        fail "sanitizer report: $(grep -A30 Sanitizer "$T/server.log" | head -40)"
    fi
}
