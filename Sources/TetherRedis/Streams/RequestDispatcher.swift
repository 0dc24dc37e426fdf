import Synchronization
import TetherCore

/// Runs handled entries as registry tasks, concurrently, but the entries of one `session_id` one
/// after another in arrival order (PROTOCOL.md §9 defect 4): a busy session has one task draining
/// its own queue, so a slow session delays only itself.
final class RequestDispatcher: Sendable {
    /// Entries handled or waiting at once. Each holds at most a request's fields (≤ 1 MiB command)
    /// and a handler; 64 is far beyond what peers send concurrently, and when it is reached the
    /// reader simply stops reading until one finishes, so Redis keeps the rest.
    static let maximumInFlight = 64

    typealias Job = @Sendable () async -> Void

    private struct State {
        var inFlight = 0
        /// Sessions with a running drainer, and what waits behind it.
        var queues: [String: [Job]] = [:]
        /// Submitters waiting for a slot, in arrival order; resumed with true when handed one,
        /// false when a stop ends the wait.
        var slotWaiters: [(id: Int, continuation: CheckedContinuation<Bool, Never>)] = []
        var nextWaiter = 0
        /// Fired when nothing is in flight any more.
        var idleWaiters: [AsyncEvent] = []
    }

    private let state = Mutex(State())
    private let registry: TaskRegistry
    private let limit: Int

    init(registry: TaskRegistry, limit: Int = RequestDispatcher.maximumInFlight) {
        self.registry = registry
        self.limit = limit
    }

    /// Entries accepted and not yet finished.
    var inFlight: Int { state.withLock { $0.inFlight } }

    /// Queues `job` behind earlier jobs of `session` (none for nil); waits first while the bound is
    /// reached, unless `stop` fires first: then the job is dropped and the result is false.
    @discardableResult
    func submit(session: String?, until stop: AsyncEvent = AsyncEvent(), _ job: @escaping Job) async -> Bool {
        guard await reserveSlot(until: stop) else { return false }
        start(reserved: session, job)
        return true
    }

    /// Takes one of the bounded slots, waiting while all are taken; false (no slot taken) when
    /// `stop` fires or the caller is cancelled first. Follow a true with ``start(reserved:_:)``.
    func reserveSlot(until stop: AsyncEvent) async -> Bool {
        // The slot is reserved before any await, so concurrent submitters never pass the bound together.
        let (reserved, id) = state.withLock { state -> (Bool, Int) in
            state.nextWaiter += 1
            guard state.inFlight < limit else { return (false, state.nextWaiter) }
            state.inFlight += 1
            return (true, state.nextWaiter)
        }
        if reserved { return true }
        // release() hands its slot over directly, so inFlight never drops below the bound meanwhile.
        return await withDiscardingTaskGroup { group -> Bool in
            group.addTask {  // registry-exempt: ends the wait below when the stop fires; cancelled before this returns
                if await stop.wait() { self.abandonWait(id) }
            }
            let granted = await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                    let outcome = state.withLock { state -> Bool? in
                        if stop.isFired || Task.isCancelled { return false }
                        if state.inFlight < limit {
                            state.inFlight += 1
                            return true
                        }
                        state.slotWaiters.append((id, continuation))
                        return nil
                    }
                    if let outcome { continuation.resume(returning: outcome) }
                }
            } onCancel: {
                self.abandonWait(id)
            }
            group.cancelAll()
            return granted
        }
    }

    /// Ends waiter `id`'s wait without a slot, if it still waits.
    private func abandonWait(_ id: Int) {
        let waiter = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            guard let index = state.slotWaiters.firstIndex(where: { $0.id == id }) else { return nil }
            return state.slotWaiters.remove(at: index).continuation
        }
        waiter?.resume(returning: false)
    }

    /// Runs `job` on a slot taken with ``reserveSlot(until:)``, behind earlier jobs of `session`.
    func start(reserved session: String?, _ job: @escaping Job) {
        guard let session else {
            start(session: nil) { await job(); self.release() }
            return
        }
        let busy = state.withLock { state -> Bool in
            if state.queues[session] != nil {
                state.queues[session]!.append(job)
                return true
            }
            state.queues[session] = []
            return false
        }
        if !busy { start(session: session) { await self.drain(session, first: job) } }
    }

    private func drain(_ session: String, first: @escaping Job) async {
        var next: Job? = first
        while let job = next {
            await job()
            release()
            next = state.withLock { state -> Job? in
                guard var queue = state.queues[session], !queue.isEmpty else {
                    state.queues[session] = nil
                    return nil
                }
                let job = queue.removeFirst()
                state.queues[session] = queue
                return job
            }
        }
    }

    private func start(session: String?, _ operation: @escaping @Sendable () async -> Void) {
        let handle = registry.spawn(name: "redis.request", onShutdown: .complete) { await operation() }
        guard handle.id == 0 else { return }
        // A draining registry refuses new work: the entry (and any queued behind it) will not run.
        let dropped = state.withLock { state in session.flatMap { state.queues.removeValue(forKey: $0)?.count } ?? 0 }
        for _ in 0...dropped { release() }
    }

    /// Gives a slot back: a job's end, or a reserved slot that no job took.
    func release() {
        let (waiter, idle) = state.withLock { state -> (CheckedContinuation<Bool, Never>?, [AsyncEvent]) in
            if !state.slotWaiters.isEmpty { return (state.slotWaiters.removeFirst().continuation, []) }
            state.inFlight -= 1
            guard state.inFlight == 0 else { return (nil, []) }
            defer { state.idleWaiters.removeAll() }
            return (nil, state.idleWaiters)
        }
        waiter?.resume(returning: true)
        for event in idle { event.fire() }
    }

    /// Waits until every accepted entry has been handled (its reply written), or `timeout` passes
    /// on `time`; true when idle.
    func waitUntilIdle(timeout: Duration, on time: TimeSource) async -> Bool {
        let event = state.withLock { state -> AsyncEvent? in
            guard state.inFlight > 0 else { return nil }
            let event = AsyncEvent()
            state.idleWaiters.append(event)
            return event
        }
        guard let event else { return true }
        return await event.wait(timeout: timeout, on: time)
    }
}
