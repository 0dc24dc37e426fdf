#!/bin/sh
# `make package-test`: build the package and check it without installing (lintian, contents,
# Depends, units, the conffile); then, only as root on a machine where Tether is neither installed
# nor has a user (a CI container), install, upgrade with running sessions under the systemd
# sandbox, remove and purge it, and compare the file system before and after. SKIP_BUILD=1 reuses
# .build/release.
set -eu

cd "$(dirname "$0")/.."
out=packaging/build
root=$out/root
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }

deb=$(sh packaging/build-deb.sh | tail -n 1)
pass "built $deb ($(du -h "$deb" | cut -f1))"

# lintian: errors fail the test; warnings are listed and justified in packaging/README.md. It is
# installed here, not by `make deps`: only the package needs it (and its ~100 MB of Perl).
if ! command -v lintian >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "package-test: installing lintian"
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends lintian; } > $out/apt.log 2>&1 ||
            { cat $out/apt.log >&2; fail "could not install lintian"; }
    else
        fail "lintian is not installed: run make package-test as root, or 'sudo apt-get install lintian' first"
    fi
fi
if command -v lintian >/dev/null 2>&1; then
    if lintian --fail-on error --suppress-tags-from-file packaging/lintian-justified "$deb"; then
        pass "lintian: no errors (justified tags suppressed: packaging/lintian-justified)"
    else
        fail "lintian reports errors"
    fi
fi

# Contents: exactly the expected files, all root-owned.
dpkg-deb -c "$deb" | awk '$1 !~ /^d/ { sub(/^\./, "", $6); print $6 }' | LC_ALL=C sort > $out/contents
if LC_ALL=C sort packaging/contents.expected | diff -u - $out/contents; then
    pass "contents: $(wc -l < $out/contents) files as packaging/contents.expected"
else
    fail "contents differ from packaging/contents.expected (- expected, + packaged)"
fi
if dpkg-deb -c "$deb" | awk '$2 != "root/root" { found = 1; print } END { exit !found }' >&2; then
    fail "files not owned by root/root"
fi
dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles | grep -qx /etc/tether/tether.yml &&
    pass "conffile: /etc/tether/tether.yml" || fail "/etc/tether/tether.yml is not a conffile"

depends=$(dpkg-deb -f "$deb" Depends)
case ", $depends," in
    *", tmux,"*) pass "Depends: $depends" ;;
    *) fail "Depends lacks tmux: $depends" ;;
esac
dpkg-deb -f "$deb" Recommends | grep -q redis && fail "Recommends redis" || true

# `make install` with the Debian layout installs the package's files, less Debian's own.
rm -rf $out/destdir
DESTDIR=$PWD/$out/destdir PREFIX=/usr UNITDIR_SYSTEM=/lib/systemd/system UNITDIR_USER=/usr/lib/systemd/user \
    sh packaging/install.sh install 2>/dev/null
(cd $out/destdir && find . -type f -printf '/%P\n' | LC_ALL=C sort) |
    grep -vx /usr/share/doc/tether/installed-files > $out/install-contents
if grep -v -e changelog.Debian.gz -e /usr/share/lintian/ $out/contents | diff -u - $out/install-contents; then
    pass "make install: the package's layout (- package, + make install)"
else
    fail "make install and the package differ (- package, + make install)"
fi

for bin in tetherd tether; do
    if ldd "$root/usr/bin/$bin" | grep -E 'libswift|libFoundation|libdispatch'; then
        fail "$bin links the Swift runtime dynamically"
    fi
done

# The units as the package ships them, ExecStart pointed at the staged binary (verify checks that
# it is executable; it has no --root that finds the host's targets too).
mkdir -p $out/verify/user
sed "s#/usr/bin/tetherd#$PWD/$root/usr/bin/tetherd#" "$root/lib/systemd/system/tetherd.service" > $out/verify/tetherd.service
sed "s#/usr/bin/tetherd#$PWD/$root/usr/bin/tetherd#" "$root/usr/lib/systemd/user/tetherd.service" > $out/verify/user/tetherd.service
if systemd-analyze verify $out/verify/tetherd.service > $out/verify.log 2>&1; then
    pass "systemd-analyze verify: the system unit"
else
    cat $out/verify.log >&2
    fail "systemd-analyze verify: the system unit"
fi
# The user manager it starts for the check needs a runtime directory, which root in CI lacks.
mkdir -p -m 0700 $out/verify/runtime
if XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$PWD/$out/verify/runtime} \
    systemd-analyze --user verify $out/verify/user/tetherd.service > $out/verify-user.log 2>&1; then
    pass "systemd-analyze --user verify: the user unit"
else
    cat $out/verify-user.log >&2
    fail "systemd-analyze --user verify: the user unit"
fi

if "$root/usr/bin/tetherd" check-config --config "$root/etc/tether/tether.yml" > $out/check-config.log 2>&1; then
    pass "tetherd check-config on the shipped conffile"
else
    cat $out/check-config.log >&2
    fail "tetherd check-config on the shipped conffile"
fi

# Install, upgrade, remove, purge: only where nothing of an operator's can be touched.
if [ "$(id -u)" -ne 0 ]; then
    echo "skip: install test (not root)"
elif dpkg-query -W tether >/dev/null 2>&1 || getent passwd tether >/dev/null || [ -e /etc/tether ] || [ -e /var/lib/tether ]; then
    echo "skip: install test (tether is or was installed here: its user, /etc/tether or /var/lib/tether exist)"
else
    # The install test runs PackageUpgradeTests from the test build (incremental after make test).
    if "${SWIFT:-swift}" build --build-tests > $out/build-tests.log 2>&1; then
        SWIFT=${SWIFT:-swift} sh packaging/install-test.sh "$deb" || fail "install test"
    else
        tail -n 30 $out/build-tests.log >&2
        fail "swift build --build-tests (for PackageUpgradeTests)"
    fi
fi

if [ "$failures" -gt 0 ]; then
    echo "package-test: $failures failure(s)" >&2
    exit 1
fi
echo "package-test: all passed"
