#!/bin/sh
# The Depends line for the given binaries: every shared library they name (NEEDED), found where
# the loader finds it (ldd) and mapped to its package (dpkg -S), plus tmux, which every session
# runs in, procps, whose /bin/kill is the units' ExecReload, and adduser, whose deluser (and
# adduser, without systemd-sysusers) the maintainer scripts call. init-system-helpers
# (deb-systemd-helper) is Essential.
# libc6 gets the lowest version that has every GLIBC_ symbol version the binaries use.
set -eu

[ $# -gt 0 ] || { echo "usage: depends.sh BINARY..." >&2; exit 1; }

package_of() {
    # dpkg knows a library by the path its package shipped, /lib or /usr/lib (merged /usr).
    for path in "$1" "$(realpath "$1")" "$(printf '%s' "$1" | sed 's#^/usr/lib/#/lib/#')" \
        "$(printf '%s' "$1" | sed 's#^/lib/#/usr/lib/#')"; do
        found=$(dpkg -S "$path" 2>/dev/null | grep -v '^diversion' | head -n 1 | cut -d: -f1) || true
        if [ -n "$found" ]; then echo "$found"; return 0; fi
    done
    echo "depends.sh: no package ships $1" >&2
    return 1
}

# The loader itself is NEEDED too; ldd prints it by path alone, so match on the base name.
libraries=$(mktemp)
trap 'rm -f "$libraries"' EXIT
for bin in "$@"; do
    for lib in $(objdump -p "$bin" | awk '$1 == "NEEDED" { print $2 }'); do
        path=$(ldd "$bin" | awk -v lib="$lib" '
            $1 == lib && $3 ~ /^\// { print $3; exit }
            $1 ~ /^\// && $1 ~ ("/" lib "$") { print $1; exit }')
        [ -n "$path" ] || { echo "depends.sh: $bin needs $lib, which the loader does not find" >&2; exit 1; }
        package_of "$path" >> "$libraries"
    done
done
packages=$(LC_ALL=C sort -u "$libraries")

glibc=$(for bin in "$@"; do objdump -T "$bin"; done | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' |
    sort -uV | tail -n 1)

line=
for package in $packages tmux procps adduser; do
    case $package in
        libc6) entry="libc6${glibc:+ (>= $glibc)}" ;;
        *) entry=$package ;;
    esac
    line=${line:+$line, }$entry
done
echo "$line"
