import Logging
import Synchronization
import TetherCore

/// A connection to Redis that comes back: it connects on first use, drops a connection that broke,
/// and reconnects with the shared ``Backoff`` (reset on success), waiting on the injected clock.
///
/// ``send(_:)`` never waits out a backoff: while Redis is down it fails at once with the last error,
/// so a request with its own deadline is never held up. A long-lived reader calls
/// ``waitUntilConnected()`` between reads instead.
public final class RedisLink: Sendable {
    /// The first retry waits a second and the waits double up to ten seconds: the Python daemon's
    /// back-off (1, 2, 4, 8, 10 s), quick after a blip and gentle on a server that is down for long.
    public static let reconnectInitial: Duration = .seconds(1)
    /// See ``reconnectInitial``.
    public static let reconnectMaximum: Duration = .seconds(10)

    /// How often ``waitUntilReachable(within:)`` tries to connect (all its waiters together) or
    /// looks whether another caller has: a tenth of a second is quick next to a requester's
    /// seconds, and ten refused connects a second cost a server that is down nothing.
    static let reachabilityCheckInterval: Duration = .milliseconds(100)

    /// Where it connects and with which deadlines.
    public let options: RedisConnectionOptions
    let name: String
    let time: TimeSource
    let logger: Logger
    let state: Mutex<State>
    /// One connect attempt at a time; held only around an attempt, which the connect deadline bounds.
    let connecting = AsyncGate()
    private let closedEvent = AsyncEvent()

    struct State {
        var status = RedisLinkStatus.idle
        var connection: RedisConnection?
        /// The connection being connected, so close() can abandon the attempt.
        var attempt: RedisConnection?
        var backoff: Backoff
        var nextAttempt = Duration.zero
        var everConnected = false
        /// When the last connect attempt started, on `time`'s clock.
        var lastAttemptAt: Duration?
        /// Set by stopConnecting(): the live connection still serves, no new one is made.
        var connectsRefused = false
        var metrics = RedisLinkMetrics()

        var lastError: RedisError? {
            if case .connecting(let error) = status { error } else { nil }
        }
    }

    /// A link that connects on first use; `name` names its threads and log lines, `time` drives the backoff.
    public init(options: RedisConnectionOptions, name: String = "redis", time: TimeSource, logger: Logger,
                backoff: Backoff = Backoff(initial: RedisLink.reconnectInitial, maximum: RedisLink.reconnectMaximum)) {
        self.options = options
        self.name = name
        self.time = time
        var logger = logger
        logger[metadataKey: "redis.address"] = "\(options.url.address)"
        logger[metadataKey: "redis.link"] = "\(name)"
        self.logger = logger
        state = Mutex(State(backoff: backoff))
    }

    /// Where the link stands now.
    public var status: RedisLinkStatus { state.withLock { $0.status } }

    /// The longest wait between two connect attempts (its backoff's maximum).
    public var reconnectCeiling: Duration { state.withLock { $0.backoff.maximum } }

    /// Reconnects and commands so far.
    public var metrics: RedisLinkMetrics { state.withLock { $0.metrics } }

    /// Sends a command on the current connection, connecting first if the backoff allows.
    public func send(_ arguments: [String]) async throws(RedisError) -> RedisValue {
        try await send(bytes: arguments.map { Array($0.utf8) })
    }

    /// Sends a command, connecting first even while the backoff runs (a request just read proves
    /// Redis is back, so the reply must not wait out, or fail on, this link's own backoff).
    public func sendReconnecting(_ arguments: [String]) async throws(RedisError) -> RedisValue {
        try await sendReconnecting(bytes: arguments.map { Array($0.utf8) })
    }

    /// ``sendReconnecting(_:)`` with binary-safe arguments.
    public func sendReconnecting(bytes arguments: [[UInt8]]) async throws(RedisError) -> RedisValue {
        try await perform(arguments, failFast: false) { connection throws(RedisError) in try await connection.send(bytes: arguments) }
    }

    /// Sends a command of binary-safe arguments; see ``send(_:)``.
    public func send(bytes arguments: [[UInt8]]) async throws(RedisError) -> RedisValue {
        try await perform(arguments) { connection throws(RedisError) in try await connection.send(bytes: arguments) }
    }

    /// Sends a blocking read whose BLOCK is `block`; ``unblock()`` or ``close()`` ends it at once.
    public func sendBlocking(_ arguments: [String], block: Duration) async throws(RedisError) -> RedisValue {
        try await perform(arguments.map { Array($0.utf8) }) { connection throws(RedisError) in
            try await connection.sendBlocking(arguments, block: block)
        }
    }

    /// Waits (on the injected clock, through the backoff) until connected; throws `.closed` once
    /// the link is closed or the caller is cancelled.
    public func waitUntilConnected() async throws(RedisError) {
        while true {
            let wait = state.withLock { $0.nextAttempt } - time.now
            if wait > .zero, await closedEvent.wait(timeout: wait, on: time) { throw closedError }
            if Task.isCancelled { throw RedisError(.closed, "waiting for Redis at \(options.url.address) was cancelled") }
            do {
                _ = try await connection(failFast: false)
                return
            } catch where error.code == .closed {
                throw error
            } catch {
                continue
            }
        }
    }

    /// Waits (on the injected clock) until connected, at most `limit` (plus one connect deadline);
    /// false when the time ran out, the link is closing or the caller is cancelled. It connects
    /// past the backoff, but all waiters together try at most once per ``reachabilityCheckInterval``.
    public func waitUntilReachable(within limit: Duration) async -> Bool {
        let deadline = time.now + limit
        while time.now < deadline, !Task.isCancelled {
            if state.withLock({ $0.status == .closed || $0.connectsRefused }) { return false }
            if liveConnection() != nil { return true }
            do {
                // Past the backoff (a caller that waits has something worth sending), but at most
                // one attempt per interval among all waiters.
                _ = try await connection(failFast: false, unlessAttemptedWithin: Self.reachabilityCheckInterval)
                return true
            } catch where error.code == .closed {
                return false
            } catch {
                let wait = min(deadline, time.now + Self.reachabilityCheckInterval) - time.now
                if wait > .zero, await closedEvent.wait(timeout: wait, on: time) { return false }
            }
        }
        return false
    }

    /// Shuts the current connection's socket, so a pending blocking read returns at once; the next
    /// command reconnects. For a stop, ``close()`` does this and more.
    public func unblock() {
        state.withLock { $0.connection }?.unblock()
    }

    /// For a stop that still needs the link (to delete the heartbeat): a connect (or TLS handshake,
    /// or AUTH) in progress is abandoned at once and no new one is made; a live connection still
    /// serves. Commands that would need a new connection fail at once with `.closed`.
    public func stopConnecting() {
        state.withLock { state in
            state.connectsRefused = true
            return state.attempt
        }?.unblock()
    }

    /// Closes the link for good: a pending read returns at once, later commands fail with `.closed`.
    public func close() async {
        let (connection, attempt) = state.withLock { state in
            state.status = .closed
            defer { state.connection = nil }
            return (state.connection, state.attempt)
        }
        closedEvent.fire()
        attempt?.unblock()
        connection?.unblock()
        await connection?.close()
    }

    var closedError: RedisError {
        RedisError(.closed, "the Redis link to \(options.url.address) is closed (the daemon is stopping)")
    }
}
