/// Every field of the Python daemon's session row (PROTOCOL.md §7), plus Tether's explicit `status`,
/// the time it ended and its final screen.
public struct SessionRecord: Sendable, Equatable {
    public var sessionID: String
    public var computerName: String
    public var title: String?
    public var tmuxSessionName: String
    public var originAdapter: String = "telegram"
    /// JSON text, kept verbatim.
    public var adapterMetadata: String?
    public var createdAt: Timestamp
    public var lastActivity: Timestamp
    public var workingDirectory: String = "~"
    public var activeAgent: String?
    public var thinkingMode: String?
    public var nativeSessionID: String?
    public var nativeLogFile: String?
    public var nativeTTYPath: String?
    public var tmuxTTYPath: String?
    public var nativePID: Int?
    public var lastMessageSent: String?
    public var lastFeedbackReceived: String?
    public var initiatorSessionID: String?
    public var workingSlug: String?
    public var description: String?
    public var outputMessageID: String?
    public var lastInputAdapter: String?
    public var notificationSent = false
    public var tuiLogFile: String?
    public var tuiCaptureStarted = false
    public var terminalSize: String? = "80x24"
    public var initiatedByAI = false
    public var lastMessageSentAt: Timestamp?
    public var lastFeedbackReceivedAt: Timestamp?
    // Tether's own columns.
    public var status: SessionStatus = .creating
    public var closedAt: Timestamp?
    public var finalScreen: String?
    public var exitStatus: Int?
    /// Why it ended, when known: systemd's verdict on its scope (`oom-kill`, ...) or the signal.
    public var exitReason: String?
    /// CPU time and current memory of its scope, when it runs in one.
    public var cpuSeconds: Double?
    public var memoryBytes: Int?
    /// What its agent is doing, from its hooks and its screen; kept in memory only (a restarted
    /// daemon follows an adopted session's agent again from `starting`, which its screen settles
    /// within a few polls), nil when no agent is followed.
    public var agent: AgentStatus?

    public init(sessionID: String, computerName: String, tmuxSessionName: String, createdAt: Timestamp) {
        self.sessionID = sessionID
        self.computerName = computerName
        self.tmuxSessionName = tmuxSessionName
        self.createdAt = createdAt
        self.lastActivity = createdAt
    }

    /// The tmux session name PROTOCOL.md §8 gives a session id: `tc_` and its first 8 characters.
    public static func tmuxName(for sessionID: String) -> String { "tc_" + sessionID.prefix(8) }
}
