/// An encrypted byte pipe to a Redis server that hiredis speaks through (the TLS tunnel for `rediss://`).
///
/// ``fileDescriptor`` is handed to `redisConnectFd`, after which hiredis owns it and `redisFree`
/// closes it; ``close()`` ends the tunnel's own side and never closes ``fileDescriptor`` (doing
/// both would close a number that another thread may already have reused).
public protocol RedisTunnel: Sendable {
    /// The plain end of the tunnel: bytes written here reach the server encrypted.
    var fileDescriptor: Int32 { get }
    /// Ends the tunnel; called once, when the connection that uses it closes.
    func close()
}

/// Opens a tunnel to `host:port` within `timeout`; throws when the server cannot be reached or verified.
/// `wake` is a descriptor that becomes readable when a stop abandons the attempt (-1: none): the
/// opener polls it beside its socket, so a stop never waits out a connect or a handshake.
public typealias RedisTunnelFactory = @Sendable (_ host: String, _ port: Int, _ timeout: Duration, _ wake: Int32) throws -> any RedisTunnel
