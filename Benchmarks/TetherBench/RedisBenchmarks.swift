import Foundation
import Logging
import TetherClient
import TetherCore
import TetherRedis

/// Request and reply against a real `tetherd` on Redis, as another Tether daemon asks it: the
/// daemon's own ``RedisRequester`` in this process, the target started by `scripts/bench_redis.py`.
///   tether-bench redis-rtt --redis URL --target NAME [--count N]
enum RedisRoundTripBenchmark {
    /// Long enough for any single request on loopback; a request that takes longer counts as failed.
    static let requestDeadline: Duration = .seconds(5)

    static func run(url: String, target: String, count: Int) async throws -> [String] {
        let options = try RedisConnectionOptions(url: url, password: "", passwordFile: "", connectTimeout: .seconds(5),
                                                 commandTimeout: .seconds(5), blockTimeout: .seconds(1), tunnel: nil)
        var logger = Logger(label: "tether-bench")
        logger.logLevel = .warning
        let requester = RedisRequester(options: options, computer: "bench-requester", time: .continuous, logger: logger)
        return await withTaskGroup(of: [String].self) { group in
            group.addTask {  // registry-exempt: the benchmark's own reply reader, ended below
                await requester.run()
                return []
            }
            var lines: [String] = []
            for (name, command) in [("get_computer_info", PeerCommand.getComputerInfo), ("list_sessions", .listSessions)] {
                var samples: [Double] = []
                var failures = 0
                // Warm-up: connections made, the target's first reply path taken.
                for _ in 0..<20 { _ = try? await requester.request(command, to: target, deadline: requestDeadline) }
                for _ in 0..<count {
                    let start = ContinuousClock.now
                    do {
                        _ = try await requester.request(command, to: target, deadline: requestDeadline)
                        samples.append((ContinuousClock.now - start).seconds * 1000)
                    } catch {
                        failures += 1
                    }
                }
                lines.append("| \(name) | \(samples.count) | \(format(Measure.percentile(samples, 0.5))) | "
                             + "\(format(Measure.percentile(samples, 0.9))) | \(format(Measure.percentile(samples, 0.99))) | \(failures) |")
            }
            await requester.stop()
            await group.waitForAll()
            return ["### Request and reply, a Tether requester to a Tether daemon on loopback Redis (`tether-bench redis-rtt`)", "",
                    "| command | requests | p50 ms | p90 ms | p99 ms | failed |", "|---|---|---|---|---|---|"] + lines
        }
    }

    static func format(_ value: Double) -> String { String(format: "%.2f", value) }
}

/// A keystroke on one computer to the screen update in a remote `tail -f` on another: a WebSocket
/// client of daemon B follows a session of daemon A; each round types a marker into A's session
/// through A's API and times until B's client shows it.
///   tether-bench remote-tail --follower SOCKET --host SOCKET --session ID [--count N]
enum RemoteTailBenchmark {
    /// The longest one update may take before the round counts as lost.
    static let updateDeadline: Duration = .seconds(10)

    static func run(follower: String, host: String, session: String, count: Int) throws -> [String] {
        let socket = try TetherWebSocket(socketPath: follower)
        defer { socket.close() }
        try socket.send(json: ["subscribe": ["session": session]])
        let api = TetherHTTPClient(socketPath: host, timeout: .seconds(10))
        var samples: [Double] = []
        var lost = 0
        for round in 0..<(count + 5) {
            let marker = "mk\(round)x\(UInt32.random(in: 0...UInt32.max))"
            let start = ContinuousClock.now
            // Keys only (no Enter): the shell echoes the marker on the prompt line.
            _ = try api.send("POST", "/sessions/\(session)/message", json: ["message": "# \(marker)"])
            var seen = false
            while ContinuousClock.now - start < updateDeadline {
                guard let message = try socket.receiveJSON(timeout: updateDeadline - (ContinuousClock.now - start)) else { break }
                guard message["event"] as? String == "session_output", let data = message["data"] as? [String: Any],
                      (data["screen"] as? String)?.contains(marker) == true else { continue }
                seen = true
                break
            }
            // The first rounds warm up the watch (lease, links, first screens).
            guard round >= 5 else { continue }
            if seen { samples.append((ContinuousClock.now - start).seconds * 1000) } else { lost += 1 }
        }
        return ["### Keystroke on one computer to the screen in a remote `tail -f` on another (`tether-bench remote-tail`)", "",
                "| rounds | p50 ms | p90 ms | p99 ms | lost |", "|---|---|---|---|---|",
                "| \(samples.count) | \(RedisRoundTripBenchmark.format(Measure.percentile(samples, 0.5))) | "
                + "\(RedisRoundTripBenchmark.format(Measure.percentile(samples, 0.9))) | "
                + "\(RedisRoundTripBenchmark.format(Measure.percentile(samples, 0.99))) | \(lost) |"]
    }
}
