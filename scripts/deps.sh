#!/bin/sh
# Install the Debian packages Apiary needs, only those that are missing.
#   scripts/deps.sh run    build and run (compiler, -dev libraries)
#   scripts/deps.sh test   also every test client and server the suite drives
# One package per line, grouped by who needs it, so additions merge cleanly.
# Node.js and npm (for building web assets) come with the machine image
# (nodesource build, which conflicts with Debian's npm package).
set -eu
what=${1:-run}

BUILD="
build-essential
cmake
ninja-build
pkg-config
clang
libclang-rt-14-dev
libevent-dev
libssl-dev
libsqlite3-dev
libjansson-dev
libssh-dev
libpq-dev
libmicrohttpd-dev
libsodium-dev
libmaxminddb-dev
libpcap-dev
libseccomp-dev
libcurl4-openssl-dev
libzip-dev
"

TEST="
curl
jq
netcat-openbsd
python3
openssl
sqlite3
procps
iproute2
postgresql
openssh-client
sshpass
hydra
medusa
nmap
telnet
tshark
chromium
rsyslog
asciinema
libmaxmind-db-writer-perl
mmdb-bin
rsyslog-openssl
p7zip-full
"

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
