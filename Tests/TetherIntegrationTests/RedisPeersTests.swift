import Foundation
import Logging
import TetherCore
import TetherRedis
import Testing

/// Heartbeat and discovery against a real redis-server: Tether peers through the index, Python
/// peers through the SCAN sweep, departures at once or after the TTL, and no KEYS ever.
@Suite(.serialized, .timeLimit(.minutes(3))) struct RedisPeersTests {
    private func pythonHeartbeat(_ name: String, interest: [String] = []) -> String {
        let topics = interest.isEmpty ? "" : ", \"interested_in\": [" + interest.map { "\"\($0)\"" }.joined(separator: ", ") + "]"
        return "{\"computer_name\": \"\(name)\", \"last_seen\": \"2026-01-11T21:51:41.123456+00:00\"\(topics)}"
    }

    /// The reply, or nil when the command failed (the failure shows as the expectation's mismatch).
    private func reply(_ link: RedisLink?, _ arguments: [String]) async -> RedisValue? {
        try? await link?.send(arguments)
    }

    private func admin(_ server: RedisServer) throws -> RedisLink {
        RedisLink(options: try redisOptions(server.url()), name: "admin", time: .continuous, logger: Logger(label: "admin"))
    }

    @Test func twoComputersSeeEachOtherAndAGracefulStopRemovesOneAtOnce() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        let admin = try admin(server)
        let a = try PeersRun(server.url(), name: "alpha")
        let b = try PeersRun(server.url(), name: "beta")
        await withDiscardingTaskGroup { group in
            group.addTask { await a.run() }
            group.addTask { await b.run() }
            #expect(await eventually { a.names == ["beta"] && b.names == ["alpha"] })
            // A round may read the index just before alpha's first ZADD and sweep just after its
            // SETEX: alpha is then a swept peer for that round, a Tether one from the next.
            #expect(await eventually { b.service.directory.peer(named: "alpha")?.isTether == true })
            // The directory is filled just before the round records the state.
            #expect(await eventually { a.service.status.state == .connected && a.service.status.peers == 1 })
            #expect(await reply(admin, ["ZSCORE", RedisKeys.computerIndex, "alpha"])?.string != nil)

            #expect(await a.stop())
            // Gone from Redis when stop returns, and from the other's view at its next round.
            #expect(await reply(admin, ["EXISTS", RedisKeys.heartbeat("alpha")]) == .integer(0))
            #expect(await reply(admin, ["ZSCORE", RedisKeys.computerIndex, "alpha"]) == .null)
            #expect(await eventually { b.names.isEmpty }, "at a round, long before the 300 s sweep")
            #expect(await b.stop())
        }
        await admin.close()
    }

    /// A peer that answers a computer's first heartbeat at once must find its request reader
    /// reading: the first heartbeat waits for the reader's cursor, a bounded time, once Redis answers.
    @Test func theFirstHeartbeatWaitsForTheRequestReaderABoundedTime() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        let admin = try admin(server)
        let positioned = AsyncEvent()
        let (quiet, recorder) = (LogRecorder(), LogRecorder())
        let a = try PeersRun(server.url(), name: "alpha", logger: quiet.logger, readerPositioned: positioned)
        let b = try PeersRun(server.url(), name: "beta", logger: recorder.logger, readerPositioned: AsyncEvent())
        await withDiscardingTaskGroup { group in
            group.addTask { await a.run() }
            // Redis answered (the PING); the heartbeat waits for the reader, up to the backoff's
            // ceiling + connect + command + 1 s (3.8 s here).
            #expect(await eventually { a.link.metrics.commands["PING"] == 1 })
            #expect(await reply(admin, ["EXISTS", RedisKeys.heartbeat("alpha")]) == .integer(0))
            positioned.fire()
            #expect(await eventually { await reply(admin, ["EXISTS", RedisKeys.heartbeat("alpha")]) == .integer(1) })
            #expect(quiet.count("the request reader has no cursor yet") == 0, "woken by the reader, not by the bound")

            // A reader that never gets its cursor holds the computer back only that long, with one warning.
            group.addTask { await b.run() }
            #expect(await eventually(timeout: .seconds(20)) { await reply(admin, ["EXISTS", RedisKeys.heartbeat("beta")]) == .integer(1) })
            #expect(recorder.count("the request reader has no cursor yet") == 1)
            #expect(a.link.metrics.commands["PING"] == 1 && b.link.metrics.commands["PING"] == 1, "asked once, before the first heartbeat")
            #expect(await a.stop())
            #expect(await b.stop())
        }
        await admin.close()
    }

    /// A stop asked while the first heartbeat waits for the reader ends the wait and announces nothing.
    @Test func aStopDuringTheWaitForTheReaderAnnouncesNothing() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        let admin = try admin(server)
        let a = try PeersRun(server.url(), name: "alpha", readerPositioned: AsyncEvent())
        await withDiscardingTaskGroup { group in
            group.addTask { await a.run() }
            #expect(await eventually { a.link.metrics.commands["PING"] == 1 })
            #expect(await a.stop())
            #expect(a.link.metrics.commands["SETEX"] == nil, "\(a.link.metrics.commands)")
            #expect(await reply(admin, ["EXISTS", RedisKeys.heartbeat("alpha")]) == .integer(0))
        }
        await admin.close()
    }

    @Test func anAbandonedComputerDisappearsAfterTheTTL() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        let admin = try admin(server)
        // A TTL longer than an abandon can take on a loaded machine, so the key is still there after it.
        let a = try PeersRun(server.url(), name: "alpha", ttl: .seconds(6))
        let b = try PeersRun(server.url(), name: "beta", ttl: .seconds(6))
        await withDiscardingTaskGroup { group in
            group.addTask { await a.run() }
            group.addTask { await b.run() }
            #expect(await eventually { b.names == ["alpha"] })
            #expect(await a.abandon())
            // No clean-up reached Redis: the key stays until its TTL runs out, then the peer goes.
            #expect(await reply(admin, ["EXISTS", RedisKeys.heartbeat("alpha")]) == .integer(1))
            #expect(b.names == ["alpha"])
            #expect(await eventually(timeout: .seconds(20)) { b.names.isEmpty })
            #expect(await reply(admin, ["EXISTS", RedisKeys.heartbeat("alpha")]) == .integer(0))
            #expect(await b.stop())
        }
        await admin.close()
    }

    @Test func aPythonHeartbeatIsFoundByTheSweepAndFollowedUntilItGoes() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        let admin = try admin(server)
        _ = try await admin.send(["SETEX", RedisKeys.heartbeat("MozMini"), "60", pythonHeartbeat("MozMini", interest: ["sessions", "preparation"])])
        let a = try PeersRun(server.url(), name: "alpha", sweep: .seconds(1))
        await withDiscardingTaskGroup { group in
            group.addTask { await a.run() }
            #expect(await eventually { a.names == ["MozMini"] })
            let peer = a.service.directory.peer(named: "MozMini")
            #expect(peer?.isTether == false)
            #expect(peer?.interestedIn == ["sessions", "preparation"])
            #expect(peer?.lastSeen == Timestamp(iso8601: "2026-01-11T21:51:41.123456+00:00"))
            #expect(a.service.directory.interested(in: "sessions").map(\.name) == ["MozMini"])
            #expect(a.service.directory.interested(in: "todos").isEmpty)

            // A peer that starts later is found by the next sweep.
            _ = try? await admin.send(["SETEX", RedisKeys.heartbeat("Late"), "60", pythonHeartbeat("Late")])
            #expect(await eventually { a.names == ["Late", "MozMini"] })

            // Followed by GET: gone at the next round, not the next sweep.
            let sweeps = a.service.directory.counters.sweeps
            _ = try? await admin.send(["DEL", RedisKeys.heartbeat("MozMini")])
            #expect(await eventually(timeout: .seconds(5)) { a.names == ["Late"] })
            #expect(a.service.directory.counters.sweeps - sweeps <= 1)
            #expect(await a.stop())
        }
        await admin.close()
    }

    @Test func badHeartbeatsAreSkippedWithOneLogLineEach() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        let admin = try admin(server)
        let recorder = LogRecorder()
        _ = try await admin.send(["SETEX", RedisKeys.heartbeat("broken"), "60", "{not json"])
        _ = try await admin.send(["SETEX", RedisKeys.heartbeat("nameless"), "60", "{\"last_seen\": \"2026-01-11T21:51:41+00:00\"}"])
        _ = try await admin.send(["SETEX", RedisKeys.heartbeat("imposter"), "60", pythonHeartbeat("someone")])
        _ = try await admin.send(["SADD", RedisKeys.heartbeat("wrongtype"), "x"])
        _ = try await admin.send(["SETEX", RedisKeys.heartbeat("MozMini"), "60", pythonHeartbeat("MozMini")])
        let a = try PeersRun(server.url(), name: "alpha", sweep: .milliseconds(500), logger: recorder.logger)
        let b = try PeersRun(server.url(), name: "beta")
        await withDiscardingTaskGroup { group in
            group.addTask { await a.run() }
            group.addTask { await b.run() }
            #expect(await eventually { a.names == ["MozMini", "beta"] })
            let rounds = a.service.directory.counters.rounds
            #expect(await eventually { a.service.directory.counters.rounds >= rounds + 5 && a.service.directory.counters.sweeps >= 3 })
            #expect(a.names == ["MozMini", "beta"])
            for name in ["broken", "nameless", "imposter", "wrongtype"] {
                #expect(recorder.count("skipping a peer's unreadable heartbeat", peer: name) == 1, "\(name)")
            }
            #expect(a.service.directory.counters.skippedHeartbeats >= 20)
            #expect(await a.stop())
            #expect(await b.stop())
        }
        await admin.close()
    }

    @Test func interestedInFollowsTheClientsSubscriptions() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        let admin = try admin(server)
        let a = try PeersRun(server.url(), name: "alpha")
        let b = try PeersRun(server.url(), name: "beta")
        await withDiscardingTaskGroup { group in
            group.addTask { await a.run() }
            group.addTask { await b.run() }
            #expect(await eventually { b.names == ["alpha"] })
            #expect(b.service.directory.peer(named: "alpha")?.interestedIn == [])
            // Omitted, not empty, when no client wants anything (PROTOCOL.md §1).
            let quiet = try? await admin.send(["GET", RedisKeys.heartbeat("alpha")]).string
            #expect(quiet?.contains("interested_in") == false)
            #expect(quiet?.contains("\"computer_name\":\"alpha\"") == true || quiet?.contains("\"computer_name\": \"alpha\"") == true)

            a.interest.update(subscriber: 1, topics: ["sessions", "preparation"])
            #expect(await eventually { b.service.directory.peer(named: "alpha")?.interestedIn == ["preparation", "sessions"] })
            #expect(b.service.directory.interested(in: "sessions").map(\.name) == ["alpha"])
            a.interest.remove(subscriber: 1)
            #expect(await eventually { b.service.directory.peer(named: "alpha")?.interestedIn == [] })
            #expect(b.service.directory.interested(in: "sessions").isEmpty)
            #expect(await a.stop())
            #expect(await b.stop())
        }
        await admin.close()
    }

    @Test func unrelatedKeysCostTheSweepOnlyAndKeysIsNeverSent() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        let admin = try admin(server)
        let a = try PeersRun(server.url(), name: "alpha", sweep: .milliseconds(500))
        let b = try PeersRun(server.url(), name: "beta")
        await withDiscardingTaskGroup { group in
            group.addTask { await a.run() }
            group.addTask { await b.run() }
            #expect(await eventually { a.names == ["beta"] && a.service.directory.counters.sweeps >= 2 })
            let before = a.service.directory.counters
            for start in stride(from: 0, to: 10_000, by: 1000) {
                _ = try? await admin.send(["MSET"] + (start..<(start + 1000)).flatMap { ["unrelated:\($0)", "v"] })
            }
            // Two sweeps later at least one ran over all 10,000 keys.
            #expect(await eventually { a.service.directory.counters.sweeps >= before.sweeps + 2 })
            let after = a.service.directory.counters
            #expect(after.lastRoundCommands == before.lastRoundCommands)
            #expect(before.lastRoundCommands == 5)  // SETEX, ZADD, ZREMRANGEBYSCORE, ZRANGEBYSCORE, one GET
            #expect(after.lastSweepScanCalls >= 10_000 / RedisScanSequence.count)
            #expect(before.lastSweepScanCalls < 5)
            let stats = try? await admin.send(["INFO", "commandstats"]).string
            #expect(stats?.contains("cmdstat_scan") == true)
            #expect(stats?.contains("cmdstat_keys") == false)
            #expect(await a.stop())
            #expect(await b.stop())
        }
        await admin.close()
    }

    @Test func redisDownAtStartIsDegradedThenJoins() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        await server.kill()
        let recorder = LogRecorder()
        let a = try PeersRun(server.url(), name: "alpha", logger: recorder.logger)
        await withDiscardingTaskGroup { group in
            group.addTask { await a.run() }
            // Started regardless: the daemon serves its own computer while Redis is away.
            let started = a.board.startedEvent(RedisPeersService.componentName)
            #expect(await started?.wait(timeout: .seconds(5), on: .continuous) == true)
            #expect(await eventually { a.service.status.state == .degraded })
            #expect(a.service.status.lastError?.isEmpty == false)
            // Several retries, one line about the state change.
            #expect(await eventually { a.link.metrics.connectFailures >= 3 })
            #expect(recorder.count("Redis is unreachable") == 1)
            #expect(a.board.unhealthy().isEmpty)

            try? await server.start()
            #expect(await eventually { a.service.status.state == .connected })
            // The state is recorded just before the line is logged.
            #expect(await eventually { recorder.count("joined the computers on Redis") == 1 })
            let admin = try? self.admin(server)
            #expect(await reply(admin, ["EXISTS", RedisKeys.heartbeat("alpha")]) == .integer(1))
            #expect(await a.stop())
            #expect(await reply(admin, ["EXISTS", RedisKeys.heartbeat("alpha")]) == .integer(0))
            await admin?.close()
        }
    }
}
