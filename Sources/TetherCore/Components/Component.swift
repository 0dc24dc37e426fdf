import Logging

/// A long-lived part of the daemon (store, sessions, API server, later the Redis reader).
///
/// The supervisor starts components one at a time in their declared order, each only once the one
/// before it has called ``ComponentContext/started()``, and stops them in reverse order. A component
/// serves until ``ComponentContext/isStopping`` (asked through ``ComponentContext/waitForStop()`` or
/// ``ComponentContext/sleep(for:)``), then cleans up and returns. Its clean-up runs in a task that is
/// not cancelled, so its own deadlines and waits work; it is cancelled only when its share of
/// `timeouts.shutdown` runs out.
///
/// While serving it calls ``ComponentContext/beat()`` each time its own work makes progress, at
/// least every ``heartbeatInterval``: a component that stops beating is seen as stalled, and the
/// supervisor withholds the systemd watchdog pings so that systemd restarts the daemon. Returning
/// or throwing before a stop was asked is a failure, which stops the daemon with exit status 1.
public protocol Component: Sendable {
    /// Stable name, used in logs (`component.name`), status and the registry.
    var name: String { get }
    /// The longest gap between two beats while healthy; stale after ``HealthBoard/staleFactor`` times it.
    var heartbeatInterval: Duration { get }
    /// Serves until asked to stop, then cleans up and returns.
    func run(context: ComponentContext) async throws
}

/// What a running component reports through, and how it learns that it should stop.
public struct ComponentContext: Sendable {
    public let name: String
    public let logger: Logger
    let board: HealthBoard
    let stopRequest: AsyncEvent
    let time: TimeSource

    public init(name: String, logger: Logger, board: HealthBoard, stopRequest: AsyncEvent = AsyncEvent(),
                time: TimeSource = .continuous) {
        self.name = name
        self.logger = logger
        self.board = board
        self.stopRequest = stopRequest
        self.time = time
    }

    /// The component can serve; the next component starts, and READY=1 waits for every one to say this.
    public func started() { board.markStarted(name) }

    /// The component made progress.
    public func beat() { board.beat(name) }

    /// The component serves but not fully, and says why (`text`), or is whole again (nil): systemd's
    /// `STATUS=` carries the text while it holds.
    public func report(condition text: String?) { board.conditions.set(name, text) }

    /// Whether the supervisor has asked this component to stop.
    public var isStopping: Bool { stopRequest.isFired }

    /// Suspends until the supervisor asks this component to stop (or the task is cancelled).
    public func waitForStop() async { await stopRequest.wait() }

    /// Sleeps for `duration`, or less if a stop is asked first; true when the component should go
    /// on serving (no stop asked, not cancelled).
    public func sleep(for duration: Duration) async -> Bool {
        await sleep(until: time.now + duration)
    }

    /// Sleeps until `instant` on the component's time source, or less if a stop is asked first;
    /// true when the component should go on serving.
    public func sleep(until instant: Duration) async -> Bool {
        guard !stopRequest.isFired, !Task.isCancelled else { return false }
        let remaining = instant - time.now
        if remaining > .zero { _ = await stopRequest.wait(timeout: remaining, on: time) }
        return !stopRequest.isFired && !Task.isCancelled
    }
}

extension ComponentContext {
    /// Suspends until `event` fires or a stop is asked (the supervisor's start timeout bounds a
    /// component that never starts); true when the event fired first.
    public func waitUntil(_ event: AsyncEvent) async -> Bool {
        await AsyncEvent.first(of: [event, stopRequest], timeout: nil, on: time) == 0
    }

    /// Suspends until `event` fires, a stop is asked or `timeout` passes; true when the event fired first.
    public func waitUntil(_ event: AsyncEvent, timeout: Duration) async -> Bool {
        await AsyncEvent.first(of: [event, stopRequest], timeout: timeout, on: time) == 0
    }
}
