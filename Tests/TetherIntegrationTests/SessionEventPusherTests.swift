import Logging
import TetherCore
import TetherRedis
import Testing

/// The pusher of this computer's session changes against a real redis-server: interested peers
/// only, never itself, and a stalled Redis never holds up the event bus.
@Suite(.serialized, .timeLimit(.minutes(3))) struct SessionEventPusherTests {
    func session(_ id: String, title: String = "t") -> Session {
        var record = SessionRecord(sessionID: id, computerName: "tether1", tmuxSessionName: "tc_\(id)", createdAt: .now())
        record.title = title
        record.status = .active
        return Session(record)
    }

    /// Every session id and event name in `session_events:{computer}`.
    func pushed(to computer: String, on link: RedisLink) async -> [String] {
        guard let reply = try? await link.send(["XRANGE", RedisKeys.sessionEvents(computer), "-", "+"]) else { return [] }
        return StreamEntry.entries(ofRange: reply).compactMap { entry in
            switch try? PeerSessionEvent(payload: entry.fields.values[PeerSessionEvent.field] ?? []) {
            case .updated(let summary, "tether1", _)? where summary.computer == "tether1": "updated:\(summary.sessionID):\(summary.title ?? "")"
            case .removed(let id, "tether1", _)?: "removed:\(id)"
            default: "unexpected"
            }
        }
    }

    /// A pusher for `tether1` on a running registry and bus, with peers `interested` (wants
    /// sessions) and `quiet` (wants none) beating beside it, for the length of `body`.
    func withPusher(_ server: RedisServer, queueCapacity: Int = SessionEventPusher.queueCapacity, logs: LogRecorder,
                    _ body: (EventBus, SessionEventTally) async throws -> Void) async throws {
        let logger = logs.logger
        let registry = TaskRegistry(logger: logger)
        let bus = EventBus(registry: registry, time: .continuous, boundedState: 1000, handlerTimeout: { .seconds(5) }, logger: logger)
        let me = try PeersRun(server.url(), name: "tether1")
        let interested = try PeersRun(server.url(), name: "interested")
        interested.interest.update(subscriber: 1, topics: ["sessions"])
        let quiet = try PeersRun(server.url(), name: "quiet")
        quiet.interest.update(subscriber: 1, topics: ["preparation"])
        let tally = SessionEventTally()
        let pusher = SessionEventPusher(options: try redisOptions(server.url(), connect: .milliseconds(500), command: .milliseconds(500)),
                                        computer: "tether1", bus: bus, directory: me.service.directory, tally: tally,
                                        queueCapacity: queueCapacity, time: .continuous, logger: logger)
        let stop = AsyncEvent()
        var failure: (any Error)?
        await withDiscardingTaskGroup { group in
            group.addTask { await registry.run() }
            for run in [me, interested, quiet] { group.addTask { await run.run() } }
            group.addTask { await pusher.run(until: stop) }
            #expect(await eventually { me.service.directory.interested(in: "sessions").map(\.name) == ["interested"] && me.names.count == 2 })
            do { try await body(bus, tally) } catch { failure = error }
            stop.fire()
            for run in [me, interested, quiet] { _ = await run.stop() }
            _ = await bus.finish(within: .seconds(2))
            _ = await registry.shutdown(timeout: .seconds(5))
        }
        if let failure { throw failure }
    }

    @Test func ownChangesGoToInterestedPeersOnlyAndNeverToItself() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        let admin = try PythonPeer(server)
        try await withPusher(server, logs: LogRecorder()) { bus, tally in
            bus.publish(.created(session("s1")))
            #expect(await eventually { await pushed(to: "interested", on: admin.link) == ["updated:s1:t"] })
            bus.publish(.ended(session("s1")))
            // A peer's session on the bus (never published there, but never pushed either).
            var foreign = SessionRecord(sessionID: "f1", computerName: "elsewhere", tmuxSessionName: "tc_f1", createdAt: .now())
            foreign.status = .active
            bus.publish(.updated(Session(remote: foreign, hostStamp: nil)))
            bus.publish(.outputChanged(sessionID: "s1", screen: "screen"))
            bus.publish(.created(session("s2")))
            #expect(await eventually { await pushed(to: "interested", on: admin.link) == ["updated:s1:t", "removed:s1", "updated:s2:t"] })
            #expect((try? await admin.link.send(["XLEN", RedisKeys.sessionEvents("quiet")])) == .integer(0))
            #expect((try? await admin.link.send(["XLEN", RedisKeys.sessionEvents("tether1")])) == .integer(0))
            // Counted once XADD answers, which may be after the entry shows on another connection.
            #expect(await eventually { tally.current.pushed == 3 })
        }
    }

    @Test func aPeerStreamRedisRefusesIsSkippedWithOneLineAndServedAgainOnceFixed() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        let admin = try PythonPeer(server)
        let logs = LogRecorder()
        _ = try await admin.link.send(["SET", RedisKeys.sessionEvents("interested"), "not a stream"])
        try await withPusher(server, logs: logs) { bus, tally in
            for index in 0..<3 { bus.publish(.created(session("s\(index)"))) }
            #expect(await eventually { tally.current.pushFailures == 3 })
            #expect(logs.count("Redis refused a session event for a peer") == 1)
            _ = try? await admin.link.send(["DEL", RedisKeys.sessionEvents("interested")])
            bus.publish(.created(session("fixed")))
            #expect(await eventually { await pushed(to: "interested", on: admin.link) == ["updated:fixed:t"] })
        }
    }

    @Test func aStalledRedisNeverHoldsUpTheBusAndTheLatestChangesGoOutOnceItIsBack() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        let admin = try PythonPeer(server)
        let logs = LogRecorder()
        try await withPusher(server, queueCapacity: 8, logs: logs) { bus, tally in
            bus.publish(.created(session("warm")))
            #expect(await eventually { await pushed(to: "interested", on: admin.link).count == 1 })
            server.pause()
            let started = ContinuousClock.now
            for round in 0..<3 {
                for index in 0..<200 { bus.publish(.updated(session("s\(index)", title: "r\(round)"))) }
            }
            #expect(ContinuousClock.now - started < promptly, "publishing never waits for Redis")
            #expect(await eventually { tally.current.dropped > 0 && tally.current.pushFailures > 0 }, "\(tally.current)")
            server.resume()
            // The last eight sessions, each with its latest title.
            let expected = (192..<200).map { "updated:s\($0):r2" }
            #expect(await eventually(timeout: .seconds(20)) { Set(expected).isSubset(of: Set(await pushed(to: "interested", on: admin.link))) })
            #expect(logs.count("session events for peers are piling up") == 1, "one line for the streak")
        }
    }
}
