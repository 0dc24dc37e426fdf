#!/bin/sh
# House rule: concurrent work starts only in the TaskRegistry. Fails on every other way to start it
# in Sources: `Task {`, `Task<…> {`, `Task(priority:)`, `Task(name:)`, `Task.detached`, a task
# group's `addTask`, `async let`, `Thread {`/`Thread(`/`Thread.detachNewThread`, and any `.async {`
# or `.asyncAfter(` (DispatchQueue, a stored queue). A line may do so only if it carries a comment
# containing 'registry-exempt' that says why.
set -eu
dir=${1:-Sources}
pattern='(^|[^A-Za-z0-9_.])Task[[:space:]]*(<[^>]*>[[:space:]]*)?(\{|\()|Task\.detached|addTask(UnlessCancelled)?[[:space:]]*(\{|\()|async[[:space:]]+let[[:space:]]|(^|[^A-Za-z0-9_.])Thread[[:space:]]*(\{|\()|Thread\.detachNewThread|\.async(After)?[[:space:]]*(\{|\()'
hits=$(grep -rnE "$pattern" "$dir" --include='*.swift' | grep -v 'registry-exempt' || true)
if [ -n "$hits" ]; then
    echo "tether: concurrent work started outside the TaskRegistry (spawn it through the registry, or mark the line 'registry-exempt: why'):" >&2
    echo "$hits" >&2
    exit 1
fi
echo "tether: no concurrent work outside the registry"
