import Logging
import Synchronization

/// Typed session events from producers (pollers, the session manager) to handlers (store, cache,
/// API, Redis): the role of the Python daemon's adapter client.
///
/// Each subscriber has its own bounded queue, drained by one long-lived registry task started at
/// ``subscribe(_:handler:)`` and ended at ``unsubscribe(_:)`` or ``finish(within:)``: handlers run
/// inside it, one event at a time and in order, so publishing starts no task. A slow subscriber
/// delays only itself; when its queue is full its oldest events are dropped and counted.
///
/// Each call has `timeouts.event_handler` to finish. One sweeper task watches the deadlines (every
/// ``sweepInterval`` while some call is running, untimed while none is), so no timer is made per
/// event. A call past its deadline is logged and counted; its drainer is abandoned (cancelled, and
/// still tracked by the registry until the handler returns) and a new drainer takes the queue from
/// the next event on, so the subscriber keeps its order and loses only the late call's wait. A
/// handler that throws is logged and counted, and the queue moves on.
///
/// After ``unsubscribe(_:)`` returns no new call starts (one already begun may finish). The normal
/// stop is ``finish(within:)``: no new events, each subscriber handles what is queued within the
/// bound, then every bus task ends; cancellation is only the registry's fallback.
///
/// Per-session state (the last status and screen published, used to drop repeats) lives in
/// ``BoundedDictionary``s of `limits.bounded_state` entries, and ``forget(sessionID:)`` clears it
/// when a session ends.
public final class EventBus: Sendable {
    public typealias Handler = @Sendable (SessionEvent) async throws -> Void

    /// Events queued per subscriber before the oldest are dropped: a few seconds of polling 200
    /// sessions, so a subscriber that stalls briefly loses nothing and one that is stuck costs
    /// bounded memory.
    public static let defaultQueueCapacity = 4096
    /// How often running handlers are checked against their deadline; a handler is abandoned at
    /// most this long after its deadline. A quarter second is small beside any handler deadline and
    /// wakes the sweeper only four times a second while handlers are running.
    public static let sweepInterval: Duration = .milliseconds(250)

    /// A live subscription; pass it to ``unsubscribe(_:)``.
    public struct Subscription: Sendable, Hashable {
        let id: Int
        public let name: String
    }

    enum Phase { case accepting, finishing, finished }

    struct State {
        var phase = Phase.accepting
        var subscribers: [Int: EventSubscriber] = [:]
        /// Unsubscribed during a call: still watched by the sweeper until that call ends.
        var leaving: [Int: EventSubscriber] = [:]
        var nextID = 0
        var sweeperWake = AsyncEvent()
        var sweeperIdle = false
        var sweeperStopped = false
        var lastStatus: BoundedDictionary<String, SessionStatus>
        var lastScreenHash: BoundedDictionary<String, Int>
        var dropped = 0
        var slowHandlers = 0
        var failedHandlers = 0
    }

    let registry: TaskRegistry
    let time: TimeSource
    let handlerTimeout: @Sendable () -> Duration
    private let queueCapacity: Int
    let logger: Logger
    let state: Mutex<State>

    public init(registry: TaskRegistry, time: TimeSource, boundedState: Int, queueCapacity: Int = defaultQueueCapacity,
                handlerTimeout: @escaping @Sendable () -> Duration, logger: Logger) {
        self.registry = registry
        self.time = time
        self.handlerTimeout = handlerTimeout
        self.queueCapacity = max(1, queueCapacity)
        self.logger = logger
        self.state = Mutex(State(lastStatus: BoundedDictionary(capacity: boundedState),
                                 lastScreenHash: BoundedDictionary(capacity: boundedState)))
        // Started here rather than at the first subscribe, so subscribing starts exactly one task.
        registry.spawn(name: "events.deadlines") { [self] in await sweep() }
    }

    /// Registers `handler` under `name` (for logs); it sees every event published from now on, in
    /// order, from one task of its own. After ``finish(within:)`` the handler is never called.
    @discardableResult
    public func subscribe(_ name: String, handler: @escaping Handler) -> Subscription {
        let subscriber = EventSubscriber(name: name, handler: handler, capacity: queueCapacity)
        let (id, accepted) = state.withLock { state -> (Int, Bool) in
            state.nextID += 1
            guard state.phase == .accepting else { return (state.nextID, false) }
            state.subscribers[state.nextID] = subscriber
            return (state.nextID, true)
        }
        if accepted {
            startDrainer(for: subscriber, generation: 0)
        } else {
            subscriber.close()
            logger.warning("subscription after the event bus finished; its handler will not be called", metadata: ["event.subscriber": "\(name)"])
        }
        return Subscription(id: id, name: name)
    }

    /// Removes a subscription and drops what it had queued; no call starts after this returns (one
    /// already begun may finish), and its drainer ends on its own.
    public func unsubscribe(_ subscription: Subscription) {
        guard let subscriber = state.withLock({ $0.subscribers.removeValue(forKey: subscription.id) }) else { return }
        subscriber.close()
        // Closed first, so no call can begin after this check: one in progress stays watched.
        if subscriber.hasCallInProgress {
            state.withLock { state in
                if state.phase != .finished { state.leaving[subscription.id] = subscriber }
            }
        }
    }

    /// Queues `event` for every subscriber and returns at once; ignored once ``finish(within:)`` has
    /// begun. A status or screen equal to the last one published for that session is dropped as a repeat.
    public func publish(_ event: SessionEvent) {
        let subscribers = state.withLock { state -> [EventSubscriber] in
            switch event {
            case .created(let session), .updated(let session):
                state.lastStatus.updateValue(session.status, forKey: session.id)
            case .outputChanged(let id, let screen):
                let hash = screen.hashValue
                if state.lastScreenHash.value(forKey: id) == hash { return [] }
                state.lastScreenHash.updateValue(hash, forKey: id)
            case .ended(let session):
                state.lastStatus.removeValue(forKey: session.id)
                state.lastScreenHash.removeValue(forKey: session.id)
            case .directoryChanged, .processExited, .inputChanged:
                break
            }
            return state.phase == .accepting ? Array(state.subscribers.values) : []
        }
        var dropped = 0
        for subscriber in subscribers {
            // A hand-off wakes the sweeper from the drainer's side, as every call start does.
            if case .droppedOldest = subscriber.enqueue(event, deadline: { time.now + handlerTimeout() }) { dropped += 1 }
        }
        if dropped > 0 {
            let total = state.withLock { state -> Int in
                state.dropped += dropped
                return state.dropped
            }
            // Once per power of two, so a flood is visible without flooding the log itself.
            if total & (total - 1) == 0 {
                logger.warning("event queue full; oldest events dropped", metadata: ["event.name": "\(event.name)", "events.dropped_total": "\(total)"])
            }
        }
    }

    /// Drops every piece of per-session state the bus holds (on close).
    public func forget(sessionID: String) {
        state.withLock { state in
            state.lastStatus.removeValue(forKey: sessionID)
            state.lastScreenHash.removeValue(forKey: sessionID)
        }
    }

    /// The last status published for a session, if the bus still remembers it.
    public func lastPublishedStatus(of sessionID: String) -> SessionStatus? {
        state.withLock { $0.lastStatus.peek(sessionID) }
    }

    /// Whether ``finish(within:)`` has begun: publishing is ignored from then on.
    public var isFinishing: Bool { state.withLock { $0.phase != .accepting } }

    public struct Statistics: Sendable, Equatable {
        public var subscribers: Int
        public var trackedSessions: Int
        public var dropped: Int
        public var slowHandlers: Int
        public var failedHandlers: Int
    }

    public var statistics: Statistics {
        state.withLock {
            Statistics(subscribers: $0.subscribers.count, trackedSessions: max($0.lastStatus.count, $0.lastScreenHash.count),
                       dropped: $0.dropped, slowHandlers: $0.slowHandlers, failedHandlers: $0.failedHandlers)
        }
    }
}
