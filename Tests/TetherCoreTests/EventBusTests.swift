import Logging
import Synchronization
import Testing
import TetherCore

/// What one subscriber of the ordering test saw.
private final class Seen: Sendable {
    let ids = Mutex<[String]>([])
    let done = AsyncEvent()
}

/// A value a child task hands back to the test.
private final class Box<Value: Sendable>: Sendable {
    private let value: Mutex<Value>
    init(_ value: Value) { self.value = Mutex(value) }
    func get() -> Value { value.withLock { $0 } }
    func set(_ newValue: Value) { value.withLock { $0 = newValue } }
}

@Suite(.timeLimit(.minutes(1))) struct EventBusTests {
    let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    func withBus(handlerTimeout: Duration = .seconds(5), clock: ManualClock = ManualClock(), queueCapacity: Int = EventBus.defaultQueueCapacity,
                 _ body: (EventBus, TaskRegistry) async -> Void) async {
        let registry = TaskRegistry(clock: clock, logger: logger)
        let bus = EventBus(registry: registry, time: TimeSource(clock: clock), boundedState: 3, queueCapacity: queueCapacity,
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

    // MARK: One drainer per subscriber

    static func screen(_ index: Int) -> SessionEvent { .outputChanged(sessionID: "s-\(index)", screen: "screen \(index)") }

    @Test func nEventsToMSubscribersStartAtMostMTasks() async {
        await withBus { bus, registry in
            let before = registry.spawnedCount
            let handled = Atomic<Int>(0)
            let all = AsyncEvent()
            let (subscribers, events) = (3, 200)
            for index in 0..<subscribers {
                bus.subscribe("counter-\(index)") { _ in
                    if handled.add(1, ordering: .relaxed).newValue == subscribers * events { all.fire() }
                }
            }
            for index in 0..<events { bus.publish(Self.screen(index)) }
            await all.wait()
            #expect(registry.spawnedCount - before <= UInt64(subscribers), "one drainer per subscriber, none per event")
            #expect(registry.liveCountsByName["events.counter-0"] == 1)
        }
    }

    @Test func eachSubscriberSeesItsEventsInOrder() async {
        await withBus { bus, _ in
            let seen = [Seen(), Seen()]
            for index in 0..<2 {
                bus.subscribe("ordered-\(index)") { event in
                    // The second subscriber yields inside its handler, so the two interleave.
                    if index == 1 { await Task.yield() }
                    if seen[index].ids.withLock({ $0.append(event.sessionID); return $0.count }) == 300 { seen[index].done.fire() }
                }
            }
            for index in 0..<300 { bus.publish(Self.screen(index)) }
            for subscriber in seen { await subscriber.done.wait() }
            let expected = (0..<300).map { "s-\($0)" }
            #expect(seen[0].ids.withLock { $0 } == expected)
            #expect(seen[1].ids.withLock { $0 } == expected)
        }
    }

    @Test func aFullQueueDropsTheOldestAndCountsThem() async {
        await withBus(queueCapacity: 4) { bus, _ in
            let started = AsyncEvent()
            let release = AsyncEvent()
            let seen = Mutex<[String]>([])
            let last = AsyncEvent()
            bus.subscribe("blocked") { event in
                seen.withLock { $0.append(event.sessionID) }
                if event.sessionID == "s-0" {
                    started.fire()
                    await release.wait()
                }
                if event.sessionID == "s-10" { last.fire() }
            }
            bus.publish(Self.screen(0))
            await started.wait()  // s-0 is in the handler, not in the queue
            for index in 1...10 { bus.publish(Self.screen(index)) }
            #expect(bus.statistics.dropped == 6)
            release.fire()
            await last.wait()
            #expect(seen.withLock { $0 } == ["s-0", "s-7", "s-8", "s-9", "s-10"])
        }
    }

    @Test func unsubscribingDropsTheQueueAndEndsTheDrainer() async {
        await withBus { bus, registry in
            let started = AsyncEvent()
            let release = AsyncEvent()
            let calls = Atomic<Int>(0)
            let subscription = bus.subscribe("leaving") { _ in
                calls.add(1, ordering: .relaxed)
                started.fire()
                await release.wait()
            }
            for index in 0..<5 { bus.publish(Self.screen(index)) }
            await started.wait()
            bus.unsubscribe(subscription)
            release.fire()
            while registry.liveCountsByName["events.leaving"] != nil { await Task.yield() }
            #expect(calls.load(ordering: .relaxed) == 1, "the call in progress finished; nothing queued was handled")
        }
    }

    @Test func aCallStuckWhenItsSubscriberLeftIsStillAbandonedAtItsDeadline() async {
        let clock = ManualClock()
        await withBus(handlerTimeout: .seconds(2), clock: clock) { bus, registry in
            let started = AsyncEvent()
            let subscription = bus.subscribe("stuck-and-gone") { _ in
                started.fire()
                await AsyncEvent().wait()  // returns only when cancelled
            }
            bus.publish(Self.screen(0))
            await started.wait()
            bus.unsubscribe(subscription)
            while clock.sleeperCount == 0 { await Task.yield() }
            clock.advance(by: .seconds(2))
            while registry.liveCountsByName["events.stuck-and-gone"] != nil { await Task.yield() }
            #expect(bus.statistics.slowHandlers == 1)
        }
    }

    // MARK: Finishing

    @Test func finishLetsEverySubscriberDrainItsQueueThenEndsEveryBusTask() async {
        await withBus { bus, registry in
            let release = AsyncEvent()
            let seen = Mutex<[String]>([])
            bus.subscribe("gated") { event in
                await release.wait()
                seen.withLock { $0.append(event.sessionID) }
            }
            let fastSeen = Atomic<Int>(0)
            bus.subscribe("fast") { _ in fastSeen.add(1, ordering: .relaxed) }
            for index in 0..<5 { bus.publish(Self.screen(index)) }
            let late = Box<[String]?>(nil)
            await withDiscardingTaskGroup { group in
                group.addTask { let names = await bus.finish(within: .seconds(5)); late.set(names) }
                while !bus.isFinishing { await Task.yield() }
                bus.publish(Self.screen(99))  // ignored: finish has begun
                release.fire()  // the five queued before are still handled
            }
            #expect(late.get() == [])
            #expect(seen.withLock { $0 } == (0..<5).map { "s-\($0)" })
            #expect(fastSeen.load(ordering: .relaxed) == 5)
            let afterwards = AsyncEvent()
            bus.subscribe("too-late") { _ in afterwards.fire() }
            bus.publish(Self.screen(100))
            await registry.waitUntilEmpty()
            #expect(registry.liveCount == 0, "drainers and the sweeper ended without being cancelled")
            #expect(!afterwards.isFired)
            #expect(seen.withLock { $0.count } == 5)
            #expect(bus.statistics.dropped == 0)
        }
    }

    @Test func finishGivesUpOnASubscriberThatDoesNotDrainWithinItsBound() async {
        let clock = ManualClock()
        await withBus(handlerTimeout: .seconds(60), clock: clock) { bus, registry in
            let started = AsyncEvent()
            bus.subscribe("stuck") { _ in
                started.fire()
                await AsyncEvent().wait()  // returns only when cancelled
            }
            let quick = Atomic<Int>(0)
            bus.subscribe("quick") { _ in quick.add(1, ordering: .relaxed) }
            for index in 0..<3 { bus.publish(Self.screen(index)) }
            await started.wait()
            let late = Box<[String]?>(nil)
            await withDiscardingTaskGroup { group in
                group.addTask { let names = await bus.finish(within: .seconds(1)); late.set(names) }
                // The sweeper's interval and finish's bound are both on the clock; then time runs out.
                while clock.sleeperCount < 2 { await Task.yield() }
                clock.advance(by: .seconds(1))
            }
            #expect(late.get() == ["stuck"])
            #expect(quick.load(ordering: .relaxed) == 3)
            #expect(bus.statistics.dropped == 2, "the two events still queued for the stuck subscriber")
            await registry.waitUntilEmpty()
            #expect(registry.liveCount == 0)
        }
    }
}
