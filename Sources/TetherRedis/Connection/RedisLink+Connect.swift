import Logging
import TetherCore

extension RedisLink {
    /// Runs `body` on a live connection and counts it; a connection that broke is dropped, so the
    /// next call reconnects. A command that reached the wire is never sent again: it may not be
    /// idempotent (XADD). One that never did (the server had closed the idle connection at a
    /// restart, or another command broke the connection first) goes once more on a new connection,
    /// so a restart loses no reply. With `failFast` false it connects even while the backoff runs.
    func perform(_ arguments: [[UInt8]], failFast: Bool = true,
                 _ body: (RedisConnection) async throws(RedisError) -> RedisValue) async throws(RedisError) -> RedisValue {
        let name = RedisCommandName(arguments).name
        var retried = false
        while true {
            let connection: RedisConnection
            do {
                // Past the backoff, still at most one connect per interval (see waitUntilReachable).
                connection = try await self.connection(failFast: failFast, unlessAttemptedWithin: failFast ? nil : Self.reachabilityCheckInterval)
            } catch {
                throw error.markedUnsent
            }
            do {
                let value = try await body(connection)
                count(name, failed: false)
                return value
            } catch {
                if connection.brokenBy != nil { await drop(connection, because: error) }
                if error.unsent, !retried, state.withLock({ $0.status != .closed && !$0.connectsRefused }) {
                    retried = true
                    continue
                }
                count(name, failed: true)
                throw error
            }
        }
    }

    /// The live connection, or a new one; with `failFast` a backoff that has not run out throws the last error.
    /// With `gap`, an attempt is made only if none started within `gap` (else the last error is
    /// thrown): waiters that ignore the backoff still never storm a server that is down.
    func connection(failFast: Bool, unlessAttemptedWithin gap: Duration? = nil) async throws(RedisError) -> RedisConnection {
        if let live = liveConnection() { return live }
        await connecting.enter()
        defer { connecting.leave() }
        if let live = liveConnection() { return live }
        if let stale = state.withLock({ state in state.connection.take() }) {
            // Broken (by unblock() or an error seen elsewhere): free its thread before replacing it.
            await stale.close()
        }
        let (closed, refused, due, lastError, lastAttempt) = state.withLock { state in
            (state.status == .closed, state.connectsRefused || options.connectGate.isStopped, state.nextAttempt <= time.now, state.lastError,
             state.lastAttemptAt)
        }
        if closed { throw closedError }
        if refused { throw RedisError(.closed, "not connecting to Redis at \(options.url.address): the daemon is stopping") }
        if let gap, let lastAttempt, let lastError, time.now - lastAttempt < gap { throw unreachable(lastError) }
        if failFast, !due, let lastError { throw unreachable(lastError) }
        let connection = RedisConnection(options: options, name: name)
        let admitted = options.connectGate.admit(connection)
        let closing = state.withLock { state -> Bool in
            state.attempt = connection
            state.lastAttemptAt = time.now
            if state.status != .closed { state.status = .connecting(lastError: state.lastError) }
            return state.status == .closed || state.connectsRefused
        }
        // close(), stopConnecting() or the gate may have run since the check above; they could not see this attempt then.
        if closing || !admitted { connection.unblock() }
        defer {
            options.connectGate.release(connection)
            state.withLock { $0.attempt = nil }
        }
        do {
            try await connection.connect()
        } catch {
            await connection.close()
            if state.withLock({ $0.status == .closed }) { throw closedError }
            // Abandoned for a stop (stopConnecting()): a stop, not a sign of Redis's health; no backoff.
            if error.code == .closed { throw error }
            recordFailure(error)
            throw error
        }
        return try await recordSuccess(connection)
    }

    /// What a caller turned away while the link reconnects is told. A connection that broke under
    /// a command left `.closed` as the last error; to the caller that is Redis out of reach
    /// (`.connect`), not this link closed for good, which `.closed` tells waiters to give up on (a
    /// reply writer waiting out a Redis restart gave up at once, losing its reply).
    private func unreachable(_ lastError: RedisError) -> RedisError {
        RedisError(lastError.code == .closed ? .connect : lastError.code,
                   "Redis at \(options.url.address) is unreachable, reconnecting: \(lastError.message)")
    }

    func liveConnection() -> RedisConnection? {
        state.withLock { state in
            guard state.status == .connected, let connection = state.connection, connection.brokenBy == nil else { return nil }
            return connection
        }
    }

    private func recordSuccess(_ connection: RedisConnection) async throws(RedisError) -> RedisConnection {
        let outcome = state.withLock { state -> Bool? in
            guard state.status != .closed else { return nil }
            state.connection = connection
            state.status = .connected
            state.backoff.success()
            state.nextAttempt = .zero
            defer { state.everConnected = true }
            if state.everConnected { state.metrics.reconnects += 1 }
            return state.everConnected
        }
        guard let again = outcome else {
            // close() ran while this attempt was under way.
            await connection.close()
            throw closedError
        }
        logger.info(again ? "reconnected to Redis" : "connected to Redis", metadata: ["redis.url": "\(options.url)"])
        return connection
    }

    private func recordFailure(_ error: RedisError) {
        let (delay, first) = state.withLock { state -> (Duration, Bool) in
            let first = state.backoff.failures == 0 || state.lastError?.code != error.code
            let delay = state.backoff.failure()
            state.nextAttempt = time.now + delay
            state.metrics.connectFailures += 1
            if state.status != .closed { state.status = .connecting(lastError: error) }
            return (delay, first)
        }
        // The first failure of a streak (or a new kind of failure) is worth a warning; retries that
        // fail the same way would only repeat it.
        let level: Logger.Level = first ? .warning : .debug
        logger.log(level: level, "cannot reach Redis, retrying", metadata: [
            "error": "\(error.message)", "redis.retry_ms": "\(delay.milliseconds)",
        ])
    }

    private func drop(_ connection: RedisConnection, because error: RedisError) async {
        let dropped = state.withLock { state -> Bool in
            guard state.connection === connection else { return false }
            state.connection = nil
            if state.status != .closed { state.status = .connecting(lastError: error) }
            return true
        }
        await connection.close()
        // An unblock() for a stop is expected; anything else means Redis went away.
        if dropped { logger.log(level: error.code == .closed ? .info : .warning, "lost the Redis connection", metadata: ["error": "\(error.message)"]) }
    }

    private func count(_ name: String, failed: Bool) {
        state.withLock { state in
            state.metrics.commands[name, default: 0] += 1
            if failed { state.metrics.failures[name, default: 0] += 1 }
        }
    }
}
