#!/bin/bash
# web_bench: latency of every page's data request with a big store.
#
#   bench/web_bench.sh APIARY STORE_BENCH EVENTS [RUNS] [DIR]
#
# Fills a SQLite store with EVENTS synthetic events (store_bench, the
# store engineer's generator: Zipf sources, ports, credentials ... over
# the last 30 days), starts `apiary server` on it (web on 127.0.0.1, a
# free port), then times each API request the pages make with curl
# (median and max of RUNS runs, default 5).  Reuses DIR/b.db if present.
set -eu
APIARY=$1 STORE_BENCH=$2 EVENTS=$3 RUNS=${4:-5}
TMPDIR_OWNED=""
if [ -n "${5:-}" ]; then DIR=$5; else DIR=$(mktemp -d /tmp/web-bench.XXXXXX); TMPDIR_OWNED=$DIR; fi
mkdir -p "$DIR/data"
if [ ! -s "$DIR/b.db" ]; then
    echo "generating $EVENTS events in $DIR/b.db ..." >&2
    "$STORE_BENCH" --store "sqlite:$DIR/b.db" --events "$EVENTS" --runs 1 >&2
fi
rm -f "$DIR/ports"
"$APIARY" server --data-dir "$DIR/data" --port-file "$DIR/ports" \
    --set "store.url=sqlite:$DIR/b.db" --set web.listen=127.0.0.1:0 \
    --set hpfeeds.listen=127.0.0.1:0 --set metrics.listen=127.0.0.1:0 \
    --set web.admin_password=bench-password-1 2>>"$DIR/server.log" &
SRV=$!
trap 'kill $SRV 2>/dev/null; wait $SRV 2>/dev/null; [ -z "$TMPDIR_OWNED" ] || rm -rf "$TMPDIR_OWNED"' EXIT
for _ in $(seq 600); do
    grep -q '^web ' "$DIR/ports" 2>/dev/null && break
    sleep 0.1
done
WEB=http://127.0.0.1:$(awk '$1 == "web" { print $2 }' "$DIR/ports")
JAR=$DIR/jar
curl -sf -c "$JAR" -H 'Content-Type: application/json' \
    -d '{"username":"admin","password":"bench-password-1"}' "$WEB/api/v1/login" >/dev/null
IP=$(curl -sf -b "$JAR" "$WEB/api/v1/top/src_ip?hours=720&limit=1" | jq -r '.data[0].value')
EV=$(curl -sf -b "$JAR" "$WEB/api/v1/events?limit=1&count=0&type=login" | jq -c '.data[0]')
SESS=$(echo "$EV" | jq -r .session)
SENSOR=$(echo "$EV" | jq -r .sensor)

# Non-time sorts order the matching events themselves (at most 100 000):
# a window holding ~90 000 of the generated events (spread over 30 days)
# is their worst case.
SORT_H=$((90000 * 720 / EVENTS))
[ "$SORT_H" -ge 1 ] || SORT_H=1

# page: request (what the page loads)
REQS=(
    "dashboard|/api/v1/summary?hours=24"
    "dashboard-30d|/api/v1/summary?hours=720"
    "search|/api/v1/events?limit=50"
    "search-filtered|/api/v1/events?limit=50&port=22&hours=720"
    "search-page-20|/api/v1/events?limit=50&offset=1000"
    "search-sort-ip|/api/v1/events?limit=50&count=0&sort=src_ip&hours=$SORT_H"
    "search-sort-port|/api/v1/events?limit=50&count=0&sort=port&order=asc&hours=$SORT_H"
    "search-sort-country|/api/v1/events?limit=50&count=0&sort=country&hours=$SORT_H"
    "attacker|/api/v1/attacker/$IP"
    "session|/api/v1/session/$SESS?sensor=$SENSOR"
    "credentials|/api/v1/credentials?hours=168&limit=25"
    "files|/api/v1/files?limit=100"
    "sensors|/api/v1/sensors"
    "map-replay|/api/v1/events?since=$(date -u -d '-2 hours' +%s)&order=asc&limit=1000&count=0"
    "top-ports-30d|/api/v1/top/dst_port?hours=720"
    "mhn-session|/api/session/?hours_ago=24&limit=100"
    "mhn-top_attackers|/api/top_attackers/?hours_ago=4&limit=100"
    "mhn-attacker_stats|/api/attacker_stats/$IP/"
    "mhn-intel_feed|/api/intel_feed/?hours_ago=4&limit=100"
)
printf '%-20s %10s %10s %8s\n' request median_ms max_ms bytes
for r in "${REQS[@]}"; do
    name=${r%%|*} path=${r#*|}
    times=()
    for _ in $(seq "$RUNS"); do
        out=$(curl -s -o "$DIR/body" -w '%{http_code} %{time_total} %{size_download}' -b "$JAR" "$WEB$path")
        set -- $out
        [ "$1" = 200 ] || { echo "$name: HTTP $1: $(head -c 200 "$DIR/body")" >&2; exit 1; }
        times+=("$2")
        bytes=$3
    done
    sorted=$(printf '%s\n' "${times[@]}" | sort -n)
    med=$(echo "$sorted" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] * 1000 }')
    max=$(echo "$sorted" | tail -1 | awk '{ print $1 * 1000 }')
    printf '%-20s %10.1f %10.1f %8s\n' "$name" "$med" "$max" "$bytes"
done
