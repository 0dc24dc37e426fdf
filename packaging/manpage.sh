#!/bin/sh
# A plain man page from a binary's own --help, and each subcommand's, so the page never says other
# than the program does. Usage: manpage.sh BINARY SECTION > page
set -eu

bin=${1:?usage: manpage.sh BINARY SECTION}
section=${2:?usage: manpage.sh BINARY SECTION}
name=$(basename "$bin")
upper=$(printf '%s' "$name" | tr '[:lower:]' '[:upper:]')
version=${TETHER_VERSION:-}

# Help text as roff literal lines: backslashes escaped, leading dots and quotes neutralised,
# hyphens made minus signs (options are typed as ASCII hyphens).
roff() {
    sed -e 's/\\/\\e/g' -e 's/-/\\-/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"
}

overview=$("$bin" --help | awk '/^OVERVIEW: / { on = 1; sub(/^OVERVIEW: /, "") } on && /^$/ { exit } on { printf "%s%s", sep, $0; sep = " " }' | sed 's/[.]$//')
subcommands=$("$bin" --help | awk '/^SUBCOMMANDS:/ { on = 1; next } on && /^  [a-z]/ { print $1 }')

printf '.TH %s %s "" "%s" "Tether"\n' "$upper" "$section" "${version:+tether $version}"
printf '.SH NAME\n%s \\- %s\n' "$name" "$(printf '%s' "$overview" | sed 's/-/\\-/g')"
printf '.SH DESCRIPTION\n.nf\n'
"$bin" --help | roff
printf '.fi\n'
if [ -n "$subcommands" ]; then
    printf '.SH SUBCOMMANDS\n'
    for sub in $subcommands; do
        printf '.SS %s\n.nf\n' "$sub"
        "$bin" "$sub" --help | roff
        printf '.fi\n'
    done
fi
printf '.SH SEE ALSO\n/usr/share/doc/tether/README.md\n'
