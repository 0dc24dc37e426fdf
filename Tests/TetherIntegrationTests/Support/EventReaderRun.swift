import Logging
import TetherCore
import TetherRedis
import Testing

/// A ``SessionEventReader`` for `tether1` on `server`, run for the length of `body`, then stopped;
/// the stop must end it by itself within a bound.
func withEventReader(_ server: RedisServer, cache: SessionCache, interest: SubscriptionInterest,
                     directory: PeerDirectory = PeerDirectory(), bootstrap: SessionEventReader.Bootstrap? = nil,
                     tally: SessionEventTally = SessionEventTally(), logs: LogRecorder,
                     _ body: () async throws -> Void) async throws {
    let reader = SessionEventReader(options: try redisOptions(server.url()), computer: "tether1", cache: cache, directory: directory,
                                    interest: interest, bootstrap: bootstrap, tally: tally, block: .seconds(5),
                                    time: .continuous, logger: logs.logger)
    let stop = AsyncEvent()
    let finished = AsyncEvent()
    var failure: (any Error)?
    await withDiscardingTaskGroup { group in
        group.addTask {
            await reader.run(until: stop)
            finished.fire()
        }
        do { try await body() } catch { failure = error }
        let asked = ContinuousClock.now
        stop.fire()
        // A pending BLOCK of 5 s must be cut at once.
        if await !finished.wait(timeout: .seconds(4), on: .continuous) { failure = failure ?? ReaderDidNotStop() }
        #expect(ContinuousClock.now - asked < promptly)
    }
    if let failure { throw failure }
}

/// Session-event payloads written as a Python peer writes them (PROTOCOL.md §4).
enum PythonEvents {
    static func updated(_ id: String, computer: String? = "pyhost", source: String = "pyhost", title: String = "…",
                        timestamp: String = "2026-01-11T21:52:03.004211+00:00") -> String {
        let host = computer.map { ", \"computer\": \"\($0)\"" } ?? ""
        return "{\"event\": \"session_updated\", \"data\": {\"session_id\": \"\(id)\"\(host), \"title\": \"\(title)\", \"status\": \"active\"}, "
            + "\"timestamp\": \"\(timestamp)\", \"source_computer\": \"\(source)\"}"
    }

    static func removed(_ id: String, source: String = "pyhost", timestamp: String = "2026-01-11T21:53:03.004211+00:00") -> String {
        "{\"event\": \"session_removed\", \"data\": {\"session_id\": \"\(id)\"}, \"timestamp\": \"\(timestamp)\", \"source_computer\": \"\(source)\"}"
    }

    /// `XADD session_events:{target} * payload …` (no MAXLEN matters to the reader).
    @discardableResult
    static func push(_ payload: String, to target: String, on link: RedisLink) async throws -> String? {
        try await link.send(["XADD", RedisKeys.sessionEvents(target), "*", "payload", payload]).string
    }

    /// A Python heartbeat (no index entry: found by the SCAN sweep).
    static func heartbeat(_ name: String, interest: [String]) -> String {
        let topics = interest.isEmpty ? "" : ", \"interested_in\": [" + interest.map { "\"\($0)\"" }.joined(separator: ", ") + "]"
        return "{\"computer_name\": \"\(name)\", \"last_seen\": \"2026-01-11T21:51:41.123456+00:00\"\(topics)}"
    }
}
