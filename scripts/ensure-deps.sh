#!/bin/sh
# Installs the Debian packages Tether builds and tests against, only those that are missing.
# Needs root for apt-get; says so clearly otherwise.
set -eu
packages="libhiredis-dev libsystemd-dev libsqlite3-dev libssl-dev openssl tmux redis-server util-linux systemd"
missing=""
for p in $packages; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
    echo "tether: missing Debian packages:$missing" >&2
    echo "tether: run as root, or install them first: sudo apt-get install$missing" >&2
    exit 1
fi
echo "tether: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
# Installing redis-server may start a system instance; the tests start their own on random ports.
