#!/bin/sh
# The one list of what Tether installs, used by `make install` and by `make deb` alike, so the two
# layouts cannot drift. Usage:
#   packaging/stage.sh ROOT
# with the layout in the environment (the Makefile passes its variables; defaults are the Debian
# layout): PREFIX BINDIR SYSCONFDIR UNITDIR_SYSTEM UNITDIR_USER BUILD_DIR. ROOT is a fresh
# directory (install.sh copies from it, keeping an operator's configuration); the binaries must be
# built already (release, in BUILD_DIR).
set -eu

root=${1:?usage: stage.sh ROOT}
PREFIX=${PREFIX:-/usr}
BINDIR=${BINDIR:-$PREFIX/bin}
SYSCONFDIR=${SYSCONFDIR:-/etc}
UNITDIR_SYSTEM=${UNITDIR_SYSTEM:-/lib/systemd/system}
UNITDIR_USER=${UNITDIR_USER:-$PREFIX/lib/systemd/user}
BUILD_DIR=${BUILD_DIR:-.build/release}
DATADIR=$PREFIX/share
DOCDIR=$DATADIR/doc/tether
here=$(dirname "$0")

for bin in tetherd tether; do
    [ -x "$BUILD_DIR/$bin" ] || { echo "stage.sh: $BUILD_DIR/$bin is not built; run 'make deb' or 'make install'" >&2; exit 1; }
done

# Binaries, stripped: the static Swift runtime makes them large and the symbols serve no user.
install -d "$root$BINDIR"
for bin in tetherd tether; do
    install -m 0755 "$BUILD_DIR/$bin" "$root$BINDIR/$bin"
    strip --strip-unneeded --remove-section=.comment --remove-section=.note "$root$BINDIR/$bin"
done

# Units, pointing at where the binary really is.
for unit in tetherd.service user/tetherd.service; do
    case $unit in user/*) dir=$UNITDIR_USER ;; *) dir=$UNITDIR_SYSTEM ;; esac
    install -d "$root$dir"
    sed "s#/usr/bin/tetherd#$BINDIR/tetherd#" "systemd/$unit" > "$root$dir/tetherd.service"
    chmod 0644 "$root$dir/tetherd.service"
done

# The service user, and the configuration (a conffile in the package).
install -D -m 0644 "$here/sysusers.conf" "$root$PREFIX/lib/sysusers.d/tether.conf"
install -D -m 0644 config/tether.yml "$root$SYSCONFDIR/tether/tether.yml"

# Completions, from the CLI itself.
install -d "$root$DATADIR/bash-completion/completions" "$root$DATADIR/zsh/vendor-completions" \
    "$root$DATADIR/fish/vendor_completions.d"
# bash sources its completions: no #! line.
"$BUILD_DIR/tether" --generate-completion-script bash | sed '1{/^#!/d}' > "$root$DATADIR/bash-completion/completions/tether"
"$BUILD_DIR/tether" --generate-completion-script zsh > "$root$DATADIR/zsh/vendor-completions/_tether"
"$BUILD_DIR/tether" --generate-completion-script fish > "$root$DATADIR/fish/vendor_completions.d/tether.fish"
chmod 0644 "$root$DATADIR/bash-completion/completions/tether" "$root$DATADIR/zsh/vendor-completions/_tether" \
    "$root$DATADIR/fish/vendor_completions.d/tether.fish"

# Man pages, from --help.
install -d "$root$DATADIR/man/man1" "$root$DATADIR/man/man8"
sh "$here/manpage.sh" "$BUILD_DIR/tether" 1 | gzip -9n > "$root$DATADIR/man/man1/tether.1.gz"
sh "$here/manpage.sh" "$BUILD_DIR/tetherd" 8 | gzip -9n > "$root$DATADIR/man/man8/tetherd.8.gz"
chmod 0644 "$root$DATADIR/man/man1/tether.1.gz" "$root$DATADIR/man/man8/tetherd.8.gz"

# Documentation.
install -D -m 0644 README.md "$root$DOCDIR/README.md"
gzip -9n < docs/CHANGELOG.md > "$root$DOCDIR/changelog.gz"
chmod 0644 "$root$DOCDIR/changelog.gz"
install -m 0644 "$here/copyright" "$root$DOCDIR/copyright"
install -m 0644 config/tether.yml "$root$DOCDIR/tether.yml.example"
