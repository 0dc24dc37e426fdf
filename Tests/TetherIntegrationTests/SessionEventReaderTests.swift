import Foundation
import Logging
import Synchronization
import TetherCore
import TetherRedis
import Testing

/// The reader of `session_events:{computer}` against a real redis-server: Python peers' payloads
/// into the cache, no history, malformed input skipped, bootstrap and departures.
@Suite(.serialized, .timeLimit(.minutes(3))) struct SessionEventReaderTests {
    static let started = "reading peers' session events from the stream's current end"

    func interested() -> SubscriptionInterest {
        let interest = SubscriptionInterest()
        interest.update(subscriber: 1, topics: ["sessions"])
        return interest
    }

    func admin(_ server: RedisServer) throws -> RedisLink {
        RedisLink(options: try redisOptions(server.url()), name: "admin", time: .continuous, logger: Logger(label: "admin"))
    }

    @Test func aPythonPeersUpdatesAndRemovalsReachTheCacheAndNoHistoryIsReplayed() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        let peer = try admin(server)
        // Written before the reader starts: history, never replayed.
        try await PythonEvents.push(PythonEvents.updated("old-1"), to: "tether1", on: peer)
        let cache = SessionCache(localComputer: "tether1", time: .continuous)
        let logs = LogRecorder()
        let tally = SessionEventTally()
        try await withEventReader(server, cache: cache, interest: interested(), tally: tally, logs: logs) {
            #expect(await eventually { logs.count(Self.started) == 1 })
            try await PythonEvents.push(PythonEvents.updated("3f2c1a9b-new"), to: "tether1", on: peer)
            try await PythonEvents.push(PythonEvents.updated("no-computer", computer: nil), to: "tether1", on: peer)
            #expect(await eventually { cache.session("3f2c1a9b-new") != nil && cache.session("no-computer") != nil })
            let session = try #require(cache.session("3f2c1a9b-new"))
            #expect(session.computer == "pyhost" && session.record.title == "…" && session.status == .active)
            #expect(session.hostStamp == Timestamp(iso8601: "2026-01-11T21:52:03.004211+00:00"))
            #expect(cache.session("no-computer")?.computer == "pyhost", "computer from source_computer")
            #expect(cache.session("old-1") == nil, "entries written before the reader started are not replayed")

            try await PythonEvents.push(PythonEvents.removed("3f2c1a9b-new"), to: "tether1", on: peer)
            #expect(await eventually { cache.session("3f2c1a9b-new") == nil })
            // A relay of another computer's session, and an echo of this computer's: not taken.
            try await PythonEvents.push(PythonEvents.updated("relayed", computer: "third", source: "pyhost"), to: "tether1", on: peer)
            try await PythonEvents.push(PythonEvents.updated("echo", computer: "tether1", source: "tether1"), to: "tether1", on: peer)
            try await PythonEvents.push("{\"event\": \"session_created\", \"data\": {\"session_id\": \"x\"}}", to: "tether1", on: peer)
            #expect(await eventually { tally.current.ignored == 3 })
            #expect(cache.session("relayed") == nil && cache.session("echo") == nil)
        }
        #expect(tally.current.received == 3 && tally.current.rejected == 0)
    }

    @Test func malformedPayloadsAreSkippedWithOneLinePerStreakAndTheReaderGoesOn() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        let peer = try admin(server)
        let cache = SessionCache(localComputer: "tether1", time: .continuous)
        let logs = LogRecorder()
        let tally = SessionEventTally()
        let stream = Array(RedisKeys.sessionEvents("tether1").utf8)
        func raw(_ field: String, _ value: [UInt8]) async throws {
            _ = try await peer.send(bytes: [Array("XADD".utf8), stream, Array("*".utf8), Array(field.utf8), value])
        }
        let garbage: [String] = [
            "not json", "[1, 2]", "{\"event\": 3}",
            "{\"event\": \"session_updated\", \"data\": {\"title\": \"x\"}, \"source_computer\": \"pyhost\"}",
            "{\"event\": \"session_updated\", \"data\": {\"session_id\": 5}, \"source_computer\": \"pyhost\"}",
            "{\"event\": \"session_updated\", \"data\": {\"session_id\": \"s\", \"title\": 7}, \"source_computer\": \"pyhost\"}",
            "{\"event\": \"session_removed\", \"data\": \"s\", \"source_computer\": \"pyhost\"}",
            "{\"event\": \"session_removed\", \"data\": {\"session_id\": \"s\"}}",
            "{\"event\": \"session_updated\", \"data\": {\"session_id\": \"s\"}, \"source_computer\": \"bad name:x\"}",
        ]
        try await withEventReader(server, cache: cache, interest: interested(), tally: tally, logs: logs) {
            #expect(await eventually { logs.count(Self.started) == 1 })
            for text in garbage { try await raw("payload", Array(text.utf8)) }
            try await raw("payload", [0xff, 0xfe, 0x7b])
            try await raw("other", Array(PythonEvents.updated("no-payload-field").utf8))
            try await raw("payload", Array(repeating: UInt8(ascii: "x"), count: StreamEntryLimits.maximumChunkBytes + 1))
            try await PythonEvents.push(PythonEvents.updated("good-after-garbage"), to: "tether1", on: peer)
            #expect(await eventually(timeout: .seconds(20)) { cache.session("good-after-garbage") != nil })
            #expect(tally.current.rejected == garbage.count + 3)
            #expect(logs.count("malformed payload") == 1, "one line for the whole streak")
            try await raw("payload", Array("{}".utf8))
            try await PythonEvents.push(PythonEvents.updated("good-again"), to: "tether1", on: peer)
            #expect(await eventually { cache.session("good-again") != nil })
            #expect(logs.count("malformed payload") == 2, "a new streak, a new line")
        }
    }

    @Test func gainingInterestOrReconnectingPullsEachPeerAndAPeerThatLeavesTakesItsSessionsAlong() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        let me = try PeersRun(server.url(), name: "tether1")
        let other = try PeersRun(server.url(), name: "peer2")
        let cache = SessionCache(localComputer: "tether1", time: .continuous)
        let interest = SubscriptionInterest()
        let logs = LogRecorder()
        let tally = SessionEventTally()
        let asked = Counter()
        let bootstrap: SessionEventReader.Bootstrap = { computer in
            asked.increment()
            var record = SessionRecord(sessionID: "listed-\(computer)", computerName: computer, tmuxSessionName: "tc_listed",
                                       createdAt: Timestamp(microseconds: 1_768_168_000_000_000))
            record.status = .idle
            return [Session(remote: record, hostStamp: Timestamp(microseconds: 1_768_168_300_000_000))]
        }
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { await me.run() }
            group.addTask { await other.run() }
            try await withEventReader(server, cache: cache, interest: interest, directory: me.service.directory,
                                      bootstrap: bootstrap, tally: tally, logs: logs) {
                #expect(await eventually { me.names == ["peer2"] })
                #expect(asked.value == 0, "no pull without interest")
                interest.update(subscriber: 1, topics: ["sessions"])
                #expect(await eventually { cache.session("listed-peer2") != nil })
                #expect(cache.session("listed-peer2")?.status == .idle)
                // Counted just after the cache is filled.
                #expect(await eventually { tally.current.bootstraps == 1 })

                // Redis restarted (empty): events may have been lost meanwhile, so every peer is pulled again.
                await server.kill()
                try await server.start()
                // At least once more: a round that reads the emptied Redis before peer2 beats again
                // drops it and pulls it once more when it is back, which is right too.
                #expect(await eventually(timeout: .seconds(20)) { asked.value >= 2 })
                #expect(await eventually { me.names == ["peer2"] })

                let departures = logs.count("peers left; their sessions leave the cache")
                let pulls = asked.value
                #expect(await other.stop())
                #expect(await eventually { cache.session("listed-peer2") == nil }, "gone with its heartbeat")
                // The line follows the removal on the reader's side: wait for it, do not race it.
                #expect(await eventually { logs.count("peers left; their sessions leave the cache") == departures + 1 })
                #expect(asked.value == pulls, "a peer that left is not pulled")
            }
            #expect(await me.stop())
        }
        #expect(asked.value >= 2)
    }
}

/// A thread-safe count for closures the code under test calls.
final class Counter: Sendable {
    private let count = Mutex(0)
    func increment() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
