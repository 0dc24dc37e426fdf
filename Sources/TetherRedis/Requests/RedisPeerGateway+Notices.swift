import TetherCore

extension RedisPeerGateway {
    /// `stop_notification <session> <this computer> [b64 title]` or `input_notification <session>
    /// <this computer> <b64 message>`, sent without reading a reply (PROTOCOL.md §2, §3).
    public func sendAgentNotice(on computer: String, sessionID: String, kind: AgentNoticeKind, text: String?) async throws {
        try requireOnline(computer)
        let command: PeerCommand = switch kind {
        case .turnEnded:
            .stopNotification(sessionID: sessionID, sourceComputer: requester.computer, title: text.flatMap { $0.isEmpty ? nil : $0 })
        case .needsInput:
            // The receiver needs a message: an empty one would not parse there.
            .inputNotification(sessionID: sessionID, sourceComputer: requester.computer, message: text.flatMap { $0.isEmpty ? nil : $0 } ?? "input needed")
        }
        do {
            try await requester.post(command, to: computer)
        } catch {
            throw TetherError(.unavailable, "\(command.name) to \(computer) failed: \(error.message)", underlying: error)
        }
    }
}
