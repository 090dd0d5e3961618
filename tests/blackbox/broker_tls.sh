#!/bin/bash
# hpfeeds over TLS: a self-signed certificate made here with openssl, the
# CLI verifying it (CA file + address/host name), refusing a wrong CA or
# name, and refusals still reported over TLS.  Plain and TLS listeners
# serve the same channels.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/broker_lib.sh"
need openssl curl

mkcert() { # mkcert NAME: self-signed for 127.0.0.1 and localhost
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$1" \
        -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
        -keyout "$T/$1.key" -out "$T/$1.pem" 2>/dev/null || fail "openssl req"
}
mkcert broker
mkcert other

ident add pub1 --secret pubsecret --publish tchan --subscribe tchan >/dev/null
start_broker --set hpfeeds.tls_listen=127.0.0.1:0 \
    --set hpfeeds.tls_cert="$T/broker.pem" --set hpfeeds.tls_key="$T/broker.key"
for ((i = 0; i < 100; i++)); do grep -q '^hpfeeds-tls ' "$T/ports" && break; sleep 0.1; done
TP=$(portfile_get "$T/ports" hpfeeds-tls)
[ -n "$TP" ] || fail "no TLS port"
tpub() { "$APIARY" hpfeeds publish --host 127.0.0.1 --port "$TP" "$@"; }

bg "$APIARY" hpfeeds subscribe --host 127.0.0.1 --port "$TP" --tlscert "$T/broker.pem" \
    -i pub1 -s pubsecret -c tchan --count 3 >"$T/sub.out"
SUB=$LAST_PID
for ((i = 0; i < 100; i++)); do
    curl -s "http://127.0.0.1:$MP/metrics" | grep -q '^hpfeeds_broker_subscriptions{chan="tchan"} 1$' && break
    sleep 0.1
done
tpub --tlscert "$T/broker.pem" -i pub1 -s pubsecret -c tchan over-tls || fail "TLS publish"
tpub --tlscert "$T/broker.pem" --tlsname localhost -i pub1 -s pubsecret -c tchan by-name || fail "TLS publish by name"
hpf publish -i pub1 -s pubsecret -c tchan plain-to-tls-sub || fail "plain publish"
wait "$SUB" || fail "TLS subscriber"
printf 'over-tls\nby-name\nplain-to-tls-sub\n' | diff - "$T/sub.out" || fail "TLS delivery"

tpub --tlscert "$T/other.pem" -i pub1 -s pubsecret -c tchan x 2>"$T/err" && fail "wrong CA accepted"
grep -q 'certificate verify failed' "$T/err" || fail "wrong CA message: $(cat "$T/err")"
tpub --tlscert "$T/broker.pem" --tlsname wrong.example -i pub1 -s pubsecret -c tchan x 2>/dev/null &&
    fail "wrong host name accepted"
tpub --tlscert "$T/broker.pem" -i pub1 -s badsecret -c tchan x 2>"$T/err" && fail "bad secret over TLS"
grep -qx 'apiary hpfeeds: broker: Authentication failed for pub1' "$T/err" || fail "TLS refusal: $(cat "$T/err")"
stop_broker
pass
