// The benchmark harness: `make bench` runs it on the release build.
//   tether-bench [cache|json|polling|memory|all] [--sessions N] [--seconds S] [--cycles N]
//   tether-bench agents [--sessions N] [--seconds S]   (hooks, input receipts, screen checks; make bench-agents)
//   tether-bench screen-read   (one agent screen check, per screen shape; part of agents)
//   tether-bench redis-rtt --redis URL --target NAME [--count N]
//   tether-bench remote-tail --follower SOCKET --host SOCKET --session ID [--count N]
// (the last two run against daemons started by scripts/bench_redis.py)
// Each section prints a Markdown table; docs/BENCHMARKS.md quotes one run.
import Foundation

let arguments = CommandLine.arguments.dropFirst()
func option(_ name: String, _ fallback: Int) -> Int {
    guard let index = arguments.firstIndex(of: name), arguments.index(after: index) < arguments.endIndex else { return fallback }
    return Int(arguments[arguments.index(after: index)]) ?? fallback
}
let which = arguments.first { !$0.hasPrefix("--") && Int($0) == nil } ?? "all"
let sessions = option("--sessions", 200)
let seconds = option("--seconds", 60)
let cycles = option("--cycles", 20_000)
func text(_ name: String) -> String {
    guard let index = arguments.firstIndex(of: name), arguments.index(after: index) < arguments.endIndex else { return "" }
    return arguments[arguments.index(after: index)]
}

func emit(_ lines: [String]) {
    // Written at once, so each table shows up before the next (long) section starts.
    FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n\n").utf8))
}

if which == "cache" || which == "all" { emit(CacheBenchmark.run()) }
if which == "json" || which == "all" { emit(JSONBenchmark.run()) }
if which == "polling" || which == "all" { emit(try await PollingBenchmark.run(sessions: sessions, seconds: seconds)) }
if which == "api" || which == "all" { emit(try APIBenchmark.run()) }
if which == "screen-read" || which == "agents" { emit(ScreenReadBenchmark.run()) }
if which == "agents" { emit(try AgentBenchmark.run(sessions: sessions, seconds: seconds)) }
if which == "memory" || which == "all" { emit(try await MemoryBenchmark.run(cycles: cycles)) }
if which == "redis-rtt" {
    emit(try await RedisRoundTripBenchmark.run(url: text("--redis"), target: text("--target"), count: option("--count", 2000)))
}
if which == "remote-tail" {
    emit(try RemoteTailBenchmark.run(follower: text("--follower"), host: text("--host"), session: text("--session"), count: option("--count", 200)))
}
