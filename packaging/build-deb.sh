#!/bin/sh
# `make deb`: the release build (build-release.sh: the Swift runtime and Foundation linked in), staged by stage.sh
# (the same list `make install` uses) and packed with dpkg-deb. Prints the path of the .deb.
# SKIP_BUILD=1 packs what .build/release already holds (it must have been built the same way).
set -eu

cd "$(dirname "$0")/.."
out=packaging/build
root=$out/root
build_dir=.build/release
swift=${SWIFT:-swift}

if [ "${SKIP_BUILD:-0}" != 1 ]; then
    SWIFT=$swift sh packaging/build-release.sh
fi

# No Swift runtime on the target: a binary asking for one would not start there.
for bin in tetherd tether; do
    if ldd "$build_dir/$bin" | grep -E 'libswift|libFoundation|libdispatch|libBlocksRuntime' >&2; then
        echo "build-deb.sh: $bin links the Swift runtime dynamically; build with --static-swift-stdlib" >&2
        exit 1
    fi
done

# The version has one home, Daemon.version, which `tetherd --version` prints.
upstream=$("$build_dir/tetherd" --version)
version=$upstream-${DEBIAN_REVISION:-1}
arch=$(dpkg --print-architecture)
deb=$out/tether_${version}_$arch.deb

rm -rf "$root"
mkdir -p "$root/DEBIAN"
PREFIX=/usr SYSCONFDIR=/etc UNITDIR_SYSTEM=/lib/systemd/system UNITDIR_USER=/usr/lib/systemd/user \
    BUILD_DIR=$build_dir TETHER_VERSION=$upstream sh packaging/stage.sh "$root"

# Debian's own variables name the maintainer; else the author of the last commit.
maintainer="${DEBFULLNAME:-$(git log -1 --format=%an)} <${DEBEMAIL:-$(git log -1 --format=%ae)}>"

# The Debian changelog: one entry per version, dated by the last commit so builds are reproducible.
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
{
    printf 'tether (%s) unstable; urgency=medium\n\n' "$version"
    printf '  * Tether %s: what it brings is in /usr/share/doc/tether/changelog.gz.\n\n' "$upstream"
    printf ' -- %s  %s\n' "$maintainer" "$(LC_ALL=C date -u -R -d "@$epoch")"
} | gzip -9n > "$root/usr/share/doc/tether/changelog.Debian.gz"
chmod 0644 "$root/usr/share/doc/tether/changelog.Debian.gz"

depends=$(sh packaging/depends.sh "$build_dir/tetherd" "$build_dir/tether")
installed_size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)

sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@DEPENDS@/$depends/" \
    -e "s/@INSTALLED_SIZE@/$installed_size/" -e "s|@MAINTAINER@|$maintainer|" packaging/debian/control.in > "$root/DEBIAN/control"
for file in postinst prerm postrm; do
    install -m 0755 "packaging/debian/$file" "$root/DEBIAN/$file"
done
install -m 0644 packaging/debian/conffiles "$root/DEBIAN/conffiles"
install -D -m 0644 packaging/debian/lintian-overrides "$root/usr/share/lintian/overrides/tether"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z |
    xargs -0 md5sum > DEBIAN/md5sums)
chmod 0644 "$root/DEBIAN/md5sums"

# Directories 0755 whatever the umask; every file root-owned in the archive.
find "$root" -type d -exec chmod 0755 {} +
SOURCE_DATE_EPOCH=$epoch dpkg-deb --build --root-owner-group -Zxz "$root" "$deb" >&2
echo "$deb"
