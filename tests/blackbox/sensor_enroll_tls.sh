#!/bin/bash
# `apiary enroll` over HTTPS: the server's certificate is verified (with
# --ca, against that CA; without it, against the system store, which
# must refuse a self-signed one with a certificate error); --insecure
# skips the check; a certificate for another name is refused.
. "$(dirname "$0")/lib.sh"
need openssl
D=$T/data
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -days 1 \
    -addext "subjectAltName=IP:127.0.0.1" \
    -keyout "$T/key.pem" -out "$T/cert.pem" 2>/dev/null || fail "openssl"
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=other.example -days 1 \
    -addext "subjectAltName=DNS:other.example" \
    -keyout "$T/okey.pem" -out "$T/ocert.pem" 2>/dev/null || fail "openssl"

start() { # CERT KEY
    rm -f "$T/ports"
    bg "$APIARY" server --data-dir "$D" --port-file "$T/ports" \
        --set web.listen=127.0.0.1:0 --set hpfeeds.listen=127.0.0.1:0 \
        --set metrics.listen=127.0.0.1:0 --set "web.tls_cert=$1" \
        --set "web.tls_key=$2" --set web.public_url=https://127.0.0.1:1 \
        2>>"$T/server.log"
    SRV=$LAST_PID
    for ((i = 0; i < 600; i++)); do
        [ -n "$(portfile_get "$T/ports" web 2>/dev/null)" ] && break
        sleep 0.1
    done
    W=https://127.0.0.1:$(portfile_get "$T/ports" web)
}
enroll() { "$APIARY" enroll "$W" --deploy-key "$KEY" --modules tcp \
    -o "$T/s.conf" --spool-dir "$T/spool" --state-dir "$T/state" "$@"; }

start "$T/cert.pem" "$T/key.pem"
KEY=$("$APIARY" deploykey --data-dir "$D" add --uses 10) || fail "deploykey"
enroll 2>"$T/err" && fail "a self-signed certificate was accepted"
grep -qi "certificate" "$T/err" || fail "refusal does not name the certificate: $(cat "$T/err")"
enroll --ca "$T/cert.pem" >"$T/out" 2>"$T/err" || fail "enroll --ca: $(cat "$T/err")"
grep -q "^ident " "$T/s.conf" || fail "no config written: $(cat "$T/s.conf")"
rm -f "$T/s.conf"
enroll --insecure >/dev/null 2>"$T/err" || fail "enroll --insecure: $(cat "$T/err")"
kill "$SRV"; wait "$SRV" 2>/dev/null

# the right CA, the wrong name: refused
start "$T/ocert.pem" "$T/okey.pem"
enroll --ca "$T/ocert.pem" 2>"$T/err" && fail "a certificate for another name was accepted"
grep -qiE "certificate|subject|name" "$T/err" || fail "refusal: $(cat "$T/err")"
pass
