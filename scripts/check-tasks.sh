#!/bin/sh
# House rule: concurrent work starts only in the TaskRegistry. Fails on unstructured tasks in Sources,
# except lines that carry a comment containing 'registry-exempt' and saying why.
set -eu
# A bare `Task {` (not a task group's structured `addTask {`), Task.detached, Task(priority:), and
# DispatchQueue....async.
hits=$(grep -rnE '(^|[^A-Za-z0-9_.])Task[[:space:]]*(\{|\(priority)|Task\.detached|DispatchQueue\.[a-zA-Z]+(\([^)]*\))?\.async' Sources \
         --include='*.swift' | grep -v 'registry-exempt' || true)
if [ -n "$hits" ]; then
    echo "tether: tasks started outside the TaskRegistry (spawn them through it, or mark the line 'registry-exempt: why'):" >&2
    echo "$hits" >&2
    exit 1
fi
echo "tether: no tasks outside the registry"
