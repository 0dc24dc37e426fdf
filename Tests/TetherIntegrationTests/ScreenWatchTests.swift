import Foundation
import Logging
import Synchronization
import TetherCore
import TetherRedis
import Testing

/// The watcher side of live screens on a real `redis-server`, its host played by the test: the
/// newest screen first, each later one once across a Redis restart, the lease renewed, the end.
@Suite(.serialized, .timeLimit(.minutes(2))) struct ScreenWatchTests {
    let logger = Logger(label: "screen-watch-test")

    /// Grants every `watch_screen` with `lease` seconds and counts them.
    final class GrantingHost: ScreenWatchRequesting {
        let lease: Int
        let asked = Mutex<[PeerCommand]>([])
        init(lease: Int) { self.lease = lease }

        func ask(_ command: PeerCommand, of host: String, sessionID: String) async throws -> PeerReply {
            asked.withLock { $0.append(command) }
            return .success(.object(["stream": .string(ScreenStream.key(sessionID)), "lease_seconds": .int(Int64(lease))]))
        }
    }

    /// A value shared with the watch's tasks.
    final class Shared<Value: Sendable>: Sendable {
        let value: Mutex<Value>
        init(_ value: Value) { self.value = Mutex(value) }
        var current: Value { value.withLock { $0 } }
    }

    func write(_ link: RedisLink, _ entry: ScreenEntry, session: String = "s1") async throws {
        var arguments = ["XADD", ScreenStream.key(session), "*"]
        for field in entry.fields(at: Timestamp(secondsSince1970: 1_768_168_301)) {
            arguments += [field.field, String(decoding: field.value, as: UTF8.self)]
        }
        _ = try await link.send(arguments)
    }

    @Test func theNewestScreenFirstThenEachLaterOneOnceAcrossARedisRestartThenTheEnd() async throws {
        let server = try await RedisServer(appendonly: true)
        defer { server.remove() }
        let admin = RedisLink(options: try redisOptions(server.url()), name: "admin", time: .continuous, logger: logger)
        for old in ["old-1", "old-2", "current"] { try await write(admin, .screen(old)) }

        let host = GrantingHost(lease: 2)
        let registry = TaskRegistry(logger: logger)
        let seen = Shared<[RemoteScreen]>([])
        let options = try redisOptions(server.url(), block: .milliseconds(300))
        await withDiscardingTaskGroup { group in
            group.addTask { await registry.run() }
            let watch = ScreenWatch(host: "alpha", sessionID: "s1", requester: host, options: options, isOnline: { _ in true },
                                    registry: registry, time: .continuous, logger: logger)
            let screens = watch.start()
            group.addTask { for await screen in screens { seen.value.withLock { $0.append(screen) } } }

            #expect(await eventually { seen.current == [.screen("current")] }, "the newest only: \(seen.current)")
            try? await write(admin, .screen("live-1"))
            #expect(await eventually { seen.current.last == .screen("live-1") })

            // Redis goes away and comes back with its data: the watch reads on from the last id it saw.
            await server.kill()
            try? await server.start()
            #expect(await eventually { (try? await admin.send(["PING"])) == .status("PONG") })
            try? await write(admin, .screen("live-2"))
            #expect(await eventually(timeout: .seconds(30)) { seen.current.last == .screen("live-2") }, "\(seen.current)")
            // The two-second lease is renewed every second.
            #expect(await eventually { host.asked.withLock { $0.count } >= 3 }, "\(host.asked.withLock { $0 })")

            try? await write(admin, .ended(status: "exited", screen: nil))
            #expect(await eventually { seen.current.last == .ended(status: "exited") })
            #expect(seen.current == [.screen("current"), .screen("live-1"), .screen("live-2"), .ended(status: "exited")])
            _ = await registry.shutdown(timeout: .seconds(5))
            group.cancelAll()
        }
        #expect(!host.asked.withLock { $0 }.contains(.watchScreen(leaseSeconds: 0)), "nothing to give back after an end")
        await admin.close()
    }

    @Test func aWatchWhoseConsumerLeavesGivesTheLeaseBackAndOneWhoseHostLeftEnds() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        let options = try redisOptions(server.url(), block: .milliseconds(300))
        let host = GrantingHost(lease: 30)
        let online = Shared(true)
        let registry = TaskRegistry(logger: logger)
        await withDiscardingTaskGroup { group in
            group.addTask { await registry.run() }
            let watches = ScreenWatches(options: options, isOnline: { _ in online.current }, registry: registry, time: .continuous,
                                        logger: logger)
            let leaving = watches.watch(on: "alpha", sessionID: "s1", requester: host)
            #expect(await eventually { watches.linkedCount == 1 && host.asked.withLock { $0.count } == 1 })
            // The consumer stops iterating (its task is cancelled) while nothing has come.
            let consumer = registry.spawn(name: "test.consumer") { for await _ in leaving {} }
            consumer.cancel()
            #expect(await eventually { host.asked.withLock { $0.last } == .watchScreen(leaseSeconds: 0) }, "released")
            #expect(await eventually { watches.linkedCount == 0 })

            // The directory forgets alpha (as while Redis was away) but its heartbeat is there: the watch goes on.
            let admin = RedisLink(options: options, name: "admin", time: .continuous, logger: logger)
            _ = try? await admin.send(["SETEX", RedisKeys.heartbeat("alpha"), "60", "{}"])
            online.value.withLock { $0 = false }
            let orphaned = watches.watch(on: "alpha", sessionID: "s2", requester: host)
            try? await write(admin, .screen("still-here"), session: "s2")
            var iterator = orphaned.makeAsyncIterator()
            #expect(await iterator.next() == .screen("still-here"))
            // Its heartbeat goes too: the host left.
            _ = try? await admin.send(["DEL", RedisKeys.heartbeat("alpha")])
            #expect(await iterator.next() == .ended(status: ScreenWatch.hostLeftStatus))
            #expect(await iterator.next() == nil)
            await admin.close()
            _ = await registry.shutdown(timeout: .seconds(5))
            group.cancelAll()
        }
    }

    /// Answers as a Python host: no `watch_screen`, the session's text for `get_session_data`.
    final class PollingHost: ScreenWatchRequesting {
        func ask(_ command: PeerCommand, of host: String, sessionID: String) async throws -> PeerReply {
            if case .watchScreen = command { return .failure(PeerFailure(message: "No handler registered for event: watch_screen", code: "NO_HANDLER")) }
            return .success(.object(["status": .string("success"), "messages": .string("python-text")]))
        }
    }

    @Test func aWatchThatPollsAPythonHostHoldsNoLinkSlot() async throws {
        let server = try await RedisServer()
        defer { server.remove() }
        let options = try redisOptions(server.url(), block: .milliseconds(300))
        let registry = TaskRegistry(logger: logger)
        await withDiscardingTaskGroup { group in
            group.addTask { await registry.run() }
            let watches = ScreenWatches(options: options, isOnline: { _ in true }, registry: registry, time: .continuous, logger: logger)
            let polled = watches.watch(on: "python", sessionID: "s1", requester: PollingHost())
            var iterator = polled.makeAsyncIterator()
            #expect(await iterator.next() == .screen("python-text"))
            // Polling through the shared requester: the slot is free for a watch that needs a link.
            #expect(watches.linkedCount == 0)
            _ = await registry.shutdown(timeout: .seconds(5))
            group.cancelAll()
        }
    }
}
