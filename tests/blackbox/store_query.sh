#!/bin/bash
# `apiary query` and the store component, on both engines: real cowrie
# traffic imported with `apiary import`, then every query command checked
# against an independent reading of the same data (sqlite3 / psql on the
# tables, jq on the JSON), usage errors, and the server creating its store.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg.sh"
need sqlite3 jq psql

LOG=${AP_COWRIE_LOG:-/work/shared/data/cowrie/cowrie-2017-11-04.json}
if [ ! -r "$LOG" ]; then
    [ "${AP_REQUIRE_CLIENTS:-0}" = 1 ] && fail "cowrie log $LOG missing"
    echo "SKIP: no cowrie log" >&2; exit 77
fi
head -n 3000 "$LOG" >"$T/cowrie.json"

q() { "$APIARY" query "$@"; }

# --- usage ---
q count >/dev/null 2>&1; [ $? = 2 ] || fail "no --store: want exit 2"
q --store "$T/x.db" >/dev/null 2>&1; [ $? = 2 ] || fail "no command: want 2"
q --store "$T/x.db" --since yesterday-ish count >/dev/null 2>&1
[ $? = 2 ] || fail "bad time: want 2"
q --store "$T/x.db" --port 70000 count >/dev/null 2>&1
[ $? = 2 ] || fail "bad port: want 2"
q --store "$T/x.db" top 'src_ip;drop' >/dev/null 2>&1
[ $? = 1 ] || fail "unknown dimension: want 1"
[ "$(q --store "$T/x.db" count)" = '{"count":0}' ] || fail "empty store count"

check_engine() {
    local url=$1 sql=$2 n m
    "$APIARY" import --store "$url" --ident bb "$T/cowrie.json" \
        >"$T/import.out" 2>&1 || { cat "$T/import.out"; fail "import into $url"; }
    n=$(q --store "$url" count | jq .count)
    m=$($sql "SELECT COUNT(*) FROM events")
    [ "$n" -gt 100 ] && [ "$n" = "$m" ] || fail "$url count $n, table has $m"
    # importing again stores nothing new
    "$APIARY" import --store "$url" --ident bb "$T/cowrie.json" >/dev/null 2>&1
    [ "$(q --store "$url" count | jq .count)" = "$n" ] || fail "$url: re-import duplicated events"
    # top src_ip and username agree with the table
    q --store "$url" --limit 5 top src_ip | jq -r '.[] | "\(.value) \(.count)"' >"$T/top.q"
    $sql "SELECT src_ip, COUNT(*) FROM events WHERE src_ip IS NOT NULL GROUP BY src_ip ORDER BY 2 DESC, 1 LIMIT 5" |
        tr '|' ' ' >"$T/top.s"
    diff <(awk '{print $2}' "$T/top.q") <(awk '{print $2}' "$T/top.s") >/dev/null ||
        { paste "$T/top.q" "$T/top.s"; fail "$url top src_ip counts"; }
    q --store "$url" --limit 1000 top username | jq '[.[].count] | add' >"$T/u.q"
    $sql "SELECT COUNT(*) FROM events WHERE username IS NOT NULL" >"$T/u.s"
    diff "$T/u.q" "$T/u.s" >/dev/null || fail "$url username total $(cat "$T/u.q") vs $(cat "$T/u.s")"
    # one IP: events, count and profile agree
    local ip
    ip=$(head -n1 "$T/top.q" | cut -d' ' -f1)
    n=$(q --store "$url" --src-ip "$ip" count | jq .count)
    [ "$(q --store "$url" --src-ip "$ip" --limit 1000 events | jq length)" = "$(( n < 1000 ? n : 1000 ))" ] ||
        fail "$url events of $ip"
    [ "$(q --store "$url" profile "$ip" | jq .events)" = "$n" ] || fail "$url profile events"
    q --store "$url" --src-ip "$ip" --limit 1000 events | jq -e --arg ip "$ip" 'all(.[]; .src_ip == $ip)' >/dev/null ||
        fail "$url events filter"
    # a session and its timeline
    local s
    s=$(q --store "$url" --limit 1 sessions | jq -r '.[0].session')
    [ -n "$s" ] && [ "$s" != null ] || fail "$url sessions"
    q --store "$url" session bb "$s" | jq -e --arg s "$s" '.timeline | length > 0 and all(.[]; .session == $s)' >/dev/null ||
        fail "$url session timeline"
    q --store "$url" credentials | jq -e '.usernames | length > 0' >/dev/null || fail "$url credentials"
    q --store "$url" --since 3000d timeseries --bucket 60 2>/dev/null >/dev/null
    [ $? = 1 ] || fail "$url: too many buckets must fail"
    q --store "$url" raw-errors | jq -e 'type == "array"' >/dev/null || fail "$url raw-errors"
}

check_engine "sqlite:$T/e.db" "sqlite3 $T/e.db"
[ "$(stat -c %a "$T/e.db")" = 600 ] || fail "events.db is not mode 0600"

pg_start || exit $?
trap 'pg_stop; cleanup' EXIT
check_engine "$AP_PG_URL" "psql -qtAX -d $AP_PG_URL -c"

# --- the server's store component: default url under data_dir ---
"$APIARY" server --data-dir "$T/srv" --dump-config | grep -q '^\[store\]' || fail "no [store] section"
"$APIARY" server --data-dir "$T/srv" --dump-config | grep -q '^retention_days 0$' || fail "retention_days default"
bg "$APIARY" server --data-dir "$T/srv" --port-file "$T/ports" \
    --set hpfeeds.listen=127.0.0.1:0 --set metrics.listen=127.0.0.1:0 \
    --set web.listen=127.0.0.1:0 --set store.retention_days=30 2>"$T/server.log"
wait_file "$T/ports" 60
[ -s "$T/srv/events.db" ] || fail "server did not create events.db"
grep -q "store: sqlite engine" "$T/server.log" || fail "store start not logged"
kill "$LAST_PID"; wait "$LAST_PID"
"$APIARY" server --data-dir "$T/srv2" --set store.url=postgresql://nobody@127.0.0.1:1/x \
    --set hpfeeds.listen=127.0.0.1:0 --set metrics.listen=127.0.0.1:0 \
    --set web.listen=127.0.0.1:0 2>"$T/bad.log" && fail "unreachable PostgreSQL must fail"
grep -q "store: postgresql:" "$T/bad.log" || { cat "$T/bad.log"; fail "no store error"; }
pass
