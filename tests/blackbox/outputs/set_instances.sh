#!/bin/bash
# `apiary server --set` reaches instance sections: an [output NAME] and an
# [alert NAME] of the config file are changed (--dump-config shows the
# effective values), a new instance can be made from the command line, and
# mistakes are reported with the spec.
. "$(dirname "$0")/../lib.sh"
cat >"$T/server.conf" <<CONF
[output splunk]
type file
format splunk
path $T/old.log

[alert scan.ports]
type threshold
metric ports
threshold 20
CONF
"$APIARY" server -c "$T/server.conf" --data-dir "$T/d" --dump-config \
    --set output.splunk.path="$T/new.log" --set alert.scan.ports.threshold=55 \
    --set alert.extra.type=download >"$T/dump" 2>"$T/err" || fail "dump-config: $(cat "$T/err")"
awk '/^\[output splunk\]/ { s = 1; next } /^\[/ { s = 0 } s && $1 == "path" { print $2 }' "$T/dump" |
    grep -qx "$T/new.log" || fail "output path not overridden"
grep -c "old.log" "$T/dump" | grep -qx 0 || fail "old path still there"
awk '/^\[alert scan.ports\]/ { s = 1; next } /^\[/ { s = 0 } s && $1 == "threshold" { print $2 }' "$T/dump" |
    grep -qx 55 || fail "alert threshold not overridden"
awk '/^\[alert extra\]/ { s = 1; next } /^\[/ { s = 0 } s && $1 == "type" { print $2 }' "$T/dump" |
    grep -qx download || fail "new alert instance not created"
"$APIARY" server -c "$T/server.conf" --data-dir "$T/d" --dump-config \
    --set alert.scan.ports.threshold=0 2>"$T/err" >/dev/null && fail "out-of-range value accepted"
grep -q -- '--set alert.scan.ports.threshold=0' "$T/err" || fail "error names the spec: $(cat "$T/err")"
"$APIARY" server -c "$T/server.conf" --data-dir "$T/d" --dump-config \
    --set output.path=x 2>"$T/err" >/dev/null && fail "instance without a name accepted"
grep -q 'expected output.NAME.KEY=VALUE' "$T/err" || fail "message: $(cat "$T/err")"
pass
