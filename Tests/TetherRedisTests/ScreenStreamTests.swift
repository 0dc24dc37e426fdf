import Logging
import Synchronization
import Testing
import TetherCore
@testable import TetherRedis

/// `watch_screen`, the host's leases and entries, and the publisher's coalescing writer.
@Suite(.timeLimit(.minutes(1))) struct ScreenStreamTests {
    let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test func watchScreenParsesItsLeaseAndNeedsASession() throws {
        #expect(try PeerCommand(parsing: "/watch_screen") == .watchScreen(leaseSeconds: nil))
        #expect(try PeerCommand(parsing: "/watch_screen 20") == .watchScreen(leaseSeconds: 20))
        #expect(try PeerCommand(parsing: "/watch_screen 0") == .watchScreen(leaseSeconds: 0))
        #expect(PeerCommand.watchScreen(leaseSeconds: 30).commandLine == "/watch_screen '30'")
        #expect(try PeerCommand(parsing: PeerCommand.watchScreen(leaseSeconds: 30).commandLine) == .watchScreen(leaseSeconds: 30))
        #expect(PeerCommand.watchScreen(leaseSeconds: nil).requiresSession && PeerCommand.watchScreen(leaseSeconds: nil).expectsReply)
        for bad in ["/watch_screen -1", "/watch_screen soon"] {
            #expect(throws: RedisProtocolError.self) { try PeerCommand(parsing: bad) }
        }
    }

    @Test func entriesRoundTripAndAFinalStatusIsTheEnd() throws {
        let stamp = Timestamp(secondsSince1970: 1_768_168_301.5)
        let screen = try ScreenEntry(fields: StreamFields(ScreenEntry.screen("$ ls\nfile").fields(at: stamp)))
        #expect(screen == .screen("$ ls\nfile"))
        #expect(try ScreenEntry(fields: StreamFields(ScreenEntry.screen("").fields(at: stamp))) == .screen(""))
        #expect(try ScreenEntry(fields: StreamFields(ScreenEntry.ended(status: "exited", screen: nil).fields(at: stamp)))
                == .ended(status: "exited", screen: nil))
        #expect(throws: RedisProtocolError.self) { try ScreenEntry(fields: StreamFields(text: ["screen": "x"])) }
        #expect(ScreenStream.key("abc") == "tether:screen:abc")
    }

    @Test func leasesStartRenewExpireReleaseAndAreBounded() {
        var leases = ScreenLeases(limit: 2)
        #expect(leases.renew("s1", watcher: "b", until: .seconds(30), now: .zero) == .started(seen: 0))
        let offered = leases.offerScreen("s1", now: .seconds(1))
        #expect(offered)
        #expect(leases.renew("s1", watcher: "b", until: .seconds(40), now: .seconds(2)) == .renewed)
        #expect(leases.renew("s1", watcher: "c", until: .seconds(10), now: .seconds(2)) == .started(seen: 1))
        #expect(leases.renew("s2", watcher: "b", until: .seconds(10), now: .seconds(2)) == .refused)
        // c's lease runs out; b's holds, so the session is still watched; c's place is free again.
        let stillWatched = leases.offerScreen("s1", now: .seconds(20))
        #expect(stillWatched)
        #expect(leases.count == 1)
        #expect(leases.renew("s2", watcher: "b", until: .seconds(50), now: .seconds(20)) == .started(seen: 0))
        leases.release("s1", watcher: "b")
        let released = leases.offerScreen("s1", now: .seconds(21))
        let expired = leases.offerScreen("s2", now: .seconds(50))
        #expect(!released)
        #expect(!expired, "expired at its instant")
        #expect(leases.count == 0)
        #expect(leases.renew("s3", watcher: "b", until: .seconds(60), now: .seconds(50)) == .started(seen: 0))
        let ended = leases.end("s3", now: .seconds(51))
        let endedAgain = leases.end("s3", now: .seconds(51))
        #expect(ended && !endedAgain)
    }

    @Test func thePublisherWritesOnlyWatchedSessionsCoalescesBehindASlowRedisAndEndsTheStream() async throws {
        let sender = GatedSender()
        let clock = ManualClock()
        let time = TimeSource(clock: clock)
        let registry = TaskRegistry(logger: logger)
        let bus = EventBus(registry: registry, time: time, boundedState: 16, handlerTimeout: { .seconds(5) }, logger: logger)
        let publisher = ScreenPublisher(sender: sender, bus: bus, time: time, logger: logger)
        let stop = AsyncEvent()
        await withDiscardingTaskGroup { group in
            group.addTask { await registry.run() }
            group.addTask { await publisher.run(until: stop) }
            publisher.observe(.outputChanged(sessionID: "s1", screen: "unwatched"))
            guard case .started(let seen) = publisher.watch("s1", watcher: "b", lease: .seconds(30)) else {
                Issue.record("no lease")
                return
            }
            publisher.offerInitial("first", of: "s1", seen: seen)
            // The first write is held in Redis; what comes meanwhile is coalesced, the newest winning.
            #expect(await sender.firstCall.wait(timeout: .seconds(5), on: .continuous))
            for screen in ["second", "third", "fourth"] { publisher.observe(.outputChanged(sessionID: "s1", screen: screen)) }
            sender.gate.fire()
            #expect(await eventually { sender.screens == ["first", "fourth"] }, "\(sender.screens)")
            // The lease runs out: nothing more is written.
            clock.advance(by: .seconds(31))
            publisher.observe(.outputChanged(sessionID: "s1", screen: "late"))
            _ = publisher.watch("s2", watcher: "b", lease: .seconds(30))
            publisher.observe(.outputChanged(sessionID: "s2", screen: "other"))
            #expect(await eventually { sender.screens.last == "other" })
            #expect(!sender.screens.contains("late"))
            var record = SessionRecord(sessionID: "s2", computerName: "a", tmuxSessionName: "tc_s2", createdAt: time.wallNow)
            record.status = .exited
            publisher.observe(.ended(Session(record)))
            #expect(await eventually { sender.statuses.last == "exited" })
            #expect(sender.commands.allSatisfy { $0[1].hasPrefix("tether:screen:") }, "never output:{session_id}")
            #expect(sender.commands.filter { $0[0] == "EXPIRE" }.count == sender.commands.filter { $0[0] == "XADD" }.count)
            stop.fire()
            _ = await registry.shutdown(timeout: .seconds(5))
            group.cancelAll()
        }
    }
}

/// Records commands; the first XADD waits for `gate`.
final class GatedSender: RedisCommandSending {
    let gate = AsyncEvent()
    let firstCall = AsyncEvent()
    private let sent = Mutex<[[String]]>([])

    func send(_ arguments: [String]) async throws(RedisError) -> RedisValue {
        if arguments.first == "XADD", !firstCall.isFired {
            firstCall.fire()
            _ = await gate.wait()
        }
        sent.withLock { $0.append(arguments) }
        return .bulk(Array("1-0".utf8))
    }

    var commands: [[String]] { sent.withLock { $0 } }
    private func field(_ name: String) -> [String] {
        commands.filter { $0.first == "XADD" }.compactMap { arguments in
            arguments.firstIndex(of: name).map { arguments[$0 + 1] }
        }
    }
    var screens: [String] { zip(field("screen"), field("status")).filter { $0.1 == ScreenStream.liveStatus }.map(\.0) }
    var statuses: [String] { field("status") }
}

/// How long a unit test yields for something running beside it before giving up: generous, since
/// a loaded machine can hold the other task off its thread for a while; nothing sleeps meanwhile.
let yieldingDeadline: Duration = .seconds(10)

/// Yields until `condition` holds, at most ``yieldingDeadline`` (the writer runs beside the test, no clock involved).
func eventually(_ condition: () -> Bool) async -> Bool {
    let end = ContinuousClock.now + yieldingDeadline
    while ContinuousClock.now < end {
        if condition() { return true }
        await Task.yield()
    }
    return condition()
}

/// The watcher against a host without `watch_screen`: it polls, yields changes only, and ends.
@Suite(.timeLimit(.minutes(1))) struct ScreenWatchPollingTests {
    let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Answers as a Python host: `NO_HANDLER` for `watch_screen`, the next scripted text for each
    /// `get_session_data`, then the session unknown.
    final class PythonHost: ScreenWatchRequesting {
        let texts = Mutex(["one", "one", "two"])
        let asked = Mutex<[String]>([])

        func ask(_ command: PeerCommand, of host: String, sessionID: String) async throws -> PeerReply {
            asked.withLock { $0.append(command.name) }
            if case .watchScreen = command { return .failure(PeerFailure(message: "No handler registered for event: watch_screen", code: "NO_HANDLER")) }
            guard let text = texts.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) else {
                return .success(.object(["status": .string("error"), "error": .string("Session \(sessionID) not found")]))
            }
            return .success(.object(["status": .string("success"), "session_id": .string(sessionID), "messages": .string(text)]))
        }
    }

    @Test func aPythonHostIsPolledAndOnlyChangesAreYielded() async throws {
        let clock = ManualClock()
        let host = PythonHost()
        let registry = TaskRegistry(logger: logger)
        let options = try RedisConnectionOptions(url: "redis://127.0.0.1:1", password: "", passwordFile: "", connectTimeout: .seconds(1),
                                                 commandTimeout: .seconds(1), blockTimeout: .seconds(1))
        await withDiscardingTaskGroup { group in
            group.addTask { await registry.run() }
            let watch = ScreenWatch(host: "py", sessionID: "s1", requester: host, options: options, isOnline: { _ in true },
                                    registry: registry, time: TimeSource(clock: clock), logger: logger)
            let screens = watch.start()
            let done = AsyncEvent()
            group.addTask {
                // Each poll waits one interval on the manual clock: move it on whenever the watch sleeps.
                let end = ContinuousClock.now + yieldingDeadline
                while !done.isFired, ContinuousClock.now < end {
                    if clock.sleeperCount > 0 { clock.advance(by: ScreenWatch.pollInterval) }
                    await Task.yield()
                }
            }
            var seen: [RemoteScreen] = []
            for await screen in screens { seen.append(screen) }
            done.fire()
            #expect(seen == [.screen("one"), .screen("two"), .ended(status: "closed")])
            #expect(host.asked.withLock { $0 } == ["watch_screen"] + Array(repeating: "get_session_data", count: 4))
            _ = await registry.shutdown(timeout: .seconds(5))
            group.cancelAll()
        }
    }
}
