import Synchronization

/// Shared by every link made from one ``RedisConnectionOptions``: once stopped, no link starts a
/// connect, and the connects (TCP, TLS handshake, AUTH) under way are cut at once, so a daemon
/// stopping while Redis hangs does not wait out a connect timeout per link. Live connections still
/// serve: the heartbeat's removal and the answers to requests in flight use them.
public final class RedisConnectGate: Sendable {
    private struct State {
        var stopped = false
        var attempts: [ObjectIdentifier: RedisConnection] = [:]
    }

    private let state = Mutex(State())

    /// An open gate.
    public init() {}

    /// Closes the gate and cuts every connect under way.
    public func stop() {
        let attempts = state.withLock { state in
            state.stopped = true
            return Array(state.attempts.values)
        }
        for attempt in attempts { attempt.unblock() }
    }

    /// True once ``stop()`` ran.
    public var isStopped: Bool { state.withLock { $0.stopped } }

    /// Records a connect about to start; false when the gate is closed (the caller cuts it).
    func admit(_ connection: RedisConnection) -> Bool {
        state.withLock { state in
            guard !state.stopped else { return false }
            state.attempts[ObjectIdentifier(connection)] = connection
            return true
        }
    }

    /// The connect ended, one way or the other.
    func release(_ connection: RedisConnection) {
        state.withLock { _ = $0.attempts.removeValue(forKey: ObjectIdentifier(connection)) }
    }
}
