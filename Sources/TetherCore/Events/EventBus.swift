import Logging
import Synchronization

/// Typed session events from producers (pollers, the session manager) to handlers (store, cache,
/// API, Redis): the role of the Python daemon's adapter client.
///
/// Each subscriber has its own bounded queue drained by its own registry task, so a slow subscriber
/// delays only itself; when its queue is full its oldest events are dropped and counted. Each handler
/// call runs as a registry task under `timeouts.event_handler`: one that runs past it is logged and
/// left behind (cancelled, still tracked), one that throws is logged, and the queue moves on. The
/// deadlines are watched by one sweeper task that looks every ``sweepInterval`` while handlers are
/// running (and sleeps untimed while none are), so no timer is made per event.
/// After ``unsubscribe(_:)`` returns, the handler is not called again.
///
/// Per-session state (the last status and screen published, used to drop repeats) lives in
/// ``BoundedDictionary``s of `limits.bounded_state` entries, and ``forget(sessionID:)`` clears it
/// when a session ends.
public final class EventBus: Sendable {
    public typealias Handler = @Sendable (SessionEvent) async throws -> Void

    /// Events queued per subscriber before the oldest are dropped.
    public static let defaultQueueCapacity = 4096
    /// How often running handlers are checked against their deadline; a handler is left behind at
    /// most this long after its deadline.
    public static let sweepInterval: Duration = .milliseconds(250)

    /// A live subscription; pass it to ``unsubscribe(_:)``.
    public struct Subscription: Sendable, Hashable {
        let id: Int
        public let name: String
    }

    private final class Subscriber: Sendable {
        let name: String
        let handler: Handler
        let continuation: AsyncStream<SessionEvent>.Continuation
        let active = Atomic<Bool>(true)

        init(name: String, handler: @escaping Handler, continuation: AsyncStream<SessionEvent>.Continuation) {
            self.name = name
            self.handler = handler
            self.continuation = continuation
        }
    }

    /// A handler call in progress: `settled` fires when it ends or when the sweeper gives up on it.
    private struct Delivery {
        let deadline: Duration
        let settled: AsyncEvent
        /// Set by the sweeper when it gave up on the call; whoever removes the delivery decides.
        let timedOut: Flag
    }

    private final class Flag: Sendable {
        let value = Atomic<Bool>(false)
    }

    private struct State {
        var subscribers: [Int: Subscriber] = [:]
        var nextID = 0
        var deliveries: [UInt64: Delivery] = [:]
        var nextDelivery: UInt64 = 0
        var sweeperWake = AsyncEvent()
        var sweeperStarted = false
        var lastStatus: BoundedDictionary<String, SessionStatus>
        var lastScreenHash: BoundedDictionary<String, Int>
        var dropped = 0
        var slowHandlers = 0
        var failedHandlers = 0
    }

    private let registry: TaskRegistry
    private let time: TimeSource
    private let handlerTimeout: @Sendable () -> Duration
    private let queueCapacity: Int
    private let logger: Logger
    private let state: Mutex<State>

    public init(registry: TaskRegistry, time: TimeSource, boundedState: Int, queueCapacity: Int = defaultQueueCapacity,
                handlerTimeout: @escaping @Sendable () -> Duration, logger: Logger) {
        self.registry = registry
        self.time = time
        self.handlerTimeout = handlerTimeout
        self.queueCapacity = max(1, queueCapacity)
        self.logger = logger
        self.state = Mutex(State(lastStatus: BoundedDictionary(capacity: boundedState),
                                 lastScreenHash: BoundedDictionary(capacity: boundedState)))
    }

    /// Registers `handler` under `name` (for logs); it sees every event published from now on, in order.
    @discardableResult
    public func subscribe(_ name: String, handler: @escaping Handler) -> Subscription {
        let (stream, continuation) = AsyncStream.makeStream(of: SessionEvent.self, bufferingPolicy: .bufferingNewest(queueCapacity))
        let subscriber = Subscriber(name: name, handler: handler, continuation: continuation)
        let id = state.withLock { state -> Int in
            state.nextID += 1
            state.subscribers[state.nextID] = subscriber
            return state.nextID
        }
        let startSweeper = state.withLock { state -> Bool in
            defer { state.sweeperStarted = true }
            return !state.sweeperStarted
        }
        if startSweeper {
            registry.spawn(name: "events.deadlines") { [self] in await sweep() }
        }
        registry.spawn(name: "events.\(name)") { [self] in
            for await event in stream {
                guard subscriber.active.load(ordering: .acquiring) else { break }
                await deliver(event, to: subscriber)
            }
        }
        return Subscription(id: id, name: name)
    }

    /// Removes a subscription; its handler is not called after this returns (a call in progress may finish).
    public func unsubscribe(_ subscription: Subscription) {
        let subscriber = state.withLock { $0.subscribers.removeValue(forKey: subscription.id) }
        subscriber?.active.store(false, ordering: .releasing)
        subscriber?.continuation.finish()
    }

    /// Queues `event` for every subscriber and returns at once. A status or screen equal to the last
    /// one published for that session is dropped as a repeat.
    public func publish(_ event: SessionEvent) {
        let subscribers = state.withLock { state -> [Subscriber] in
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
            case .directoryChanged, .processExited:
                break
            }
            return Array(state.subscribers.values)
        }
        var dropped = 0
        for subscriber in subscribers {
            if case .dropped = subscriber.continuation.yield(event) { dropped += 1 }
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

    private func deliver(_ event: SessionEvent, to subscriber: Subscriber) async {
        let settled = AsyncEvent()
        let timedOut = Flag()
        let timeout = handlerTimeout()
        let (id, wake) = state.withLock { state -> (UInt64, AsyncEvent?) in
            state.nextDelivery += 1
            let wasIdle = state.deliveries.isEmpty
            state.deliveries[state.nextDelivery] = Delivery(deadline: time.now + timeout, settled: settled, timedOut: timedOut)
            return (state.nextDelivery, wasIdle ? state.sweeperWake : nil)
        }
        wake?.fire()
        let failure = Mutex<String?>(nil)
        let handle = registry.spawn(name: "events.\(subscriber.name).handler", onShutdown: .complete) { [self] in
            do {
                try await subscriber.handler(event)
            } catch {
                failure.withLock { $0 = "\(error)" }
            }
            state.withLock { _ = $0.deliveries.removeValue(forKey: id) }
            settled.fire()
        }
        await settled.wait()
        let metadata: Logger.Metadata = [
            "event.subscriber": "\(subscriber.name)", "event.name": "\(event.name)", "session.id": "\(event.sessionID)",
        ]
        if timedOut.value.load(ordering: .acquiring) {
            // The sweeper settled it: left behind, cancelled.
            handle.cancel()
            state.withLock { $0.slowHandlers += 1 }
            var slow = metadata
            slow["timeout_ms"] = "\(timeout.milliseconds)"
            logger.warning("event handler ran past its deadline; cancelled and left behind", metadata: slow)
        } else if let message = failure.withLock({ $0 }) {
            state.withLock { $0.failedHandlers += 1 }
            var failed = metadata
            failed["error"] = "\(message)"
            logger.error("event handler failed; the event is skipped for this subscriber", metadata: failed)
        }
    }

    /// Settles every handler call past its deadline: every ``sweepInterval`` while some are running,
    /// untimed (waiting for the next call) while none are.
    private func sweep() async {
        while !Task.isCancelled {
            let (wake, busy) = state.withLock { state -> (AsyncEvent, Bool) in
                if state.sweeperWake.isFired { state.sweeperWake = AsyncEvent() }
                return (state.sweeperWake, !state.deliveries.isEmpty)
            }
            if busy {
                do { try await time.sleep(for: Self.sweepInterval) } catch { return }
            } else {
                await wake.wait()
                continue
            }
            let now = time.now
            let overdue = state.withLock { state -> [Delivery] in
                let late = state.deliveries.filter { $0.value.deadline <= now }
                for key in late.keys { state.deliveries.removeValue(forKey: key) }
                return Array(late.values)
            }
            for delivery in overdue {
                delivery.timedOut.value.store(true, ordering: .releasing)
                delivery.settled.fire()
            }
        }
    }
}
