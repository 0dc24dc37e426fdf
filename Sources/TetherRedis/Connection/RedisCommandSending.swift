/// Something that sends Redis commands: a ``RedisConnection`` or a reconnecting ``RedisLink``.
public protocol RedisCommandSending: Sendable {
    /// Sends one command and returns its reply; a `-ERR` reply throws.
    func send(_ arguments: [String]) async throws(RedisError) -> RedisValue

    /// Sends one command, connecting first even while a reconnect backoff runs: for a command that
    /// must not be lost to a backoff that outlived the outage (a reply to a request just read).
    func sendReconnecting(_ arguments: [String]) async throws(RedisError) -> RedisValue

    /// Waits until Redis can be reached again, at most `limit`; false when it could not be (or the
    /// sender is closing). For a command that failed without being sent and is worth sending again.
    func waitUntilReachable(within limit: Duration) async -> Bool
}

extension RedisCommandSending {
    /// A sender without a backoff just sends.
    public func sendReconnecting(_ arguments: [String]) async throws(RedisError) -> RedisValue { try await send(arguments) }

    /// A sender that cannot reconnect never becomes reachable by waiting.
    public func waitUntilReachable(within limit: Duration) async -> Bool { false }
}

extension RedisConnection: RedisCommandSending {}
