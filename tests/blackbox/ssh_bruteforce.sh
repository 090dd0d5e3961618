#!/bin/bash
# hydra (password method) and medusa (keyboard-interactive) each try 200
# user/password pairs: every pair is recorded exactly once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ssh/lib.sh"
need hydra medusa jq

FAIL_DELAY_MS=50 start_sensor bb-brute "auth_rule *:!*"
for i in $(seq 1 10); do echo "user$i"; done > "$T/users"
for i in $(seq 1 20); do echo "pass$i"; done > "$T/pw"

timeout 120 hydra -I -L "$T/users" -P "$T/pw" -t 4 -w 30 -s "$SSH_PORT" \
    ssh://127.0.0.1 > "$T/hydra.out" 2>&1 || fail "hydra: $(tail "$T/hydra.out")"
wait_events '[.[] | select(.type == "login" and .method == "password")] |
    length >= 200' 30
timeout 150 medusa -h 127.0.0.1 -n "$SSH_PORT" -U "$T/users" -P "$T/pw" \
    -M ssh -t 4 > "$T/medusa.out" 2>&1 || fail "medusa: $(tail "$T/medusa.out")"
wait_events '[.[] | select(.type == "login" and
    .method == "keyboard-interactive")] | length >= 200' 30

for m in password keyboard-interactive; do
    n=$(jq -r -s --arg m "$m" '[.[] | select(.type == "login" and .method == $m) |
        "\(.username):\(.password)"] | unique | length' "$EV")
    total=$(ev_count ".type == \"login\" and .method == \"$m\"")
    [ "$n" = 200 ] && [ "$total" = 200 ] ||
        fail "$m: $total attempts, $n distinct pairs (want 200 and 200)"
done
jq -e -s '[.[] | select(.type == "login")] | all(.success == false)' "$EV" \
    >/dev/null || fail "a login succeeded"
pass
