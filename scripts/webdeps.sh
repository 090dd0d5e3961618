#!/bin/sh
# Fetch the pinned npm packages the dashboard embeds at build time
# (web/package.json + web/package-lock.json: world-atlas, the country
# outlines of the live map; asciinema-player, the session page's TTY
# player).  Nothing is loaded from the network
# at run time: CMake compiles the fetched files into the binary.  Without
# them the build still works and the map draws a grid only.
set -eu
cd "$(dirname "$0")/../web"
[ -s node_modules/world-atlas/countries-110m.json ] &&
    [ -s node_modules/asciinema-player/dist/bundle/asciinema-player.min.js ] &&
    exit 0
if ! command -v npm >/dev/null 2>&1; then
    echo "webdeps: npm not found; the live map will have no country outlines" >&2
    exit 0
fi
npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
