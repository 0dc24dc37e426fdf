/// An encrypted byte pipe to a Redis server that hiredis speaks through (the TLS tunnel for `rediss://`).
///
/// hiredis gets a duplicate of ``fileDescriptor`` and closes that duplicate with its context; the
/// tunnel keeps its own descriptor and releases it, with everything else it holds, in ``close()``.
public protocol RedisTunnel: Sendable {
    /// The plain end of the tunnel: bytes written here reach the server encrypted.
    var fileDescriptor: Int32 { get }
    /// Ends the tunnel; called once, when the connection that uses it closes.
    func close()
}

/// Opens a tunnel to `host:port` within `timeout`; throws when the server cannot be reached or verified.
public typealias RedisTunnelFactory = @Sendable (_ host: String, _ port: Int, _ timeout: Duration) throws -> any RedisTunnel
