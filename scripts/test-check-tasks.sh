#!/bin/sh
# Proves check-tasks.sh catches each way to start concurrent work, and lets a marked line pass.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
for line in 'Task { await work() }' 'Task(priority: .high) { }' 'Task(name: "x") { }' 'Task.detached { }' \
            'group.addTask { 1 }' 'group.addTaskUnlessCancelled { 1 }' 'let t = Thread { loop() }' 'Thread(block: loop)' \
            'DispatchQueue.global().async { }' 'DispatchQueue.main.async { }' 'DispatchQueue(label: "q").async { }' \
            'queue.async { }' 'queue.asyncAfter(deadline: .now()) { }' 'Task<Void, Never> { }' 'async let x = f()' \
            'Thread.detachNewThread { }'; do
    printf '%s\n' "$line" > "$tmp/Case.swift"
    if sh "$here/check-tasks.sh" "$tmp" >/dev/null 2>&1; then
        echo "check-tasks.sh missed: $line" >&2
        status=1
    fi
    printf '%s  // registry-exempt: a test of the marker\n' "$line" > "$tmp/Case.swift"
    if ! sh "$here/check-tasks.sh" "$tmp" >/dev/null 2>&1; then
        echo "check-tasks.sh refused a marked line: $line" >&2
        status=1
    fi
done
for line in 'let handle = registry.spawn(name: "x") { }' 'try Task.checkCancellation()' 'withTaskGroup(of: Int.self) { _ in }' 'let h: TaskHandle'; do
    printf '%s\n' "$line" > "$tmp/Case.swift"
    if ! sh "$here/check-tasks.sh" "$tmp" >/dev/null 2>&1; then
        echo "check-tasks.sh refused an allowed line: $line" >&2
        status=1
    fi
done
[ $status -eq 0 ] && echo "tether: check-tasks.sh catches every form it claims"
exit $status
