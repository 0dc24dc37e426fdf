extension Session: WireEncodable {
    /// The summary's cached bytes, spliced: a session is never encoded twice.
    public func write(to json: inout JSONWriter) { json.raw(summaryJSON) }

    /// `[summary, ...]`: each session's cached bytes spliced, none encoded again.
    public static func jsonArray(_ sessions: [Session]) -> [UInt8] {
        var json = JSONWriter(reservingCapacity: sessions.count * 512 + 2)
        json.write(sessions)
        return json.bytes
    }

    /// `get_session_data`'s answer (and the transcript endpoint's `data`) for `messages` of this session.
    public func output(messages: String) -> SessionOutput {
        SessionOutput(sessionID: id, projectDirectory: record.workingDirectory, messages: messages,
                      createdAt: record.createdAt.iso8601, lastActivity: record.lastActivity.iso8601)
    }
}

extension SessionSummary {
    /// The summary of one session row (PROTOCOL.md §7).
    public init(_ record: SessionRecord) {
        self.init(sessionID: record.sessionID, originAdapter: record.originAdapter, title: record.title,
                  workingDirectory: record.workingDirectory, thinkingMode: record.thinkingMode, activeAgent: record.activeAgent,
                  status: record.status.rawValue, createdAt: record.createdAt.iso8601, lastActivity: record.lastActivity.iso8601,
                  lastInput: record.lastMessageSent, lastOutput: record.lastFeedbackReceived, tmuxSessionName: record.tmuxSessionName,
                  initiatorSessionID: record.initiatorSessionID, computer: record.computerName, exitStatus: record.exitStatus,
                  exitReason: record.exitReason, cpuSeconds: record.cpuSeconds, memoryBytes: record.memoryBytes)
        agentState = record.agent?.state.rawValue
        prompt = record.agent?.prompt
    }
}
