# Shared by the ssh_*.sh and telnet.sh black-box tests: start a sensor
# with the ssh and telnet modules on loopback ports, and event helpers.
# Source after tests/blackbox/lib.sh.

# start_sensor NAME [EXTRA CONFIG LINES for both modules]
# (SENSOR_TOP: extra lines for the top-level section)
start_sensor() {
    EV=$T/events.jsonl
    STATE=$T/state
    cat > "$T/sensor.conf" <<CONF
name $1
allow_root yes
events_file $EV
state_dir $STATE
spool_dir $T/spool
source_max_conns 1000
source_rate 100000
source_burst 100000
${SENSOR_TOP:-}
[ssh]
listen 127.0.0.1:0
hostname web-07
fail_delay_ms ${FAIL_DELAY_MS:-300}
${2:-}
[telnet]
listen 127.0.0.1:0
hostname web-07
fail_delay_ms ${FAIL_DELAY_MS:-300}
${2:-}
CONF
    bg "$APIARY" sensor -c "$T/sensor.conf" --port-file "$T/ports"
    SENSOR_PID=$LAST_PID
    wait_file "$T/ports" 20
    SSH_PORT=$(portfile_get "$T/ports" ssh)
    TELNET_PORT=$(portfile_get "$T/ports" telnet)
    [ -n "$SSH_PORT" ] && [ -n "$TELNET_PORT" ] || fail "ports: $(cat "$T/ports")"
}

SSH_OPTS=(-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
          -o LogLevel=ERROR -o ConnectTimeout=20)

# wait_events JQ_FILTER [SECONDS]: until the filter (over the slurped
# events) is true.
wait_events() {
    local i n=$(( ${2:-20} * 5 ))
    for ((i = 0; i < n; i++)); do
        [ -s "$EV" ] && jq -e -s "$1" "$EV" >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    fail "events never matched: $1"
}

# ev_count JQ_SELECT: how many events match.
ev_count() { jq -s "[.[] | select($1)] | length" "$EV"; }
