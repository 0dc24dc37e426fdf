#!/bin/sh
# The release build the package and `make install` ship: the Swift standard library and Foundation
# linked in (the target needs no Swift toolchain), and immediate binding, so the relocations are
# read-only once the loader is done (Debian's hardening-no-bindnow).
set -eu

cd "$(dirname "$0")/.."
for product in tetherd tether; do
    "${SWIFT:-swift}" build -c release --static-swift-stdlib -Xlinker -z -Xlinker now --product "$product" >&2
done
