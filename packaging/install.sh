#!/bin/sh
# `make install` / `make uninstall` for distributions without the package: the layout stage.sh
# makes (the package's own), copied under DESTDIR, with a list of what was installed so uninstall
# removes exactly that. An existing configuration is kept, as dpkg keeps a conffile.
# Usage: install.sh install|uninstall, with DESTDIR PREFIX BINDIR SYSCONFDIR UNITDIR_SYSTEM
# UNITDIR_USER in the environment.
set -eu

cd "$(dirname "$0")/.."
DESTDIR=${DESTDIR:-}
PREFIX=${PREFIX:-/usr/local}
SYSCONFDIR=${SYSCONFDIR:-/etc}
export PREFIX SYSCONFDIR
manifest=$PREFIX/share/doc/tether/installed-files
conf=$SYSCONFDIR/tether/tether.yml

case ${1:-} in
    install)
        staged=packaging/build/install-root
        rm -rf "$staged"
        mkdir -p "$staged"
        sh packaging/stage.sh "$staged"
        (cd "$staged" && find . -type f -printf '/%P\n' | LC_ALL=C sort) > packaging/build/installed-files
        while read -r file; do
            if [ "$file" = "$conf" ] && [ -e "$DESTDIR$file" ]; then
                echo "install.sh: kept $DESTDIR$file (the shipped one is in $PREFIX/share/doc/tether)" >&2
                continue
            fi
            install -D -m "$(stat -c %a "$staged$file")" "$staged$file" "$DESTDIR$file"
        done < packaging/build/installed-files
        echo "$manifest" >> packaging/build/installed-files
        install -D -m 0644 packaging/build/installed-files "$DESTDIR$manifest"
        ;;
    uninstall)
        [ -f "$DESTDIR$manifest" ] || { echo "install.sh: $DESTDIR$manifest not found: nothing installed here" >&2; exit 1; }
        # The configuration stays, as on a package's remove; delete $conf by hand to purge.
        grep -vxF "$conf" "$DESTDIR$manifest" | while read -r file; do
            rm -f "$DESTDIR$file"
        done
        rmdir "$DESTDIR$PREFIX/share/doc/tether" 2>/dev/null || true
        ;;
    *)
        echo "usage: install.sh install|uninstall" >&2
        exit 1
        ;;
esac
