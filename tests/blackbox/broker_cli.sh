#!/bin/bash
# Idents from the command line (add, list without secrets, del, import of
# both JSON shapes) and the hpfeeds CLI against a running broker: every
# payload source, --json, refusals with hpfeeds3's words, ident changes
# applying without a restart, and the metrics endpoint.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/broker_lib.sh"
need curl python3

# --- idents ---
ident add pub1 --secret s3cr3t-pub --publish chan1,chan2 --subscribe chan1 \
    --owner alice >"$T/add1" || fail "ident add"
grep -qx 'secret: s3cr3t-pub' "$T/add1" || fail "add does not print the secret"
ident add sub1 --subscribe chan1,chan2 >"$T/add2" || fail "ident add (generated)"
SUBSECRET=$(sed -n 's/^secret: //p' "$T/add2")
[[ "$SUBSECRET" =~ ^[A-Za-z0-9]{32}$ ]] || fail "generated secret: '$SUBSECRET'"
if ident add pub1 --secret x 2>"$T/err"; then fail "duplicate ident accepted"; fi
grep -q 'already exists' "$T/err" || fail "duplicate message"
[ "$(stat -c %a "$D/server.db")" = 600 ] || fail "server.db is not mode 0600"
[ "$(stat -c %a "$D")" = 700 ] || fail "data dir is not mode 0700"

cat >"$T/hpfeeds3.json" <<'J'
{"h3": {"owner": "carol", "secret": "h3secret", "pubchans": ["chan1"], "subchans": []},
 "h3b": {"owner": "carol", "secret": "h3bsecret", "pubchans": [], "subchans": ["chan2"]}}
J
ident import "$T/hpfeeds3.json" | grep -qx 'imported 2 idents' || fail "import hpfeeds3"
# mongoexport: one document per line, with $oid
cat >"$T/mhn.jsonl" <<'J'
{"_id":{"$oid":"5a0d2c8e1d41c80b7e8f0a11"},"identifier":"9f1b7c2e-uuid-1","secret":"mhnsecret1","publish":["chan1","dionaea.connections"],"subscribe":[]}
{"_id":{"$oid":"5a0d2c8e1d41c80b7e8f0a12"},"identifier":"mnemosyne","secret":"mhnsecret2","publish":[],"subscribe":["chan1","chan2"]}
J
ident import "$T/mhn.jsonl" | grep -qx 'imported 2 idents' || fail "import MHN lines"
echo '[{"identifier":"arr1","secret":"arrsecret","publish":["chan2"],"subscribe":["chan2"],"owner":"dave"}]' >"$T/mhn.json"
ident import "$T/mhn.json" | grep -qx 'imported 1 idents' || fail "import MHN array"
echo '{"bad": {"secret": "x"}}' >"$T/bad.json"
if ident import "$T/bad.json" 2>"$T/err"; then fail "incomplete hpfeeds3 record accepted"; fi
grep -q 'needs owner, secret, pubchans and subchans' "$T/err" || fail "bad import message"

ident list >"$T/list" || fail "ident list"
[ "$(wc -l <"$T/list")" = 7 ] || { cat "$T/list"; fail "ident list count"; }
grep -q $'^pub1\towner=alice\tpublish=chan1,chan2\tsubscribe=chan1$' "$T/list" || fail "list pub1"
grep -q $'^9f1b7c2e-uuid-1\towner=9f1b7c2e-uuid-1\tpublish=chan1,dionaea.connections\tsubscribe=$' "$T/list" || fail "list MHN owner"
grep -q $'^arr1\towner=dave' "$T/list" || fail "list MHN array owner"
for s in s3cr3t-pub "$SUBSECRET" h3secret h3bsecret mhnsecret1 mhnsecret2 arrsecret; do
    grep -q -- "$s" "$T/list" && fail "ident list shows a secret"
done

# --- broker ---
start_broker
bg hpf subscribe -i sub1 -s "$SUBSECRET" -c chan1 -c chan2 --count 6 >"$T/sub.out"
SUBPID=$LAST_PID
bg hpf subscribe -i mnemosyne -s mhnsecret2 -c chan1 --json --count 4 >"$T/json.out"
JSONPID=$LAST_PID
# wait until both subscriptions are registered (metrics gauge)
for ((i = 0; i < 100; i++)); do
    curl -s "http://127.0.0.1:$MP/metrics" | grep -q '^hpfeeds_broker_subscriptions{chan="chan1"} 2$' && break
    sleep 0.1
done
[ $i -lt 100 ] || fail "subscribers never registered"

hpf publish -i pub1 -s s3cr3t-pub -c chan1 one two || fail "publish args"
printf 'three\nfour\n' | hpf publish -i pub1 -s s3cr3t-pub -c chan1 || fail "publish stdin"
printf 'whole\nfile\xff' >"$T/payload"
hpf publish -i arr1 -s arrsecret -c chan2 --file "$T/payload" || fail "publish --file"
hpf publish -i h3 -s h3secret -c chan2 nope 2>"$T/err" && fail "h3 may not publish to chan2"
grep -qx 'apiary hpfeeds: broker: Authkey not allowed to pub here. ident=h3, chan=chan2' "$T/err" || fail "pub ACL message: $(cat "$T/err")"
hpf publish -i 9f1b7c2e-uuid-1 -s mhnsecret1 -c chan2 x 2>/dev/null && fail "MHN ident may not publish to chan2"
hpf publish -i 9f1b7c2e-uuid-1 -s mhnsecret1 -c chan1 fromMHN || fail "MHN ident publish"
wait "$SUBPID" || fail "subscriber exit"
wait "$JSONPID" || fail "json subscriber exit"
printf 'one\ntwo\nthree\nfour\nwhole\nfile\xff\nfromMHN\n' | cmp - <(head -c 100 "$T/sub.out" | head -n 8) >/dev/null ||
    { od -c "$T/sub.out" | head; fail "raw subscriber output"; }
cat >"$T/json.want" <<'J'
{"ident":"pub1","channel":"chan1","payload":"one"}
{"ident":"pub1","channel":"chan1","payload":"two"}
{"ident":"pub1","channel":"chan1","payload":"three"}
{"ident":"pub1","channel":"chan1","payload":"four"}
J
diff "$T/json.want" "$T/json.out" || fail "json output"

# binary payload -> payload_b64
bg hpf subscribe -i sub1 -s "$SUBSECRET" -c chan2 --json --count 1 >"$T/b64.out"
B64PID=$LAST_PID
sleep 1
hpf publish -i arr1 -s arrsecret -c chan2 --file "$T/payload" || fail "publish binary"
wait "$B64PID" || fail "b64 subscriber"
grep -qx '{"ident":"arr1","channel":"chan2","payload_b64":"d2hvbGUKZmlsZf8="}' "$T/b64.out" || fail "b64: $(cat "$T/b64.out")"

# refusals, with hpfeeds3's words
hpf publish -i pub1 -s wrong -c chan1 x 2>"$T/err" && fail "bad secret accepted"
grep -qx 'apiary hpfeeds: broker: Authentication failed for pub1' "$T/err" || fail "bad secret message"
hpf publish -i nobody -s x -c chan1 x 2>"$T/err" && fail "unknown ident accepted"
grep -qx 'apiary hpfeeds: broker: Authentication failed for nobody' "$T/err" || fail "unknown ident message"
timeout 20 "$APIARY" hpfeeds subscribe --host 127.0.0.1 --port "$HP" -i pub1 -s s3cr3t-pub -c chan2 2>"$T/err" && fail "sub ACL"
grep -qx 'apiary hpfeeds: broker: Authkey not allowed to sub here. ident=pub1, chan=chan2' "$T/err" || fail "sub ACL message: $(cat "$T/err")"

# changes apply without a restart
ident del h3 || fail "ident del"
if ident del h3 2>/dev/null; then fail "del of a missing ident succeeded"; fi
hpf publish -i h3 -s h3secret -c chan1 x 2>"$T/err" && fail "deleted ident still accepted"
grep -q 'Authentication failed for h3' "$T/err" || fail "deleted ident message"
ident add late --secret latesecret --publish chan1 >/dev/null
hpf publish -i late -s latesecret -c chan1 x || fail "ident added while running"

# metrics
curl -sf "http://127.0.0.1:$MP/healthz" | grep -qx '{}' || fail "healthz"
curl -sf "http://127.0.0.1:$MP/metrics" >"$T/metrics" || fail "metrics"
for want in \
    'hpfeeds_broker_receive_publish_count_total{ident="pub1",chan="chan1"} 4' \
    'hpfeeds_broker_receive_publish_bytes_total{ident="pub1",chan="chan1"} 15' \
    'hpfeeds_broker_auth_failures_total{category="invalid-secret"} 1' \
    'hpfeeds_broker_auth_failures_total{category="invalid-ident"} 2' \
    'hpfeeds_broker_connection_error_total{ident="h3",category="no-pub-permission"} 1' \
    'hpfeeds_broker_connection_error_total{ident="pub1",category="no-sub-permission"} 1' \
    'hpfeeds_broker_connection_ready_total{ident="pub1"} 3' \
    '# TYPE hpfeeds_broker_client_connections gauge' \
    ; do
    grep -qxF "$want" "$T/metrics" || { cat "$T/metrics"; fail "metrics line: $want"; }
done
grep -q '^hpfeeds_broker_send_publish_count_total{chan="chan1"} ' "$T/metrics" || fail "send metrics"
curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$MP/nope" | grep -qx 404 || fail "404"
stop_broker
pass
