import Synchronization

/// One subscriber of the ``EventBus``: its bounded queue, the generation of the drainer that owns
/// the queue, and the handler call in progress with its deadline.
///
/// Every decision (queue, hand off, begin or end a call, abandon a late one, stop) happens under the
/// subscriber's lock, so a drainer, the publisher, the sweeper and `unsubscribe` always agree on
/// who owns the queue. A drainer that was abandoned finds its generation stale and leaves the queue
/// to its successor without taking another event, so the order of calls is kept.
final class EventSubscriber: Sendable {
    enum Phase: Equatable {
        /// Queuing and handling events.
        case open
        /// No new events; the queue is handled until empty (``EventBus/finish(within:)``).
        case finishing
        /// Unsubscribed or given up on: nothing more is handled.
        case closed
    }

    enum Enqueued {
        case queued
        /// Given straight to the waiting drainer: a call began.
        case handedOff
        /// The queue was full: the oldest event was dropped to make room.
        case droppedOldest
        /// The subscriber no longer takes events.
        case refused
    }

    /// A drainer given up on by the sweeper: cancel `abandoned`; start a drainer of `generation`
    /// unless the subscriber is closed.
    struct Abandonment {
        let abandoned: TaskHandle?
        let generation: UInt64
        let restart: Bool
    }

    private struct State {
        var queue = FIFOQueue<SessionEvent>()
        var phase = Phase.open
        var generation: UInt64 = 0
        var drainer: TaskHandle?
        var waiter: CheckedContinuation<SessionEvent?, Never>?
        /// When the handler call in progress must end, if one is.
        var callDeadline: Duration?
    }

    let name: String
    let handler: EventBus.Handler
    let capacity: Int
    /// Fires when the subscriber's last drainer has ended: its queue is handled or given up.
    let ended = AsyncEvent()
    private let state = Mutex(State())

    init(name: String, handler: @escaping EventBus.Handler, capacity: Int) {
        self.name = name
        self.handler = handler
        self.capacity = max(1, capacity)
    }

    /// Queues `event`, or hands it to the drainer waiting for one (a call begins, due at `deadline()`).
    func enqueue(_ event: SessionEvent, deadline: () -> Duration) -> Enqueued {
        let (outcome, waiter) = state.withLock { state -> (Enqueued, CheckedContinuation<SessionEvent?, Never>?) in
            guard state.phase == .open else { return (.refused, nil) }
            if let waiter = state.waiter {
                state.waiter = nil
                state.callDeadline = deadline()
                return (.handedOff, waiter)
            }
            state.queue.append(event)
            guard state.queue.count > capacity else { return (.queued, nil) }
            _ = state.queue.popFirst()
            return (.droppedOldest, nil)
        }
        waiter?.resume(returning: event)
        return outcome
    }

    /// The next event for the drainer of `generation`, its call begun (due at `deadline()`); nil when
    /// the drainer must end: the queue is finished and empty, the subscriber closed, the drainer
    /// abandoned or cancelled.
    func take(generation: UInt64, deadline: @escaping @Sendable () -> Duration) async -> SessionEvent? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<SessionEvent?, Never>) in
                let immediate = state.withLock { state -> SessionEvent?? in
                    if state.generation != generation || state.phase == .closed || Task.isCancelled { return .some(nil) }
                    if let event = state.queue.popFirst() {
                        state.callDeadline = deadline()
                        return .some(event)
                    }
                    if state.phase == .finishing { return .some(nil) }
                    state.waiter = continuation
                    return .none
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(returning: nil)
        }
    }

    /// Ends the call of the drainer of `generation`; false when that drainer was abandoned meanwhile
    /// and must end without touching the queue.
    func endCall(generation: UInt64) -> Bool {
        state.withLock { state in
            guard state.generation == generation else { return false }
            state.callDeadline = nil
            return true
        }
    }

    /// Whether the drainer of `generation` still owns the queue.
    func owns(generation: UInt64) -> Bool { state.withLock { $0.generation == generation } }

    /// Records the drainer's handle; false when that drainer was already abandoned.
    func attach(_ handle: TaskHandle, generation: UInt64) -> Bool {
        state.withLock { state in
            guard state.generation == generation else { return false }
            state.drainer = handle
            return true
        }
    }

    var hasCallInProgress: Bool { state.withLock { $0.callDeadline != nil } }

    /// Gives up on the call in progress when its deadline has passed at `now`: the queue passes to
    /// a new generation, so the late call's drainer ends when (if) the call returns.
    func abandonIfOverdue(now: Duration) -> Abandonment? {
        state.withLock { state in
            guard let deadline = state.callDeadline, deadline <= now else { return nil }
            state.callDeadline = nil
            state.generation += 1
            defer { state.drainer = nil }
            return Abandonment(abandoned: state.drainer, generation: state.generation, restart: state.phase != .closed)
        }
    }

    /// Takes no more events; the drainer handles what is queued, then ends.
    func finishQueue() {
        let waiter = state.withLock { state -> CheckedContinuation<SessionEvent?, Never>? in
            if state.phase == .open { state.phase = .finishing }
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: nil)
    }

    /// Handles nothing more: drops the queue (returns how many events it held) and releases a
    /// waiting drainer. A call in progress may finish; the drainer ends after it.
    @discardableResult
    func close() -> (dropped: Int, drainer: TaskHandle?) {
        let (dropped, drainer, waiter) = state.withLock { state in
            state.phase = .closed
            defer { state.waiter = nil }
            return (state.queue.removeAll().count, state.drainer, state.waiter)
        }
        waiter?.resume(returning: nil)
        return (dropped, drainer)
    }
}
