/// Where a ``RedisLink`` stands, for `/status` and `STATUS=`.
public enum RedisLinkStatus: Sendable, Equatable, CustomStringConvertible {
    /// Not yet asked to connect.
    case idle
    /// A connection is up and usable.
    case connected
    /// Trying to (re)connect; `lastError` says why the last attempt failed, nil before the first one ends.
    case connecting(lastError: RedisError?)
    /// Closed for good (daemon stopping).
    case closed

    public var description: String {
        switch self {
        case .idle: "idle"
        case .connected: "connected"
        case .connecting(nil): "connecting"
        case .connecting(let error?): "connecting (last attempt: \(error.message))"
        case .closed: "closed"
        }
    }
}

/// What a ``RedisLink`` has done, for `/metrics`.
public struct RedisLinkMetrics: Sendable, Equatable {
    /// Connections made after the first one.
    public var reconnects = 0
    /// Connect attempts that failed.
    public var connectFailures = 0
    /// Commands sent, by name (only the names this daemon sends, so the set stays small).
    public var commands: [String: Int] = [:]
    /// Commands that failed, by name.
    public var failures: [String: Int] = [:]

    public init() {}
}
