import TetherCore

extension RedisPeerGateway {
    /// `stop_notification <session> <this computer> [b64 title]` or `input_notification <session>
    /// <this computer> <b64 message>`, sent without reading a reply (PROTOCOL.md §2, §3). A Python
    /// peer gets no `input_notification`: its receiver crashes on it (§9 defect 6), so the notice
    /// is skipped for it (logged once per peer) and its caller hears at the turn's end.
    public func sendAgentNotice(on computer: String, sessionID: String, kind: AgentNoticeKind, text: String?) async throws {
        try requireOnline(computer)
        let command: PeerCommand
        switch kind {
        case .turnEnded:
            command = .stopNotification(sessionID: sessionID, sourceComputer: requester.computer, title: text.flatMap { $0.isEmpty ? nil : $0 })
        case .needsInput:
            guard directory.peer(named: computer)?.isTether ?? false else {
                if pythonNoticesSkipped.withLock({ $0.insert(computer).inserted }) {
                    logger.info("input notices are not sent to a Python peer: its receiver cannot take input_notification (PROTOCOL.md §9 defect 6); it still gets stop_notification",
                                metadata: ["peer": "\(computer)", "session.id": "\(sessionID)"])
                }
                return
            }
            // The receiver needs a message: an empty one would not parse there.
            command = .inputNotification(sessionID: sessionID, sourceComputer: requester.computer, message: text.flatMap { $0.isEmpty ? nil : $0 } ?? "input needed")
        }
        do {
            try await requester.post(command, to: computer)
        } catch {
            throw TetherError(.unavailable, "\(command.name) to \(computer) failed: \(error.message)", underlying: error)
        }
    }
}
