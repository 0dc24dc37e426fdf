import Logging
import Synchronization
import Testing
import TetherCore

@Suite struct EventBusTests {
    let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    func withBus(handlerTimeout: Duration = .seconds(5), clock: ManualClock = ManualClock(),
                 _ body: (EventBus, TaskRegistry) async -> Void) async {
        let registry = TaskRegistry(clock: clock, logger: logger)
        let bus = EventBus(registry: registry, time: TimeSource(clock: clock), boundedState: 3,
                           handlerTimeout: { handlerTimeout }, logger: logger)
        await withDiscardingTaskGroup { group in
            group.addTask { await registry.run() }
            await body(bus, registry)
            group.cancelAll()
        }
    }

    static func session(_ id: String, _ status: SessionStatus = .active) -> Session {
        var record = SessionRecord(sessionID: id, computerName: "local", tmuxSessionName: "tc_x", createdAt: Timestamp(microseconds: 0))
        record.status = status
        return Session(record)
    }

    @Test func aSlowHandlerDelaysNeitherAFastOneNorThePublisher() async {
        let clock = ManualClock()
        await withBus(handlerTimeout: .seconds(5), clock: clock) { bus, _ in
            let release = AsyncEvent()
            let fastSeen = Mutex<[String]>([])
            let slowStarted = AsyncEvent()
            bus.subscribe("slow") { _ in
                slowStarted.fire()
                await release.wait()
            }
            let allFast = AsyncEvent()
            bus.subscribe("fast") { event in
                let count = fastSeen.withLock { $0.append(event.sessionID); return $0.count }
                if count == 3 { allFast.fire() }
            }
            for id in ["a", "b", "c"] { bus.publish(.outputChanged(sessionID: id, screen: "screen of \(id)")) }
            await slowStarted.wait()
            await allFast.wait()  // no clock movement: the slow handler is still blocked
            #expect(fastSeen.withLock { $0 } == ["a", "b", "c"])
            release.fire()
        }
    }

    @Test func aHandlerPastItsDeadlineIsLeftBehindAndTheQueueMovesOn() async {
        let clock = ManualClock()
        await withBus(handlerTimeout: .seconds(2), clock: clock) { bus, _ in
            let seen = Mutex<[String]>([])
            let second = AsyncEvent()
            bus.subscribe("stuck-once") { event in
                seen.withLock { $0.append(event.sessionID) }
                if event.sessionID == "a" {
                    try await Task.sleep(for: .seconds(3600))  // cancelled when left behind
                } else {
                    second.fire()
                }
            }
            bus.publish(.outputChanged(sessionID: "a", screen: "1"))
            bus.publish(.outputChanged(sessionID: "b", screen: "2"))
            while clock.sleeperCount == 0 { await Task.yield() }
            clock.advance(by: .seconds(2))
            await second.wait()
            #expect(seen.withLock { $0 } == ["a", "b"])
            #expect(bus.statistics.slowHandlers == 1)
        }
    }

    @Test func aFailingHandlerIsCountedAndOthersStillRun() async {
        await withBus { bus, _ in
            struct Boom: Error {}
            let done = AsyncEvent()
            bus.subscribe("failing") { _ in throw Boom() }
            bus.subscribe("ok") { _ in done.fire() }
            bus.publish(.created(Self.session("a")))
            await done.wait()
            while bus.statistics.failedHandlers == 0 { await Task.yield() }
            #expect(bus.statistics.failedHandlers == 1)
        }
    }

    @Test func noCallAfterUnsubscribeReturns() async {
        await withBus { bus, _ in
            let calls = Atomic<Int>(0)
            let first = AsyncEvent()
            let subscription = bus.subscribe("counted") { _ in
                calls.add(1, ordering: .relaxed)
                first.fire()
            }
            bus.publish(.created(Self.session("a")))
            await first.wait()
            bus.unsubscribe(subscription)
            let before = calls.load(ordering: .relaxed)
            let witness = AsyncEvent()
            bus.subscribe("witness") { _ in witness.fire() }
            for index in 0..<50 { bus.publish(.outputChanged(sessionID: "a", screen: "\(index)")) }
            await witness.wait()
            #expect(calls.load(ordering: .relaxed) == before)
            #expect(bus.statistics.subscribers == 1)
        }
    }

    @Test func repeatedScreensAreDroppedAndPerSessionStateIsBounded() async {
        await withBus { bus, _ in
            let screens = Mutex<[String]>([])
            let sawLast = AsyncEvent()
            bus.subscribe("screens") { event in
                guard case .outputChanged(_, let screen) = event else { return }
                screens.withLock { $0.append(screen) }
                if screen == "end" { sawLast.fire() }
            }
            bus.publish(.outputChanged(sessionID: "a", screen: "x"))
            bus.publish(.outputChanged(sessionID: "a", screen: "x"))
            bus.publish(.outputChanged(sessionID: "a", screen: "y"))
            for id in ["b", "c", "d", "e"] { bus.publish(.created(Self.session(id))) }
            #expect(bus.statistics.trackedSessions == 3, "limits.bounded_state caps the per-session maps")
            bus.forget(sessionID: "a")
            bus.publish(.outputChanged(sessionID: "a", screen: "y"))  // forgotten: not a repeat any more
            bus.publish(.outputChanged(sessionID: "z", screen: "end"))
            await sawLast.wait()
            #expect(screens.withLock { $0 } == ["x", "y", "y", "end"])
        }
    }
}
