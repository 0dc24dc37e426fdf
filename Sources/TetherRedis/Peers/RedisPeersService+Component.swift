import TetherCore

/// The supervisor runs the service directly as the component named `redis`.
extension RedisPeersService: Component {
    /// ``RedisPeersService/componentName``.
    public var name: String { Self.componentName }

    /// A round every heartbeat interval, or while degraded a retry at most every reconnect maximum;
    /// either may take a connect and a command deadline on top.
    public var heartbeatInterval: Duration {
        max(settings.heartbeatInterval, RedisLink.reconnectMaximum) + link.options.connectTimeout + link.options.commandTimeout
    }
}
