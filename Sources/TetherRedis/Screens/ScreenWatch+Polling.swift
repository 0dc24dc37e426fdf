import TetherCore

extension ScreenWatch {
    /// Against a host without `watch_screen` (a Python host): `get_session_data` with the last
    /// ``pollTailCharacters`` every ``pollInterval``, its `messages` yielded when they changed. A
    /// host that reports the session unknown ends the watch (`closed`); one that left ends it (`offline`).
    func poll(until stop: AsyncEvent, into output: inout ScreenOutput) async {
        let command = PeerCommand.getSessionData(SessionDataRange(tailCharacters: Self.pollTailCharacters))
        while !stop.isFired, !Task.isCancelled {
            do {
                switch try await requester.ask(command, of: host, sessionID: sessionID) {
                case .success(let data) where data["status"]?.stringValue == WireStatus.error:
                    // The host answers a session it does not know with an error inside `data` (PROTOCOL.md §3).
                    output.end(Self.unknownSessionStatus)
                    return
                case .success(let data):
                    if let text = data["messages"]?.stringValue { output.screen(text) }
                case .failure(let failure):
                    logger.info("the host refused get_session_data; the watch ends", metadata: ["error": "\(failure.message)"])
                    output.end(Self.unknownSessionStatus)
                    return
                }
            } catch {
                logger.debug("get_session_data got no reply", metadata: ["error": "\(error)"])
                // A host that answers is there, whatever the directory says; one that does not and is gone has left.
                if await hostIsGone() {
                    output.end(Self.hostLeftStatus)
                    return
                }
            }
            _ = await stop.wait(timeout: Self.pollInterval, on: time)
        }
    }
}
