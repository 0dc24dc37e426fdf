#!/bin/sh
# Says loudly, before the tests run, whether the systemd lifecycle tests can run here, and checks
# that both shipped unit files verify.
set -eu
if [ "$(id -u)" -eq 0 ] && unshare --mount --propagation private true 2>/dev/null; then
    echo "tether: systemd sandbox available: lifecycle tests will run under a real user manager and journald"
else
    echo "tether: WARNING: cannot create a private mount namespace here (needs root and unshare);" >&2
    echo "tether: WARNING: the systemd lifecycle tests will be SKIPPED" >&2
fi
bin="$(pwd)/.build/debug/tetherd"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for unit in systemd/tetherd.service systemd/user/tetherd.service; do
    sed "s#/usr/bin/tetherd#$bin#" "$unit" > "$tmp/tetherd.service"
    if ! out=$(systemd-analyze verify "$tmp/tetherd.service" 2>&1) || [ -n "$out" ]; then
        echo "tether: systemd-analyze verify failed for $unit:" >&2
        echo "$out" >&2
        exit 1
    fi
done
echo "tether: systemd-analyze verify passed for both units"
