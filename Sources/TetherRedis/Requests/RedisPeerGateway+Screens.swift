import TetherCore

extension RedisPeerGateway: ScreenWatchRequesting {
    /// A watch of the session's screens (``ScreenWatch``): Tether's own screen stream from a Tether
    /// host, `get_session_data` polled from a Python host; ends at once for a computer that is not
    /// online, or when the gateway has no ``ScreenWatches``.
    public func watchScreen(on computer: String, sessionID: String) -> AsyncStream<RemoteScreen> {
        guard let screens, isOnline(computer) else {
            return AsyncStream { continuation in
                continuation.yield(.ended(status: ScreenWatch.hostLeftStatus))
                continuation.finish()
            }
        }
        return screens.watch(on: computer, sessionID: sessionID, requester: self)
    }

    /// `watch_screen` and `get_session_data` for a watch: the peer's reply, an error envelope
    /// included; throws when no reply came.
    public func ask(_ command: PeerCommand, of host: String, sessionID: String) async throws -> PeerReply {
        try await ask(command, on: host, sessionID: sessionID).reply
    }
}
