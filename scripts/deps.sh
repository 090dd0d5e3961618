#!/bin/sh
# Install the Debian packages Apiary needs, only those that are missing.
#   scripts/deps.sh run    build and run (libraries, compiler)
#   scripts/deps.sh test   also every test client and server the suite drives
set -eu
what=${1:-run}

# Build: compiler, build tool and the -dev libraries (DESIGN.md "Dependencies").
BUILD="build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev
 libevent-dev libssl-dev libsqlite3-dev libjansson-dev"
# Test: the real clients and servers black-box tests drive.
TEST="curl jq netcat-openbsd python3 openssl sqlite3 procps iproute2"

pkgs=$BUILD
[ "$what" = test ] && pkgs="$pkgs $TEST"

missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
