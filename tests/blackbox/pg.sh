# A throwaway PostgreSQL server for tests (Debian's postgresql-15).
#
# As a command:   bash tests/blackbox/pg.sh run CMD [ARGS...]
#   starts a server, runs CMD with AP_PG_URL_BASE (postgresql://postgres@
#   127.0.0.1:PORT, append /DBNAME) and AP_PG_URL (.../postgres) in its
#   environment, then stops the server, deletes its files and exits with
#   CMD's status.
# Sourced:        . tests/blackbox/pg.sh; pg_start || exit $?; ...; pg_stop
#   (pg_start sets the same variables; call pg_stop from your cleanup).
#
# The server listens on 127.0.0.1 only, on a random free port, with its
# unix socket and data in a private temp dir; fsync is off (test data).
# initdb refuses root, so as root it runs as the `postgres` user.
# PostgreSQL missing: pg_start returns 77 (skip), or fails when
# AP_REQUIRE_CLIENTS=1.

PG_BIN=${PG_BIN:-}
PG_DIR=
AP_PG_URL_BASE=
AP_PG_URL=

pg__find_bin() {
    local d
    if [ -n "$PG_BIN" ] && [ -x "$PG_BIN/initdb" ]; then return 0; fi
    for d in /usr/lib/postgresql/*/bin; do
        [ -x "$d/initdb" ] && PG_BIN=$d
    done
    [ -n "$PG_BIN" ] && [ -x "$PG_BIN/initdb" ]
}

pg__as() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

pg_start() {
    local port try
    if ! pg__find_bin; then
        if [ "${AP_REQUIRE_CLIENTS:-0}" = 1 ]; then
            echo "FAIL: PostgreSQL (initdb) is missing" >&2
            return 1
        fi
        echo "SKIP: PostgreSQL (initdb) is missing" >&2
        return 77
    fi
    PG_DIR=$(mktemp -d /tmp/apiary-pg.XXXXXX) || return 1
    if [ "$(id -u)" = 0 ]; then chown postgres: "$PG_DIR" || return 1; fi
    if ! pg__as "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U postgres \
            -E UTF8 --locale=C --no-sync >"$PG_DIR/initdb.log" 2>&1; then
        cat "$PG_DIR/initdb.log" >&2
        echo "FAIL: initdb" >&2
        return 1
    fi
    for try in 1 2 3 4 5 6 7 8; do
        port=$((20000 + RANDOM % 40000))
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then continue; fi
        if pg__as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" \
                -w -t 120 -o "-p $port -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=32MB -c max_connections=60" \
                start >/dev/null 2>&1; then
            AP_PG_URL_BASE="postgresql://postgres@127.0.0.1:$port"
            AP_PG_URL="$AP_PG_URL_BASE/postgres"
            export AP_PG_URL_BASE AP_PG_URL
            return 0
        fi
    done
    cat "$PG_DIR/server.log" >&2 2>/dev/null
    echo "FAIL: PostgreSQL would not start" >&2
    return 1
}

pg_stop() {
    if [ -n "$PG_DIR" ] && [ -d "$PG_DIR/data" ]; then
        pg__as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w -t 60 \
            stop >/dev/null 2>&1
    fi
    [ -n "$PG_DIR" ] && rm -rf "$PG_DIR"
    PG_DIR=
}

if [ "${1:-}" = run ] && [ "${BASH_SOURCE[0]}" = "$0" ]; then
    shift
    pg_start
    rc=$?
    [ $rc = 0 ] || exit $rc
    trap pg_stop EXIT
    "$@"
    exit $?
fi
