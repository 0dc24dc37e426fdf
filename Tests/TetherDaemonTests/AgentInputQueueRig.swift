import Foundation
import Logging
import Synchronization
import Testing
import TetherCore
import TetherStore
@testable import TetherDaemon

/// An ``AgentInputQueue`` on a manual clock around one live session whose agent Tether follows,
/// with a fake paste that records what it typed (and can be held, or made to fail).
final class AgentInputQueueRig: Sendable {
    static let id = "3f2c1a9b-0000-4000-8000-00000000a001"
    /// The queue's `timeouts.agent_input_wait` here: a minute of manual time.
    static let wait: Duration = .seconds(60)
    /// How long a test yields for the queue's task, which runs beside it: real time, generous for
    /// a loaded machine; nothing sleeps meanwhile.
    static let settleDeadline: Duration = .seconds(10)

    /// A paste that failed (the fake's doing).
    struct PasteFailed: Error {}

    /// What the queue did and what its fakes say, shared with the queue's closures.
    final class Log: Sendable {
        /// What the queue typed, in order.
        let typed = Mutex<[String]>([])
        /// Whether a shell is in front (the agent exited).
        let shell = Mutex(false)
        /// Each paste waits for this when set (a slow paste).
        let paste = Mutex<AsyncEvent?>(nil)
        /// How many pastes run now, and the most that ever ran at once.
        let pasting = Mutex((now: 0, most: 0))
        /// How many of the next pastes fail.
        let failures = Mutex(0)
        /// Every receipt the queue announced, by input id, last one wins.
        let receipts = Mutex<[String: InputReceipt]>([:])
    }

    let clock = ManualClock()
    let time: TimeSource
    let registry: TaskRegistry
    let watch: AgentWatch
    let queue: AgentInputQueue
    let store: SessionStore
    let directory: URL
    let log = Log()

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
        var record = SessionRecord(sessionID: Self.id, computerName: "here", tmuxSessionName: "tc_3f2c1a9b",
                                   createdAt: Timestamp(microseconds: 0))
        record.status = .active
        _ = cache.upsert(Session(record))
        watch = AgentWatch(lookup: lookup, recorder: recorder, time: time, logger: logger)
        let log = log
        queue = AgentInputQueue(
            registry: registry, agents: watch, lookup: lookup, time: time, logger: logger,
            deliveryWait: { AgentInputQueueRig.wait },
            announce: { receipt in log.receipts.withLock { $0[receipt.inputID] = receipt } },
            shellInFront: { _ in log.shell.withLock { $0 } },
            deliver: { _, text, _ in
                log.pasting.withLock { $0 = (now: $0.now + 1, most: max($0.most, $0.now + 1)) }
                defer { log.pasting.withLock { $0.now -= 1 } }
                if let gate = log.paste.withLock({ $0 }) { await gate.wait() }
                let fails = log.failures.withLock { failures in
                    defer { failures = max(0, failures - 1) }
                    return failures > 0
                }
                if fails { throw PasteFailed() }
                log.typed.withLock { $0.append(text) }
                return true
            })
    }

    /// Runs `body` with a rig whose registry runs beside it; stops the registry and removes the
    /// rig's files after, whether `body` threw or not.
    static func with(_ body: (AgentInputQueueRig) async throws -> Void) async throws {
        let rig = try await AgentInputQueueRig()
        var failure: (any Error)?
        await withDiscardingTaskGroup { group in
            group.addTask { await rig.registry.run() }  // registry-exempt: the runner of the registry under test
            do { try await body(rig) } catch { failure = error }
            group.cancelAll()
        }
        await rig.store.close()
        try? FileManager.default.removeItem(at: rig.directory)
        if let failure { throw failure }
    }

    /// A hook of the session's agent, by its event name.
    func hook(_ name: String) async throws {
        await watch.hook(Self.id, try AgentHookPayload.parse(Array("{\"hook_event_name\": \"\(name)\"}".utf8)))
    }

    /// Queues `text` as a REST client would; its input id.
    func send(_ text: String) throws -> String {
        try queue.enqueue(text, sessionID: Self.id, adapter: "rest").inputID
    }

    func state(_ inputID: String) -> InputReceipt.State? {
        log.receipts.withLock { $0[inputID]?.state }
    }

    func reason(_ inputID: String) -> String {
        log.receipts.withLock { $0[inputID]?.reason } ?? ""
    }

    var typed: [String] { log.typed.withLock { $0 } }

    /// Yields until `condition` holds, at most ``settleDeadline``.
    func settles(_ condition: () -> Bool) async -> Bool {
        let end = ContinuousClock.now + Self.settleDeadline
        while ContinuousClock.now < end {
            if condition() { return true }
            await Task.yield()
        }
        return condition()
    }

    /// Whether the queue is parked on the clock (its recheck), once the queue's task got there.
    func parked() async -> Bool {
        await settles { clock.sleeperCount > 0 }
    }

    /// Moves the clock on by the queue's recheck each time the queue sleeps on it, until
    /// `condition` holds or `limit` of manual time has passed.
    func advance(until condition: () -> Bool, limit: Duration) async -> Bool {
        var moved: Duration = .zero
        let end = ContinuousClock.now + Self.settleDeadline
        while !condition(), moved <= limit, ContinuousClock.now < end {
            if clock.sleeperCount > 0 {
                clock.advance(by: AgentInputQueue.quietRecheck)
                moved += AgentInputQueue.quietRecheck
            }
            await Task.yield()
        }
        return condition()
    }
}
