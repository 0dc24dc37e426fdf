import TetherCore

extension SessionRecord {
    /// A peer's session as its summary describes it (PROTOCOL.md §7), hosted on `computer`.
    /// Times that are missing or unreadable fall back to `fallback` (when the summary was received);
    /// a status this daemon does not know reads as `active`, the Python daemon's only one.
    public init(remote summary: SessionSummary, computer: String, fallback: Timestamp) {
        let created = summary.createdAt.flatMap { Timestamp(iso8601: $0) }
        let activity = summary.lastActivity.flatMap { Timestamp(iso8601: $0) }
        self.init(sessionID: summary.sessionID, computerName: computer,
                  tmuxSessionName: summary.tmuxSessionName ?? "", createdAt: created ?? activity ?? fallback)
        lastActivity = activity ?? created ?? fallback
        title = summary.title
        originAdapter = summary.originAdapter ?? originAdapter
        workingDirectory = summary.workingDirectory ?? workingDirectory
        thinkingMode = summary.thinkingMode
        activeAgent = summary.activeAgent
        status = SessionStatus(rawValue: summary.status) ?? .active
        lastMessageSent = summary.lastInput
        lastFeedbackReceived = summary.lastOutput
        initiatorSessionID = summary.initiatorSessionID
        exitStatus = summary.exitStatus
        exitReason = summary.exitReason
        cpuSeconds = summary.cpuSeconds
        memoryBytes = summary.memoryBytes
    }
}
