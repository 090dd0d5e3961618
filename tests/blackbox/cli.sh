#!/bin/bash
# The binary dispatches subcommands and rejects unknown ones.
. "$(dirname "$0")/lib.sh"

"$APIARY" version | grep -q '^apiary ' || fail "version"
"$APIARY" --help | grep -q 'commands:' || fail "help"
if "$APIARY" no-such-command 2>"$T/err"; then fail "unknown command accepted"; fi
grep -q "unknown command 'no-such-command'" "$T/err" || fail "unknown command message"
pass
