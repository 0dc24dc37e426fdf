# Tether: `make run` to try it, `make test` to check it.
SWIFT   ?= swift
PREFIX  ?= /usr/local
DESTDIR ?=
BINDIR   = $(PREFIX)/bin
UNITDIR_SYSTEM ?= $(PREFIX)/lib/systemd/system
UNITDIR_USER   ?= $(PREFIX)/lib/systemd/user
SYSCONFDIR     ?= /etc
CONFIG ?=

.PHONY: all deps build run test check-tasks bench bench-redis bench-agents install uninstall deb package-test clean

all: build

deps:
	@sh scripts/ensure-deps.sh

build: deps
	$(SWIFT) build

# Foreground, on the built-in defaults (or CONFIG=path); Ctrl-C drains and exits.
run: build
	.build/debug/tetherd $(if $(CONFIG),--config $(CONFIG))

check-tasks:
	@sh scripts/test-check-tasks.sh
	@sh scripts/check-tasks.sh

test: deps check-tasks
	$(SWIFT) build --build-tests
	@sh scripts/check-systemd-sandbox.sh
	$(SWIFT) test --skip-build --no-parallel --disable-xctest

bench: deps
	$(SWIFT) build -c release
	sh scripts/bench.sh

# Discovery on a Redis with 1,000,000 unrelated keys, and 2 to 20 daemons on one Redis (minutes).
bench-redis: deps
	$(SWIFT) build -c release
	python3 scripts/bench_redis.py

# Agents: a hook to session_updated, send to the delivered receipt, screen checks' polling cost (minutes).
bench-agents: deps
	$(SWIFT) build -c release
	.build/release/tether-bench agents --sessions 200 --seconds 60

# The package's layout under DESTDIR/PREFIX, from the same list as `make deb` (packaging/stage.sh).
install:
	SWIFT="$(SWIFT)" sh packaging/build-release.sh
	DESTDIR="$(DESTDIR)" PREFIX="$(PREFIX)" BINDIR="$(BINDIR)" SYSCONFDIR="$(SYSCONFDIR)" \
		UNITDIR_SYSTEM="$(UNITDIR_SYSTEM)" UNITDIR_USER="$(UNITDIR_USER)" sh packaging/install.sh install

uninstall:
	DESTDIR="$(DESTDIR)" PREFIX="$(PREFIX)" SYSCONFDIR="$(SYSCONFDIR)" sh packaging/install.sh uninstall

# tether_<version>_<arch>.deb in packaging/build/ (see packaging/README.md).
deb: deps
	SWIFT="$(SWIFT)" sh packaging/build-deb.sh

# Builds the package and checks it; installs and purges it only where that is safe (see the script).
package-test: deps
	SWIFT="$(SWIFT)" sh packaging/test.sh

clean:
	$(SWIFT) package clean
	rm -rf .build packaging/build
