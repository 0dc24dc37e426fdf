#!/bin/sh
# Install, upgrade with running sessions (PackageUpgradeTests), reinstall, remove and purge the
# package on this machine, and compare the file system before and after. test.sh runs it only as
# root where Tether was never installed.
# Usage: install-test.sh PACKAGE.deb
set -eu

deb=${1:?usage: install-test.sh PACKAGE.deb}
work=$(mktemp -d)
failures=0
fail() { echo "FAIL: install: $*" >&2; failures=$((failures + 1)); }
pass() { echo "ok: install: $*"; }

# What may differ before and after for reasons of dpkg's and the account tools' own: their
# databases and backups, not files of the package.
snapshot() {
    find /etc /usr /lib /var/lib /run -xdev \
        \( -path /var/lib/dpkg -o -path /var/lib/apt -o -path /var/cache -o -path /run/user \) -prune -o -print \
        2>/dev/null | grep -v -x -e '/etc/passwd-' -e '/etc/group-' -e '/etc/shadow-' -e '/etc/gshadow-' \
        -e '/etc/subuid-' -e '/etc/subgid-' -e '/etc/ld.so.cache' | LC_ALL=C sort
}

snapshot > "$work/before"
getent passwd > "$work/passwd-before"

start=$(date +%s%N)
dpkg -i "$deb" > "$work/install.log" 2>&1 || { cat "$work/install.log" >&2; fail "dpkg -i"; }
install_ms=$(( ($(date +%s%N) - start) / 1000000 ))
pass "dpkg -i in $install_ms ms"
dpkg -L tether | while read -r path; do [ -e "$path" ] || echo "$path"; done > "$work/missing"
[ -s "$work/missing" ] && fail "files listed but missing: $(cat "$work/missing")" || pass "every file dpkg -L lists exists"
if entry=$(getent passwd tether); then
    pass "user: $entry"
else
    fail "no user tether"
fi
/usr/bin/tetherd check-config > "$work/check.log" 2>&1 && pass "tetherd check-config (installed conffile)" ||
    { cat "$work/check.log" >&2; fail "tetherd check-config"; }
if systemd-analyze verify /lib/systemd/system/tetherd.service > "$work/verify.log" 2>&1; then
    pass "systemd-analyze verify (installed system unit)"
else
    cat "$work/verify.log" >&2
    fail "systemd-analyze verify (installed system unit)"
fi

# The upgrade with running sessions, under a systemd user manager in a private mount namespace
# (Tests/TetherIntegrationTests/PackageUpgradeTests.swift; test.sh built it). It skips itself where
# that sandbox cannot boot. "dpkg -i to tether status answering" is the fresh dpkg -i above plus
# the test's start of the installed user unit to the first answer.
start=$(date +%s)
if (cd "$(dirname "$0")/.." && TETHER_PACKAGE_UNDER_TEST=$(realpath "$deb") \
        "${SWIFT:-swift}" test --skip-build --disable-xctest --filter PackageUpgradeTests) > "$work/upgrade-test.log" 2>&1; then
    started_ms=$(sed -n 's/^measured: systemctl --user start to tether status answering: \([0-9]*\) ms$/\1/p' "$work/upgrade-test.log")
    if [ -n "$started_ms" ]; then
        pass "PackageUpgradeTests in $(( $(date +%s) - start )) s: sessions and the edited conffile survive an upgrade; a broken conffile does not stop it"
        grep -e '^measured: ' -e '^postinst said: ' "$work/upgrade-test.log"
        echo "measured: dpkg -i to tether status answering: $((install_ms + started_ms)) ms (dpkg -i $install_ms ms + start $started_ms ms)"
    else
        echo "skip: PackageUpgradeTests: $(grep -m 1 -o 'SKIPPED.*' "$work/upgrade-test.log" || echo 'did not run')"
    fi
else
    cat "$work/upgrade-test.log" >&2
    fail "PackageUpgradeTests"
fi

# Upgrade again, without the sandbox: an operator's edit of the conffile stays.
echo "# edited by install-test" >> /etc/tether/tether.yml
dpkg -i "$deb" > "$work/upgrade.log" 2>&1 || { cat "$work/upgrade.log" >&2; fail "dpkg -i (upgrade)"; }
grep -q "edited by install-test" /etc/tether/tether.yml && pass "upgrade kept the edited conffile" ||
    fail "upgrade replaced the edited conffile"

# Remove keeps configuration and user; purge takes them.
dpkg -r tether > "$work/remove.log" 2>&1 || { cat "$work/remove.log" >&2; fail "dpkg -r"; }
[ -f /etc/tether/tether.yml ] && getent passwd tether >/dev/null && pass "remove kept /etc/tether and the user" ||
    fail "remove lost /etc/tether or the user"
[ -e /usr/bin/tetherd ] && fail "remove left /usr/bin/tetherd"
dpkg --purge tether > "$work/purge.log" 2>&1 || { cat "$work/purge.log" >&2; fail "dpkg --purge"; }
getent passwd tether >/dev/null && fail "purge left the user tether"
getent group tether >/dev/null && fail "purge left the group tether"
[ -e /var/lib/systemd/linger/tether ] && fail "purge left the user's linger"

snapshot > "$work/after"
if diff -u "$work/before" "$work/after" > "$work/diff"; then
    pass "purge left the file system as before ($(wc -l < "$work/before") paths compared)"
else
    cat "$work/diff" >&2
    fail "the file system differs after purge"
fi
getent passwd | diff -u "$work/passwd-before" - >&2 || fail "the user database differs after purge"

rm -rf "$work"
[ "$failures" -eq 0 ]
