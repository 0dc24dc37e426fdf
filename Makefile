# Tether: `make run` to try it, `make test` to check it.
SWIFT   ?= swift
PREFIX  ?= /usr/local
DESTDIR ?=
BINDIR   = $(PREFIX)/bin
UNITDIR_SYSTEM ?= $(PREFIX)/lib/systemd/system
UNITDIR_USER   ?= $(PREFIX)/lib/systemd/user
CONFIG ?=

.PHONY: all deps build run test check-tasks bench bench-redis install uninstall clean

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

install:
	$(SWIFT) build -c release
	install -D -m 0755 .build/release/tetherd $(DESTDIR)$(BINDIR)/tetherd
	install -D -m 0755 .build/release/tether $(DESTDIR)$(BINDIR)/tether
	install -D -m 0644 config/tether.yml $(DESTDIR)$(PREFIX)/share/doc/tether/tether.yml.example
	sed 's#/usr/bin/tetherd#$(BINDIR)/tetherd#' systemd/tetherd.service > tetherd.service.tmp
	install -D -m 0644 tetherd.service.tmp $(DESTDIR)$(UNITDIR_SYSTEM)/tetherd.service
	sed 's#/usr/bin/tetherd#$(BINDIR)/tetherd#' systemd/user/tetherd.service > tetherd.service.tmp
	install -D -m 0644 tetherd.service.tmp $(DESTDIR)$(UNITDIR_USER)/tetherd.service
	rm -f tetherd.service.tmp

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/tetherd $(DESTDIR)$(BINDIR)/tether $(DESTDIR)$(UNITDIR_SYSTEM)/tetherd.service $(DESTDIR)$(UNITDIR_USER)/tetherd.service
	rm -rf $(DESTDIR)$(PREFIX)/share/doc/tether

clean:
	$(SWIFT) package clean
	rm -rf .build
