#!/bin/bash
# Alert rules in server.db, edited while `apiary server` runs: config
# rules are listed read-only; a rule added with `apiary alerts rules add`
# fires without a restart; `set` changes it live (the old watch list no
# longer fires); `delete` removes it; invalid settings are refused with
# the config parser's message.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/server_lib.sh"
need /usr/bin/python3 jq
D="$T/d"
mkdir -p "$D"
R() { "$APIARY" alerts rules "$@" --data-dir "$D"; }

start_webhook
add_idents hr-laptop web-1
cat >"$T/rules.conf" <<CONF
[alert cfgrule]
type internal
sensors hr-laptop
severity critical

[notify hook]
type webhook
url http://127.0.0.1:$HP/alert
CONF
start_server "$T/rules.conf"

n=0
publish() { # SENSOR USERNAME SRC
    n=$((n + 1))
    local ev
    ev='{"id":"01JAPX4RYRXKESDB0000000'$(printf %03d $n)'","ts":"'$(date -u +%Y-%m-%dT%H:%M:%S.%6NZ)'","sensor":"'$1'","honeypot":"ssh","type":"login","src_ip":"'$3'","src_port":51000,"dst_ip":"10.0.0.5","dst_port":22,"protocol":"ssh","username":"'$2'","password":"x","success":false}'
    publish_as "$1" "$ev"
}
rule_hooks() { # RULE [SRC]
    hook_count ".rule == \"$1\" and (\"${2:-}\" == \"\" or .src_ip == \"${2:-}\")"
}
wait_hook() { # RULE SRC
    local i
    for ((i = 0; i < 100; i++)); do [ "$(rule_hooks "$1" "$2")" -ge 1 ] && return 0; sleep 0.1; done
    cat "$T/server.log" >&2
    fail "no webhook for rule $1 from $2"
}
reloads() { grep -c 'alerts: rules reloaded' "$T/server.log"; }
wait_reload() { # COUNT
    local i
    for ((i = 0; i < 100; i++)); do [ "$(reloads)" -ge "$1" ] && return 0; sleep 0.1; done
    fail "rules not reloaded"
}

# the config rule is listed, read-only
R list --json >"$T/rules.json" || fail "rules list"
jq -e 'length == 1 and .[0].name == "cfgrule" and .[0].source == "config" and
       .[0].editable == false and .[0].settings.severity == "critical" and
       .[0].settings.sensors == ["hr-laptop"]' "$T/rules.json" >/dev/null ||
    fail "config rule listing: $(cat "$T/rules.json")"
R set cfgrule severity=low 2>"$T/err" && fail "a config rule was changed"
grep -q 'read-only' "$T/err" || fail "read-only message: $(cat "$T/err")"
R delete cfgrule 2>/dev/null && fail "a config rule was deleted"
R add cfgrule type=download 2>/dev/null && fail "a config rule name was taken"

# invalid settings: the config parser's messages
R add bad type=threshold metric=bogus 2>"$T/err" && fail "bad metric accepted"
grep -q 'metric must be' "$T/err" || fail "metric message: $(cat "$T/err")"
R add bad type=threshold window=soon 2>"$T/err" && fail "bad window accepted"
R add 'bad name' type=download 2>/dev/null && fail "bad name accepted"
R check ok type=watchlist usernames=a || fail "check of a good rule"

# add while running: live within about a second
base=$(reloads)
R add creds type=watchlist usernames=svc_backup usernames=oracle severity=high || fail "rules add"
R show creds | jq -e '.source == "db" and .editable and .settings.usernames == ["svc_backup", "oracle"]' \
    >/dev/null || fail "rules show"
wait_reload $((base + 1))
publish web-1 oracle 198.51.100.1
wait_hook creds 198.51.100.1
publish hr-laptop root 198.51.100.9
wait_hook cfgrule 198.51.100.9

# set: a new watch list; the old names no longer fire
R set creds usernames=admin || fail "rules set"
wait_reload $((base + 2))
publish web-1 oracle 198.51.100.2
publish web-1 admin 198.51.100.3
wait_hook creds 198.51.100.3
[ "$(rule_hooks creds 198.51.100.2)" = 0 ] || fail "the old watch list still fired"
jq -e '.[0].settings.usernames == ["admin"] and .[0].settings.severity == "high"' \
    <(R list --json | jq '[.[] | select(.name == "creds")]') >/dev/null || fail "set merged wrongly"

# delete: gone from the engine too
R delete creds || fail "rules delete"
R show creds 2>/dev/null && fail "deleted rule still shown"
wait_reload $((base + 3))
publish web-1 admin 198.51.100.4
publish hr-laptop root 198.51.100.10
wait_hook cfgrule 198.51.100.10
[ "$(rule_hooks creds 198.51.100.4)" = 0 ] || fail "a deleted rule fired"

stop_server
pass
