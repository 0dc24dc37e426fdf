/// Something that sends Redis commands: a ``RedisConnection`` or a reconnecting ``RedisLink``.
public protocol RedisCommandSending: Sendable {
    /// Sends one command and returns its reply; a `-ERR` reply throws.
    func send(_ arguments: [String]) async throws(RedisError) -> RedisValue
}

extension RedisConnection: RedisCommandSending {}
