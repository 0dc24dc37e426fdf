#!/bin/sh
# Runs the benchmarks on the release build; figures go to stdout (copy them into docs/BENCHMARKS.md).
set -eu
python3 scripts/bench.py
