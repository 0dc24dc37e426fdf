import Logging
import Synchronization

/// The only place the daemon starts concurrent work.
///
/// Every task is a child of one discarding task group owned by ``run()``, so there is no unstructured
/// task anywhere and a finished task is gone at once. ``shutdown(timeout:)`` drains in two phases:
/// tasks spawned with ``ShutdownBehavior/cancel`` (idle loops) are cancelled at once and those spawned
/// with ``ShutdownBehavior/complete`` (work in flight) may finish during the grace period; then
/// everything left is cancelled, and whatever is still running at the deadline is reported by name.
public final class TaskRegistry: Sendable {
    /// What a task wants when the daemon starts to drain.
    public enum ShutdownBehavior: Sendable {
        /// Cancel it as soon as the drain starts (loops, pollers, readers).
        case cancel
        /// Let it run to completion within the grace period, cancel it only then (work in flight).
        case complete
    }

    /// Of the shutdown timeout, how much is kept for the cancellation phase at most.
    public static let maximumCancellationAllowance: Duration = .seconds(1)

    private struct Job: Sendable {
        let handle: TaskHandle
        let behavior: ShutdownBehavior
        let operation: @Sendable () async throws -> Void
    }

    private enum Phase { case accepting, draining, closed }

    private struct State {
        var phase = Phase.accepting
        var nextID: UInt64 = 0
        var spawned: UInt64 = 0
        var live: [UInt64: (handle: TaskHandle, behavior: ShutdownBehavior)] = [:]
        var nextWaiter = 0
        var emptyWaiters: [Int: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())
    private let jobs: AsyncStream<Job>
    private let jobsContinuation: AsyncStream<Job>.Continuation
    private let drainStarted = AsyncEvent()
    private let escalated = AsyncEvent()
    private let clock: any Clock<Duration>
    private let logger: Logger

    public init(clock: any Clock<Duration> = ContinuousClock(), logger: Logger) {
        (jobs, jobsContinuation) = AsyncStream.makeStream(of: Job.self)
        self.clock = clock
        self.logger = logger
    }

    // MARK: Spawning

    /// Starts `operation` as a child of the registry and returns its handle.
    ///
    /// Once the drain has started nothing new is started: the handle comes back already finished
    /// and a warning names the task.
    @discardableResult
    public func spawn(
        name: String,
        onShutdown behavior: ShutdownBehavior = .cancel,
        operation: @escaping @Sendable () async throws -> Void
    ) -> TaskHandle {
        let accepted = state.withLock { state -> TaskHandle? in
            guard state.phase == .accepting else { return nil }
            state.nextID += 1
            state.spawned += 1
            let handle = TaskHandle(id: state.nextID, name: name, cancelRequest: AsyncEvent(), completion: AsyncEvent())
            state.live[handle.id] = (handle, behavior)
            return handle
        }
        guard let handle = accepted else {
            logger.warning("task not started: the daemon is shutting down", metadata: ["task.name": "\(name)"])
            let refused = TaskHandle(id: 0, name: name, cancelRequest: AsyncEvent(), completion: AsyncEvent())
            refused.completion.fire()
            return refused
        }
        logger.debug("task spawned", metadata: ["task.name": "\(name)", "task.id": "\(handle.id)"])
        jobsContinuation.yield(Job(handle: handle, behavior: behavior, operation: operation))
        return handle
    }

    /// Runs every spawned task until ``shutdown(timeout:)`` (or cancellation of the caller) ends it.
    public func run() async {
        await withDiscardingTaskGroup { group in
            for await job in jobs {
                group.addTask { await self.execute(job) }  // registry-exempt: the registry's own children
            }
        }
    }

    private func execute(_ job: Job) async {
        let handle = job.handle
        // An inner group gives the handle a way to cancel this one task without touching its siblings.
        await withDiscardingTaskGroup { inner in
            inner.addTask {  // registry-exempt: the registry's own children
                var outcome: Logger.Message = "task finished"
                do {
                    try await job.operation()
                    if Task.isCancelled { outcome = "task cancelled" }
                } catch is CancellationError {
                    outcome = "task cancelled"
                } catch {
                    self.logger.error(
                        "task failed",
                        metadata: ["task.name": "\(handle.name)", "task.id": "\(handle.id)", "error": "\(error)"]
                    )
                    outcome = "task failed"
                }
                self.remove(handle)
                self.logger.debug(outcome, metadata: ["task.name": "\(handle.name)", "task.id": "\(handle.id)"])
                handle.completion.fire()
                handle.cancelRequest.fire()  // releases the watcher below
            }
            await handle.cancelRequest.wait()
            if !handle.completion.isFired {
                logger.debug("task cancel requested", metadata: ["task.name": "\(handle.name)", "task.id": "\(handle.id)"])
            }
            inner.cancelAll()
        }
    }

    private func remove(_ handle: TaskHandle) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.live.removeValue(forKey: handle.id)
            guard state.live.isEmpty else { return [] }
            defer { state.emptyWaiters.removeAll() }
            return Array(state.emptyWaiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    // MARK: Reading

    /// How many tasks are running now.
    public var liveCount: Int { state.withLock { $0.live.count } }

    /// How many tasks were ever started.
    public var spawnedCount: UInt64 { state.withLock { $0.spawned } }

    /// The names of the running tasks, sorted, repeated once per task.
    public var liveNames: [String] { state.withLock { $0.live.values.map(\.handle.name) }.sorted() }

    /// Live tasks counted by name.
    public var liveCountsByName: [String: Int] {
        state.withLock { state in
            state.live.values.reduce(into: [:]) { counts, entry in counts[entry.handle.name, default: 0] += 1 }
        }
    }

    /// Whether the drain has started.
    public var isShuttingDown: Bool { drainStarted.isFired }

    /// Suspends until the drain starts (or the caller is cancelled).
    public func waitForShutdown() async { await drainStarted.wait() }

    // MARK: Stopping

    /// Drains every task within `timeout` and returns the names of those still running at the
    /// deadline (empty after a clean drain). Also ends ``run()`` once those tasks are gone.
    @discardableResult
    public func shutdown(timeout: Duration) async -> [String] {
        let allowance = min(Self.maximumCancellationAllowance, timeout / 2)
        return await drain(clock: clock, timeout: timeout, grace: timeout - allowance)
    }

    /// Escalates a drain in progress (or starts one) straight to cancellation of every task.
    public func cancelAll() {
        escalated.fire()
        cancelLive(where: { _ in true })
    }

    private func drain<C: Clock<Duration>>(clock: C, timeout: Duration, grace: Duration) async -> [String] {
        let start = clock.now
        let alreadyDraining = state.withLock { state -> Bool in
            defer { if state.phase == .accepting { state.phase = .draining } }
            return state.phase != .accepting
        }
        if !alreadyDraining {
            drainStarted.fire()
            logger.debug("drain started", metadata: ["tasks.live": "\(liveCount)"])
        }
        cancelLive(where: { $0 == .cancel })
        var empty = await waitUntilEmpty(clock: clock, deadline: start.advanced(by: grace), orUntil: escalated)
        if !empty {
            cancelLive(where: { _ in true })
            empty = await waitUntilEmpty(clock: clock, deadline: start.advanced(by: timeout), orUntil: nil)
        }
        state.withLock { $0.phase = .closed }
        jobsContinuation.finish()
        return empty ? [] : liveNames
    }

    private func cancelLive(where shouldCancel: (ShutdownBehavior) -> Bool) {
        let handles = state.withLock { state in state.live.values.filter { shouldCancel($0.behavior) }.map(\.handle) }
        for handle in handles { handle.cancel() }
    }

    /// True when the registry emptied before `deadline` (and before `event` fired, if given).
    private func waitUntilEmpty<C: Clock<Duration>>(clock: C, deadline: C.Instant, orUntil event: AsyncEvent?) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { await self.waitUntilEmpty(); return !Task.isCancelled }  // registry-exempt: a structured race in the drain
            group.addTask {  // registry-exempt: a structured race in the drain
                try? await clock.sleep(until: deadline, tolerance: nil)
                return false
            }
            if let event {
                group.addTask { await event.wait(); return false }  // registry-exempt: a structured race in the drain
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first || liveCount == 0
        }
    }

    /// Suspends until no task is running (or the caller is cancelled).
    public func waitUntilEmpty() async {
        let id = state.withLock { state -> Int in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.live.isEmpty || Task.isCancelled { return true }
                    state.emptyWaiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.emptyWaiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }
}
