#!/bin/bash
# Captured files and TTY recordings end to end: a native sensor's events
# carrying content_b64 (a real asciicast recorded with asciinema, a binary
# upload) go through hpfeeds into a running server; the collector stores
# the bytes under files/ (never executable) and strips them from events;
# anyone logged in downloads an AES-256 ZIP (password "infected") that 7z
# decrypts to the exact bytes; only admins get raw bytes, as an
# attachment; the player endpoint serves recordings only.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web/lib_web.sh"
need curl jq python3 7z asciinema script sha256sum chromium
mkdir -p "$T/data"

# A real recording: asciinema inside a pseudo-terminal of script(1).
timeout 60 script -qec "stty cols 80 rows 24; asciinema rec -q --overwrite -c \
'printf \"\\033[1;32mAPIARY-TTY-OK\\033[0m\\n\"; sleep 0.2; echo second line' \
$T/rec.cast" /dev/null </dev/null >/dev/null 2>&1 || fail "asciinema rec"
grep -q APIARY-TTY-OK "$T/rec.cast" || fail "recording: $(cat "$T/rec.cast")"
# A binary "sample": not UTF-8, with an ELF header.
{ printf '\177ELF\002\001\001'; head -c 70000 /dev/urandom; } >"$T/sample.bin"
CAST_SHA=$(sha256sum "$T/rec.cast" | cut -c1-64)
BIN_SHA=$(sha256sum "$T/sample.bin" | cut -c1-64)

"$APIARY" ident --data-dir "$T/data" add sens1 --secret "s-$$" \
    --publish apiary.events >/dev/null || fail "ident add"
web_start
echo "viewer-pass-$$" | "$APIARY" user add viewer1 --role viewer \
    --data-dir "$T/data" || fail "user add viewer"

# The sensor side of the contract, as a native sensor publishes it.
python3 - "$T" "$CAST_SHA" "$BIN_SHA" <<'PY' || fail "events"
import base64, datetime, hashlib, json, os, sys
T, cast_sha, bin_sha = sys.argv[1:4]
B32 = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
def ulid():
    n = int.from_bytes(os.urandom(16), "big")
    return "".join(B32[(n >> (5 * i)) & 31] for i in range(25, -1, -1))
now = datetime.datetime.now(datetime.timezone.utc)
def ev(seq, typ, **kw):
    e = {"id": ulid(), "seq": seq, "type": typ, "sensor": "sens1",
         "honeypot": "ssh", "session": "ttysess1", "src_ip": "203.0.113.9",
         "src_port": 40001, "dst_port": 22, "protocol": "ssh",
         "ts": (now + datetime.timedelta(seconds=seq)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")}
    e.update(kw)
    return e
cast = open(T + "/rec.cast", "rb").read()
binb = open(T + "/sample.bin", "rb").read()
evs = [
    ev(1, "connect"),
    ev(2, "upload", filename="x.bin", sha256=bin_sha, size=len(binb),
       content_b64=base64.b64encode(binb).decode()),
    # bytes that do not match: the event stays, the content goes
    ev(3, "download", url="http://198.51.100.1/y", sha256="a" * 64, size=5,
       content_b64=base64.b64encode(b"other").decode()),
    ev(4, "ttylog", sha256=cast_sha, size=len(cast), duration=0.5, width=80,
       height=24, content_b64=base64.b64encode(cast).decode()),
    ev(5, "disconnect", duration=5.0),
    # a "recording" that is a binary: stored, never served to the player
    dict(ev(6, "ttylog", sha256=hashlib.sha256(binb[::-1]).hexdigest(),
            size=len(binb), content_b64=base64.b64encode(binb[::-1]).decode()),
         session="ttysess2"),
]
for i, e in enumerate(evs):
    open("%s/ev%d.json" % (T, i), "w").write(json.dumps(e))
PY
for i in 0 1 2 3 4 5; do
    "$APIARY" hpfeeds publish --host 127.0.0.1 --port "$HP" -i sens1 \
        -s "s-$$" -c apiary.events --file "$T/ev$i.json" ||
        fail "publish ev$i"
done

ADMIN_CSRF=$(login admin "$ADMIN_PW" "$T/admin.jar")
VIEW_CSRF=$(login viewer1 "viewer-pass-$$" "$T/view.jar")
[ -n "$ADMIN_CSRF" ] && [ -n "$VIEW_CSRF" ] || fail "login"
for ((i = 0; i < 300; i++)); do
    n=$(curl -s -b "$T/view.jar" "$WEB/api/v1/events?session=ttysess1&hours=48" |
        jq '.data | length')
    [ "$n" = 5 ] && break
    sleep 0.1
done
[ "$n" = 5 ] || fail "events not stored: $n"

# The bytes are on disk once, never executable; never in any event.
for s in "$CAST_SHA" "$BIN_SHA"; do
    f="$T/data/files/${s:0:2}/${s:2:2}/$s"
    [ -f "$f" ] || fail "file $s not stored"
    [ -z "$(find "$f" -perm /111)" ] || fail "file $s is executable"
done
cmp -s "$T/data/files/${BIN_SHA:0:2}/${BIN_SHA:2:2}/$BIN_SHA" "$T/sample.bin" ||
    fail "stored sample differs"
[ ! -e "$T/data/files/aa/aa/$(printf 'a%.0s' {1..64})" ] || fail "mismatch stored"
curl -s -b "$T/view.jar" "$WEB/api/v1/events?session=ttysess1&hours=48" >"$T/evs.json"
if grep -q content "$T/evs.json"; then fail "file bytes reached the store"; fi
curl -s -b "$T/view.jar" "$WEB/api/v1/session/ttysess1?sensor=sens1" >"$T/sess.json"
jq -e '.timeline | map(select(.type == "ttylog" and .width == 80)) | length == 1' \
    "$T/sess.json" >/dev/null || fail "ttylog not in the session: $(cat "$T/sess.json")"
curl -s -b "$T/view.jar" "$WEB/api/v1/files?hours=48" >"$T/files.json"
jq -e --arg s "$CAST_SHA" '.data | map(select(.sha256 == $s and .filetype == "asciicast")) | length == 1' \
    "$T/files.json" >/dev/null || fail "recording not registered: $(cat "$T/files.json")"

# ZIP for anyone: AES-256, password "infected", exact bytes.
curl -s -D "$T/zh" -o "$T/s.zip" -b "$T/view.jar" \
    "$WEB/api/v1/files/$BIN_SHA/download?format=zip"
grep -qi '^content-type: application/zip' "$T/zh" || fail "zip content type: $(cat "$T/zh")"
grep -qi "^content-disposition: attachment; filename=\"$BIN_SHA.zip\"" "$T/zh" ||
    fail "zip disposition"
7z l -slt "$T/s.zip" >"$T/7zl" 2>&1 || fail "7z list: $(cat "$T/7zl")"
grep -q '^Method = AES-256' "$T/7zl" || fail "not AES-256: $(cat "$T/7zl")"
if 7z x -y -pwrong -o"$T/bad" "$T/s.zip" >/dev/null 2>&1; then
    fail "archive opened with a wrong password"
fi
7z x -y -pinfected -o"$T/out" "$T/s.zip" >"$T/7zx" 2>&1 || fail "7z x: $(cat "$T/7zx")"
cmp -s "$T/out/$BIN_SHA" "$T/sample.bin" || fail "archive does not hold the exact bytes"
# default format is zip, API keys work too
c=$(code GET "$WEB/api/v1/files/$BIN_SHA/download" -b "$T/view.jar")
[ "$c" = 200 ] || fail "default format: $c"

# Raw: admins only, attachment, octet-stream, nosniff.
c=$(code GET "$WEB/api/v1/files/$BIN_SHA/download?format=raw" -b "$T/view.jar")
[ "$c" = 403 ] || fail "viewer got raw bytes: $c"
curl -s -D "$T/rh" -o "$T/raw.bin" -b "$T/admin.jar" \
    "$WEB/api/v1/files/$BIN_SHA/download?format=raw"
grep -q '^HTTP/1.1 200' "$T/rh" || fail "admin raw: $(head -1 "$T/rh")"
grep -qi '^content-type: application/octet-stream' "$T/rh" || fail "raw type"
grep -qi '^content-disposition: attachment' "$T/rh" || fail "raw not an attachment"
grep -qi '^x-content-type-options: nosniff' "$T/rh" || fail "raw without nosniff"
cmp -s "$T/raw.bin" "$T/sample.bin" || fail "raw bytes differ"
[ "$(code GET "$WEB/api/v1/files/$BIN_SHA/download?format=exe" -b "$T/admin.jar")" = 400 ] ||
    fail "bad format"
[ "$(code GET "$WEB/api/v1/files/../../etc/passwd/download" -b "$T/admin.jar")" != 200 ] ||
    fail "path traversal"
[ "$(code GET "$WEB/api/v1/files/XYZ/download" -b "$T/admin.jar")" = 400 ] || fail "bad sha"
[ "$(code GET "$WEB/api/v1/files/$(printf 'b%.0s' {1..64})/download" -b "$T/admin.jar")" = 404 ] ||
    fail "unknown file"
[ "$(code GET "$WEB/api/v1/files/$BIN_SHA/download")" = 401 ] || fail "anonymous download"

# The player endpoint serves recordings, not samples.
curl -s -o "$T/got.cast" -b "$T/view.jar" "$WEB/api/v1/ttylog/$CAST_SHA"
cmp -s "$T/got.cast" "$T/rec.cast" || fail "ttylog bytes differ"
[ "$(code GET "$WEB/api/v1/ttylog/$BIN_SHA" -b "$T/view.jar")" = 404 ] ||
    fail "ttylog endpoint served a sample"
FAKE_SHA=$(python3 -c 'import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],"rb").read()[::-1]).hexdigest())' "$T/sample.bin")
for ((i = 0; i < 300; i++)); do
    [ -f "$T/data/files/${FAKE_SHA:0:2}/${FAKE_SHA:2:2}/$FAKE_SHA" ] && break
    sleep 0.1
done
[ -f "$T/data/files/${FAKE_SHA:0:2}/${FAKE_SHA:2:2}/$FAKE_SHA" ] || fail "fake recording not stored"
[ "$(code GET "$WEB/api/v1/ttylog/$FAKE_SHA" -b "$T/view.jar")" = 404 ] ||
    fail "ttylog endpoint served a binary registered as a recording"

# Only the session page may compile WebAssembly (the player).
curl -s -D "$T/sh" -o /dev/null -b "$T/view.jar" "$WEB/session/ttysess1"
grep -i '^content-security-policy' "$T/sh" | grep -q "script-src 'self' 'wasm-unsafe-eval';" ||
    fail "session page CSP: $(grep -i content-security "$T/sh")"
if grep -i '^content-security-policy' "$T/sh" | grep -q "unsafe-inline"; then
    fail "inline script allowed"
fi
curl -s -D "$T/dh" -o /dev/null -b "$T/view.jar" "$WEB/"
if grep -i '^content-security-policy' "$T/dh" | grep -q wasm; then
    fail "wasm allowed outside the session page"
fi
# Chromium: the session page plays the recording (frames drawn).
(cd "$(dirname "$0")/web" && timeout 200 python3 player_scenario.py "$WEB" viewer1 \
    "viewer-pass-$$" ttysess1 sens1) >"$T/player.out" 2>&1 ||
    fail "player: $(tail -20 "$T/player.out")"
grep -q "player scenario ok" "$T/player.out" || fail "player scenario did not finish"
web_stop
pass
