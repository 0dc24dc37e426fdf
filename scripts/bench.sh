#!/bin/sh
# Runs the benchmarks on the release build; figures go to stdout (copy them into docs/BENCHMARKS.md).
#   BENCH="cache json" limits the session harness to those sections (each runs in a process of its
#   own, so one section's memory does not show in the next); SESSIONS=200, SECONDS_=60 and
#   CYCLES=20000 size them; RUNS=30 sizes the start and stop runs of scripts/bench.py.
set -eu
python3 scripts/bench.py
for section in ${BENCH:-cache json polling memory api}; do
    .build/release/tether-bench "$section" --sessions "${SESSIONS:-200}" --seconds "${SECONDS_:-60}" --cycles "${CYCLES:-20000}"
done
