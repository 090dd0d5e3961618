#!/bin/bash
# The API over a store filled by `apiary import` with a real cowrie log:
# every figure the API returns must equal what this test computes from
# the log itself (python3), for the v1 API and the MHN endpoints.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web/lib_web.sh"
need curl jq python3
[ -r "$COWRIE_LOG" ] || fail "cowrie log $COWRIE_LOG missing"
mkdir -p "$T/data"
"$APIARY" import --store "sqlite:$T/data/events.db" --ident cowrie1 \
    "$COWRIE_LOG" >"$T/import.out" 2>&1 || fail "import: $(cat "$T/import.out")"
"$APIARY" ident --data-dir "$T/data" add sens-a --secret "topsecret-$$" \
    --publish cowrie.sessions >/dev/null || fail "ident add"
web_start

python3 - "$COWRIE_LOG" >"$T/expect" <<'PY'
import collections, json, sys
conn = collections.Counter()      # connects per source IP
sess_ip, sess_cmds = {}, collections.defaultdict(list)
typed = collections.defaultdict(list)
users, pws, pairs = collections.Counter(), collections.Counter(), collections.Counter()
logins = 0
shas = set()
for line in open(sys.argv[1]):
    e = json.loads(line)
    k = e["eventid"]
    if k == "cowrie.session.connect":
        conn[e["src_ip"]] += 1
        sess_ip[e["session"]] = e["src_ip"]
    elif k in ("cowrie.login.failed", "cowrie.login.success"):
        logins += 1
        u, p = e.get("username") or "", e.get("password") or ""
        users[u] += 1; pws[p] += 1; pairs[(u, p)] += 1
    elif k == "cowrie.command.input" and e["input"]:
        sess_cmds[e["session"]].append(e["input"])
        typed[e["session"]].append(e["input"])
    elif k == "cowrie.command.failed" and e["input"]:
        # as the cowrie adapter: a failed part of "a; b" that is not a
        # whole typed line is a command of its own
        if e["input"] in typed[e["session"]]:
            typed[e["session"]].remove(e["input"])
        else:
            sess_cmds[e["session"]].append(e["input"])
    elif k == "cowrie.session.file_download" and e.get("shasum"):
        shas.add(e["shasum"])
def top(c, n):
    return [{"value": v, "count": n_} for v, n_ in
            sorted(c.items(), key=lambda kv: (-kv[1], str(kv[0]).encode()))[:n]]
top_ip = top(conn, 1)[0]
busy = max(sess_cmds, key=lambda s: (len(sess_cmds[s]), s))
print(json.dumps({
    "sessions": sum(conn.values()), "ips": len(conn), "logins": logins,
    "top_ip": top_ip["value"], "top_ip_sessions": top_ip["count"],
    "top_ips": top(conn, 5),
    "top_users": top(users, 10), "top_passwords": top(pws, 10),
    "pairs": sorted([[u, p, n] for (u, p), n in pairs.items()],
                    key=lambda r: (-r[2], (r[0] + ":" + r[1]).encode()))[:10],
    "busy_session": busy, "busy_ip": sess_ip.get(busy, ""),
    "busy_commands": sorted(sess_cmds[busy]), "shas": sorted(shas)}))
PY
exp() { jq -c ".$1" "$T/expect"; }
expr_() { jq -r ".$1" "$T/expect"; }

CSRF=$(login admin "$ADMIN_PW" "$T/jar")
KEY=$(curl -s -b "$T/jar" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json' \
    -d '{"label":"test"}' "$WEB/api/v1/apikeys" | jq -er .key) || fail "api key"
W="since=2017-11-04T00:00:00Z&until=2017-11-06T00:00:00Z"
get() { curl -sf -H "Authorization: Bearer $KEY" "$WEB$1" || fail "GET $1"; }

# v1: counts and top lists.
[ "$(get "/api/v1/events?type=connect&$W&limit=1" | jq .meta.total)" = "$(exp sessions)" ] ||
    fail "sessions: $(get "/api/v1/events?type=connect&$W&limit=1" | jq .meta.total) != $(exp sessions)"
[ "$(get "/api/v1/events?type=login&$W&limit=1" | jq .meta.total)" = "$(exp logins)" ] || fail "logins"
[ "$(get "/api/v1/top/src_ip?type=connect&$W&limit=1000" | jq '.data | length')" = "$(exp ips)" ] ||
    fail "distinct IPs"
[ "$(get "/api/v1/top/src_ip?type=connect&$W&limit=5" | jq -c .data)" = "$(exp top_ips)" ] ||
    fail "top IPs: $(get "/api/v1/top/src_ip?type=connect&$W&limit=5" | jq -c .data) != $(exp top_ips)"
C=$(get "/api/v1/credentials?$W&limit=10")
[ "$(echo "$C" | jq -c '[.usernames[] | {value, count}]')" = "$(exp top_users)" ] || fail "top usernames"
[ "$(echo "$C" | jq -c '[.passwords[] | {value, count}]')" = "$(exp top_passwords)" ] || fail "top passwords"
[ "$(echo "$C" | jq -c '[.credentials[] | [.username, .password, .count]]')" = "$(exp pairs)" ] ||
    fail "top pairs: $(echo "$C" | jq -c '[.credentials[] | [.username, .password, .count]]')"
S=$(get "/api/v1/summary?$W")
[ "$(echo "$S" | jq '.top.src_ip | length')" -gt 0 ] || fail "summary top"
[ "$(echo "$S" | jq .count)" = "$(get "/api/v1/events?$W&limit=1" | jq .meta.total)" ] ||
    fail "summary count != events total"
[ "$(echo "$S" | jq '[.series[].count] | add')" = "$(echo "$S" | jq .count)" ] ||
    fail "series does not add up to the count"

# Paging: bounded and consistent.
[ "$(get "/api/v1/events?$W&limit=7&offset=3" | jq '.data | length')" = 7 ] || fail "paging"
A=$(get "/api/v1/events?type=connect&$W&limit=4&order=asc" | jq -c '[.data[].id]')
B=$(get "/api/v1/events?type=connect&$W&limit=2&offset=2&order=asc" | jq -c '[.data[].id]')
[ "$(echo "$A" | jq -c '.[2:]')" = "$B" ] || fail "offset paging"
[ "$(code GET "$WEB/api/v1/events?limit=5000" -H "X-Api-Key: $KEY")" = 400 ] || fail "limit not bounded"
[ "$(code GET "$WEB/api/v1/events?port=ssh" -H "X-Api-Key: $KEY")" = 400 ] || fail "port not typed"
[ "$(code GET "$WEB/api/v1/top/nonsense" -H "X-Api-Key: $KEY")" = 404 ] || fail "unknown dim"

# Attacker profile and session detail.
IP=$(expr_ top_ip)
P=$(get "/api/v1/attacker/$IP")
[ "$(echo "$P" | jq .sessions)" = "$(exp top_ip_sessions)" ] || fail "profile sessions: $(echo "$P" | jq .sessions)"
[ "$(echo "$P" | jq -r .src_ip)" = "$IP" ] || fail "profile ip"
[ "$(code GET "$WEB/api/v1/attacker/not-an-ip" -H "X-Api-Key: $KEY")" = 400 ] || fail "bad ip"
SESS=$(expr_ busy_session)
D=$(get "/api/v1/session/$SESS")
[ "$(echo "$D" | jq -r .src_ip)" = "$(expr_ busy_ip)" ] || fail "session src_ip"
# (the same commands; failed parts of a line may be stamped after it)
[ "$(echo "$D" | jq -c '[.timeline[] | select(.type == "command") | .command] | sort')" = "$(exp busy_commands)" ] ||
    fail "session commands: $(echo "$D" | jq -c '[.timeline[] | select(.type == "command") | .command] | sort') != $(exp busy_commands)"
[ "$(code GET "$WEB/api/v1/session/nosuchsession" -H "X-Api-Key: $KEY")" = 404 ] || fail "unknown session"

# Files: every downloaded hash.
[ "$(get "/api/v1/files?limit=100" | jq -c '[.data[].sha256] | sort')" = "$(exp shas)" ] ||
    fail "files: $(get "/api/v1/files" | jq -c '[.data[].sha256] | sort') != $(exp shas)"

# MHN endpoints: same envelope; api_key never echoed; results bounded.
H=hours_ago=$(( ( $(date +%s) - 1509753600 ) / 3600 + 48 ))
M=$(get "/api/session/?$H&limit=1000&api_key=$KEY")
[ "$(echo "$M" | jq '.data | length')" = "$(exp sessions)" ] || fail "MHN sessions"
[ "$(echo "$M" | jq .meta.size)" = "$(exp sessions)" ] || fail "MHN meta.size"
echo "$M" | jq -e '.data[0] | has("_id") and has("source_ip") and has("destination_port") and has("identifier") and has("timestamp")' >/dev/null ||
    fail "MHN session fields"
if echo "$M" | grep -q "$KEY"; then fail "MHN echoes api_key"; fi
echo "$M" | jq -e '.meta.query | has("api_key") | not' >/dev/null || fail "api_key in meta.query"
[ "$(get "/api/session/?$H&source_ip=$IP&api_key=$KEY" | jq '.data | length')" = "$(exp top_ip_sessions)" ] ||
    fail "MHN sessions of $IP"
[ "$(get "/api/session/?$H&limit=3&api_key=$KEY" | jq '.data | length')" = 3 ] || fail "MHN limit"
[ "$(code GET "$WEB/api/session/?limit=100000&api_key=$KEY")" = 400 ] || fail "MHN limit not bounded"
[ "$(code GET "$WEB/api/session/?destination_port=abc&api_key=$KEY")" = 400 ] || fail "MHN port not typed"
DP=$(echo "$M" | jq '.data[0].destination_port')
[ "$(get "/api/session/?$H&destination_port=$DP&limit=1000&api_key=$KEY" | jq "[.data[] | select(.destination_port == $DP)] | length")" -gt 0 ] ||
    fail "MHN numeric port filter"
ID=$(echo "$M" | jq -r '.data[0]._id')
[ "$(get "/api/session/$ID/?api_key=$KEY" | jq -r ._id)" = "$ID" ] || fail "MHN session by id"
T1=$(get "/api/top_attackers/?$H&api_key=$KEY")
[ "$(echo "$T1" | jq -r '.data[0].source_ip')" = "$IP" ] || fail "MHN top attacker"
[ "$(echo "$T1" | jq '.data[0].count')" = "$(exp top_ip_sessions)" ] || fail "MHN top attacker count"
[ "$(echo "$T1" | jq -r .meta.query)" = top_attackers ] || fail "MHN top_attackers meta"
AS=$(get "/api/attacker_stats/$IP/?$H&api_key=$KEY")
[ "$(echo "$AS" | jq .data.count)" = "$(exp top_ip_sessions)" ] || fail "MHN attacker_stats count: $AS"
echo "$AS" | jq -e '.data.honeypots == ["cowrie"] and .data.num_sensors == 1 and (.data.first_seen | startswith("2017-11-04"))' >/dev/null ||
    fail "MHN attacker_stats fields: $AS"
IF=$(get "/api/intel_feed/?$H&api_key=$KEY")
[ "$(echo "$IF" | jq "[.data[] | select(.source_ip == \"$IP\") | .count] | add")" = "$(exp top_ip_sessions)" ] ||
    fail "MHN intel_feed count"
get "/api/intel_feed.csv/?$H&api_key=$KEY" >"$T/intel.csv"
[ "$(head -1 "$T/intel.csv")" = "$(printf 'source_ip\tcount\ttags')" ] || fail "intel csv header"
grep -qP "^\Q$IP\E\t$(exp top_ip_sessions)\tcowrie,ssh,port-" "$T/intel.csv" || fail "intel csv row: $(head -3 "$T/intel.csv")"
# /api/sensor/: the ident, never its secret.
SN=$(get "/api/sensor/?api_key=$KEY")
echo "$SN" | jq -e 'map(.identifier) | index("sens-a") != null and index("cowrie1") != null' >/dev/null ||
    fail "sensors listed: $SN"
if echo "$SN" | grep -q "topsecret-$$"; then fail "/api/sensor/ leaks a secret"; fi
if echo "$SN" | grep -qi '"secret"'; then fail "/api/sensor/ has a secret field"; fi
if get "/api/v1/sensors" | grep -q "topsecret-$$"; then fail "/api/v1/sensors leaks a secret"; fi
# the importer's sensor: its events, and what it runs (its latest event's honeypot)
stored=$(grep '^{' "$T/import.out" | jq .stored)
[ "$stored" -gt 0 ] || fail "import.out: $(cat "$T/import.out")"
get "/api/v1/sensors" | jq -e --argjson n "$stored" \
    'any(.data[]; .ident == "cowrie1" and .honeypots == ["cowrie"] and
         .honeypot == "cowrie" and (.last_seen | startswith("2017-11-0")) and
         .events_total == $n)' >/dev/null ||
    fail "/api/v1/sensors row: $(get /api/v1/sensors | head -c 600)"
for p in feed file url metadata dork; do
    get "/api/$p/?$H&limit=5&api_key=$KEY" | jq -e '.data | length <= 5' >/dev/null || fail "MHN /api/$p/"
done
web_stop
pass
