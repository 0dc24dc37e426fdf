import Logging

/// A long-lived part of the daemon (store, terminal bridge, poller, Redis reader, API server...).
///
/// The supervisor runs each component's ``run(context:)`` as a registry task. The component calls
/// ``ComponentContext/started()`` once it can serve, and ``ComponentContext/beat()`` at least every
/// ``heartbeatInterval`` while it makes progress: a component that stops beating is seen as stalled,
/// and the supervisor stops the systemd watchdog pings so that systemd restarts the daemon.
public protocol Component: Sendable {
    /// Stable name, used in logs (`component.name`), status and the registry.
    var name: String { get }
    /// The longest gap between two beats while healthy; stale after ``HealthBoard/staleFactor`` times it.
    var heartbeatInterval: Duration { get }
    /// Runs until cancelled. Throwing is a component failure, which stops the daemon.
    func run(context: ComponentContext) async throws
}

/// What a running component reports through.
public struct ComponentContext: Sendable {
    public let name: String
    public let logger: Logger
    let board: HealthBoard

    public init(name: String, logger: Logger, board: HealthBoard) {
        self.name = name
        self.logger = logger
        self.board = board
    }

    /// The component can serve; READY=1 waits for every component to say this.
    public func started() { board.markStarted(name) }

    /// The component made progress.
    public func beat() { board.beat(name) }
}
