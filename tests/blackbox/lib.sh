# Shared helpers for black-box tests.  Source it first:
#     . "$(dirname "$0")/lib.sh"
# Provides $APIARY, a private temp dir $T (removed on exit with every
# process started through bg), and helpers below.  Every network test
# uses 127.0.0.1 / ::1 only.
set -u
: "${APIARY:?APIARY must point at the apiary binary}"
T=$(mktemp -d /tmp/apiary-test.XXXXXX)
AP_PIDS=()

cleanup() {
    local p
    for p in "${AP_PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${AP_PIDS[@]}"; do wait "$p" 2>/dev/null; done
    if [ "${AP_KEEP_TMP:-0}" = 1 ]; then echo "kept $T" >&2; else rm -rf "$T"; fi
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "PASS: $(basename "$0")"; exit 0; }

# need CMD...: a test client that must exist.  Missing locally -> skip (77);
# missing in CI (AP_REQUIRE_CLIENTS=1) -> fail.
need() {
    local c
    for c in "$@"; do
        if ! command -v "$c" >/dev/null 2>&1; then
            if [ "${AP_REQUIRE_CLIENTS:-0}" = 1 ]; then fail "required client '$c' is missing"; fi
            echo "SKIP: client '$c' missing" >&2; exit 77
        fi
    done
}

# bg CMD...: start a process in the background, remember it for cleanup.
bg() { "$@" & AP_PIDS+=($!); LAST_PID=$!; }

# wait_file PATH [SECONDS]: wait until PATH exists and is non-empty.
wait_file() {
    local i n=$(( ${2:-10} * 10 ))
    for ((i = 0; i < n; i++)); do [ -s "$1" ] && return 0; sleep 0.1; done
    fail "timed out waiting for $1"
}

# wait_port PORT [HOST]: wait until a TCP port accepts connections.
wait_port() {
    local i
    for ((i = 0; i < 100; i++)); do
        (exec 3<>"/dev/tcp/${2:-127.0.0.1}/$1") 2>/dev/null && return 0
        sleep 0.1
    done
    fail "port $1 never opened"
}

# portfile_get FILE NAME: the port recorded for NAME in a port file.
portfile_get() { awk -v n="$2" '$1 == n { print $2; exit }' "$1"; }
