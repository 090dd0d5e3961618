#!/bin/bash
# store_bench_pg: store_bench against a throwaway PostgreSQL (the test
# helper's: 127.0.0.1, fsync off, 32 MB shared_buffers), reporting the
# server's CPU next to the client's (the insert cost is mostly in the
# server, which shares the same cores).
#
#   bench/store_bench_pg.sh STORE_BENCH EVENTS [store_bench args...]
set -eu
SB=$1 N=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
exec bash "$here/../tests/blackbox/pg.sh" run bash -c '
    sb=$1 n=$2; shift 2
    port=${AP_PG_URL_BASE##*:}
    pm=$(ss -Hltnp "sport = :$port" | grep -o "pid=[0-9]*" | head -1 | cut -d= -f2)
    cpu() { # postmaster + exited (reaped) and live backends, in seconds
        local t=0 p
        for p in $pm $(pgrep -P "$pm"); do
            t=$((t + $(awk "{print \$14+\$15+\$16+\$17}" /proc/$p/stat 2>/dev/null || echo 0)))
        done
        echo $((t / $(getconf CLK_TCK)))
    }
    c0=$(cpu)
    /usr/bin/time -f "client: %e s wall, %U s user, %S s sys" "$sb" --store "$AP_PG_URL" --events "$n" "$@"
    echo "server CPU: $(( $(cpu) - c0 )) s (postmaster and backends)"
' sb "$SB" "$N" "$@"
