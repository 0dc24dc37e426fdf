import Synchronization

/// A one-shot event: `wait()` suspends until `fire()` has been called, once, by anyone.
///
/// Waiting honours cancellation: a cancelled waiter returns at once (and `wait()` reports that it
/// was not fired), so nothing ever waits on an event without a way out.
public final class AsyncEvent: Sendable {
    private struct State {
        var fired = false
        var nextWaiter = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// Whether `fire()` has been called.
    public var isFired: Bool { state.withLock { $0.fired } }

    /// Fires the event and resumes every waiter; later calls do nothing.
    public func fire() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard !state.fired else { return [] }
            state.fired = true
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Suspends until the event fires or the calling task is cancelled; true when it fired.
    @discardableResult
    public func wait() async -> Bool {
        let id = state.withLock { state -> Int in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.fired || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
        return isFired
    }
}

extension AsyncEvent {
    /// Suspends until the event fires, even if the caller is cancelled: for a clean-up that must
    /// see the thing it waits for happen, where something else bounds the wait.
    public func waitIgnoringCancellation() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { state -> Bool in
                if state.fired { return true }
                state.nextWaiter += 1
                state.waiters[state.nextWaiter] = continuation
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    /// Waits until the event fires or `timeout` passes on `time`, whichever is first; true when it fired.
    public func wait(timeout: Duration, on time: TimeSource) async -> Bool {
        await Self.first(of: [self], timeout: timeout, on: time) == 0
    }
}

extension AsyncEvent {
    /// Waits until one of `events` fires or `timeout` (if any) passes on `time`, or the caller is
    /// cancelled; the index of an event that fired (the lowest, if several did), or nil.
    public static func first(of events: [AsyncEvent], timeout: Duration?, on time: TimeSource) async -> Int? {
        if let fired = events.firstIndex(where: \.isFired) { return fired }
        _ = await withTaskGroup(of: Int?.self) { group in
            // registry-exempt: a structured race between the events and their deadline, all awaited here.
            for (index, event) in events.enumerated() {
                group.addTask { await event.wait() ? index : nil }  // registry-exempt: see above
            }
            if let timeout {
                group.addTask {  // registry-exempt: see above
                    try? await time.sleep(for: timeout)
                    return nil
                }
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        return events.firstIndex(where: \.isFired)
    }
}
