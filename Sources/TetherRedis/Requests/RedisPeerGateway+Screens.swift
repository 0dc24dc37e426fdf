import TetherCore

extension RedisPeerGateway {
    /// Finishes at once without a screen: live screens of remote sessions come from the screens
    /// part (Sources/TetherRedis/Screens/), whose file replaces this one.
    public func watchScreen(on computer: String, sessionID: String) -> AsyncStream<RemoteScreen> {
        AsyncStream { $0.finish() }
    }
}
