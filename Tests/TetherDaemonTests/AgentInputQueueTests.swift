import Foundation
import Logging
import Synchronization
import Testing
import TetherCore
import TetherStore
@testable import TetherDaemon

/// The input queue on a manual clock: a text waits while its agent works and is typed once it is
/// idle, in order, one at a time; it fails at its wait, when the agent exits, or at the stop, and
/// never while an agent restart holds the queue. Nothing sleeps: the clock moves only when the
/// queue is parked on it.
@Suite(.timeLimit(.minutes(2))) struct AgentInputQueueTests {
    static let id = "3f2c1a9b-0000-4000-8000-00000000a001"
    /// The queue's `timeouts.agent_input_wait` here: a minute of manual time.
    static let wait: Duration = .seconds(60)

    /// The queue and what it needs, around one live session whose agent Tether follows.
    final class Rig: Sendable {
        let clock = ManualClock()
        let time: TimeSource
        let registry: TaskRegistry
        let watch: AgentWatch
        let queue: AgentInputQueue
        let store: SessionStore
        let directory: URL
        let log = Log()

        /// What the queue did and what its fakes say, shared with its closures.
        final class Log: Sendable {
            /// What the queue typed, in order.
            let typed = Mutex<[String]>([])
            /// Whether a shell is in front (the agent exited).
            let shell = Mutex(false)
            /// Each delivery waits for this when set (a slow paste).
            let paste = Mutex<AsyncEvent?>(nil)
            /// Every receipt the queue announced, by input id, last one wins.
            let receipts = Mutex<[String: InputReceipt]>([:])
        }

        init() async throws {
            let logger = Logger(label: "input-queue-test")
            time = TimeSource(clock: clock)
            registry = TaskRegistry(clock: clock, logger: logger)
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("tether-queue-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            store = try await SessionStore.open(path: directory.appendingPathComponent("tether.db").path, logger: logger)
            let cache = SessionCache(localComputer: "here", time: time)
            let bus = EventBus(registry: registry, time: time, boundedState: 100, handlerTimeout: { .seconds(5) }, logger: logger)
            let recorder = SessionRecorder(cache: cache, store: store, bus: bus, computer: "here", time: time, boundedState: 100)
            let lookup = SessionLookup(cache: cache, store: store, ledger: SessionLedger(), computer: "here")
            var record = SessionRecord(sessionID: AgentInputQueueTests.id, computerName: "here", tmuxSessionName: "tc_3f2c1a9b",
                                       createdAt: Timestamp(microseconds: 0))
            record.status = .active
            _ = cache.upsert(Session(record))
            watch = AgentWatch(lookup: lookup, recorder: recorder, time: time, logger: logger)
            let log = log
            queue = AgentInputQueue(
                registry: registry, agents: watch, lookup: lookup, time: time, logger: logger,
                deliveryWait: { AgentInputQueueTests.wait },
                announce: { receipt in log.receipts.withLock { $0[receipt.inputID] = receipt } },
                shellInFront: { _ in log.shell.withLock { $0 } },
                deliver: { _, text, _ in
                    if let gate = log.paste.withLock({ $0 }) { await gate.wait() }
                    log.typed.withLock { $0.append(text) }
                    return true
                })
        }

        func hook(_ name: String) async throws {
            await watch.hook(AgentInputQueueTests.id, try AgentHookPayload.parse(Array("{\"hook_event_name\": \"\(name)\"}".utf8)))
        }

        func send(_ text: String) throws -> String {
            try queue.enqueue(text, sessionID: AgentInputQueueTests.id, adapter: "rest").inputID
        }

        func state(_ inputID: String) -> InputReceipt.State? {
            log.receipts.withLock { $0[inputID]?.state }
        }

        func remove() async {
            await store.close()
            try? FileManager.default.removeItem(at: directory)
        }
    }

    /// Runs `body` with a rig whose registry runs beside it, and stops the registry after.
    func withRig(_ body: (Rig) async throws -> Void) async throws {
        let rig = try await Rig()
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { await rig.registry.run() }  // registry-exempt: the registry under test's own runner
            defer { group.cancelAll() }
            try await body(rig)
        }
        await rig.remove()
    }

    /// Yields until `condition` holds, at most ten seconds of real time (the queue's task runs beside the test).
    func settles(_ condition: () -> Bool) async -> Bool {
        let end = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < end {
            if condition() { return true }
            await Task.yield()
        }
        return condition()
    }

    /// Moves the manual clock on by the queue's recheck each time the queue sleeps on it, until
    /// `condition` holds or `limit` of manual time has passed.
    func advance(until condition: () -> Bool, limit: Duration, on rig: Rig) async -> Bool {
        var moved: Duration = .zero
        let end = ContinuousClock.now + .seconds(10)
        while !condition(), moved <= limit, ContinuousClock.now < end {
            if rig.clock.sleeperCount > 0 {
                rig.clock.advance(by: AgentInputQueue.quietRecheck)
                moved += AgentInputQueue.quietRecheck
            }
            await Task.yield()
        }
        return condition()
    }

    @Test func aTextWaitsWhileTheAgentWorksAndIsTypedOnceItIsIdle() async throws {
        try await withRig { rig in
            await rig.watch.launched(Self.id, kind: .claude)
            try await rig.hook("UserPromptSubmit")
            let input = try rig.send("hello")
            #expect(rig.state(input) == .queued)
            // Parked on the agent's next change (its recheck sleeps on the clock): nothing typed.
            #expect(await settles { rig.clock.sleeperCount > 0 })
            rig.clock.advance(by: AgentInputQueue.quietRecheck * 5)
            #expect(await settles { rig.clock.sleeperCount > 0 })
            #expect(rig.log.typed.withLock { $0 }.isEmpty)
            try await rig.hook("Stop")
            #expect(await settles { rig.state(input) == .delivered })
            #expect(rig.log.typed.withLock { $0 } == ["hello"])
        }
    }

    @Test func textsAreTypedOneAtATimeInTheOrderSent() async throws {
        try await withRig { rig in
            await rig.watch.launched(Self.id, kind: .claude)
            try await rig.hook("Stop")
            let gate = AsyncEvent()
            rig.log.paste.withLock { $0 = gate }
            let inputs = try ["one", "two", "three"].map { try rig.send($0) }
            // The first paste is under way; the others wait their turn, untyped.
            #expect(await settles { rig.state(inputs[0]) == .queued && rig.log.typed.withLock { $0 }.isEmpty })
            #expect(rig.state(inputs[1]) == .queued && rig.state(inputs[2]) == .queued)
            rig.log.paste.withLock { $0 = nil }
            gate.fire()
            #expect(await settles { inputs.allSatisfy { rig.state($0) == .delivered } })
            #expect(rig.log.typed.withLock { $0 } == ["one", "two", "three"])
        }
    }

    @Test func aTextTheAgentNeverTakesFailsAtItsWaitNamingTheSetting() async throws {
        try await withRig { rig in
            await rig.watch.launched(Self.id, kind: .claude)
            try await rig.hook("UserPromptSubmit")
            let input = try rig.send("stuck")
            #expect(await advance(until: { rig.state(input) == .failed }, limit: Self.wait + .seconds(5), on: rig))
            let reason = rig.log.receipts.withLock { $0[input]?.reason } ?? ""
            #expect(reason.contains("timeouts.agent_input_wait"), "\(reason)")
            #expect(rig.log.typed.withLock { $0 }.isEmpty)
        }
    }

    @Test func aTextForAnAgentThatExitedFailsAtTheNextRecheck() async throws {
        try await withRig { rig in
            await rig.watch.launched(Self.id, kind: .claude)
            try await rig.hook("UserPromptSubmit")
            rig.log.shell.withLock { $0 = true }
            let input = try rig.send("after the exit")
            #expect(await advance(until: { rig.state(input) == .failed }, limit: AgentInputQueue.quietRecheck * 3, on: rig))
            let reason = rig.log.receipts.withLock { $0[input]?.reason } ?? ""
            #expect(reason.contains("a shell is in front"), "\(reason)")
            #expect(rig.log.typed.withLock { $0 }.isEmpty, "never typed into the shell")
        }
    }

    @Test func aRestartHoldsTheQueueThroughIdleUntilItLetsGo() async throws {
        try await withRig { rig in
            await rig.watch.launched(Self.id, kind: .claude)
            rig.watch.hold(Self.id)
            try await rig.hook("Stop")
            let input = try rig.send("after the restart")
            #expect(await settles { rig.clock.sleeperCount > 0 })
            rig.clock.advance(by: AgentInputQueue.quietRecheck * 3)
            #expect(await settles { rig.clock.sleeperCount > 0 })
            #expect(rig.state(input) == .queued, "idle, but held")
            rig.watch.release(Self.id)
            #expect(await settles { rig.state(input) == .delivered })
        }
    }

    @Test func theLimitIsTakenAtOnceAndTheNextTextIsRefusedNamingIt() async throws {
        try await withRig { rig in
            await rig.watch.launched(Self.id, kind: .claude)
            try await rig.hook("UserPromptSubmit")
            for index in 0..<AgentInputQueue.perSessionLimit { _ = try rig.send("text \(index)") }
            let refusal = #expect(throws: TetherError.self) { try rig.send("one too many") }
            #expect(refusal?.message.contains("\(AgentInputQueue.perSessionLimit)") == true, "\(String(describing: refusal))")
            #expect(refusal?.message.contains("tether send --wait") == true)
            // Once the agent takes them, there is room again.
            try await rig.hook("Stop")
            #expect(await settles { rig.log.typed.withLock { $0.count } == AgentInputQueue.perSessionLimit })
            #expect(await settles { rig.log.receipts.withLock { $0.values.filter { $0.state == .delivered }.count } == AgentInputQueue.perSessionLimit })
            let next = try rig.send("room again")
            #expect(await settles { rig.state(next) == .delivered })
        }
    }
}
